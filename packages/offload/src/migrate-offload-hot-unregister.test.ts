import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { EIO, EOPNOTSUPP, createModule, moduleRefcount } from '@pagemig/kernel';
import { MR_COMPACTION, MR_DEMOTION, MR_MEMPOLICY_MBIND, MR_SYSCALL, type MigrateReason } from '@pagemig/folio';
import type { BatchingPolicy, MigratePagesResult, OffloadHint, RetrySemantics } from '@pagemig/migrate';
import type { Migrator } from './migrator';
import {
  gatedMigrator,
  makeFixture,
  makeRegion,
  migrateRegion,
  regionIntact,
  regionNodes,
  syncMigrator,
  tick,
  until,
  violations,
  type Fixture,
  type Region,
} from './testing/fixture';

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

describe.each<RetrySemantics>(['v5', 'v6'])('hot unregister under load (%s)', (retrySemantics) => {
  it('resolves only after the batches in flight finish; afterwards no call enters the migrator', async () => {
    const fx = makeFixture({ engine: { retrySemantics } });
    const m = gatedMigrator('slow', fx.eng);
    const refs0 = moduleRefcount(m.owner);
    expect(fx.offload.register(m)).toBe(0);
    const regions: Region[] = [];
    for (let i = 0; i < 4; i++) regions.push(await makeRegion(fx.task, 8, 20 + i));
    const runs = regions.slice(0, 3).map((r) => migrateRegion(fx, r, 1, { reason: MR_SYSCALL }));
    await until(() => m.entered === 3);
    expect(fx.offload.stats().inFlight).toBe(3);

    let resolvedWith: { refs: number; returned: number } | null = null;
    const un = fx.offload.unregister(m).then((rc) => {
      resolvedWith = { refs: moduleRefcount(m.owner), returned: m.returned };
      return rc;
    });
    expect(fx.offload.active).toBeNull();
    expect(fx.offload.enabledKey.enabled).toBe(false);
    await ticks(20);
    expect(resolvedWith).toBeNull();
    expect(moduleRefcount(m.owner)).toBe(refs0 + 1);

    // a migration started during the grace period runs on the CPU and completes
    expect((await migrateRegion(fx, regions[3]!, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    expect(m.entered).toBe(3);

    // release the three batches one at a time: only the last lets unregister finish
    for (let i = 0; i < 3; i++) {
      expect(resolvedWith).toBeNull();
      m.waiting.shift()!();
      await ticks(5);
    }
    expect(await un).toBe(0);
    expect(resolvedWith).toEqual({ refs: refs0, returned: 3 });
    for (const run of runs) expect((await run).rc).toBe(0);

    // nothing enters the migrator any more
    for (const r of regions) expect((await migrateRegion(fx, r, 0, { reason: MR_SYSCALL })).rc).toBe(0);
    expect(m.entered).toBe(3);
    expect(moduleRefcount(m.owner)).toBe(refs0);
    for (const r of regions) {
      expect(await regionIntact(fx.task, r)).toBe(true);
      expect([...regionNodes(fx.sys, fx.task, r)]).toEqual([0]);
    }
    expect(violations(fx.sys)).toEqual([]);
  });

  it('a migrator registered during the grace period gets the new batches; the old one still drains', async () => {
    const fx = makeFixture({ engine: { retrySemantics } });
    const old = gatedMigrator('old', fx.eng);
    const next = syncMigrator('next', fx.eng);
    expect(fx.offload.register(old)).toBe(0);
    const a = await makeRegion(fx.task, 8, 30);
    const b = await makeRegion(fx.task, 8, 31);
    const runA = migrateRegion(fx, a, 1, { reason: MR_SYSCALL });
    await until(() => old.entered === 1);
    let done = false;
    const un = fx.offload.unregister(old).then((rc) => {
      done = true;
      return rc;
    });
    expect(fx.offload.register(next)).toBe(0); // the slot is free once active is cleared
    expect((await migrateRegion(fx, b, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    expect(next.calls).toBe(1);
    await ticks(10);
    expect(done).toBe(false); // still waiting for old's batch, not for next's
    old.releaseAll();
    expect(await un).toBe(0);
    expect((await runA).rc).toBe(0);
    expect(moduleRefcount(old.owner)).toBe(0);
    expect(moduleRefcount(next.owner)).toBe(1);
    for (const r of [a, b]) expect(await regionIntact(fx.task, r)).toBe(true);
    expect(violations(fx.sys)).toEqual([]);
  });

  it('re-registering the same migrator during its grace period pins its owner again', async () => {
    const fx = makeFixture({ engine: { retrySemantics } });
    const m = gatedMigrator('again', fx.eng);
    expect(fx.offload.register(m)).toBe(0);
    const r = await makeRegion(fx.task, 8, 32);
    const run = migrateRegion(fx, r, 1, { reason: MR_SYSCALL });
    await until(() => m.entered === 1);
    const un = fx.offload.unregister(m);
    expect(fx.offload.register(m)).toBe(0);
    expect(moduleRefcount(m.owner)).toBe(2);
    m.releaseAll();
    expect(await un).toBe(0);
    expect(moduleRefcount(m.owner)).toBe(1);
    expect(fx.offload.active).toBe(m);
    expect((await run).rc).toBe(0);
    expect(await regionIntact(fx.task, r)).toBe(true);
    expect(violations(fx.sys)).toEqual([]);
  });
});

// ---- seeded property: random interleavings of register, unregister and migrations ------------

type Behaviour = 'copy' | 'decline' | 'error' | 'half' | 'throw';

type Op =
  | { kind: 'register'; who: number }
  | { kind: 'unregister'; who: number }
  | { kind: 'migrate'; region: number; reason: MigrateReason; hint: OffloadHint }
  | { kind: 'release'; pick: number }
  | { kind: 'behave'; who: number; behaviour: Behaviour }
  | { kind: 'tick' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('register' as const), who: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unregister' as const), who: fc.nat(1) }) },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('migrate' as const),
      region: fc.nat(5),
      reason: fc.constantFrom<MigrateReason>(MR_SYSCALL, MR_COMPACTION, MR_DEMOTION, MR_MEMPOLICY_MBIND),
      hint: fc.constantFrom<OffloadHint>('default', 'default', 'prefer', 'never'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('behave' as const), who: fc.nat(1), behaviour: fc.constantFrom<Behaviour>('copy', 'decline', 'error', 'half', 'throw') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
);

interface Call {
  readonly who: number;
  readonly enteredAt: number;
  done: boolean;
}

interface Probe extends Migrator {
  behaviour: Behaviour;
}

/** Runs one interleaving and returns every violated property (empty = all held). */
async function runInterleaving(ops: Op[], retrySemantics: RetrySemantics, batchingPolicy: BatchingPolicy): Promise<string[]> {
  const problems: string[] = [];
  const fx: Fixture = makeFixture({ engine: { retrySemantics, batchingPolicy } });
  const { offload, eng } = fx;
  let seq = 0;
  const calls: Call[] = [];
  const waiting: (() => void)[] = [];
  const probes: Probe[] = [0, 1].map((who) => {
    const probe: Probe = {
      name: `m${who}`,
      owner: createModule(`probe${who}`),
      behaviour: 'copy',
      offloadCopy: async (dst, src, count) => {
        if (offload.active !== probe) problems.push(`m${who} entered while ${offload.active?.name ?? 'nothing'} was active`);
        const call: Call = { who, enteredAt: ++seq, done: false };
        calls.push(call);
        const behaviour = probe.behaviour;
        await new Promise<void>((resolve) => waiting.push(resolve));
        call.done = true;
        switch (behaviour) {
          case 'copy':
            return eng.foliosMcCopy(dst, src, count);
          case 'decline':
            return -EOPNOTSUPP;
          case 'error':
            return -EIO;
          case 'half':
            eng.foliosMcCopy(dst.subarray(0, count >> 1), src.subarray(0, count >> 1), count >> 1);
            return -EIO;
          case 'throw':
            throw new Error('engine fault');
        }
      },
    };
    return probe;
  });
  const regions: Region[] = [];
  for (let i = 0; i < 6; i++) regions.push(await makeRegion(fx.task, 4, 100 + i));
  const busy = regions.map(() => false);
  const node = regions.map(() => 0);
  const results: MigratePagesResult[] = [];
  const unregisters: Promise<unknown>[] = [];

  // start registered, so that most runs have batches inside a migrator when the races happen
  for (const op of [{ kind: 'register', who: 0 } as Op, ...ops]) {
    switch (op.kind) {
      case 'register':
        offload.register(probes[op.who]!);
        break;
      case 'unregister': {
        const probe = probes[op.who]!;
        const startedAt = ++seq;
        unregisters.push(
          offload.unregister(probe).then((rc) => {
            if (rc !== 0) return;
            const open = calls.filter((c) => c.who === op.who && c.enteredAt < startedAt && !c.done);
            if (open.length > 0) problems.push(`unregister of m${op.who} resolved with ${open.length} call(s) still inside`);
          }),
        );
        break;
      }
      case 'migrate': {
        if (busy[op.region]) break;
        busy[op.region] = true;
        const target = 1 - node[op.region]!;
        void migrateRegion(fx, regions[op.region]!, target, { reason: op.reason, hint: op.hint }).then((res) => {
          results.push(res);
          if (res.rc === 0) node[op.region] = target;
          busy[op.region] = false;
        });
        break;
      }
      case 'release':
        if (waiting.length > 0) waiting.splice(op.pick % waiting.length, 1)[0]!();
        break;
      case 'behave':
        probes[op.who]!.behaviour = op.behaviour;
        break;
      case 'tick':
        await tick();
        break;
    }
    await tick();
  }
  // drain: let every batch out and wait for every migration and unregister
  let settled = false;
  void Promise.all(unregisters).then(() => {
    settled = true;
  });
  await until(() => {
    for (const release of waiting.splice(0)) release();
    return settled && busy.every((b) => !b);
  });

  for (const [who, probe] of probes.entries()) {
    const expected = offload.active === probe ? 1 : 0;
    if (moduleRefcount(probe.owner) !== expected) problems.push(`m${who} owner refcount ${moduleRefcount(probe.owner)}, expected ${expected}`);
  }
  if (calls.some((c) => !c.done)) problems.push('a migrator call never returned');
  for (const res of results) if (res.rc !== 0) problems.push(`a migration failed with rc ${res.rc}`);
  for (const [i, r] of regions.entries()) {
    if (!(await regionIntact(fx.task, r))) problems.push(`region ${i} lost data`);
    const nodes = [...regionNodes(fx.sys, fx.task, r)];
    if (nodes.length !== 1 || nodes[0] !== node[i]) problems.push(`region ${i} on nodes ${nodes.join(',')}, expected ${node[i]}`);
  }
  problems.push(...violations(fx.sys));
  const s = offload.stats();
  const outcomes = Object.values(s.outcomes).reduce((a, b) => a + b, 0);
  if (s.inFlight !== 0 || s.unregistering !== 0) problems.push(`stats not idle: ${JSON.stringify(s)}`);
  if (outcomes !== s.batches) problems.push(`outcomes ${outcomes} != batches ${s.batches}`);
  const acct = offload.accounting().reduce((a, r) => a + r.batches, 0);
  if (acct !== s.batches) problems.push(`accounting counts ${acct} batches, stats ${s.batches}`);
  return problems;
}

describe('hot unregister: seeded random interleavings', () => {
  test.prop(
    [fc.array(opArb, { minLength: 10, maxLength: 60 }), fc.constantFrom<RetrySemantics>('v5', 'v6'), fc.constantFrom<BatchingPolicy>('gated', 'always')],
    { seed: 20260630, numRuns: 80 },
  )('no call enters an unregistered migrator, unregister waits for its calls, owners balance, data survives', async (ops, retrySemantics, batchingPolicy) => {
    expect(await runInterleaving(ops, retrySemantics, batchingPolicy)).toEqual([]);
  });
});
