// Building one call's record (pure: the recorder passes what its middlewares saw). `buildRecords` runs the steps
// below in order: the call's shape, its attempts (and the throttle events their errors carry), the items that came
// back unprocessed, the processed items and who their units belong to (per key, per tenant), then the record.

import type { Kind } from '../model/partitions';
import { keyValueString } from '../model/request';
import { NO_TENANT } from '../tenancy/keys';
import {
  type Json,
  type TableKeySchema,
  type Touch,
  keyId,
  operationKind,
  parseConsumedCapacity,
  reasonKind,
  resourceFromArn,
  statementTable,
  tablesOf,
  tenantOf,
  touchesOf,
  unprocessedOf,
} from './call-anatomy';
import { BATCH_OPERATIONS, UNPROCESSED_ITEMS_REASON, UNPROCESSED_KEYS_REASON, isThrottleError } from './metric-names';
import type { AttemptRecord, CallRecord, CapacityMode, CapacityUse, KeyUse, TenantUse, ThrottleEvent } from './records';

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

/** One call's records: the call, one row per attempt, one event per throttled item or reason. */
export interface BuiltRecords {
  call: CallRecord;
  attempts: AttemptRecord[];
  throttles: ThrottleEvent[];
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

/** Unix second of a millisecond timestamp. */
export function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}

/** What every step reads: the call as the middlewares saw it, and what its request names. */
interface CallShape {
  call: ObservedCall;
  operation: string;
  kind: Kind;
  tables: string[];
  table?: string;
  index?: string;
  touches: Touch[];
  output?: Json;
  consumed: unknown;
  capacity: CapacityUse[];
  schemaOf: (table: string) => TableKeySchema;
}

function shapeOf(call: ObservedCall, schemaOf: (table: string) => TableKeySchema): CallShape {
  const { operation, input } = call;
  const kind = operationKind(operation, input);
  const tables = tablesOf(operation, input);
  let index = typeof input.IndexName === 'string' ? input.IndexName : undefined;
  if (!index && operation === 'ExecuteStatement') index = statementTable(String(input.Statement ?? '')).index;
  const output = call.output;
  const consumed = output ? output.ConsumedCapacity : undefined;
  return {
    call,
    operation,
    kind,
    tables,
    table: tables[0],
    index,
    touches: touchesOf(operation, input, schemaOf),
    output,
    consumed,
    capacity: parseConsumedCapacity(consumed, kind, index),
    schemaOf,
  };
}

function withTenant(ev: ThrottleEvent, pk: string | undefined): ThrottleEvent {
  if (pk === undefined) return ev;
  ev.partitionKey = pk;
  const tenant = tenantOf(pk);
  if (tenant !== undefined) ev.tenant = tenant;
  return ev;
}

/** Step 1: one row per attempt (CloudWatch's error classes), and the throttle events of each throttled attempt. */
function attemptRecords(s: CallShape): { attempts: AttemptRecord[]; throttles: ThrottleEvent[] } {
  const attempts: AttemptRecord[] = [];
  const throttles: ThrottleEvent[] = [];
  s.call.attempts.forEach((a, i) => {
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
      callId: s.call.id,
      operation: s.operation,
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
    if (s.table !== undefined) rec.table = s.table;
    if (e.name !== undefined && !a.ok) rec.errorName = e.name;
    if (status !== undefined) rec.httpStatus = status;
    attempts.push(rec);
    if (throttled) for (const ev of exceptionThrottles(s, e, i + 1, a.endMs)) throttles.push(ev);
  });
  return { attempts, throttles };
}

