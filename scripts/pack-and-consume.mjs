#!/usr/bin/env node
// Pack every publishable package, install the tarballs into a scratch project outside the
// workspace with npm, then load each package with `import` and with `require` and call one
// function. Proves that each package can be consumed alone from its tarball.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * One call per package: [expression, expected JSON value]. `m` is the package itself and
 * `P[name]` any other packed package, loaded the same way (import or require).
 */
const SMOKE = {
  '@pagemig/kernel': ['m.strerror(-m.EINVAL)', 'Invalid argument'],
  '@pagemig/folio': ['m.formatSize(m.parseSize("2M"))', '2M'],
  '@pagemig/mm': ['m.createSystem({ nodes: [{ size: 8 << 20 }, { size: 8 << 20 }] }).zones.length', 2],
  '@pagemig/migrate': [
    'm.createMigrateEngine(P["@pagemig/mm"].createSystem({ nodes: [{ size: 8 << 20 }] })).nrMaxBatchedMigration',
    512,
  ],
  '@pagemig/dmaengine': ['m.dmaCapNames(m.dmaCapMask(m.DMA_MEMCPY, m.DMA_PRIVATE))', 'DMA_MEMCPY|DMA_PRIVATE'],
  '@pagemig/dcbm': ['m.MAX_DMA_CHANNELS', 16],
  '@pagemig/mtcopy': ['m.MTCOPY_MAX_THREADS', 64],
  '@pagemig/timing': ['m.getPreset("zen3-ptdma").params.chanGBps.unit', 'GB/s'],
  pagemig: ['m.parseBenchOptions({}).total', 268435456],
  '@pagemig/offload': ['m.offloadRoute(true, m.MIGRATE_OFFLOAD_V5_REASONS, 3, "default")', 'migrator'],
};

const root = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packages = ['packages', 'apps']
  .flatMap((dir) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).map((d) => join(root, dir, d)) : []))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ json }) => json.private !== true);

const missing = packages.filter(({ json }) => !(json.name in SMOKE)).map(({ json }) => json.name);
if (missing.length > 0) {
  console.error(`pack-and-consume: no smoke call for ${missing.join(', ')}; add one to scripts/pack-and-consume.mjs`);
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'pagemig-consume-'));
let failed = 0;
try {
  const tarballs = {};
  for (const { dir, json } of packages) {
    const out = run('pnpm', ['pack', '--pack-destination', scratch], dir).trim().split('\n').pop();
    tarballs[json.name] = `file:${resolve(dir, out)}`;
  }
  // overrides make inter-package dependencies resolve to the tarballs, not the registry
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies: tarballs, overrides: tarballs }, null, 2),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], scratch);

  for (const [name, [expr, expected]] of Object.entries(SMOKE)) {
    if (!(name in tarballs)) continue;
    const names = JSON.stringify(Object.keys(tarballs));
    const esm = `const P = {}; for (const n of ${names}) P[n] = await import(n); const m = P['${name}']; console.log(JSON.stringify(${expr}));`;
    const cjs = `const P = {}; for (const n of ${names}) P[n] = require(n); const m = P['${name}']; console.log(JSON.stringify(${expr}));`;
    for (const [kind, args] of [['import', ['--input-type=module', '-e', esm]], ['require', ['-e', cjs]]]) {
      let got;
      try {
        got = JSON.parse(run('node', args, scratch).trim());
      } catch (error) {
        got = `threw: ${error.message.split('\n')[0]}`;
      }
      const ok = JSON.stringify(got) === JSON.stringify(expected);
      if (!ok) failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${kind.padEnd(7)} ${name}: ${expr} -> ${JSON.stringify(got)}`);
    }
  }
} finally {
  if (!keep) rmSync(scratch, { recursive: true, force: true });
  else console.log(`scratch project kept at ${scratch}`);
}
if (failed > 0) {
  console.error(`pack-and-consume: ${failed} check(s) failed`);
  process.exit(1);
}
console.log(`pack-and-consume: ${packages.length} package(s) consumed alone with import and require`);
