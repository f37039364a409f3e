import { readFileSync } from 'node:fs';
import { getPreset, withParams, predictMovePages } from '../dist/index.js';
const fitted = JSON.parse(readFileSync('/tmp/fit-params.json', 'utf8'));
const preset = withParams(getPreset('zen3-ptdma'), fitted, 'fit');
const base = (await predictMovePages({ preset, path: 'baseline', folioSize: 2 << 20, count: 512 })).report.calls[0].throughputGBps;
const base4 = (await predictMovePages({ preset, path: 'baseline', folioSize: 4096, count: 262144 })).report.calls[0].throughputGBps;
for (const path of ['dcbm', 'mtcopy']) for (const lanes of [1, 2, 4, 8, 16]) {
  const r2 = (await predictMovePages({ preset, path, lanes, folioSize: 2 << 20, count: 512 })).report.calls[0].throughputGBps;
  const r4 = (await predictMovePages({ preset, path, lanes, folioSize: 4096, count: 262144 })).report.calls[0].throughputGBps;
  console.log(path, lanes, '2M', r2.toFixed(2), (r2 / base).toFixed(2) + 'x', '4K', r4.toFixed(2), (r4 / base4).toFixed(2) + 'x');
}