/** One event per ThrottlingReason; a batch refused as a whole throttled every item it carried. */
function exceptionThrottles(s: CallShape, e: ErrorLike, attempt: number, tMs: number): ThrottleEvent[] {
  const out: ThrottleEvent[] = [];
  const reasons =
    e.ThrottlingReasons && e.ThrottlingReasons.length > 0 ? e.ThrottlingReasons : [{ reason: e.name, resource: undefined }];
  const emit = (reason: string, resource: { table: string; index?: string } | undefined, touch: Touch | undefined) => {
    const rTable = resource ? resource.table : touch ? touch.table : (s.table ?? '');
    const rIndex = resource ? resource.index : touch ? touch.index : s.index;
    let pk = touch ? touch.partitionKey : undefined;
    if (touch && rIndex !== undefined && touch.index !== rIndex) {
      // A write throttled on a GSI: the hot key is the item's GSI partition key.
      const ix = s.schemaOf(rTable).indexes[rIndex];
      pk = ix && touch.item ? keyValueString(touch.item[ix.partitionKey]) : undefined;
    }
    const ev: ThrottleEvent = {
      callId: s.call.id,
      operation: s.operation,
      table: rTable,
      kind: reasonKind(reason) ?? s.kind,
      reason,
      source: 'exception',
      attempt,
      tMs,
      second: secondOf(tMs),
    };
    if (rIndex !== undefined) ev.index = rIndex;
    out.push(withTenant(ev, pk));
  };
  if (BATCH_OPERATIONS.has(s.operation)) {
    const r = reasons[0];
    const res = resourceFromArn(r.resource);
    const items = s.touches.length > 0 ? s.touches : [undefined];
    for (const t of items) emit(String(r.reason ?? e.name), res, t);
  } else {
    for (const r of reasons) emit(String(r.reason ?? e.name), resourceFromArn(r.resource), s.touches[0]);
  }
  return out;
}

/** Step 2: unprocessed items/keys, throttled item events the service reports without a reason. */
function unprocessedThrottles(s: CallShape): { count: number; throttles: ThrottleEvent[]; pending: Map<string, number> } {
  const unprocessed = unprocessedOf(s.operation, s.output);
  const pending = new Map<string, number>();
  const throttles: ThrottleEvent[] = [];
  for (const u of unprocessed) {
    const id = `${u.table}\u0001${keyId(u.item, s.schemaOf(u.table))}`;
    pending.set(id, (pending.get(id) ?? 0) + 1);
    const pk = keyValueString(u.item[s.schemaOf(u.table).partitionKey]);
    const ev: ThrottleEvent = {
      callId: s.call.id,
      operation: s.operation,
      table: u.table,
      kind: s.kind,
      reason: s.operation === 'BatchGetItem' ? UNPROCESSED_KEYS_REASON : UNPROCESSED_ITEMS_REASON,
      source: 'unprocessed',
      attempt: s.call.attempts.length,
      tMs: s.call.endMs,
      second: secondOf(s.call.endMs),
    };
    throttles.push(withTenant(ev, pk));
  }
  return { count: unprocessed.length, throttles, pending };
}

/** Step 3: the touches the engine processed (all of them, minus the unprocessed ones; none if the call failed). */
function processedTouches(s: CallShape, pending: Map<string, number>): Touch[] {
  const processed: Touch[] = [];
  if (!s.output) return processed;
  for (const t of s.touches) {
    const id = `${t.table}\u0001${keyId(t.item, s.schemaOf(t.table))}`;
    const left = t.item ? (pending.get(id) ?? 0) : 0;
    if (left > 0) {
      pending.set(id, left - 1);
      continue;
    }
    processed.push(t);
  }
  return processed;
}

function addKeyUse(list: KeyUse[], table: string, index: string | undefined, pk: string, items: number, r: number, w: number) {
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

function addTenantUse(list: TenantUse[], tenant: string, items: number, r: number, w: number): void {
  let row = list.find((x) => x.tenant === tenant);
  if (!row) list.push((row = { tenant, items: 0, readUnits: 0, writeUnits: 0 }));
  row.items += items;
  row.readUnits += r;
  row.writeUnits += w;
}

/** Distinct values, first-seen order. */
function distinct(values: Iterable<string | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== undefined && out.indexOf(v) < 0) out.push(v);
  return out;
}

