import type { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import type { WorkshopClients } from '../client';
import { type Uninstall, wrapHandler } from '../model/intercept';
import { WorkshopError } from '../errors';
import { type SchemaCache, schemaCacheOf, type TableSchema } from '../model/schema-cache';
import { bodyText, cloneRequest, type HandlerOutput, jsonError, readBody, withBody } from './wire';
import {
  type AttributeValue,
  indexEntry,
  keyConditionPartitionKey,
  keyId,
  type KeyNames,
  keyOf,
  keyValueString,
  type MarshalledItem,
  type PartiqlStatement,
  partiqlStatement,
  sameEntry,
  updatedItem,
} from '../model/request';
import { marshalledItemSizeBytes, queryReadUnits, readUnits, writeUnits } from '../model/capacity';
import {
  type ConsumeRequest,
  type ConsumeResult,
  type Kind,
  PartitionModel,
  type PartitionModelOptions,
  type ThrottlingReasonName,
  type Ticket,
  describeScale,
} from '../model/partitions';

/**
 * Throttling you can see on a laptop. DynamoDB Local never throttles; this emulator sits where the network would
 * be (it wraps the client's HTTP request handler), applies the partition model to each request and, when a
 * partition is over its limit, answers the way AWS does: an HTTP 400 ProvisionedThroughputExceededException
 * with ThrottlingReasons, UnprocessedItems/UnprocessedKeys for the throttled part of a batch, a
 * TransactionCanceledException with ThrottlingError reasons for a transaction. Everything above the handler — the
 * SDK's deserializer, its retry strategy, $metadata.attempts — behaves exactly as against AWS.
 *
 * What is charged is what DynamoDB charges (tests/connected/emulator-capacity.test.ts measures it against DynamoDB
 * Local's own ConsumedCapacity, TOTAL and INDEXES, for items of 0.5–400 KB and every operation), and how:
 * - Reads have no side effect, so they are decided AFTER the engine answered, on the exact charge: the request is
 *   sent (asking DynamoDB Local for its ConsumedCapacity, stripped again if the caller did not ask), and when the
 *   partition cannot take what it consumed, the answer is dropped and a throttle returned instead. Nothing is ever
 *   estimated for a read, so concurrent large Queries cannot slip under an estimate.
 * - Writes change data, so they must be decided BEFORE they are sent. The charge needs the item as it was (a put over
 *   a bigger item, an update, a delete cost the larger of old and new): the emulator reads the old items first with
 *   an uncounted, strongly consistent BatchGetItem on the engine (the engine's work, not the attendee's: nothing is
 *   charged for it), computes the new item (PutItem: the request's; UpdateItem: `updatedItem`, the update
 *   expression applied), and admits on that charge — table and every GSI the write reaches, all or nothing, so a
 *   write a GSI refuses consumes nothing on the table (reason `IndexWriteKeyRangeThroughputExceeded`). The write is
 *   sent with ReturnConsumedCapacity INDEXES and the reservation is settled to what DynamoDB Local reports (a
 *   concurrent write to the same item, or an update expression not followed exactly, can make them differ): less is
 *   given back, more becomes a debt placed in the next windows, so no partition exceeds its rate in any 1 s window.
 * - PartiQL: DynamoDB Local reports no capacity for it, so the charge is computed with the same rules from the
 *   statement (table, index and key read out of its WHERE clause or VALUE) and the items.
 * - At a small scale one request can exceed a partition's whole second (a 100 KB put at 20 WCU/s): it is admitted
 *   on an idle partition and its units are placed as a debt, one second's limit per second (the model's
 *   `admitOversized`), so the rate holds over every 1 s window.
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
  /** The units charged: DynamoDB's charge for this part of the request (settled to the engine's figure for writes). */
  units: number;
  /** The units the admission decided on (writes: before the engine answered; reads: the same as `units`). */
  estimate: number;
  allowed: boolean;
  reason?: ThrottlingReasonName;
}

/** A table DescribeTable cannot answer for (see schema-cache.ts): the request goes to the engine unmetered. */
class UnknownTable extends Error {
  constructor(readonly table: string) {
    super(`unknown table ${table}`);
  }
}

/** A table as the emulator meters it: its key and its GSIs (an LSI shares the table's partitions). */
type KeySchema = TableSchema;

/** The emulator's step on the client's stack (see intercept.ts): right before the HTTP handler. */
const EMULATOR_STEP = 'workshopThrottleEmulator';

type Json = Record<string, unknown>;
type KeysAndAttributes = Json & { Keys: MarshalledItem[]; ConsistentRead?: boolean; ProjectionExpression?: string };

/** The engine behind the emulator: forwards a request (or another one) to the real HTTP handler. */
type Handler = { handle: (request: HttpRequest) => Promise<HandlerOutput> };

// AWS's text for a key-range throttle in on-demand mode.
const THROTTLE_MESSAGE =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index ' +
  'so please try again shortly. If exceptions persist, check if you have a hot key: ' +
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html';

