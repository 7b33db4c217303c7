// GetMetricData answers → series, and series → the rows of the timeline charts (pure; the same charts as the local
// recorder's, src/observe/metrics.ts, under the same names).

import type { GetMetricDataCommandOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricRow } from './chart-capacity';

export interface MetricPoint {
  /** ISO-8601 timestamp (UTC): the start of the period. */
  t: string;
  value: number;
}

export interface MetricSeries {
  id: string;
  label: string;
  metricName: string;
  tableName?: string;
  indexName?: string;
  operation?: string;
  stat: string;
  points: MetricPoint[];
  /** 'Complete', 'PartialData' (more pages, or throttled), 'Forbidden', 'InternalError'. */
  statusCode?: string;
  messages: string[];
}

function dimension(q: MetricDataQuery | undefined, name: string): string | undefined {
  const d = q?.MetricStat?.Metric ? (q.MetricStat.Metric.Dimensions ?? []) : [];
  const hit = d.find((x) => x.Name === name);
  return hit ? hit.Value : undefined;
}

/**
 * GetMetricData answers (one or several pages) → one series per query, points in time order. Pages of the same
 * query Id are concatenated; the query list restores what each series measures (metric name, dimensions).
 */
export function parseMetricData(
  outputs:
    | Pick<GetMetricDataCommandOutput, 'MetricDataResults' | 'Messages'>
    | Pick<GetMetricDataCommandOutput, 'MetricDataResults' | 'Messages'>[],
  queries: readonly MetricDataQuery[],
): MetricSeries[] {
  const pages = Array.isArray(outputs) ? outputs : [outputs];
  const byId = new Map<string, MetricSeries>();
  for (const q of queries) {
    if (!q.Id) continue;
    const metric = q.MetricStat?.Metric ? (q.MetricStat.Metric.MetricName ?? '') : '';
    const s: MetricSeries = {
      id: q.Id,
      label: q.Label ?? metric,
      metricName: metric,
      stat: q.MetricStat ? (q.MetricStat.Stat ?? '') : '',
      points: [],
      messages: [],
    };
    const table = dimension(q, 'TableName');
    const index = dimension(q, 'GlobalSecondaryIndexName');
    const op = dimension(q, 'Operation');
    if (table !== undefined) s.tableName = table;
    if (index !== undefined) s.indexName = index;
    if (op !== undefined) s.operation = op;
    if (q.ReturnData !== false) byId.set(q.Id, s);
  }
  for (const page of pages) {
    for (const r of page.MetricDataResults ?? []) {
      if (!r.Id) continue;
      let s = byId.get(r.Id);
      if (!s) {
        s = { id: r.Id, label: r.Label ?? r.Id, metricName: r.Label ?? r.Id, stat: '', points: [], messages: [] };
        byId.set(r.Id, s);
      }
      const ts = r.Timestamps ?? [];
      const vs = r.Values ?? [];
      for (let i = 0; i < Math.min(ts.length, vs.length); i++) {
        const t = ts[i] instanceof Date ? (ts[i] as Date) : new Date(ts[i] as unknown as string);
        s.points.push({ t: t.toISOString(), value: vs[i] });
      }
      if (r.StatusCode) s.statusCode = r.StatusCode;
      for (const m of r.Messages ?? []) s.messages.push(`${m.Code ?? ''}: ${m.Value ?? ''}`);
    }
  }
  const out = Array.from(byId.values());
  for (const s of out) s.points.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  return out;
}

/** True when any series holds a datapoint. */
export function hasDatapoints(series: readonly MetricSeries[]): boolean {
  return series.some((s) => s.points.length > 0);
}

export interface TimelineOptions {
  /** Metric names to keep (default: every series). */
  metrics?: readonly string[];
  /** undefined: the table's own series (and account-wide ones); a name: that GSI's series; null: all of them. */
  indexName?: string | null;
  /** Sum the per-operation series of these metrics into one (default ['ThrottledRequests']). */
  combineOperations?: readonly string[];
}

/**
 * Series → rows for the timeline charts (metricTimelineChart): `t` is the ISO timestamp, `metric` the CloudWatch
 * name (a GSI's series are labelled `Name (index)`). Per-operation ThrottledRequests are summed into one line, as
 * CloudWatch's console would show "ThrottledRequests" for the table.
 */
export function timelineRows(series: readonly MetricSeries[], options: TimelineOptions = {}): MetricRow[] {
  const combine = options.combineOperations ?? ['ThrottledRequests'];
  const keep = (s: MetricSeries): boolean => {
    if (options.metrics && options.metrics.indexOf(s.metricName) < 0) return false;
    if (options.indexName === null) return true;
    if (options.indexName === undefined) return s.indexName === undefined;
    return s.indexName === options.indexName;
  };
  const rows: MetricRow[] = [];
  const sums = new Map<string, Map<string, number>>();
  for (const s of series) {
    if (!keep(s)) continue;
    if (s.operation !== undefined && combine.indexOf(s.metricName) >= 0) {
      let m = sums.get(s.metricName);
      if (!m) sums.set(s.metricName, (m = new Map<string, number>()));
      for (const p of s.points) m.set(p.t, (m.get(p.t) ?? 0) + p.value);
      continue;
    }
    const name =
      s.indexName !== undefined && options.indexName === null
        ? `${s.metricName} (${s.indexName})`
        : s.operation !== undefined
          ? s.label
          : s.metricName;
    for (const p of s.points) rows.push({ t: p.t, metric: name, value: p.value });
  }
  sums.forEach((m, metric) => {
    const ts = Array.from(m.keys()).sort();
    for (const t of ts) rows.push({ t, metric, value: m.get(t) as number });
  });
  return rows;
}

/** Totals per series over the window: a table for the notebook. */
export function seriesTotals(
  series: readonly MetricSeries[],
): { series: string; stat: string; datapoints: number; total: number; max: number }[] {
  return series.map((s) => ({
    series: s.label,
    stat: s.stat,
    datapoints: s.points.length,
    total: Math.round(s.points.reduce((a, p) => a + p.value, 0) * 1000) / 1000,
    max: s.points.reduce((a, p) => Math.max(a, p.value), 0),
  }));
}
