// Aggregations under CloudWatch's names, kept as running sums: the recorder adds each call as it finishes and reads
// its tables from here, so what it keeps grows with the keys, seconds, tenants and resources seen, not with the calls
// (its raw per-call log is a bounded ring: recorder.ts). The pure `aggregate*(data)` functions feed the same sums from
// rows built by hand (tests) or from a recorder's retained log, so both give the same numbers.
//
// Exact, not sampled: the sums are added in the order the calls finished, as the one-pass functions they replace
// did, so the floating-point totals are the same to the last bit.

import { NO_TENANT } from '../tenancy/keys';
import {
  type KeyRow,
  type OperationRow,
  type PerSecondOptions,
  type ReasonRow,
  type ResourceRow,
  type SecondRow,
  type TenantRow,
  type TopKeysOptions,
  type TotalsRow,
  round,
  topReasonOf,
} from './aggregate-rows';
import { tenantOf } from './call-anatomy';
import { SecondAggregates, getOrAdd, resourceId } from './per-second';
import type { AttemptRecord, CallRecord, MetricsData, ThrottleEvent } from './records';

interface Units {
  read: number;
  write: number;
}

interface ResourceAgg extends Units {
  table: string;
  index: string;
  readThrottles: number;
  writeThrottles: number;
}

interface OperationAgg extends Units {
  table: string;
  operation: string;
  requests: number;
  attempts: number;
  throttled: number;
  userErrors: number;
  systemErrors: number;
  latSum: number;
  latN: number;
  maxLatencyMs: number;
  /** First seen in a call / in an attempt (the order the one-pass function created its rows in). */
  callOrder: number;
  attemptOrder: number;
}

interface KeyAgg extends Units {
  table: string;
  index: string;
  partitionKey: string;
  items: number;
  throttles: number;
  reasons: Record<string, number>;
  /** First seen in a call's keys / in a throttle event. */
  callOrder: number;
  throttleOrder: number;
}

interface TenantAgg extends Units {
  calls: number;
  items: number;
  throttles: number;
}

/** Running aggregates of a stream of call records: add each call, its attempts and its throttle events once. */
export class RunningAggregates {
  private calls = 0;
  private attempts = 0;
  private retries = 0;
  private readUnits = 0;
  private writeUnits = 0;
  private readThrottles = 0;
  private writeThrottles = 0;
  private throttledAttempts = 0;
  private userErrors = 0;
  private systemErrors = 0;
  private conditionalCheckFailed = 0;
  private unprocessedItems = 0;
  private unprocessedKeys = 0;
  private callsWithoutCapacity = 0;
  private okLatencySum = 0;
  private okAttempts = 0;
  private readonly resources = new Map<string, ResourceAgg>();
  private readonly operations = new Map<string, OperationAgg>();
  private readonly keys = new Map<string, KeyAgg>();
  private readonly tenants = new Map<string, TenantAgg>();
  private readonly perSecond = new SecondAggregates();
  private readonly reasons = new Map<string, ReasonRow>();
  private seq = 0;

  /** The aggregates of rows already recorded: every call first, then every attempt, then every throttle event. */
  static of(data: MetricsData): RunningAggregates {
    const agg = new RunningAggregates();
    for (const c of data.calls) agg.addCall(c);
    for (const a of data.attempts) agg.addAttempt(a);
    for (const t of data.throttles) agg.addThrottle(t);
    return agg;
  }

  /** Adds one call, its attempts and its throttle events (what `buildRecords` returns). */
  add(records: { call: CallRecord; attempts: readonly AttemptRecord[]; throttles: readonly ThrottleEvent[] }): void {
    this.addCall(records.call);
    for (const a of records.attempts) this.addAttempt(a);
    for (const t of records.throttles) this.addThrottle(t);
  }

