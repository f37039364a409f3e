/**
 * The migrator: what a copy-offload driver hands to the registry (mirrors `struct migrator` of
 * the series' `include/linux/migrate_copy_offload.h`: a name, the `offload_copy` callback and the
 * owning module), and the checks `migrate_offload_register()` applies before touching any state.
 */
import type { Module } from '@pagemig/kernel';
import type { BatchCopyContext } from '@pagemig/migrate';

/** Size of the kernel's `char name[MIGRATOR_NAME_LEN]`: names are 1..31 characters. */
export const MIGRATOR_NAME_LEN = 32;

/**
 * Names the registry uses itself: `cpu` labels the CPU default in accounting and provenance,
 * `none` is what `/sys/kernel/mm/migrate_offload/active` shows with nothing registered.
 */
export const MIGRATOR_RESERVED_NAMES: readonly string[] = ['cpu', 'none'];

/** A copy-offload provider (mirrors `struct migrator`). */
export interface Migrator {
  /** 1..31 printable ASCII characters without spaces; not `cpu` or `none`. */
  name: string;
  /**
   * Copies `count` pairs `dst[i] ← src[i]` (head PFNs). Resolves to 0 when every pair was
   * copied, `-EOPNOTSUPP` to decline the batch, or another negative errno; with V6 semantics it
   * may mark the pairs it finished (`migrateInfoMarkCopied`) before failing. Throwing or
   * rejecting counts as `-EIO`. Any non-zero result makes the core copy the rest per folio.
   */
  offloadCopy: (dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext) => Promise<number>;
  /** The module that owns the code; pinned while the migrator is registered. */
  owner: Module;
}

const NAME_CHARS = /^[\x21-\x7e]+$/;

/** Why `name` is not an acceptable migrator name, or `null` when it is. */
export function migratorNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return `name ${String(name)} is not a string`;
  if (name.length === 0 || name.length >= MIGRATOR_NAME_LEN) {
    return `name ${JSON.stringify(name)} has ${name.length} characters; accepted: 1 to ${MIGRATOR_NAME_LEN - 1}`;
  }
  if (!NAME_CHARS.test(name)) return `name ${JSON.stringify(name)} has a space or a non-printable character; accepted: printable ASCII without spaces`;
  if (MIGRATOR_RESERVED_NAMES.includes(name)) {
    return `name ${JSON.stringify(name)} is reserved; accepted: any other name (${MIGRATOR_RESERVED_NAMES.join(', ')} are taken by the registry)`;
  }
  return null;
}

/**
 * Why `m` cannot be registered (the `-EINVAL` cases of `migrate_offload_register()`: no
 * migrator, no `offload_copy`, no `owner`, or a bad name), or `null` when it is well formed.
 */
export function migratorProblem(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return `migrator ${String(m)} is not an object`;
  const candidate = m as Partial<Migrator>;
  const nameProblem = migratorNameProblem(candidate.name);
  if (nameProblem !== null) return nameProblem;
  if (typeof candidate.offloadCopy !== 'function') return `migrator ${candidate.name!} has no offloadCopy callback`;
  const owner = candidate.owner as unknown;
  if (typeof owner !== 'object' || owner === null || typeof (owner as Partial<Module>).name !== 'string') {
    return `migrator ${candidate.name!} has no owner module`;
  }
  return null;
}
