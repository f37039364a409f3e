/**
 * Who may move whose memory: the target lookup and the credential checks shared by
 * `move_pages(2)` and `migrate_pages(2)`.
 *
 * Permission model (pagemig has uids and two privileges, no user namespaces or LSMs):
 * - pid 0 is the caller itself; any other pid is looked up among live tasks (threads included),
 *   an unknown or exited one gives -ESRCH.
 * - "may ptrace-read the target" (`ptrace_may_access(task, PTRACE_MODE_READ_REALCREDS)`): the
 *   same thread group, or the caller's real uid equals both the target's uid and euid (the
 *   kernel also compares the saved uid, which pagemig does not keep), or the caller is
 *   privileged. CAP_SYS_PTRACE is modelled as an effective uid of 0 (root). Otherwise -EPERM.
 * - CAP_SYS_NICE is `Task.capSysNice` (root has it by default, a task may be given it or
 *   have it dropped): it allows MPOL_MF_MOVE_ALL and, in `migrate_pages(2)`, target nodes
 *   outside the target's cpuset. It does not grant ptrace access.
 * - The nodes memory may move to are the target's cpuset `mems`.
 */
import { ESRCH, EPERM } from '@pagemig/kernel';
import type { System, Task } from '@pagemig/mm';

/** True when `caller` holds CAP_SYS_PTRACE (modelled as root: effective uid 0). */
export function capSysPtrace(caller: Task): boolean {
  return caller.euid === 0;
}

/**
 * True when `caller` may read `target` as a debugger would (mirrors
 * `ptrace_may_access(target, PTRACE_MODE_READ_REALCREDS)` in the model above).
 */
export function ptraceMayAccessRead(caller: Task, target: Task): boolean {
  if (caller.tgid === target.tgid) return true;
  if (caller.uid === target.uid && caller.uid === target.euid) return true;
  return capSysPtrace(caller);
}

/** The task `pid` names for `caller` (0 = the caller), or -ESRCH (mirrors `find_task_by_vpid()`). */
export function findTaskByVpid(sys: System, caller: Task, pid: number): Task | number {
  if (pid === 0) return caller;
  if (!Number.isInteger(pid) || pid < 0) return -ESRCH;
  const task = sys.findTask(pid);
  return task === undefined || task.exited ? -ESRCH : task;
}

/**
 * The task whose memory `move_pages(2)` works on, after the ptrace check, or -ESRCH/-EPERM
 * (mirrors `find_mm_struct()`; pid 0 skips the check). Its cpuset `mems` are the allowed nodes.
 */
export function findMmStruct(sys: System, caller: Task, pid: number): Task | number {
  const task = findTaskByVpid(sys, caller, pid);
  if (typeof task === 'number') return task;
  if (pid !== 0 && !ptraceMayAccessRead(caller, task)) return -EPERM;
  return task;
}
