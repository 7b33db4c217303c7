import type { HttpRequest } from '@smithy/core/protocols';
import { marshalledItemSizeBytes, writeUnits } from '../model/capacity';
import type { ConsumeResult, PartitionModel, Ticket } from '../model/partitions';
import { indexEntry, keyId, type MarshalledItem, sameEntry } from '../model/request';
import type { SchemaCache, TableSchema } from '../model/schema-cache';
import type { Decision, DecisionLog } from './decision-log';
import {
  answer,
  type Handler,
  type Json,
  type KeysAndAttributes,
  type Part,
  pkString,
  type Reported,
  reported,
  type Sent,
} from './emulator-answers';
import { cloneRequest, type HandlerOutput, readBody, withBody } from './wire';

/** A table DescribeTable cannot answer for (see schema-cache.ts): the request goes to the engine unmetered. */
export class UnknownTable extends Error {
  constructor(readonly table: string) {
    super(`unknown table ${table}`);
  }
}

/** A table as the emulator meters it: its key and its GSIs (an LSI shares the table's partitions). */
export type KeySchema = TableSchema;

/** One operation's metering: admits or throttles the request, sends what was admitted, answers as AWS would. */
export type Meter = (m: Metering, inner: Handler, request: HttpRequest, operation: string, body: Json) => Promise<HandlerOutput>;

/** An admitted part: its reservation in the partition model and the decision recorded for it. */
export type Admitted = { part: Part; ticket: Ticket; decision: Decision };

/**
 * What every operation's metering shares (the operations are in emulator-writes.ts, emulator-reads.ts and
 * emulator-partiql.ts): the schemas, the decision of a request's parts as one, the uncounted reads of the items as
 * they are, the parts of an item write, and the settlement of reservations to what the engine reported.
 */
export class Metering {
  schemas?: SchemaCache;
  private readonly metered = new WeakMap<TableSchema, KeySchema>();

  constructor(
    readonly model: PartitionModel,
    readonly clock: () => number,
    readonly log: DecisionLog,
  ) {}

  /**
   * The table's key and GSIs, from the clients' shared schema cache. A table DescribeTable cannot answer for throws
   * UnknownTable: `handle` then passes the request to the engine unmetered (it answers ResourceNotFoundException).
   */
  async schema(table: string): Promise<KeySchema> {
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
  forget(table: string): void {
    this.schemas?.forget(table);
  }

  /**
   * Decides the parts of one request entry as one (an item and its GSIs, a transaction): all admitted, or none
   * charged. Records one decision per part decided. Returns the tickets, or the refused part.
   */
  decideAll(operation: string, parts: Part[], nowMs: number): { tickets: Admitted[] } | { refused: Part; decision: Decision } {
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
      this.log.push(d);
      return d;
    };
    if (!r.allowed) {
      // the parts admitted before the refusal were released: record only the refusal
      return { refused: parts[r.refused!], decision: record(parts[r.refused!], r.results[r.refused!]) };
    }
    return { tickets: parts.map((part, i) => ({ part, ticket: r.results[i].ticket!, decision: record(part, r.results[i]) })) };
  }

  /** Sends a request for another operation (or another body) to the engine, past the emulator: not charged. */
  async send(inner: Handler, request: HttpRequest, operation: string, body: Json): Promise<Sent> {
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
  async currentItems(
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

  async itemOf(found: Map<string, MarshalledItem>, table: string, key: MarshalledItem): Promise<MarshalledItem | undefined> {
    return found.get(`${table}\u0000${keyId(key, await this.schema(table))}`);
  }

  /**
   * The parts of one item write: the table's partition (the larger of the old and new item), and each GSI whose entry
   * changes — a new or changed entry is a write of its projected size to the new key's partition, a moved or removed
   * one also a delete on the old key's partition; an entry that stays the same costs nothing (DynamoDB Local's rule,
   * measured: an update of a non-projected attribute leaves a KEYS_ONLY index uncharged). Transactions: twice each.
   */
  writeParts(
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

  /** Sends a write asking for INDEXES capacity, settles its reservations to the engine's figures, answers as asked. */
  async sendAndSettle(
    inner: Handler,
    request: HttpRequest,
    operation: string,
    body: Json,
    tickets: Admitted[],
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
  undo(t: { ticket: Ticket; decision: Decision }): void {
    this.model.release(t.ticket);
    this.log.resettle(t.decision, 0);
  }

  /**
   * Settles reservations to what the engine reported, per table and per GSI: the difference goes to the last part
   * of each (the only one, for a single item's table write).
   */
  settleAll(tickets: Admitted[], rep: Reported): void {
    const groups = new Map<string, Admitted[]>();
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
        this.log.resettle(t.decision, units);
        break;
      }
    }
  }
}
