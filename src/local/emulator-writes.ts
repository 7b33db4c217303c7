import { marshalledItemSizeBytes, readUnits } from '../model/capacity';
import { keyOf, type MarshalledItem, updatedItem } from '../model/request';
import type { Decision } from './decision-log';
import { type Json, type Part, pkString, throttled, transactionThrottled } from './emulator-answers';
import type { Admitted, KeySchema, Meter } from './emulator-metering';
import { readBody, withBody } from './wire';

// The throttling emulator's writes: decided BEFORE they are sent, on the old item and the new one (see emulator.ts).

/** PutItem, UpdateItem, DeleteItem: decided before sending, on the old item and the new one. */
export const itemWrite: Meter = async (m, inner, request, operation, body) => {
  const table = String(body.TableName);
  const schema = await m.schema(table);
  const key = operation === 'PutItem' ? keyOf(body.Item as MarshalledItem, schema) : ((body.Key ?? {}) as MarshalledItem);
  const found = await m.currentItems(inner, request, [{ table, key }]);
  const before = await m.itemOf(found, table, key);
  const after =
    operation === 'PutItem'
      ? (body.Item as MarshalledItem)
      : operation === 'UpdateItem'
        ? updatedItem(before, body).item
        : undefined;
  const decided = m.decideAll(operation, m.writeParts(table, schema, key, before, after, 0), m.clock());
  if ('refused' in decided) return throttled(decided.decision, decided.refused.arn);
  return m.sendAndSettle(inner, request, operation, body, decided.tickets);
};

/**
 * BatchWriteItem: each Put/Delete is decided on its own (table and GSIs as one); the refused ones come back as
 * UnprocessedItems (AWS's contract), all refused → the throttling exception. Only the admitted ones are sent.
 */
export const batchWrite: Meter = async (m, inner, request, _operation, body) => {
  const requestItems = (body.RequestItems ?? {}) as Record<string, Json[]>;
  const entries: { table: string; schema: KeySchema; wr: Json; key: MarshalledItem; put?: MarshalledItem }[] = [];
  for (const [table, list] of Object.entries(requestItems)) {
    const schema = await m.schema(table);
    for (const wr of list) {
      const put = (wr.PutRequest as { Item?: MarshalledItem } | undefined)?.Item;
      const del = (wr.DeleteRequest as { Key?: MarshalledItem } | undefined)?.Key;
      entries.push({ table, schema, wr, key: put ? keyOf(put, schema) : (del ?? {}), put });
    }
  }
  const found = await m.currentItems(
    inner,
    request,
    entries.map((e) => ({ table: e.table, key: e.key })),
  );
  // one request, one moment: every entry is decided at the same time
  const nowMs = m.clock();
  const admitted: Record<string, Json[]> = {};
  const refused: Record<string, Json[]> = {};
  const tickets: Admitted[] = [];
  let firstRefused: { decision: Decision; arn: string } | undefined;
  for (const [i, e] of entries.entries()) {
    const before = await m.itemOf(found, e.table, e.key);
    const d = m.decideAll('BatchWriteItem', m.writeParts(e.table, e.schema, e.key, before, e.put, i), nowMs);
    if ('refused' in d) {
      (refused[e.table] = refused[e.table] ?? []).push(e.wr);
      firstRefused = firstRefused ?? { decision: d.decision, arn: d.refused.arn };
    } else {
      (admitted[e.table] = admitted[e.table] ?? []).push(e.wr);
      tickets.push(...d.tickets);
    }
  }
  if (firstRefused && tickets.length === 0) return throttled(firstRefused.decision, firstRefused.arn);
  const out = await m.sendAndSettle(inner, request, 'BatchWriteItem', { ...body, RequestItems: admitted }, tickets);
  if (!firstRefused || out.response.statusCode !== 200) return out;
  const parsed = JSON.parse(await readBody(out.response.body)) as Json;
  const unprocessed = { ...((parsed.UnprocessedItems ?? {}) as Record<string, Json[]>) };
  for (const [table, back] of Object.entries(refused)) unprocessed[table] = [...(unprocessed[table] ?? []), ...back];
  parsed.UnprocessedItems = unprocessed;
  return { response: withBody(out.response, JSON.stringify(parsed)) };
};

/**
 * TransactWriteItems: every item twice (Put/Update/Delete on the table and the GSIs they reach; a ConditionCheck is
 * a transactional read of the item checked, measured on DynamoDB Local), all decided as one: a refusal cancels the
 * whole transaction with a ThrottlingError reason at the refused item (AWS's TransactionCanceledException).
 */
export const transactWrite: Meter = async (m, inner, request, _operation, body) => {
  const items = (body.TransactItems ?? []) as Json[];
  const plans: { verb: string; table: string; schema: KeySchema; key: MarshalledItem; op: Json }[] = [];
  for (const it of items) {
    const verb = ['Put', 'Update', 'Delete', 'ConditionCheck'].find((v) => it[v] !== undefined) ?? '';
    const op = (it[verb] ?? {}) as Json;
    const table = String(op.TableName);
    const schema = await m.schema(table);
    const key = verb === 'Put' ? keyOf(op.Item as MarshalledItem, schema) : ((op.Key ?? {}) as MarshalledItem);
    plans.push({ verb, table, schema, key, op });
  }
  const found = await m.currentItems(inner, request, plans);
  const parts: Part[] = [];
  for (const [i, p] of plans.entries()) {
    const before = await m.itemOf(found, p.table, p.key);
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
    parts.push(...m.writeParts(p.table, p.schema, p.key, before, after, i, true));
  }
  const d = m.decideAll('TransactWriteItems', parts, m.clock());
  if ('refused' in d) return transactionThrottled(items.length, d.refused.entry);
  return m.sendAndSettle(inner, request, 'TransactWriteItems', body, d.tickets);
};
