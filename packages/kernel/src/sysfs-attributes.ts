/**
 * Ready-made sysfs attributes for the common kinds of knob, so drivers do not re-write parsing:
 * booleans (`kstrtobool()` rules), bounded integers (`kstrtouint()`/`kstrtoint()`, decimal),
 * enumerations (the `always [madvise] never` style of /sys/kernel/mm) and counters that a write
 * resets (dcbm's `folios_migrated`).
 *
 * Each helper returns a `SysfsAttribute` for `SysfsTree.createAttribute()`/`createGroup()`. The
 * driver owns the value through `get`/`set`; the helper validates first and calls `set` only with
 * an accepted value, so a rejected write never changes anything. `set` may itself refuse (throw
 * `KernelError` or return `-errno`, e.g. registration failing with -EBUSY); that reaches the writer.
 * Not provided: hexadecimal or octal input (`kstrtouint(s, 0)`), 64-bit values beyond 2^53.
 */
import { EINVAL, ERANGE } from './errno';
import { KernelError } from './kernel-error';
import type { SysfsAttribute, SysfsMode, SysfsStore } from './sysfs';

const U32_MAX = 0xffff_ffff;
const S32_MIN = -0x8000_0000;
const S32_MAX = 0x7fff_ffff;

/** Result of a setter: nothing, or a kernel-style number where negative means `-errno`. */
export type SetResult = void | number | Promise<void | number>;

function quote(value: string): string {
  return JSON.stringify(value);
}