/** One part of a request's charge: a partition of a table or GSI, read or write, and what is known to settle it. */
interface Part {
  req: Omit<ConsumeRequest, 'nowMs'>;
  arn: string;
  /** which request entry (batch entry, transaction item, statement) it belongs to */
  entry: number;
}

/** A sent request: the engine's answer parsed (status 200), or the raw error answer. */
type Sent = { ok: true; body: Json; out: HandlerOutput } | { ok: false; out: HandlerOutput };

/** The capacity DynamoDB Local reported, per table and per GSI: `table` → units, `table\0index` → units. */
type Reported = Map<string, number>;

const PARTIQL = new Set(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);

export class ThrottleEmulator {
  readonly model: PartitionModel;
  readonly decisions: Decision[] = [];
  readonly scaleLabel: string;
  private readonly clock: () => number;
  private schemas?: SchemaCache;
  private readonly metered = new WeakMap<TableSchema, KeySchema>();
  private installed?: { uninstall: Uninstall };
  enabled = true;

  constructor(options: EmulatorOptions = {}) {
    this.model = new PartitionModel({ admitOversized: true, ...options });
    this.clock = options.clock ?? Date.now;
    this.scaleLabel = describeScale(this.model.scale, options);
  }

  /** Puts the emulator in front of the clients' engine. Refuses the aws target: there, throttling is real. */
  install(clients: WorkshopClients): this {
    if (clients.config.target === 'aws') {
      throw new WorkshopError(
        'EMULATOR_AWS_TARGET',
        'The throttling emulator is for the local target only: on AWS, throttling is real.',
        'skip emulateThrottling() when config.target is "aws" (the notebooks do: `if (config.target === "local")`)',
      );
    }
    if (this.installed) return this;
    const uninstall = wrapHandler(clients.ddb, EMULATOR_STEP, (request, forward) => this.handle({ handle: forward }, request));
    this.schemas = schemaCacheOf(clients.ddb);
    this.installed = { uninstall };
    return this;
  }

  /** Restores the plain handler (requests go straight to the engine again). */
  uninstall(): void {
    if (!this.installed) return;
    this.installed.uninstall();
    this.installed = undefined;
  }

  /** Forgets counters, windows and decisions: start a new experiment. */
  reset(): void {
    this.model.reset();
    this.decisions.length = 0;
  }

  /**
   * The table's key and GSIs, from the clients' shared schema cache. A table DescribeTable cannot answer for throws
   * UnknownTable: `handle` then passes the request to the engine unmetered (it answers ResourceNotFoundException).
   */
  private async schema(table: string): Promise<KeySchema> {
    const s = await this.schemas?.get(table);
    if (!s) throw new UnknownTable(table);
    let m = this.metered.get(s);
    if (!m) {
      m = { ...s, indexes: s.indexes.filter((i) => i.kind === 'GSI') };
      this.metered.set(s, m);
    }
    return m;
  }

  /** GSIs can be added while the emulator runs: forget cached schemas after UpdateTable. */
  private forget(table: string): void {
    this.schemas?.forget(table);
  }

  /**
   * Decides the parts of one request entry as one (an item and its GSIs, a transaction): all admitted, or none
   * charged. Records one decision per part decided. Returns the tickets, or the refused part.
   */
  private decideAll(
    operation: string,
    parts: Part[],
    nowMs: number,
  ): { tickets: { part: Part; ticket: Ticket; decision: Decision }[] } | { refused: Part; decision: Decision } {
    const r = this.model.tryConsumeAll(parts.map((p) => ({ ...p.req, nowMs })));
    const record = (p: Part, res: ConsumeResult): Decision => {
      const d: Decision = {
        tMs: nowMs,
        operation,
        table: p.req.table,
        index: p.req.index,
        partitionKey: p.req.partitionKey,
        partition: res.partition,
        kind: p.req.kind,
        units: p.req.units,
        estimate: p.req.units,
        allowed: res.allowed,
        reason: res.reason,
      };
      if (d.index === undefined) delete d.index;
      this.decisions.push(d);
      return d;
    };
    if (!r.allowed) {
      // the parts admitted before the refusal were released: record only the refusal
      return { refused: parts[r.refused!], decision: record(parts[r.refused!], r.results[r.refused!]) };
    }
    return { tickets: parts.map((part, i) => ({ part, ticket: r.results[i].ticket!, decision: record(part, r.results[i]) })) };
  }

  /** Sends a request for another operation (or another body) to the engine, past the emulator: not charged. */
  private async send(inner: Handler, request: HttpRequest, operation: string, body: Json): Promise<Sent> {
    const clone = cloneRequest(request, JSON.stringify(body));
    for (const k of Object.keys(clone.headers)) {
      if (k.toLowerCase() === 'x-amz-target') clone.headers[k] = `DynamoDB_20120810.${operation}`;
    }
    const out = await inner.handle(clone);
    if (out.response.statusCode !== 200) return { ok: false, out };
    const text = await readBody(out.response.body);
    const parsed = JSON.parse(text) as Json;
    return { ok: true, body: parsed, out: { response: withBody(out.response, text) } };
  }

