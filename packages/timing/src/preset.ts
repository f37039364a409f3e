/**
 * Presets: versioned JSON files that give every cost-model parameter a value, its unit and a
 * source (a reference section, "fit: ..." or "assumption: ..."), plus the shape of the DMA
 * device they describe. A preset may name a `base` preset and give only what differs. The loader
 * validates with zod and reports every problem with its path and what is accepted.
 */
import { z } from 'zod';
import { KernelError } from '@pagemig/kernel';
import { PARAM_NAMES, PARAM_SPECS, type ParamName, type TimingParams } from './timing-params';

/** The preset format version this loader reads. */
export const PRESET_FORMAT_VERSION = 1;

/** One parameter in a preset. */
export interface PresetParam {
  value: number;
  unit: string;
  /** Where the value comes from: a reference section, `fit: ...`, `measured: ...` or `assumption: ...`. */
  source: string;
}

/** The DMA device a preset describes (used by `createModelledDmaDevice()`). */
export interface PresetDevice {
  /** `ptdma`, `ae4dma`, `sdxi` or `generic`. */
  kind: 'ptdma' | 'ae4dma' | 'sdxi' | 'generic';
  /** Hardware queues (dmaengine channels) per device: PTDMA 1, AE4DMA 16. */
  queuesPerDevice: number;
  /** Descriptor ring entries per queue. */
  ringDepth: number;
  /** The device takes scatter-gather memcpy descriptors (DMA_MEMCPY_SG). */
  sg: boolean;
  /** Channels are handed out exclusively only (DMA_PRIVATE). */
  private: boolean;
  /** Status written per descriptor (AE4DMA, SDXI) rather than per chain. */
  perDescriptorStatus: boolean;
}

/** A resolved preset: every parameter present. */
export interface Preset {
  name: string;
  /** Version of this preset's values (bumped when a fit or an assumption changes). */
  version: number;
  description: string;
  /** The machine it emulates. */
  machine: string;
  device: PresetDevice;
  params: Record<ParamName, PresetParam>;
  /** Optional fit summary written by the calibration. */
  fit?: { cells: number; medianAbsRelErr: number; meanAbsRelErr: number; worst: { cell: string; relErr: number } } | undefined;
}

const paramSchema = (name: ParamName) => {
  const spec = PARAM_SPECS[name];
  return z
    .object({
      value: z.number().min(spec.min).max(spec.max),
      unit: z.literal(spec.unit, { error: `unit must be "${spec.unit}"` }),
      source: z.string().min(1, { error: 'source must say where the value comes from' }),
    })
    .strict();
};

const paramsShape = Object.fromEntries(PARAM_NAMES.map((n) => [n, paramSchema(n)])) as Record<ParamName, ReturnType<typeof paramSchema>>;

const deviceSchema = z
  .object({
    kind: z.enum(['ptdma', 'ae4dma', 'sdxi', 'generic']),
    queuesPerDevice: z.number().int().min(1).max(1024),
    ringDepth: z.number().int().min(2).max(65536),
    sg: z.boolean(),
    private: z.boolean(),
    perDescriptorStatus: z.boolean(),
  })
  .strict();

const fitSchema = z
  .object({
    cells: z.number().int().min(0),
    medianAbsRelErr: z.number().min(0),
    meanAbsRelErr: z.number().min(0),
    worst: z.object({ cell: z.string(), relErr: z.number() }).strict(),
  })
  .strict();

const fullSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'name must be lower-case letters, digits and -' }),
    version: z.number().int().min(1),
    format: z.literal(PRESET_FORMAT_VERSION).optional(),
    description: z.string(),
    machine: z.string(),
    device: deviceSchema,
    params: z.object(paramsShape).strict(),
    fit: fitSchema.optional(),
  })
  .strict();

const derivedSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'name must be lower-case letters, digits and -' }),
    version: z.number().int().min(1),
    format: z.literal(PRESET_FORMAT_VERSION).optional(),
    base: z.string(),
    description: z.string(),
    machine: z.string().optional(),
    device: deviceSchema.partial().optional(),
    params: z.object(paramsShape).partial().strict(),
  })
  .strict();

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(preset)'}: ${i.message}`).join('; ');
}

/**
 * Validates a preset object (already parsed JSON). A preset with `base` is merged onto the
 * preset `resolveBase(base)` returns. Throws KernelError EINVAL listing every problem.
 */
export function parsePreset(input: unknown, resolveBase: (name: string) => Preset = () => {
  throw new KernelError('EINVAL', 'a preset with "base" needs a resolver');
}): Preset {
  if (input !== null && typeof input === 'object' && 'base' in input) {
    const r = derivedSchema.safeParse(input);
    if (!r.success) throw new KernelError('EINVAL', `preset ${nameOf(input)} is not accepted: ${problems(r.error)}`);
    const d = r.data;
    const base = resolveBase(d.base);
    const params = { ...base.params } as Record<ParamName, PresetParam>;
    for (const [k, v] of Object.entries(d.params)) if (v !== undefined) params[k as ParamName] = v;
    return {
      name: d.name,
      version: d.version,
      description: d.description,
      machine: d.machine ?? base.machine,
      device: { ...base.device, ...(definedOnly(d.device ?? {}) as Partial<PresetDevice>) },
      params,
    };
  }
  const r = fullSchema.safeParse(input);
  if (!r.success) throw new KernelError('EINVAL', `preset ${nameOf(input)} is not accepted: ${problems(r.error)}`);
  const { format: _format, ...preset } = r.data;
  void _format;
  return preset as Preset;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function nameOf(input: unknown): string {
  const name = input !== null && typeof input === 'object' ? (input as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? JSON.stringify(name) : '(unnamed)';
}

/** The numbers of a preset, as the cost model takes them. */
export function presetParams(preset: Preset): TimingParams {
  const out = {} as TimingParams;
  for (const name of PARAM_NAMES) out[name] = preset.params[name].value;
  return out;
}

/** A preset with some parameter values replaced (sources say `override`). */
export function withParams(preset: Preset, values: Partial<TimingParams>, source = 'override'): Preset {
  const params = { ...preset.params };
  for (const [k, v] of Object.entries(values)) {
    const name = k as ParamName;
    if (!(name in PARAM_SPECS) || v === undefined) continue;
    params[name] = { value: v, unit: PARAM_SPECS[name].unit, source };
  }
  return { ...preset, params };
}

/** The JSON a preset file holds (what `calibrate` writes). */
export function presetToJson(preset: Preset): Record<string, unknown> {
  return { format: PRESET_FORMAT_VERSION, ...preset, ...(preset.fit === undefined ? {} : { fit: preset.fit }) };
}
