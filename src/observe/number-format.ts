// Numbers on the bill as people read them: dollars and micro-dollars, bytes, units (pure).

import { formatMicroUsd } from './chart-cost';

/**
 * The bill's arithmetic: `$3.125`, `$12.35`, `$1,000,000.00`, `$0.004` (4 significant digits, cents always shown)
 * from a tenth of a cent up; below that micro-dollars, labelled (`857.4 µ$`, `0.29 µ$`), never an exponent or a row of
 * zeros.
 */
export function formatUsdPrecise(usd: number, significant = 4): string {
  if (usd === 0) return '$0';
  const a = Math.abs(usd);
  if (a < 0.001) return formatMicroUsd(usd, significant);
  const sign = usd < 0 ? '-' : '';
  const decimals = Math.min(12, Math.max(2, significant - 1 - Math.floor(Math.log10(a))));
  const [int, frac = ''] = a.toFixed(decimals).split('.');
  // Trailing zeros go, but cents stay: $3.125, $1.50, $0.004.
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${sign}$${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${trimmed}`;
}

/** What `µ$` means, once under a report that uses it. */
export const MICRO_USD_LEGEND = 'µ$ = a millionth of a US dollar ($1 = 1,000,000 µ$).';

/** 400000 → "390.6 KB" (1 KB = 1,024 B, as AWS counts GB: 2^30 bytes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toLocaleString('en-US', { maximumFractionDigits: 1 })} ${units[u]}`;
}

/** 0.00000298 → "0.00000298" (3 significant digits, never an exponent). */
export function formatSignificant(n: number, significant = 3): string {
  if (n === 0) return '0';
  const decimals = Math.min(15, Math.max(0, significant - 1 - Math.floor(Math.log10(Math.abs(n)))));
  const s = n.toFixed(decimals);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** 1234567.5 → "1,234,567.5" */
export function formatUnits(n: number): string {
  const [int, frac] = String(Math.round(n * 1e6) / 1e6).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}
