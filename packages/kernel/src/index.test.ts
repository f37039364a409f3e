import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index';

describe('public entry', () => {
  it('lists its exports by name (no export *) and every runtime export is defined', () => {
    const source = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/export\s*\*/);
    for (const [name, value] of Object.entries(api)) expect(value, name).toBeDefined();
    for (const name of ['KernelError', 'SysfsTree', 'createSrcuStruct', 'shouldFail', 'EventCounters', 'EHWPOISON', 'Prng']) {
      expect(api).toHaveProperty(name);
    }
  });
});
