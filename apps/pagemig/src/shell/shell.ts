/**
 * The pagemig shell: commands kernel people know, over a live system. `ls`, `cat` and
 * `echo value > path` on the virtual sysfs (`/sys/...`, `/proc/...`; a rejected write prints the
 * attribute's message and changes nothing), `ps`, `numa_maps <pid>`, `vmstat`, numactl's
 * `migratepages`, `move_pages`, `trace start|stop` (a Chrome trace file), `run` (the scenario's
 * workload and driver), `help` and `exit`. Each command returns an exit status like a program.
 */
import { strerror, errnoName } from '@pagemig/kernel';
import { PAGE_SIZE, formatSize, parseSize } from '@pagemig/folio';
import { MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, type Task } from '@pagemig/mm';
import { movePages } from '@pagemig/migrate';
import { writeChromeTrace } from '../trace/chrome-trace';
import { TraceRecorder } from '../trace/trace-recorder';
import { wallTimeline } from '../trace/wall-timeline';
import { formatRunReport } from '../scenario/scenario-report';
import { runWorld } from '../scenario/scenario-run';
import type { ScenarioWorld } from '../scenario/scenario-world';
import { migratepages, type CommandIo } from './migratepages';
import { strtoul } from './numa-nodestring';
import { tokenize } from './shell-tokens';

/** Default trace file of `trace stop`. */
export const DEFAULT_TRACE_FILE = 'pagemig-trace.json';

const HELP = `pagemig shell: commands over the live system (paths are absolute)
  ls [path...]                      list a sysfs or /proc directory (default /)
  cat path...                       print attributes (/sys/..., /proc/vmstat, /proc/<pid>/numa_maps)
  echo value > path                 write an attribute (a rejected value changes nothing)
  ps                                processes and threads: pid, tgid, cpu, node, memcg, name
  numa_maps pid                     /proc/<pid>/numa_maps
  vmstat                            /proc/vmstat
  migratepages pid from-nodes to-nodes
                                    numactl's migratepages (node lists: 1,3 0-2 all !0 +1)
  move_pages [--all] pid pages [node]
                                    move_pages(2); pages: ADDR, ADDR,ADDR,..., START-END or START+LEN;
                                    without a node: query where the pages are
  trace start [file] | trace stop [file]
                                    record tracepoints; stop writes a Chrome trace (default ${DEFAULT_TRACE_FILE})
  run                               run the scenario's workload threads and driver, verify, report
  help                              this text
  exit [status]                     leave the shell
`;

/** A shell over one world. */
export class Shell {
  readonly world: ScenarioWorld;
  /** The shell's own process: the caller of the system calls it makes. */
  readonly task: Task;
  private recorder: TraceRecorder | null = null;
  private traceFile = DEFAULT_TRACE_FILE;
  /** Set by `exit`: the status to leave with. */
  exitStatus: number | null = null;

  constructor(world: ScenarioWorld, private readonly io: CommandIo) {
    this.world = world;
    this.task = world.sys.createTask({ name: 'pagemig-sh', cpu: 0 });
  }

