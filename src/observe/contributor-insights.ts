// Contributor Insights: the top keys of a table or GSI on AWS. Pure request builders and parsers, then the I/O.
//
// UpdateContributorInsights (on the DynamoDB API) creates managed CloudWatch rules named
// DynamoDBContributorInsights-<PKC|PKT|SKC|SKT>-<table or index>-<creation ms>: PKC/SKC rank keys by
// ConsumedThroughputUnits = 3 × WCU + RCU ("most accessed"), PKT/SKT by ThrottleCount ("most throttled");
// SK* rules exist when the table (or index) has a sort key. DescribeContributorInsights lists the rule names;
// CloudWatch's GetInsightRuleReport reads a rule's top contributors (MaxContributorCount 1 to 100, default 10).

import {
  type CloudWatchClient,
  GetInsightRuleReportCommand,
  type GetInsightRuleReportCommandInput,
  type GetInsightRuleReportCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeContributorInsightsCommand,
  type DescribeContributorInsightsCommandInput,
  type DescribeContributorInsightsCommandOutput,
  type DynamoDBClient,
  UpdateContributorInsightsCommand,
  type UpdateContributorInsightsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { WorkshopError } from '../errors';
import { explainAccess } from './cloudwatch-client';
import { DEFAULT_PERIOD_SECONDS, DEFAULT_WINDOW_MINUTES, metricWindow } from './cloudwatch-queries';
import type { ContributorMetricName, TopKeyBar } from './metrics';

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
