/**
 * The anatomy of a DynamoDB request, read one way for everyone who inspects requests: the throttling emulator, the
 * IAM enforcer and the metrics recorder. Pure functions over the request's JSON (marshalled or lib-dynamodb plain).
 * This file holds keys and index entries; the item after an UpdateItem is in update-expression.ts, a PartiQL
 * statement's anatomy in partiql.ts (both exported from here too).
 */

export { type PartiqlStatement, partiqlStatement } from './partiql';
export { updatedItem } from './update-expression';

export type { AttributeValue, Json, MarshalledItem } from './json';
import type { Json, MarshalledItem } from './json';

/** A key attribute's value as one string: `{ S: 'a' }`, `{ N: '1' }`, plain strings and numbers, binary as base64. */
export function keyValueString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'object') {
    const o = v as Json;
    if (typeof o.S === 'string') return o.S;
    if (typeof o.N === 'string') return o.N;
    if (o.B !== undefined) return keyValueString(o.B);
    // lib-dynamodb's NumberValue
    if (typeof (o as { value?: unknown }).value === 'string' && Object.keys(o).length === 1) return String(o.value);
  }
  return JSON.stringify(v);
}

/** `a = b` comparisons of a key condition, either operand first (`PK = :p` and `:p = PK` are the same condition). */
const EQUALITY = /([#:]?[\w.]+)\s*=\s*([#:]?[\w.]+)/g;

/**
 * The partition key value a Query pins: from KeyConditionExpression in either operand order, names and values
 * resolved, or from the legacy KeyConditions parameter. Undefined when the request names none.
 */
export function keyConditionPartitionKey(input: Json, hashAttribute: string): string | undefined {
  const expr = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const attributeOf = (operand: string): string | undefined =>
    operand.startsWith(':') ? undefined : operand.startsWith('#') ? names[operand] : operand;
  for (const m of expr.matchAll(EQUALITY)) {
    const [left, right] = [m[1], m[2]];
    const [attr, value] = left.startsWith(':') ? [attributeOf(right), left] : [attributeOf(left), right];
    if (attr === hashAttribute && value.startsWith(':') && values[value] !== undefined) return keyValueString(values[value]);
  }
  const legacy = (input.KeyConditions as Record<string, { AttributeValueList?: unknown[] }> | undefined)?.[hashAttribute];
  if (legacy?.AttributeValueList && legacy.AttributeValueList.length > 0) return keyValueString(legacy.AttributeValueList[0]);
  return undefined;
}

/** The attribute names of a table's (or an index's) primary key. */
export interface KeyNames {
  hash: string;
  range?: string;
}

/** The key of an item, as a map of its key attributes only. */
export function keyOf(item: MarshalledItem, key: KeyNames): MarshalledItem {
  const out: MarshalledItem = {};
  if (item[key.hash] !== undefined) out[key.hash] = item[key.hash];
  if (key.range && item[key.range] !== undefined) out[key.range] = item[key.range];
  return out;
}

/** One string per item key, to match items with keys. */
export function keyId(item: MarshalledItem, key: KeyNames): string {
  return `${keyValueString(item[key.hash])}\u0000${key.range ? keyValueString(item[key.range]) : ''}`;
}

/** A GSI as the capacity rules need it: its key, and what it projects. */
export interface IndexShape extends KeyNames {
  name: string;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** INCLUDE: the non-key attributes projected */
  include?: readonly string[];
}

/**
 * The index entry an item makes in a GSI, or undefined when the item lacks the index's key (sparse index): the
 * table's key, the index's key and the projected attributes.
 */
export function indexEntry(item: MarshalledItem | undefined, table: KeyNames, index: IndexShape): MarshalledItem | undefined {
  if (!item || item[index.hash] === undefined || (index.range && item[index.range] === undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  const out: MarshalledItem = { ...keyOf(item, table), ...keyOf(item, index) };
  for (const a of index.include ?? []) if (item[a] !== undefined) out[a] = item[a];
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Two index entries hold the same data (same attributes, same values). */
export function sameEntry(a: MarshalledItem, b: MarshalledItem): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && sameValue(a[k], b[k]));
}
