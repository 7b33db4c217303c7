import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { clientOptions, type WorkshopClients } from './client';
import { bodyText, cloneRequest, type HandlerOutput, jsonError, readBody, withBody } from './wire';
import { keyConditionPartitionKey } from './request';
import { attributeValueSizeBytes, type AttributeValueLike, marshalledItemSizeBytes, writeUnits } from './capacity';
import {
  type ConsumeRequest,
  type Kind,
  PartitionModel,
  type PartitionModelOptions,
  type ThrottlingReasonName,
  describeScale,
} from './partitions';

/**
 * Throttling you can see on a laptop. DynamoDB Local never throttles; this emulator sits where the network would
 * be (it wraps the client's HTTP request handler), applies the partition model to each request and, when a
 * partition is over its limit, answers the way AWS does: an HTTP 400 ProvisionedThroughputExceededException
 * with ThrottlingReasons, or UnprocessedItems for the throttled part of a BatchWriteItem. Everything above the
 * handler — the SDK's deserializer, its retry strategy, $metadata.attempts — behaves exactly as against AWS,
 * and a throttled request never reaches the engine.
 */

export interface EmulatorOptions extends PartitionModelOptions {
  /** Milliseconds clock; injectable so tests can drive time. */
  clock?: () => number;
}

export interface Decision {
  tMs: number;
  operation: string;
  table: string;
  index?: string;
  partitionKey: string;
  partition: number;
  kind: Kind;
  units: number;
  allowed: boolean;
  reason?: ThrottlingReasonName;
}

interface KeySchema {
  hash: string;
  arn: string;
  indexes: { name: string; hash: string; arn: string }[];
}

type Json = Record<string, unknown>;
type KeysAndAttributes = Json & { Keys: Json[]; ConsistentRead?: boolean };

/** How one batch operation lays out its per-table entries, and where unprocessed ones go back. */
interface BatchShape<T> {
  unprocessed: 'UnprocessedItems' | 'UnprocessedKeys';
  entries(perTable: T): Json[];
  /** the per-table value holding `entries`, shaped like the request's */
  rebuild(perTable: T, entries: Json[]): T;
  merge(engine: T | undefined, refused: T): T;
}

const WRITE_BATCH: BatchShape<Json[]> = {
  unprocessed: 'UnprocessedItems',
  entries: (requests) => requests,
  rebuild: (_, entries) => entries,
  merge: (engine, refused) => [...(engine ?? []), ...refused],
};

const GET_BATCH: BatchShape<KeysAndAttributes> = {
  unprocessed: 'UnprocessedKeys',
  entries: (reads) => reads.Keys ?? [],
  rebuild: (reads, keys) => ({ ...reads, Keys: keys }),
  merge: (engine, refused) => (engine ? { ...engine, Keys: [...engine.Keys, ...refused.Keys] } : refused),
};
type Handler = {
  handle: (request: HttpRequest, options?: Json) => Promise<{ response: HttpResponse }>;
  destroy?: () => void;
  updateHttpClientConfig?: (key: never, value: never) => void;
  httpHandlerConfigs?: () => Json;
};

// AWS's text for a key-range throttle in on-demand mode.
const THROTTLE_MESSAGE =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index ' +
  'so please try again shortly. If exceptions persist, check if you have a hot key: ' +
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html';

const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

export class ThrottleEmulator {
  readonly model: PartitionModel;
  readonly decisions: Decision[] = [];
  readonly scaleLabel: string;
  private readonly clock: () => number;
  private readonly schemas = new Map<string, Promise<KeySchema>>();
  private installed?: { clients: WorkshopClients; inner: Handler; describer: DynamoDBClient };
  enabled = true;

  constructor(options: EmulatorOptions = {}) {
    this.model = new PartitionModel(options);
    this.clock = options.clock ?? Date.now;
    this.scaleLabel = describeScale(this.model.scale, options);
  }

  /** Puts the emulator in front of the clients' engine. Refuses the aws target: there, throttling is real. */
  install(clients: WorkshopClients): this {
    if (clients.config.target === 'aws') {
      throw new Error('The throttling emulator is for the local target only: on AWS, throttling is real.');
    }
    if (this.installed) return this;
    const config = clients.ddb.config as unknown as { requestHandler: Handler };
    const inner = config.requestHandler;
    const wrapper: Handler = {
      handle: (request, options) => this.handle(inner, request, options),
      destroy: () => inner.destroy?.(),
      updateHttpClientConfig: (k, v) => inner.updateHttpClientConfig?.(k, v),
      httpHandlerConfigs: () => (inner.httpHandlerConfigs ? inner.httpHandlerConfigs() : {}),
    };
    config.requestHandler = wrapper;
    const describer = new DynamoDBClient(clientOptions(clients.config));
    this.installed = { clients, inner, describer };
    return this;
  }