  addCall(c: CallRecord): void {
    const order = ++this.seq;
    this.calls++;
    this.retries += c.retries;
    this.readUnits += c.readUnits;
    this.writeUnits += c.writeUnits;
    this.unprocessedItems += c.unprocessedItems;
    this.unprocessedKeys += c.unprocessedKeys;
    if (c.ok && !c.capacityReturned) this.callsWithoutCapacity++;
    for (const u of c.capacity) {
      const r = this.resource(u.table, u.index);
      r.read += u.readUnits;
      r.write += u.writeUnits;
    }
    const op = this.operation(c.table ?? '', c.operation);
    if (op.callOrder === Number.POSITIVE_INFINITY) op.callOrder = order;
    op.requests++;
    op.read += c.readUnits;
    op.write += c.writeUnits;
    for (const k of c.keys) {
      const r = this.key(k.table, k.index, k.partitionKey);
      if (r.callOrder === Number.POSITIVE_INFINITY) r.callOrder = ++this.seq;
      r.items += k.items;
      r.read += k.readUnits;
      r.write += k.writeUnits;
    }
    if (c.tenants.length === 0) this.tenant(NO_TENANT).calls++;
    for (const t of c.tenants) this.tenant(t).calls++;
    for (const u of c.tenantUse) {
      const r = this.tenant(u.tenant);
      r.items += u.items;
      r.read += u.readUnits;
      r.write += u.writeUnits;
    }
    this.perSecond.addCall(c);
  }

  addAttempt(a: AttemptRecord): void {
    const order = ++this.seq;
    this.attempts++;
    if (a.throttled) this.throttledAttempts++;
    if (a.userError) this.userErrors++;
    if (a.systemError) this.systemErrors++;
    if (a.conditionalCheckFailed) this.conditionalCheckFailed++;
    if (a.ok) {
      this.okLatencySum += a.latencyMs;
      this.okAttempts++;
    }
    const op = this.operation(a.table ?? '', a.operation);
    if (op.attemptOrder === Number.POSITIVE_INFINITY) op.attemptOrder = order;
    op.attempts++;
    if (a.throttled) op.throttled++;
    if (a.userError) op.userErrors++;
    if (a.systemError) op.systemErrors++;
    if (a.ok) {
      op.latSum += a.latencyMs;
      op.latN++;
      op.maxLatencyMs = Math.max(op.maxLatencyMs, a.latencyMs);
    }
    this.perSecond.addAttempt(a);
  }

  addThrottle(t: ThrottleEvent): void {
    const order = ++this.seq;
    const read = t.kind === 'read';
    if (read) this.readThrottles++;
    else this.writeThrottles++;
    const res = this.resource(t.table, t.index);
    if (read) res.readThrottles++;
    else res.writeThrottles++;
    if (t.partitionKey !== undefined) {
      const k = this.key(t.table, t.index, t.partitionKey);
      if (k.throttleOrder === Number.POSITIVE_INFINITY) k.throttleOrder = order;
      k.throttles++;
      k.reasons[t.reason] = (k.reasons[t.reason] ?? 0) + 1;
    }
    this.tenant(t.tenant ?? NO_TENANT).throttles++;
    this.perSecond.addThrottle(t);
    const resource = t.index ? `${t.table} / ${t.index}` : t.table;
    getOrAdd(this.reasons, `${t.reason}\u0000${resource}\u0000${t.kind}`, () => ({
      reason: t.reason,
      resource,
      kind: t.kind,
      events: 0,
    })).events++;
  }

  totals(): TotalsRow {
    return {
      calls: this.calls,
      attempts: this.attempts,
      retries: this.retries,
      ConsumedReadCapacityUnits: round(this.readUnits),
      ConsumedWriteCapacityUnits: round(this.writeUnits),
      ReadThrottleEvents: this.readThrottles,
      WriteThrottleEvents: this.writeThrottles,
      ThrottledRequests: this.throttledAttempts,
      UserErrors: this.userErrors,
      SystemErrors: this.systemErrors,
      ConditionalCheckFailedRequests: this.conditionalCheckFailed,
      UnprocessedItems: this.unprocessedItems,
      UnprocessedKeys: this.unprocessedKeys,
      callsWithoutCapacity: this.callsWithoutCapacity,
      SuccessfulRequestLatency: this.okAttempts ? round(this.okLatencySum / this.okAttempts, 1) : 0,
    };
  }

