/**
 * A small derivative-free minimiser (Nelder–Mead simplex with the standard reflection,
 * expansion, contraction and shrink steps, plus restarts from the best point), for fitting
 * cost-model parameters in log space. Deterministic: the initial simplex is built from the start
 * point and fixed steps; no randomness.
 */

/** Options of `nelderMead()`. */
export interface NelderMeadOptions {
  /** Initial step per coordinate (default 0.5). */
  step?: number;
  /** Most objective evaluations in all (default 4000). */
  maxEvaluations?: number;
  /** Restarts from the best point with a fresh simplex (default 3). */
  restarts?: number;
  /** Stop a round when the simplex values differ by less than this (default 1e-9). */
  tolerance?: number;
}

/** The best point found. */
export interface NelderMeadResult {
  x: Float64Array;
  value: number;
  evaluations: number;
}

/** Minimises `f` from `x0`. */
export function nelderMead(f: (x: Float64Array) => number, x0: ArrayLike<number>, options: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  const maxEval = options.maxEvaluations ?? 4000;
  const tol = options.tolerance ?? 1e-9;
  let evaluations = 0;
  const evalf = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  let best = Float64Array.from(x0);
  let bestValue = evalf(best);
  const rounds = 1 + (options.restarts ?? 3);
  for (let round = 0; round < rounds && evaluations < maxEval; round++) {
    const step = (options.step ?? 0.5) / (round + 1);
    const pts: Float64Array[] = [best.slice()];
    const vals: number[] = [bestValue];
    for (let i = 0; i < n; i++) {
      const p = best.slice();
      p[i] = p[i]! + step;
      pts.push(p);
      vals.push(evalf(p));
    }
    while (evaluations < maxEval) {
      // order the simplex
      const idx = vals.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]! || a - b);
      const sp = idx.map((i) => pts[i]!);
      const sv = idx.map((i) => vals[i]!);
      pts.splice(0, pts.length, ...sp);
      vals.splice(0, vals.length, ...sv);
      if (Math.abs(vals[n]! - vals[0]!) <= tol * (Math.abs(vals[0]!) + tol)) break;
      const centroid = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] = centroid[j]! + pts[i]![j]! / n;
      const worst = pts[n]!;
      const along = (t: number): Float64Array => {
        const p = new Float64Array(n);
        for (let j = 0; j < n; j++) p[j] = centroid[j]! + t * (worst[j]! - centroid[j]!);
        return p;
      };
      const xr = along(-1);
      const fr = evalf(xr);
      if (fr < vals[0]!) {
        const xe = along(-2);
        const fe = evalf(xe);
        if (fe < fr) {
          pts[n] = xe;
          vals[n] = fe;
        } else {
          pts[n] = xr;
          vals[n] = fr;
        }
      } else if (fr < vals[n - 1]!) {
        pts[n] = xr;
        vals[n] = fr;
      } else {
        const outside = fr < vals[n]!;
        const xc = along(outside ? -0.5 : 0.5);
        const fc = evalf(xc);
        if (fc < (outside ? fr : vals[n]!)) {
          pts[n] = xc;
          vals[n] = fc;
        } else {
          for (let i = 1; i <= n; i++) {
            const p = new Float64Array(n);
            for (let j = 0; j < n; j++) p[j] = pts[0]![j]! + 0.5 * (pts[i]![j]! - pts[0]![j]!);
            pts[i] = p;
            vals[i] = evalf(p);
          }
        }
      }
    }
    for (let i = 0; i <= n; i++) {
      if (vals[i]! < bestValue) {
        bestValue = vals[i]!;
        best = pts[i]!.slice();
      }
    }
  }
  return { x: best, value: bestValue, evaluations };
}