  /** The items as they are now, full (no projection), strongly consistent: an uncounted read on the engine. */
  private async currentItems(
    inner: Handler,
    request: HttpRequest,
    wanted: { table: string; key: MarshalledItem }[],
  ): Promise<Map<string, MarshalledItem>> {
    const found = new Map<string, MarshalledItem>();
    const pending = wanted.filter((w) => Object.keys(w.key).length > 0);
    const seen = new Set<string>();
    const unique = pending.filter((w) => {
      const id = `${w.table}\u0000${JSON.stringify(w.key)}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    for (let i = 0; i < unique.length; i += 100) {
      let requestItems: Record<string, KeysAndAttributes> = {};
      for (const w of unique.slice(i, i + 100)) {
        requestItems[w.table] = requestItems[w.table] ?? { Keys: [], ConsistentRead: true };
        requestItems[w.table].Keys.push(w.key);
      }
      for (let round = 0; round < 10 && Object.keys(requestItems).length > 0; round++) {
        const r = await this.send(inner, request, 'BatchGetItem', { RequestItems: requestItems });
        if (!r.ok) return found;
        for (const [table, items] of Object.entries((r.body.Responses ?? {}) as Record<string, MarshalledItem[]>)) {
          const schema = await this.schema(table);
          for (const it of items) found.set(`${table}\u0000${keyId(it, schema)}`, it);
        }
        requestItems = (r.body.UnprocessedKeys ?? {}) as Record<string, KeysAndAttributes>;
      }
    }
    return found;
  }

  private async itemOf(
    found: Map<string, MarshalledItem>,
    table: string,
    key: MarshalledItem,
  ): Promise<MarshalledItem | undefined> {
    return found.get(`${table}\u0000${keyId(key, await this.schema(table))}`);
  }

  /**
   * The parts of one item write: the table's partition (the larger of the old and new item), and each GSI whose entry
   * changes — a new or changed entry is a write of its projected size to the new key's partition, a moved or removed
   * one also a delete on the old key's partition; an entry that stays the same costs nothing (DynamoDB Local's rule,
   * measured: an update of a non-projected attribute leaves a KEYS_ONLY index uncharged). Transactions: twice each.
   */
  private writeParts(
    table: string,
    schema: KeySchema,
    key: MarshalledItem,
    before: MarshalledItem | undefined,
    after: MarshalledItem | undefined,
    entry: number,
    transactional = false,
  ): Part[] {
    const size = (it: MarshalledItem | undefined) => (it ? marshalledItemSizeBytes(it) : 0);
    const units = (bytes: number) => writeUnits(bytes, { transactional });
    const parts: Part[] = [
      {
        req: {
          table,
          partitionKey: pkString(key[schema.hash]),
          kind: 'write',
          units: units(Math.max(size(before), size(after))),
        },
        arn: schema.arn,
        entry,
      },
    ];
    for (const ix of schema.indexes) {
      const was = indexEntry(before, schema, ix);
      const now = indexEntry(after, schema, ix);
      const at = (it: MarshalledItem) => ({ table, index: ix.name, partitionKey: pkString(it[ix.hash]), kind: 'write' as const });
      if (was && now && keyId(was, ix) === keyId(now, ix)) {
        if (!sameEntry(was, now))
          parts.push({ req: { ...at(now), units: units(Math.max(size(was), size(now))) }, arn: ix.arn, entry });
        continue;
      }
      if (was) parts.push({ req: { ...at(was), units: units(size(was)) }, arn: ix.arn, entry });
      if (now) parts.push({ req: { ...at(now), units: units(size(now)) }, arn: ix.arn, entry });
    }
    return parts;
  }

  private async handle(inner: Handler, request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.split('.')[1] ?? '';
    const text = bodyText(request.body);
    if (!this.enabled || text === undefined) return inner.handle(request);
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return inner.handle(request);
    }

    if (operation === 'UpdateTable' || operation === 'DeleteTable') {
      this.forget(String(body.TableName));
      return inner.handle(request);
    }
    try {
      return await this.meter(inner, request, operation, body);
    } catch (err) {
      if (err instanceof UnknownTable) return inner.handle(request);
      throw err;
    }
  }

  /** Meters one data-plane request (admits or throttles, then settles to the engine's figures). */
  private async meter(inner: Handler, request: HttpRequest, operation: string, body: Json): Promise<HandlerOutput> {
    switch (operation) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return this.itemWrite(inner, request, operation, body);
      case 'BatchWriteItem':
        return this.batchWrite(inner, request, body);
      case 'TransactWriteItems':
        return this.transactWrite(inner, request, body);
      case 'GetItem':
      case 'Query':
      case 'Scan':
        return this.read(inner, request, operation, body);
      case 'BatchGetItem':
        return this.batchGet(inner, request, body);
      case 'TransactGetItems':
        return this.transactGet(inner, request, body);
      default:
        if (PARTIQL.has(operation)) return this.partiql(inner, request, operation, body);
        return inner.handle(request);
    }
  }

  /** Sends a write asking for INDEXES capacity, settles its reservations to the engine's figures, answers as asked. */
  private async sendAndSettle(
    inner: Handler,
    request: HttpRequest,
    operation: string,
    body: Json,
    tickets: { part: Part; ticket: Ticket; decision: Decision }[],
  ): Promise<HandlerOutput> {
    const sent = await this.send(inner, request, operation, { ...body, ReturnConsumedCapacity: 'INDEXES' });
    if (!sent.ok) {
      // A write DynamoDB refused (a failed condition, a validation error): on AWS a failed condition still consumes
      // the write; the engine reports nothing to settle with, so the reservation stands, except for other errors.
      const text = await readBody(sent.out.response.body);
      if (!/ConditionalCheckFailed/.test(text)) for (const t of tickets) this.undo(t);
      return { response: withBody(sent.out.response, text) };
    }
    this.settleAll(tickets, reported(sent.body.ConsumedCapacity));
    return answer(sent, body.ReturnConsumedCapacity);
  }

  /** Gives back a reservation whose request was not served. */
  private undo(t: { ticket: Ticket; decision: Decision }): void {
    this.model.release(t.ticket);
    t.decision.units = 0;
  }

  /**
   * Settles reservations to what the engine reported, per table and per GSI: the difference goes to the last part
   * of each (the only one, for a single item's table write).
   */
  private settleAll(tickets: { part: Part; ticket: Ticket; decision: Decision }[], rep: Reported): void {
    const groups = new Map<string, { part: Part; ticket: Ticket; decision: Decision }[]>();
    for (const t of tickets) {
      const id = t.part.req.index === undefined ? t.part.req.table : `${t.part.req.table}\u0000${t.part.req.index}`;
      groups.set(id, [...(groups.get(id) ?? []), t]);
    }
    const nowMs = this.clock();
    for (const [id, ts] of groups) {
      const measured = rep.get(id);
      if (measured === undefined) continue;
      const reserved = ts.reduce((n, t) => n + t.ticket.units, 0);
      const diff = measured - reserved;
      if (Math.abs(diff) < 1e-9) continue;
      // the difference goes to the last part of this group that can absorb it
      for (let i = ts.length - 1; i >= 0; i--) {
        const t = ts[i];
        const units = Math.max(0, t.ticket.units + diff);
        if (units === 0 && i > 0 && t.ticket.units + diff < 0) continue;
        this.model.settle(t.ticket, units, nowMs);
        t.decision.units = units;
        break;
      }
    }
  }

  /** PutItem, UpdateItem, DeleteItem: decided before sending, on the old item and the new one. */
  private async itemWrite(inner: Handler, request: HttpRequest, operation: string, body: Json): Promise<HandlerOutput> {
    const table = String(body.TableName);
    const schema = await this.schema(table);
    const key = operation === 'PutItem' ? keyOf(body.Item as MarshalledItem, schema) : ((body.Key ?? {}) as MarshalledItem);
    const found = await this.currentItems(inner, request, [{ table, key }]);
    const before = await this.itemOf(found, table, key);
    const after =
      operation === 'PutItem'
        ? (body.Item as MarshalledItem)
        : operation === 'UpdateItem'
          ? updatedItem(before, body).item
          : undefined;
    const decided = this.decideAll(operation, this.writeParts(table, schema, key, before, after, 0), this.clock());
    if ('refused' in decided) return throttled(decided.decision, decided.refused.arn);
    return this.sendAndSettle(inner, request, operation, body, decided.tickets);
  }

  /**
   * BatchWriteItem: each Put/Delete is decided on its own (table and GSIs as one); the refused ones come back as
   * UnprocessedItems (AWS's contract), all refused → the throttling exception. Only the admitted ones are sent.
   */
  private async batchWrite(inner: Handler, request: HttpRequest, body: Json): Promise<HandlerOutput> {
    const requestItems = (body.RequestItems ?? {}) as Record<string, Json[]>;
    const entries: { table: string; schema: KeySchema; wr: Json; key: MarshalledItem; put?: MarshalledItem }[] = [];
    for (const [table, list] of Object.entries(requestItems)) {
      const schema = await this.schema(table);
      for (const wr of list) {
        const put = (wr.PutRequest as { Item?: MarshalledItem } | undefined)?.Item;
        const del = (wr.DeleteRequest as { Key?: MarshalledItem } | undefined)?.Key;
        entries.push({ table, schema, wr, key: put ? keyOf(put, schema) : (del ?? {}), put });
      }
    }
    const found = await this.currentItems(
      inner,
      request,
      entries.map((e) => ({ table: e.table, key: e.key })),
    );
    // one request, one moment: every entry is decided at the same time
    const nowMs = this.clock();
    const admitted: Record<string, Json[]> = {};
    const refused: Record<string, Json[]> = {};
    const tickets: { part: Part; ticket: Ticket; decision: Decision }[] = [];
    let firstRefused: { decision: Decision; arn: string } | undefined;
    for (const [i, e] of entries.entries()) {
      const before = await this.itemOf(found, e.table, e.key);
      const d = this.decideAll('BatchWriteItem', this.writeParts(e.table, e.schema, e.key, before, e.put, i), nowMs);
      if ('refused' in d) {
        (refused[e.table] = refused[e.table] ?? []).push(e.wr);
        firstRefused = firstRefused ?? { decision: d.decision, arn: d.refused.arn };
      } else {
        (admitted[e.table] = admitted[e.table] ?? []).push(e.wr);
        tickets.push(...d.tickets);
      }
    }
    if (firstRefused && tickets.length === 0) return throttled(firstRefused.decision, firstRefused.arn);
    const out = await this.sendAndSettle(inner, request, 'BatchWriteItem', { ...body, RequestItems: admitted }, tickets);
    if (!firstRefused || out.response.statusCode !== 200) return out;
    const parsed = JSON.parse(await readBody(out.response.body)) as Json;
    const unprocessed = { ...((parsed.UnprocessedItems ?? {}) as Record<string, Json[]>) };
    for (const [table, back] of Object.entries(refused)) unprocessed[table] = [...(unprocessed[table] ?? []), ...back];
    parsed.UnprocessedItems = unprocessed;
    return { response: withBody(out.response, JSON.stringify(parsed)) };
  }

  /**
   * TransactWriteItems: every item twice (Put/Update/Delete on the table and the GSIs they reach; a ConditionCheck is
   * a transactional read of the item checked, measured on DynamoDB Local), all decided as one: a refusal cancels the
   * whole transaction with a ThrottlingError reason at the refused item (AWS's TransactionCanceledException).
   */
  private async transactWrite(inner: Handler, request: HttpRequest, body: Json): Promise<HandlerOutput> {
    const items = (body.TransactItems ?? []) as Json[];
    const plans: { verb: string; table: string; schema: KeySchema; key: MarshalledItem; op: Json }[] = [];
    for (const it of items) {
      const verb = ['Put', 'Update', 'Delete', 'ConditionCheck'].find((v) => it[v] !== undefined) ?? '';
      const op = (it[verb] ?? {}) as Json;
      const table = String(op.TableName);
      const schema = await this.schema(table);
      const key = verb === 'Put' ? keyOf(op.Item as MarshalledItem, schema) : ((op.Key ?? {}) as MarshalledItem);
      plans.push({ verb, table, schema, key, op });
    }
    const found = await this.currentItems(inner, request, plans);
    const parts: Part[] = [];
    for (const [i, p] of plans.entries()) {
      const before = await this.itemOf(found, p.table, p.key);
      if (p.verb === 'ConditionCheck') {
        const units = readUnits(before ? marshalledItemSizeBytes(before) : 0, { transactional: true });
        parts.push({
          req: { table: p.table, partitionKey: pkString(p.key[p.schema.hash]), kind: 'read', units },
          arn: p.schema.arn,
          entry: i,
        });
        continue;
      }
      const after =
        p.verb === 'Put' ? (p.op.Item as MarshalledItem) : p.verb === 'Update' ? updatedItem(before, p.op).item : undefined;
      parts.push(...this.writeParts(p.table, p.schema, p.key, before, after, i, true));
    }
    const d = this.decideAll('TransactWriteItems', parts, this.clock());
    if ('refused' in d) return transactionThrottled(items.length, d.refused.entry);
    return this.sendAndSettle(inner, request, 'TransactWriteItems', body, d.tickets);
  }

  /**
   * GetItem, Query, Scan: sent first (reads change nothing), then decided on the exact charge the engine reports
   * (full item size, the consistency asked). A Scan's charge is shared among the partitions it read, in proportion to
   * the bytes it returned from each.
   */
  private async read(inner: Handler, request: HttpRequest, operation: string, body: Json): Promise<HandlerOutput> {
    const table = String(body.TableName);
    const schema = await this.schema(table);
    const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
    const ix = index === undefined ? undefined : schema.indexes.find((i) => i.name === index);
    if (index !== undefined && !ix) return inner.handle(request); // an LSI or a typo: the engine answers
    const keys: KeyNames = ix ?? schema;
    const arn = ix?.arn ?? schema.arn;
    const sent = await this.send(inner, request, operation, { ...body, ReturnConsumedCapacity: 'INDEXES' });
    if (!sent.ok) return sent.out;
    const units = Number((sent.body.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0);
    const pk =
      operation === 'GetItem'
        ? pkString((body.Key as MarshalledItem)[schema.hash])
        : operation === 'Query'
          ? keyConditionPartitionKey(body, keys.hash)
          : undefined;
    const parts: Part[] =
      pk !== undefined
        ? [{ req: { table, index, partitionKey: pk, kind: 'read', units }, arn, entry: 0 }]
        : spread(table, index, arn, keys.hash, units, (sent.body.Items ?? []) as MarshalledItem[], this.model.partitions, (k) =>
            this.model.partitionOf(k),
          );
    const d = this.decideAll(operation, parts, this.clock());
    if ('refused' in d) return throttled(d.decision, d.refused.arn);
    return answer(sent, body.ReturnConsumedCapacity);
  }

  /** Full items for keys read with a projection: the projected answer does not tell what DynamoDB charged. */
  private async fullItems(
    inner: Handler,
    request: HttpRequest,
    wanted: { table: string; key: MarshalledItem }[],
  ): Promise<Map<string, MarshalledItem>> {
    return this.currentItems(inner, request, wanted);
  }

  /**
   * BatchGetItem: sent first, then each key decided on its own charge (its item's size, rounded per 4 KB, half when
   * eventually consistent; a missing key costs nothing in a batch — DynamoDB Local's figure). The refused keys come
   * back as UnprocessedKeys, their items removed from the answer; all refused → the throttling exception.
   */
  private async batchGet(inner: Handler, request: HttpRequest, body: Json): Promise<HandlerOutput> {
    const requestItems = (body.RequestItems ?? {}) as Record<string, KeysAndAttributes>;
    const sent = await this.send(inner, request, 'BatchGetItem', { ...body, ReturnConsumedCapacity: 'INDEXES' });
    if (!sent.ok) return sent.out;
    const responses = (sent.body.Responses ?? {}) as Record<string, MarshalledItem[]>;
    const engineLeft = (sent.body.UnprocessedKeys ?? {}) as Record<string, KeysAndAttributes>;
    const projected = Object.entries(requestItems).filter(([, r]) => r.ProjectionExpression || r.AttributesToGet);
    const full = projected.length
      ? await this.fullItems(
          inner,
          request,
          projected.flatMap(([table, r]) => r.Keys.map((key) => ({ table, key }))),
        )
      : undefined;
    const nowMs = this.clock();
    const admittedUnits = new Map<string, number>();
    const refused: Record<string, MarshalledItem[]> = {};
    let firstRefused: { decision: Decision; arn: string } | undefined;
    let admittedCount = 0;
    for (const [table, r] of Object.entries(requestItems)) {
      const schema = await this.schema(table);
      const left = new Set((engineLeft[table]?.Keys ?? []).map((k) => keyId(k, schema)));
      const got = new Map((responses[table] ?? []).map((it) => [keyId(it, schema), it]));
      const drop = new Set<string>();
      for (const key of r.Keys) {
        const id = keyId(key, schema);
        if (left.has(id)) continue;
        const item = full
          ? (full.get(`${table}\u0000${id}`) ?? (r.ProjectionExpression || r.AttributesToGet ? undefined : got.get(id)))
          : got.get(id);
        const units = item ? readUnits(marshalledItemSizeBytes(item), { consistent: r.ConsistentRead === true }) : 0;
        const part: Part = {
          req: { table, partitionKey: pkString(key[schema.hash]), kind: 'read', units },
          arn: schema.arn,
          entry: 0,
        };
        const d = this.decideAll('BatchGetItem', [part], nowMs);
        if ('refused' in d) {
          (refused[table] = refused[table] ?? []).push(key);
          drop.add(id);
          firstRefused = firstRefused ?? { decision: d.decision, arn: d.refused.arn };
        } else {
          admittedCount++;
          admittedUnits.set(table, (admittedUnits.get(table) ?? 0) + units);
        }
      }
      if (drop.size && responses[table]) responses[table] = responses[table].filter((it) => !drop.has(keyId(it, schema)));
    }
    if (!firstRefused) return answer(sent, body.ReturnConsumedCapacity);
    if (admittedCount === 0) return throttled(firstRefused.decision, firstRefused.arn);
    const unprocessed = { ...engineLeft };
    for (const [table, keys] of Object.entries(refused)) {
      const base = unprocessed[table] ?? { ...requestItems[table], Keys: [] };
      unprocessed[table] = { ...base, Keys: [...base.Keys, ...keys] };
    }
    sent.body.Responses = responses;
    sent.body.UnprocessedKeys = unprocessed;
    // AWS reports what the processed keys consumed: the refused keys' share of the engine's figure is taken out
    for (const c of (sent.body.ConsumedCapacity ?? []) as {
      TableName?: string;
      CapacityUnits?: number;
      Table?: { CapacityUnits?: number };
    }[]) {
      const units = admittedUnits.get(String(c.TableName)) ?? 0;
      c.CapacityUnits = units;
      if (c.Table) c.Table.CapacityUnits = units;
    }
    return answer(sent, body.ReturnConsumedCapacity);
  }

  /** TransactGetItems: sent first, then every item (twice a strong read of its full size) decided as one. */
  private async transactGet(inner: Handler, request: HttpRequest, body: Json): Promise<HandlerOutput> {
    const items = ((body.TransactItems ?? []) as { Get?: Json }[]).map((it) => (it.Get ?? {}) as Json);
    const sent = await this.send(inner, request, 'TransactGetItems', { ...body, ReturnConsumedCapacity: 'INDEXES' });
    if (!sent.ok) return sent.out;
    const full = await this.fullItems(
      inner,
      request,
      items.map((g) => ({ table: String(g.TableName), key: (g.Key ?? {}) as MarshalledItem })),
    );
    const parts: Part[] = [];
    for (const [i, g] of items.entries()) {
      const table = String(g.TableName);
      const schema = await this.schema(table);
      const key = (g.Key ?? {}) as MarshalledItem;
      const item = await this.itemOf(full, table, key);
      const units = readUnits(item ? marshalledItemSizeBytes(item) : 0, { transactional: true });
      parts.push({ req: { table, partitionKey: pkString(key[schema.hash]), kind: 'read', units }, arn: schema.arn, entry: i });
    }
    const d = this.decideAll('TransactGetItems', parts, this.clock());
    if ('refused' in d) return transactionThrottled(items.length, d.refused.entry);
    return answer(sent, body.ReturnConsumedCapacity);
  }

  // -------------------------------------------------------------------------------------------------------------------
  // PartiQL: DynamoDB Local reports no capacity for it; the charge is computed from the statement and the items, with
  // the rules of the equivalent operation (DynamoDB charges PartiQL the same).

  /** The parts of one PartiQL statement. Reads need the items the engine returned (`rows`). */
  private async statementParts(
    inner: Handler,
    request: HttpRequest,
    st: PartiqlStatement,
    entry: number,
    transactional: boolean,
    consistent: boolean,
    rows?: MarshalledItem[],
    source?: Json,
  ): Promise<Part[] | undefined> {
    const schema = await this.schema(st.table);
    const ix = st.index === undefined ? undefined : schema.indexes.find((i) => i.name === st.index);
    const keys: KeyNames = ix ?? schema;
    const arn = ix?.arn ?? schema.arn;
    const pkValue = st.equalities[keys.hash];
    if (st.verb === 'SELECT') {
      let items = rows ?? [];
      if (!st.selectAll && items.length > 0 && source) {
        // the rows are projected; DynamoDB charges the full items: the same statement with SELECT *, uncounted
        const all = await this.send(inner, request, 'ExecuteStatement', {
          ...source,
          Statement: String(source.Statement).replace(/^\s*SELECT\s[\s\S]*?\sFROM\s/i, 'SELECT * FROM '),
        });
        if (all.ok) items = (all.body.Items ?? items) as MarshalledItem[];
      }
      const sizes = items.map((it) => marshalledItemSizeBytes(it));
      const units = transactional
        ? sizes.reduce((n, s) => n + readUnits(s, { transactional }), 0) || readUnits(0, { transactional })
        : queryReadUnits(sizes, { consistent });
      if (pkValue === undefined) {
        return spread(st.table, st.index, arn, keys.hash, units, items, this.model.partitions, (k) => this.model.partitionOf(k));
      }
      return [{ req: { table: st.table, index: st.index, partitionKey: pkString(pkValue), kind: 'read', units }, arn, entry }];
    }
    const key = st.verb === 'INSERT' ? keyOf(st.item ?? {}, schema) : keyOf(st.equalities, schema);
    if (key[schema.hash] === undefined) return undefined;
    const found = st.verb === 'INSERT' ? new Map() : await this.currentItems(inner, request, [{ table: st.table, key }]);
    const before = st.verb === 'INSERT' ? undefined : await this.itemOf(found, st.table, key);
    let after: MarshalledItem | undefined;
    if (st.verb === 'INSERT') after = st.item;
    else if (st.verb === 'UPDATE' && before) {
      after = { ...before, ...(st.set ?? {}) };
      for (const r of st.remove ?? []) delete after[r];
    }
    return this.writeParts(st.table, schema, key, before, after, entry, transactional);
  }

  private async partiql(inner: Handler, request: HttpRequest, operation: string, body: Json): Promise<HandlerOutput> {
    type One = { Statement?: string; Parameters?: AttributeValue[]; ConsistentRead?: boolean };
    const list: One[] =
      operation === 'ExecuteStatement'
        ? [body as One]
        : (((operation === 'BatchExecuteStatement' ? body.Statements : body.TransactStatements) ?? []) as One[]);
    const parsed = list.map((s) => partiqlStatement(String(s.Statement ?? ''), s.Parameters ?? []));
    if (parsed.some((p) => p === undefined)) return inner.handle(request);
    const statements = parsed as PartiqlStatement[];
    const reads = statements.every((s) => s.verb === 'SELECT');
    const transactional = operation === 'ExecuteTransaction';
    const nowMs = () => this.clock();

    if (operation === 'BatchExecuteStatement') {
      // Each statement on its own; refused ones answer a per-statement error, as AWS does in a batch.
      const refusedAt = new Map<number, Decision>();
      let sent: Sent | undefined;
      if (reads) {
        sent = await this.send(inner, request, operation, body);
        if (!sent.ok) return sent.out;
        const responses = (sent.body.Responses ?? []) as { Item?: MarshalledItem; Error?: unknown }[];
        for (const [i, st] of statements.entries()) {
          if (responses[i]?.Error) continue;
          const rows = responses[i]?.Item ? [responses[i].Item!] : [];
          const parts = await this.statementParts(inner, request, st, i, false, list[i].ConsistentRead === true, rows, list[i]);
          const d = parts && this.decideAll(operation, parts, nowMs());
          if (d && 'refused' in d) refusedAt.set(i, d.decision);
        }
      } else {
        const keep: number[] = [];
        for (const [i, st] of statements.entries()) {
          const parts = await this.statementParts(inner, request, st, i, false, false);
          const d = parts && this.decideAll(operation, parts, nowMs());
          if (d && 'refused' in d) refusedAt.set(i, d.decision);
          else keep.push(i);
        }
        if (keep.length === 0) {
          const first = refusedAt.values().next().value as Decision;
          return throttled(first, (await this.schema(first.table)).arn);
        }
        sent = await this.send(inner, request, operation, { ...body, Statements: keep.map((i) => list[i]) });
        if (!sent.ok) return sent.out;
        const got = (sent.body.Responses ?? []) as Json[];
        const all: Json[] = [];
        let k = 0;
        for (let i = 0; i < statements.length; i++) all.push(refusedAt.has(i) ? {} : (got[k++] ?? {}));
        sent.body.Responses = all;
      }
      const responses = (sent.body.Responses ?? []) as Json[];
      for (const [i, d] of refusedAt) {
        responses[i] = {
          TableName: statements[i].table,
          Error: { Code: 'ProvisionedThroughputExceeded', Message: THROTTLE_MESSAGE },
          ...(d.reason ? {} : {}),
        };
      }
      return answer(sent, body.ReturnConsumedCapacity);
    }

    if (reads) {
      const sent = await this.send(inner, request, operation, body);
      if (!sent.ok) return sent.out;
      const rowsOf = (i: number): MarshalledItem[] =>
        operation === 'ExecuteStatement'
          ? ((sent.body.Items ?? []) as MarshalledItem[])
          : ((sent.body.Responses ?? []) as { Item?: MarshalledItem }[])[i]?.Item
            ? [(sent.body.Responses as { Item: MarshalledItem }[])[i].Item]
            : [];
      const parts: Part[] = [];
      for (const [i, st] of statements.entries()) {
        const p = await this.statementParts(
          inner,
          request,
          st,
          i,
          transactional,
          list[i].ConsistentRead === true,
          rowsOf(i),
          list[i],
        );
        if (p) parts.push(...p);
      }
      const d = this.decideAll(operation, parts, nowMs());
      if ('refused' in d)
        return transactional ? transactionThrottled(statements.length, d.refused.entry) : throttled(d.decision, d.refused.arn);
      return answer(sent, body.ReturnConsumedCapacity);
    }

    const parts: Part[] = [];
    for (const [i, st] of statements.entries()) {
      const p = await this.statementParts(inner, request, st, i, transactional, false);
      if (p) parts.push(...p);
    }
    const d = this.decideAll(operation, parts, nowMs());
    if ('refused' in d)
      return transactional ? transactionThrottled(statements.length, d.refused.entry) : throttled(d.decision, d.refused.arn);
    const sent = await this.send(inner, request, operation, body);
    if (!sent.ok) {
      const text = await readBody(sent.out.response.body);
      if (!/ConditionalCheckFailed/.test(text)) for (const t of d.tickets) this.undo(t);
      return { response: withBody(sent.out.response, text) };
    }
    return answer(sent, body.ReturnConsumedCapacity);
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

function pkString(av: unknown): string {
  return keyValueString(av) ?? 'undefined';
}

/** The partition key value a Query pins (either operand order, legacy KeyConditions): the shared request reader. */
export const queryPartitionKey = keyConditionPartitionKey;

/**
 * A read that spans partitions (Scan, a PartiQL SELECT without the partition key): its units shared among the
 * partitions of the items it returned, in proportion to their bytes; evenly over every partition when none came back
 * (a filter dropped them all, or the table is empty).
 */
function spread(
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
function reported(cc: unknown): Reported {
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
function answer(sent: Sent, asked: unknown): HandlerOutput {
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

/**
 * A transaction a partition cannot take: AWS cancels it (TransactionCanceledException, "insufficient provisioned
 * capacity for the transaction to be completed"), with a ThrottlingError reason at the item refused.
 */
function transactionThrottled(items: number, refused: number): HandlerOutput {
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