  /** Restores the plain handler (requests go straight to the engine again). */
  uninstall(): void {
    if (!this.installed) return;
    (this.installed.clients.ddb.config as unknown as { requestHandler: Handler }).requestHandler = this.installed.inner;
    this.installed.describer.destroy();
    this.installed = undefined;
  }

  /** Forgets counters, windows and decisions: start a new experiment. */
  reset(): void {
    this.model.reset();
    this.decisions.length = 0;
  }

  private async schema(table: string): Promise<KeySchema> {
    let p = this.schemas.get(table);
    if (!p) {
      const describer = this.installed!.describer;
      p = describer.send(new DescribeTableCommand({ TableName: table })).then((out) => {
        const t = out.Table!;
        const hashOf = (ks: { AttributeName?: string; KeyType?: string }[] | undefined) =>
          (ks ?? []).find((k) => k.KeyType === 'HASH')?.AttributeName ?? 'PK';
        return {
          hash: hashOf(t.KeySchema),
          arn: t.TableArn ?? table,
          indexes: (t.GlobalSecondaryIndexes ?? []).map((g) => ({
            name: g.IndexName!,
            hash: hashOf(g.KeySchema),
            arn: g.IndexArn ?? `${t.TableArn}/index/${g.IndexName}`,
          })),
        };
      });
      p.catch(() => this.schemas.delete(table));
      this.schemas.set(table, p);
    }
    return p;
  }

  /** GSIs can be added while the emulator runs: forget cached schemas after UpdateTable. */
  private forget(table: string): void {
    this.schemas.delete(table);
  }

  private decide(operation: string, req: Omit<ConsumeRequest, 'nowMs'>): Decision {
    const nowMs = this.clock();
    const limit = req.kind === 'read' ? this.model.limits.readUnitsPerSecond : this.model.limits.writeUnitsPerSecond;
    // At a small scale one large item could exceed a partition's whole per-second budget and never pass;
    // on AWS no single item (400 KB max) is that large, so a request is capped at one second's budget.
    const units = Math.min(req.units, limit);
    const r = this.model.tryConsume({ ...req, units, nowMs });
    const d: Decision = {
      tMs: nowMs,
      operation,
      table: req.table,
      index: req.index,
      partitionKey: req.partitionKey,
      partition: r.partition,
      kind: req.kind,
      units,
      allowed: r.allowed,
      reason: r.reason,
    };
    this.decisions.push(d);
    return d;
  }

  /** Decides one item write: the table's partition, and each GSI the item is projected into. */
  private decideItemWrite(operation: string, table: string, schema: KeySchema, item: Json): Decision[] {
    const units = writeUnits(marshalledItemSizeBytes(item as Record<string, AttributeValueLike>));
    const pk = stringOf(item[schema.hash]);
    const out: Decision[] = [this.decide(operation, { table, partitionKey: pk, kind: 'write', units })];
    if (!out[0].allowed) return out;
    for (const ix of schema.indexes) {
      const v = item[ix.hash];
      if (v === undefined) continue; // sparse: items without the index key do not touch the index
      const d = this.decide(operation, { table, index: ix.name, partitionKey: stringOf(v), kind: 'write', units });
      out.push(d);
      if (!d.allowed) break;
    }
    return out;
  }

  private async handle(inner: Handler, request: HttpRequest, options?: Json): Promise<{ response: HttpResponse }> {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.split('.')[1] ?? '';
    const text = bodyText(request.body);
    if (!this.enabled || text === undefined) return inner.handle(request, options);
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return inner.handle(request, options);
    }

    if (operation === 'UpdateTable' || operation === 'DeleteTable') {
      this.forget(String(body.TableName));
      return inner.handle(request, options);
    }

    if (WRITE_OPS.has(operation)) {
      const table = String(body.TableName);
      const schema = await this.schema(table);
      const item = (operation === 'PutItem' ? body.Item : body.Key) as Json;
      // Update/Delete: the item's new size is unknown before the engine answers; charge its key (>= 1 WCU).
      const decisions = this.decideItemWrite(operation, table, schema, item);
      const denied = decisions.find((d) => !d.allowed);
      if (denied) return throttled(denied, denied.index ? schema.indexes.find((i) => i.name === denied.index)!.arn : schema.arn);
      return inner.handle(request, options);
    }

