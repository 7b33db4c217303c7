// Chart specs of consumption (pure): consumed capacity per operation, metrics over time (CloudWatch-like).

import type { TopLevelSpec } from 'vega-lite';
import { COLORS, type ChartOptions, chartFrame, uniqueInOrder } from './chart-spec';

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
    ...chartFrame('Consumed read capacity: Query vs Scan', opts, Math.max(80, 48 * rows.length)),
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
    ...chartFrame('Metrics over time', opts, 260),
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
