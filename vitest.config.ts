import { defineConfig } from 'vitest/config';

/** Runs every package's tests in one process: `pnpm exec vitest run`. */
export default defineConfig({
  test: { projects: ['packages/*', 'apps/*'] },
});
