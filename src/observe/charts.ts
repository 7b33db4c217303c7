// Charts for the room: vega-lite v5 specs as pure functions of data, a static SVG render in Node, and one notebook
// output holding both (see DESIGN.md "Charts").
//
// Why v5: JupyterLab 4 renders `application/vnd.vegalite.v5+json` but not v6, and vega 5 / vega-lite 5 are CommonJS,
// so tslab's CommonJS output can `require` them. The SVG is for nbconvert's HTML and GitHub, which do not run vega.
//
// Notebooks: `import { shardDistributionChart, showChart } from './workshop/observe/charts';`
//   await showChart(shardDistributionChart(rows));                      // one output, three MIME types
//   const live = liveChart(); await live.update(spec); ... await live.update(spec2);  // one output, updated in place
//

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Config, TopLevelSpec } from 'vega-lite';
import { type DisplaySink, type MimeBundle, defaultSink, newDisplayId } from '../display';

export type { TopLevelSpec } from 'vega-lite';
export type { DisplaySink, MimeBundle } from '../display';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
export const SVG_MIME = 'image/svg+xml';
export const TEXT_MIME = 'text/plain';

/** Colours: blue for what succeeded, orange (a warning, and colour-blind safe against blue) for throttles. */
export const COLORS = {
  ok: '#4c78a8',
  throttled: '#f58518',
  neutral: '#4c78a8',
  series: ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d'],
} as const;

/** Options every chart takes. */
export interface ChartOptions {
  title?: string;
  /** Shown under the title, e.g. "scaled: 1/100 of AWS limits". */
  scaleLabel?: string;
  /** Plot width in pixels (default 560: fits a notebook column and a projector). */
  width?: number;
  /** Plot height in pixels (a facet's height for faceted charts). */
  height?: number;
}

const DEFAULT_WIDTH = 560;

/** Readable from the back of a room: larger fonts than vega's defaults, no chart border. */
export const ROOM_CONFIG: Config = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null },
  title: { fontSize: 20, subtitleFontSize: 14, subtitleColor: '#555', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 14, titleFontSize: 15, titlePadding: 10, labelLimit: 220 },
  legend: { labelFontSize: 14, titleFontSize: 14, symbolSize: 160, orient: 'top' },
  header: { labelFontSize: 15, titleFontSize: 15 },
  text: { fontSize: 14 },
};

function chartTitle(defaultTitle: string, opts: ChartOptions): { text: string; subtitle?: string } {
  const text = opts.title ?? defaultTitle;
  return opts.scaleLabel ? { text, subtitle: opts.scaleLabel } : { text };
}

/** Keeps first-seen order: vega-lite sorts nominal domains alphabetically unless told otherwise. */
function uniqueInOrder<T>(values: T[]): T[] {
  return Array.from(new Set(values));
}

// ---------------------------------------------------------------------------------------------------------------
// Writes per shard / partition

export interface ShardWritesRow {
  shard: string;
  /** Writes that succeeded. */
  writes: number;
  /** Writes throttled on this shard (stacked on top, in the warning colour). */
  throttled?: number;
}

/** Bar chart of writes per shard or partition; throttled writes stacked on top in the warning colour. */
export function shardDistributionChart(rows: ShardWritesRow[], opts: ChartOptions = {}): TopLevelSpec {
  const values: { shard: string; outcome: string; count: number; order: number }[] = [];
  for (const r of rows) {
    values.push({ shard: r.shard, outcome: 'written', count: r.writes, order: 0 });
    if (r.throttled !== undefined && r.throttled > 0) {
      values.push({ shard: r.shard, outcome: 'throttled', count: r.throttled, order: 1 });
    }
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle('Writes per shard', opts),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? 300,
    config: ROOM_CONFIG,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'shard',
        type: 'nominal',
        sort: uniqueInOrder(rows.map((r) => r.shard)),
        title: 'shard / partition',
        axis: { labelAngle: rows.length > 8 ? -45 : 0 },
      },
      y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'write requests' },
      color: {
        field: 'outcome',
        type: 'nominal',
        title: null,
        scale: { domain: ['written', 'throttled'], range: [COLORS.ok, COLORS.throttled] },
      },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Throttled vs successful requests over time

export interface ThrottleTimelineRow {
  /** Seconds since the start of the run. */
  second: number;
  /** e.g. "hot key", "4 shards", "8 shards": one facet each. */
  series: string;
  ok: number;
  throttled: number;
}

