/**
 * Seeded, per-descriptor fault injection for the software DMA device. A fault spec names a kind and
 * which descriptors get it: explicit descriptor numbers (`nth`, 1 = the first descriptor submitted
 * on the channel), every k-th descriptor (`every`), or a probability (`probability`, drawn from a
 * PRNG seeded per channel and spec, so a run replays exactly from its seed). The decision is taken
 * on the main thread when the descriptor is submitted and travels in its ring record; the worker
 * only obeys it.
 *
 * Kinds (what the engine does, and what the client sees):
 * - `read-failed` / `write-failed`: copies `bytes` (default 0), completes with
 *   DMA_TRANS_READ_FAILED / DMA_TRANS_WRITE_FAILED and residue len - bytes; status DMA_ERROR.
 * - `partial`: copies a prefix of `bytes` (default len / 2) and completes with DMA_TRANS_NOERROR and
 *   residue len - bytes; status DMA_COMPLETE with that residue.
 * - `never-complete`: consumes the descriptor without copying or completing; only a timeout or a
 *   terminate ends it.
 * - `halt`: the channel halts before the descriptor; it and everything after stay pending
 *   (status DMA_PAUSED) until `dmaengineTerminateSync()`.
 * - `stall`: the descriptor is held (in out-of-order mode after the rest of its chain, in in-order
 *   mode blocking the chain) until `device.releaseStall(chan)`, `stallMs` elapses, or a terminate.
 * Planted engine bugs (completion claims success; dmatest's verifier must catch them):
 * - `short-copy`: the last `bytes` (default 1) bytes are not copied.
 * - `offset-slip`: the copy reads from src + `bytes` (default 1).
 * - `write-outside`: `bytes` (default 1) extra bytes are written past the end of the destination.
 * - `src-overwrite`: after the copy, `bytes` (default 1) bytes at the start of the source are inverted.
 */
import { KernelError, Prng } from '@pagemig/kernel';
import {
  FAULT_HALT,
  FAULT_NEVER_COMPLETE,
  FAULT_NONE,
  FAULT_OFFSET_SLIP,
  FAULT_PARTIAL,
  FAULT_READ_FAILED,
  FAULT_SHORT_COPY,
  FAULT_SRC_OVERWRITE,
  FAULT_STALL,
  FAULT_WRITE_FAILED,
  FAULT_WRITE_OUTSIDE,
} from './dma-ring';

/** The kinds of injected fault and planted engine bug. */
export type DmaFaultKind =
  | 'read-failed'
  | 'write-failed'
  | 'partial'
  | 'never-complete'
  | 'halt'
  | 'stall'
  | 'short-copy'
  | 'offset-slip'
  | 'write-outside'
  | 'src-overwrite';

/** Kind → ring fault code. */
const FAULT_CODES: Readonly<Record<DmaFaultKind, number>> = {
  'read-failed': FAULT_READ_FAILED,
  'write-failed': FAULT_WRITE_FAILED,
  partial: FAULT_PARTIAL,
  'never-complete': FAULT_NEVER_COMPLETE,
  halt: FAULT_HALT,
  stall: FAULT_STALL,
  'short-copy': FAULT_SHORT_COPY,
  'offset-slip': FAULT_OFFSET_SLIP,
  'write-outside': FAULT_WRITE_OUTSIDE,
  'src-overwrite': FAULT_SRC_OVERWRITE,
};

/** Every fault kind, in documentation order. */
export const DMA_FAULT_KINDS = Object.keys(FAULT_CODES) as readonly DmaFaultKind[];

/** One fault rule. Give at least one of `nth`, `every`, `probability`. */
export interface DmaFaultSpec {
  readonly kind: DmaFaultKind;
  /** Descriptor number(s) on the channel that get the fault (1 = first submitted). */
  readonly nth?: number | readonly number[];
  /** Every k-th descriptor of the channel (k, 2k, 3k, ...). */
  readonly every?: number;
  /** Chance (0..1) per descriptor, from a PRNG seeded by the device seed, the channel and the rule. */
  readonly probability?: number;
  /** At most this many injections per channel (default: no limit). */
  readonly times?: number;
  /** Only on this channel index of the device (default: every channel). */
  readonly channel?: number;
  /** Byte argument of the kind (see the module comment for defaults). */
  readonly bytes?: number;
  /** `stall` only: release automatically after this many ms (default: wait for release or terminate). */
  readonly stallMs?: number;
}

interface Rule {
  readonly code: number;
  readonly kind: DmaFaultKind;
  readonly nth: ReadonlySet<number>;
  readonly every: number;
  readonly probability: number;
  readonly times: number;
  readonly channel: number;
  readonly bytes: number;
  readonly stallMs: number;
}

function bad(what: string, value: unknown, accepted: string): KernelError {
  return new KernelError('EINVAL', `DMA fault ${what} ${JSON.stringify(value) ?? String(value)} is invalid; accepted: ${accepted}`);
}

/** Validates a spec; throws KernelError EINVAL naming the bad field and what is accepted. */
export function checkDmaFaultSpec(spec: DmaFaultSpec): void {
  toRule(spec);
}

