import { defineProject } from 'vitest/config';

/** Per-package vitest project: tests sit beside the code as src/**\/*.test.ts. */
export function packageTests(name: string) {
  return defineProject({
    test: {
      name,
      include: ['src/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  });
}
