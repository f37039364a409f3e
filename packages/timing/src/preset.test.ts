import { describe, expect, it } from 'vitest';
import { KernelError } from '@pagemig/kernel';
import { CostModel } from './cost-model';
import { presetParams, presetToJson, withParams } from './preset';
import { PRESET_NAMES, getPreset, loadPreset } from './presets';
import { PARAM_NAMES, PARAM_SPECS } from './timing-params';

describe('presets', () => {
  it('every built-in preset loads, has every parameter with a unit and a source, and runs', () => {
    for (const name of PRESET_NAMES) {
      const p = getPreset(name);
      expect(p.name).toBe(name);
      expect(p.version).toBeGreaterThanOrEqual(1);
      for (const key of PARAM_NAMES) {
        expect(p.params[key].unit, `${name}.${key}`).toBe(PARAM_SPECS[key].unit);
        expect(p.params[key].source.length, `${name}.${key} source`).toBeGreaterThan(5);
      }
      expect(() => new CostModel(presetParams(p))).not.toThrow();
    }
  });

  it('derived presets keep the fitted CPU costs of their base and change the device', () => {
    const zen3 = getPreset('zen3-ptdma');
    const ae4 = getPreset('ae4dma');
    const sdxi = getPreset('sdxi');
    expect(ae4.params.folioNs).toEqual(zen3.params.folioNs);
    expect(ae4.device).toMatchObject({ kind: 'ae4dma', queuesPerDevice: 16, perDescriptorStatus: true });
    expect(sdxi.device).toMatchObject({ kind: 'sdxi', sg: true, private: false });
    expect(sdxi.params.descSubmitNs.value).toBeLessThan(zen3.params.descSubmitNs.value + 1000);
    expect(zen3.device).toMatchObject({ kind: 'ptdma', queuesPerDevice: 1, ringDepth: 32, sg: false, private: true });
  });

  it('round-trips through its JSON form', () => {
    const p = getPreset('zen3-ptdma');
    expect(loadPreset(JSON.parse(JSON.stringify(presetToJson(p))))).toEqual(p);
  });

  it('reports every problem with its path and what is accepted', () => {
    const json = presetToJson(getPreset('zen3-ptdma')) as { params: Record<string, unknown> };
    const bad = structuredClone(json) as { params: Record<string, { value: number; unit: string; source: string }> };
    bad.params.chanGBps!.unit = 'MB/s';
    bad.params.folioNs!.value = -1;
    delete (bad.params as Record<string, unknown>).wakeNs;
    let message = '';
    try {
      loadPreset(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(KernelError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/params\.chanGBps\.unit: unit must be "GB\/s"/);
    expect(message).toMatch(/params\.folioNs\.value/);
    expect(message).toMatch(/params\.wakeNs/);
    expect(() => loadPreset({ ...json, params: { ...json.params, bogus: 1 } })).toThrow(/bogus/);
    expect(() => loadPreset({ name: 'x', version: 1, base: 'nope', description: '', params: {} })).toThrow(/"nope" is not accepted; accepted: zen3-ptdma/);
  });

  it('names the accepted presets for an unknown one and says how to get host', () => {
    expect(() => getPreset('dsa')).toThrow(/accepted: zen3-ptdma, ae4dma, sdxi/);
    expect(() => getPreset('host')).toThrow(/calibrateHost/);
  });

  it('withParams replaces values and records the source', () => {
    const p = withParams(getPreset('zen3-ptdma'), { chanGBps: 20 }, 'what-if');
    expect(p.params.chanGBps).toEqual({ value: 20, unit: 'GB/s', source: 'what-if' });
  });
});
