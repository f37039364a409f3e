import { describe, expect, it } from 'vitest';
import { fixtureBenchResult } from './chart-fixture';
import { speedupData, speedupSizes, speedupSpec } from './speedup-chart';

const K = 1024;
const M = 1024 * K;

describe('speedupSpec', () => {
  it('shows the 2M and 4K rows, 2M first', () => {
    const result = fixtureBenchResult();
    expect(speedupSizes(result)).toEqual([2 * M, 4 * K]);
    const spec = speedupSpec(result) as any;
    expect(spec.facet.column).toMatchObject({ field: 'size', sort: ['2M', '4K'] });
    const data = speedupData(result);
    expect(new Set(data.map((d) => d.size))).toEqual(new Set(['2M', '4K']));
    expect(data.every((d) => Number.isFinite(d.speedup))).toBe(true);
  });

  it('falls back to the largest size when neither 2M nor 4K was run', () => {
    const result = fixtureBenchResult();
    result.rows = result.rows.filter((r) => r.folioSize === 64 * K);
    expect(speedupSizes(result)).toEqual([64 * K]);
  });

  it('plots speedup against threads or channels per path, with a rule at 1x', () => {
    const spec = speedupSpec(fixtureBenchResult()) as any;
    const [rule, line] = spec.spec.layer;
    expect(rule.mark.type).toBe('rule');
    expect(rule.encoding.y.datum).toBe(1);
    expect(line.encoding.x).toMatchObject({ field: 'workers', scale: { type: 'log', base: 2 } });
    expect(line.encoding.x.axis.values).toEqual([1, 2, 4, 8]);
    expect(line.encoding.y.field).toBe('speedup');
    expect(line.encoding.color.scale.domain).toEqual(['legacy', 'batch', 'mtcopy', 'dcbm']);
  });

  it('leaves out rows without a legacy baseline', () => {
    const result = fixtureBenchResult();
    for (const r of result.rows) if (r.path === 'dcbm') r.speedup = null;
    expect(speedupData(result).some((d) => d.path === 'dcbm')).toBe(false);
  });
});
