/**
 * The options of `pagemig latency`, validated with zod from the command line's strings. The
 * run sweeps one batch parameter: `NR_MAX_BATCHED_MIGRATION` (`--limits`, powers of two from
 * 512 to 262144 base pages) or the number of folios per `move_pages` call (`--folios`); a bad
 * value is a usage error that names the option and lists what is accepted.
 */
import { z } from 'zod';
import { HPAGE_PMD_SIZE, PAGE_SIZE, formatSize, parseSize } from '@pagemig/folio';
import { NR_MAX_BATCHED_MIGRATION, NR_MAX_BATCHED_MIGRATION_PUD } from '@pagemig/migrate';
import { BENCH_FOLIO_ORDERS, BENCH_PATHS, type BenchPath } from '../bench/bench-options';
import { usageError } from '../cli-error';

/** Every `NR_MAX_BATCHED_MIGRATION` a latency run accepts: powers of two from 512 (upstream) to 262144 (patch 7). */
export const LATENCY_LIMITS: readonly number[] = Array.from(
  { length: Math.log2(NR_MAX_BATCHED_MIGRATION_PUD / NR_MAX_BATCHED_MIGRATION) + 1 },
  (_, i) => NR_MAX_BATCHED_MIGRATION * 2 ** i,
);

/** Which batch parameter a run varies. */
export type LatencySweep = 'limit' | 'folios';

const intList = (text: string) => text.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s.trim())));

/** The raw option strings as commander hands them over. */
export const latencyOptionsSchema = z
  .object({
    total: z.string().default('256M'),
    size: z.string().default('2M'),
    paths: z.string().default(BENCH_PATHS.join(',')),
    threads: z.string().default('2'),
    channels: z.string().default('2'),
    limits: z.string().optional(),
    folios: z.string().optional(),
    model: z.string().optional(),
    repeat: z.string().default('3'),
    seed: z.string().default('1'),
    json: z.boolean().default(false),
    csv: z.boolean().default(false),
    out: z.string().optional(),
    progress: z.boolean().default(true),
  })
  .transform((o, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    let total: number;
    let size: number;
    try {
      total = parseSize(o.total);
    } catch (error) {
      return fail(`--total: ${(error as Error).message}`);
    }
    if (total % HPAGE_PMD_SIZE !== 0 || total < HPAGE_PMD_SIZE || total > 4 * 2 ** 30) {
      return fail(`--total ${o.total} is not accepted: give a multiple of 2M from 2M to 4G`);
    }
    const sizes = BENCH_FOLIO_ORDERS.map((order) => PAGE_SIZE * 2 ** order);
    try {
      size = parseSize(o.size);
    } catch (error) {
      return fail(`--size: ${(error as Error).message}`);
    }
    if (!sizes.includes(size)) return fail(`--size ${o.size} is not accepted: give one folio size among ${sizes.map(formatSize).join(', ')}`);
    const count = total / size;

    const paths = o.paths.split(',').map((s) => s.trim());
    const badPath = paths.find((p) => !(BENCH_PATHS as readonly string[]).includes(p));
    if (badPath !== undefined) return fail(`--paths ${JSON.stringify(badPath)} is not accepted: give a comma-separated list of ${BENCH_PATHS.join(', ')}`);

    const workers = (text: string, max: number) => {
      const list = intList(text);
      if (list.some((n) => !Number.isInteger(n) || n < 1 || n > max)) return null;
      return [...new Set(list)].sort((a, b) => a - b);
    };
    const threads = workers(o.threads, 64);
    if (threads === null) return fail(`--threads ${JSON.stringify(o.threads)} is not accepted: give a comma-separated list of integers from 1 to 64`);
    const channels = workers(o.channels, 16);
    if (channels === null) return fail(`--channels ${JSON.stringify(o.channels)} is not accepted: give a comma-separated list of integers from 1 to 16`);

    let limits: number[] | undefined;
    if (o.limits !== undefined) {
      const list = intList(o.limits);
      const bad = list.find((n) => !LATENCY_LIMITS.includes(n));
      if (bad !== undefined) {
        return fail(
          `--limits ${JSON.stringify(o.limits)} is not accepted: give NR_MAX_BATCHED_MIGRATION values in base pages, ` +
            `powers of two from ${NR_MAX_BATCHED_MIGRATION} to ${NR_MAX_BATCHED_MIGRATION_PUD} (${LATENCY_LIMITS.join(', ')})`,
        );
      }
      limits = [...new Set(list)].sort((a, b) => a - b);
    }
    let folios: number[] | undefined;
    if (o.folios !== undefined) {
      const list = o.folios.split(',').map((s) => (s.trim() === 'all' ? count : Number(s.trim())));
      if (o.folios.trim() === '' || list.some((n) => !Number.isInteger(n) || n < 1 || n > count)) {
        return fail(
          `--folios ${JSON.stringify(o.folios)} is not accepted: give folios per move_pages call, integers from 1 to ${count} ` +
            `(the ${formatSize(total)} region holds ${count} ${formatSize(size)} folios) or "all"`,
        );
      }
      folios = [...new Set(list)].sort((a, b) => a - b);
    }
    if (limits !== undefined && folios !== undefined && limits.length > 1 && folios.length > 1) {
      return fail('--limits and --folios are both lists: vary one of them at a time (give the other a single value)');
    }
    const sweep: LatencySweep = folios !== undefined && folios.length > 1 ? 'folios' : 'limit';
    limits ??= sweep === 'folios' ? [NR_MAX_BATCHED_MIGRATION_PUD] : [...LATENCY_LIMITS];
    folios ??= [count];

    const repeat = Number(o.repeat);
    if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) return fail(`--repeat ${JSON.stringify(o.repeat)} is not accepted: give an integer from 1 to 20`);
    const seed = Number(o.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return fail(`--seed ${JSON.stringify(o.seed)} is not accepted: give an integer from 0 to 4294967295`);

    return {
      total,
      size,
      paths: BENCH_PATHS.filter((p) => paths.includes(p)) as BenchPath[],
      threads,
      channels,
      sweep,
      limits,
      folios,
      model: o.model,
      repeat,
      seed,
      json: o.json,
      csv: o.csv,
      out: o.out,
      progress: o.progress,
    };
  });

/** Validated latency options. */
export type LatencyOptions = z.output<typeof latencyOptionsSchema>;

/** Parses commander's options; a bad value is a usage error naming the option. */
export function parseLatencyOptions(raw: Record<string, unknown>): LatencyOptions {
  const result = latencyOptionsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `--${issue.path.join('.')}: ` : '';
    throw usageError(issue.code === 'custom' ? issue.message : `${where}${issue.message}`);
  }
  return result.data;
}
