/**
 * Test support (not exported): the shipped scenarios' folder, a small valid scenario to mutate,
 * and a runner of the CLI's `main()` that captures stdout and stderr.
 */
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { main } from '../../program';

/** `apps/pagemig/scenarios`. */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

/** A small valid scenario (plain data, copy before changing). */
export function smallScenario(): Record<string, unknown> {
  return {
    name: 'small',
    system: { nodes: [{ size: '16M' }, { size: '16M' }] },
    processes: [
      {
        name: 'app',
        regions: [{ name: 'heap', kind: 'anon', size: '256K' }],
        threads: [{ cpu: 2, region: 'heap', pattern: 'rand-write', ops: 200 }],
      },
    ],
    driver: [{ kind: 'move_pages', process: 'app', region: 'heap', nodes: [1, 0], rounds: 2 }],
  };
}

/** Runs the CLI in-process; returns the exit code and what it printed. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    const code = await main(argv, { err: (line) => void (err += `${line}\n`) });
    return { code, out, err };
  } finally {
    spy.mockRestore();
  }
}
