// Chart spec of the cost per section (pure), and dollars as an audience reads them.

import type { TopLevelSpec } from 'vega-lite';
import { COLORS, type ChartOptions, DEFAULT_WIDTH, ROOM_CONFIG, VEGA_LITE_SCHEMA, chartTitle } from './chart-spec';

// ---------------------------------------------------------------------------------------------------------------
// Cost per section

export interface CostRow {
  section: string;
  usd: number;
}

/**
 * Dollars as an audience reads them: `$12.35`, `$1,000,000.00`, `$0.02`, and `< $0.01` for less than a cent (a
 * workshop's requests cost fractions of a cent: see `formatMicroUsd` to tell those apart). Never an exponent.
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  const a = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (a < 0.01) return usd < 0 ? '> -$0.01' : '< $0.01';
  return `${sign}$${a.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Millionths of a dollar, labelled: `0.29 µ$`, `752 µ$`, `12,345,600 µ$`; `< 0.001 µ$` below that. */
export function formatMicroUsd(usd: number, significant = 3): string {
  const micro = usd * 1_000_000;
  if (micro === 0) return '0 µ$';
  if (Math.abs(micro) < 0.001) return micro < 0 ? '> -0.001 µ$' : '< 0.001 µ$';
  // `significant` digits, but whole micro-dollars are never rounded away: 857.4, 12,345,600, 0.29.
  const fraction = Math.max(0, significant - 1 - Math.floor(Math.log10(Math.abs(micro))));
  const text =
    Math.abs(micro) >= 1
      ? micro.toLocaleString('en-US', { maximumFractionDigits: fraction })
      : micro.toLocaleString('en-US', { maximumSignificantDigits: significant });
  return `${text} µ$`;
}

/** The axis title of a chart in micro-dollars. */
export const MICRO_USD_TITLE = 'µ$ (millionths of a US dollar)';

/** Horizontal bars of estimated cost per section, labelled in dollars, with the total in the subtitle. */
export function costChart(rows: CostRow[], opts: ChartOptions = {}): TopLevelSpec {
  const total = rows.reduce((sum, r) => sum + r.usd, 0);
  // A workshop costs fractions of a cent: in dollars every bar would read "< $0.01" (and vega's axis "2.9e-7").
  // Below a cent, the chart counts millionths of a dollar, and says so on the axis.
  const micro = rows.every((r) => Math.abs(r.usd) < 0.01);
  const totalLabel = micro && total !== 0 ? `total ${formatUsd(total)} (${formatMicroUsd(total)})` : `total ${formatUsd(total)}`;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle('Estimated cost per section', {
      ...opts,
      scaleLabel: opts.scaleLabel ? `${opts.scaleLabel} · ${totalLabel}` : totalLabel,
    }),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? Math.max(80, 40 * rows.length),
    config: ROOM_CONFIG,
    data: {
      values: rows.map((r) => ({
        section: r.section,
        usd: r.usd,
        amount: micro ? r.usd * 1_000_000 : r.usd,
        label: micro ? formatMicroUsd(r.usd) : formatUsd(r.usd),
      })),
    },
    encoding: {
      y: { field: 'section', type: 'nominal', sort: null, title: null },
      // d3's "r": decimal notation rounded to significant digits, never an exponent (its "g" wrote 2.9e-7).
      x: micro
        ? { field: 'amount', type: 'quantitative', title: MICRO_USD_TITLE, axis: { format: ',~r' } }
        : { field: 'amount', type: 'quantitative', title: 'US dollars', axis: { format: '$,~r' } },
    },
    layer: [
      { mark: { type: 'bar', color: COLORS.neutral, tooltip: true } },
      { mark: { type: 'text', align: 'left', dx: 6, fontSize: 14 }, encoding: { text: { field: 'label' } } },
    ],
  };
}
