// The rows the aggregations return, under CloudWatch's and Contributor Insights' names (metrics.ts re-exports them).

import type { Kind } from '../model/partitions';
import { UNPROCESSED_ITEMS_REASON, UNPROCESSED_KEYS_REASON } from './metric-names';

export interface TotalsRow {
  calls: number;
  attempts: number;
  retries: number;
  ConsumedReadCapacityUnits: number;
  ConsumedWriteCapacityUnits: number;
  ReadThrottleEvents: number;
  WriteThrottleEvents: number;
  ThrottledRequests: number;
  UserErrors: number;
  SystemErrors: number;
  ConditionalCheckFailedRequests: number;
  UnprocessedItems: number;
  UnprocessedKeys: number;
  /** Calls that succeeded without ConsumedCapacity (PartiQL on DynamoDB Local, or the caller asked for NONE). */
  callsWithoutCapacity: number;
  /** Mean latency of successful attempts, ms (client-side). */
  SuccessfulRequestLatency: number;
}

/** Rounded to `digits` decimals: sums of split units print without float noise. */
export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** One row per table and per GSI: CloudWatch's TableName (+ GlobalSecondaryIndexName) metrics. */
export interface ResourceRow {
  table: string;
  /** '' for the table itself (CloudWatch's TableName-only dimension excludes its GSIs). */
  index: string;
  ConsumedReadCapacityUnits: number;
  ConsumedWriteCapacityUnits: number;
  ReadThrottleEvents: number;
  WriteThrottleEvents: number;
}

/** One row per table and operation: CloudWatch's TableName + Operation metrics. */
export interface OperationRow {
  table: string;
  operation: string;
  requests: number;
  attempts: number;
  ThrottledRequests: number;
  /** Mean / max latency of successful attempts, ms (client-side; CloudWatch measures inside DynamoDB). */
  SuccessfulRequestLatency: number;
  maxLatencyMs: number;
  UserErrors: number;
  SystemErrors: number;
  ConsumedReadCapacityUnits: number;
  ConsumedWriteCapacityUnits: number;
}

/** Per partition key of a resource: what Contributor Insights ranks. */
export interface KeyRow {
  table: string;
  index: string;
  partitionKey: string;
  tenant: string;
  /** Item events that succeeded. */
  items: number;
  readUnits: number;
  writeUnits: number;
  /** Contributor Insights' "most accessed" measure: (3 × WCU) + RCU. */
  ConsumedThroughputUnits: number;
  /** Contributor Insights' "most throttled" measure: throttle events on this key. */
  ThrottleCount: number;
  /** Throttle events per reason. */
  reasons: Record<string, number>;
  /** The reason DynamoDB reported most often for this key ('' if none: only unprocessed items, or no throttles). */
  topReason: string;
}

/** The most frequent reason DynamoDB reported; the unprocessed labels only when nothing else was reported. */
export function topReasonOf(reasons: Record<string, number>): string {
  let best = '';
  let bestN = 0;
  for (const pass of [true, false]) {
    for (const r of Object.keys(reasons).sort()) {
      const unlabelled = r === UNPROCESSED_ITEMS_REASON || r === UNPROCESSED_KEYS_REASON;
      if (pass === unlabelled) continue;
      if (reasons[r] > bestN) {
        best = r;
        bestN = reasons[r];
      }
    }
    if (best) return best;
  }
  return best;
}

export interface TopKeysOptions {
  /** 'accessed' ranks by ConsumedThroughputUnits (Contributor Insights' PKC rule), 'throttled' by ThrottleCount (PKT). */
  by?: 'accessed' | 'throttled';
  n?: number;
  table?: string;
  /** Only this GSI's keys; '' or undefined with `table` set: the table's own keys. */
  index?: string;
}

export interface TenantRow {
  tenant: string;
  calls: number;
  items: number;
  ConsumedReadCapacityUnits: number;
  ConsumedWriteCapacityUnits: number;
  ThrottleEvents: number;
}

/** One wall-clock second of the run. */
export interface SecondRow {
  /** Seconds since the first second of the run (0, 1, 2, …). */
  second: number;
  /** The wall-clock second (Unix seconds). */
  epochSecond: number;
  requests: number;
  ConsumedReadCapacityUnits: number;
  ConsumedWriteCapacityUnits: number;
  ReadThrottleEvents: number;
  WriteThrottleEvents: number;
  ThrottledRequests: number;
}

export interface PerSecondOptions {
  /** First second (ms timestamp): default the earliest recorded. */
  fromMs?: number;
  /** Only this resource: a table (index undefined = the table without its GSIs, like CloudWatch's TableName). */
  resource?: { table: string; index?: string };
}

export interface ReasonRow {
  reason: string;
  /** 'ws-att-1' for the table, 'ws-att-1 / GSI1' for an index. */
  resource: string;
  kind: Kind;
  events: number;
}
