#!/usr/bin/env node
// pnpm calibrate [--reuse] [--evaluations N]
// Records the functional runs of the V3 calibration cells (unless --reuse: calibration/v3-runs.json),
// fits the free zen3-ptdma parameters, and writes presets/zen3-ptdma.json (version bumped when values
// change), calibration/v3-runs.json and calibration/fit-report.json. Needs a build (pnpm build).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrateZen3, loadPreset, presetToJson, predictMovePages, PARAM_NAMES } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const reuse = args.includes('--reuse');
const evalIdx = args.indexOf('--evaluations');
const maxEvaluations = evalIdx >= 0 ? Number(args[evalIdx + 1]) : 6000;
const presetPath = join(root, 'presets/zen3-ptdma.json');
const runsPath = join(root, 'calibration/v3-runs.json');
const raw = JSON.parse(readFileSync(presetPath, 'utf8'));
const start = loadPreset(raw);
const runs = reuse ? JSON.parse(readFileSync(runsPath, 'utf8')) : undefined;
const t0 = performance.now();
const cal = await calibrateZen3({
  start,
  ...(runs === undefined ? {} : { runs }),
  maxEvaluations,
  onProgress: (key, done, total) => process.stderr.write(`run ${done}/${total} ${key}\n`),
});
const changed = PARAM_NAMES.some((n) => cal.preset.params[n].value !== start.params[n].value);
const preset = { ...cal.preset, version: changed ? start.version + 1 : start.version };
writeFileSync(presetPath, JSON.stringify(presetToJson(preset), null, 2) + '\n');
writeFileSync(runsPath, JSON.stringify(cal.runs) + '\n');

// extrapolation beyond the fit (8 and 16 channels/threads, 2 MiB and 4 KiB folios, 1 GiB)
const extrapolation = [];
const gbps = async (path, lanes, folioSize) =>
  (await predictMovePages({ preset, path, lanes, folioSize, count: 2 ** 30 / folioSize })).report.calls[0].throughputGBps;
for (const folioSize of [2 << 20, 4096]) {
  const base = await gbps('baseline', 1, folioSize);
  for (const path of ['dcbm', 'mtcopy']) {
    for (const lanes of [1, 2, 4, 8, 16]) {
      const v = await gbps(path, lanes, folioSize);
      extrapolation.push({ path, lanes, folioSize, gbps: Math.round(v * 100) / 100, vsBaseline: Math.round((v / base) * 100) / 100 });
    }
  }
}
const r = cal.report;
const report = {
  preset: `${preset.name} v${preset.version}`,
  cells: r.cells.length,
  medianAbsRelErr: r.medianAbsRelErr,
  meanAbsRelErr: r.meanAbsRelErr,
  worst: r.worstCells,
  evaluations: cal.evaluations,
  results: r.cells,
  extrapolation,
};
writeFileSync(join(root, 'calibration/fit-report.json'), JSON.stringify(report, null, 2) + '\n');
console.log(`fit: ${r.cells.length} cells, median |err| ${(r.medianAbsRelErr * 100).toFixed(1)}%, mean ${(r.meanAbsRelErr * 100).toFixed(1)}%, worst ${r.worst.id} ${(r.worst.relErr * 100).toFixed(1)}% (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
for (const e of extrapolation) console.log(`${e.path} ${e.lanes} ${e.folioSize === 4096 ? '4K' : '2M'}: ${e.gbps} GB/s (${e.vsBaseline}x baseline)`);
