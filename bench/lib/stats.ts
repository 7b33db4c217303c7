// Small statistics and formatting helpers for the benchmarks (pure).

export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export function mean(xs: readonly number[]): number {
  return xs.length ? sum(xs) / xs.length : NaN;
}

export function percentile(xs: readonly number[], p: number): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const i = Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1));
  return v[i];
}

/** `1.23 s` */
export const s = (sec: number, digits = 2): string => (Number.isFinite(sec) ? `${sec.toFixed(digits)} s` : 'n/a');

/** `12 ms` */
export const ms = (m: number, digits = 0): string => (Number.isFinite(m) ? `${m.toFixed(digits)} ms` : 'n/a');

/** `0.82×` */
export const x = (r: number, digits = 2): string => (Number.isFinite(r) ? `${r.toFixed(digits)}×` : 'n/a');

/** `12,345` */
export function n(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `123 MiB` from bytes. */
export function mib(bytes: number): string {
  return Number.isFinite(bytes) && bytes > 0 ? `${Math.round(bytes / 1048576)} MiB` : 'n/a';
}

export const pct = (r: number, digits = 1): string => (Number.isFinite(r) ? `${(r * 100).toFixed(digits)} %` : 'n/a');

/** Ratios of paired runs (a[i] / b[i]) and their median: robust when the machine's speed drifts between pairs. */
export function pairedRatios(a: readonly number[], b: readonly number[]): { ratios: number[]; median: number } {
  const ratios = a.map((v, i) => v / b[i]).filter((r) => Number.isFinite(r));
  return { ratios, median: median(ratios) };
}