function toRule(spec: DmaFaultSpec): Rule {
  const code = FAULT_CODES[spec.kind];
  if (code === undefined) throw bad('kind', spec.kind, DMA_FAULT_KINDS.join(', '));
  const nthList = spec.nth === undefined ? [] : typeof spec.nth === 'number' ? [spec.nth] : [...spec.nth];
  for (const n of nthList) if (!Number.isSafeInteger(n) || n < 1) throw bad('nth', spec.nth, 'descriptor numbers >= 1');
  const every = spec.every ?? 0;
  if (!Number.isSafeInteger(every) || every < 0) throw bad('every', spec.every, 'an integer >= 1');
  const probability = spec.probability ?? 0;
  if (!(probability >= 0 && probability <= 1)) throw bad('probability', spec.probability, 'a number from 0 to 1');
  if (nthList.length === 0 && every === 0 && probability === 0) {
    throw new KernelError('EINVAL', `DMA fault ${spec.kind}: no selector; accepted: nth, every or probability`);
  }
  const times = spec.times ?? Number.POSITIVE_INFINITY;
  if (times !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(times) || times < 1)) throw bad('times', spec.times, 'an integer >= 1');
  const channel = spec.channel ?? -1;
  if (!Number.isSafeInteger(channel) || channel < -1) throw bad('channel', spec.channel, 'a channel index >= 0');
  const bytes = spec.bytes ?? -1;
  if (!Number.isSafeInteger(bytes) || bytes < -1 || bytes > 0x7fff_ffff) throw bad('bytes', spec.bytes, 'an integer from 0 to 2^31-1');
  const stallMs = spec.stallMs ?? 0;
  if (!Number.isSafeInteger(stallMs) || stallMs < 0 || stallMs > 0x7fff_ffff) throw bad('stallMs', spec.stallMs, 'an integer number of ms >= 0');
  return { code, kind: spec.kind, nth: new Set(nthList), every, probability, times, channel, bytes, stallMs };
}

/** Fault decided for one descriptor: code, byte argument and stall time (reused object, copy the fields). */
export interface DmaFaultDecision {
  code: number;
  arg: number;
  stallMs: number;
}

/** Per-channel state of one rule. */
interface RuleState {
  readonly prng: Prng;
  used: number;
}

/** Seed of the PRNG of (device seed, channel, rule): a fixed mix, so adding channels changes nothing else. */
function ruleSeed(seed: number, channel: number, rule: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (channel + 1), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (rule + 1) ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The fault rules of a device and their per-channel state. */
export class DmaFaultPlan {
  private readonly rules: Rule[] = [];
  private readonly state: (RuleState | undefined)[][] = [];
  private readonly seed: number;
  private readonly out: DmaFaultDecision = { code: FAULT_NONE, arg: 0, stallMs: 0 };

  /** Validates every spec first (all or nothing). */
  constructor(specs: readonly DmaFaultSpec[], seed: number) {
    this.seed = seed;
    for (const spec of specs) this.rules.push(toRule(spec));
  }

  /** Adds a rule at the end (first matching rule wins); throws EINVAL for a bad spec. */
  add(spec: DmaFaultSpec): void {
    this.rules.push(toRule(spec));
  }

  /** Removes every rule. */
  clear(): void {
    this.rules.length = 0;
    this.state.length = 0;
  }

  /** True when no rule exists (the fast path skips `decide`). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The fault for descriptor number `n` (1-based) of channel `channel`, which is `len` bytes long. */
  decide(channel: number, n: number, len: number): DmaFaultDecision {
    const out = this.out;
    out.code = FAULT_NONE;
    out.arg = 0;
    out.stallMs = 0;
    let states = this.state[channel];
    if (states === undefined) {
      states = [];
      this.state[channel] = states;
    }
    for (let r = 0; r < this.rules.length; r++) {
      const rule = this.rules[r] as Rule;
      if (rule.channel >= 0 && rule.channel !== channel) continue;
      let st = states[r];
      if (st === undefined) {
        st = { prng: new Prng(ruleSeed(this.seed, channel, r)), used: 0 };
        states[r] = st;
      }
      // Draw on every descriptor so a rule's random sequence does not depend on other rules.
      const coin = rule.probability > 0 ? st.prng.float() < rule.probability : false;
      if (out.code !== FAULT_NONE || st.used >= rule.times) continue;
      if (!(rule.nth.has(n) || (rule.every > 0 && n % rule.every === 0) || coin)) continue;
      st.used++;
      out.code = rule.code;
      out.arg = defaultArg(rule, len);
      out.stallMs = rule.stallMs;
    }
    return out;
  }
}

function defaultArg(rule: Rule, len: number): number {
  if (rule.bytes >= 0) return rule.code === FAULT_PARTIAL || rule.code === FAULT_READ_FAILED || rule.code === FAULT_WRITE_FAILED ? Math.min(rule.bytes, len) : rule.bytes;
  switch (rule.code) {
    case FAULT_PARTIAL:
      return Math.floor(len / 2);
    case FAULT_READ_FAILED:
    case FAULT_WRITE_FAILED:
    case FAULT_NEVER_COMPLETE:
    case FAULT_HALT:
    case FAULT_STALL:
      return 0;
    default:
      return 1;
  }
}
