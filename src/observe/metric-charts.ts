// Chart rows and charts of the recorder's aggregates, under CloudWatch's names on both targets (the same charts draw
// CloudWatch's own series on AWS: cloudwatch.ts).

import { formatCell } from '../display';
import type { ReasonRow, KeyRow, SecondRow } from './aggregate-rows';
import { round } from './aggregate-rows';
import {
  COLORS,
  type ChartOptions,
  type MetricRow,
  ROOM_CONFIG,
  type TopLevelSpec,
  VEGA_LITE_SCHEMA,
  metricTimelineChart,
} from './charts';
import type { ContributorMetricName } from './metric-names';

/** Per-second rows → timeline rows of the named metrics (t = seconds since the start). */
export function secondsToMetricRows(rows: readonly SecondRow[], metrics: readonly (keyof SecondRow)[]): MetricRow[] {
  const out: MetricRow[] = [];
  for (const r of rows) for (const m of metrics) out.push({ t: r.second, metric: String(m), value: Number(r[m]) });
  return out;
}

/** Consumed read vs write capacity per second (local: from the recorder) or per period (AWS: from CloudWatch). */
export function consumedCapacityChart(rows: MetricRow[], opts: ChartOptions & { xTitle?: string } = {}): TopLevelSpec {
  return metricTimelineChart(rows, {
    title: 'ConsumedReadCapacityUnits vs ConsumedWriteCapacityUnits',
    yTitle: rows.some((r) => typeof r.t === 'string') ? 'capacity units (Sum per period)' : 'capacity units per second',
    xTitle: opts.xTitle ?? (rows.some((r) => typeof r.t === 'string') ? 'time (UTC)' : 'second of the run'),
    ...opts,
  });
}

/** Throttle events per second/period: ReadThrottleEvents, WriteThrottleEvents, ThrottledRequests. */
export function throttleEventsChart(rows: MetricRow[], opts: ChartOptions & { xTitle?: string } = {}): TopLevelSpec {
  return metricTimelineChart(rows, {
    title: 'ReadThrottleEvents, WriteThrottleEvents, ThrottledRequests',
    yTitle: 'events',
    xTitle: opts.xTitle ?? (rows.some((r) => typeof r.t === 'string') ? 'time (UTC)' : 'second of the run'),
    ...opts,
  });
}

function titleOf(defaultTitle: string, opts: ChartOptions): { text: string; subtitle?: string } {
  const text = opts.title ?? defaultTitle;
  return opts.scaleLabel ? { text, subtitle: opts.scaleLabel } : { text };
}

/** Horizontal bars: throttle events per reason, coloured by the resource (table or GSI) throttled. */
export function throttleReasonsChart(rows: readonly ReasonRow[], opts: ChartOptions = {}): TopLevelSpec {
  const reasons: string[] = [];
  for (const r of rows) if (reasons.indexOf(r.reason) < 0) reasons.push(r.reason);
  const resources: string[] = [];
  for (const r of rows) if (resources.indexOf(r.resource) < 0) resources.push(r.resource);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf('Throttle events by ThrottlingReason', opts),
    width: opts.width ?? 560,
    height: opts.height ?? Math.max(80, 44 * Math.max(1, reasons.length)),
    config: ROOM_CONFIG,
    data: { values: rows.map((r) => ({ reason: r.reason, resource: r.resource, kind: r.kind, events: r.events })) },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      // labelLimit 0: no cut. The reason IS the point, and every one is distinct (vega's default limit cut
      // "TableWriteKeyRangeThroughput…" in JupyterLab, and its width estimate in Node cut more).
      y: { field: 'reason', type: 'nominal', sort: reasons, title: null, axis: { labelLimit: 0 } },
      x: { field: 'events', type: 'quantitative', stack: 'zero', title: 'throttle events' },
      color: {
        field: 'resource',
        type: 'nominal',
        title: null,
        sort: resources,
        scale: { domain: resources, range: COLORS.series.slice(0, Math.max(1, resources.length)) },
      },
    },
  };
}

