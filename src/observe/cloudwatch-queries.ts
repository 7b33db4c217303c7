// GetMetricData requests for DynamoDB's metrics on AWS, as pure builders (tested offline:
// tests/unit/metrics-cloudwatch.test.ts), and the check an exercise's query gets (metricQueryProblems).
//
// What AWS publishes (namespace AWS/DynamoDB, one datapoint per minute, visible a few minutes late):
//   TableName                           ConsumedRead/WriteCapacityUnits, Read/WriteThrottleEvents (the table alone)
//   TableName + GlobalSecondaryIndexName  the same four, for one GSI (the table's series exclude its GSIs)
//   TableName + Operation               ThrottledRequests, SuccessfulRequestLatency, SystemErrors, ReturnedItemCount
//   (no dimension)                      UserErrors: the whole account in the region, every table together
// A query whose dimensions do not match a published set exactly returns no datapoints (not an error).

import type { GetMetricDataCommandInput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { WorkshopError } from '../errors';
import { DATA_PLANE_OPERATIONS } from '../model/operations';

export const DYNAMODB_NAMESPACE = 'AWS/DynamoDB';
/** DynamoDB publishes one datapoint per minute. */
export const DEFAULT_PERIOD_SECONDS = 60;
export const DEFAULT_WINDOW_MINUTES = 15;

/** What to print when CloudWatch has nothing yet (metrics lag the traffic by minutes). */
export const NO_DATAPOINTS_MESSAGE =
  'no datapoints yet: CloudWatch publishes DynamoDB metrics every minute; re-run this cell in 2–3 minutes';

/** The CloudWatch `Operation` dimension values of the data plane the workshop uses. */
export { DATA_PLANE_OPERATIONS };

/** Metrics published per table and per GSI (Sum). */
export const RESOURCE_METRICS = [
  'ConsumedReadCapacityUnits',
  'ConsumedWriteCapacityUnits',
  'ReadThrottleEvents',
  'WriteThrottleEvents',
] as const;
export type ResourceMetricName = (typeof RESOURCE_METRICS)[number];

const RESOURCE_ID: Record<ResourceMetricName, string> = {
  ConsumedReadCapacityUnits: 'crcu',
  ConsumedWriteCapacityUnits: 'cwcu',
  ReadThrottleEvents: 'rte',
  WriteThrottleEvents: 'wte',
};

/** GetMetricData's rule for a query Id: a lowercase letter, then letters, digits, underscores. */
export const METRIC_QUERY_ID_RE = /^[a-z][a-zA-Z0-9_]*$/;

export interface Dimension {
  Name: string;
  Value: string;
}

/** One metric, one statistic, one period: the building block of every query here. */
export function metricStatQuery(q: {
  id: string;
  metricName: string;
  dimensions: Dimension[];
  stat?: string;
  period?: number;
  label?: string;
  returnData?: boolean;
}): MetricDataQuery {
  if (!METRIC_QUERY_ID_RE.test(q.id)) {
    throw new WorkshopError(
      'METRIC_QUERY_ID',
      `"${q.id}" is not a valid GetMetricData query Id (a lowercase letter first, then letters, digits or _).`,
      'e.g. wte_gsi0',
    );
  }
  const query: MetricDataQuery = {
    Id: q.id,
    MetricStat: {
      Metric: {
        Namespace: DYNAMODB_NAMESPACE,
        MetricName: q.metricName,
        Dimensions: q.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
      },
      Period: q.period ?? DEFAULT_PERIOD_SECONDS,
      Stat: q.stat ?? 'Sum',
    },
    ReturnData: q.returnData ?? true,
  };
  if (q.label !== undefined) query.Label = q.label;
  return query;
}

/** The dimensions of a table's metrics, or of one of its GSIs'. */
export function resourceDimensions(tableName: string, indexName?: string): Dimension[] {
  const dims: Dimension[] = [{ Name: 'TableName', Value: tableName }];
  if (indexName !== undefined) dims.push({ Name: 'GlobalSecondaryIndexName', Value: indexName });
  return dims;
}

/** e.g. the answer to "the GetMetricData query for WriteThrottleEvents of GSI1". */
export function resourceMetricQuery(
  metric: ResourceMetricName,
  tableName: string,
  indexName?: string,
  options: { id?: string; period?: number } = {},
): MetricDataQuery {
  return metricStatQuery({
    id: options.id ?? (indexName === undefined ? RESOURCE_ID[metric] : `${RESOURCE_ID[metric]}_gsi`),
    metricName: metric,
    dimensions: resourceDimensions(tableName, indexName),
    stat: 'Sum',
    period: options.period,
    label: indexName === undefined ? metric : `${metric} (${indexName})`,
  });
}

export interface TableMetricsRequest {
  tableName: string;
  /** GSIs to query too (each gets its own four series). */
  indexNames?: readonly string[];
  /** Operations for ThrottledRequests and SuccessfulRequestLatency (TableName + Operation). */
  operations?: readonly string[];
  period?: number;
  /** Include the account-wide UserErrors (no dimension). Default true. */
  userErrors?: boolean;
}

/**
 * The MetricDataQueries for a table: its four capacity/throttle series, the same for each GSI, ThrottledRequests
 * (Sum) and SuccessfulRequestLatency (Average) per operation, and the account's UserErrors. No metric math: the
 * per-operation ThrottledRequests are summed by `timelineRows`, where a test can see it.
 */
export function tableMetricQueries(req: TableMetricsRequest): MetricDataQuery[] {
  const period = req.period ?? DEFAULT_PERIOD_SECONDS;
  const out: MetricDataQuery[] = [];
  for (const m of RESOURCE_METRICS) out.push(resourceMetricQuery(m, req.tableName, undefined, { period }));
  (req.indexNames ?? []).forEach((ix, i) => {
    for (const m of RESOURCE_METRICS)
      out.push(resourceMetricQuery(m, req.tableName, ix, { id: `${RESOURCE_ID[m]}_gsi${i}`, period }));
  });
  for (const op of req.operations ?? DATA_PLANE_OPERATIONS) {
    const dims = [
      { Name: 'TableName', Value: req.tableName },
      { Name: 'Operation', Value: op },
    ];
    out.push(
      metricStatQuery({
        id: `tr_${op.toLowerCase()}`,
        metricName: 'ThrottledRequests',
        dimensions: dims,
        stat: 'Sum',
        period,
        label: `ThrottledRequests (${op})`,
      }),
    );
    out.push(
      metricStatQuery({
        id: `lat_${op.toLowerCase()}`,
        metricName: 'SuccessfulRequestLatency',
        dimensions: dims,
        stat: 'Average',
        period,
        label: `SuccessfulRequestLatency (${op})`,
      }),
    );
  }
  if (req.userErrors !== false) {
    out.push(
      metricStatQuery({
        id: 'ue',
        metricName: 'UserErrors',
        dimensions: [],
        stat: 'Sum',
        period,
        label: 'UserErrors (account, this region)',
      }),
    );
  }
  return out;
}

/** What a MetricDataQuery must be for one DynamoDB metric: the name, the exact dimensions, the statistic, the period. */
export interface MetricQueryExpectation {
  metricName: string;
  /** Dimension name → value: all of them, and no others (CloudWatch matches the set exactly). */
  dimensions: Record<string, string>;
  stat?: string;
  /** Default 60: DynamoDB publishes one datapoint per minute, so a period must be a whole number of minutes. */
  period?: number;
}

/** Why a MetricDataQuery would not return the metric expected (empty list: it would). */
export function metricQueryProblems(query: MetricDataQuery | undefined, want: MetricQueryExpectation): string[] {
  if (!query || typeof query !== 'object') return ['the answer is not a MetricDataQuery object'];
  const problems: string[] = [];
  if (typeof query.Id !== 'string' || !METRIC_QUERY_ID_RE.test(query.Id)) {
    problems.push(`Id ${JSON.stringify(query.Id)} is not valid: a lowercase letter first, then letters, digits or _`);
  }
  if (query.Expression !== undefined) problems.push('use MetricStat (one metric), not an Expression');
  const stat = query.MetricStat;
  const metric = stat ? stat.Metric : undefined;
  if (!stat || !metric) return problems.concat(['MetricStat.Metric is missing']);
  if (metric.Namespace !== DYNAMODB_NAMESPACE)
    problems.push(`Namespace is ${JSON.stringify(metric.Namespace)}, DynamoDB's is "${DYNAMODB_NAMESPACE}"`);
  if (metric.MetricName !== want.metricName)
    problems.push(`MetricName is ${JSON.stringify(metric.MetricName)}, not "${want.metricName}"`);
  const got: Record<string, string> = {};
  for (const d of metric.Dimensions ?? []) got[String(d.Name)] = String(d.Value);
  for (const name of Object.keys(want.dimensions)) {
    if (got[name] === undefined) problems.push(`dimension ${name} is missing (CloudWatch matches the dimension set exactly)`);
    else if (got[name] !== want.dimensions[name])
      problems.push(`dimension ${name} is ${JSON.stringify(got[name])}, not "${want.dimensions[name]}"`);
  }
  for (const name of Object.keys(got)) {
    if (want.dimensions[name] === undefined)
      problems.push(`dimension ${name} is one too many: no ${want.metricName} series has it, so the query would return nothing`);
  }
  const wantStat = want.stat ?? 'Sum';
  if (stat.Stat !== wantStat) problems.push(`Stat is ${JSON.stringify(stat.Stat)}; events per period are a "${wantStat}"`);
  const period = want.period ?? DEFAULT_PERIOD_SECONDS;
  if (typeof stat.Period !== 'number' || stat.Period < 60 || stat.Period % 60 !== 0) {
    problems.push(`Period ${JSON.stringify(stat.Period)}: DynamoDB publishes per minute, use ${period} (or a multiple of 60)`);
  }
  if (query.ReturnData === false) problems.push('ReturnData is false: the query would be computed but not returned');
  return problems;
}

/** Start of the minute a time falls in. */
export function floorToMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 60000) * 60000);
}

/** The next whole minute (or this one, when `d` is on one). */
export function ceilToMinute(d: Date): Date {
  return new Date(Math.ceil(d.getTime() / 60000) * 60000);
}

/** The window `[now − minutes, now]` on whole minutes (CloudWatch rounds start times down to the minute anyway). */
export function metricWindow(minutes: number, now: Date): { StartTime: Date; EndTime: Date } {
  return { StartTime: floorToMinute(new Date(now.getTime() - minutes * 60000)), EndTime: ceilToMinute(now) };
}

/** The whole GetMetricData request for a table: the last `minutes` (default 15), oldest datapoint first. */
export function tableMetricsInput(req: TableMetricsRequest & { minutes?: number; now?: Date }): GetMetricDataCommandInput {
  const { StartTime, EndTime } = metricWindow(req.minutes ?? DEFAULT_WINDOW_MINUTES, req.now ?? new Date());
  return { MetricDataQueries: tableMetricQueries(req), StartTime, EndTime, ScanBy: 'TimestampAscending' };
}
