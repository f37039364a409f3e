/**
 * numactl's node-list grammar (libnuma's `numa_parse_nodestring()`), written from its documented
 * behaviour: `""` is an empty mask; `all` the allowed nodes; `N`, `N,M`, `A-B` (only allowed
 * nodes of a range are set); a leading `!` inverts over the configured nodes, a leading `+`
 * makes numbers relative to the allowed set; numbers are read like `strtoul(s, &end, 0)` (hex,
 * octal, signs). Failures print libnuma's warnings to stderr, each kind only once per process
 * (`libnuma: Warning: ...`, the message's own newline plus libnuma's, so a blank line follows);
 * trailing junk (`1x`) fails silently. Names starting with a letter may be affinity
 * specifications (`netdev:`, `ip:`, `file:`, `block:`, `pci:`); pagemig has no such devices, so
 * they fail with libnuma's message for a device it cannot resolve.
 */

/** Width of libnuma's node bitmask in pagemig (the model's MAX_NUMNODES). */
export const NODEMASK_BITS = 64;

/** libnuma's warning state of one process: each warning kind prints once. */
export class LibnumaWarnings {
  private readonly warned = new Set<string>();

  constructor(private readonly err: (text: string) => void) {}

  /** Mirrors `numa_warn()`: `libnuma: Warning: ` + message + newline, once per kind. */
  warn(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.err(`libnuma: Warning: ${message}\n`);
  }
}

const isSpace = (c: string | undefined) => c !== undefined && ' \t\n\v\f\r'.includes(c);
const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
const ULONG = 1n << 64n;

/**
 * `strtoul(s + start, &end, 0)`: the value (as an unsigned 64-bit BigInt) and the index where
 * parsing stopped; `end === start` when there were no digits.
 */
export function strtoul(s: string, start: number): { value: bigint; end: number } {
  let i = start;
  while (isSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /^[0-9a-fA-F]$/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') {
    base = 8;
  }
  const digitsStart = i;
  let value = 0n;
  let overflow = false;
  for (;;) {
    const c = s[i];
    if (c === undefined) break;
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) break;
    value = value * BigInt(base) + BigInt(d);
    if (value >= ULONG) overflow = true;
    i++;
  }
  if (i === digitsStart) return { value: 0n, end: start };
  if (overflow) return { value: ULONG - 1n, end: i };
  return { value: negative && value !== 0n ? ULONG - value : value, end: i };
}

/** An unsigned long printed with `%d` (its low 32 bits, signed), as libnuma's warnings do. */
export function asCInt(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

function isBitSet(allowed: readonly boolean[], n: bigint): boolean {
  return n >= 0n && n < BigInt(NODEMASK_BITS) && allowed[Number(n)] === true;
}

/** `get_nr()`: a node number, absolute or (relative) the n-th allowed node. */
function getNr(s: string, start: number, allowed: readonly boolean[], relative: boolean): { value: bigint; end: number } {
  const r = strtoul(s, start);
  if (!relative || r.end === start) return r;
  // find the nth set bit; a "negative" (huge) count finds nothing
  let nr = BigInt.asIntN(64, r.value);
  let i = 0;
  for (; nr >= 0n && i <= NODEMASK_BITS; i++) if (isBitSet(allowed, BigInt(i))) nr--;
  return { value: BigInt.asUintN(64, BigInt(i - 1)), end: r.end };
}

const AFFINITY_PREFIXES: readonly { prefix: string; cls: string | null }[] = [
  { prefix: 'netdev:', cls: 'net' },
  { prefix: 'ip:', cls: null },
  { prefix: 'file:', cls: null },
  { prefix: 'block:', cls: 'block' },
  { prefix: 'pci:', cls: null },
];

/** `resolve_affinity()` without devices: -1 (with libnuma's warning) for a known prefix, else null. */
function resolveAffinity(id: string, warnings: LibnumaWarnings): number | null {
  for (const { prefix, cls } of AFFINITY_PREFIXES) {
    if (!id.startsWith(prefix)) continue;
    const dev = id.slice(prefix.length).replace(/^\s+/, '');
    if (prefix === 'ip:') warnings.warn('net1', `Cannot resolve ${dev}: Name or service not known`);
    else if (prefix === 'file:') warnings.warn('blockdev1', `Cannot stat file ${dev}`);
    else if (prefix === 'pci:') {
      if (!/^[0-9a-fA-F]+:[0-9a-fA-F]+(:[0-9a-fA-F]+)?(\.[0-9a-fA-F]+)?$/.test(dev)) warnings.warn('pci1', `Cannot parse PCI device \`${dev}'`);
      else warnings.warn('node_parse2', `Cannot read node mask for  device \`${dev}'`);
    } else if (/[/.]/.test(dev)) warnings.warn('badchar', `Illegal characters in \`${dev}' specification`);
    else warnings.warn('node_parse2', `Cannot read node mask for ${cls ?? ''} device \`${dev}'`);
    return -1;
  }
  return null;
}

/**
 * Parses a node string over the `allowed` nodes (by id) of a system with `confNodes` nodes.
 * Returns the sorted node list, or null when it does not parse (warnings already printed).
 */
export function parseNodestring(text: string, allowed: readonly boolean[], confNodes: number, warnings: LibnumaWarnings): number[] | null {
  const mask = new Array<boolean>(NODEMASK_BITS).fill(false);
  if (text === '') return [];
  let i = 0;
  let invert = false;
  let relative = false;
  if (text[i] === '!') {
    invert = true;
    i++;
  }
  if (text[i] === '+') {
    relative = true;
    i++;
  }
  let last: string | undefined;
  for (;;) {
    if (isAlpha(text[i])) {
      const rest = text.slice(i);
      if (rest === 'all') {
        for (let n = 0; n < NODEMASK_BITS; n++) mask[n] = allowed[n] === true;
        last = undefined; // the terminating NUL
        break;
      }
      if (resolveAffinity(rest, warnings) !== null) return null;
    }
    const a = getNr(text, i, allowed, relative);
    if (a.end === i) {
      warnings.warn('nodeparse', `unparseable node description \`${text.slice(i)}'\n`);
      return null;
    }
    if (!isBitSet(allowed, a.value)) {
      warnings.warn('nodeparse', `node argument ${asCInt(a.value)} is out of range\n`);
      return null;
    }
    mask[Number(a.value)] = true;
    i = a.end;
    if (text[i] === '-') {
      i++;
      const b = getNr(text, i, allowed, relative);
      if (b.end === i) {
        warnings.warn('nodeparse', `missing node argument ${text.slice(i)}\n`);
        return null;
      }
      if (!isBitSet(allowed, b.value)) {
        warnings.warn('nodeparse', `node argument ${asCInt(b.value)} out of range\n`);
        return null;
      }
      for (let n = a.value; n <= b.value; n++) if (isBitSet(allowed, n)) mask[Number(n)] = true;
      i = b.end;
    }
    last = text[i];
    i++;
    if (last !== ',') break;
  }
  if (last !== undefined) return null;
  if (invert) for (let n = 0; n < confNodes; n++) mask[n] = !mask[n];
  const out: number[] = [];
  mask.forEach((set, n) => {
    if (set) out.push(n);
  });
  return out;
}
