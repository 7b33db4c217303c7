import { marshalledItemSizeBytes, readUnits } from '../model/capacity';
import { keyConditionPartitionKey, keyId, type KeyNames, type MarshalledItem } from '../model/request';
import type { Decision } from './decision-log';
import {
  answer,
  type Json,
  type KeysAndAttributes,
  type Part,
  pkString,
  spread,
  throttled,
  transactionThrottled,
} from './emulator-answers';
import type { Meter } from './emulator-metering';

// The throttling emulator's reads: sent first (reads change nothing), then decided on the exact charge (see emulator.ts).

/**
 * GetItem, Query, Scan: sent first (reads change nothing), then decided on the exact charge the engine reports
 * (full item size, the consistency asked). A Scan's charge is shared among the partitions it read, in proportion to
 * the bytes it returned from each.
 */
export const read: Meter = async (m, inner, request, operation, body) => {
  const table = String(body.TableName);
  const schema = await m.schema(table);
  const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
  const ix = index === undefined ? undefined : schema.indexes.find((i) => i.name === index);
  if (index !== undefined && !ix) return inner.handle(request); // an LSI or a typo: the engine answers
  const keys: KeyNames = ix ?? schema;
  const arn = ix?.arn ?? schema.arn;
  const sent = await m.send(inner, request, operation, { ...body, ReturnConsumedCapacity: 'INDEXES' });
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
      : spread(table, index, arn, keys.hash, units, (sent.body.Items ?? []) as MarshalledItem[], m.model.partitions, (k) =>
          m.model.partitionOf(k),
        );
  const d = m.decideAll(operation, parts, m.clock());
  if ('refused' in d) return throttled(d.decision, d.refused.arn);
  return answer(sent, body.ReturnConsumedCapacity);
};

/**
 * BatchGetItem: sent first, then each key decided on its own charge (its item's size, rounded per 4 KB, half when
 * eventually consistent; a missing key costs nothing in a batch — DynamoDB Local's figure). The refused keys come
 * back as UnprocessedKeys, their items removed from the answer; all refused → the throttling exception.
 */
export const batchGet: Meter = async (m, inner, request, _operation, body) => {
  const requestItems = (body.RequestItems ?? {}) as Record<string, KeysAndAttributes>;
  const sent = await m.send(inner, request, 'BatchGetItem', { ...body, ReturnConsumedCapacity: 'INDEXES' });
  if (!sent.ok) return sent.out;
  const responses = (sent.body.Responses ?? {}) as Record<string, MarshalledItem[]>;
  const engineLeft = (sent.body.UnprocessedKeys ?? {}) as Record<string, KeysAndAttributes>;
  const projected = Object.entries(requestItems).filter(([, r]) => r.ProjectionExpression || r.AttributesToGet);
  const full = projected.length
    ? await m.currentItems(
        inner,
        request,
        projected.flatMap(([table, r]) => r.Keys.map((key) => ({ table, key }))),
      )
    : undefined;
  const nowMs = m.clock();
  const admittedUnits = new Map<string, number>();
  const refused: Record<string, MarshalledItem[]> = {};
  let firstRefused: { decision: Decision; arn: string } | undefined;
  let admittedCount = 0;
  for (const [table, r] of Object.entries(requestItems)) {
    const schema = await m.schema(table);
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
      const d = m.decideAll('BatchGetItem', [part], nowMs);
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
};

/** TransactGetItems: sent first, then every item (twice a strong read of its full size) decided as one. */
export const transactGet: Meter = async (m, inner, request, _operation, body) => {
  const items = ((body.TransactItems ?? []) as { Get?: Json }[]).map((it) => (it.Get ?? {}) as Json);
  const sent = await m.send(inner, request, 'TransactGetItems', { ...body, ReturnConsumedCapacity: 'INDEXES' });
  if (!sent.ok) return sent.out;
  const full = await m.currentItems(
    inner,
    request,
    items.map((g) => ({ table: String(g.TableName), key: (g.Key ?? {}) as MarshalledItem })),
  );
  const parts: Part[] = [];
  for (const [i, g] of items.entries()) {
    const table = String(g.TableName);
    const schema = await m.schema(table);
    const key = (g.Key ?? {}) as MarshalledItem;
    const item = await m.itemOf(full, table, key);
    const units = readUnits(item ? marshalledItemSizeBytes(item) : 0, { transactional: true });
    parts.push({ req: { table, partitionKey: pkString(key[schema.hash]), kind: 'read', units }, arn: schema.arn, entry: i });
  }
  const d = m.decideAll('TransactGetItems', parts, m.clock());
  if ('refused' in d) return transactionThrottled(items.length, d.refused.entry);
  return answer(sent, body.ReturnConsumedCapacity);
};
