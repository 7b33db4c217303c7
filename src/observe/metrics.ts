// The metrics recorder: what CloudWatch would show for this client's traffic, measured on the client itself.
//
// Two middlewares on the DynamoDB client's stack (the DocumentClient shares it):
//
//   initialize  workshopMetricsCall     once per send(): sets ReturnConsumedCapacity=INDEXES (unless the caller chose
//      │                                a value), sees the FINAL result — output or the error the SDK gave up with.
//   serialize · build
//   finalizeRequest  retryMiddleware    ← the SDK's retry loop: everything below runs once per attempt
//   deserialize workshopMetricsAttempt  once per ATTEMPT, outside the deserializer: sees each attempt's parsed
//      │                                result, so a throttle the SDK retried (and then succeeded) is still counted.
//   deserializerMiddleware → HTTP handler (the throttling emulator, on the local target) → engine
//
// From those it records per call: operation, tables, index, consumed RCU/WCU per table and per GSI, latency, SDK
// attempts, throttle events with their ThrottlingReasons, UnprocessedItems/Keys, the partition keys touched, the
// tenant (TENANT#<tid>#… keys) and the wall-clock second; and it aggregates them under CloudWatch's metric names.
//
// Where the numbers come from, and where they differ from AWS's:
// - capacity is exactly what the engine returned in ConsumedCapacity (INDEXES: table and each GSI apart). PartiQL
//   returns none on DynamoDB Local; a caller's explicit TOTAL gives no table/GSI split for writes (kept on the table).
// - per-key capacity splits a batch's units evenly over its items (the engine reports units per table, not per item).
// - SuccessfulRequestLatency here is client-side (network + engine); CloudWatch's is measured inside DynamoDB.
// - UnprocessedItems carry no reason: each unprocessed item is a throttle event with the reason
//   "UnprocessedItems (no reason returned)"; reasons come only with ProvisionedThroughputExceededException /
//   ThrottlingException (ThrottlingReasons).
//

import { DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { HandlerExecutionContext } from '@aws-sdk/types';
import { HttpResponse } from '@smithy/core/protocols';
import {
  COLORS,
  type ChartOptions,
  type MetricRow,
  ROOM_CONFIG,
  type TopLevelSpec,
  VEGA_LITE_SCHEMA,
  metricTimelineChart,
} from './charts';
import { formatCell } from '../display';
import { WorkshopError } from '../errors';
import { NO_TENANT, tenantOfKey } from '../tenancy/keys';
import { type SchemaCache, schemaCacheOf, type TableSchema, tableSchemaOf, workshopSchema } from '../model/schema-cache';
import {
  type AttemptArgs,
  type AttemptOutput,
  type CallArgs,
  type CallOutput,
  onEachAttempt,
  onEachCall,
  type Uninstall,
} from '../model/intercept';
import type { Kind } from '../model/partitions';
import { DATA_PLANE_OPERATIONS, PARTIQL_OPERATIONS } from '../model/operations';
import { keyConditionPartitionKey, keyValueString } from '../model/request';

// The request anatomy lives in request.ts; these names stay importable from here.
export { keyConditionPartitionKey, keyValueString };

// ---------------------------------------------------------------------------------------------------------------
// Names

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

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const BATCH_OPERATIONS = new Set(['BatchGetItem', 'BatchWriteItem']);

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

// ---------------------------------------------------------------------------------------------------------------
// Records

type Json = Record<string, unknown>;

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

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers

/**
 * `TENANT#acme#USER#1` → `acme`; undefined for keys without the tenant prefix (the tenancy module's own reading,
 * `tenantOfKey`: one tenant parser). Rows without a tenant are labelled `NO_TENANT`.
 */
export function tenantOf(partitionKey: string | undefined): string | undefined {
  return typeof partitionKey === 'string' ? tenantOfKey(partitionKey) : undefined;
}

/** Which direction an operation's capacity is counted in when the engine does not split it. */
export function operationKind(operation: string, input: Json = {}): Kind {
  if (READ_OPERATIONS.has(operation)) return 'read';
  if (operation === 'ExecuteStatement') return /^\s*SELECT\b/i.test(String(input.Statement ?? '')) ? 'read' : 'write';
  if (operation === 'BatchExecuteStatement') {
    const st = (input.Statements as Json[] | undefined) ?? [];
    return st.length > 0 && st.every((s) => /^\s*SELECT\b/i.test(String(s.Statement ?? ''))) ? 'read' : 'write';
  }
  if (operation === 'ExecuteTransaction') {
    const st = (input.TransactStatements as Json[] | undefined) ?? [];
    return st.length > 0 && st.every((s) => /^\s*SELECT\b/i.test(String(s.Statement ?? ''))) ? 'read' : 'write';
  }
  return 'write';
}

/** `arn:aws:dynamodb:r:a:table/T/index/I` → { table: 'T', index: 'I' }. */
export function resourceFromArn(arn: string | undefined): { table: string; index?: string } | undefined {
  if (typeof arn !== 'string') return undefined;
  const m = /:table\/([^/]+)(?:\/index\/([^/]+))?/.exec(arn);
  if (!m) return undefined;
  return m[2] ? { table: m[1], index: m[2] } : { table: m[1] };
}

/** `TableWriteKeyRangeThroughputExceeded` → 'write'; undefined when the reason does not say. */
export function reasonKind(reason: string): Kind | undefined {
  const m = /^(?:Table|Index)(Read|Write)/.exec(reason);
  if (!m) return undefined;
  return m[1] === 'Read' ? 'read' : 'write';
}

/** The table a PartiQL statement names (`SELECT … FROM "t"`, `INSERT INTO "t"`, `UPDATE "t"`, `DELETE FROM "t"`). */
export function statementTable(statement: string): { table?: string; index?: string } {
  const m =
    /\b(?:FROM|INTO|UPDATE)\s+"([^"]+)"(?:\."([^"]+)")?/i.exec(statement) ??
    /\b(?:FROM|INTO|UPDATE)\s+([A-Za-z0-9_.-]+)/i.exec(statement);
  if (!m) return {};
  return m[2] ? { table: m[1], index: m[2] } : { table: m[1] };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

interface CapacityObject {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

function split(c: CapacityObject | undefined, kind: Kind): { readUnits: number; writeUnits: number } {
  if (!c) return { readUnits: 0, writeUnits: 0 };
  if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
    return { readUnits: num(c.ReadCapacityUnits), writeUnits: num(c.WriteCapacityUnits) };
  }
  const units = num(c.CapacityUnits);
  return kind === 'read' ? { readUnits: units, writeUnits: 0 } : { readUnits: 0, writeUnits: units };
}

/**
 * ConsumedCapacity (one object, or an array for batches and transactions) → units per table and per GSI.
 * With INDEXES the engine splits Table / GlobalSecondaryIndexes / LocalSecondaryIndexes (an LSI's units are the
 * table's, as in CloudWatch); with TOTAL there is only CapacityUnits: a read on an index (`index`) is that index's,
 * anything else is counted on the table. Units without a read/write split are counted in `kind`'s direction.
 */
export function parseConsumedCapacity(consumed: unknown, kind: Kind, index?: string): CapacityUse[] {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  const out: CapacityUse[] = [];
  const add = (table: string, idx: string | undefined, u: { readUnits: number; writeUnits: number }) => {
    let row = out.find((r) => r.table === table && r.index === idx);
    if (!row) {
      row = idx === undefined ? { table, readUnits: 0, writeUnits: 0 } : { table, index: idx, readUnits: 0, writeUnits: 0 };
      out.push(row);
    }
    row.readUnits += u.readUnits;
    row.writeUnits += u.writeUnits;
  };
  for (const raw of list as Json[]) {
    if (!raw || typeof raw !== 'object') continue;
    const table = String(raw.TableName ?? '');
    const gsis = raw.GlobalSecondaryIndexes as Record<string, CapacityObject> | undefined;
    const lsis = raw.LocalSecondaryIndexes as Record<string, CapacityObject> | undefined;
    if (raw.Table !== undefined) {
      add(table, undefined, split(raw.Table as CapacityObject, kind));
      for (const name of Object.keys(lsis ?? {})) add(table, undefined, split(lsis![name], kind));
      for (const name of Object.keys(gsis ?? {})) add(table, name, split(gsis![name], kind));
    } else if (gsis !== undefined || lsis !== undefined) {
      // No Table breakdown: the table's part (its LSIs included) is the total minus the GSIs'.
      const total = split(raw as CapacityObject, kind);
      const parts = Object.keys(gsis ?? {}).map((name) => ({ name, units: split(gsis![name], kind) }));
      for (const g of parts) {
        total.readUnits -= g.units.readUnits;
        total.writeUnits -= g.units.writeUnits;
      }
      add(table, undefined, { readUnits: Math.max(0, total.readUnits), writeUnits: Math.max(0, total.writeUnits) });
      for (const g of parts) add(table, g.name, g.units);
    } else {
      add(table, kind === 'read' ? index : undefined, split(raw as CapacityObject, kind));
    }
  }
  return out;
}

/** Key attributes of a table and its GSIs: the recorder's view of the shared `TableSchema` (schema-cache.ts). */
export interface TableKeySchema {
  partitionKey: string;
  sortKey?: string;
  indexes: Record<string, { partitionKey: string; sortKey?: string }>;
}

/** The recorder's view of a shared table schema (its GSIs; an LSI shares the table's partition key). */
export function keySchemaOf(schema: TableSchema): TableKeySchema {
  const out: TableKeySchema = { partitionKey: schema.hash, indexes: {} };
  if (schema.range) out.sortKey = schema.range;
  for (const i of schema.indexes) {
    if (i.kind !== 'GSI') continue;
    out.indexes[i.name] = i.range ? { partitionKey: i.hash, sortKey: i.range } : { partitionKey: i.hash };
  }
  return out;
}

/** The workshop's layout (PK/SK, GSI1 on GSI1PK/GSI1SK): the fallback when DescribeTable cannot be asked. */
export const DEFAULT_KEY_SCHEMA: TableKeySchema = keySchemaOf(workshopSchema(''));

/** One item (or key) a call names. */
export interface Touch {
  table: string;
  /** Set for a Query / Scan on a GSI: the key is the index's partition key. */
  index?: string;
  partitionKey?: string;
  /** The item or key as sent: GSI key values of a put are read from it. */
  item?: Json;
}

/** The items/keys a call names, in request order (a Scan names none). */
export function touchesOf(operation: string, input: Json, schemaOf: (table: string) => TableKeySchema): Touch[] {
  const out: Touch[] = [];
  const one = (table: string, item: Json | undefined) => {
    if (!item) return;
    const schema = schemaOf(table);
    out.push({ table, partitionKey: keyValueString(item[schema.partitionKey]), item });
  };
  const table = typeof input.TableName === 'string' ? input.TableName : '';
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      one(table, input.Key as Json | undefined);
      break;
    case 'PutItem':
      one(table, input.Item as Json | undefined);
      break;
    case 'Query': {
      const schema = schemaOf(table);
      const index = typeof input.IndexName === 'string' ? input.IndexName : undefined;
      const ix = index ? schema.indexes[index] : undefined;
      const hash = index ? (ix ? ix.partitionKey : undefined) : schema.partitionKey;
      const pk = hash ? keyConditionPartitionKey(input, hash) : undefined;
      out.push(index ? { table, index, partitionKey: pk } : { table, partitionKey: pk });
      break;
    }
    case 'BatchWriteItem': {
      const ri = (input.RequestItems ?? {}) as Record<string, Json[]>;
      for (const t of Object.keys(ri)) {
        for (const wr of ri[t] ?? []) {
          const put = wr.PutRequest as { Item?: Json } | undefined;
          const del = wr.DeleteRequest as { Key?: Json } | undefined;
          one(t, put ? put.Item : del ? del.Key : undefined);
        }
      }
      break;
    }
    case 'BatchGetItem': {
      const ri = (input.RequestItems ?? {}) as Record<string, { Keys?: Json[] }>;
      for (const t of Object.keys(ri)) for (const k of ri[t].Keys ?? []) one(t, k);
      break;
    }
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      for (const ti of (input.TransactItems as Json[] | undefined) ?? []) {
        for (const verb of ['Put', 'Update', 'Delete', 'ConditionCheck', 'Get']) {
          const a = ti[verb] as Json | undefined;
          if (a) one(String(a.TableName ?? ''), (verb === 'Put' ? a.Item : a.Key) as Json | undefined);
        }
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/** Tables a call names, in order. */
export function tablesOf(operation: string, input: Json): string[] {
  const seen: string[] = [];
  const add = (t: unknown) => {
    if (typeof t === 'string' && t && seen.indexOf(t) < 0) seen.push(t);
  };
  add(input.TableName);
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem')
    for (const t of Object.keys((input.RequestItems ?? {}) as Json)) add(t);
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    for (const ti of (input.TransactItems as Json[] | undefined) ?? []) {
      for (const verb of ['Put', 'Update', 'Delete', 'ConditionCheck', 'Get']) {
        const a = ti[verb] as Json | undefined;
        if (a) add(a.TableName);
      }
    }
  }
  if (operation === 'ExecuteStatement') add(statementTable(String(input.Statement ?? '')).table);
  if (operation === 'BatchExecuteStatement')
    for (const s of (input.Statements as Json[] | undefined) ?? []) add(statementTable(String(s.Statement ?? '')).table);
  if (operation === 'ExecuteTransaction')
    for (const s of (input.TransactStatements as Json[] | undefined) ?? []) add(statementTable(String(s.Statement ?? '')).table);
  return seen;
}

/** An item's primary key as one string (partition + sort key values). */
function keyId(item: Json | undefined, schema: TableKeySchema): string {
  if (!item) return '';
  return `${keyValueString(item[schema.partitionKey]) ?? ''}\u0000${schema.sortKey ? (keyValueString(item[schema.sortKey]) ?? '') : ''}`;
}

/** Items/keys that came back unprocessed, per table. */
export function unprocessedOf(operation: string, output: Json | undefined): { table: string; item: Json }[] {
  const out: { table: string; item: Json }[] = [];
  if (!output) return out;
  if (operation === 'BatchWriteItem') {
    const ui = (output.UnprocessedItems ?? {}) as Record<string, Json[]>;
    for (const t of Object.keys(ui)) {
      for (const wr of ui[t] ?? []) {
        const put = wr.PutRequest as { Item?: Json } | undefined;
        const del = wr.DeleteRequest as { Key?: Json } | undefined;
        const item = put ? put.Item : del ? del.Key : undefined;
        if (item) out.push({ table: t, item });
      }
    }
  }
  if (operation === 'BatchGetItem') {
    const uk = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: Json[] }>;
    for (const t of Object.keys(uk)) for (const k of uk[t].Keys ?? []) out.push({ table: t, item: k });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Building one call's record (pure: the recorder passes what its middlewares saw)

/** What the per-attempt middleware saw of one attempt. */
export interface ObservedAttempt {
  startMs: number;
  endMs: number;
  ok: boolean;
  httpStatus?: number;
  error?: unknown;
}

export interface ObservedCall {
  id: number;
  operation: string;
  /** The caller's input (before the recorder added ReturnConsumedCapacity). */
  input: Json;
  capacityMode: CapacityMode;
  capacitySetBy: 'recorder' | 'caller';
  startMs: number;
  endMs: number;
  attempts: ObservedAttempt[];
  output?: Json;
  error?: unknown;
}

interface ErrorLike {
  name?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  ThrottlingReasons?: { reason?: string; resource?: string }[];
}

function errorInfo(err: unknown): ErrorLike {
  return err && typeof err === 'object' ? (err as ErrorLike) : {};
}

function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}

function addKeyUse(
  list: KeyUse[],
  table: string,
  index: string | undefined,
  pk: string,
  items: number,
  r: number,
  w: number,
): void {
  let row = list.find((k) => k.table === table && k.index === index && k.partitionKey === pk);
  if (!row) {
    row = { table, partitionKey: pk, items: 0, readUnits: 0, writeUnits: 0 };
    if (index !== undefined) row.index = index;
    const tenant = tenantOf(pk);
    if (tenant !== undefined) row.tenant = tenant;
    list.push(row);
  }
  row.items += items;
  row.readUnits += r;
  row.writeUnits += w;
}

/** Turns what the middlewares saw into the call's record and its throttle/attempt rows. */
export function buildRecords(
  call: ObservedCall,
  schemaOf: (table: string) => TableKeySchema,
): { call: CallRecord; attempts: AttemptRecord[]; throttles: ThrottleEvent[] } {
  const { operation, input } = call;
  const kind = operationKind(operation, input);
  const tables = tablesOf(operation, input);
  const table = tables[0];
  let index = typeof input.IndexName === 'string' ? input.IndexName : undefined;
  if (!index && operation === 'ExecuteStatement') index = statementTable(String(input.Statement ?? '')).index;
  const touches = touchesOf(operation, input, schemaOf);
  const output = call.output;
  const consumed = output ? output.ConsumedCapacity : undefined;
  const capacity = parseConsumedCapacity(consumed, kind, index);

  // Attempts
  const attempts: AttemptRecord[] = [];
  const throttles: ThrottleEvent[] = [];
  call.attempts.forEach((a, i) => {
    const e = a.ok ? {} : errorInfo(a.error);
    const status = a.httpStatus ?? (e.$metadata ? e.$metadata.httpStatusCode : undefined);
    const throttled = !a.ok && isThrottleError(e.name);
    const ccf = !a.ok && e.name === 'ConditionalCheckFailedException';
    const server = !a.ok && !throttled && (e.$fault === 'server' || (status !== undefined && status >= 500));
    const client =
      !a.ok &&
      !throttled &&
      !ccf &&
      !server &&
      (e.$fault === 'client' || (status !== undefined && status >= 400 && status < 500));
    const rec: AttemptRecord = {
      callId: call.id,
      operation,
      attempt: i + 1,
      startMs: a.startMs,
      endMs: a.endMs,
      latencyMs: a.endMs - a.startMs,
      ok: a.ok,
      throttled,
      userError: client,
      systemError: server,
      conditionalCheckFailed: ccf,
    };
    if (table !== undefined) rec.table = table;
    if (e.name !== undefined && !a.ok) rec.errorName = e.name;
    if (status !== undefined) rec.httpStatus = status;
    attempts.push(rec);
    if (!throttled) return;

    // One event per ThrottlingReason; a batch refused as a whole throttled every item it carried.
    const reasons =
      e.ThrottlingReasons && e.ThrottlingReasons.length > 0 ? e.ThrottlingReasons : [{ reason: e.name, resource: undefined }];
    const perItem = BATCH_OPERATIONS.has(operation);
    const emit = (reason: string, resource: { table: string; index?: string } | undefined, touch: Touch | undefined) => {
      const rTable = resource ? resource.table : touch ? touch.table : (table ?? '');
      const rIndex = resource ? resource.index : touch ? touch.index : index;
      let pk = touch ? touch.partitionKey : undefined;
      if (touch && rIndex !== undefined && touch.index !== rIndex) {
        // A write throttled on a GSI: the hot key is the item's GSI partition key.
        const ix = schemaOf(rTable).indexes[rIndex];
        pk = ix && touch.item ? keyValueString(touch.item[ix.partitionKey]) : undefined;
      }
      const ev: ThrottleEvent = {
        callId: call.id,
        operation,
        table: rTable,
        kind: reasonKind(reason) ?? kind,
        reason,
        source: 'exception',
        attempt: i + 1,
        tMs: a.endMs,
        second: secondOf(a.endMs),
      };
      if (rIndex !== undefined) ev.index = rIndex;
      if (pk !== undefined) {
        ev.partitionKey = pk;
        const tenant = tenantOf(pk);
        if (tenant !== undefined) ev.tenant = tenant;
      }
      throttles.push(ev);
    };
    if (perItem) {
      const r = reasons[0];
      const res = resourceFromArn(r.resource);
      const items = touches.length > 0 ? touches : [undefined];
      for (const t of items) emit(String(r.reason ?? e.name), res, t);
    } else {
      for (const r of reasons) emit(String(r.reason ?? e.name), resourceFromArn(r.resource), touches[0]);
    }
  });

  // Unprocessed items: throttled item events the service reports without a reason.
  const unprocessed = unprocessedOf(operation, output);
  const pending = new Map<string, number>();
  for (const u of unprocessed) {
    const id = `${u.table}\u0001${keyId(u.item, schemaOf(u.table))}`;
    pending.set(id, (pending.get(id) ?? 0) + 1);
    const pk = keyValueString(u.item[schemaOf(u.table).partitionKey]);
    const ev: ThrottleEvent = {
      callId: call.id,
      operation,
      table: u.table,
      kind,
      reason: operation === 'BatchGetItem' ? UNPROCESSED_KEYS_REASON : UNPROCESSED_ITEMS_REASON,
      source: 'unprocessed',
      attempt: call.attempts.length,
      tMs: call.endMs,
      second: secondOf(call.endMs),
    };
    if (pk !== undefined) {
      ev.partitionKey = pk;
      const tenant = tenantOf(pk);
      if (tenant !== undefined) ev.tenant = tenant;
    }
    throttles.push(ev);
  }

  // Keys: processed touches share their resource's units evenly.
  const keys: KeyUse[] = [];
  const processed: Touch[] = [];
  if (output) {
    for (const t of touches) {
      const id = `${t.table}\u0001${keyId(t.item, schemaOf(t.table))}`;
      const left = t.item ? (pending.get(id) ?? 0) : 0;
      if (left > 0) {
        pending.set(id, left - 1);
        continue;
      }
      processed.push(t);
    }
  }
  const tenantUse: TenantUse[] = [];
  const creditTenant = (tenant: string, items: number, r: number, w: number) => {
    let row = tenantUse.find((x) => x.tenant === tenant);
    if (!row) tenantUse.push((row = { tenant, items: 0, readUnits: 0, writeUnits: 0 }));
    row.items += items;
    row.readUnits += r;
    row.writeUnits += w;
  };
  for (const t of processed) {
    if (t.partitionKey !== undefined) addKeyUse(keys, t.table, t.index, t.partitionKey, 1, 0, 0);
    creditTenant(tenantOf(t.partitionKey) ?? NO_TENANT, 1, 0, 0);
  }
  const callTenants: string[] = [];
  for (const t of touches) {
    const tn = tenantOf(t.partitionKey);
    if (tn !== undefined && callTenants.indexOf(tn) < 0) callTenants.push(tn);
  }
  for (const c of capacity) {
    // Who owns these units: the processed items on this resource (for a GSI: the table items carrying its key).
    const owners: { pk: string; tenant: string; indexKeyOfItem: boolean }[] = [];
    const ix = c.index === undefined ? undefined : schemaOf(c.table).indexes[c.index];
    for (const t of processed) {
      if (t.table !== c.table) continue;
      const tenant = tenantOf(t.partitionKey) ?? NO_TENANT;
      if (t.index === c.index) {
        if (t.partitionKey !== undefined) owners.push({ pk: t.partitionKey, tenant, indexKeyOfItem: false });
      } else if (c.index !== undefined && t.index === undefined && ix && t.item && t.item[ix.partitionKey] !== undefined) {
        const pk = keyValueString(t.item[ix.partitionKey]);
        if (pk !== undefined) owners.push({ pk, tenant, indexKeyOfItem: true });
      }
    }
    if (owners.length === 0) {
      // Nobody to credit per key (a Scan, a GSI write of an update): the call's tenant, if it has exactly one.
      creditTenant(callTenants.length === 1 ? callTenants[0] : NO_TENANT, 0, c.readUnits, c.writeUnits);
      continue;
    }
    const r = c.readUnits / owners.length;
    const w = c.writeUnits / owners.length;
    for (const o of owners) {
      // A GSI key written by an item is an item event of the index (Contributor Insights on the GSI counts it).
      addKeyUse(keys, c.table, c.index, o.pk, o.indexKeyOfItem ? 1 : 0, r, w);
      creditTenant(o.tenant, 0, r, w);
    }
  }

  const e = errorInfo(call.error);
  const meta = output ? (output.$metadata as { attempts?: number } | undefined) : e.$metadata;
  const partitionKeys: string[] = [];
  for (const t of touches)
    if (t.partitionKey !== undefined && partitionKeys.indexOf(t.partitionKey) < 0) partitionKeys.push(t.partitionKey);
  const tenants: string[] = [];
  for (const pk of partitionKeys) {
    const tn = tenantOf(pk);
    if (tn !== undefined && tenants.indexOf(tn) < 0) tenants.push(tn);
  }
  const okAttempt =
    call.attempts.length > 0 && call.attempts[call.attempts.length - 1].ok ? call.attempts[call.attempts.length - 1] : undefined;
  const indexes: string[] = [];
  for (const c of capacity) if (c.index !== undefined && indexes.indexOf(c.index) < 0) indexes.push(c.index);
  const record: CallRecord = {
    id: call.id,
    operation,
    tables,
    indexes,
    startMs: call.startMs,
    endMs: call.endMs,
    second: secondOf(call.endMs),
    latencyMs: call.endMs - call.startMs,
    attempts: call.attempts.length,
    retries: Math.max(0, call.attempts.length - 1),
    ok: output !== undefined && call.error === undefined,
    capacityMode: call.capacityMode,
    capacitySetBy: call.capacitySetBy,
    capacityReturned: consumed !== undefined,
    capacity,
    readUnits: capacity.reduce((s, c) => s + c.readUnits, 0),
    writeUnits: capacity.reduce((s, c) => s + c.writeUnits, 0),
    throttleEvents: throttles.length,
    throttledAttempts: attempts.filter((a) => a.throttled).length,
    unprocessedItems: operation === 'BatchWriteItem' ? unprocessed.length : 0,
    unprocessedKeys: operation === 'BatchGetItem' ? unprocessed.length : 0,
    partitionKeys,
    tenants,
    keys,
    tenantUse,
  };
  if (table !== undefined) record.table = table;
  if (index !== undefined) record.index = index;
  if (okAttempt) record.successLatencyMs = okAttempt.endMs - okAttempt.startMs;
  if (meta && typeof meta.attempts === 'number') record.sdkAttempts = meta.attempts;
  if (call.error !== undefined) record.errorName = e.name ?? String(call.error);
  return { call: record, attempts, throttles };
}

// ---------------------------------------------------------------------------------------------------------------
// Aggregations (pure)

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

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function aggregateTotals(data: MetricsData): TotalsRow {
  const ok = data.attempts.filter((a) => a.ok);
  return {
    calls: data.calls.length,
    attempts: data.attempts.length,
    retries: data.calls.reduce((s, c) => s + c.retries, 0),
    ConsumedReadCapacityUnits: round(data.calls.reduce((s, c) => s + c.readUnits, 0)),
    ConsumedWriteCapacityUnits: round(data.calls.reduce((s, c) => s + c.writeUnits, 0)),
    ReadThrottleEvents: data.throttles.filter((t) => t.kind === 'read').length,
    WriteThrottleEvents: data.throttles.filter((t) => t.kind === 'write').length,
    ThrottledRequests: data.attempts.filter((a) => a.throttled).length,
    UserErrors: data.attempts.filter((a) => a.userError).length,
    SystemErrors: data.attempts.filter((a) => a.systemError).length,
    ConditionalCheckFailedRequests: data.attempts.filter((a) => a.conditionalCheckFailed).length,
    UnprocessedItems: data.calls.reduce((s, c) => s + c.unprocessedItems, 0),
    UnprocessedKeys: data.calls.reduce((s, c) => s + c.unprocessedKeys, 0),
    callsWithoutCapacity: data.calls.filter((c) => c.ok && !c.capacityReturned).length,
    SuccessfulRequestLatency: ok.length ? round(ok.reduce((s, a) => s + a.latencyMs, 0) / ok.length, 1) : 0,
  };
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

export function aggregateByResource(data: MetricsData): ResourceRow[] {
  const rows = new Map<string, ResourceRow>();
  const row = (table: string, index: string | undefined) => {
    const id = `${table}\u0000${index ?? ''}`;
    let r = rows.get(id);
    if (!r) {
      r = {
        table,
        index: index ?? '',
        ConsumedReadCapacityUnits: 0,
        ConsumedWriteCapacityUnits: 0,
        ReadThrottleEvents: 0,
        WriteThrottleEvents: 0,
      };
      rows.set(id, r);
    }
    return r;
  };
  for (const c of data.calls) {
    for (const u of c.capacity) {
      const r = row(u.table, u.index);
      r.ConsumedReadCapacityUnits += u.readUnits;
      r.ConsumedWriteCapacityUnits += u.writeUnits;
    }
  }
  for (const t of data.throttles) {
    const r = row(t.table, t.index);
    if (t.kind === 'read') r.ReadThrottleEvents++;
    else r.WriteThrottleEvents++;
  }
  const out = Array.from(rows.values());
  for (const r of out) {
    r.ConsumedReadCapacityUnits = round(r.ConsumedReadCapacityUnits);
    r.ConsumedWriteCapacityUnits = round(r.ConsumedWriteCapacityUnits);
  }
  return out.sort((a, b) =>
    a.table === b.table ? (a.index < b.index ? -1 : a.index > b.index ? 1 : 0) : a.table < b.table ? -1 : 1,
  );
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

export function aggregateByOperation(data: MetricsData): OperationRow[] {
  const rows = new Map<string, OperationRow & { latSum: number; latN: number }>();
  const row = (table: string, operation: string) => {
    const id = `${table}\u0000${operation}`;
    let r = rows.get(id);
    if (!r) {
      r = {
        table,
        operation,
        requests: 0,
        attempts: 0,
        ThrottledRequests: 0,
        SuccessfulRequestLatency: 0,
        maxLatencyMs: 0,
        UserErrors: 0,
        SystemErrors: 0,
        ConsumedReadCapacityUnits: 0,
        ConsumedWriteCapacityUnits: 0,
        latSum: 0,
        latN: 0,
      };
      rows.set(id, r);
    }
    return r;
  };
  for (const c of data.calls) {
    const r = row(c.table ?? '', c.operation);
    r.requests++;
    r.ConsumedReadCapacityUnits += c.readUnits;
    r.ConsumedWriteCapacityUnits += c.writeUnits;
  }
  for (const a of data.attempts) {
    const r = row(a.table ?? '', a.operation);
    r.attempts++;
    if (a.throttled) r.ThrottledRequests++;
    if (a.userError) r.UserErrors++;
    if (a.systemError) r.SystemErrors++;
    if (a.ok) {
      r.latSum += a.latencyMs;
      r.latN++;
      r.maxLatencyMs = Math.max(r.maxLatencyMs, a.latencyMs);
    }
  }
  return Array.from(rows.values()).map((r) => ({
    table: r.table,
    operation: r.operation,
    requests: r.requests,
    attempts: r.attempts,
    ThrottledRequests: r.ThrottledRequests,
    SuccessfulRequestLatency: r.latN ? round(r.latSum / r.latN, 1) : 0,
    maxLatencyMs: round(r.maxLatencyMs, 1),
    UserErrors: r.UserErrors,
    SystemErrors: r.SystemErrors,
    ConsumedReadCapacityUnits: round(r.ConsumedReadCapacityUnits),
    ConsumedWriteCapacityUnits: round(r.ConsumedWriteCapacityUnits),
  }));
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

export function aggregateByKey(data: MetricsData): KeyRow[] {
  const rows = new Map<string, KeyRow>();
  const row = (table: string, index: string | undefined, pk: string) => {
    const id = `${table}\u0000${index ?? ''}\u0000${pk}`;
    let r = rows.get(id);
    if (!r) {
      r = {
        table,
        index: index ?? '',
        partitionKey: pk,
        tenant: tenantOf(pk) ?? '',
        items: 0,
        readUnits: 0,
        writeUnits: 0,
        ConsumedThroughputUnits: 0,
        ThrottleCount: 0,
        reasons: {},
        topReason: '',
      };
      rows.set(id, r);
    }
    return r;
  };
  for (const c of data.calls) {
    for (const k of c.keys) {
      const r = row(k.table, k.index, k.partitionKey);
      r.items += k.items;
      r.readUnits += k.readUnits;
      r.writeUnits += k.writeUnits;
    }
  }
  for (const t of data.throttles) {
    if (t.partitionKey === undefined) continue;
    const r = row(t.table, t.index, t.partitionKey);
    r.ThrottleCount++;
    r.reasons[t.reason] = (r.reasons[t.reason] ?? 0) + 1;
  }
  const out = Array.from(rows.values());
  for (const r of out) {
    r.readUnits = round(r.readUnits);
    r.writeUnits = round(r.writeUnits);
    r.ConsumedThroughputUnits = round(3 * r.writeUnits + r.readUnits);
    r.topReason = topReasonOf(r.reasons);
  }
  return out;
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

/** The top-N keys, like Contributor Insights' "most accessed" / "most throttled" partition keys. */
export function topKeys(data: MetricsData, options: TopKeysOptions = {}): KeyRow[] {
  const by = options.by ?? 'accessed';
  let rows = aggregateByKey(data);
  if (options.table !== undefined) rows = rows.filter((r) => r.table === options.table && r.index === (options.index ?? ''));
  else if (options.index !== undefined) rows = rows.filter((r) => r.index === options.index);
  const value = (r: KeyRow) => (by === 'throttled' ? r.ThrottleCount : r.ConsumedThroughputUnits);
  rows = rows.filter((r) => value(r) > 0 || (by === 'accessed' && r.items > 0));
  rows.sort((a, b) => value(b) - value(a) || b.items - a.items || (a.partitionKey < b.partitionKey ? -1 : 1));
  return rows.slice(0, options.n ?? 10);
}

export interface TenantRow {
  tenant: string;
  calls: number;
  items: number;
  ConsumedReadCapacityUnits: number;
  ConsumedWriteCapacityUnits: number;
  ThrottleEvents: number;
}

/** Per tenant (the TENANT#<tid># prefix of the partition keys); everything else under '(no tenant)'. */
export function aggregateByTenant(data: MetricsData): TenantRow[] {
  const rows = new Map<string, TenantRow>();
  const row = (t: string) => {
    let r = rows.get(t);
    if (!r)
      rows.set(
        t,
        (r = { tenant: t, calls: 0, items: 0, ConsumedReadCapacityUnits: 0, ConsumedWriteCapacityUnits: 0, ThrottleEvents: 0 }),
      );
    return r;
  };
  for (const c of data.calls) {
    if (c.tenants.length === 0) row(NO_TENANT).calls++;
    for (const t of c.tenants) row(t).calls++;
    for (const u of c.tenantUse) {
      const r = row(u.tenant);
      r.items += u.items;
      r.ConsumedReadCapacityUnits += u.readUnits;
      r.ConsumedWriteCapacityUnits += u.writeUnits;
    }
  }
  for (const t of data.throttles) row(t.tenant ?? NO_TENANT).ThrottleEvents++;
  const out = Array.from(rows.values());
  for (const r of out) {
    r.ConsumedReadCapacityUnits = round(r.ConsumedReadCapacityUnits);
    r.ConsumedWriteCapacityUnits = round(r.ConsumedWriteCapacityUnits);
  }
  return out.sort((a, b) => (a.tenant === NO_TENANT ? 1 : b.tenant === NO_TENANT ? -1 : a.tenant < b.tenant ? -1 : 1));
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

/** Per wall-clock second, every second from the first to the last (idle seconds are zeros). */
export function aggregateBySecond(data: MetricsData, options: PerSecondOptions = {}): SecondRow[] {
  const res = options.resource;
  const match = (table: string | undefined, index: string | undefined) => !res || (table === res.table && index === res.index);
  const seconds: number[] = [];
  for (const c of data.calls) seconds.push(c.second);
  for (const t of data.throttles) seconds.push(t.second);
  for (const a of data.attempts) seconds.push(secondOf(a.endMs));
  if (seconds.length === 0) return [];
  let lo = seconds[0];
  let hi = seconds[0];
  for (const s of seconds) {
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  const first = options.fromMs !== undefined ? Math.min(secondOf(options.fromMs), lo) : lo;
  const last = hi;
  const rows: SecondRow[] = [];
  for (let s = first; s <= last; s++) {
    rows.push({
      second: s - first,
      epochSecond: s,
      requests: 0,
      ConsumedReadCapacityUnits: 0,
      ConsumedWriteCapacityUnits: 0,
      ReadThrottleEvents: 0,
      WriteThrottleEvents: 0,
      ThrottledRequests: 0,
    });
  }
  const at = (s: number) => (s >= first && s <= last ? rows[s - first] : undefined);
  for (const c of data.calls) {
    const r = at(c.second);
    if (!r) continue;
    if (!res || c.tables.indexOf(res.table) >= 0) r.requests++;
    for (const u of c.capacity) {
      if (!match(u.table, u.index)) continue;
      r.ConsumedReadCapacityUnits += u.readUnits;
      r.ConsumedWriteCapacityUnits += u.writeUnits;
    }
  }
  for (const t of data.throttles) {
    const r = at(t.second);
    if (!r || !match(t.table, t.index)) continue;
    if (t.kind === 'read') r.ReadThrottleEvents++;
    else r.WriteThrottleEvents++;
  }
  for (const a of data.attempts) {
    const r = at(secondOf(a.endMs));
    if (!r || !a.throttled || (res && a.table !== res.table)) continue;
    r.ThrottledRequests++;
  }
  for (const r of rows) {
    r.ConsumedReadCapacityUnits = round(r.ConsumedReadCapacityUnits);
    r.ConsumedWriteCapacityUnits = round(r.ConsumedWriteCapacityUnits);
  }
  return rows;
}

export interface ReasonRow {
  reason: string;
  /** 'ws-att-1' for the table, 'ws-att-1 / GSI1' for an index. */
  resource: string;
  kind: Kind;
  events: number;
}

/** Throttle events per reason and resource, most frequent first. */
export function aggregateThrottleReasons(data: MetricsData): ReasonRow[] {
  const rows = new Map<string, ReasonRow>();
  for (const t of data.throttles) {
    const resource = t.index ? `${t.table} / ${t.index}` : t.table;
    const id = `${t.reason}\u0000${resource}\u0000${t.kind}`;
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { reason: t.reason, resource, kind: t.kind, events: 0 }));
    r.events++;
  }
  return Array.from(rows.values()).sort((a, b) => b.events - a.events || (a.reason < b.reason ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------------------------
// The recorder

export interface RecorderOptions {
  /** Milliseconds clock; injectable so tests drive time. Default Date.now. */
  clock?: () => number;
  /** Key schemas by table name: skips DescribeTable for these tables. */
  keySchemas?: Record<string, TableKeySchema>;
  /** Where key schemas come from. Default: the recorded client's shared cache (`schemaCacheOf(client)`). */
  schemas?: SchemaCache;
}

/** Either a WorkshopClients (`{ ddb, doc, … }`) or the DynamoDBClient itself. */
export type RecordableClients = { ddb: DynamoDBClient } | DynamoDBClient;

const CALL_MIDDLEWARE = 'workshopMetricsCall';
const ATTEMPT_MIDDLEWARE = 'workshopMetricsAttempt';
const CALL_KEY = '__workshopMetricsCall';

const recorders = new WeakMap<DynamoDBClient, MetricsRecorder>();

function clientOf(c: RecordableClients): DynamoDBClient {
  return c instanceof DynamoDBClient ? c : (c as { ddb: DynamoDBClient }).ddb;
}

/** The key schema of a DescribeTable answer. */
export function keySchemaFromDescription(t: TableDescription): TableKeySchema {
  return keySchemaOf(tableSchemaOf(t));
}

/**
 * Records what a DynamoDB client does, per call and per attempt, and aggregates it under CloudWatch's names.
 * Create it with `attachRecorder(clients)`.
 */
export class MetricsRecorder {
  readonly calls: CallRecord[] = [];
  readonly attempts: AttemptRecord[] = [];
  readonly throttles: ThrottleEvent[] = [];
  /** Set false to pause recording (calls pass through untouched). */
  enabled = true;
  private readonly clock: () => number;
  /** Key schemas given in the options (they win over the cache). */
  private readonly seeded = new Map<string, TableKeySchema>();
  private readonly views = new WeakMap<TableSchema, TableKeySchema>();
  private schemaCache?: SchemaCache;
  private client?: DynamoDBClient;
  private uninstallSteps?: Uninstall;
  private seq = 0;
  private startedMs: number;

  constructor(options: RecorderOptions = {}) {
    this.clock = options.clock ?? Date.now;
    for (const t of Object.keys(options.keySchemas ?? {})) this.seeded.set(t, options.keySchemas![t]);
    this.schemaCache = options.schemas;
    this.startedMs = this.clock();
  }

  /** When recording (re)started: the origin of `perSecond()` unless told otherwise. */
  get startMs(): number {
    return this.startedMs;
  }

  /** Puts the two middlewares on the client's stack (the DocumentClient built from it shares the stack). */
  attach(clients: RecordableClients): this {
    const client = clientOf(clients);
    if (this.client === client) return this;
    if (this.client)
      throw new WorkshopError(
        'RECORDER_ATTACHED',
        'This recorder is attached to another client.',
        'detach() it first, or create a new one.',
      );
    if (recorders.has(client))
      throw new WorkshopError(
        'RECORDER_ATTACHED',
        'This client already has a recorder.',
        'use attachRecorder(clients) to get it.',
      );
    this.client = client;
    this.schemaCache ??= schemaCacheOf(client);
    recorders.set(client, this);
    const offCall = onEachCall(client, CALL_MIDDLEWARE, (args, next, context) => this.onCall(next, context, args));
    // Deserialize step, outside the deserializer: once per attempt (inside the retry loop), parsed errors visible.
    const offAttempt = onEachAttempt(client, ATTEMPT_MIDDLEWARE, (args, next, context) => this.onAttempt(next, context, args));
    this.uninstallSteps = () => {
      offCall();
      offAttempt();
    };
    return this;
  }

  /** Takes the middlewares off the client again. */
  detach(): void {
    if (!this.client) return;
    this.uninstallSteps?.();
    this.uninstallSteps = undefined;
    recorders.delete(this.client);
    this.client = undefined;
  }

  /** Forgets everything recorded: start a new experiment. */
  reset(): void {
    this.calls.length = 0;
    this.attempts.length = 0;
    this.throttles.length = 0;
    this.startedMs = this.clock();
  }

  /** The recorded data, for the pure aggregations (or a test). */
  data(): MetricsData {
    return { calls: this.calls, attempts: this.attempts, throttles: this.throttles };
  }

  totals(): TotalsRow {
    return aggregateTotals(this.data());
  }

  byResource(): ResourceRow[] {
    return aggregateByResource(this.data());
  }

  byOperation(): OperationRow[] {
    return aggregateByOperation(this.data());
  }

  byKey(): KeyRow[] {
    return aggregateByKey(this.data());
  }

  topKeys(options: TopKeysOptions = {}): KeyRow[] {
    return topKeys(this.data(), options);
  }

  byTenant(): TenantRow[] {
    return aggregateByTenant(this.data());
  }

  perSecond(options: PerSecondOptions = {}): SecondRow[] {
    return aggregateBySecond(this.data(), { fromMs: this.startedMs, ...options });
  }

  throttleReasons(): ReasonRow[] {
    return aggregateThrottleReasons(this.data());
  }

  /**
   * The key schema the recorder uses for a table (after a call to it, or from options). An unknown table
   * (schema-cache.ts's rule) reads as the workshop's layout, and is asked about again on the next call.
   */
  schemaFor(table: string): TableKeySchema {
    const seeded = this.seeded.get(table);
    if (seeded) return seeded;
    const s = this.schemaCache?.peek(table);
    if (!s) return DEFAULT_KEY_SCHEMA;
    let v = this.views.get(s);
    if (!v) {
      v = keySchemaOf(s);
      this.views.set(s, v);
    }
    return v;
  }

  private async learnSchemas(tables: string[]): Promise<void> {
    for (const t of tables) if (!this.seeded.has(t)) await this.schemaCache?.get(t);
  }

  private async onCall(
    next: (args: CallArgs) => Promise<CallOutput>,
    context: HandlerExecutionContext,
    args: CallArgs,
  ): Promise<CallOutput> {
    const commandName = String(context?.commandName || '');
    const operation = commandName.replace(/Command$/, '');
    if (!this.enabled || CAPACITY_OPERATIONS.indexOf(operation) < 0) return next(args);
    const input = (args.input ?? {}) as Json;
    const explicit = input.ReturnConsumedCapacity as CapacityMode | undefined;
    const call: ObservedCall = {
      id: ++this.seq,
      operation,
      input,
      capacityMode: explicit ?? 'INDEXES',
      capacitySetBy: explicit === undefined ? 'recorder' : 'caller',
      startMs: this.clock(),
      endMs: 0,
      attempts: [],
    };
    context[CALL_KEY] = call;
    const sent = explicit === undefined ? { ...args, input: { ...input, ReturnConsumedCapacity: 'INDEXES' } } : args;
    try {
      const result = await next(sent);
      call.output = result.output === undefined ? undefined : { ...result.output };
      return result;
    } catch (err) {
      call.error = err;
      throw err;
    } finally {
      call.endMs = this.clock();
      await this.finish(call);
    }
  }

  private async onAttempt(
    next: (args: AttemptArgs) => Promise<AttemptOutput>,
    context: HandlerExecutionContext,
    args: AttemptArgs,
  ): Promise<AttemptOutput> {
    const call = context ? (context[CALL_KEY] as ObservedCall | undefined) : undefined;
    if (!call) return next(args);
    const startMs = this.clock();
    try {
      const result = await next(args);
      const status = HttpResponse.isInstance(result.response) ? result.response.statusCode : undefined;
      call.attempts.push(
        status === undefined
          ? { startMs, endMs: this.clock(), ok: true }
          : { startMs, endMs: this.clock(), ok: true, httpStatus: status },
      );
      return result;
    } catch (err) {
      call.attempts.push({ startMs, endMs: this.clock(), ok: false, error: err });
      throw err;
    }
  }

  private async finish(call: ObservedCall): Promise<void> {
    try {
      await this.learnSchemas(tablesOf(call.operation, call.input));
      // An error before any HTTP attempt (credentials, validation in the client): one failed attempt, no status.
      if (call.attempts.length === 0 && call.error !== undefined)
        call.attempts.push({ startMs: call.startMs, endMs: call.endMs, ok: false, error: call.error });
      const built = buildRecords(call, (t) => this.schemaFor(t));
      this.calls.push(built.call);
      for (const a of built.attempts) this.attempts.push(a);
      for (const t of built.throttles) this.throttles.push(t);
    } catch {
      // Recording must never break the call it observes.
    }
  }
}

/**
 * Attaches a metrics recorder to the clients (idempotent: the same client always gets the same recorder, so a
 * notebook cell can run again). Every data-plane call then returns ConsumedCapacity per table and GSI.
 */
export function attachRecorder(clients: RecordableClients, options: RecorderOptions = {}): MetricsRecorder {
  const existing = recorders.get(clientOf(clients));
  if (existing) return existing;
  return new MetricsRecorder(options).attach(clients);
}

/** The recorder attached to these clients, if any. */
export function recorderOf(clients: RecordableClients): MetricsRecorder | undefined {
  return recorders.get(clientOf(clients));
}

// ---------------------------------------------------------------------------------------------------------------
// Chart rows and charts (CloudWatch's names on both targets)

/** Per-second rows → timeline rows of the named metrics (t = seconds since the start). */
export function secondsToMetricRows(rows: readonly SecondRow[], metrics: readonly (keyof SecondRow)[]): MetricRow[] {
  const out: MetricRow[] = [];
  for (const r of rows) for (const m of metrics) out.push({ t: r.second, metric: String(m), value: Number(r[m]) });
  return out;
}

/** Consumed read vs write capacity per second (local: from the recorder) or per period (AWS: from CloudWatch). */
export function consumedCapacityChart(rows: MetricRow[], opts: ChartOptions & { xTitle?: string } = {}): TopLevelSpec {
  return metricTimelineChart(rows, {
    title: 'ConsumedReadCapacityUnits vs ConsumedWriteCapacityUnits',
    yTitle: rows.some((r) => typeof r.t === 'string') ? 'capacity units (Sum per period)' : 'capacity units per second',
    xTitle: opts.xTitle ?? (rows.some((r) => typeof r.t === 'string') ? 'time (UTC)' : 'second of the run'),
    ...opts,
  });
}

/** Throttle events per second/period: ReadThrottleEvents, WriteThrottleEvents, ThrottledRequests. */
export function throttleEventsChart(rows: MetricRow[], opts: ChartOptions & { xTitle?: string } = {}): TopLevelSpec {
  return metricTimelineChart(rows, {
    title: 'ReadThrottleEvents, WriteThrottleEvents, ThrottledRequests',
    yTitle: 'events',
    xTitle: opts.xTitle ?? (rows.some((r) => typeof r.t === 'string') ? 'time (UTC)' : 'second of the run'),
    ...opts,
  });
}

function titleOf(defaultTitle: string, opts: ChartOptions): { text: string; subtitle?: string } {
  const text = opts.title ?? defaultTitle;
  return opts.scaleLabel ? { text, subtitle: opts.scaleLabel } : { text };
}

/** Horizontal bars: throttle events per reason, coloured by the resource (table or GSI) throttled. */
export function throttleReasonsChart(rows: readonly ReasonRow[], opts: ChartOptions = {}): TopLevelSpec {
  const reasons: string[] = [];
  for (const r of rows) if (reasons.indexOf(r.reason) < 0) reasons.push(r.reason);
  const resources: string[] = [];
  for (const r of rows) if (resources.indexOf(r.resource) < 0) resources.push(r.resource);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf('Throttle events by ThrottlingReason', opts),
    width: opts.width ?? 560,
    height: opts.height ?? Math.max(80, 44 * Math.max(1, reasons.length)),
    config: ROOM_CONFIG,
    data: { values: rows.map((r) => ({ reason: r.reason, resource: r.resource, kind: r.kind, events: r.events })) },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      // labelLimit 0: no cut. The reason IS the point, and every one is distinct (vega's default limit cut
      // "TableWriteKeyRangeThroughput…" in JupyterLab, and its width estimate in Node cut more).
      y: { field: 'reason', type: 'nominal', sort: reasons, title: null, axis: { labelLimit: 0 } },
      x: { field: 'events', type: 'quantitative', stack: 'zero', title: 'throttle events' },
      color: {
        field: 'resource',
        type: 'nominal',
        title: null,
        sort: resources,
        scale: { domain: resources, range: COLORS.series.slice(0, Math.max(1, resources.length)) },
      },
    },
  };
}

/** Longest bar label of a top-keys chart, in characters: about 450 px at the room's 14 px axis font. */
export const MAX_KEY_LABEL = 40;

/**
 * Labels that tell every bar apart within `max` characters: a label that fits stays as it is; a longer one keeps its
 * start (up to the first `#`, e.g. `TENANT`) and as much of its end as fits, cut at a `#` where possible
 * (`TENANT…#REGION-1 (GSI1_Status)`): keys differ at the end. Labels still equal after that get more of their end,
 * and equal inputs a ` (2)`, ` (3)`.
 */
export function shortLabels(labels: readonly string[], max: number = MAX_KEY_LABEL): string[] {
  const shorten = (label: string, tailChars: number): string => {
    if (label.length <= max) return label;
    const hash = label.indexOf('#');
    const head = hash > 0 && hash <= Math.floor(max / 2) ? label.slice(0, hash) : label.slice(0, Math.floor(max / 3));
    const room = Math.max(1, Math.min(tailChars, max - head.length - 1));
    let tail = label.slice(label.length - room);
    const cut = tail.indexOf('#');
    if (cut > 0 && tail.length - cut >= 3) tail = tail.slice(cut);
    return `${head}…${tail}`;
  };
  const out = labels.map((l) => shorten(l, max));
  // Two different keys that shorten alike: show them whole (rare; distinct beats short).
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < out.length; j++) {
      if (i !== j && out[i] === out[j] && labels[i] !== labels[j]) {
        out[i] = labels[i];
        out[j] = labels[j];
      }
    }
  }
  const seen = new Map<string, number>();
  return out.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

/** One bar of a top-keys chart. */
export interface TopKeyBar {
  key: string;
  value: number;
}

/**
 * Top-N keys as horizontal bars, like Contributor Insights' graphs: `ConsumedThroughputUnits` (most accessed,
 * blue) or `ThrottleCount` (most throttled, orange). Rows in the order given (largest first).
 */
export function topKeysChart(
  rows: readonly TopKeyBar[],
  opts: ChartOptions & { metric?: ContributorMetricName } = {},
): TopLevelSpec {
  const metric = opts.metric ?? 'ConsumedThroughputUnits';
  const title =
    metric === 'ThrottleCount'
      ? 'Most throttled partition keys (ThrottleCount)'
      : 'Most accessed partition keys (ConsumedThroughputUnits)';
  // The keys that matter differ in their last characters (TENANT#globex#EVENTS#S0…S7): vega's label limit cut them
  // all to the same "TENANT#globex#EVEN…". The bars carry labels shortened from the middle (distinct, the end kept)
  // and the axis has no limit; the tooltip keeps the whole key.
  const labels = shortLabels(rows.map((r) => r.key));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf(title, opts),
    width: opts.width ?? 560,
    height: opts.height ?? Math.max(80, 36 * Math.max(1, rows.length)),
    config: ROOM_CONFIG,
    data: {
      values: rows.map((r, i) => ({ key: r.key, bar: labels[i], value: r.value, label: formatCell(round(r.value, 2)) })),
    },
    encoding: {
      y: { field: 'bar', type: 'nominal', sort: labels, title: null, axis: { labelLimit: 0 } },
      x: { field: 'value', type: 'quantitative', title: metric, scale: { nice: true } },
    },
    layer: [
      {
        mark: { type: 'bar', color: metric === 'ThrottleCount' ? COLORS.throttled : COLORS.ok },
        encoding: {
          tooltip: [
            { field: 'key', type: 'nominal', title: 'key' },
            { field: 'value', type: 'quantitative', title: metric },
          ],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 6, fontSize: 14 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

/** Key rows → bars: `ThrottleCount` or `ConsumedThroughputUnits`, the GSI named next to its keys. */
export function keyBars(rows: readonly KeyRow[], metric: ContributorMetricName = 'ConsumedThroughputUnits'): TopKeyBar[] {
  return rows.map((r) => ({
    key: r.index ? `${r.partitionKey} (${r.index})` : r.partitionKey,
    value: metric === 'ThrottleCount' ? r.ThrottleCount : r.ConsumedThroughputUnits,
  }));
}
