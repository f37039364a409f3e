import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { createModule } from '@pagemig/kernel';
import { MIGRATOR_NAME_LEN, MIGRATOR_RESERVED_NAMES, migratorNameProblem, migratorProblem, type Migrator } from './migrator';

const owner = createModule('owner_mod');
const copy = () => Promise.resolve(0);

describe('migrator names', () => {
  test.prop([fc.stringMatching(/^[\x21-\x7e]{1,31}$/)], { seed: 5, numRuns: 300 })('printable names of 1..31 characters are accepted unless reserved', (name) => {
    expect(migratorNameProblem(name) === null).toBe(!MIGRATOR_RESERVED_NAMES.includes(name));
  });

  it('rejects empty, too long, spaced, non-ASCII, reserved and non-string names, saying why', () => {
    expect(MIGRATOR_NAME_LEN).toBe(32);
    expect(migratorNameProblem('x'.repeat(31))).toBeNull();
    expect(migratorNameProblem('')).toContain('1 to 31');
    expect(migratorNameProblem('x'.repeat(32))).toContain('32 characters');
    expect(migratorNameProblem('my dma')).toContain('printable ASCII');
    expect(migratorNameProblem('dmä')).toContain('printable ASCII');
    expect(migratorNameProblem('cpu')).toContain('reserved');
    expect(migratorNameProblem('none')).toContain('reserved');
    expect(migratorNameProblem(42)).toContain('not a string');
  });
});

describe('migratorProblem (the -EINVAL cases of register)', () => {
  it('accepts a well-formed migrator', () => {
    expect(migratorProblem({ name: 'dcbm', offloadCopy: copy, owner } satisfies Migrator)).toBeNull();
  });

  it('names the missing part', () => {
    expect(migratorProblem(null)).toContain('not an object');
    expect(migratorProblem(undefined)).toContain('not an object');
    expect(migratorProblem({ name: 'dcbm', owner })).toContain('no offloadCopy');
    expect(migratorProblem({ name: 'dcbm', offloadCopy: 'copy', owner })).toContain('no offloadCopy');
    expect(migratorProblem({ name: 'dcbm', offloadCopy: copy })).toContain('no owner');
    expect(migratorProblem({ name: 'dcbm', offloadCopy: copy, owner: null })).toContain('no owner');
    expect(migratorProblem({ name: '', offloadCopy: copy, owner })).toContain('1 to 31');
  });
});
