// DynamoDB's metrics on AWS: CloudWatch GetMetricData and Contributor Insights, as pure request builders and result
// parsers (tested offline: tests/unit/metrics-cloudwatch.test.ts) with the I/O at the edges. The same charts as the
// local recorder's (src/observe/metrics.ts), under the same names.
//
// What AWS publishes (namespace AWS/DynamoDB, one datapoint per minute, visible a few minutes late):
//   TableName                           ConsumedRead/WriteCapacityUnits, Read/WriteThrottleEvents (the table alone)
//   TableName + GlobalSecondaryIndexName  the same four, for one GSI (the table's series exclude its GSIs)
//   TableName + Operation               ThrottledRequests, SuccessfulRequestLatency, SystemErrors, ReturnedItemCount
//   (no dimension)                      UserErrors: the whole account in the region, every table together
// A query whose dimensions do not match a published set exactly returns no datapoints (not an error).
//
// Contributor Insights (UpdateContributorInsights on the DynamoDB API) creates managed CloudWatch rules named
// DynamoDBContributorInsights-<PKC|PKT|SKC|SKT>-<table or index>-<creation ms>: PKC/SKC rank keys by
// ConsumedThroughputUnits = 3 × WCU + RCU ("most accessed"), PKT/SKT by ThrottleCount ("most throttled");
// SK* rules exist when the table (or index) has a sort key. DescribeContributorInsights lists the rule names;
// CloudWatch's GetInsightRuleReport reads a rule's top contributors (MaxContributorCount 1 to 100, default 10).
//

import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetInsightRuleReportCommand,
  type GetInsightRuleReportCommandInput,
  type GetInsightRuleReportCommandOutput,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeContributorInsightsCommand,
  type DescribeContributorInsightsCommandInput,
  type DescribeContributorInsightsCommandOutput,
  type DynamoDBClient,
  UpdateContributorInsightsCommand,
  type UpdateContributorInsightsCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { MetricRow } from './charts';
import { REQUEST_DEADLINE, addErrorTranslation, awsCredentials } from '../aws';
import type { WorkshopConfig } from '../config';
import { WorkshopError } from '../errors';
import type { ContributorMetricName, TopKeyBar } from './metrics';
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

// ---------------------------------------------------------------------------------------------------------------
// Contributor Insights

export type ContributorInsightsMode = 'ACCESSED_AND_THROTTLED_KEYS' | 'THROTTLED_KEYS';

/** UpdateContributorInsights: enable (default) or disable, for the table or one GSI. */
export function contributorInsightsUpdateInput(req: {
  tableName: string;
  indexName?: string;
  enable?: boolean;
  mode?: ContributorInsightsMode;
}): UpdateContributorInsightsCommandInput {
  const input: UpdateContributorInsightsCommandInput = {
    TableName: req.tableName,
    ContributorInsightsAction: req.enable === false ? 'DISABLE' : 'ENABLE',
  };
  if (req.indexName !== undefined) input.IndexName = req.indexName;
  if (req.enable !== false) input.ContributorInsightsMode = req.mode ?? 'ACCESSED_AND_THROTTLED_KEYS';
  return input;
}

export function contributorInsightsDescribeInput(req: {
  tableName: string;
  indexName?: string;
}): DescribeContributorInsightsCommandInput {
  const input: DescribeContributorInsightsCommandInput = { TableName: req.tableName };
  if (req.indexName !== undefined) input.IndexName = req.indexName;
  return input;
}

/** PKC / SKC: most accessed (partition key / partition + sort key); PKT / SKT: most throttled. */
export type ContributorRuleKind = 'PKC' | 'PKT' | 'SKC' | 'SKT';

export const CONTRIBUTOR_RULE_KINDS: Record<ContributorRuleKind, { title: string; metric: ContributorMetricName }> = {
  PKC: { title: 'Most accessed partition keys', metric: 'ConsumedThroughputUnits' },
  PKT: { title: 'Most throttled partition keys', metric: 'ThrottleCount' },
  SKC: { title: 'Most accessed keys (partition + sort key)', metric: 'ConsumedThroughputUnits' },
  SKT: { title: 'Most throttled keys (partition + sort key)', metric: 'ThrottleCount' },
};

/** `DynamoDBContributorInsights-PKC-ws-att-1-1700000000000` → { kind: 'PKC', resource: 'ws-att-1', createdMs }. */
export function parseContributorRuleName(
  name: string,
): { kind: ContributorRuleKind; resource: string; createdMs: number } | undefined {
  const m = /^DynamoDBContributorInsights-(PKC|PKT|SKC|SKT)-(.+)-(\d+)$/.exec(name);
  if (!m) return undefined;
  return { kind: m[1] as ContributorRuleKind, resource: m[2], createdMs: Number(m[3]) };
}

export interface ContributorInsightsState {
  tableName?: string;
  indexName?: string;
  status: string;
  mode?: string;
  /** Rule names by kind (the newest when several). */
  rules: Partial<Record<ContributorRuleKind, string>>;
  failure?: string;
}

