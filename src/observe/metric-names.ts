// CloudWatch's names for what the recorder aggregates, and the errors it counts as throttling (metrics.ts re-exports them).

import { DATA_PLANE_OPERATIONS, PARTIQL_OPERATIONS } from '../model/operations';

/** CloudWatch's names (namespace AWS/DynamoDB) for what the recorder aggregates. */
export const CLOUDWATCH_METRICS = [
  'ConsumedReadCapacityUnits',
  'ConsumedWriteCapacityUnits',
  'ReadThrottleEvents',
  'WriteThrottleEvents',
  'ThrottledRequests',
  'SuccessfulRequestLatency',
  'UserErrors',
] as const;
export type CloudWatchMetricName = (typeof CLOUDWATCH_METRICS)[number];

/** Contributor Insights' per-key measures: (3 × WCU) + RCU for "most accessed", throttle errors for "most throttled". */
export type ContributorMetricName = 'ConsumedThroughputUnits' | 'ThrottleCount';

/** Operations that accept ReturnConsumedCapacity: the data plane the recorder records. */
export const CAPACITY_OPERATIONS: readonly string[] = [...DATA_PLANE_OPERATIONS, ...PARTIQL_OPERATIONS];

export const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
export const BATCH_OPERATIONS = new Set(['BatchGetItem', 'BatchWriteItem']);

/** The errors CloudWatch counts as throttling (and Contributor Insights as ThrottleCount). */
export const THROTTLE_ERRORS: readonly string[] = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
];

/** The reason the recorder gives a throttle event that AWS reported without one. */
export const UNPROCESSED_ITEMS_REASON = 'UnprocessedItems (no reason returned)';
export const UNPROCESSED_KEYS_REASON = 'UnprocessedKeys (no reason returned)';

export function isThrottleError(name: string | undefined): boolean {
  return name !== undefined && THROTTLE_ERRORS.indexOf(name) >= 0;
}