  /** One row per table and per GSI, by table then index. */
  byResource(): ResourceRow[] {
    const out = Array.from(this.resources.values(), (r) => ({
      table: r.table,
      index: r.index,
      ConsumedReadCapacityUnits: round(r.read),
      ConsumedWriteCapacityUnits: round(r.write),
      ReadThrottleEvents: r.readThrottles,
      WriteThrottleEvents: r.writeThrottles,
    }));
    return out.sort((a, b) =>
      a.table === b.table ? (a.index < b.index ? -1 : a.index > b.index ? 1 : 0) : a.table < b.table ? -1 : 1,
    );
  }

  /** One row per table and operation, in the order first seen. */
  byOperation(): OperationRow[] {
    return firstSeen(Array.from(this.operations.values()), 'callOrder', 'attemptOrder').map((r) => ({
      table: r.table,
      operation: r.operation,
      requests: r.requests,
      attempts: r.attempts,
      ThrottledRequests: r.throttled,
      SuccessfulRequestLatency: r.latN ? round(r.latSum / r.latN, 1) : 0,
      maxLatencyMs: round(r.maxLatencyMs, 1),
      UserErrors: r.userErrors,
      SystemErrors: r.systemErrors,
      ConsumedReadCapacityUnits: round(r.read),
      ConsumedWriteCapacityUnits: round(r.write),
    }));
  }

  /** One row per partition key of a resource, in the order first seen (keys of calls, then keys only throttled). */
  byKey(): KeyRow[] {
    return firstSeen(Array.from(this.keys.values()), 'callOrder', 'throttleOrder').map((k) => {
      const readUnits = round(k.read);
      const writeUnits = round(k.write);
      return {
        table: k.table,
        index: k.index,
        partitionKey: k.partitionKey,
        tenant: tenantOf(k.partitionKey) ?? '',
        items: k.items,
        readUnits,
        writeUnits,
        ConsumedThroughputUnits: round(3 * writeUnits + readUnits),
        ThrottleCount: k.throttles,
        reasons: { ...k.reasons },
        topReason: topReasonOf(k.reasons),
      };
    });
  }

  /** The top-N keys, like Contributor Insights' "most accessed" / "most throttled" partition keys. */
  topKeys(options: TopKeysOptions = {}): KeyRow[] {
    const by = options.by ?? 'accessed';
    let rows = this.byKey();
    if (options.table !== undefined) rows = rows.filter((r) => r.table === options.table && r.index === (options.index ?? ''));
    else if (options.index !== undefined) rows = rows.filter((r) => r.index === options.index);
    const value = (r: KeyRow) => (by === 'throttled' ? r.ThrottleCount : r.ConsumedThroughputUnits);
    rows = rows.filter((r) => value(r) > 0 || (by === 'accessed' && r.items > 0));
    rows.sort((a, b) => value(b) - value(a) || b.items - a.items || (a.partitionKey < b.partitionKey ? -1 : 1));
    return rows.slice(0, options.n ?? 10);
  }

  /** Per tenant, by name, '(no tenant)' last. */
  byTenant(): TenantRow[] {
    const out = Array.from(this.tenants.entries(), ([tenant, r]) => ({
      tenant,
      calls: r.calls,
      items: r.items,
      ConsumedReadCapacityUnits: round(r.read),
      ConsumedWriteCapacityUnits: round(r.write),
      ThrottleEvents: r.throttles,
    }));
    return out.sort((a, b) => (a.tenant === NO_TENANT ? 1 : b.tenant === NO_TENANT ? -1 : a.tenant < b.tenant ? -1 : 1));
  }

  /** Per wall-clock second, every second from the first to the last (idle seconds are zeros). */
  bySecond(options: PerSecondOptions = {}): SecondRow[] {
    return this.perSecond.rows(options);
  }