/** Mirrors `kstrtobool()`: y/Y/t/T/1/on → true, n/N/f/F/0/off → false (first letters decide); else `undefined`. */
export function kstrtobool(s: string): boolean | undefined {
  switch (s[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
      return true;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
      return false;
    case 'o':
    case 'O':
      switch (s[1]) {
        case 'n':
        case 'N':
          return true;
        case 'f':
        case 'F':
          return false;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

function stripNewline(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

/** Mirrors `kstrtouint(s, 10, &v)`: the value (0..2^32-1), or -EINVAL (not a number) / -ERANGE (too big). */
export function kstrtouint(s: string): number {
  const text = stripNewline(s);
  if (!/^\+?[0-9]+$/.test(text)) return -EINVAL;
  const value = Number(text);
  return value > U32_MAX ? -ERANGE : value;
}

function kstrtoint(s: string): { value: number } | { rc: number } {
  const text = stripNewline(s);
  if (!/^[+-]?[0-9]+$/.test(text)) return { rc: -EINVAL };
  const value = Number(text);
  return value < S32_MIN || value > S32_MAX ? { rc: -ERANGE } : { value };
}

/** Options shared by every helper: where the value lives. */
export interface ValueAttributeOptions<T> {
  /** Reads the current value for `show()`. */
  readonly get: () => T;
  /** Applies an accepted value; omit for a read-only attribute. May refuse with a throw or `-errno`. */
  readonly set?: (value: T) => SetResult;
  /** Overrides the mode (default `rw` with `set`, `ro` without). */
  readonly mode?: SysfsMode;
}

function attribute<T>(options: ValueAttributeOptions<T>, show: () => string, parse: (input: string) => T): SysfsAttribute {
  const { set } = options;
  if (set === undefined) return { mode: options.mode ?? 'ro', show };
  const store: SysfsStore = (input) => set(parse(input));
  return { mode: options.mode ?? 'rw', show, store };
}

/** A boolean knob shown as `0`/`1` and written with kstrtobool rules (`1`, `y`, `on`, `0`, `n`, `off`, ...). */
export function boolAttribute(options: ValueAttributeOptions<boolean>): SysfsAttribute {
  return attribute(options, () => (options.get() ? '1' : '0'), (input) => {
    const value = kstrtobool(input);
    if (value === undefined) {
      throw new KernelError('EINVAL', `${quote(input)} is not a boolean; accepted: 1/0, y/n, yes/no, true/false, on/off`);
    }
    return value;
  });
}

/** Options of an integer knob: the inclusive range it accepts. */
export interface IntegerAttributeOptions extends ValueAttributeOptions<number> {
  /** Smallest accepted value (default 0 for uint, -2^31 for int). */
  readonly min?: number;
  /** Largest accepted value (default 2^32-1 for uint, 2^31-1 for int). */
  readonly max?: number;
}

function checkRange(kind: string, min: number, max: number, lo: number, hi: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max || min < lo || max > hi) {
    throw new KernelError('EINVAL', `${kind}Attribute: range ${min}..${max} is invalid; accepted: integers with ${lo} <= min <= max <= ${hi}`);
  }
}

function rangeError(input: string, rc: number, min: number, max: number): KernelError {
  const accepted = `accepted: an integer from ${min} to ${max}`;
  if (rc === -ERANGE) return new KernelError('ERANGE', `${quote(input)} does not fit the integer type; ${accepted}`);
  return new KernelError('EINVAL', `${quote(input)} is not a decimal integer; ${accepted}`);
}

/** An unsigned int knob (decimal, `kstrtouint`) limited to [min, max]; out of range is -EINVAL. */
export function uintAttribute(options: IntegerAttributeOptions): SysfsAttribute {
  const min = options.min ?? 0;
  const max = options.max ?? U32_MAX;
  checkRange('uint', min, max, 0, U32_MAX);
  return attribute(options, () => String(options.get()), (input) => {
    const value = kstrtouint(input);
    if (value < 0) throw rangeError(input, value, min, max);
    if (value < min || value > max) {
      throw new KernelError('EINVAL', `${quote(input)} is out of range; accepted: an integer from ${min} to ${max}`);
    }
    return value;
  });
}

/** A signed int knob (decimal, `kstrtoint`) limited to [min, max]; out of range is -EINVAL. */
export function intAttribute(options: IntegerAttributeOptions): SysfsAttribute {
  const min = options.min ?? S32_MIN;
  const max = options.max ?? S32_MAX;
  checkRange('int', min, max, S32_MIN, S32_MAX);
  return attribute(options, () => String(options.get()), (input) => {
    const parsed = kstrtoint(input);
    if ('rc' in parsed) throw rangeError(input, parsed.rc, min, max);
    if (parsed.value < min || parsed.value > max) {
      throw new KernelError('EINVAL', `${quote(input)} is out of range; accepted: an integer from ${min} to ${max}`);
    }
    return parsed.value;
  });
}

/** Options of an enumeration knob. */
export interface EnumAttributeOptions<N extends string> extends ValueAttributeOptions<N> {
  /** The accepted names, in display order. */
  readonly names: readonly N[];
  /** Show every name with the current one in brackets (`always [madvise] never`), as /sys/kernel/mm does. */
  readonly brackets?: boolean;
}

/** A knob that takes one of a fixed list of names (exact match); anything else is -EINVAL. */
export function enumAttribute<const N extends string>(options: EnumAttributeOptions<N>): SysfsAttribute {
  const names = [...options.names];
  if (names.length === 0 || new Set(names).size !== names.length || names.some((n) => n.length === 0 || /\s/.test(n))) {
    throw new KernelError('EINVAL', 'enumAttribute: names must be non-empty, distinct and without whitespace');
  }
  const show = options.brackets === true
    ? () => {
        const current = options.get();
        return names.map((n) => (n === current ? `[${n}]` : n)).join(' ');
      }
    : () => options.get();
  return attribute(options, show, (input) => {
    const found = names.find((n) => n === input);
    if (found === undefined) {
      throw new KernelError('EINVAL', `${quote(input)} is not accepted; accepted: ${names.join(', ')}`);
    }
    return found;
  });
}

/** Options of a counter: where it is read and, optionally, how a write resets it. */
export interface CounterAttributeOptions {
  /** Reads the current count. */
  readonly get: () => number;
  /** When given, any write resets the counter (mode rw), like dcbm's `folios_migrated`; else read-only. */
  readonly reset?: () => void;
}

/** A counter shown in decimal: read-only, or reset to zero by any write when `reset` is given. */
export function counterAttribute(options: CounterAttributeOptions): SysfsAttribute {
  const show = () => String(options.get());
  const { reset } = options;
  if (reset === undefined) return { mode: 'ro', show };
  return { mode: 'rw', show, store: () => reset() };
}
