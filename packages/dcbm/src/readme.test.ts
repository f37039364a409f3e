import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '@pagemig/test-kit';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('README', () => {
  it('the example runs against the built package, exits by itself (idle device threads never keep Node alive), and prints what the README says', () => {
    const { out, printed } = runReadmeExample(root, '@pagemig/dcbm');
    expect(printed).toBeDefined();
    const mask = (s: string) => s.replace(/device_ns=\d+/g, 'device_ns=N');
    expect(mask(out)).toBe(mask(printed!));
  }, 60_000);
});
