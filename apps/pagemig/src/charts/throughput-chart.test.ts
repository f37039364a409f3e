import { describe, expect, it } from 'vitest';
import { fixtureBenchResult } from './chart-fixture';
import { CHART_FONT } from './chart-style';
import { throughputData, throughputSpec } from './throughput-chart';

const K = 1024;
const M = 1024 * K;

describe('throughputSpec', () => {
  const result = fixtureBenchResult();
  const spec = throughputSpec(result) as any;

  it('puts folio size on a log-2 axis with a tick and a label per size run', () => {
    expect(spec.encoding.x.field).toBe('folioSize');
    expect(spec.encoding.x.scale).toMatchObject({ type: 'log', base: 2 });
    expect(spec.encoding.x.axis.values).toEqual([4 * K, 64 * K, 2 * M]);
    expect(spec.encoding.x.axis.labelExpr).toContain("'K'");
    expect(spec.encoding.x.axis.labelExpr).toContain("'M'");
    const [lo, hi] = spec.encoding.x.scale.domain;
    expect(lo).toBeLessThan(4 * K);
    expect(hi).toBeGreaterThan(2 * M);
  });

  it('draws one line per path and worker count, dashed by mode', () => {
    expect(spec.mark).toMatchObject({ type: 'line', point: true });
    expect(spec.encoding.y.field).toBe('GBps');
    expect(spec.encoding.color.field).toBe('series');
    expect(spec.encoding.color.scale.domain).toEqual([
      'legacy',
      'batch',
      'mtcopy ×1 thread',
      'mtcopy ×2 threads',
      'mtcopy ×4 threads',
      'dcbm ×1 channel',
      'dcbm ×2 channels',
      'dcbm ×4 channels',
      'dcbm ×8 channels',
    ]);
    expect(spec.encoding.strokeDash.field).toBe('mode');
    expect(spec.encoding.strokeDash.scale.domain).toEqual(['measured', 'modelled']);
    expect(spec.encoding.strokeDash.scale.range[0]).toEqual([1, 0]);
  });

  it('fixes the font and carries no timestamp', () => {
    expect(spec.config.font).toBe(CHART_FONT);
    expect(JSON.stringify(spec)).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('leaves out rows that failed verification', () => {
    const data = throughputData(result);
    expect(data).toHaveLength(result.rows.length - 1);
    expect(data.some((d) => d.series === 'dcbm ×2 channels' && d.mode === 'measured' && d.folioSize === 64 * K)).toBe(false);
    expect(spec.data.values).toEqual(data);
  });

  it('does not depend on the order of the rows', () => {
    const shuffled = fixtureBenchResult();
    shuffled.rows.reverse();
    const other = throughputSpec(shuffled) as any;
    expect(other.encoding).toEqual(spec.encoding);
  });
});
