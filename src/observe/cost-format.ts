// The bill as people read it: dollars and micro-dollars, bytes, units; the estimate as rows and as text.

import { formatMicroUsd } from './chart-cost';
import type { CostEstimate } from './cost-estimate';
import { describePrice } from './pricing';

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

// ---------------------------------------------------------------------------------------------------------------
// The estimate as rows and text

/** Rows for charts.costChart: `{ section, usd }` per section. */
export function costRows(estimate: CostEstimate): { section: string; usd: number }[] {
  return estimate.sections.map((s) => ({ section: s.section, usd: s.usd }));
}

/** One row per bill line, for console.table: section, item, units, price, USD, and the arithmetic. */
export function costTable(estimate: CostEstimate): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (const s of [...estimate.sections, estimate.total]) {
    for (const l of s.lines) {
      rows.push({
        section: s.section,
        item: l.item,
        units:
          l.unit === 'GB-month'
            ? l.bytes !== undefined && l.hours !== undefined
              ? `${formatBytes(l.bytes)} for ${formatUnits(l.hours)} h`
              : `${formatUnits(l.quantity)} GB-month`
            : `${formatUnits(l.quantity)} ${l.unit}`,
        price: l.priceLabel,
        USD: formatUsdPrecise(l.usd),
      });
    }
    if (s.lines.length === 0) rows.push({ section: s.section, item: '(nothing consumed)', units: '', price: '', USD: '$0' });
  }
  return rows;
}

/** The estimate as text: the prices, each section's lines with their arithmetic, the total and the notes. */
export function formatCostReport(estimate: CostEstimate): string {
  const p = estimate.prices;
  const out: string[] = [];
  out.push(
    `DynamoDB on-demand cost — ${p.regionName} (${p.region}), ${p.currency}, Standard table class` +
      (estimate.pricesConfirmed ? '' : '  [prices UNCONFIRMED]'),
  );
  out.push(
    `prices: ${describePrice(p.writePerMillion, 'WRU')} · ${describePrice(p.readPerMillion, 'RRU')} · ` +
      `${describePrice(p.storagePerGbMonth, 'GB-month')} (taken ${p.takenOn})`,
  );
  for (const s of estimate.sections) {
    out.push(`${s.section}: ${formatUsdPrecise(s.usd)}`);
    if (s.lines.length === 0) out.push('    nothing consumed');
    for (const l of s.lines) out.push(`    ${l.item.padEnd(13)} ${l.arithmetic}`);
  }
  out.push(`total: ${formatUsdPrecise(estimate.usd)}`);
  for (const n of estimate.notes) out.push(`note: ${n}`);
  if (out.some((l) => l.includes('µ$'))) out.push(MICRO_USD_LEGEND);
  return out.join('\n');
}
