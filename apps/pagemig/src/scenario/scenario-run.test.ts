import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { checkChromeTrace, chromeTrace } from '../trace/chrome-trace';
import { loadScenario, parseScenario } from './scenario-load';
import { runScenario, type RunResult } from './scenario-run';
import { SCENARIOS_DIR, runCli, smallScenario } from './testing/scenario-fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'pagemig-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectVerified(r: RunResult): void {
  expect(r.problems).toEqual([]);
  expect(r.ok).toBe(true);
  expect(r.invariants).toEqual([]);
  for (const region of r.regions) expect(region.verified).toBe(true);
  for (const t of r.threads) {
    expect(t.error).toBeNull();
    expect(t.readMismatches).toBe(0);
    expect(t.ops).toBeGreaterThan(0);
  }
}

function expectValidTrace(trace: unknown): void {
  expect(checkChromeTrace(trace)).toEqual([]);
  const events = (trace as { traceEvents: { ph: string; dur?: number; name: string }[] }).traceEvents;
  expect(events.some((e) => e.ph === 'X')).toBe(true);
}

describe('shipped scenarios', () => {
  it('move_pages ping-pong under concurrent accessors moves every round and verifies', async () => {
    const { result, timeline } = await runScenario(loadScenario(join(SCENARIOS_DIR, 'move-pages-pingpong.yaml')), { trace: true });
    expectVerified(result);
    // heap 3 rounds x 2 moves x 1024 pages, table 2 x 2 x 1024 pages (2 THPs), cache 256 pages
    expect(result.moved.pages).toBe(6 * 1024 + 4 * 1024 + 256);
    expect(result.vmstat.thp_migration_success).toBe(8);
    expect(result.steps.map((s) => s.problem)).toEqual([null, null, null]);
    expect(result.provenance.filter((p) => p.migrator === 'mtcopy' && p.outcome === 'copied').length).toBe(1);
    expect(result.accounting.find((a) => a.memcg === 'app' && a.migrator === 'mtcopy')?.folios).toBeGreaterThan(0);
    // the file region ended on node 1, the ping-ponged ones back on node 0
    const where = Object.fromEntries(result.regions.map((g) => [g.region, g.nodes]));
    expect(where.cache).toEqual([0, 256]);
    expect(where.heap).toEqual([1024, 0]);
    expectValidTrace(JSON.parse(JSON.stringify(chromeTrace(timeline!))));
  });

  it('compaction with clusterMax 32 makes 16x the migrate_pages calls of 512 and verifies', async () => {
    const { result } = await runScenario(loadScenario(join(SCENARIOS_DIR, 'compaction-cluster-max.yaml')));
    expectVerified(result);
    const [small, large] = result.steps;
    expect(small!.detail).toMatch(/^complete: 32 migrate_pages calls, 1024 isolated, 1024 migrated, 0 failed/);
    expect(large!.detail).toMatch(/^complete: 2 migrate_pages calls, 1024 isolated, 1024 migrated, 0 failed/);
    expect(result.moved.pages).toBe(2048);
    // one batch per migrate_pages call: the batch limit (512) never splits a cluster
    expect(result.provenance).toEqual([{ migrator: 'cpu', outcome: 'key_off', batches: 34, folios: 2048, bytes: 2048 * 4096 }]);
  });

  it('tiering: demotion to CXL and promotion to DRAM go through dcbm and verify', async () => {
    const { result, timeline } = await runScenario(loadScenario(join(SCENARIOS_DIR, 'tiering-dma.yaml')), { trace: true });
    expectVerified(result);
    expect(result.vmstat.pgdemote_direct).toBe(2048);
    expect(result.vmstat.pgpromote_success).toBeGreaterThan(0);
    const cold = result.regions.find((g) => g.region === 'cold')!;
    expect(cold.nodes).toEqual([0, 2048]);
    const hot = result.regions.find((g) => g.region === 'hot')!;
    expect(hot.nodes[0]).toBe(result.vmstat.pgpromote_success);
    expect(result.provenance.every((p) => p.migrator === 'dcbm' && p.outcome === 'copied')).toBe(true);
    expect(result.accounting.find((a) => a.memcg === 'db')?.deviceNs).toBeGreaterThan(0);
    const trace = JSON.parse(JSON.stringify(chromeTrace(timeline!))) as { traceEvents: { ph: string; pid: number; name: string; args?: { name?: string } }[] };
    expectValidTrace(trace);
    const lanes = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name);
    expect(lanes).toEqual(expect.arrayContaining(['dma0chan0', 'dma0chan1', 'lookup', 'update', 'steps', 'migrate_pages', 'batch_copy']));
  });
});

