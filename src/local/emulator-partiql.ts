import type { HttpRequest } from '@smithy/core/protocols';
import { marshalledItemSizeBytes, queryReadUnits, readUnits } from '../model/capacity';
import {
  type AttributeValue,
  type KeyNames,
  keyOf,
  type MarshalledItem,
  type PartiqlStatement,
  partiqlStatement,
} from '../model/request';
import type { Decision } from './decision-log';
import {
  answer,
  type Handler,
  type Json,
  type Part,
  pkString,
  type Sent,
  spread,
  THROTTLE_MESSAGE,
  throttled,
  transactionThrottled,
} from './emulator-answers';
import type { Meter, Metering } from './emulator-metering';
import { readBody, withBody } from './wire';

// -------------------------------------------------------------------------------------------------------------------
// PartiQL: DynamoDB Local reports no capacity for it; the charge is computed from the statement and the items, with
// the rules of the equivalent operation (DynamoDB charges PartiQL the same).

/** The parts of one PartiQL statement. Reads need the items the engine returned (`rows`). */
export async function statementParts(
  m: Metering,
  inner: Handler,
  request: HttpRequest,
  st: PartiqlStatement,
  entry: number,
  transactional: boolean,
  consistent: boolean,
  rows?: MarshalledItem[],
  source?: Json,
): Promise<Part[] | undefined> {
  const schema = await m.schema(st.table);
  const ix = st.index === undefined ? undefined : schema.indexes.find((i) => i.name === st.index);
  const keys: KeyNames = ix ?? schema;
  const arn = ix?.arn ?? schema.arn;
  const pkValue = st.equalities[keys.hash];
  if (st.verb === 'SELECT') {
    let items = rows ?? [];
    if (st.exists && rows === undefined) {
      // EXISTS(SELECT …) in a transaction that writes: a condition check, charged as a transactional read of the item
      const key = keyOf(st.equalities, schema);
      const found = key[schema.hash] === undefined ? new Map() : await m.currentItems(inner, request, [{ table: st.table, key }]);
      const it = key[schema.hash] === undefined ? undefined : await m.itemOf(found, st.table, key);
      items = it ? [it] : [];
    }
    if (!st.selectAll && items.length > 0 && source) {
      // the rows are projected; DynamoDB charges the full items: the same statement with SELECT *, uncounted
      const all = await m.send(inner, request, 'ExecuteStatement', {
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
      return spread(st.table, st.index, arn, keys.hash, units, items, m.model.partitions, (k) => m.model.partitionOf(k));
    }
    return [{ req: { table: st.table, index: st.index, partitionKey: pkString(pkValue), kind: 'read', units }, arn, entry }];
  }
  const key = st.verb === 'INSERT' ? keyOf(st.item ?? {}, schema) : keyOf(st.equalities, schema);
  if (key[schema.hash] === undefined) return undefined;
  const found = st.verb === 'INSERT' ? new Map() : await m.currentItems(inner, request, [{ table: st.table, key }]);
  const before = st.verb === 'INSERT' ? undefined : await m.itemOf(found, st.table, key);
  let after: MarshalledItem | undefined;
  if (st.verb === 'INSERT') after = st.item;
  else if (st.verb === 'UPDATE' && before) {
    after = { ...before, ...(st.set ?? {}) };
    for (const r of st.remove ?? []) delete after[r];
  }
  return m.writeParts(st.table, schema, key, before, after, entry, transactional);
}

export const partiql: Meter = async (m, inner, request, operation, body) => {
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
  const nowMs = () => m.clock();

  if (operation === 'BatchExecuteStatement') {
    // Each statement on its own; refused ones answer a per-statement error, as AWS does in a batch.
    const refusedAt = new Map<number, Decision>();
    let sent: Sent | undefined;
    if (reads) {
      sent = await m.send(inner, request, operation, body);
      if (!sent.ok) return sent.out;
      const responses = (sent.body.Responses ?? []) as { Item?: MarshalledItem; Error?: unknown }[];
      for (const [i, st] of statements.entries()) {
        if (responses[i]?.Error) continue;
        const rows = responses[i]?.Item ? [responses[i].Item!] : [];
        const parts = await statementParts(m, inner, request, st, i, false, list[i].ConsistentRead === true, rows, list[i]);
        const d = parts && m.decideAll(operation, parts, nowMs());
        if (d && 'refused' in d) refusedAt.set(i, d.decision);
      }
    } else {
      const keep: number[] = [];
      for (const [i, st] of statements.entries()) {
        const parts = await statementParts(m, inner, request, st, i, false, false);
        const d = parts && m.decideAll(operation, parts, nowMs());
        if (d && 'refused' in d) refusedAt.set(i, d.decision);
        else keep.push(i);
      }
      if (keep.length === 0) {
        const first = refusedAt.values().next().value as Decision;
        return throttled(first, (await m.schema(first.table)).arn);
      }
      sent = await m.send(inner, request, operation, { ...body, Statements: keep.map((i) => list[i]) });
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
    const sent = await m.send(inner, request, operation, body);
    if (!sent.ok) return sent.out;
    const rowsOf = (i: number): MarshalledItem[] =>
      operation === 'ExecuteStatement'
        ? ((sent.body.Items ?? []) as MarshalledItem[])
        : ((sent.body.Responses ?? []) as { Item?: MarshalledItem }[])[i]?.Item
          ? [(sent.body.Responses as { Item: MarshalledItem }[])[i].Item]
          : [];
    const parts: Part[] = [];
    for (const [i, st] of statements.entries()) {
      const p = await statementParts(
        m,
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
    const d = m.decideAll(operation, parts, nowMs());
    if ('refused' in d)
      return transactional ? transactionThrottled(statements.length, d.refused.entry) : throttled(d.decision, d.refused.arn);
    return answer(sent, body.ReturnConsumedCapacity);
  }

  const parts: Part[] = [];
  for (const [i, st] of statements.entries()) {
    const p = await statementParts(m, inner, request, st, i, transactional, false);
    if (p) parts.push(...p);
  }
  const d = m.decideAll(operation, parts, nowMs());
  if ('refused' in d)
    return transactional ? transactionThrottled(statements.length, d.refused.entry) : throttled(d.decision, d.refused.arn);
  const sent = await m.send(inner, request, operation, body);
  if (!sent.ok) {
    const text = await readBody(sent.out.response.body);
    if (!/ConditionalCheckFailed/.test(text)) for (const t of d.tickets) m.undo(t);
    return { response: withBody(sent.out.response, text) };
  }
  return answer(sent, body.ReturnConsumedCapacity);
};
