/**
 * The built executable with real stdio: the shell fed by a pipe (no prompt noise, exit status
 * 1 when a command failed), and every new command's --help. Needs `pnpm build` first (turbo's
 * test task depends on build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

function cli(args: string[], input = '') {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.runIf(existsSync(CLI))('dist/cli.js', () => {
  it('shell with piped commands: outputs, no prompt, exit 0', () => {
    const r = cli(['shell'], 'cat /sys/kernel/mm/migrate_offload/active\nmigratepages 1 0 1\n');
    expect(r).toEqual({ code: 0, out: 'none\n', err: '' });
  });

  it('shell: a failed command makes the piped session exit 1, after running the rest', () => {
    const r = cli(['shell'], 'migratepages 1 0 9\necho hi\n');
    expect(r.code).toBe(1);
    expect(r.out).toBe('<9> is invalid\nhi\n');
    expect(r.err).toBe('libnuma: Warning: node argument 9 is out of range\n\npagemig: shell: 1 of 2 command(s) failed\n');
  });

  it('shell over a scenario file, and a malformed one', () => {
    const scenario = fileURLToPath(new URL('../../scenarios/tiering-dma.yaml', import.meta.url));
    const r = cli(['shell', scenario], 'cat /sys/kernel/mm/migrate_offload/active\ncat /sys/kernel/mm/migrate_offload/reason_mask\n');
    expect(r).toEqual({ code: 0, out: 'dcbm\nnuma_misplaced,demotion\n', err: '' });
    const bad = cli(['shell', '/nonexistent.yaml'], '');
    expect(bad).toEqual({ code: 2, out: '', err: 'pagemig: /nonexistent.yaml: cannot read the scenario: no such file\n' });
  });

  it('bench --out names every file it wrote, and they are there', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pagemig-e2e-')), 'bench');
    try {
      const r = cli(['bench', '--total', '4M', '--sizes', '4K', '--paths', 'legacy,batch', '--repeat', '1', '--out', dir]);
      expect(r.code).toBe(0);
      expect(r.out).toContain('legacy');
      const files = ['bench.json', 'bench.csv', 'throughput.svg', 'throughput.png', 'speedup.svg', 'speedup.png', 'report.html'];
      expect(r.err).toContain(`wrote ${files.map((f) => join(dir, f)).join(', ')}\n`);
      expect(readdirSync(dir).sort()).toEqual([...files].sort());
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  it('--help for run, shell and dmatest', () => {
    for (const cmd of ['run', 'shell', 'dmatest']) {
      const r = cli([cmd, '--help']);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect(r.out).toContain(`Usage: pagemig ${cmd}`);
    }
    const unknown = cli(['run', 'x.yaml', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown option '--frobnicate'/);
  });
});