/** Longest bar label of a top-keys chart, in characters: about 450 px at the room's 14 px axis font. */
export const MAX_KEY_LABEL = 40;

/**
 * Labels that tell every bar apart within `max` characters: a label that fits stays as it is; a longer one keeps its
 * start (up to the first `#`, e.g. `TENANT`) and as much of its end as fits, cut at a `#` where possible
 * (`TENANT…#REGION-1 (GSI1_Status)`): keys differ at the end. Labels still equal after that get more of their end,
 * and equal inputs a ` (2)`, ` (3)`.
 */
export function shortLabels(labels: readonly string[], max: number = MAX_KEY_LABEL): string[] {
  const shorten = (label: string, tailChars: number): string => {
    if (label.length <= max) return label;
    const hash = label.indexOf('#');
    const head = hash > 0 && hash <= Math.floor(max / 2) ? label.slice(0, hash) : label.slice(0, Math.floor(max / 3));
    const room = Math.max(1, Math.min(tailChars, max - head.length - 1));
    let tail = label.slice(label.length - room);
    const cut = tail.indexOf('#');
    if (cut > 0 && tail.length - cut >= 3) tail = tail.slice(cut);
    return `${head}…${tail}`;
  };
  const out = labels.map((l) => shorten(l, max));
  // Two different keys that shorten alike: show them whole (rare; distinct beats short).
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < out.length; j++) {
      if (i !== j && out[i] === out[j] && labels[i] !== labels[j]) {
        out[i] = labels[i];
        out[j] = labels[j];
      }
    }
  }
  const seen = new Map<string, number>();
  return out.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

/** One bar of a top-keys chart. */
export interface TopKeyBar {
  key: string;
  value: number;
}

/**
 * Top-N keys as horizontal bars, like Contributor Insights' graphs: `ConsumedThroughputUnits` (most accessed,
 * blue) or `ThrottleCount` (most throttled, orange). Rows in the order given (largest first).
 */
export function topKeysChart(
  rows: readonly TopKeyBar[],
  opts: ChartOptions & { metric?: ContributorMetricName } = {},
): TopLevelSpec {
  const metric = opts.metric ?? 'ConsumedThroughputUnits';
  const title =
    metric === 'ThrottleCount'
      ? 'Most throttled partition keys (ThrottleCount)'
      : 'Most accessed partition keys (ConsumedThroughputUnits)';
  // The keys that matter differ in their last characters (TENANT#globex#EVENTS#S0…S7): vega's label limit cut them
  // all to the same "TENANT#globex#EVEN…". The bars carry labels shortened from the middle (distinct, the end kept)
  // and the axis has no limit; the tooltip keeps the whole key.
  const labels = shortLabels(rows.map((r) => r.key));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf(title, opts),
    width: opts.width ?? 560,
    height: opts.height ?? Math.max(80, 36 * Math.max(1, rows.length)),
    config: ROOM_CONFIG,
    data: {
      values: rows.map((r, i) => ({ key: r.key, bar: labels[i], value: r.value, label: formatCell(round(r.value, 2)) })),
    },
    encoding: {
      y: { field: 'bar', type: 'nominal', sort: labels, title: null, axis: { labelLimit: 0 } },
      x: { field: 'value', type: 'quantitative', title: metric, scale: { nice: true } },
    },
    layer: [
      {
        mark: { type: 'bar', color: metric === 'ThrottleCount' ? COLORS.throttled : COLORS.ok },
        encoding: {
          tooltip: [
            { field: 'key', type: 'nominal', title: 'key' },
            { field: 'value', type: 'quantitative', title: metric },
          ],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 6, fontSize: 14 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

/** Key rows → bars: `ThrottleCount` or `ConsumedThroughputUnits`, the GSI named next to its keys. */
export function keyBars(rows: readonly KeyRow[], metric: ContributorMetricName = 'ConsumedThroughputUnits'): TopKeyBar[] {
  return rows.map((r) => ({
    key: r.index ? `${r.partitionKey} (${r.index})` : r.partitionKey,
    value: metric === 'ThrottleCount' ? r.ThrottleCount : r.ConsumedThroughputUnits,
  }));
}
