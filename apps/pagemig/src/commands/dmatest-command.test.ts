import { describe, expect, it } from 'vitest';
import { runCli } from '../scenario/testing/scenario-fixtures';
import { parseDmaFaultRule } from './dmatest-command';

/** A per-transfer timeout no loaded CI host reaches (tests must not fail on time). */
const LONG = ['--timeout', '30000'];

const SUMMARY = /^dma0chan\d-copy\d: summary \d+ tests, \d+ failures \d+\.\d\d iops \d+ KB\/s \(0\)$/;

describe('pagemig dmatest', () => {
  it('a clean run on two channels: result and summary lines, exit 0', async () => {
    const { code, out, err } = await runCli(['dmatest', ...LONG, '--iterations', '40', '--channels', '2', '--seed', '3']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['Started 1 threads using dma0chan0', 'Started 1 threads using dma0chan1']);
    const summaries = lines.filter((l) => l.includes('summary'));
    expect(summaries).toHaveLength(2);
    for (const s of summaries) {
      expect(s).toMatch(SUMMARY);
      expect(s).toContain('40 tests, 0 failures');
    }
  });

  it('module parameters: threads per channel, max channels, fixed length, noverify, polled', async () => {
    const r = await runCli(['dmatest', ...LONG, '--iterations', '10', '--channels', '3', '--max-channels', '1', '--threads-per-chan', '2', '--transfer-size', '4096', '--test-buf-size', '8192']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Started 2 threads using dma0chan0');
    expect(r.out).not.toContain('dma0chan1');
    expect(r.out.match(/summary 10 tests, 0 failures/g)).toHaveLength(2);
    // polled: wait synchronously, then terminate the channel (one thread per channel, since a
    // terminate aborts a sibling thread's transfer, as in the kernel module)
    const polled = await runCli(['dmatest', ...LONG, '--iterations', '10', '--channels', '2', '--polled']);
    expect(polled.code).toBe(0);
    expect(polled.out.match(/summary 10 tests, 0 failures/g)).toHaveLength(2);
    const nv = await runCli(['dmatest', ...LONG, '--iterations', '5', '--channels', '1', '--noverify', '--norandom', '--verbose']);
    expect(nv.code).toBe(0);
    expect(nv.out).toContain("dma0chan0-copy0: result #1: 'test passed' with src_off=0x0 dst_off=0x0 len=0x4000 (0)");
  });

  it('a planted engine bug: the verifier prints dmatest mismatch lines and the run exits 1', async () => {
    const { code, out, err } = await runCli(['dmatest', ...LONG, '--iterations', '12', '--channels', '1', '--bug', 'offset-slip:every=4']);
    expect(code).toBe(1);
    expect(err).toBe('pagemig: dmatest: 3 of 12 tests failed\n');
    expect(out).toMatch(/^dma0chan0-copy0: dstbuf\[0x[0-9a-f]+\] mismatch! Expected [0-9a-f]{2}, got [0-9a-f]{2}$/m);
    expect(out).toMatch(/^dma0chan0-copy0: result #4: 'data error' with src_off=0x[0-9a-f]+ dst_off=0x[0-9a-f]+ len=0x[0-9a-f]+ \(\d+\)$/m);
    expect(out).toMatch(/dma0chan0-copy0: summary 12 tests, 3 failures/);
  });

  it('every planted bug is caught with its own message', async () => {
    const expected: Record<string, RegExp> = {
      'short-copy': /dstbuf\[0x[0-9a-f]+\] not copied!/,
      'write-outside': /dstbuf\[0x[0-9a-f]+\] was copied!/,
      'src-overwrite': /srcbuf\[0x[0-9a-f]+\] overwritten!/,
    };
    for (const [bug, line] of Object.entries(expected)) {
      const r = await runCli(['dmatest', ...LONG, '--iterations', '3', '--channels', '1', '--norandom', '--transfer-size', '1000', '--bug', bug]);
      expect({ bug, code: r.code }).toEqual({ bug, code: 1 });
      expect(r.out).toMatch(line);
    }
  });

  it('a failing descriptor is a completion error', async () => {
    const r = await runCli(['dmatest', ...LONG, '--iterations', '6', '--channels', '1', '--fault', 'read-failed:nth=2']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/result #2: 'completion error status'/);
  });

  it('bad options exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['--iterations', '0'], /^pagemig: --iterations "0" is not accepted: give an integer from 1 to 1000000\n$/],
      [['--channels', 'two'], /^pagemig: --channels "two" is not accepted/],
      [['--fault', 'melt'], /^pagemig: --fault "melt": kind "melt" is not accepted: give one of read-failed, /],
      [['--bug', 'halt'], /^pagemig: --bug "halt": give one of short-copy, offset-slip, write-outside, src-overwrite\n$/],
      [['--fault', 'partial:when=3'], /"when" is not accepted: give nth, every, probability/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['dmatest', ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
    }
    const help = await runCli(['dmatest', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--threads-per-chan <n>');
  });

  it('parses fault rules', () => {
    expect(parseDmaFaultRule('stall')).toEqual({ kind: 'stall', every: 1 });
    expect(parseDmaFaultRule('partial:nth=1+3,bytes=100')).toEqual({ kind: 'partial', nth: [1, 3], bytes: 100 });
    expect(parseDmaFaultRule('read-failed:probability=0.5,times=2')).toEqual({ kind: 'read-failed', probability: 0.5, times: 2 });
  });
});
