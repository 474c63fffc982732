// @ts-check
/** Small statistics and argument helpers shared by the benchmarks. */

/** @param {number[]} values */
export function median(values) {
  return percentile(values, 50);
}

/** Linear-interpolated percentile. @param {number[]} values @param {number} p */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return /** @type {number} */ (sorted[low]) + (/** @type {number} */ (sorted[high]) - /** @type {number} */ (sorted[low])) * (rank - low);
}

/**
 * `--name value` pairs over numeric defaults.
 * @template {Record<string, number>} T
 * @param {string[]} argv @param {T} defaults @returns {T}
 */
export function parseArgs(argv, defaults) {
  /** @type {Record<string, number>} */
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const key = (argv[i] ?? '').replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(key in defaults) || !Number.isFinite(value)) throw new Error(`unknown or malformed option ${argv[i]} ${argv[i + 1]}`);
    out[key] = value;
  }
  return /** @type {T} */ (out);
}

/** Prints a titled table and, with BENCH_JSON set, a JSON line. @param {string} title @param {Record<string, number>} values */
export function report(title, values) {
  console.log(title);
  for (const [key, value] of Object.entries(values)) console.log(`  ${key.padEnd(16)} ${Number.isInteger(value) ? value : Math.abs(value) < 10 ? value.toFixed(3) : value.toFixed(1)}`);
  if (process.env['BENCH_JSON'] !== undefined) console.log(JSON.stringify({ bench: title, ...values }));
}