/** Step 4: item events and units per partition key and per tenant: processed touches share their resource's units evenly. */
function keyAndTenantUse(s: CallShape, processed: Touch[]): { keys: KeyUse[]; tenantUse: TenantUse[] } {
  const keys: KeyUse[] = [];
  const tenantUse: TenantUse[] = [];
  for (const t of processed) {
    if (t.partitionKey !== undefined) addKeyUse(keys, t.table, t.index, t.partitionKey, 1, 0, 0);
    addTenantUse(tenantUse, tenantOf(t.partitionKey) ?? NO_TENANT, 1, 0, 0);
  }
  const callTenants = distinct(s.touches.map((t) => tenantOf(t.partitionKey)));
  for (const c of s.capacity) {
    // Who owns these units: the processed items on this resource (for a GSI: the table items carrying its key).
    const owners: { pk: string; tenant: string; indexKeyOfItem: boolean }[] = [];
    const ix = c.index === undefined ? undefined : s.schemaOf(c.table).indexes[c.index];
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
      addTenantUse(tenantUse, callTenants.length === 1 ? callTenants[0] : NO_TENANT, 0, c.readUnits, c.writeUnits);
      continue;
    }
    const r = c.readUnits / owners.length;
    const w = c.writeUnits / owners.length;
    for (const o of owners) {
      // A GSI key written by an item is an item event of the index (Contributor Insights on the GSI counts it).
      addKeyUse(keys, c.table, c.index, o.pk, o.indexKeyOfItem ? 1 : 0, r, w);
      addTenantUse(tenantUse, o.tenant, 0, r, w);
    }
  }
  return { keys, tenantUse };
}

/** Step 5: the call's record. */
function callRecord(
  s: CallShape,
  parts: { attempts: AttemptRecord[]; throttles: ThrottleEvent[]; unprocessed: number; keys: KeyUse[]; tenantUse: TenantUse[] },
): CallRecord {
  const { call, operation, output, capacity } = s;
  const e = errorInfo(call.error);
  const meta = output ? (output.$metadata as { attempts?: number } | undefined) : e.$metadata;
  const partitionKeys = distinct(s.touches.map((t) => t.partitionKey));
  const last = call.attempts.length > 0 ? call.attempts[call.attempts.length - 1] : undefined;
  const record: CallRecord = {
    id: call.id,
    operation,
    tables: s.tables,
    indexes: distinct(capacity.map((c) => c.index)),
    startMs: call.startMs,
    endMs: call.endMs,
    second: secondOf(call.endMs),
    latencyMs: call.endMs - call.startMs,
    attempts: call.attempts.length,
    retries: Math.max(0, call.attempts.length - 1),
    ok: output !== undefined && call.error === undefined,
    capacityMode: call.capacityMode,
    capacitySetBy: call.capacitySetBy,
    capacityReturned: s.consumed !== undefined,
    capacity,
    readUnits: capacity.reduce((sum, c) => sum + c.readUnits, 0),
    writeUnits: capacity.reduce((sum, c) => sum + c.writeUnits, 0),
    throttleEvents: parts.throttles.length,
    throttledAttempts: parts.attempts.filter((a) => a.throttled).length,
    unprocessedItems: operation === 'BatchWriteItem' ? parts.unprocessed : 0,
    unprocessedKeys: operation === 'BatchGetItem' ? parts.unprocessed : 0,
    partitionKeys,
    tenants: distinct(partitionKeys.map(tenantOf)),
    keys: parts.keys,
    tenantUse: parts.tenantUse,
  };
  if (s.table !== undefined) record.table = s.table;
  if (s.index !== undefined) record.index = s.index;
  if (last?.ok) record.successLatencyMs = last.endMs - last.startMs;
  if (meta && typeof meta.attempts === 'number') record.sdkAttempts = meta.attempts;
  if (call.error !== undefined) record.errorName = e.name ?? String(call.error);
  return record;
}

/** Turns what the middlewares saw into the call's record and its throttle/attempt rows. */
export function buildRecords(call: ObservedCall, schemaOf: (table: string) => TableKeySchema): BuiltRecords {
  const shape = shapeOf(call, schemaOf);
  const { attempts, throttles } = attemptRecords(shape);
  const unprocessed = unprocessedThrottles(shape);
  for (const t of unprocessed.throttles) throttles.push(t);
  const { keys, tenantUse } = keyAndTenantUse(shape, processedTouches(shape, unprocessed.pending));
  const record = callRecord(shape, { attempts, throttles, unprocessed: unprocessed.count, keys, tenantUse });
  return { call: record, attempts, throttles };
}
