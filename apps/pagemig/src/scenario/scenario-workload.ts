/**
 * Workload threads: user threads of a scenario process (`clone(CLONE_VM)` tasks on their own
 * CPUs) that read or write a region sequentially or at seeded random offsets, one operation at
 * a time through their CPU's TLB and the page tables, yielding to the event loop after each
 * operation so migrations interleave with them. Writes update the region's shadow right after
 * the store (continuations run in store order, so the shadow follows memory); reads of a region
 * nobody writes are checked against the shadow as they happen.
 */
import { Prng } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import { accessVm, type System, type Task } from '@pagemig/mm';
import type { ScenarioRegion } from './scenario-regions';
import type { ThreadSpec } from './scenario-schema';

/** A workload thread ready to run. */
export interface WorkloadThread {
  name: string;
  spec: ThreadSpec;
  task: Task;
  region: ScenarioRegion;
  /** Operations done so far. */
  ops: number;
  /** Reads that returned bytes different from the shadow (a region nobody writes). */
  readMismatches: number;
  /** First wrong read, for the report. */
  firstMismatch: string | null;
  /** Why the thread stopped early (a fault it could not take), or null. */
  error: string | null;
  done: boolean;
}

/** Shared progress: what the driver waits on between NUMA scans. */
export class WorkloadProgress {
  ops = 0;
  running = 0;
  private waiters: { target: number; wake: () => void }[] = [];

  /** Counts one operation and wakes whoever waits for this total. */
  tick(): void {
    this.ops++;
    if (this.waiters.length > 0) this.wakeReady(false);
  }

  /** A thread ended. */
  threadDone(): void {
    this.running--;
    if (this.running === 0) this.wakeReady(true);
  }

  /** Resolves when `n` more operations ran, or no thread runs any more. */
  waitOps(n: number): Promise<void> {
    if (this.running === 0 || n <= 0) return Promise.resolve();
    const target = this.ops + n;
    return new Promise((wake) => this.waiters.push({ target, wake }));
  }

  private wakeReady(all: boolean): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (all || this.ops >= w.target) w.wake();
      else keep.push(w);
    }
    this.waiters = keep;
  }
}

/** Yields to the event loop (lets DMA completions, worker replies and other threads run). */
export function yieldNow(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Creates the thread task (a CLONE_VM sibling of the process's first task). */
export function createWorkloadThread(sys: System, owner: Task, region: ScenarioRegion, spec: ThreadSpec, index: number): WorkloadThread {
  const name = spec.name ?? `${owner.name}.t${index}`;
  const task = sys.cloneThread(owner, { cpu: spec.cpu, name: name.slice(0, 15) });
  if (spec.pattern.endsWith('write')) region.writers++;
  return { name, spec, task, region, ops: 0, readMismatches: 0, firstMismatch: null, error: null, done: false };
}

/** Runs a thread to completion. */
export async function runWorkloadThread(t: WorkloadThread, progress: WorkloadProgress, hooks: { begin?(): void; end?(): void } = {}): Promise<void> {
  const { spec, region, task } = t;
  const prng = new Prng(spec.seed);
  const opSize = spec.opSize;
  const slots = Math.floor(region.size / opSize);
  const write = spec.pattern.endsWith('write');
  const random = spec.pattern.startsWith('rand');
  const buf = new Uint8Array(opSize);
  const stamp = (t.task.pid * 37) & 255;
  hooks.begin?.();
  try {
    for (let i = 0; i < spec.ops; i++) {
      const slot = random ? prng.below(slots) : i % slots;
      const off = slot * opSize;
      if (write) {
        for (let k = 0; k < opSize; k++) buf[k] = (stamp + i * 7 + k) & 255;
        await accessVm(task, region.addr + off, buf, true);
        region.shadow.set(buf, off);
      } else {
        await accessVm(task, region.addr + off, buf, false);
        if (region.writers === 0) {
          const want = region.shadow.subarray(off, off + opSize);
          for (let k = 0; k < opSize; k++) {
            if (buf[k] !== want[k]) {
              t.readMismatches++;
              t.firstMismatch ??= `read of byte ${off + k} (page ${Math.floor((off + k) / PAGE_SIZE)}) returned 0x${buf[k]!.toString(16)}, expected 0x${want[k]!.toString(16)}`;
              break;
            }
          }
        }
      }
      t.ops++;
      progress.tick();
      await yieldNow();
    }
  } catch (error) {
    t.error = error instanceof Error ? error.message : String(error);
  } finally {
    t.done = true;
    hooks.end?.();
    progress.threadDone();
  }
}
