import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '@pagemig/test-kit';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('README', () => {
  it('the example runs against the built package and prints what the README says', () => {
    const { out, printed } = runReadmeExample(root, '@pagemig/offload');
    expect(printed).toBeDefined();
    const mask = (s: string) => s.replace(/cpu_ns=\d+/, 'cpu_ns=N');
    expect(mask(out)).toBe(mask(printed!));
  }, 60_000);
});