  /** Throttle events per reason and resource, most frequent first. */
  throttleReasons(): ReasonRow[] {
    return Array.from(this.reasons.values(), (r) => ({ ...r })).sort(
      (a, b) => b.events - a.events || (a.reason < b.reason ? -1 : 1),
    );
  }

  private resource(table: string, index: string | undefined): ResourceAgg {
    return getOrAdd(this.resources, resourceId(table, index), () => ({
      table,
      index: index ?? '',
      read: 0,
      write: 0,
      readThrottles: 0,
      writeThrottles: 0,
    }));
  }

  private operation(table: string, operation: string): OperationAgg {
    return getOrAdd(this.operations, `${table}\u0000${operation}`, () => ({
      table,
      operation,
      requests: 0,
      attempts: 0,
      throttled: 0,
      userErrors: 0,
      systemErrors: 0,
      read: 0,
      write: 0,
      latSum: 0,
      latN: 0,
      maxLatencyMs: 0,
      callOrder: Number.POSITIVE_INFINITY,
      attemptOrder: Number.POSITIVE_INFINITY,
    }));
  }

  private key(table: string, index: string | undefined, partitionKey: string): KeyAgg {
    return getOrAdd(this.keys, `${table}\u0000${index ?? ''}\u0000${partitionKey}`, () => ({
      table,
      index: index ?? '',
      partitionKey,
      items: 0,
      read: 0,
      write: 0,
      throttles: 0,
      reasons: {},
      callOrder: Number.POSITIVE_INFINITY,
      throttleOrder: Number.POSITIVE_INFINITY,
    }));
  }

  private tenant(tenant: string): TenantAgg {
    return getOrAdd(this.tenants, tenant, () => ({ calls: 0, items: 0, read: 0, write: 0, throttles: 0 }));
  }
}

/** Rows first seen in the primary stream (in that order), then the rest in the order the secondary stream saw them. */
function firstSeen<T, K extends keyof T>(rows: T[], primary: K, secondary: K): T[] {
  return rows.sort((a, b) => {
    const pa = a[primary] as number;
    const pb = b[primary] as number;
    if (pa !== pb) return pa < pb ? -1 : 1;
    return (a[secondary] as number) - (b[secondary] as number);
  });
}

export function aggregateTotals(data: MetricsData): TotalsRow {
  return RunningAggregates.of(data).totals();
}

/** One row per table and per GSI: CloudWatch's TableName (+ GlobalSecondaryIndexName) metrics. */
export function aggregateByResource(data: MetricsData): ResourceRow[] {
  return RunningAggregates.of(data).byResource();
}

/** One row per table and operation: CloudWatch's TableName + Operation metrics. */
export function aggregateByOperation(data: MetricsData): OperationRow[] {
  return RunningAggregates.of(data).byOperation();
}

/** Per partition key of a resource: what Contributor Insights ranks. */
export function aggregateByKey(data: MetricsData): KeyRow[] {
  return RunningAggregates.of(data).byKey();
}

/** The top-N keys, like Contributor Insights' "most accessed" / "most throttled" partition keys. */
export function topKeys(data: MetricsData, options: TopKeysOptions = {}): KeyRow[] {
  return RunningAggregates.of(data).topKeys(options);
}

/** Per tenant (the TENANT#<tid># prefix of the partition keys); everything else under '(no tenant)'. */
export function aggregateByTenant(data: MetricsData): TenantRow[] {
  return RunningAggregates.of(data).byTenant();
}

/** Per wall-clock second, every second from the first to the last (idle seconds are zeros). */
export function aggregateBySecond(data: MetricsData, options: PerSecondOptions = {}): SecondRow[] {
  return RunningAggregates.of(data).bySecond(options);
}

/** Throttle events per reason and resource, most frequent first. */
export function aggregateThrottleReasons(data: MetricsData): ReasonRow[] {
  return RunningAggregates.of(data).throttleReasons();
}
