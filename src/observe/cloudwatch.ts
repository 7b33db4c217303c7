// DynamoDB's metrics on AWS: CloudWatch GetMetricData and Contributor Insights, the same charts as the local recorder's
// (src/observe/metrics.ts), under the same names. The module notebooks import (`./workshop/observe/cloudwatch`); the code
// is in four files, one concern each:
//   cloudwatch-queries.ts    the GetMetricData queries (pure) and the check of an exercise's query
//   cloudwatch-series.ts     its answers → series → timeline rows and totals (pure)
//   cloudwatch-client.ts     the CloudWatch client, an AccessDenied explained, GetMetricData sent (I/O)
//   contributor-insights.ts  the top keys: UpdateContributorInsights, the rules' reports (pure, then I/O)

export {
  ceilToMinute,
  DATA_PLANE_OPERATIONS,
  DEFAULT_PERIOD_SECONDS,
  DEFAULT_WINDOW_MINUTES,
  type Dimension,
  DYNAMODB_NAMESPACE,
  floorToMinute,
  METRIC_QUERY_ID_RE,
  type MetricQueryExpectation,
  metricQueryProblems,
  metricStatQuery,
  metricWindow,
  NO_DATAPOINTS_MESSAGE,
  RESOURCE_METRICS,
  resourceDimensions,
  type ResourceMetricName,
  resourceMetricQuery,
  tableMetricQueries,
  tableMetricsInput,
  type TableMetricsRequest,
} from './cloudwatch-queries';
export {
  hasDatapoints,
  type MetricPoint,
  type MetricSeries,
  parseMetricData,
  seriesTotals,
  type TimelineOptions,
  timelineRows,
} from './cloudwatch-series';
export {
  createCloudWatchClient,
  explainAccess,
  type FetchedMetrics,
  fetchTableMetrics,
} from './cloudwatch-client';
export {
  CONTRIBUTOR_RULE_KINDS,
  contributorInsightsDescribeInput,
  type ContributorInsightsMode,
  contributorInsightsState,
  type ContributorInsightsState,
  contributorInsightsUpdateInput,
  type ContributorRuleKind,
  describeContributorInsights,
  disableContributorInsights,
  enableContributorInsights,
  insightRuleReportInput,
  MAX_CONTRIBUTORS,
  parseContributorRuleName,
  parseInsightRuleReport,
  readTopKeys,
  type TopKeysReport,
} from './contributor-insights';
