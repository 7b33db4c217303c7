// The bill as people read it: dollars and micro-dollars, bytes, units; the estimate as rows and as text.

import type { CostEstimate } from './cost-estimate';
import { describePrice } from './pricing';
import { formatBytes, formatSignificant, formatUnits, formatUsdPrecise, MICRO_USD_LEGEND } from './number-format';

export { formatBytes, formatSignificant, formatUnits, formatUsdPrecise, MICRO_USD_LEGEND };

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
