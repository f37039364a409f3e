/**
 * The shell's read loop (node:readline): a `pagemig# ` prompt on a terminal, no prompt noise
 * when stdin is not a TTY (commands piped in run one after another). Piped, the exit status is
 * 1 when any command failed (or the status given to `exit`); on a terminal it is the status of
 * `exit` (0 at end of input).
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseScenario } from '../scenario/scenario-load';
import type { Scenario } from '../scenario/scenario-schema';
import { Shell } from './shell';
import type { ScenarioWorld } from '../scenario/scenario-world';

/** The prompt on a terminal. */
export const SHELL_PROMPT = 'pagemig# ';

/** The system of `pagemig shell` without a scenario: two DRAM nodes and a sample process. */
export function defaultShellScenario(): Scenario {
  return parseScenario(
    {
      name: 'default',
      system: { nodes: [{ size: '64M', cpus: 2 }, { size: '64M', cpus: 2 }], thp: { enabled: 'madvise' } },
      processes: [
        {
          name: 'sample',
          cpu: 0,
          memcg: 'sample',
          regions: [
            { name: 'heap', kind: 'anon', size: '4M' },
            { name: 'huge', kind: 'thp', size: '4M' },
            { name: 'data', kind: 'file', size: '1M' },
          ],
          threads: [{ name: 'sample-reader', cpu: 2, region: 'heap', pattern: 'rand-read', ops: 2000, seed: 1 }],
        },
      ],
      driver: [{ kind: 'move_pages', process: 'sample', region: 'heap', nodes: [1, 0], rounds: 1 }],
    },
    'default shell system',
  );
}

/** Streams of a shell session. */
export interface ShellStreams {
  input: Readable;
  output: Writable;
  error: Writable;
  /** Show a prompt and keep going after failures (a terminal). */
  interactive: boolean;
}

/** How a session ended. */
export interface ShellOutcome {
  status: number;
  /** Commands run, and how many of them failed. */
  commands: number;
  failed: number;
  /** The session ended with `exit`. */
  exited: boolean;
}

/** Runs a shell over `world` until the input ends or `exit`. */
export async function runShell(world: ScenarioWorld, streams: ShellStreams): Promise<ShellOutcome> {
  const shell = new Shell(world, {
    out: (t) => void streams.output.write(t),
    err: (t) => void streams.error.write(t),
  });
  const rl = createInterface({
    input: streams.input,
    ...(streams.interactive ? { output: streams.output, prompt: SHELL_PROMPT, terminal: true } : { terminal: false }),
    crlfDelay: Infinity,
  });
  let failed = 0;
  let commands = 0;
  if (streams.interactive) {
    streams.output.write(`pagemig shell: ${world.scenario.name ?? 'scenario'}; type help for commands\n`);
    rl.prompt();
  }
  try {
    for await (const line of rl) {
      if (line.trim() !== '') commands++;
      const status = await shell.exec(line);
      if (shell.exitStatus !== null) break;
      if (status !== 0) failed++;
      if (streams.interactive) rl.prompt();
    }
  } finally {
    rl.close();
  }
  if (shell.exitStatus !== null) return { status: shell.exitStatus, commands, failed, exited: true };
  return { status: !streams.interactive && failed > 0 ? 1 : 0, commands, failed, exited: false };
}
