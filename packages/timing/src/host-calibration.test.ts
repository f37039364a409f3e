import { describe, expect, it } from 'vitest';
import { CostModel } from './cost-model';
import { calibrateHost } from './host-calibration';
import { presetParams, presetToJson } from './preset';
import { loadPreset } from './presets';
import { PARAM_NAMES } from './timing-params';

describe('calibrateHost', () => {
  it('measures this machine and returns a valid host preset (values are not asserted: they are wall-clock)', async () => {
    const host = await calibrateHost({ copyBytes: 8 << 20, folios: 1024, rounds: 1 });
    expect(host.name).toBe('host');
    const { measured, ...preset } = host;
    expect(loadPreset(JSON.parse(JSON.stringify(presetToJson(preset))))).toEqual(preset);
    for (const key of ['copyGBps', 'callNs', 'folioNs', 'pteNs', 'thpNs', 'cores'] as const) {
      expect(Number.isFinite(measured[key]), key).toBe(true);
      expect(measured[key], key).toBeGreaterThanOrEqual(0);
    }
    expect(preset.params.cpuCopyGBps.source).toMatch(/^measured/);
    expect(preset.params.folioNs.source).toMatch(/^measured/);
    expect(preset.params.chanGBps.source).toMatch(/^assumption: no host counterpart/);
    for (const key of PARAM_NAMES) expect(preset.params[key].source.length).toBeGreaterThan(0);
    expect(() => new CostModel(presetParams(preset))).not.toThrow();
  }, 120_000);
});
