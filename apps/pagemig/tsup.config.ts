import { defineConfig, type Options } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

// the library entry (ESM + CJS + types) plus the CLI, an ESM executable
export default defineConfig([
  ...(packageBuild() as Options[]),
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
