import { describe, expect, it } from 'vitest';
import { LibnumaWarnings, parseNodestring, strtoul } from './numa-nodestring';

/** Parses over a 4-node system where `allowed` nodes may be used; returns the mask and stderr. */
function parse(text: string, allowed = [true, true, true, true]): { nodes: number[] | null; err: string } {
  let err = '';
  const warnings = new LibnumaWarnings((t) => void (err += t));
  return { nodes: parseNodestring(text, allowed, 4, warnings), err };
}

describe('numa_parse_nodestring', () => {
  it('lists, ranges and all', () => {
    expect(parse('')).toEqual({ nodes: [], err: '' });
    expect(parse('2')).toEqual({ nodes: [2], err: '' });
    expect(parse('0,3')).toEqual({ nodes: [0, 3], err: '' });
    expect(parse('1-3')).toEqual({ nodes: [1, 2, 3], err: '' });
    expect(parse('0,2-3')).toEqual({ nodes: [0, 2, 3], err: '' });
    expect(parse('all')).toEqual({ nodes: [0, 1, 2, 3], err: '' });
    expect(parse('0x2')).toEqual({ nodes: [2], err: '' });
  });

  it('a range keeps only allowed nodes; ! inverts over configured nodes; + counts allowed nodes', () => {
    expect(parse('0-3', [true, false, true, true]).nodes).toEqual([0, 2, 3]);
    expect(parse('all', [false, true, false, true]).nodes).toEqual([1, 3]);
    expect(parse('!1').nodes).toEqual([0, 2, 3]);
    expect(parse('!0-1').nodes).toEqual([2, 3]);
    expect(parse('+1', [false, true, false, true]).nodes).toEqual([3]);
    expect(parse('+0-1', [false, true, false, true]).nodes).toEqual([1, 3]);
  });

  it('bad lists print libnuma warnings (message newline plus libnuma newline)', () => {
    expect(parse('5')).toEqual({ nodes: null, err: 'libnuma: Warning: node argument 5 is out of range\n\n' });
    expect(parse('1-9')).toEqual({ nodes: null, err: 'libnuma: Warning: node argument 9 out of range\n\n' });
    expect(parse('1-')).toEqual({ nodes: null, err: 'libnuma: Warning: missing node argument \n\n' });
    expect(parse('foo')).toEqual({ nodes: null, err: "libnuma: Warning: unparseable node description `foo'\n\n" });
    expect(parse('1,,2')).toEqual({ nodes: null, err: "libnuma: Warning: unparseable node description `,2'\n\n" });
    expect(parse('-1')).toEqual({ nodes: null, err: 'libnuma: Warning: node argument -1 is out of range\n\n' });
    expect(parse('1', [true, false, true, true])).toEqual({ nodes: null, err: 'libnuma: Warning: node argument 1 is out of range\n\n' });
  });

  it('trailing junk fails silently', () => {
    expect(parse('1x')).toEqual({ nodes: null, err: '' });
    expect(parse('0-1y')).toEqual({ nodes: null, err: '' });
    expect(parse('all,1')).toEqual({ nodes: null, err: "libnuma: Warning: unparseable node description `all,1'\n\n" });
  });

  it('affinity specifications fail without devices', () => {
    expect(parse('netdev:eth0')).toEqual({ nodes: null, err: "libnuma: Warning: Cannot read node mask for net device `eth0'\n" });
    expect(parse('file:/dev/sda')).toEqual({ nodes: null, err: 'libnuma: Warning: Cannot stat file /dev/sda\n' });
  });

  it('each kind of warning prints once per process', () => {
    let err = '';
    const warnings = new LibnumaWarnings((t) => void (err += t));
    expect(parseNodestring('7', [true, true], 2, warnings)).toBeNull();
    expect(parseNodestring('x', [true, true], 2, warnings)).toBeNull();
    expect(err).toBe('libnuma: Warning: node argument 7 is out of range\n\n');
  });

  it('strtoul reads like C', () => {
    expect(strtoul('42', 0)).toEqual({ value: 42n, end: 2 });
    expect(strtoul('  017x', 0)).toEqual({ value: 15n, end: 5 });
    expect(strtoul('0x1f', 0)).toEqual({ value: 31n, end: 4 });
    expect(strtoul('0x', 0)).toEqual({ value: 0n, end: 1 });
    expect(strtoul('-1', 0)).toEqual({ value: (1n << 64n) - 1n, end: 2 });
    expect(strtoul('abc', 0).end).toBe(0);
  });
});