    if (operation === 'BatchWriteItem') return this.batchWrite(inner, request, body, options);
    if (operation === 'BatchGetItem') return this.batchGet(inner, request, body, options);

    if (operation === 'GetItem' || operation === 'Query') {
      const table = String(body.TableName);
      const schema = await this.schema(table);
      const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
      const hash = index ? (schema.indexes.find((i) => i.name === index)?.hash ?? schema.hash) : schema.hash;
      const pk = operation === 'GetItem' ? stringOf((body.Key as Json)[schema.hash]) : queryPartitionKey(body, hash);
      if (pk === undefined) return inner.handle(request, options);
      const estimate = body.ConsistentRead ? 1 : 0.5;
      const d = this.decide(operation, { table, index, partitionKey: pk, kind: 'read', units: estimate });
      if (!d.allowed) return throttled(d, index ? (schema.indexes.find((i) => i.name === index)?.arn ?? schema.arn) : schema.arn);
      const out = await inner.handle(request, options);
      return this.chargeRead(out, { table, index, partitionKey: pk, kind: 'read', units: 0, nowMs: d.tMs }, estimate, d);
    }

    return inner.handle(request, options);
  }

  /** Reads are metered after the fact: charge the true consumed capacity beyond the admission estimate. */
  private async chargeRead(
    out: { response: HttpResponse },
    req: ConsumeRequest,
    estimate: number,
    decision: Decision,
  ): Promise<{ response: HttpResponse }> {
    if (out.response.statusCode !== 200) return out;
    const raw = await readBody(out.response.body);
    try {
      const parsed = JSON.parse(raw) as Json;
      const consumed = (parsed.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits;
      const units = consumed ?? estimateReadUnits(parsed);
      if (units > estimate) {
        this.model.charge({ ...req, units: units - estimate, nowMs: this.clock() });
        decision.units = units;
      }
    } catch {
      // not JSON: nothing to meter
    }
    return { response: withBody(out.response, raw) };
  }

  /** BatchWriteItem: each Put/Delete is a write of its item (or key) to the table and the GSIs it reaches. */
  private batchWrite(inner: Handler, request: HttpRequest, body: Json, options?: Json): Promise<{ response: HttpResponse }> {
    return this.batch(inner, request, body, options, WRITE_BATCH, (table, schema, wr) => {
      const put = wr.PutRequest as { Item: Json } | undefined;
      const del = wr.DeleteRequest as { Key: Json } | undefined;
      const item = put ? put.Item : del ? del.Key : undefined;
      if (!item) return undefined; // malformed: the engine answers it
      const denied = this.decideItemWrite('BatchWriteItem', table, schema, item).find((d) => !d.allowed);
      return denied && { d: denied, arn: denied.index ? schema.indexes.find((i) => i.name === denied.index)!.arn : schema.arn };
    });
  }

  /**
   * BatchGetItem: each key is a read of its partition (0.5 RCU eventually consistent, 1 RCU strongly: the admission
   * estimate, not re-charged after the fact as GetItem/Query are — the engine reports units per table, not per key).
   */
  private batchGet(inner: Handler, request: HttpRequest, body: Json, options?: Json): Promise<{ response: HttpResponse }> {
    const requestItems = (body.RequestItems ?? {}) as Record<string, KeysAndAttributes>;
    return this.batch(inner, request, body, options, GET_BATCH, (table, schema, key) => {
      const units = requestItems[table].ConsistentRead ? 1 : 0.5;
      const d = this.decide('BatchGetItem', { table, partitionKey: stringOf(key[schema.hash]), kind: 'read', units });
      return d.allowed ? undefined : { d, arn: schema.arn };
    });
  }

  /**
   * AWS's contract for both batch calls: the entries a partition refuses come back unprocessed (beside whatever the
   * engine itself leaves unprocessed); when no entry can be processed, the whole call fails with the throttling
   * exception. Only the admitted entries reach the engine. `refuse` answers undefined for an entry it admits.
   */
  private async batch<T>(
    inner: Handler,
    request: HttpRequest,
    body: Json,
    options: Json | undefined,
    shape: BatchShape<T>,
    refuse: (table: string, schema: KeySchema, entry: Json) => { d: Decision; arn: string } | undefined,
  ): Promise<{ response: HttpResponse }> {
    const requestItems = (body.RequestItems ?? {}) as Record<string, T>;
    const admitted: Record<string, Json[]> = {};
    const refused: Record<string, Json[]> = {};
    let firstDenied: { d: Decision; arn: string } | undefined;
    let admittedCount = 0;
    for (const table of Object.keys(requestItems)) {
      const schema = await this.schema(table);
      for (const entry of shape.entries(requestItems[table])) {
        const denied = refuse(table, schema, entry);
        const into = denied ? refused : admitted;
        (into[table] = into[table] ?? []).push(entry);
        if (denied) firstDenied = firstDenied ?? denied;
        else admittedCount++;
      }
    }
    if (!firstDenied) return inner.handle(request, options);
    if (admittedCount === 0) return throttled(firstDenied.d, firstDenied.arn);

    const rebuild = (entries: Record<string, Json[]>) =>
      Object.fromEntries(Object.entries(entries).map(([table, e]) => [table, shape.rebuild(requestItems[table], e)]));
    const out = await inner.handle(cloneRequest(request, JSON.stringify({ ...body, RequestItems: rebuild(admitted) })), options);
    if (out.response.statusCode !== 200) return out;
    const parsed = JSON.parse(await readBody(out.response.body)) as Json;
    const unprocessed = { ...((parsed[shape.unprocessed] ?? {}) as Record<string, T>) };
    for (const [table, back] of Object.entries(rebuild(refused))) unprocessed[table] = shape.merge(unprocessed[table], back);
    parsed[shape.unprocessed] = unprocessed;
    return { response: withBody(out.response, JSON.stringify(parsed)) };
  }

  /** Totals per partition key (what Contributor Insights' "most throttled keys" shows). */
  keyStats(): {
    partitionKey: string;
    table: string;
    index?: string;
    partition: number;
    ok: number;
    throttled: number;
    units: number;
  }[] {
    const m = new Map<
      string,
      { partitionKey: string; table: string; index?: string; partition: number; ok: number; throttled: number; units: number }
    >();
    for (const d of this.decisions) {
      const id = `${d.table}\u0000${d.index ?? ''}\u0000${d.partitionKey}`;
      let s = m.get(id);
      if (!s) {
        s = {
          partitionKey: d.partitionKey,
          table: d.table,
          index: d.index,
          partition: d.partition,
          ok: 0,
          throttled: 0,
          units: 0,
        };
        m.set(id, s);
      }
      if (d.allowed) {
        s.ok++;
        s.units += d.units;
      } else s.throttled++;
    }
    return Array.from(m.values()).sort((a, b) => b.ok + b.throttled - (a.ok + a.throttled));
  }

  /** Admitted and throttled requests per whole second since `sinceMs` (default: the first decision). */
  perSecond(sinceMs?: number): { second: number; ok: number; throttled: number }[] {
    if (this.decisions.length === 0) return [];
    const t0 = sinceMs ?? this.decisions[0].tMs;
    const rows: { second: number; ok: number; throttled: number }[] = [];
    for (const d of this.decisions) {
      if (d.tMs < t0) continue;
      const s = Math.floor((d.tMs - t0) / 1000);
      while (rows.length <= s) rows.push({ second: rows.length, ok: 0, throttled: 0 });
      if (d.allowed) rows[s].ok++;
      else rows[s].throttled++;
    }
    return rows;
  }
}

