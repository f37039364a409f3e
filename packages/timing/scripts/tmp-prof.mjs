import { readFileSync } from 'node:fs';
import { getPreset, presetParams, EventLog, CostModel } from '../dist/index.js';
const runs = JSON.parse(readFileSync('calibration/v3-runs.json', 'utf8'));
const m = new CostModel(presetParams(getPreset('zen3-ptdma')));
const log = EventLog.fromJSON(runs['baseline/2Mx8192']);
for (let i=0;i<200;i++) m.run(log, {detail:false});
