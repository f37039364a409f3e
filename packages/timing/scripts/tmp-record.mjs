import { writeFileSync } from 'node:fs';
import { recordV3Runs, getPreset } from '../dist/index.js';
const t0 = performance.now();
const runs = await recordV3Runs({ preset: getPreset('zen3-ptdma'), onProgress: (k, d, n) => process.stderr.write(`${d}/${n} ${k} ${((performance.now()-t0)/1000).toFixed(1)}s\n`) });
writeFileSync('calibration/v3-runs.json', JSON.stringify(runs));
console.log('ops', Object.entries(runs).map(([k, v]) => `${k}:${v.ops.length}`).join(' '));
