import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChromeTrace } from '../trace/chrome-trace';
import { buildWorld, type ScenarioWorld } from '../scenario/scenario-world';
import { MIGRATEPAGES_USAGE } from './migratepages';
import { defaultShellScenario, runShell } from './run-shell';

/** Pipes `lines` into a shell over `world`; returns stdout, stderr and the outcome. */
async function pipe(world: ScenarioWorld, lines: string[]) {
  const output = new PassThrough();
  const error = new PassThrough();
  let out = '';
  let err = '';
  output.on('data', (c: Buffer) => void (out += c.toString()));
  error.on('data', (c: Buffer) => void (err += c.toString()));
  const outcome = await runShell(world, { input: Readable.from(lines.map((l) => `${l}\n`)), output, error, interactive: false });
  return { out, err, ...outcome };
}

let world: ScenarioWorld;
beforeAll(async () => {
  world = await buildWorld(defaultShellScenario());
});
afterAll(async () => {
  await world.dispose();
});

/** Pages of the sample process per node, from numa_maps. */
function pagesOn(node: number): number {
  const text = world.sys.sysfs.read('/proc/1/numa_maps') as string;
  return [...text.matchAll(new RegExp(`N${node}=(\\d+)`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('pagemig shell (piped)', () => {
  it('no prompt when piped; ls, cat, ps, numa_maps, vmstat', async () => {
    const r = await pipe(world, ['ls /sys/kernel/mm/migrate_offload', 'cat /sys/kernel/mm/migrate_offload/active', 'ps', 'numa_maps 1', 'vmstat']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).not.toContain('pagemig#');
    expect(r.out.startsWith('accounting\nactive\nreason_mask\nstats\nnone\n')).toBe(true);
    expect(r.out).toMatch(/PID TGID CPU NODE MEMCG\s+COMMAND\n\s+1\s+1\s+0\s+0 sample\s+sample\n\s+2\s+1\s+2\s+1 sample\s+sample-reader\n/);
    expect(r.out).toMatch(/^7f0000000000 default anon=1024 dirty=1024 .*N0=1024 kernelpagesize_kB=4$/m);
    expect(r.out).toMatch(/^pgmigrate_success \d+$/m);
  });

  it('migratepages moves a process and prints nothing on success', async () => {
    const before = pagesOn(0);
    expect(before).toBeGreaterThan(0);
    const r = await pipe(world, ['migratepages 1 0 1']);
    expect(r).toMatchObject({ out: '', err: '', status: 0 });
    expect(pagesOn(0)).toBe(0);
    expect(pagesOn(1)).toBe(before);
    const back = await pipe(world, ['migratepages 1 all 0']);
    expect(back).toMatchObject({ out: '', err: '', status: 0 });
    expect(pagesOn(0)).toBe(before);
  });

  it("numactl's messages for bad node lists, usage and syscall errors", async () => {
    const cases: [string, string, string][] = [
      ['migratepages 1 0 5', '<5> is invalid\n', 'libnuma: Warning: node argument 5 is out of range\n\n'],
      ['migratepages 1 7 0', '<7> is invalid\n', 'libnuma: Warning: node argument 7 is out of range\n\n'],
      ['migratepages 1 1x 0', '<1x> is invalid\n', ''],
      ['migratepages 1 0 1-', '<1-> is invalid\n', 'libnuma: Warning: missing node argument \n\n'],
      ['migratepages 1 0 zero', '<zero> is invalid\n', "libnuma: Warning: unparseable node description `zero'\n\n"],
      ['migratepages', '', MIGRATEPAGES_USAGE],
      ['migratepages 1 0', '', MIGRATEPAGES_USAGE],
      ['migratepages 1 0 1 2', '', MIGRATEPAGES_USAGE],
      ['migratepages -h', '', MIGRATEPAGES_USAGE],
      ['migratepages --help', '', MIGRATEPAGES_USAGE],
      ['migratepages -x 1 0 1', '', `migratepages: invalid option -- 'x'\n${MIGRATEPAGES_USAGE}`],
      ['migratepages --all 1 0 1', '', `migratepages: unrecognized option '--all'\n${MIGRATEPAGES_USAGE}`],
      ['migratepages 1z 0 1', '', MIGRATEPAGES_USAGE],
      ['migratepages 99 0 1', '', 'migrate_pages: No such process\n'],
    ];
    for (const [line, out, err] of cases) {
      const r = await pipe(world, [line]);
      expect({ line, out: r.out, err: r.err, status: r.status }).toEqual({ line, out, err, status: 1 });
    }
    expect(MIGRATEPAGES_USAGE).toBe('usage: migratepages pid from-nodes to-nodes\n\nnodes is a comma delimited list of node numbers or A-B ranges or all.\n');
    // an empty list is an empty mask, not an error; positive returns exit 0
    expect(await pipe(world, ['migratepages 1 "" 1'])).toMatchObject({ out: '', err: '', status: 0 });
  });

  it('echo writes an attribute; a bad value prints the message and changes nothing', async () => {
    const ok = await pipe(world, ['echo compaction,demotion > /sys/kernel/mm/migrate_offload/reason_mask', 'cat /sys/kernel/mm/migrate_offload/reason_mask']);
    expect(ok).toMatchObject({ out: 'compaction,demotion\n', err: '', status: 0 });
    const bad = await pipe(world, ['echo teleport > /sys/kernel/mm/migrate_offload/reason_mask', 'cat /sys/kernel/mm/migrate_offload/reason_mask']);
    expect(bad.status).toBe(1);
    expect(bad.out).toBe('compaction,demotion\n');
    expect(bad.err).toMatch(/^sh: echo: write error: \/sys\/kernel\/mm\/migrate_offload\/reason_mask: .*"teleport".*accepted: /);
    const batch = await pipe(world, ['echo 100 > /sys/kernel/debug/migrate/nr_max_batched_migration', 'cat /sys/kernel/debug/migrate/nr_max_batched_migration']);
    expect(batch.out).toBe('512\n');
    expect(batch.err).toMatch(/^sh: echo: write error: \/sys\/kernel\/debug\/migrate\/nr_max_batched_migration: /);
    const missing = await pipe(world, ['echo 1 > /sys/nothing', 'echo 1 > /sys/kernel/mm/migrate_offload/active', 'cat /nope', 'ls /nope']);
    expect(missing.err).toBe(
      'sh: /sys/nothing: No such file or directory\n' +
        'sh: /sys/kernel/mm/migrate_offload/active: Permission denied\n' +
        'cat: /nope: No such file or directory\n' +
        "ls: cannot access '/nope': No such file or directory\n",
    );
    expect(missing.failed).toBe(4);
  });

  it('move_pages moves and queries pages', async () => {
    const r = await pipe(world, ['move_pages 1 0x7f0000000000,0x7f0000001000 1', 'move_pages 1 0x7f0000000000', 'move_pages 1 0x7f0000000000+64K', 'move_pages 1 0x7f0000000000-0x7f0000010000 0']);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      '0x7f0000000000  node 1\n0x7f0000001000  node 1\nmove_pages returned 0\n' +
        '0x7f0000000000  node 1\nmove_pages returned 0\n' +
        [...Array(16)].map((_, i) => `0x${(0x7f0000000000 + i * 4096).toString(16)}  node ${i < 2 ? 1 : 0}\n`).join('') +
        'move_pages returned 0\n' +
        [...Array(16)].map((_, i) => `0x${(0x7f0000000000 + i * 4096).toString(16)}  node 0\n`).join('') +
        'move_pages returned 0\n',
    );
    const unmapped = await pipe(world, ['move_pages 1 0x1000', 'move_pages 1 0x1000 9', 'move_pages 1 zz 0']);
    expect(unmapped.out).toBe('0x1000  -EFAULT (Bad address)\nmove_pages returned 0\n');
    expect(unmapped.err).toBe('move_pages: No such device\nmove_pages: bad address "zz": give a number such as 0x7f0000000000\n');
  });

  it('trace start/stop writes a Chrome trace of what ran in between', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagemig-shell-'));
    const file = join(dir, 'shell-trace.json');
    const r = await pipe(world, [`trace start ${file}`, 'migratepages 1 0 1', 'migratepages 1 1 0', 'trace stop']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`^trace: recording \\(trace stop writes ${file}\\)\\ntrace: wrote \\d+ events from \\d+ tracepoint hits to ${file}\\n$`));
    expect(existsSync(file)).toBe(true);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { ph: string; name: string }[] };
    expect(checkChromeTrace(trace)).toEqual([]);
    expect(trace.traceEvents.filter((e) => e.ph === 'X' && e.name.startsWith('migrate_pages syscall_or_cpuset'))).toHaveLength(2);
    const again = await pipe(world, ['trace stop']);
    expect(again).toMatchObject({ out: '', err: 'trace: not recording (trace start first)\n', status: 1 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('unknown commands, help and exit', async () => {
    const r = await pipe(world, ['frobnicate', 'help', 'exit 3', 'ps']);
    expect(r.err).toBe('sh: frobnicate: command not found\n');
    expect(r.out).toContain('migratepages pid from-nodes to-nodes');
    expect(r.out).not.toContain('PID');
    expect(r).toMatchObject({ status: 3, exited: true });
    const clean = await pipe(world, ['# a comment', '', 'exit']);
    expect(clean).toMatchObject({ status: 0, failed: 0 });
  });

  it('run executes the scenario workload and driver and verifies', async () => {
    const r = await pipe(world, ['run']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^scenario default: verified/);
  });
});