/** DescribeContributorInsights → its status and rule names by kind. */
export function contributorInsightsState(
  out: Omit<DescribeContributorInsightsCommandOutput, '$metadata'>,
): ContributorInsightsState {
  const rules: Partial<Record<ContributorRuleKind, string>> = {};
  const created: Partial<Record<ContributorRuleKind, number>> = {};
  for (const name of out.ContributorInsightsRuleList ?? []) {
    const p = parseContributorRuleName(name);
    if (!p) continue;
    if (created[p.kind] === undefined || p.createdMs > (created[p.kind] as number)) {
      rules[p.kind] = name;
      created[p.kind] = p.createdMs;
    }
  }
  const state: ContributorInsightsState = { status: out.ContributorInsightsStatus ?? 'UNKNOWN', rules };
  if (out.TableName !== undefined) state.tableName = out.TableName;
  if (out.IndexName !== undefined) state.indexName = out.IndexName;
  const mode = (out as { ContributorInsightsMode?: string }).ContributorInsightsMode;
  if (mode !== undefined) state.mode = mode;
  if (out.FailureException)
    state.failure = `${out.FailureException.ExceptionName ?? ''}: ${out.FailureException.ExceptionDescription ?? ''}`;
  return state;
}

/** GetInsightRuleReport's MaxContributorCount: "The range is 1 to 100" (CloudWatch API reference; default 10). */
export const MAX_CONTRIBUTORS = 100;

/** GetInsightRuleReport for one rule: the top contributors over the last `minutes`, ranked by their Sum. */
export function insightRuleReportInput(req: {
  ruleName: string;
  minutes?: number;
  now?: Date;
  period?: number;
  maxContributors?: number;
}): GetInsightRuleReportCommandInput {
  const max = req.maxContributors ?? 10;
  if (!Number.isInteger(max) || max < 1 || max > MAX_CONTRIBUTORS) {
    throw new WorkshopError(
      'CONTRIBUTOR_COUNT',
      `maxContributors ${max} is out of range: GetInsightRuleReport returns 1 to ${MAX_CONTRIBUTORS} contributors.`,
      'ask for 1 to 100 (10 is the default)',
    );
  }
  const { StartTime, EndTime } = metricWindow(req.minutes ?? DEFAULT_WINDOW_MINUTES, req.now ?? new Date());
  return {
    RuleName: req.ruleName,
    StartTime,
    EndTime,
    Period: req.period ?? DEFAULT_PERIOD_SECONDS,
    MaxContributorCount: max,
    Metrics: ['UniqueContributors', 'MaxContributorValue', 'Sum'],
    OrderBy: 'Sum',
  };
}

