import type { HttpRequest } from '@smithy/core/protocols';
import { marshalledItemSizeBytes } from '../model/capacity';
import type { ConsumeRequest } from '../model/partitions';
import { keyValueString, type MarshalledItem } from '../model/request';
import type { Decision } from './decision-log';
import { type HandlerOutput, jsonError, withBody } from './wire';

// The throttling emulator's vocabulary (the request parts it decides, what the engine sent back) and its answers in
// AWS's shapes: the throttling exception, a cancelled transaction, ConsumedCapacity as the caller asked for it.

export type Json = Record<string, unknown>;
export type KeysAndAttributes = Json & { Keys: MarshalledItem[]; ConsistentRead?: boolean; ProjectionExpression?: string };

/** The engine behind the emulator: forwards a request (or another one) to the real HTTP handler. */
export type Handler = { handle: (request: HttpRequest) => Promise<HandlerOutput> };

// AWS's text for a key-range throttle in on-demand mode.
export const THROTTLE_MESSAGE =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index ' +
  'so please try again shortly. If exceptions persist, check if you have a hot key: ' +
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html';

/** One part of a request's charge: a partition of a table or GSI, read or write, and what is known to settle it. */
export interface Part {
  req: Omit<ConsumeRequest, 'nowMs'>;
  arn: string;
  /** which request entry (batch entry, transaction item, statement) it belongs to */
  entry: number;
}

/** A sent request: the engine's answer parsed (status 200), or the raw error answer. */
export type Sent = { ok: true; body: Json; out: HandlerOutput } | { ok: false; out: HandlerOutput };

/** The capacity DynamoDB Local reported, per table and per GSI: `table` → units, `table\0index` → units. */
export type Reported = Map<string, number>;

export const PARTIQL = new Set(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);

export function pkString(av: unknown): string {
  return keyValueString(av) ?? 'undefined';
}

/**
 * A read that spans partitions (Scan, a PartiQL SELECT without the partition key): its units shared among the
 * partitions of the items it returned, in proportion to their bytes; evenly over every partition when none came back
 * (a filter dropped them all, or the table is empty).
 */
export function spread(
  table: string,
  index: string | undefined,
  arn: string,
  hash: string,
  units: number,
  items: MarshalledItem[],
  partitions: number,
  partitionOf: (k: string) => number,
): Part[] {
  const bytes = new Map<number, { key: string; bytes: number }>();
  for (const it of items) {
    const k = pkString(it[hash]);
    const p = partitionOf(k);
    const b = bytes.get(p) ?? { key: k, bytes: 0 };
    b.bytes += marshalledItemSizeBytes(it);
    bytes.set(p, b);
  }
  if (bytes.size === 0) {
    // one representative key per partition: the first of "0", "1", … that hashes there
    for (let i = 0; bytes.size < partitions && i < 10_000; i++) {
      const p = partitionOf(`scan#${i}`);
      if (!bytes.has(p)) bytes.set(p, { key: `scan#${i}`, bytes: 1 });
    }
  }
  const total = [...bytes.values()].reduce((n, b) => n + b.bytes, 0);
  return [...bytes.values()].map((b) => ({
    req: { table, index, partitionKey: b.key, kind: 'read' as const, units: (units * b.bytes) / total },
    arn,
    entry: 0,
  }));
}

/** Capacity per table and per GSI, from a ConsumedCapacity (one object, or a list of them) reported with INDEXES. */
export function reported(cc: unknown): Reported {
  const out: Reported = new Map();
  const list = (Array.isArray(cc) ? cc : cc ? [cc] : []) as {
    TableName?: string;
    CapacityUnits?: number;
    Table?: { CapacityUnits?: number };
    GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  }[];
  for (const c of list) {
    const table = String(c.TableName);
    out.set(table, (out.get(table) ?? 0) + Number(c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0));
    for (const [ix, v] of Object.entries(c.GlobalSecondaryIndexes ?? {})) {
      const id = `${table}\u0000${ix}`;
      out.set(id, (out.get(id) ?? 0) + Number(v.CapacityUnits ?? 0));
    }
  }
  return out;
}

/** The engine's answer, with ConsumedCapacity as the caller asked for it (the emulator asked INDEXES for itself). */
export function answer(sent: Sent, asked: unknown): HandlerOutput {
  if (!sent.ok) return sent.out;
  const body = sent.body;
  if (asked === 'INDEXES') {
    // as the engine reported it
  } else if (asked === 'TOTAL') {
    const total = (c: Json) => {
      const out: Json = { TableName: c.TableName, CapacityUnits: c.CapacityUnits };
      if (c.ReadCapacityUnits !== undefined) out.ReadCapacityUnits = c.ReadCapacityUnits;
      if (c.WriteCapacityUnits !== undefined) out.WriteCapacityUnits = c.WriteCapacityUnits;
      return out;
    };
    if (Array.isArray(body.ConsumedCapacity)) body.ConsumedCapacity = (body.ConsumedCapacity as Json[]).map(total);
    else if (body.ConsumedCapacity) body.ConsumedCapacity = total(body.ConsumedCapacity as Json);
  } else {
    delete body.ConsumedCapacity;
  }
  return { response: withBody(sent.out.response, JSON.stringify(body)) };
}

export function throttled(d: Decision, resourceArn: string): HandlerOutput {
  return jsonError(
    {
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: THROTTLE_MESSAGE,
      ThrottlingReasons: [{ reason: d.reason, resource: resourceArn }],
    },
    `EMULATED-THROTTLE-${d.tMs}`,
  );
}

/**
 * A transaction a partition cannot take: AWS cancels it (TransactionCanceledException, "insufficient provisioned
 * capacity for the transaction to be completed"), with a ThrottlingError reason at the item refused.
 */
export function transactionThrottled(items: number, refused: number): HandlerOutput {
  const reasons = Array.from({ length: items }, (_, i) =>
    i === refused ? { Code: 'ThrottlingError', Message: THROTTLE_MESSAGE } : { Code: 'None' },
  );
  return jsonError(
    {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      CancellationReasons: reasons,
    },
    `EMULATED-THROTTLE-${Date.now()}`,
  );
}
