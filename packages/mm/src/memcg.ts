/**
 * Memory cgroups: folios are charged to the memcg of the task that faulted them, migration
 * moves the charge to the new folio (mirrors `mem_cgroup_migrate()`), and a memcg may have a
 * limit (`memory.max`) at which charges fail like an OOM.
 */
import { KernelError, type SysfsTree } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';

/** Memcg id of a folio that is not charged (the kernel's `memcg_data == 0`). */
export const NO_MEMCG = 0;
/** The root cgroup's id. */
export const ROOT_MEMCG = 1;

/** One memory cgroup. */
export interface MemCgroup {
  readonly id: number;
  readonly name: string;
  /** Pages charged (`memory.current` / PAGE_SIZE). */
  usage: number;
  /** Limit in pages (`memory.max`), Infinity for none. */
  max: number;
  /** Charges refused because of the limit (`memory.events` max). */
  failcnt: number;
}

/** The memcgs of a system. */
export class MemCgroups {
  /** Index = id; slot 0 is NO_MEMCG. */
  private readonly groups: (MemCgroup | undefined)[] = [undefined];
  private readonly sysfs: SysfsTree | undefined;

  /** With `sysfs`, each memcg gets its cgroup v2 files under `/sys/fs/cgroup/<name>/`. */
  constructor(sysfs?: SysfsTree) {
    this.sysfs = sysfs;
    this.create('/');
  }

  /**
   * Publishes `memory.current`, `memory.max` (rw: bytes or `max`, rounded down to pages) and
   * `memory.events` of a memcg, as cgroup v2 shows them (the root has no `memory.max`).
   */
  private publish(group: MemCgroup): void {
    if (this.sysfs === undefined) return;
    const dir = `/sys/fs/cgroup/${group.name.replace(/^\/+|\/+$/g, '')}`;
    this.sysfs.createAttribute(`${dir}/memory.current`, { mode: 'ro', show: () => String(group.usage * PAGE_SIZE) });
    this.sysfs.createAttribute(`${dir}/memory.events`, {
      mode: 'ro',
      show: () => `low 0\nhigh 0\nmax ${group.failcnt}\noom ${group.failcnt}\noom_kill 0\n`,
    });
    if (group.id === ROOT_MEMCG) return;
    this.sysfs.createAttribute(`${dir}/memory.max`, {
      mode: 'rw',
      show: () => (group.max === Infinity ? 'max' : String(group.max * PAGE_SIZE)),
      store: (value) => {
        const text = value.trim();
        if (text === 'max') {
          group.max = Infinity;
          return;
        }
        if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
          throw new KernelError('EINVAL', `memory.max ${JSON.stringify(value)} is not accepted: give bytes or "max"`);
        }
        group.max = Math.floor(Number(text) / PAGE_SIZE);
      },
    });
  }

  /** Creates a memcg; names are unique. */
  create(name: string, maxPages = Infinity): MemCgroup {
    if (this.groups.some((g) => g?.name === name)) {
      throw new KernelError('EEXIST', `memcg ${JSON.stringify(name)} already exists`);
    }
    if (this.groups.length >= 65535) throw new KernelError('ENOSPC', 'at most 65535 memcgs are supported');
    if (!(maxPages >= 0)) throw new KernelError('EINVAL', `memcg limit ${maxPages} is not accepted: give pages >= 0`);
    if (name !== '/' && !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(name)) {
      throw new KernelError('EINVAL', `memcg name ${JSON.stringify(name)} is not accepted: give path components of letters, digits, _ . -`);
    }
    const group: MemCgroup = { id: this.groups.length, name, usage: 0, max: maxPages, failcnt: 0 };
    this.groups.push(group);
    this.publish(group);
    return group;
  }

  /** A memcg by id. */
  get(id: number): MemCgroup {
    const group = this.groups[id];
    if (group === undefined) throw new KernelError('ENOENT', `memcg id ${id} does not exist`);
    return group;
  }

  /** A memcg by name, or undefined. */
  byName(name: string): MemCgroup | undefined {
    return this.groups.find((g) => g?.name === name);
  }

  /** Every memcg. */
  all(): MemCgroup[] {
    return this.groups.filter((g): g is MemCgroup => g !== undefined);
  }

  /** Charges pages; false when the limit refuses it (mirrors `mem_cgroup_charge()`). */
  tryCharge(id: number, nrPages: number): boolean {
    if (id === NO_MEMCG) return true;
    const group = this.groups[id]!;
    if (group.usage + nrPages > group.max) {
      group.failcnt++;
      return false;
    }
    group.usage += nrPages;
    return true;
  }

  /** Charges pages whatever the limit (split and other accounting moves). */
  forceCharge(id: number, nrPages: number): void {
    if (id !== NO_MEMCG) this.groups[id]!.usage += nrPages;
  }

  /** Uncharges pages (mirrors `mem_cgroup_uncharge()`). */
  uncharge(id: number, nrPages: number): void {
    if (id !== NO_MEMCG) this.groups[id]!.usage -= nrPages;
  }
}
