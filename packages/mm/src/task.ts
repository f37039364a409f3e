/**
 * Tasks: a pid, credentials (uid/euid and a CAP_SYS_NICE-like privilege), a cpuset
 * (`mems_allowed`), a memory cgroup, a CPU, a memory policy and an mm. Threads of one
 * process share the mm (`cloneThread()`); `fork()` gives the child a copy-on-write copy of
 * the parent's address space.
 */
import type { MemPolicy } from './mempolicy';
import { DEFAULT_POLICY } from './mempolicy';
import type { MmStruct } from './mm-struct';

/** Credentials and placement of a new task. */
export interface TaskOptions {
  name?: string;
  uid?: number;
  euid?: number;
  /** CAP_SYS_NICE: may move pages of other processes and shared pages (MOVE_ALL). */
  capSysNice?: boolean;
  /** cpuset `mems_allowed` (default: every node). */
  mems?: readonly number[];
  /** Memory cgroup name or id (default: root). */
  memcg?: string | number;
  /** CPU the task runs on (default: 0). */
  cpu?: number;
}

/** One task (a process or a thread of one). */
export class Task {
  readonly pid: number;
  /** Thread group id: the pid of the process's first task. */
  readonly tgid: number;
  name: string;
  uid: number;
  euid: number;
  capSysNice: boolean;
  /** cpuset mems_allowed, by node id. */
  mems: boolean[];
  memcg: number;
  cpu: number;
  /** Task memory policy (`set_mempolicy()`). */
  policy: MemPolicy = DEFAULT_POLICY;
  /** Next node for task interleave (`il_prev`). */
  ilNext = 0;
  readonly mm: MmStruct;
  exited = false;

  constructor(pid: number, tgid: number, mm: MmStruct, fields: Omit<Task, 'pid' | 'tgid' | 'mm' | 'policy' | 'ilNext' | 'exited' | 'memsList'>) {
    this.pid = pid;
    this.tgid = tgid;
    this.mm = mm;
    this.name = fields.name;
    this.uid = fields.uid;
    this.euid = fields.euid;
    this.capSysNice = fields.capSysNice;
    this.mems = fields.mems;
    this.memcg = fields.memcg;
    this.cpu = fields.cpu;
  }

  /** The cpuset's nodes as a sorted list. */
  get memsList(): number[] {
    const out: number[] = [];
    this.mems.forEach((allowed, nid) => {
      if (allowed) out.push(nid);
    });
    return out;
  }
}
