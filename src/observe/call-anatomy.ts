// Pure helpers over one request and its answer: its tables, the keys it names, its consumed capacity, what came
// back unprocessed (the request anatomy itself lives in model/request.ts).

import type { Kind } from '../model/partitions';
import { keyConditionPartitionKey, keyValueString } from '../model/request';
import { type TableSchema, workshopSchema } from '../model/schema-cache';
import { tenantOfKey } from '../tenancy/keys';
import { READ_OPERATIONS } from './metric-names';
import type { CapacityUse } from './records';

export type Json = Record<string, unknown>;

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
export function keyId(item: Json | undefined, schema: TableKeySchema): string {
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
