/**
 * The options of `pagemig bench`, validated with zod from the command line's strings: a clear
 * message names the option, the bad value and what is accepted.
 */
import { z } from 'zod';
import { HPAGE_PMD_ORDER, HPAGE_PMD_SIZE, PAGE_SIZE, formatSize, parseSize } from '@pagemig/folio';
import { usageError } from '../cli-error';

/** Copy paths the bench compares. */
export const BENCH_PATHS = ['legacy', 'batch', 'mtcopy', 'dcbm'] as const;
/** One copy path. */
export type BenchPath = (typeof BENCH_PATHS)[number];

/** Folio sizes the bench can build: order 0, the mTHP orders 2..8, and the PMD order. */
export const BENCH_FOLIO_ORDERS = [0, 2, 3, 4, 5, 6, 7, 8, HPAGE_PMD_ORDER] as const;

const sizeList = (name: string) =>
  z.string().transform((text, ctx) => {
    const out: number[] = [];
    for (const item of text.split(',').map((s) => s.trim())) {
      try {
        out.push(parseSize(item));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `${name}: ${(error as Error).message}` });
        return z.NEVER;
      }
    }
    return out;
  });

const intList = (name: string, min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const out = text.split(',').map((s) => Number(s.trim()));
    const bad = out.find((n) => !Number.isInteger(n) || n < min || n > max);
    if (bad !== undefined || text.trim() === '') {
      ctx.addIssue({ code: 'custom', message: `${name} ${JSON.stringify(text)} is not accepted: give a comma-separated list of integers from ${min} to ${max}` });
      return z.NEVER;
    }
    return [...new Set(out)].sort((a, b) => a - b);
  });

/** The raw option strings as commander hands them over. */
export const benchOptionsSchema = z
  .object({
    total: z.string().optional(),
    sizes: sizeList('--sizes').default(['4K', '16K', '64K', '256K', '1M', '2M'].map(parseSize)),
    paths: z.string().default(BENCH_PATHS.join(',')),
    threads: intList('--threads', 1, 64).default([1, 2]),
    channels: intList('--channels', 1, 16).default([1, 2]),
    model: z.string().optional(),
    mode: z.enum(['measured']).default('measured'),
    repeat: z.coerce.number().int().min(1).max(20).default(3),
    batchLimit: z.coerce.number().int().min(512).max(262144).default(262144),
    seed: z.coerce.number().int().min(0).max(0xffffffff).default(1),
    json: z.boolean().default(false),
    csv: z.boolean().default(false),
    out: z.string().optional(),
    progress: z.boolean().default(true),
  })
  .transform((o, ctx) => {
    let total: number;
    const totalText = o.total ?? (o.model === undefined ? '256M' : '1G');
    try {
      total = parseSize(totalText);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `--total: ${(error as Error).message}` });
      return z.NEVER;
    }
    if (total % HPAGE_PMD_SIZE !== 0 || total < HPAGE_PMD_SIZE || total > 4 * 2 ** 30) {
      ctx.addIssue({ code: 'custom', message: `--total ${totalText} is not accepted: give a multiple of 2M from 2M to 4G` });
      return z.NEVER;
    }
    const orders = BENCH_FOLIO_ORDERS.map((order) => PAGE_SIZE * 2 ** order);
    for (const size of o.sizes) {
      if (!orders.includes(size)) {
        ctx.addIssue({ code: 'custom', message: `--sizes ${formatSize(size)} is not accepted: give folio sizes among ${orders.map(formatSize).join(', ')}` });
        return z.NEVER;
      }
    }
    const paths = o.paths.split(',').map((s) => s.trim());
    const badPath = paths.find((p) => !(BENCH_PATHS as readonly string[]).includes(p));
    if (badPath !== undefined) {
      ctx.addIssue({ code: 'custom', message: `--paths ${JSON.stringify(badPath)} is not accepted: give a comma-separated list of ${BENCH_PATHS.join(', ')}` });
      return z.NEVER;
    }
    return { ...o, total, paths: BENCH_PATHS.filter((p) => paths.includes(p)) as BenchPath[], sizes: [...new Set(o.sizes)].sort((a, b) => a - b) };
  });

/** Validated bench options. */
export type BenchOptions = z.output<typeof benchOptionsSchema>;

/** Parses commander's options; a bad value is a usage error naming the option. */
export function parseBenchOptions(raw: Record<string, unknown>): BenchOptions {
  const result = benchOptionsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `--${issue.path.join('.')}: ` : '';
    throw usageError(issue.code === 'custom' ? issue.message : `${where}${issue.message}`);
  }
  return result.data;
}
