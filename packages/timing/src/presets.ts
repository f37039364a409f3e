/**
 * The built-in presets, shipped as JSON files in `presets/` (and published with the package):
 * `zen3-ptdma` (calibrated to the series' V3 tables), `ae4dma` and `sdxi` (documented
 * assumptions on top of it). The `host` preset is measured on the running machine by
 * `calibrateHost()`, so it is not a file.
 */
import { KernelError } from '@pagemig/kernel';
import ae4dmaJson from '../presets/ae4dma.json';
import sdxiJson from '../presets/sdxi.json';
import zen3Json from '../presets/zen3-ptdma.json';
import { parsePreset, type Preset } from './preset';

/** Names of the built-in preset files. */
export const PRESET_NAMES = ['zen3-ptdma', 'ae4dma', 'sdxi'] as const;

/** A built-in preset name. */
export type PresetName = (typeof PRESET_NAMES)[number];

const RAW: Record<PresetName, unknown> = { 'zen3-ptdma': zen3Json, ae4dma: ae4dmaJson, sdxi: sdxiJson };

/**
 * A built-in preset, validated and resolved (derived presets merged onto their base). Throws
 * KernelError EINVAL for an unknown name, listing the accepted ones (`host` says how to get it).
 */
export function getPreset(name: string): Preset {
  if (name === 'host') {
    throw new KernelError('EINVAL', 'preset "host" is measured on the running machine: call calibrateHost() to get it');
  }
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new KernelError('EINVAL', `preset ${JSON.stringify(name)} is not accepted; accepted: ${PRESET_NAMES.join(', ')} (and host, via calibrateHost())`);
  }
  return loadPreset(RAW[name as PresetName]);
}

/**
 * Validates a preset object (parsed JSON, e.g. a user's file); a `base` may name a built-in
 * preset. Throws KernelError EINVAL listing every problem with its path.
 */
export function loadPreset(json: unknown): Preset {
  return parsePreset(json, (base) => getPreset(base));
}
