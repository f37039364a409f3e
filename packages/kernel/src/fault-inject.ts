/**
 * Fault injection points. Mirrors Linux's fault-injection framework
 * (Documentation/fault-injection/fault-injection.rst): a `struct fault_attr` with the knobs
 * `probability`, `interval`, `times`, `space` and `verbose`, `should_fail()` deciding each call, and
 * `fault_create_debugfs_attr()` publishing the knobs as `/sys/kernel/debug/<name>/`.
 *
 * `shouldFail()` checks in the kernel's order: probability 0 → no (nothing is counted); `times`
 * exhausted → no; `space` larger than `size` → consume `size` and no; `interval` > 1 → only every
 * interval-th call that gets this far; then fail with `probability` percent; a failure decrements
 * `times` unless it is -1. Defaults are the kernel's `FAULT_ATTR_INITIALIZER`: probability 0,
 * interval 1, times 1, space 0, verbose 2.
 *
 * Randomness comes from the point's own seeded `Prng` (not the kernel's entropy pool), so a run is
 * reproducible from its seeds: the default seed is a hash of the name, and writing `seed` restarts
 * the random sequence. Besides the kernel's knobs the debugfs directory has `seed` (rw) and
 * `failures` (ro, faults injected so far). Not modelled: `fail_nth`, `task-filter`,
 * `require-start/end`, `reject-start/end`, `stacktrace-depth`, rate-limiting of the messages.
 */
import { KernelError } from './kernel-error';
import { Prng } from './prng';
import type { SysfsTree } from './sysfs';
import { counterAttribute, intAttribute, uintAttribute } from './sysfs-attributes';

/** The tunable knobs of a fault point (all optional when configuring). */
export interface FaultAttrConfig {
  /** Percent chance (0..100) that an eligible call fails. */
  readonly probability?: number;
  /** Only every interval-th eligible call may fail (1..2^32-1; 1 = every call). */
  readonly interval?: number;
  /** Failures left before the point stops failing; -1 = no limit. */
  readonly times?: number;
  /** Bytes (sizes passed to `shouldFail`) to let through before failures may start. */
  readonly space?: number;
  /** 0 silent, 1 one message per failure, 2 message plus stack trace (needs `log`). */
  readonly verbose?: number;
  /** Seed of the point's PRNG (u32); setting it restarts the random sequence. */
  readonly seed?: number;
}

/** How to create a fault point. */
export interface FaultAttrOptions extends FaultAttrConfig {
  /** Tree in which to publish the knobs (like debugfs). */
  readonly sysfs?: SysfsTree;
  /** Parent directory of the knob directory (default `/sys/kernel/debug`). */
  readonly parent?: string;
  /** Where `verbose` messages go (the model's printk); none by default. */
  readonly log?: (message: string) => void;
}

/** A named fault point, like `struct fault_attr` (read-only view; change it with `configureFaultAttr()` or sysfs). */
export interface FaultAttr {
  /** Name, e.g. `fail_page_alloc`; also the debugfs directory name. */
  readonly name: string;
  /** See `FaultAttrConfig.probability`. */
  readonly probability: number;
  /** See `FaultAttrConfig.interval`. */
  readonly interval: number;
  /** See `FaultAttrConfig.times`; counts down as faults are injected. */
  readonly times: number;
  /** See `FaultAttrConfig.space`; counts down as calls consume it. */
  readonly space: number;
  /** See `FaultAttrConfig.verbose`. */
  readonly verbose: number;
  /** See `FaultAttrConfig.seed`. */
  readonly seed: number;
  /** Faults injected so far (a pagemig addition). */
  readonly failures: number;
  /** The knob directory in the sysfs tree, when published. */
  readonly dir: string | undefined;
}

interface FaultAttrImpl {
  name: string;
  probability: number;
  interval: number;
  times: number;
  space: number;
  verbose: number;
  seed: number;
  failures: number;
  dir: string | undefined;
  /** The kernel's `attr->count`: eligible calls seen by the interval check. */
  count: number;
  prng: Prng;
  log: ((message: string) => void) | undefined;
}

const LIMITS: Record<keyof FaultAttrConfig, readonly [min: number, max: number]> = {
  probability: [0, 100],
  interval: [1, 0xffff_ffff],
  times: [-1, 0x7fff_ffff],
  space: [0, 0x7fff_ffff],
  verbose: [0, 2],
  seed: [0, 0xffff_ffff],
};

