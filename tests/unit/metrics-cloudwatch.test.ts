// The aws path, offline: the exact GetMetricData / Contributor Insights requests the workshop sends, and how their
// answers become chart rows. No AWS account is used; the I/O functions are driven by a recording fake `send`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetInsightRuleReportCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeContributorInsightsCommand, UpdateContributorInsightsCommand } from '@aws-sdk/client-dynamodb';
import { compileChart } from '../../src/observe/charts';
import { loadConfig } from '../../src/config';
import {
  CONTRIBUTOR_RULE_KINDS,
  DATA_PLANE_OPERATIONS,
  METRIC_QUERY_ID_RE,
  NO_DATAPOINTS_MESSAGE,
  contributorInsightsDescribeInput,
  contributorInsightsState,
  contributorInsightsUpdateInput,
  createCloudWatchClient,
  disableContributorInsights,
  enableContributorInsights,
  explainAccess,
  fetchTableMetrics,
  hasDatapoints,
  insightRuleReportInput,
  metricQueryProblems,
  metricWindow,
  parseContributorRuleName,
  parseInsightRuleReport,
  parseMetricData,
  readTopKeys,
  resourceMetricQuery,
  seriesTotals,
  tableMetricQueries,
  tableMetricsInput,
  timelineRows,
} from '../../src/observe/cloudwatch';
import { consumedCapacityChart, throttleEventsChart, topKeysChart } from '../../src/observe/metrics';

const TABLE = 'ws-att-037';
const NOW = new Date('2025-09-28T12:34:56.789Z');