/** GetInsightRuleReport → bars for topKeysChart: one per contributor (its key values joined), largest first. */
export function parseInsightRuleReport(out: Pick<GetInsightRuleReportCommandOutput, 'Contributors' | 'KeyLabels'>): TopKeyBar[] {
  const rows = (out.Contributors ?? []).map((c) => ({
    key: (c.Keys ?? []).join(' | '),
    value: c.ApproximateAggregateValue ?? 0,
  }));
  return rows.sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------------------------
// I/O

/**
 * Runs one AWS call; an access denial becomes a WorkshopError naming the IAM action the workshop role lacks
 * (CloudWatch and Contributor Insights need permissions beyond the table's own).
 */
export async function explainAccess<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const name = (err as { name?: string } | undefined)?.name ?? '';
    if (/AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name)) {
      throw new WorkshopError(
        'CLOUDWATCH_ACCESS_DENIED',
        `AWS denied ${action}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        `the workshop role needs ${action}: ask the instructor to add it to the permission set`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** A CloudWatch client for the aws target, with the workshop's SSO credentials (and their error messages). */
export function createCloudWatchClient(config: WorkshopConfig, extra: Partial<CloudWatchClientConfig> = {}): CloudWatchClient {
  if (config.target !== 'aws') {
    throw new WorkshopError(
      'CLOUDWATCH_LOCAL',
      'CloudWatch exists only on AWS: DynamoDB Local publishes no metrics.',
      'on the local target use the metrics recorder (attachRecorder); or export WORKSHOP_TARGET=aws',
    );
  }
  const endpoint = config.awsEndpoints?.cloudwatch;
  const cw = new CloudWatchClient({
    region: config.region,
    credentials: awsCredentials(config),
    requestHandler: REQUEST_DEADLINE,
    ...(endpoint ? { endpoint } : {}),
    ...extra,
  });
  addErrorTranslation(cw.middlewareStack, { ...config, service: 'CloudWatch', endpoint });
  return cw;
}

export interface FetchedMetrics {
  input: GetMetricDataCommandInput;
  series: MetricSeries[];
  /** No series holds a datapoint yet. */
  empty: boolean;
  /** NO_DATAPOINTS_MESSAGE when empty. */
  message?: string;
}

/** Sends GetMetricData (following NextToken) and parses the answer. */
export async function fetchTableMetrics(
  cw: Pick<CloudWatchClient, 'send'>,
  req: TableMetricsRequest & { minutes?: number; now?: Date },
): Promise<FetchedMetrics> {
  const input = tableMetricsInput(req);
  const pages: GetMetricDataCommandOutput[] = [];
  let token: string | undefined;
  do {
    const next = token;
    const page = (await explainAccess('cloudwatch:GetMetricData', () =>
      cw.send(new GetMetricDataCommand({ ...input, NextToken: next })),
    )) as GetMetricDataCommandOutput;
    pages.push(page);
    token = page.NextToken;
  } while (token);
  const series = parseMetricData(pages, input.MetricDataQueries ?? []);
  const empty = !hasDatapoints(series);
  return empty ? { input, series, empty, message: NO_DATAPOINTS_MESSAGE } : { input, series, empty };
}

/** The state of Contributor Insights on the table (or a GSI), an AccessDenied explained. */
export async function describeContributorInsights(
  ddb: Pick<DynamoDBClient, 'send'>,
  req: { tableName: string; indexName?: string },
): Promise<ContributorInsightsState> {
  return contributorInsightsState(
    (await explainAccess('dynamodb:DescribeContributorInsights', () =>
      ddb.send(new DescribeContributorInsightsCommand(contributorInsightsDescribeInput(req))),
    )) as DescribeContributorInsightsCommandOutput,
  );
}

/** Enables Contributor Insights on the table (or a GSI) unless it is already on; returns the state it is in. */
export async function enableContributorInsights(
  ddb: Pick<DynamoDBClient, 'send'>,
  req: { tableName: string; indexName?: string; mode?: ContributorInsightsMode },
): Promise<ContributorInsightsState> {
  const describe = () => describeContributorInsights(ddb, req);
  const before = await describe();
  const wanted = req.mode ?? 'ACCESSED_AND_THROTTLED_KEYS';
  if ((before.status === 'ENABLED' || before.status === 'ENABLING') && (before.mode === undefined || before.mode === wanted))
    return before;
  await explainAccess('dynamodb:UpdateContributorInsights', () =>
    ddb.send(new UpdateContributorInsightsCommand(contributorInsightsUpdateInput({ ...req, enable: true, mode: wanted }))),
  );
  return describe();
}

/** Turns Contributor Insights off again (it is billed per event while on): for the cleanup. */
export async function disableContributorInsights(
  ddb: Pick<DynamoDBClient, 'send'>,
  req: { tableName: string; indexName?: string },
): Promise<ContributorInsightsState> {
  const describe = () => describeContributorInsights(ddb, req);
  const before = await describe();
  if (before.status === 'DISABLED' || before.status === 'DISABLING') return before;
  await explainAccess('dynamodb:UpdateContributorInsights', () =>
    ddb.send(new UpdateContributorInsightsCommand(contributorInsightsUpdateInput({ ...req, enable: false }))),
  );
  return describe();
}

export interface TopKeysReport {
  ruleName?: string;
  kind: ContributorRuleKind;
  metric: ContributorMetricName;
  rows: TopKeyBar[];
  /** Why there are no rows (not enabled yet, no data yet). */
  message?: string;
}

/** The top keys of one of the table's (or GSI's) Contributor Insights rules. */
export async function readTopKeys(
  cw: Pick<CloudWatchClient, 'send'>,
  ddb: Pick<DynamoDBClient, 'send'>,
  req: {
    tableName: string;
    indexName?: string;
    kind?: ContributorRuleKind;
    minutes?: number;
    now?: Date;
    maxContributors?: number;
  },
): Promise<TopKeysReport> {
  const kind = req.kind ?? 'PKC';
  const metric = CONTRIBUTOR_RULE_KINDS[kind].metric;
  const state = contributorInsightsState(
    (await explainAccess('dynamodb:DescribeContributorInsights', () =>
      ddb.send(new DescribeContributorInsightsCommand(contributorInsightsDescribeInput(req))),
    )) as DescribeContributorInsightsCommandOutput,
  );
  const ruleName = state.rules[kind];
  const where = req.indexName ? `${req.tableName} / ${req.indexName}` : req.tableName;
  if (!ruleName) {
    return {
      kind,
      metric,
      rows: [],
      message: `no ${kind} rule for ${where} (Contributor Insights is ${state.status}${state.failure ? `: ${state.failure}` : ''}); enable it and re-run this cell in 2–3 minutes`,
    };
  }
  const out = (await explainAccess('cloudwatch:GetInsightRuleReport', () =>
    cw.send(
      new GetInsightRuleReportCommand(
        insightRuleReportInput({ ruleName, minutes: req.minutes, now: req.now, maxContributors: req.maxContributors }),
      ),
    ),
  )) as GetInsightRuleReportCommandOutput;
  const rows = parseInsightRuleReport(out);
  return rows.length > 0
    ? { ruleName, kind, metric, rows }
    : {
        ruleName,
        kind,
        metric,
        rows,
        message: `no contributors yet for ${ruleName}: Contributor Insights publishes every minute; re-run this cell in 2–3 minutes`,
      };
}