  /** Runs one command line; resolves to its exit status (0 for an empty line). */
  async exec(line: string): Promise<number> {
    let parsed;
    try {
      parsed = tokenize(line);
    } catch (error) {
      this.io.err(`sh: ${(error as Error).message}\n`);
      return 2;
    }
    const [cmd, ...args] = parsed.words;
    if (cmd === undefined) return 0;
    if (parsed.redirect !== null && cmd !== 'echo') {
      this.io.err(`sh: ${cmd}: output redirection is only supported for echo\n`);
      return 2;
    }
    try {
      switch (cmd) {
        case 'help':
          this.io.out(HELP);
          return 0;
        case 'exit':
        case 'quit': {
          const status = args[0] === undefined ? 0 : Number(args[0]);
          this.exitStatus = Number.isInteger(status) ? status & 255 : 2;
          return this.exitStatus;
        }
        case 'ls':
          return this.ls(args);
        case 'cat':
          return this.cat(args);
        case 'echo':
          return await this.echo(args, parsed.redirect);
        case 'ps':
          return this.ps();
        case 'numa_maps':
          return this.numaMaps(args);
        case 'vmstat':
          return this.cat(['/proc/vmstat']);
        case 'migratepages':
          return await migratepages(this.world.sys, this.world.engine, this.task, args, this.io);
        case 'move_pages':
          return await this.movePages(args);
        case 'trace':
          return this.trace(args);
        case 'run':
          return await this.run();
        default:
          this.io.err(`sh: ${cmd}: command not found\n`);
          return 127;
      }
    } catch (error) {
      this.io.err(`${cmd}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
      return 1;
    }
  }

  private ls(args: string[]): number {
    const paths = args.length === 0 ? ['/'] : args;
    let status = 0;
    for (const path of paths) {
      const entries = this.world.sys.sysfs.list(path);
      if (typeof entries === 'number') {
        if (this.world.sys.sysfs.stat(path)?.type === 'attr') {
          this.io.out(`${path}\n`);
          continue;
        }
        this.io.err(`ls: cannot access '${path}': ${strerror(entries)}\n`);
        status = 2;
        continue;
      }
      if (paths.length > 1) this.io.out(`${path}:\n`);
      for (const e of entries) this.io.out(`${e}\n`);
    }
    return status;
  }

  private cat(args: string[]): number {
    let status = 0;
    for (const path of args) {
      const text = this.world.sys.sysfs.read(path);
      if (typeof text === 'number') {
        this.io.err(`cat: ${path}: ${strerror(text)}\n`);
        status = 1;
      } else this.io.out(text);
    }
    return status;
  }

  private async echo(args: string[], redirect: { path: string; append: boolean } | null): Promise<number> {
    let newline = true;
    if (args[0] === '-n') {
      newline = false;
      args = args.slice(1);
    }
    const text = `${args.join(' ')}${newline ? '\n' : ''}`;
    if (redirect === null) {
      this.io.out(text);
      return 0;
    }
    const sysfs = this.world.sys.sysfs;
    const stat = sysfs.stat(redirect.path);
    if (stat === undefined) {
      this.io.err(`sh: ${redirect.path}: No such file or directory\n`);
      return 1;
    }
    if (stat.type === 'dir') {
      this.io.err(`sh: ${redirect.path}: Is a directory\n`);
      return 1;
    }
    if ((stat.mode & 0o222) === 0) {
      this.io.err(`sh: ${redirect.path}: Permission denied\n`);
      return 1;
    }
    try {
      await sysfs.writeOrThrow(redirect.path, text);
    } catch (error) {
      this.io.err(`sh: echo: write error: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    return 0;
  }

  private ps(): number {
    const sys = this.world.sys;
    const rows = [['PID', 'TGID', 'CPU', 'NODE', 'MEMCG', 'COMMAND']];
    for (const t of [...sys.tasks.values()].sort((a, b) => a.pid - b.pid)) {
      let memcg = '/';
      try {
        memcg = sys.memcgs.get(t.memcg).name;
      } catch {
        /* root */
      }
      rows.push([String(t.pid), String(t.tgid), String(t.cpu), String(sys.cpuNode(t.cpu)), memcg, t.name]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) {
      this.io.out(`${r.map((cell, c) => (c < 4 ? cell.padStart(widths[c]!) : c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join(' ')}\n`);
    }
    return 0;
  }

  private numaMaps(args: string[]): number {
    if (args.length !== 1) {
      this.io.err('usage: numa_maps pid\n');
      return 2;
    }
    const text = this.world.sys.sysfs.read(`/proc/${args[0]}/numa_maps`);
    if (typeof text === 'number') {
      this.io.err(`numa_maps: ${args[0]}: No such process\n`);
      return 1;
    }
    this.io.out(text);
    return 0;
  }

  /** Parses `ADDR`, `A,B,C`, `START-END` or `START+LEN` into page addresses. */
  private pageList(spec: string): number[] | string {
    const num = (t: string): number | null => {
      const r = strtoul(t, 0);
      return r.end === 0 || r.end !== t.length || r.value > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(r.value);
    };
    const range = /^([^+\-,]+)([+-])(.+)$/.exec(spec);
    if (range !== null) {
      const start = num(range[1]!);
      let end: number | null = null;
      if (range[2] === '-') end = num(range[3]!);
      else {
        try {
          end = start === null ? null : start + parseSize(range[3]!);
        } catch {
          end = null;
        }
      }
      if (start === null || end === null || end <= start) return `bad page range ${JSON.stringify(spec)}: give START-END or START+LEN with END > START`;
      const first = start - (start % PAGE_SIZE);
      const out: number[] = [];
      for (let a = first; a < end; a += PAGE_SIZE) out.push(a);
      if (out.length > 1 << 20) return `page range ${JSON.stringify(spec)} is too long: at most ${1 << 20} pages`;
      return out;
    }
    const out: number[] = [];
    for (const part of spec.split(',')) {
      const a = num(part);
      if (a === null) return `bad address ${JSON.stringify(part)}: give a number such as 0x7f0000000000`;
      out.push(a);
    }
    return out;
  }

  private async movePages(args: string[]): Promise<number> {
    let flags = MPOL_MF_MOVE;
    if (args[0] === '--all') {
      flags = MPOL_MF_MOVE_ALL;
      args = args.slice(1);
    }
    if (args.length < 2 || args.length > 3) {
      this.io.err('usage: move_pages [--all] pid pages [node]\n  pages: ADDR, ADDR,ADDR,..., START-END or START+LEN; without a node: query\n');
      return 2;
    }
    const pidr = strtoul(args[0]!, 0);
    if (pidr.end === 0 || pidr.end !== args[0]!.length) {
      this.io.err(`move_pages: bad pid ${JSON.stringify(args[0])}\n`);
      return 2;
    }
    const pages = this.pageList(args[1]!);
    if (typeof pages === 'string') {
      this.io.err(`move_pages: ${pages}\n`);
      return 2;
    }
    let node: number | null = null;
    if (args[2] !== undefined) {
      const n = strtoul(args[2], 0);
      if (n.end === 0 || n.end !== args[2].length) {
        this.io.err(`move_pages: bad node ${JSON.stringify(args[2])}\n`);
        return 2;
      }
      node = Number(BigInt.asIntN(32, n.value));
    }
    const status = new Int32Array(pages.length);
    const rc = await movePages(this.world.engine, this.task, Number(BigInt.asIntN(32, pidr.value)), pages, node === null ? null : pages.map(() => node), status, flags);
    if (rc < 0) {
      this.io.err(`move_pages: ${strerror(rc)}\n`);
      return 1;
    }
    const show = (s: number) => (s >= 0 ? `node ${s}` : `-${errnoName(s) ?? String(-s)} (${strerror(s)})`);
    if (pages.length <= 16) {
      pages.forEach((addr, i) => this.io.out(`0x${addr.toString(16)}  ${show(status[i]!)}\n`));
    } else {
      const counts = new Map<number, number>();
      for (const s of status) counts.set(s, (counts.get(s) ?? 0) + 1);
      const summary = [...counts].sort((a, b) => b[0] - a[0]).map(([s, n]) => `${show(s)} x${n}`).join(', ');
      this.io.out(`${pages.length} pages (${formatSize(pages.length * PAGE_SIZE)}): ${summary}\n`);
    }
    this.io.out(`move_pages returned ${rc}${rc > 0 ? ' (pages not migrated)' : ''}\n`);
    return 0;
  }

  private trace(args: string[]): number {
    const [sub, file] = args;
    if (sub === 'start') {
      if (this.recorder?.recording === true) {
        this.io.err('trace: already recording (trace stop writes it)\n');
        return 1;
      }
      if (file !== undefined) this.traceFile = file;
      this.recorder = new TraceRecorder(this.world.sys.trace);
      this.recorder.start();
      this.io.out(`trace: recording (trace stop writes ${this.traceFile})\n`);
      return 0;
    }
    if (sub === 'stop') {
      if (this.recorder === null || !this.recorder.recording) {
        this.io.err('trace: not recording (trace start first)\n');
        return 1;
      }
      this.recorder.stop();
      const path = file ?? this.traceFile;
      const trace = writeChromeTrace(path, wallTimeline(this.recorder.records), { source: 'pagemig shell' });
      this.io.out(`trace: wrote ${trace.traceEvents.length} events from ${this.recorder.records.length} tracepoint hits to ${path}\n`);
      this.recorder = null;
      return 0;
    }
    this.io.err('usage: trace start [file] | trace stop [file]\n');
    return 2;
  }

  private async run(): Promise<number> {
    const { result } = await runWorld(this.world);
    this.io.out(formatRunReport(result));
    return result.ok ? 0 : 1;
  }
}
