import { describe, expect, it } from 'vitest';
import { nelderMead } from './nelder-mead';

describe('nelderMead', () => {
  it('finds the minimum of a shifted quadratic', () => {
    const r = nelderMead((x) => (x[0]! - 3) ** 2 + 2 * (x[1]! + 1) ** 2 + 0.5, [0, 0]);
    expect(r.x[0]).toBeCloseTo(3, 4);
    expect(r.x[1]).toBeCloseTo(-1, 4);
    expect(r.value).toBeCloseTo(0.5, 8);
  });

  it('follows the Rosenbrock valley', () => {
    const r = nelderMead((x) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2, [-1.2, 1], { maxEvaluations: 5000, restarts: 5 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });

  it('is deterministic and respects the evaluation budget', () => {
    let calls = 0;
    const f = (x: Float64Array) => {
      calls++;
      return Math.abs(x[0]! - 1) + Math.abs(x[1]! - 2) + Math.abs(x[2]!);
    };
    const a = nelderMead(f, [5, 5, 5], { maxEvaluations: 200 });
    const used = calls;
    const b = nelderMead(f, [5, 5, 5], { maxEvaluations: 200 });
    expect(a).toEqual(b);
    expect(a.evaluations).toBe(used);
    expect(a.evaluations).toBeLessThanOrEqual(200 + 4); // a step may finish its shrink
  });

  it('treats a non-finite objective as very bad', () => {
    const r = nelderMead((x) => (x[0]! < 0 ? Number.NaN : (x[0]! - 2) ** 2), [1]);
    expect(r.x[0]).toBeCloseTo(2, 4);
  });
});
