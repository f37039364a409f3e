/**
 * numactl's `migratepages pid from-nodes to-nodes`, behaving like the tool: GNU getopt_long with
 * `-h`/`--help` (and its diagnostics for unknown options), exactly three operands, the pid read
 * with `strtoul(.., 0)` (trailing characters are a usage error), the node lists read with
 * libnuma's grammar (`<STR> is invalid` on stdout when one does not parse), then
 * `migrate_pages(2)`: `migrate_pages: <strerror>` on failure. Exit status 1 for every error,
 * 0 otherwise (pages left behind included). Each invocation is a new process, so libnuma's
 * warnings print once per invocation.
 */
import { strerror } from '@pagemig/kernel';
import type { System, Task } from '@pagemig/mm';
import { migratePagesSyscall, type MigrateEngine } from '@pagemig/migrate';
import { LibnumaWarnings, asCInt, parseNodestring, strtoul } from './numa-nodestring';

/** Where the command writes. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** numactl's usage text (stderr). */
export const MIGRATEPAGES_USAGE = 'usage: migratepages pid from-nodes to-nodes\n\nnodes is a comma delimited list of node numbers or A-B ranges or all.\n';

/** What GNU getopt_long("h", {help}) makes of the arguments: operands, or the diagnostic before usage. */
function getopt(args: readonly string[], err: (t: string) => void): string[] | null {
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const [name, value] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (name.length > 0 && 'help'.startsWith(name)) {
        if (value !== undefined) err("migratepages: option '--help' doesn't allow an argument\n");
        return null;
      }
      err(`migratepages: unrecognized option '${arg}'\n`);
      return null;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const c = arg[1]!;
      if (c !== 'h') err(`migratepages: invalid option -- '${c}'\n`);
      return null;
    }
    operands.push(arg);
  }
  return operands;
}

/** Runs `migratepages` with `args` (without the program name) as `caller`; resolves to the exit status. */
export async function migratepages(
  sys: System,
  engine: MigrateEngine,
  caller: Task,
  args: readonly string[],
  io: CommandIo,
): Promise<number> {
  const usage = () => {
    io.err(MIGRATEPAGES_USAGE);
    return 1;
  };
  const operands = getopt(args, (t) => io.err(t));
  if (operands === null || operands.length !== 3) return usage();
  const [pidText, fromText, toText] = operands as [string, string, string];
  const pid = strtoul(pidText, 0);
  if (pid.end === 0 || pid.end !== pidText.length) return usage();
  const warnings = new LibnumaWarnings((t) => io.err(t));
  // numa_all_nodes_ptr: the nodes this process may allocate on
  const allowed = Array.from({ length: sys.nrNodes }, (_, nid) => caller.mems[nid] === true);
  const from = parseNodestring(fromText, allowed, sys.nrNodes, warnings);
  if (from === null) {
    io.out(`<${fromText}> is invalid\n`);
    return 1;
  }
  const to = parseNodestring(toText, allowed, sys.nrNodes, warnings);
  if (to === null) {
    io.out(`<${toText}> is invalid\n`);
    return 1;
  }
  const rc = await migratePagesSyscall(engine, caller, asCInt(pid.value), from, to);
  if (rc < 0) {
    io.err(`migrate_pages: ${strerror(rc)}\n`);
    return 1;
  }
  return 0;
}