/** FNV-1a of the name: a stable default seed that differs between fault points. */
function seedFromName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function validate(name: string, config: FaultAttrConfig): void {
  for (const key of Object.keys(config) as (keyof FaultAttrConfig)[]) {
    const limits = LIMITS[key] as readonly [number, number] | undefined;
    if (limits === undefined) {
      throw new KernelError('EINVAL', `${name}: unknown knob ${JSON.stringify(key)}; accepted: ${Object.keys(LIMITS).join(', ')}`);
    }
    const value = config[key];
    if (value === undefined) continue;
    const [min, max] = limits;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new KernelError('EINVAL', `${name}: ${key} ${String(value)} is invalid; accepted: an integer from ${min} to ${max}`);
    }
  }
}

/** Changes knobs, all or nothing (validated first); the API twin of writing the debugfs files. Throws EINVAL. */
export function configureFaultAttr(attr: FaultAttr, config: FaultAttrConfig): void {
  const a = attr as FaultAttrImpl;
  validate(a.name, config);
  if (config.probability !== undefined) a.probability = config.probability;
  if (config.interval !== undefined) a.interval = config.interval;
  if (config.times !== undefined) a.times = config.times;
  if (config.space !== undefined) a.space = config.space;
  if (config.verbose !== undefined) a.verbose = config.verbose;
  if (config.seed !== undefined) {
    a.seed = config.seed;
    a.prng = new Prng(config.seed);
  }
}

/** Mirrors `DECLARE_FAULT_ATTR()` + `fault_create_debugfs_attr()`: a fault point, with its knobs in `sysfs` if given. */
export function createFaultAttr(name: string, options: FaultAttrOptions = {}): FaultAttr {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new KernelError('EINVAL', `createFaultAttr: name ${JSON.stringify(name)} is invalid; accepted: letters, digits, _ and -`);
  }
  const { sysfs, parent = '/sys/kernel/debug', log, ...config } = options;
  validate(name, config);
  const seed = config.seed ?? seedFromName(name);
  const a: FaultAttrImpl = {
    name,
    probability: config.probability ?? 0,
    interval: config.interval ?? 1,
    times: config.times ?? 1,
    space: config.space ?? 0,
    verbose: config.verbose ?? 2,
    seed,
    failures: 0,
    dir: undefined,
    count: 0,
    prng: new Prng(seed),
    log,
  };
  if (sysfs !== undefined) {
    const dir = `${parent.replace(/\/+$/, '')}/${name}`;
    const knob = (key: keyof FaultAttrConfig) => {
      const [min, max] = LIMITS[key];
      const get = () => a[key];
      const set = (value: number) => configureFaultAttr(a, { [key]: value });
      return min < 0 ? intAttribute({ get, set, min, max }) : uintAttribute({ get, set, min, max });
    };
    sysfs.createGroup(dir, {
      probability: knob('probability'),
      interval: knob('interval'),
      times: knob('times'),
      space: knob('space'),
      verbose: knob('verbose'),
      seed: knob('seed'),
      failures: counterAttribute({ get: () => a.failures }),
    });
    a.dir = dir;
  }
  return a;
}

function failDump(a: FaultAttrImpl): void {
  if (a.log === undefined || a.verbose === 0) return;
  let message =
    'FAULT_INJECTION: forcing a failure.\n' +
    `name ${a.name}, interval ${a.interval}, probability ${a.probability}, space ${a.space}, times ${a.times}`;
  if (a.verbose >= 2) message += `\n${(new Error('fault injected').stack ?? '').split('\n').slice(1).join('\n')}`;
  a.log(message);
}

/**
 * Mirrors `should_fail(attr, size)`: true when this call should fail. `size` is the amount the
 * call is about (bytes for allocations, 1 for a plain event) and only matters for `space`.
 */
export function shouldFail(attr: FaultAttr, size: number): boolean {
  const a = attr as FaultAttrImpl;
  if (a.probability === 0) return false;
  if (a.times === 0) return false;
  if (a.space > size) {
    a.space -= size;
    return false;
  }
  if (a.interval > 1) {
    a.count++;
    if (a.count % a.interval !== 0) return false;
  }
  if (a.probability <= a.prng.below(100)) return false;
  failDump(a);
  if (a.times !== -1) a.times--;
  a.failures++;
  return true;
}