/** Successful vs throttled requests per second; one row of the chart per series (hot key vs sharded). */
export function throttleTimelineChart(rows: ThrottleTimelineRow[], opts: ChartOptions = {}): TopLevelSpec {
  const values: { second: number; series: string; outcome: string; requests: number }[] = [];
  for (const r of rows) {
    values.push({ second: r.second, series: r.series, outcome: 'succeeded', requests: r.ok });
    values.push({ second: r.second, series: r.series, outcome: 'throttled', requests: r.throttled });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle('Successful vs throttled requests per second', opts),
    config: ROOM_CONFIG,
    data: { values },
    facet: {
      row: {
        field: 'series',
        type: 'nominal',
        sort: uniqueInOrder(rows.map((r) => r.series)),
        title: null,
        header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold' },
      },
    },
    spacing: 16,
    spec: {
      width: opts.width ?? DEFAULT_WIDTH,
      height: opts.height ?? 120,
      mark: { type: 'line', point: true, strokeWidth: 2.5, tooltip: true },
      encoding: {
        x: {
          field: 'second',
          type: 'quantitative',
          title: 'second of the run',
          axis: { tickMinStep: 1, format: 'd' },
        },
        y: { field: 'requests', type: 'quantitative', title: 'requests / s' },
        color: {
          field: 'outcome',
          type: 'nominal',
          title: null,
          scale: { domain: ['succeeded', 'throttled'], range: [COLORS.ok, COLORS.throttled] },
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Consumed capacity: Query vs Scan

export interface CapacityRow {
  /** e.g. "Query (one tenant)", "Scan + filter". */
  operation: string;
  /** Read capacity units consumed. */
  rcu: number;
  /** Items returned, shown next to the bar. */
  items?: number;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 1 });
}

/** Horizontal bars of consumed RCU per operation, labelled with the RCU and the items returned. */
export function capacityComparisonChart(rows: CapacityRow[], opts: ChartOptions = {}): TopLevelSpec {
  const values = rows.map((r) => ({
    operation: r.operation,
    rcu: r.rcu,
    label: `${formatNumber(r.rcu)} RCU${r.items === undefined ? '' : ` · ${formatNumber(r.items)} items`}`,
  }));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle('Consumed read capacity: Query vs Scan', opts),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? Math.max(80, 48 * rows.length),
    config: ROOM_CONFIG,
    data: { values },
    encoding: {
      y: { field: 'operation', type: 'nominal', sort: null, title: null },
      x: { field: 'rcu', type: 'quantitative', title: 'read capacity units consumed', scale: { nice: true } },
    },
    layer: [
      { mark: { type: 'bar', color: COLORS.neutral, tooltip: true } },
      { mark: { type: 'text', align: 'left', dx: 6, fontSize: 14 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Fan-out latency per shard count

export interface FanoutLatencyRow {
  shards: number;
  mode: 'parallel' | 'sequential';
  /** One measurement; several rows per (shards, mode) are summarised by their median. */
  ms: number;
}

/** Median latency of a fan-out read against the number of shards, parallel vs sequential. */
export function fanoutLatencyChart(rows: FanoutLatencyRow[], opts: ChartOptions = {}): TopLevelSpec {
  const shardCounts = Array.from(new Set(rows.map((r) => r.shards))).sort((a, b) => a - b);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle('Fan-out read latency by shard count', opts),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? 300,
    config: ROOM_CONFIG,
    data: { values: rows.map((r) => ({ shards: r.shards, mode: r.mode, ms: r.ms })) },
    mark: { type: 'line', point: { size: 90 }, strokeWidth: 3, tooltip: true },
    encoding: {
      x: { field: 'shards', type: 'ordinal', sort: shardCounts, title: 'shards queried', axis: { labelAngle: 0 } },
      y: { field: 'ms', type: 'quantitative', aggregate: 'median', title: 'latency (ms, median)' },
      color: {
        field: 'mode',
        type: 'nominal',
        title: null,
        scale: { domain: ['parallel', 'sequential'], range: [COLORS.ok, COLORS.throttled] },
      },
    },
  };
}

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

// ---------------------------------------------------------------------------------------------------------------
// Metrics over time (CloudWatch-like)

export interface MetricRow {
  /** Seconds since the start (number) or an ISO timestamp (string). */
  t: number | string;
  /** e.g. "ConsumedWriteCapacityUnits", "WriteThrottleEvents". */
  metric: string;
  value: number;
}

export interface MetricChartOptions extends ChartOptions {
  /** y-axis title (default "value"). */
  yTitle?: string;
  /** x-axis title (default "seconds" for numbers, "time (UTC)" for timestamps). */
  xTitle?: string;
}

/** Lines of named metrics over time, one colour each. Numbers on `t` are seconds; strings are timestamps. */
export function metricTimelineChart(rows: MetricRow[], opts: MetricChartOptions = {}): TopLevelSpec {
  const temporal = rows.some((r) => typeof r.t === 'string');
  const metrics = uniqueInOrder(rows.map((r) => r.metric));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle('Metrics over time', opts),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? 260,
    config: ROOM_CONFIG,
    data: { values: rows.map((r) => ({ t: r.t, metric: r.metric, value: r.value })) },
    mark: { type: 'line', point: true, strokeWidth: 2.5, tooltip: true },
    encoding: {
      x: temporal
        ? {
            field: 't',
            type: 'temporal',
            title: opts.xTitle ?? 'time (UTC)',
            scale: { type: 'utc' },
            axis: { format: '%H:%M:%S', labelAngle: 0 },
          }
        : { field: 't', type: 'quantitative', title: opts.xTitle ?? 'seconds' },
      y: { field: 'value', type: 'quantitative', title: opts.yTitle ?? 'value' },
      color: {
        field: 'metric',
        type: 'nominal',
        title: null,
        sort: metrics,
        scale: { domain: metrics, range: COLORS.series.slice(0, Math.max(1, metrics.length)) },
        legend: { orient: 'top', direction: 'vertical', columns: 2, labelLimit: 320 },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export interface CompiledChart {
  /** The Vega spec vega-lite produced. */
  vega: vega.Spec;
  /** Warnings vega-lite logged while compiling: a correct chart has none. */
  warnings: string[];
}

/** Compiles with vega-lite, collecting its warnings instead of printing them into the notebook. */
export function compileChart(spec: TopLevelSpec): CompiledChart {
  const warnings: string[] = [];
  let level = 2;
  const logger = {
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    level(l?: number): any {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    error(...args: readonly unknown[]): any {
      throw new Error(args.map(String).join(' '));
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    warn(...args: readonly unknown[]): any {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    info(): any {
      return logger;
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    debug(): any {
      return logger;
    },
  };
  // vega-lite keeps references into its input; give it a copy so the caller's spec stays as built.
  const input = JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
  const compiled = vl.compile(input, { logger });
  return { vega: compiled.spec, warnings };
}

/**
 * The chart as an SVG string, rendered in Node with no canvas, browser or network: vega-lite compile → vega View
 * (renderer 'none') → `toSVG()`. Text stays SVG `<text>` (widths are estimated without a canvas package).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega: vgSpec } = compileChart(spec);
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function titleText(spec: TopLevelSpec): string | undefined {
  const t = (spec as { title?: unknown }).title;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.join(' ');
  if (t && typeof t === 'object') {
    const text = (t as { text?: unknown }).text;
    if (typeof text === 'string') return text;
    if (Array.isArray(text)) return text.join(' ');
  }
  return undefined;
}

/** A one-line description for `text/plain`: the title and the number of data rows. */
export function chartSummary(spec: TopLevelSpec): string {
  const values = (spec as { data?: { values?: unknown } }).data?.values;
  const n = Array.isArray(values) ? values.length : undefined;
  const title = titleText(spec) ?? 'chart';
  return `<vega-lite chart: ${title}${n === undefined ? '' : ` (${n} data rows)`}>`;
}

/**
 * The three representations of one chart, for a single display_data: the spec (a JSON object, for JupyterLab),
 * the SVG (for nbconvert HTML and GitHub) and a one-line text.
 */
export async function mimeBundle(spec: TopLevelSpec): Promise<MimeBundle> {
  const json = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  return {
    [VEGA_LITE_MIME]: json,
    [SVG_MIME]: await renderSvg(spec),
    [TEXT_MIME]: chartSummary(spec),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Notebook display

export interface ShowChartOptions {
  /** Where to send it. Default: the tslab kernel this runs in; outside a kernel nothing is sent. */
  display?: DisplaySink;
}

/**
 * Shows the chart as ONE notebook output holding vega-lite JSON + SVG + text.
 *
 * Resolves with nothing once the chart was sent (tslab prints a cell's last value: `await showChart(...)` must not
 * add the bundle as text under the chart). Where nothing can show it (plain node/tsx, no kernel) it resolves with the
 * bundle instead, so scripts can save it.
 */
export async function showChart(spec: TopLevelSpec, opts: ShowChartOptions = {}): Promise<MimeBundle | undefined> {
  const bundle = await mimeBundle(spec);
  const delivered = (opts.display ?? defaultSink)(bundle, {});
  return delivered ? undefined : bundle;
}

export interface LiveChart {
  /** The `display_id` shared by every update. */
  readonly id: string;
  /**
   * Shows `spec` in this chart's output: the first call creates the output, later calls replace it in place
   * (update_display_data), so the executed notebook keeps the last state. Calls made while one is rendering are
   * coalesced: only the newest spec is drawn next. Resolves (with nothing, so tslab prints nothing) once the newest
   * spec is sent. Await the last call before the cell ends.
   */
  update(spec: TopLevelSpec): Promise<void>;
}

/** One output updated in place: for the room's live load demo (throttles climbing, then falling once sharded). */
export function liveChart(opts: ShowChartOptions & { id?: string } = {}): LiveChart {
  const id = opts.id ?? newDisplayId('chart');
  const sink = opts.display ?? defaultSink;
  let shown = false;
  let pending: TopLevelSpec | null = null;
  let running: Promise<void> | null = null;

  async function drain(): Promise<void> {
    try {
      while (pending !== null) {
        const spec: TopLevelSpec = pending;
        pending = null;
        const bundle = await mimeBundle(spec);
        if (sink(bundle, { displayId: id, update: shown })) shown = true;
      }
    } finally {
      running = null;
    }
  }

  return {
    id,
    update(spec: TopLevelSpec): Promise<void> {
      pending = spec;
      if (running === null) running = drain();
      return running;
    },
  };
}
