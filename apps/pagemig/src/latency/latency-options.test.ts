import { describe, expect, it } from 'vitest';
import { CliError, EXIT_USAGE } from '../cli-error';
import { LATENCY_LIMITS, parseLatencyOptions } from './latency-options';

const M = 1024 * 1024;

function usage(raw: Record<string, unknown>): CliError {
  try {
    parseLatencyOptions(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT_USAGE);
    return error as CliError;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('parseLatencyOptions', () => {
  it('sweeps every power-of-two limit from 512 to 262144 by default, the whole region per call', () => {
    expect(LATENCY_LIMITS).toEqual([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]);
    const o = parseLatencyOptions({});
    expect(o).toMatchObject({ total: 256 * M, size: 2 * M, sweep: 'limit', limits: LATENCY_LIMITS, folios: [128], repeat: 3, threads: [2], channels: [2] });
    expect(o.paths).toEqual(['legacy', 'batch', 'mtcopy', 'dcbm']);
  });

  it('sweeps folios per call when given a list, at the patch 7 limit unless told', () => {
    const o = parseLatencyOptions({ total: '16M', folios: '8,1,all,2' });
    expect(o).toMatchObject({ sweep: 'folios', folios: [1, 2, 8], limits: [262144] });
    expect(parseLatencyOptions({ total: '16M', folios: '1,2', limits: '512' })).toMatchObject({ sweep: 'folios', limits: [512] });
    expect(parseLatencyOptions({ total: '16M', folios: '4', limits: '512,1024' })).toMatchObject({ sweep: 'limit', folios: [4], limits: [512, 1024] });
  });

  it('keeps the paths in table order and drops duplicates', () => {
    expect(parseLatencyOptions({ paths: 'dcbm,batch,batch' }).paths).toEqual(['batch', 'dcbm']);
  });

  it('rejects a limit that is not a power of two in range, naming the option and the accepted values', () => {
    for (const limits of ['1000', '256', '524288', '512,x', '']) {
      const e = usage({ limits });
      expect(e.message).toContain('--limits');
      expect(e.message).toContain('512, 1024, 2048');
      expect(e.message).toContain('262144');
    }
  });

  it('rejects folio counts outside the region', () => {
    const e = usage({ total: '16M', folios: '1,9' });
    expect(e.message).toContain('--folios');
    expect(e.message).toContain('from 1 to 8');
    usage({ folios: '0' });
    usage({ folios: '1.5' });
  });

  it('rejects varying both the limit and the folios per call', () => {
    expect(usage({ total: '16M', limits: '512,1024', folios: '1,2' }).message).toContain('one of them at a time');
  });

  it('rejects bad sizes, paths, worker counts and repeats', () => {
    expect(usage({ size: '8K' }).message).toMatch(/--size 8K is not accepted: give one folio size among 4K, 16K/);
    expect(usage({ size: 'big' }).message).toContain('--size');
    expect(usage({ total: '3M' }).message).toContain('multiple of 2M');
    expect(usage({ paths: 'legacy,dma' }).message).toBe('--paths "dma" is not accepted: give a comma-separated list of legacy, batch, mtcopy, dcbm');
    expect(usage({ threads: '0' }).message).toContain('--threads');
    expect(usage({ channels: '17' }).message).toContain('from 1 to 16');
    expect(usage({ repeat: '0' }).message).toContain('--repeat');
    expect(usage({ seed: '-1' }).message).toContain('--seed');
  });
});
