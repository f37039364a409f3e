import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_OK, EXIT_USAGE } from '../cli-error';
import { main } from '../program';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string[] }> {
  let out = '';
  const err: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(argv, { err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('pagemig latency', () => {
  it('prints the points as JSON and writes results and the chart with --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagemig-latency-'));
    dirs.push(dir);
    const { code, out } = await run(['latency', '--total', '8M', '--paths', 'legacy,batch', '--limits', '512,1024,2048', '--repeat', '1', '--json', '--out', dir]);
    expect(code).toBe(EXIT_OK);
    const result = JSON.parse(out);
    expect(result.options).toMatchObject({ sweep: 'limit', limits: [512, 1024, 2048], folios: 4, folioSize: 2 * 1024 * 1024 });
    expect(result.points).toHaveLength(6);
    expect(result.points.every((p: { verified: boolean }) => p.verified)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['latency.csv', 'latency.json', 'latency.png', 'latency.svg']);
    expect(JSON.parse(readFileSync(join(dir, 'latency.json'), 'utf8')).points).toHaveLength(6);
    expect(readFileSync(join(dir, 'latency.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
    expect(readFileSync(join(dir, 'latency.svg'), 'utf8')).toContain('first-folio latency');
    expect([...readFileSync(join(dir, 'latency.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  it('prints a table with the work done before the first completion', async () => {
    const { code, out } = await run(['latency', '--total', '4M', '--paths', 'batch', '--limits', '512,1024', '--repeat', '1', '--no-progress']);
    expect(code).toBe(EXIT_OK);
    expect(out).toContain('NR_MAX_BATCHED_MIGRATION 512, 1024 base pages');
    expect(out).toContain('unmapped<1st');
    expect(out).toMatch(/batch\s*│\s*1\s*│\s*1024\s*│\s*2\s*│\s*2\s*│\s*4M/);
  });

  it('is a usage error (exit code 2) to give a limit that is not accepted', async () => {
    const { code, err } = await run(['latency', '--limits', '1000']);
    expect(code).toBe(EXIT_USAGE);
    expect(err.join('\n')).toMatch(/^pagemig: --limits "1000" is not accepted: give NR_MAX_BATCHED_MIGRATION values in base pages, powers of two from 512 to 262144/);
  });

  it('has --help', async () => {
    const { code } = await run(['latency', '--help']);
    expect(code).toBe(EXIT_OK);
  });
});
