/**
 * Report statistics: the unbiased pass@k estimator over n samples, and 95% confidence intervals
 * (Wilson for proportions, a normal interval of the mean for graded scores such as F1).
 */

/** pass@k = 1 − C(n−c, k) / C(n, k), computed as a product so large n stays exact enough. */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || k < 1 || c < 0 || c > n) throw new RangeError(`pass@k needs integers 0 ≤ c ≤ n, k ≥ 1 (n=${n}, c=${c}, k=${k})`);
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples per problem, got ${n}`);
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

const Z95 = 1.959963984540054;

/** Wilson score interval of a proportion (successes out of n), 95%. */
export function wilsonInterval(successes: number, n: number): Interval {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const denominator = 1 + (Z95 * Z95) / n;
  const centre = (p + (Z95 * Z95) / (2 * n)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + (Z95 * Z95) / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** 95% interval of a mean of values in [0, 1]: Wilson when all are 0/1, else mean ± 1.96·s/√n (clamped). */
export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) return { low: 0, high: 1 };
  if (values.every((v) => v === 0 || v === 1)) return wilsonInterval(values.filter((v) => v === 1).length, n);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { low: 0, high: 1 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const half = Z95 * Math.sqrt(variance / n);
  return { low: Math.max(0, mean - half), high: Math.min(1, mean + half) };
}
