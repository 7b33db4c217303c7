// What the recorder keeps of one call: its record, its attempts and its throttle events (metrics.ts re-exports them).

import type { Kind } from '../model/partitions';
import { NO_TENANT } from '../tenancy/keys';

/** Consumed capacity of one call on one resource: a table (index undefined) or one of its GSIs. */
export interface CapacityUse {
  table: string;
  index?: string;
  readUnits: number;
  writeUnits: number;
}

/** What one call did to one partition key of one resource. */
export interface KeyUse {
  table: string;
  /** The GSI whose partition key this is; undefined for the table's own partition key. */
  index?: string;
  partitionKey: string;
  tenant?: string;
  /** Item events (a Query counts one, like Contributor Insights). */
  items: number;
  readUnits: number;
  writeUnits: number;
}

/** What one call consumed on behalf of one tenant (GSI units follow the item that caused them). */
export interface TenantUse {
  /** The TENANT#<tid># prefix of the item's partition key, or '(no tenant)'. */
  tenant: string;
  items: number;
  readUnits: number;
  writeUnits: number;
}

export { NO_TENANT };

export interface AttemptRecord {
  callId: number;
  operation: string;
  table?: string;
  /** 1 for the first try, 2 for the SDK's first retry, … */
  attempt: number;
  startMs: number;
  endMs: number;
  latencyMs: number;
  ok: boolean;
  errorName?: string;
  httpStatus?: number;
  throttled: boolean;
  /** HTTP 4xx that is neither a throttle nor a failed condition (CloudWatch's UserErrors). */
  userError: boolean;
  /** HTTP 5xx (CloudWatch's SystemErrors). */
  systemError: boolean;
  conditionalCheckFailed: boolean;
}

export interface ThrottleEvent {
  callId: number;
  operation: string;
  table: string;
  index?: string;
  kind: Kind;
  /** A ThrottlingReason (e.g. TableWriteKeyRangeThroughputExceeded), or the UnprocessedItems/Keys label. */
  reason: string;
  /** 'exception': an attempt failed with a throttling error; 'unprocessed': an item came back unprocessed. */
  source: 'exception' | 'unprocessed';
  partitionKey?: string;
  tenant?: string;
  attempt: number;
  tMs: number;
  /** Wall-clock second (Unix seconds). */
  second: number;
}

export type CapacityMode = 'INDEXES' | 'TOTAL' | 'NONE';

export interface CallRecord {
  id: number;
  operation: string;
  /** The first table the call names (most calls name one). */
  table?: string;
  tables: string[];
  /** IndexName of a Query / Scan. */
  index?: string;
  /** GSIs that reported consumed capacity. */
  indexes: string[];
  startMs: number;
  endMs: number;
  /** Wall-clock second the answer arrived in (Unix seconds): the second the capacity is counted in. */
  second: number;
  /** send() to result, SDK retries and their backoff included. */
  latencyMs: number;
  /** Latency of the attempt that succeeded (client-side stand-in for SuccessfulRequestLatency). */
  successLatencyMs?: number;
  /** Attempts the recorder saw (one per HTTP request); `sdkAttempts` is what $metadata.attempts said. */
  attempts: number;
  sdkAttempts?: number;
  retries: number;
  ok: boolean;
  errorName?: string;
  /** ReturnConsumedCapacity sent, and who chose it. */
  capacityMode: CapacityMode;
  capacitySetBy: 'recorder' | 'caller';
  /** False when no ConsumedCapacity came back (PartiQL on DynamoDB Local, NONE, or a failed call). */
  capacityReturned: boolean;
  capacity: CapacityUse[];
  readUnits: number;
  writeUnits: number;
  throttleEvents: number;
  throttledAttempts: number;
  unprocessedItems: number;
  unprocessedKeys: number;
  partitionKeys: string[];
  tenants: string[];
  keys: KeyUse[];
  tenantUse: TenantUse[];
}

/** Everything the aggregations read: the recorder's state, or rows built by hand in a test. */
export interface MetricsData {
  calls: readonly CallRecord[];
  attempts: readonly AttemptRecord[];
  throttles: readonly ThrottleEvent[];
}
