import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '@pagemig/test-kit';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('README', () => {
  it('the example runs to the end against the built package', () => {
    const { out } = runReadmeExample(root, '@pagemig/kernel');
    expect(out.trim().length).toBeGreaterThan(0);
  }, 60_000);
});
