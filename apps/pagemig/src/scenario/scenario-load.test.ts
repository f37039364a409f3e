import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError, EXIT_USAGE } from '../cli-error';
import { loadScenario, parseScenario, parseScenarioText } from './scenario-load';
import { SCENARIOS_DIR, smallScenario } from './testing/scenario-fixtures';

/** The one-line usage error a scenario gives. */
function problem(data: unknown): string {
  try {
    parseScenario(data, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT_USAGE);
    const message = (error as CliError).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('the scenario was accepted');
}

function mutate(fn: (s: any) => void): unknown {
  const s = structuredClone(smallScenario()) as any;
  fn(s);
  return s;
}

describe('scenario validation', () => {
  it('accepts the small scenario and fills in defaults', () => {
    const s = parseScenario(smallScenario());
    expect(s.system.nodes[0]).toMatchObject({ size: 16 << 20, kind: 'DRAM', hugepages: 0, dataless: false });
    expect(s.processes[0]!.regions[0]).toMatchObject({ size: 256 << 10, fill: 'pattern' });
    expect(s.migrator).toMatchObject({ kind: 'none', batchLimit: 512, retrySemantics: 'v5' });
    expect(s.driver).toHaveLength(1);
  });

  it('a single driver step may be given without a list', () => {
    const s = parseScenario(mutate((x) => (x.driver = { kind: 'compaction', node: 1 })));
    expect(s.driver).toEqual([expect.objectContaining({ kind: 'compaction', node: 1, clusterMax: 32 })]);
  });

  it('an unknown field names its path and the accepted fields', () => {
    const msg = problem(mutate((x) => (x.processes[0].regions[0].colour = 'red')));
    expect(msg).toMatch(/^test\.yaml: processes\[0\]\.regions\[0\]\.colour: unknown field; accepted: name, kind, size, /);
    expect(problem(mutate((x) => (x.sytem = {})))).toMatch(/^test\.yaml: sytem: unknown field; accepted: name, description, seed, system, /);
  });

  it('a bad size names the field and the accepted forms', () => {
    expect(problem(mutate((x) => (x.processes[0].regions[0].size = '12Q')))).toBe(
      'test.yaml: processes[0].regions[0].size: size "12Q" is not accepted: give bytes or a size such as 4K, 64K, 2M, 1G',
    );
    expect(problem(mutate((x) => (x.processes[0].regions[0].size = 1000)))).toMatch(/processes\[0\]\.regions\[0\]\.size: size 1000B? is not accepted for a anon region: give a multiple of 4K/);
    expect(problem(mutate((x) => (x.system.nodes[1].size = '3M')))).toMatch(/^test\.yaml: system\.nodes\[1\]\.size: node size 3M is not accepted: give a multiple of 4M/);
  });

  it('a bad node names the field and the nodes that exist', () => {
    expect(problem(mutate((x) => (x.driver[0].nodes = [1, 5])))).toMatch(/^test\.yaml: driver\[0\]\.nodes\[1\]: node 5 is not accepted: the system has nodes 0\.\.1/);
    expect(problem(mutate((x) => (x.processes[0].regions[0].policy = { mode: 'bind', nodes: [2] })))).toMatch(
      /processes\[0\]\.regions\[0\]\.policy\.nodes\[0\]: node 2 is not accepted/,
    );
    expect(problem(mutate((x) => (x.processes[0].threads[0].cpu = 9)))).toMatch(/processes\[0\]\.threads\[0\]\.cpu: cpu 9 is not accepted: the system has cpus 0\.\.3/);
  });

  it('a bad kind lists the accepted kinds', () => {
    expect(problem(mutate((x) => (x.processes[0].regions[0].kind = 'heap')))).toMatch(
      /^test\.yaml: processes\[0\]\.regions\[0\]\.kind: "heap" is not accepted: give "anon", "thp", "mthp", "shmem", "file", "hugetlb"/,
    );
    expect(problem(mutate((x) => (x.driver[0].kind = 'teleport')))).toMatch(
      /^test\.yaml: driver\[0\]\.kind: driver kind "teleport" is not accepted: give one of move_pages, migrate_pages, numa_promotion, demotion, compaction, offline/,
    );
    expect(problem(mutate((x) => (x.system.nodes[0].kind = 'SRAM')))).toMatch(/system\.nodes\[0\]\.kind: "SRAM" is not accepted: give "DRAM", "CXL", "HBM", "PMEM"/);
    expect(problem(mutate((x) => (x.migrator = { kind: 'sdxi' })))).toMatch(/migrator\.kind: "sdxi" is not accepted/);
  });

  it('missing fields, wrong types and dangling references are named', () => {
    expect(problem(mutate((x) => delete x.system))).toMatch(/^test\.yaml: system: required field is missing: give an object/);
    expect(problem(mutate((x) => (x.processes[0].threads[0].ops = 'many')))).toMatch(/processes\[0\]\.threads\[0\]\.ops: expected a number, got "many"/);
    expect(problem(mutate((x) => (x.processes[0].threads[0].region = 'stack')))).toMatch(/processes\[0\]\.threads\[0\]\.region: region "stack" is not a region of process app: give one of heap/);
    expect(problem(mutate((x) => (x.driver[0].process = 'db')))).toMatch(/driver\[0\]\.process: process "db" is not in the scenario: give one of app/);
    expect(problem(mutate((x) => (x.migrator = { reasonMask: ['compaction', 'teleport'] })))).toMatch(/migrator\.reasonMask\[1\]: reason "teleport" is not accepted: give one of compaction, /);
    expect(problem(mutate((x) => x.processes[0].regions.push({ name: 'm', kind: 'mthp', size: '1M', folioSize: '64K' })))).toMatch(
      /processes\[0\]\.regions\[1\]\.folioSize: folioSize 64K needs system\.thp\.sizes\.64K set to always or madvise/,
    );
  });

  it('reports broken YAML and JSON in one line', () => {
    expect(() => parseScenarioText('system: [1, 2', 'x.yaml')).toThrow(/^x\.yaml: not valid YAML: /);
    expect(() => parseScenarioText('{"system": ', 'x.json')).toThrow(/^x\.json: not valid JSON: /);
    expect(() => parseScenarioText('- 1\n- 2\n', 'x.yaml')).toThrow(/x\.yaml: expected a mapping/);
    expect(() => loadScenario('/nonexistent/s.yaml')).toThrow('/nonexistent/s.yaml: cannot read the scenario: no such file');
  });

  it('every shipped scenario is valid', () => {
    const files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(() => loadScenario(join(SCENARIOS_DIR, f))).not.toThrow();
  });
});
