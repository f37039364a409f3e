import { describe, it, expect } from 'vitest';
import { expectKernelError } from '@pagemig/test-kit';
import {
  MIGRATE_ASYNC,
  MIGRATE_SYNC_LIGHT,
  MIGRATE_SYNC,
  MIGRATE_MODE_NAMES,
  isMigrateMode,
  migrateModeName,
  parseMigrateMode,
} from './migrate-mode';
import type { MigrateMode } from './migrate-mode';

describe('migrate modes', () => {
  it('have the enum values and trace strings', () => {
    expect([MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC]).toEqual([0, 1, 2]);
    expect(MIGRATE_MODE_NAMES).toEqual(['MIGRATE_ASYNC', 'MIGRATE_SYNC_LIGHT', 'MIGRATE_SYNC']);
    expect(migrateModeName(MIGRATE_SYNC_LIGHT)).toBe('MIGRATE_SYNC_LIGHT');
  });

  it('validates mode values', () => {
    expect([0, 1, 2].every(isMigrateMode)).toBe(true);
    for (const bad of [-1, 3, 1.5, '0', null]) expect(isMigrateMode(bad)).toBe(false);
    expect(() => migrateModeName(3 as MigrateMode)).toThrow(RangeError);
  });

  it.each([
    ['MIGRATE_ASYNC', MIGRATE_ASYNC],
    ['async', MIGRATE_ASYNC],
    ['MIGRATE_SYNC_LIGHT', MIGRATE_SYNC_LIGHT],
    ['sync_light', MIGRATE_SYNC_LIGHT],
    ['MIGRATE_SYNC', MIGRATE_SYNC],
    ['sync\n', MIGRATE_SYNC],
  ])('parses %j', (text, mode) => {
    expect(parseMigrateMode(text)).toBe(mode);
  });

  it('round trips every mode through its trace name', () => {
    for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC] as const) {
      expect(parseMigrateMode(migrateModeName(mode))).toBe(mode);
    }
  });

  it.each(['', 'ASYNC', 'sync-light', 'MIGRATE_SYNC_NO_COPY', '0', 'synchronous'])('rejects %j with EINVAL', (text) => {
    expectKernelError(
      () => parseMigrateMode(text),
      'EINVAL',
      JSON.stringify(text),
      'async, sync_light, sync, MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC',
    );
  });
});
