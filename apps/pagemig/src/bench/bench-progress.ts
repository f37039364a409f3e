/**
 * Progress for long runs: a cli-progress bar on a terminal, one plain line per step otherwise
 * (CI logs), nothing when output is machine-readable.
 */
import cliProgress from 'cli-progress';
import type { BenchProgress } from './run-bench';

/** A progress reporter writing to stderr. */
export function createProgress(enabled: boolean): BenchProgress {
  if (!enabled) return { start() {}, step() {}, stop() {} };
  if (process.stderr.isTTY !== true) {
    let n = 0;
    let total = 0;
    return {
      start: (steps) => {
        total = steps;
      },
      step: (label) => {
        process.stderr.write(`[${++n}/${total}] ${label}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} {label}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (steps) => bar.start(steps, 0, { label: '' }),
    step: (label) => bar.increment({ label }),
    stop: () => bar.stop(),
  };
}
