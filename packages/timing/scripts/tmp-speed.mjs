import { readFileSync } from 'node:fs';
import { getPreset, presetParams, evaluateCells, EventLog, CostModel } from '../dist/index.js';
const runs = JSON.parse(readFileSync('calibration/v3-runs.json', 'utf8'));
const start = presetParams(getPreset('zen3-ptdma'));
for (let i = 0; i < 5; i++) { const t0 = performance.now(); evaluateCells(start, runs); console.log('eval', (performance.now() - t0).toFixed(1)); }
const m = new CostModel(start);
for (const k of ['baseline/2Mx8192', 'baseline/4Kx262144', 'dcbm4/2Mx512']) { const log = EventLog.fromJSON(runs[k]); const t0 = performance.now(); for (let i=0;i<10;i++) m.run(log, {detail:false}); console.log(k, ((performance.now()-t0)/10).toFixed(2)); }
