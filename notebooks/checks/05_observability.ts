// The check behind 05_observability.ipynb's checkpoint: the hottest key and its reason are compared with what the
// recorder saw, the CloudWatch query with the series a GSI's WriteThrottleEvents is published under.
import { metricQueryProblems } from '../workshop/observe/cloudwatch';
import type { MetricsRecorder } from '../workshop/observe/metrics';
import type { ObservabilityAnswer } from '../solutions/05_observability';

export function checkObservabilityAnswer(
  rec: MetricsRecorder,
  tableName: string,
  indexName: string,
  a: ObservabilityAnswer,
): string[] {
  const problems: string[] = [];
  const throttled = rec.topKeys({ by: 'throttled', n: 1 })[0];
  const accessed = rec.topKeys({ by: 'accessed', n: 1 })[0];
  const wantKey = throttled ? throttled.partitionKey : accessed ? accessed.partitionKey : '';
  if (a.hottestKey !== wantKey) {
    problems.push(
      `hottestKey ${JSON.stringify(a.hottestKey)} is not the key with the most throttle events (see rec.topKeys({ by: 'throttled' }))`,
    );
  } else if (a.reason !== (throttled ? throttled.topReason : 'none')) {
    problems.push(`reason ${JSON.stringify(a.reason)} is not the reason reported most often for ${wantKey} (its topReason)`);
  }
  return problems.concat(
    metricQueryProblems(a.gsiWriteThrottles, {
      metricName: 'WriteThrottleEvents',
      dimensions: { TableName: tableName, GlobalSecondaryIndexName: indexName },
      stat: 'Sum',
      period: 60,
    }),
  );
}
