/** Small statistics used for scores and confidence intervals. */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1). */
export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Normal quantile for a two-sided interval at the given confidence (0.95 -> 1.95996). */
export function zFor(confidence: number): number {
  // Acklam's rational approximation of the inverse normal CDF; plenty for interval widths.
  const p = 1 - (1 - confidence) / 2;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const q = Math.sqrt(-2 * Math.log(1 - p));
  if (p > 0.97575) {
    return -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const r = p - 0.5;
  const s = r * r;
  return ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
}

/** A proportion with its Wilson score interval. */
export interface Proportion {
  successes: number;
  n: number;
  /** successes / n, or NaN when n is 0. */
  rate: number;
  low: number;
  high: number;
  confidence: number;
}

/** Wilson score interval: well-behaved at small n and at rates near 0 or 1. */
export function wilson(successes: number, n: number, confidence = 0.95): Proportion {
  if (n === 0) return { successes, n, rate: NaN, low: 0, high: 1, confidence };
  const z = zFor(confidence);
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { successes, n, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), confidence };
}
