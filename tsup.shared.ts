import { defineConfig, type Options } from 'tsup';

/**
 * The one build every publishable package uses: ESM + CJS + .d.ts from src/index.ts.
 * `workers` are extra entries built as ESM only (worker threads load them by URL).
 */
export function packageBuild(workers: Record<string, string> = {}) {
  const base: Options = {
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    shims: true,
    splitting: false,
  };
  const configs: Options[] = [{ ...base, entry: { index: 'src/index.ts' }, dts: true, clean: true }];
  if (Object.keys(workers).length > 0) {
    configs.push({ ...base, entry: workers, format: ['esm'], dts: false, clean: false });
  }
  return defineConfig(configs);
}