test('the query for WriteThrottleEvents of a GSI: exact shape (TableName + GlobalSecondaryIndexName, Sum, 60 s)', () => {
  assert.deepEqual(resourceMetricQuery('WriteThrottleEvents', TABLE, 'GSI1_Status'), {
    Id: 'wte_gsi',
    Label: 'WriteThrottleEvents (GSI1_Status)',
    MetricStat: {
      Metric: {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'WriteThrottleEvents',
        Dimensions: [
          { Name: 'TableName', Value: TABLE },
          { Name: 'GlobalSecondaryIndexName', Value: 'GSI1_Status' },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: true,
  });
  assert.deepEqual(resourceMetricQuery('ConsumedReadCapacityUnits', TABLE).MetricStat!.Metric!.Dimensions, [
    { Name: 'TableName', Value: TABLE },
  ]);
  assert.throws(
    () => resourceMetricQuery('ReadThrottleEvents', TABLE, 'GSI1', { id: 'GSI-1' }),
    /not a valid GetMetricData query Id/,
  );
});

test('tableMetricQueries: table series, per-GSI series, per-operation series, account UserErrors — exact list', () => {
  const qs = tableMetricQueries({ tableName: TABLE, indexNames: ['GSI1_Status'], operations: ['PutItem', 'Query'] });
  const summary = qs.map((q) => [
    q.Id,
    q.MetricStat!.Metric!.MetricName,
    q.MetricStat!.Metric!.Dimensions!.map((d) => `${d.Name}=${d.Value}`).join(','),
    q.MetricStat!.Stat,
    q.MetricStat!.Period,
    q.Label,
    q.ReturnData,
  ]);
  const t = `TableName=${TABLE}`;
  const g = `${t},GlobalSecondaryIndexName=GSI1_Status`;
  assert.deepEqual(summary, [
    ['crcu', 'ConsumedReadCapacityUnits', t, 'Sum', 60, 'ConsumedReadCapacityUnits', true],
    ['cwcu', 'ConsumedWriteCapacityUnits', t, 'Sum', 60, 'ConsumedWriteCapacityUnits', true],
    ['rte', 'ReadThrottleEvents', t, 'Sum', 60, 'ReadThrottleEvents', true],
    ['wte', 'WriteThrottleEvents', t, 'Sum', 60, 'WriteThrottleEvents', true],
    ['crcu_gsi0', 'ConsumedReadCapacityUnits', g, 'Sum', 60, 'ConsumedReadCapacityUnits (GSI1_Status)', true],
    ['cwcu_gsi0', 'ConsumedWriteCapacityUnits', g, 'Sum', 60, 'ConsumedWriteCapacityUnits (GSI1_Status)', true],
    ['rte_gsi0', 'ReadThrottleEvents', g, 'Sum', 60, 'ReadThrottleEvents (GSI1_Status)', true],
    ['wte_gsi0', 'WriteThrottleEvents', g, 'Sum', 60, 'WriteThrottleEvents (GSI1_Status)', true],
    ['tr_putitem', 'ThrottledRequests', `${t},Operation=PutItem`, 'Sum', 60, 'ThrottledRequests (PutItem)', true],
    [
      'lat_putitem',
      'SuccessfulRequestLatency',
      `${t},Operation=PutItem`,
      'Average',
      60,
      'SuccessfulRequestLatency (PutItem)',
      true,
    ],
    ['tr_query', 'ThrottledRequests', `${t},Operation=Query`, 'Sum', 60, 'ThrottledRequests (Query)', true],
    ['lat_query', 'SuccessfulRequestLatency', `${t},Operation=Query`, 'Average', 60, 'SuccessfulRequestLatency (Query)', true],
    ['ue', 'UserErrors', '', 'Sum', 60, 'UserErrors (account, this region)', true],
  ]);
  assert.ok(qs.every((q) => q.MetricStat!.Metric!.Namespace === 'AWS/DynamoDB'));
  // Defaults: every data-plane operation, ids valid and unique, well under GetMetricData's 500 queries.
  const all = tableMetricQueries({ tableName: TABLE, indexNames: ['a-b.c', 'GSI2'] });
  assert.equal(all.length, 4 + 8 + 2 * DATA_PLANE_OPERATIONS.length + 1);
  assert.equal(new Set(all.map((q) => q.Id)).size, all.length);
  assert.ok(
    all.every((q) => METRIC_QUERY_ID_RE.test(q.Id!)),
    'index names with - and . do not leak into ids',
  );
  assert.equal(tableMetricQueries({ tableName: TABLE, operations: [], userErrors: false }).length, 4);
});

test('tableMetricsInput: the last N minutes on whole minutes, oldest first', () => {
  const input = tableMetricsInput({ tableName: TABLE, operations: [], minutes: 15, now: NOW });
  assert.equal(input.StartTime!.toISOString(), '2025-09-28T12:19:00.000Z');
  assert.equal(input.EndTime!.toISOString(), '2025-09-28T12:35:00.000Z');
  assert.equal(input.ScanBy, 'TimestampAscending');
  assert.equal(input.MetricDataQueries!.length, 5);
  const onMinute = metricWindow(10, new Date('2025-09-28T12:00:00.000Z'));
  assert.deepEqual(
    [onMinute.StartTime.toISOString(), onMinute.EndTime.toISOString()],
    ['2025-09-28T11:50:00.000Z', '2025-09-28T12:00:00.000Z'],
  );
});

const queries = tableMetricQueries({ tableName: TABLE, indexNames: ['GSI1'], operations: ['PutItem', 'BatchWriteItem'] });
const at = (m: number) => new Date(Date.UTC(2025, 8, 28, 12, m, 0));

test('parseMetricData: pages merged by Id, points sorted, dimensions restored; status and messages kept', () => {
  const page1 = {
    MetricDataResults: [
      {
        Id: 'cwcu',
        Label: 'ConsumedWriteCapacityUnits',
        Timestamps: [at(2), at(1)],
        Values: [30, 12],
        StatusCode: 'PartialData' as const,
      },
      {
        Id: 'tr_putitem',
        Label: 'ThrottledRequests (PutItem)',
        Timestamps: [at(1)],
        Values: [2],
        StatusCode: 'Complete' as const,
      },
    ],
  };
  const page2 = {
    MetricDataResults: [
      { Id: 'cwcu', Label: 'ConsumedWriteCapacityUnits', Timestamps: [at(3)], Values: [5], StatusCode: 'Complete' as const },
      {
        Id: 'tr_batchwriteitem',
        Label: 'ThrottledRequests (BatchWriteItem)',
        Timestamps: [at(1), at(2)],
        Values: [1, 4],
        StatusCode: 'Complete' as const,
      },
      {
        Id: 'wte_gsi0',
        Label: 'WriteThrottleEvents (GSI1)',
        Timestamps: [at(2)],
        Values: [7],
        StatusCode: 'Complete' as const,
        Messages: [{ Code: 'ArithmeticError', Value: 'x' }],
      },
    ],
  };
  const series = parseMetricData([page1, page2], queries);
  const cwcu = series.find((s) => s.id === 'cwcu')!;
  assert.deepEqual(cwcu.points, [
    { t: '2025-09-28T12:01:00.000Z', value: 12 },
    { t: '2025-09-28T12:02:00.000Z', value: 30 },
    { t: '2025-09-28T12:03:00.000Z', value: 5 },
  ]);
  assert.equal(cwcu.statusCode, 'Complete');
  assert.equal(cwcu.tableName, TABLE);
  assert.equal(cwcu.indexName, undefined);
  const wteGsi = series.find((s) => s.id === 'wte_gsi0')!;
  assert.deepEqual(
    [wteGsi.metricName, wteGsi.indexName, wteGsi.messages],
    ['WriteThrottleEvents', 'GSI1', ['ArithmeticError: x']],
  );
  const tr = series.find((s) => s.id === 'tr_putitem')!;
  assert.deepEqual([tr.metricName, tr.operation, tr.stat], ['ThrottledRequests', 'PutItem', 'Sum']);
  assert.equal(series.length, queries.length, 'one series per query, with or without datapoints');
  assert.equal(hasDatapoints(series), true);

  // Table view: the table's own series; ThrottledRequests of every operation summed per minute.
  const rows = timelineRows(series, { metrics: ['ConsumedWriteCapacityUnits', 'WriteThrottleEvents', 'ThrottledRequests'] });
  assert.deepEqual(rows, [
    { t: '2025-09-28T12:01:00.000Z', metric: 'ConsumedWriteCapacityUnits', value: 12 },
    { t: '2025-09-28T12:02:00.000Z', metric: 'ConsumedWriteCapacityUnits', value: 30 },
    { t: '2025-09-28T12:03:00.000Z', metric: 'ConsumedWriteCapacityUnits', value: 5 },
    { t: '2025-09-28T12:01:00.000Z', metric: 'ThrottledRequests', value: 3 },
    { t: '2025-09-28T12:02:00.000Z', metric: 'ThrottledRequests', value: 4 },
  ]);
  // One GSI's view, and everything labelled by resource.
  assert.deepEqual(timelineRows(series, { indexName: 'GSI1' }), [
    { t: '2025-09-28T12:02:00.000Z', metric: 'WriteThrottleEvents', value: 7 },
  ]);
  assert.ok(timelineRows(series, { indexName: null }).some((r) => r.metric === 'WriteThrottleEvents (GSI1)'));
  assert.deepEqual(
    seriesTotals(series).find((s) => s.series === 'ConsumedWriteCapacityUnits'),
    {
      series: 'ConsumedWriteCapacityUnits',
      stat: 'Sum',
      datapoints: 3,
      total: 47,
      max: 30,
    },
  );
  // The rows feed the same charts as the recorder's, with a time axis.
  for (const spec of [consumedCapacityChart(rows.filter((r) => r.metric.startsWith('Consumed'))), throttleEventsChart(rows)]) {
    assert.deepEqual(compileChart(spec).warnings, []);
    assert.equal((spec as any).encoding.x.type, 'temporal');
  }
});

test('no datapoints yet: empty results say so in the words attendees see', async () => {
  const series = parseMetricData(
    {
      MetricDataResults: queries.map((q) => ({
        Id: q.Id,
        Label: q.Label,
        Timestamps: [],
        Values: [],
        StatusCode: 'Complete' as const,
      })),
    },
    queries,
  );
  assert.equal(hasDatapoints(series), false);
  assert.deepEqual(timelineRows(series), []);
  assert.equal(
    NO_DATAPOINTS_MESSAGE,
    'no datapoints yet: CloudWatch publishes DynamoDB metrics every minute; re-run this cell in 2–3 minutes',
  );
  const sent: unknown[] = [];
  const cw = {
    send: async (cmd: unknown) => {
      sent.push(cmd);
      return { MetricDataResults: [], $metadata: {} };
    },
  };
  const out = await fetchTableMetrics(cw as never, { tableName: TABLE, minutes: 5, now: NOW, operations: ['Query'] });
  assert.equal(out.empty, true);
  assert.equal(out.message, NO_DATAPOINTS_MESSAGE);
  assert.equal(sent.length, 1);
  assert.ok(sent[0] instanceof GetMetricDataCommand);
});

test('fetchTableMetrics follows NextToken and merges the pages', async () => {
  const tokens: (string | undefined)[] = [];
  const pages = [
    { MetricDataResults: [{ Id: 'crcu', Timestamps: [at(1)], Values: [1] }], NextToken: 'p2' },
    { MetricDataResults: [{ Id: 'crcu', Timestamps: [at(2)], Values: [2] }] },
  ];
  const cw = {
    send: async (cmd: GetMetricDataCommand) => {
      tokens.push(cmd.input.NextToken);
      return { ...pages.shift(), $metadata: {} };
    },
  };
  const out = await fetchTableMetrics(cw as never, { tableName: TABLE, operations: [], now: NOW });
  assert.deepEqual(tokens, [undefined, 'p2']);
  assert.equal(out.empty, false);
  assert.equal(out.message, undefined);
  assert.deepEqual(
    out.series.find((s) => s.id === 'crcu')!.points.map((p) => p.value),
    [1, 2],
  );
});

test('Contributor Insights requests: enable / disable for the table or a GSI, describe', () => {
  assert.deepEqual(contributorInsightsUpdateInput({ tableName: TABLE }), {
    TableName: TABLE,
    ContributorInsightsAction: 'ENABLE',
    ContributorInsightsMode: 'ACCESSED_AND_THROTTLED_KEYS',
  });
  assert.deepEqual(contributorInsightsUpdateInput({ tableName: TABLE, indexName: 'GSI1', mode: 'THROTTLED_KEYS' }), {
    TableName: TABLE,
    ContributorInsightsAction: 'ENABLE',
    IndexName: 'GSI1',
    ContributorInsightsMode: 'THROTTLED_KEYS',
  });
  assert.deepEqual(contributorInsightsUpdateInput({ tableName: TABLE, enable: false }), {
    TableName: TABLE,
    ContributorInsightsAction: 'DISABLE',
  });
  assert.deepEqual(contributorInsightsDescribeInput({ tableName: TABLE, indexName: 'GSI1' }), {
    TableName: TABLE,
    IndexName: 'GSI1',
  });
});

test('rule names: kinds parsed (table and index names with dashes), newest rule per kind kept', () => {
  assert.deepEqual(parseContributorRuleName(`DynamoDBContributorInsights-PKC-${TABLE}-1576629651520`), {
    kind: 'PKC',
    resource: TABLE,
    createdMs: 1576629651520,
  });
  assert.deepEqual(parseContributorRuleName('DynamoDBContributorInsights-SKT-my-table-GSI1_Status-1618028180292'), {
    kind: 'SKT',
    resource: 'my-table-GSI1_Status',
    createdMs: 1618028180292,
  });
  assert.equal(parseContributorRuleName('Rule-A'), undefined);
  const state = contributorInsightsState({
    TableName: TABLE,
    ContributorInsightsStatus: 'ENABLED',
    ContributorInsightsMode: 'ACCESSED_AND_THROTTLED_KEYS',
    ContributorInsightsRuleList: [
      `DynamoDBContributorInsights-PKC-${TABLE}-1000`,
      `DynamoDBContributorInsights-PKC-${TABLE}-2000`,
      `DynamoDBContributorInsights-PKT-${TABLE}-2000`,
      `DynamoDBContributorInsights-SKC-${TABLE}-2000`,
      `DynamoDBContributorInsights-SKT-${TABLE}-2000`,
    ],
  } as never);
  assert.deepEqual(state, {
    status: 'ENABLED',
    tableName: TABLE,
    mode: 'ACCESSED_AND_THROTTLED_KEYS',
    rules: {
      PKC: `DynamoDBContributorInsights-PKC-${TABLE}-2000`,
      PKT: `DynamoDBContributorInsights-PKT-${TABLE}-2000`,
      SKC: `DynamoDBContributorInsights-SKC-${TABLE}-2000`,
      SKT: `DynamoDBContributorInsights-SKT-${TABLE}-2000`,
    },
  });
  assert.equal(CONTRIBUTOR_RULE_KINDS.PKC.metric, 'ConsumedThroughputUnits');
  assert.equal(CONTRIBUTOR_RULE_KINDS.PKT.metric, 'ThrottleCount');
  assert.equal(
    contributorInsightsState({
      ContributorInsightsStatus: 'FAILED',
      FailureException: { ExceptionName: 'LimitExceededException', ExceptionDescription: 'too many rules' },
    }).failure,
    'LimitExceededException: too many rules',
  );
});

test('GetInsightRuleReport request and its answer as top-key bars', () => {
  assert.deepEqual(insightRuleReportInput({ ruleName: 'DynamoDBContributorInsights-PKT-t-1', minutes: 60, now: NOW }), {
    RuleName: 'DynamoDBContributorInsights-PKT-t-1',
    StartTime: new Date('2025-09-28T11:34:00.000Z'),
    EndTime: new Date('2025-09-28T12:35:00.000Z'),
    Period: 60,
    MaxContributorCount: 10,
    Metrics: ['UniqueContributors', 'MaxContributorValue', 'Sum'],
    OrderBy: 'Sum',
  });
  // CloudWatch's API reference: MaxContributorCount "The range is 1 to 100. If you omit this, the default of 10 is used."
  assert.equal(insightRuleReportInput({ ruleName: 'r', maxContributors: 100 }).MaxContributorCount, 100);
  assert.equal(insightRuleReportInput({ ruleName: 'r', maxContributors: 1 }).MaxContributorCount, 1);
  assert.throws(() => insightRuleReportInput({ ruleName: 'r', maxContributors: 101 }), /1 to 100 contributors/);
  assert.throws(() => insightRuleReportInput({ ruleName: 'r', maxContributors: 0 }), /1 to 100 contributors/);
  const bars = parseInsightRuleReport({
    KeyLabels: ['PK'],
    Contributors: [
      { Keys: ['TENANT#globex#EVENTS#S1'], ApproximateAggregateValue: 12, Datapoints: [] },
      { Keys: ['TENANT#acme#EVENTS'], ApproximateAggregateValue: 360, Datapoints: [] },
      { Keys: ['TENANT#acme#USER#1', 'ORDER#1'], ApproximateAggregateValue: 12, Datapoints: [] },
    ],
  });
  assert.deepEqual(bars, [
    { key: 'TENANT#acme#EVENTS', value: 360 },
    { key: 'TENANT#acme#USER#1 | ORDER#1', value: 12 },
    { key: 'TENANT#globex#EVENTS#S1', value: 12 },
  ]);
  assert.deepEqual(compileChart(topKeysChart(bars, { metric: 'ThrottleCount' })).warnings, []);
  assert.deepEqual(parseInsightRuleReport({}), []);
});

test('enableContributorInsights is idempotent; readTopKeys explains a missing rule and an empty report', async () => {
  const calls: string[] = [];
  let status = 'DISABLED';
  const rules: string[] = [];
  const ddb = {
    send: async (cmd: unknown) => {
      if (cmd instanceof DescribeContributorInsightsCommand) {
        calls.push('Describe');
        return { TableName: TABLE, ContributorInsightsStatus: status, ContributorInsightsRuleList: rules, $metadata: {} };
      }
      if (cmd instanceof UpdateContributorInsightsCommand) {
        calls.push(`Update:${cmd.input.ContributorInsightsAction}`);
        status = 'ENABLING';
        rules.push(`DynamoDBContributorInsights-PKC-${TABLE}-5`, `DynamoDBContributorInsights-PKT-${TABLE}-5`);
        return { $metadata: {} };
      }
      throw new Error('unexpected command');
    },
  };
  const cwSent: unknown[] = [];
  let contributors: unknown[] = [];
  const cw = {
    send: async (cmd: unknown) => {
      cwSent.push(cmd);
      return { Contributors: contributors, $metadata: {} };
    },
  };
  const none = await readTopKeys(cw as never, ddb as never, { tableName: TABLE, kind: 'PKT' });
  assert.deepEqual(none.rows, []);
  assert.match(none.message!, /no PKT rule for ws-att-037 \(Contributor Insights is DISABLED\)/);
  assert.equal(cwSent.length, 0);

  const first = await enableContributorInsights(ddb as never, { tableName: TABLE });
  assert.equal(first.status, 'ENABLING');
  await enableContributorInsights(ddb as never, { tableName: TABLE });
  assert.deepEqual(calls, ['Describe', 'Describe', 'Update:ENABLE', 'Describe', 'Describe'], 'enabled once');

  const empty = await readTopKeys(cw as never, ddb as never, { tableName: TABLE, kind: 'PKT', now: NOW });
  assert.equal(empty.ruleName, `DynamoDBContributorInsights-PKT-${TABLE}-5`);
  assert.match(empty.message!, /no contributors yet .* re-run this cell in 2–3 minutes/);
  assert.ok(cwSent[0] instanceof GetInsightRuleReportCommand);
  assert.equal((cwSent[0] as GetInsightRuleReportCommand).input.RuleName, `DynamoDBContributorInsights-PKT-${TABLE}-5`);

  contributors = [{ Keys: ['TENANT#acme#EVENTS'], ApproximateAggregateValue: 42 }];
  const full = await readTopKeys(cw as never, ddb as never, { tableName: TABLE, kind: 'PKT', now: NOW });
  assert.deepEqual(
    [full.metric, full.rows, full.message],
    ['ThrottleCount', [{ key: 'TENANT#acme#EVENTS', value: 42 }], undefined],
  );
});

test('createCloudWatchClient: refused on the local target, regional on aws (no request is sent)', async () => {
  assert.throws(() => createCloudWatchClient(loadConfig({ ATTENDEE_ID: '037' })), /CloudWatch exists only on AWS/);
  const cw = createCloudWatchClient(loadConfig({ ATTENDEE_ID: '037', WORKSHOP_TARGET: 'aws', AWS_REGION: 'eu-west-1' }));
  try {
    assert.equal(await cw.config.region(), 'eu-west-1');
  } finally {
    cw.destroy();
  }
});

test('metricQueryProblems: the exact query passes; each usual mistake is named', () => {
  const want = { metricName: 'WriteThrottleEvents', dimensions: { TableName: TABLE, GlobalSecondaryIndexName: 'GSI1' } };
  const good = resourceMetricQuery('WriteThrottleEvents', TABLE, 'GSI1');
  assert.deepEqual(metricQueryProblems(good, want), []);
  assert.deepEqual(
    metricQueryProblems({ ...good, MetricStat: { ...good.MetricStat!, Period: 300 } }, want),
    [],
    'five minutes is fine',
  );
  const m = good.MetricStat!.Metric!;
  const bad = (metric: object, rest: object = {}) =>
    metricQueryProblems(
      { ...good, ...rest, MetricStat: { ...good.MetricStat!, Metric: { ...m, ...metric }, ...((rest as any).stat ?? {}) } },
      want,
    );
  assert.match(bad({ Namespace: 'AWS/DynamoDb' }).join(), /Namespace .* DynamoDB's is "AWS\/DynamoDB"/);
  assert.match(bad({ MetricName: 'ThrottledRequests' }).join(), /MetricName is "ThrottledRequests", not "WriteThrottleEvents"/);
  assert.match(
    bad({ Dimensions: [{ Name: 'TableName', Value: TABLE }] }).join(),
    /dimension GlobalSecondaryIndexName is missing/,
  );
  assert.match(
    bad({ Dimensions: [...m.Dimensions!, { Name: 'Operation', Value: 'PutItem' }] }).join(),
    /dimension Operation is one too many/,
  );
  assert.match(
    bad({
      Dimensions: [
        { Name: 'TableName', Value: TABLE },
        { Name: 'GlobalSecondaryIndexName', Value: 'GSI2' },
      ],
    }).join(),
    /GlobalSecondaryIndexName is "GSI2", not "GSI1"/,
  );
  assert.match(
    metricQueryProblems({ ...good, MetricStat: { ...good.MetricStat!, Stat: 'Average' } }, want).join(),
    /Stat is "Average"/,
  );
  assert.match(metricQueryProblems({ ...good, MetricStat: { ...good.MetricStat!, Period: 30 } }, want).join(), /Period 30/);
  assert.match(metricQueryProblems({ ...good, Id: 'WTE' }, want).join(), /Id "WTE" is not valid/);
  assert.match(metricQueryProblems({ ...good, ReturnData: false }, want).join(), /ReturnData is false/);
  assert.deepEqual(metricQueryProblems({ Id: 'x' }, want), ['MetricStat.Metric is missing']);
  assert.deepEqual(metricQueryProblems(undefined, want), ['the answer is not a MetricDataQuery object']);
});

test('disableContributorInsights turns it off once', async () => {
  const calls: string[] = [];
  let status = 'ENABLED';
  const ddb = {
    send: async (cmd: unknown) => {
      if (cmd instanceof DescribeContributorInsightsCommand) {
        calls.push('Describe');
        return { ContributorInsightsStatus: status, $metadata: {} };
      }
      if (cmd instanceof UpdateContributorInsightsCommand) {
        calls.push(`Update:${JSON.stringify(cmd.input)}`);
        status = 'DISABLING';
        return { $metadata: {} };
      }
      throw new Error('unexpected');
    },
  };
  assert.equal((await disableContributorInsights(ddb as never, { tableName: TABLE })).status, 'DISABLING');
  await disableContributorInsights(ddb as never, { tableName: TABLE });
  assert.deepEqual(calls, [
    'Describe',
    `Update:${JSON.stringify({ TableName: TABLE, ContributorInsightsAction: 'DISABLE' })}`,
    'Describe',
    'Describe',
  ]);
});

test('an access denial names the IAM action the workshop role lacks; other errors pass through', async () => {
  const denied = Object.assign(
    new Error('User: arn:aws:sts::1:assumed-role/ws/037 is not authorized to perform: cloudwatch:GetMetricData'),
    { name: 'AccessDenied' },
  );
  const cw = {
    send: async () => {
      throw denied;
    },
  };
  await assert.rejects(
    fetchTableMetrics(cw as never, { tableName: TABLE, operations: [] }),
    (e: Error & { code?: string; cause?: unknown }) => {
      assert.equal(e.code, 'CLOUDWATCH_ACCESS_DENIED');
      assert.match(e.message, /AWS denied cloudwatch:GetMetricData/);
      assert.match(e.message, /the workshop role needs cloudwatch:GetMetricData/);
      assert.equal(e.cause, denied);
      return true;
    },
  );
  const other = Object.assign(new Error('boom'), { name: 'InternalServiceFault' });
  await assert.rejects(
    explainAccess('x:Y', async () => {
      throw other;
    }),
    (e) => e === other,
  );
  assert.equal(await explainAccess('x:Y', async () => 42), 42);
});
