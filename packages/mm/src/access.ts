/**
 * User memory access: reads and writes of bytes at a task's virtual addresses through its TLB
 * and page tables, faulting as needed. Access is asynchronous so simulated user threads
 * interleave with migration at await points: a fault on a migration entry waits for that
 * migration to finish, then retries, and sees the new frame. A bad access (no VMA, PROT_NONE)
 * throws a segmentation fault; it is never silent.
 */
import { KernelError } from '@pagemig/kernel';
import { HPAGE_PMD_SIZE, PAGE_SIZE } from '@pagemig/folio';
import {
  FAULT_FLAG_WRITE,
  VM_FAULT_NUMA,
  VM_FAULT_OOM,
  VM_FAULT_RETRY,
  VM_FAULT_SIGBUS,
  handleMmFault,
} from './fault';
import type { MmStruct } from './mm-struct';
import { PTE_DIRTY, PTE_PRESENT, PTE_PROTNONE, PTE_SPECIAL, PTE_WRITE, PTE_YOUNG } from './page-table';
import type { Task } from './task';

/**
 * Walks the page tables for an access (what the MMU does on a TLB miss): the frame, or -1 when
 * a fault is needed. Sets the accessed and dirty bits like the hardware.
 */
export function translate(mm: MmStruct, addr: number, write: boolean): number {
  const pt = mm.pageTable;
  const pmdStart = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  const leaf = pt.isPmdLeaf(pmdStart) ? pt.pmdLeaf(pmdStart) : null;
  if (leaf !== null) {
    if ((leaf.bits & PTE_PRESENT) === 0 || (leaf.bits & PTE_PROTNONE) !== 0) return -1;
    if (write && (leaf.bits & PTE_WRITE) === 0) return -1;
    const want = PTE_YOUNG | (write ? PTE_DIRTY : 0);
    if ((leaf.bits & want) !== want) pt.setPmdLeaf(pmdStart, leaf.pfn, leaf.bits | want);
    return leaf.pfn + Math.floor((addr - pmdStart) / PAGE_SIZE);
  }
  const slot = pt.pteSlot(addr);
  if (slot < 0) return -1;
  const bits = pt.bitsAt(slot);
  if ((bits & PTE_PRESENT) === 0 || (bits & PTE_PROTNONE) !== 0) return -1;
  if (write && (bits & PTE_WRITE) === 0) return -1;
  pt.orBitsAt(slot, PTE_YOUNG | (write ? PTE_DIRTY : 0));
  return pt.pfnAt(slot);
}

function segv(task: Task, addr: number, write: boolean, why: string): KernelError {
  return new KernelError(
    'EFAULT',
    `segmentation fault: ${write ? 'write' : 'read'} at 0x${addr.toString(16)} by pid ${task.pid}: ${why}`,
  );
}

/** `resolvePageNow()` result: wait for the folio in `sys.fault.waitFolio` to be unlocked, then retry. */
const WAIT_MIGRATION = -2;
/** `resolvePageNow()` result: run the NUMA hinting fault in `sys.fault`, then retry. */
const WAIT_NUMA = -3;

/**
 * Resolves one page for an access without waiting: the frame, or WAIT_* when the caller must
 * wait first; throws on a bad access. The caller touches the bytes in the same synchronous
 * step, as the MMU does: nothing (a migration) can run between translation and access.
 */
function resolvePageNow(task: Task, addr: number, write: boolean): number {
  const mm = task.mm;
  const sys = mm.sys;
  const vpn = Math.floor(addr / PAGE_SIZE);
  for (let tries = 0; ; tries++) {
    let pfn = sys.tlb.lookup(task.cpu, mm.id, vpn, write);
    if (pfn >= 0) return pfn;
    pfn = translate(mm, addr, write);
    if (pfn >= 0) {
      // a TLB entry is writable only once the PTE is dirty, as on x86
      sys.tlb.fill(task.cpu, mm.id, vpn, pfn, write);
      return pfn;
    }
    const rc = handleMmFault(mm, addr, write ? FAULT_FLAG_WRITE : 0, task);
    if (rc === 0) {
      if (tries > 8) throw new Error(`internal: fault at 0x${addr.toString(16)} by pid ${task.pid} resolved nothing`);
      continue;
    }
    if (rc === VM_FAULT_RETRY) {
      // a migration entry always names a folio locked by its migration; anything else is corruption
      if (!sys.memmap.folioTestLocked(sys.fault.waitFolio)) {
        throw new Error(`internal: migration entry at 0x${addr.toString(16)} (pid ${task.pid}) for unlocked folio ${sys.fault.waitFolio}`);
      }
      return WAIT_MIGRATION;
    }
    if (rc === VM_FAULT_NUMA) return WAIT_NUMA;
    if (rc === VM_FAULT_OOM) throw new KernelError('ENOMEM', `out of memory on a fault at 0x${addr.toString(16)} by pid ${task.pid}`);
    if (rc === VM_FAULT_SIGBUS) throw new KernelError('EFAULT', `bus error at 0x${addr.toString(16)} by pid ${task.pid}: no page to back it`);
    const vma = mm.findVma(addr);
    throw segv(task, addr, write, vma === null ? 'no mapping' : 'access not allowed by the mapping');
  }
}

/**
 * Copies bytes between a buffer and a task's memory (`write` = buffer → memory), like a user
 * thread's loads and stores: through the CPU's TLB, faulting as needed. It awaits only to wait
 * for a migration entry or a NUMA hinting fault; each page's translation and byte copy happen
 * together. A bad access throws (`EFAULT` segmentation fault, `ENOMEM` on OOM).
 */
export async function accessVm(task: Task, addr: number, buf: Uint8Array, write: boolean): Promise<void> {
  if (task.exited) throw new KernelError('ESRCH', `pid ${task.pid} has exited`);
  const mm = task.mm;
  const sys = mm.sys;
  mm.cpumask |= 1 << task.cpu;
  let pos = 0;
  while (pos < buf.length) {
    const va = addr + pos;
    const off = va % PAGE_SIZE;
    const n = Math.min(buf.length - pos, PAGE_SIZE - off);
    let pfn = resolvePageNow(task, va, write);
    while (pfn < 0) {
      if (pfn === WAIT_MIGRATION) await sys.locks.folioWaitUnlocked(sys.fault.waitFolio);
      else await sys.numaHintingFault(task, sys.fault.numaFolio, sys.fault.numaAddr);
      if (task.exited) throw new KernelError('ESRCH', `pid ${task.pid} has exited`);
      pfn = resolvePageNow(task, va, write);
    }
    const phys = pfn * PAGE_SIZE + off;
    if (write) {
      if (sys.isZeroPfn(pfn)) throw new Error('internal: write to the zero page');
      sys.phys.write(phys, buf.subarray(pos, pos + n));
    } else {
      sys.phys.read(phys, buf.subarray(pos, pos + n));
    }
    pos += n;
  }
}

/** True for entries that map the zero page (for views). */
export function isZeroPte(bits: number): boolean {
  return (bits & PTE_SPECIAL) !== 0;
}