/** Creates an emulator and installs it on the clients (local target only). */
export function emulateThrottling(clients: WorkshopClients, options: EmulatorOptions = {}): ThrottleEmulator {
  return new ThrottleEmulator(options).install(clients);
}

function stringOf(av: unknown): string {
  if (av && typeof av === 'object') {
    const v = av as Json;
    if (typeof v.S === 'string') return v.S;
    if (typeof v.N === 'string') return v.N;
    if (typeof v.B === 'string') return v.B;
  }
  return JSON.stringify(av);
}

/** The partition key value a Query pins (either operand order, legacy KeyConditions): the shared request reader. */
export const queryPartitionKey = keyConditionPartitionKey;

function estimateReadUnits(parsed: Json): number {
  const items = (parsed.Items as Json[] | undefined) ?? (parsed.Item ? [parsed.Item as Json] : []);
  let bytes = 0;
  for (const it of items) {
    for (const k of Object.keys(it)) bytes += Buffer.byteLength(k) + attributeValueSizeBytes(it[k] as AttributeValueLike);
  }
  return Math.max(0.5, Math.ceil(bytes / 4096) / 2);
}

function throttled(d: Decision, resourceArn: string): HandlerOutput {
  return jsonError(
    {
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: THROTTLE_MESSAGE,
      ThrottlingReasons: [{ reason: d.reason, resource: resourceArn }],
    },
    `EMULATED-THROTTLE-${d.tMs}`,
  );
}