describe('pagemig run (CLI)', () => {
  function scenarioFile(name: string, data: unknown): string {
    const file = join(tmp, name);
    writeFileSync(file, name.endsWith('.json') ? JSON.stringify(data) : stringify(data));
    return file;
  }

  it('a small run prints the report and --trace writes a Chrome trace', async () => {
    const file = scenarioFile('small.yaml', smallScenario());
    const traceFile = join(tmp, 'small-trace.json');
    const { code, out, err } = await runCli(['run', file, '--trace', traceFile]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^scenario small: verified \(1 region\(s\) checked byte for byte, 1 thread\(s\), invariants hold\)/);
    expect(out).toContain('vmstat delta:');
    expect(out).toMatch(/pgmigrate_success\s+256/);
    expect(out).toContain('batch provenance:');
    expectValidTrace(JSON.parse(readFileSync(traceFile, 'utf8')));
  });

  it('--json prints the result object', async () => {
    const file = scenarioFile('small.json', smallScenario());
    const { code, out } = await runCli(['run', file, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as RunResult;
    expect(result.ok).toBe(true);
    expect(result.moved.pages).toBe(256);
    expect(result.vmstat.pgmigrate_success).toBe(256);
  });

  it('a malformed scenario exits 2 with one line naming the field', async () => {
    const bad = smallScenario();
    (bad.processes as any)[0].regions[0].size = 'lots';
    const file = scenarioFile('bad.yaml', bad);
    const { code, out, err } = await runCli(['run', file]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`pagemig: ${file}: processes[0].regions[0].size: size "lots" is not accepted: give bytes or a size such as 4K, 64K, 2M, 1G\n`);
  });

  it('a rejected sysfs write exits 1 with the attribute\'s message and changes nothing', async () => {
    const data = { ...smallScenario(), sysfs: [{ path: '/sys/kernel/debug/migrate/nr_max_batched_migration', value: 100 }] };
    const file = scenarioFile('bad-sysfs.yaml', data);
    const { code, out, err } = await runCli(['run', file]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toMatch(/^pagemig: sysfs\[0\]: echo 100 > \/sys\/kernel\/debug\/migrate\/nr_max_batched_migration: .*100.*512/);
  });

  it('a write to a missing attribute is a runtime error too', async () => {
    const data = { ...smallScenario(), sysfs: [{ path: '/sys/module/nothing/param', value: 1 }] };
    const { code, err } = await runCli(['run', scenarioFile('missing-sysfs.yaml', data)]);
    expect(code).toBe(1);
    expect(err).toBe('pagemig: sysfs[0]: echo 1 > /sys/module/nothing/param: No such file or directory\n');
  });

  it('--model: modelled throughput and a virtual-time trace; an unknown preset is a runtime error', async () => {
    const file = scenarioFile('small2.yaml', smallScenario());
    const traceFile = join(tmp, 'modelled-trace.json');
    const { code, out } = await runCli(['run', file, '--model', 'zen3-ptdma', '--json', '--trace', traceFile]);
    expect(code).toBe(0);
    const result = JSON.parse(out) as RunResult;
    expect(result.throughput.modelled).toMatchObject({ preset: 'zen3-ptdma' });
    expect(result.throughput.modelled!.totalNs).toBeGreaterThan(0);
    const trace = JSON.parse(readFileSync(traceFile, 'utf8'));
    expectValidTrace(trace);
    expect(trace.otherData).toMatchObject({ clock: 'virtual', preset: 'zen3-ptdma' });
    const bad = await runCli(['run', file, '--model', 'pentium']);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('pagemig: timing preset "pentium" is not known: give one of zen3-ptdma, ae4dma, sdxi\n');
    const none = await runScenario(parseScenario(smallScenario()), { preset: 'zen3-ptdma', timing: null }).catch((e: Error) => e.message);
    expect(none).toBe('timing preset "zen3-ptdma": no timing presets are installed yet');
  });

  it('fault injection: failed page allocations leave pages behind but lose no data', async () => {
    const data = parseScenario({ ...smallScenario(), faults: { failPageAlloc: { probability: 100, interval: 3, times: 20 } } });
    const { result } = await runScenario(data);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.vmstat.pgalloc_fail).toBeGreaterThan(0);
    expect(result.moved.pages).toBeLessThan(512);
    expect(result.steps[0]!.detail).toMatch(/calls failed with -ENOMEM/);
  });

  it('--help and a missing argument', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: pagemig run [options] <scenario>');
    const missing = await runCli(['run']);
    expect(missing.code).toBe(2);
  });
});
