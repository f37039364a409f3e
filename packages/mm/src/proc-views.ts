/**
 * The read-only memory views published in a system's sysfs tree, where tools expect them:
 * `/sys/devices/system/node/nodeN/{meminfo,vmstat,distance,cpulist}`, `/proc/vmstat`,
 * `/proc/buddyinfo`, and per task `/proc/<pid>/{numa_maps,status}` (created with the task,
 * removed when it exits). Every read computes the text from the current state.
 */
import { PAGE_SIZE } from '@pagemig/folio';
import { formatNodeList } from './mempolicy';
import { buddyinfo, formatBuddyinfo, formatNodeMeminfo, formatVmstat, nodeMemStats, nodeVmstat, vmstat } from './mem-stats';
import { formatNumaMaps, numaMaps } from './numa-maps';
import type { System } from './system';
import type { Task } from './task';

/** Creates the system-wide views (called once by the System). */
export function registerMemViews(sys: System): void {
  for (let nid = 0; nid < sys.nrNodes; nid++) {
    const dir = `/sys/devices/system/node/node${nid}`;
    sys.sysfs.createGroup(dir, {
      meminfo: { mode: 'ro', show: () => formatNodeMeminfo(nodeMemStats(sys)[nid]!) },
      vmstat: { mode: 'ro', show: () => formatVmstat(nodeVmstat(nodeMemStats(sys)[nid]!)) },
      distance: { mode: 'ro', show: () => sys.distance[nid]!.join(' ') },
      cpulist: {
        mode: 'ro',
        show: () => formatNodeList(sys.cpuToNode.flatMap((node, cpu) => (node === nid ? [cpu] : []))),
      },
    });
  }
  sys.sysfs.createGroup('/proc', {
    vmstat: { mode: 'ro', show: () => formatVmstat(vmstat(sys)) },
    buddyinfo: { mode: 'ro', show: () => formatBuddyinfo(buddyinfo(sys)) },
  });
}

/** `/proc/<pid>/status` lines about memory (the kernel's names and layout). */
export function formatTaskStatus(task: Task): string {
  const mm = task.mm;
  const kB = (pages: number) => `${String((pages * PAGE_SIZE) / 1024).padStart(8)} kB`;
  const rss = mm.rss.anon + mm.rss.file + mm.rss.shmem;
  let threads = 0;
  for (const other of mm.sys.tasks.values()) if (other.mm === mm) threads++;
  return (
    `Name:\t${task.name}\n` +
    `Tgid:\t${task.tgid}\n` +
    `Pid:\t${task.pid}\n` +
    `Uid:\t${task.uid}\t${task.euid}\t${task.euid}\t${task.euid}\n` +
    `VmRSS:\t${kB(rss)}\n` +
    `RssAnon:\t${kB(mm.rss.anon)}\n` +
    `RssFile:\t${kB(mm.rss.file)}\n` +
    `RssShmem:\t${kB(mm.rss.shmem)}\n` +
    `VmPTE:\t${kB(mm.pageTable.tablesInUse)}\n` +
    `Threads:\t${threads}\n` +
    `Cpus_allowed_list:\t${task.cpu}\n` +
    `Mems_allowed_list:\t${formatNodeList(task.memsList)}\n`
  );
}

function taskDir(task: Task): string {
  return `/proc/${task.pid}`;
}

/** Creates `/proc/<pid>/numa_maps` and `/proc/<pid>/status` for a new task. */
export function createTaskViews(sys: System, task: Task): void {
  sys.sysfs.createGroup(taskDir(task), {
    numa_maps: { mode: 'ro', show: () => formatNumaMaps(numaMaps(task)) },
    status: { mode: 'ro', show: () => formatTaskStatus(task) },
  });
}

/** Removes a task's `/proc/<pid>` directory when it exits. */
export function removeTaskViews(sys: System, task: Task): void {
  sys.sysfs.remove(taskDir(task));
}
