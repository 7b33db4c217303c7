// Chart specs of a workload (pure): writes per shard, throttled vs successful requests over time, fan-out latency.

import type { TopLevelSpec } from 'vega-lite';
import {
  type ChartOptions,
  DEFAULT_WIDTH,
  ROOM_CONFIG,
  VEGA_LITE_SCHEMA,
  chartFrame,
  chartTitle,
  okThrottledColor,
  uniqueInOrder,
} from './chart-spec';

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
    ...chartFrame('Writes per shard', opts, 300),
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
      color: okThrottledColor('outcome', 'written', 'throttled'),
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
        color: okThrottledColor('outcome', 'succeeded', 'throttled'),
      },
    },
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
    ...chartFrame('Fan-out read latency by shard count', opts, 300),
    data: { values: rows.map((r) => ({ shards: r.shards, mode: r.mode, ms: r.ms })) },
    mark: { type: 'line', point: { size: 90 }, strokeWidth: 3, tooltip: true },
    encoding: {
      x: { field: 'shards', type: 'ordinal', sort: shardCounts, title: 'shards queried', axis: { labelAngle: 0 } },
      y: { field: 'ms', type: 'quantitative', aggregate: 'median', title: 'latency (ms, median)' },
      color: okThrottledColor('mode', 'parallel', 'sequential'),
    },
  };
}
