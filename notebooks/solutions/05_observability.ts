// Reference answer for 05_observability.ipynb's checkpoint. Try your own first!
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricsRecorder } from '../workshop/observe/metrics';

export interface ObservabilityAnswer {
  /** The partition key with the most throttle events (if nothing was throttled: the most accessed key). */
  hottestKey: string;
  /** The ThrottlingReason DynamoDB reported most often for that key ('none' if it was not throttled). */
  reason: string;
  /** The GetMetricData query for WriteThrottleEvents of the table's GSI, per minute. */
  gsiWriteThrottles: MetricDataQuery;
}

export function observabilityAnswer(rec: MetricsRecorder, tableName: string, indexName: string): ObservabilityAnswer {
  // Contributor Insights' two views, from the recorder: "most throttled" (ThrottleCount) and "most accessed".
  const throttled = rec.topKeys({ by: 'throttled', n: 1 })[0];
  const accessed = rec.topKeys({ by: 'accessed', n: 1 })[0];
  return {
    hottestKey: throttled ? throttled.partitionKey : accessed ? accessed.partitionKey : '',
    reason: throttled ? throttled.topReason : 'none',
    // A GSI's series carry BOTH dimensions; the TableName-only series is the table's alone (GSIs excluded).
    gsiWriteThrottles: {
      Id: 'gsi_wte',
      Label: `WriteThrottleEvents (${indexName})`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/DynamoDB',
          MetricName: 'WriteThrottleEvents',
          Dimensions: [
            { Name: 'TableName', Value: tableName },
            { Name: 'GlobalSecondaryIndexName', Value: indexName },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      },
    },
  };
}
