import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  MR_COMPACTION,
  MR_DEMOTION,
  MR_NUMA_MISPLACED,
  MR_SYSCALL,
  MR_TYPES,
  REASON_MASK_ALL,
  reasonMaskHas,
  type MigrateReason,
} from '@pagemig/folio';
import type { BatchingPolicy, OffloadHint } from '@pagemig/migrate';
import { MIGRATE_OFFLOAD_V5_REASONS, migrateOffloadReasonAllowed, offloadDoBatch, offloadRoute } from './reason-policy';

const hints: OffloadHint[] = ['default', 'prefer', 'never'];
const policies: BatchingPolicy[] = ['gated', 'always'];
const reasons = Array.from({ length: MR_TYPES }, (_, r) => r as MigrateReason);

describe('V5 reason policy', () => {
  it('offloads exactly compaction, syscall, demotion and NUMA misplaced by default', () => {
    const on = reasons.filter((r) => migrateOffloadReasonAllowed(true, MIGRATE_OFFLOAD_V5_REASONS, r));
    expect(on).toEqual([MR_COMPACTION, MR_SYSCALL, MR_NUMA_MISPLACED, MR_DEMOTION]);
  });

  it('is false for every reason while the key is off', () => {
    for (const r of reasons) expect(migrateOffloadReasonAllowed(false, REASON_MASK_ALL, r)).toBe(false);
  });
});

describe('doBatch and route truth table', () => {
  test.prop([fc.boolean(), fc.integer({ min: 0, max: REASON_MASK_ALL }), fc.constantFrom(...policies), fc.constantFrom(...reasons), fc.constantFrom(...hints)], {
    seed: 11,
    numRuns: 2000,
  })('doBatch is the documented formula', (keyOn, mask, policy, reason, hint) => {
    const allowed = reasonMaskHas(mask, reason);
    const expected = hint !== 'never' && ((keyOn && allowed) || (hint === 'prefer' && keyOn) || policy === 'always');
    expect(offloadDoBatch(keyOn, mask, policy, reason, hint)).toBe(expected);
  });

  it('every row of the table', () => {
    const rows: string[] = [];
    for (const hint of hints) {
      for (const keyOn of [false, true]) {
        for (const allowed of [false, true]) {
          const mask = allowed ? 1 << MR_SYSCALL : 0;
          const cells = policies.map((p) => `${p}:${offloadDoBatch(keyOn, mask, p, MR_SYSCALL, hint)}`).join(' ');
          rows.push(`${hint} key=${keyOn} allowed=${allowed} ${cells} route=${offloadRoute(keyOn, mask, MR_SYSCALL, hint)}`);
        }
      }
    }
    expect(rows).toEqual([
      'default key=false allowed=false gated:false always:true route=key_off',
      'default key=false allowed=true gated:false always:true route=key_off',
      'default key=true allowed=false gated:false always:true route=reason_filtered',
      'default key=true allowed=true gated:true always:true route=migrator',
      'prefer key=false allowed=false gated:false always:true route=key_off',
      'prefer key=false allowed=true gated:false always:true route=key_off',
      'prefer key=true allowed=false gated:true always:true route=migrator',
      'prefer key=true allowed=true gated:true always:true route=migrator',
      'never key=false allowed=false gated:false always:false route=hint_never',
      'never key=false allowed=true gated:false always:false route=hint_never',
      'never key=true allowed=false gated:false always:false route=hint_never',
      'never key=true allowed=true gated:false always:false route=hint_never',
    ]);
  });

  test.prop([fc.boolean(), fc.integer({ min: 0, max: REASON_MASK_ALL }), fc.constantFrom(...policies), fc.constantFrom(...reasons), fc.constantFrom(...hints)], {
    seed: 12,
    numRuns: 2000,
  })('a batch reaches the migrator only with the key on, never with hint never, and the gated policy batches only then', (keyOn, mask, policy, reason, hint) => {
    const route = offloadRoute(keyOn, mask, reason, hint);
    if (route === 'migrator') {
      expect(keyOn).toBe(true);
      expect(hint).not.toBe('never');
      expect(offloadDoBatch(keyOn, mask, policy, reason, hint)).toBe(true);
    }
    if (policy === 'gated') expect(offloadDoBatch(keyOn, mask, policy, reason, hint)).toBe(route === 'migrator');
    if (hint === 'prefer') expect(route === 'migrator').toBe(keyOn);
  });
});
