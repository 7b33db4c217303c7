// Item sizes and capacity units, following AWS's documented rules:
// - item size: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
// - units:     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
// AWS calls its number rule approximate; numberSizeBytes follows what DynamoDB actually charges (see there).

import { forEachUtf8Byte } from '../random';

export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;

export function utf8ByteLength(s: string): number {
  let n = 0;
  forEachUtf8Byte(s, () => {
    n++;
  });
  return n;
}

/**
 * DynamoDB stores a number as base-100 digits aligned on the decimal point, plus one byte of exponent, plus one
 * terminator byte when negative. AWS's "1 byte per two significant digits, plus 1" is the same for integers, but
 * one byte low for most decimals (3.14159 is 03|14|15|90: 4 digit bytes) and for every negative number — measured
 * against DynamoDB Local's ConsumedCapacity (tests/connected/capacity-numbers.test.ts).
 */
function numberDigitBytes(decimal: string): { bytes: number; negative: boolean } {
  const text = decimal.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new TypeError(`not a number: ${decimal}`);
  const [, sign, int, frac = '', exp = '0'] = m;
  const all = int + frac;
  const lead = all.length - all.replace(/^0+/, '').length;
  const digits = all.replace(/^0+/, '').replace(/0+$/, '');
  if (digits === '') return { bytes: 0, negative: false }; // zero
  // value = 0.<digits> × 10^point; base-100 pairs align where point is even
  const point = int.length - lead + Number(exp);
  const aligned = (((point % 2) + 2) % 2 === 1 ? 1 : 0) + digits.length;
  return { bytes: Math.ceil(aligned / 2), negative: sign === '-' };
}

/** Size of a Number value as DynamoDB counts it: base-100 digit bytes + 1 exponent byte (+ 1 when negative). */
export function numberSizeBytes(value: number | bigint | string): number {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`DynamoDB cannot store ${value}`);
  const { bytes, negative } = numberDigitBytes(String(value));
  return bytes + 1 + (negative ? 1 : 0);
}

function binaryLength(v: unknown): number | undefined {
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  return undefined;
}

/** lib-dynamodb's NumberValue (kept as a string to preserve precision); matched by shape to avoid importing the SDK. */
function numberValueString(v: object): string | undefined {
  const ctor = (v as { constructor?: { name?: string } }).constructor;
  const value = (v as { value?: unknown }).value;
  return ctor && ctor.name === 'NumberValue' && typeof value === 'string' ? value : undefined;
}

/**
 * Size of one value as the DocumentClient would marshal it (the attribute name is not included).
 * Lists and maps: 3 bytes + 1 byte per element + the elements (a map's elements include their names).
 * Sets: the sum of their elements. `undefined` counts 0 (lib-dynamodb's removeUndefinedValues drops it).
 */
export function valueSizeBytes(v: unknown): number {
  if (v === undefined) return 0;
  if (v === null || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return utf8ByteLength(v);
  if (typeof v === 'number' || typeof v === 'bigint') return numberSizeBytes(v);
  if (typeof v !== 'object') throw new TypeError(`DynamoDB cannot store a ${typeof v}`);
  const bin = binaryLength(v);
  if (bin !== undefined) return bin;
  const nv = numberValueString(v);
  if (nv !== undefined) return numberSizeBytes(nv);
  if (v instanceof Set) {
    let n = 0;
    v.forEach((el: unknown) => {
      n += valueSizeBytes(el);
    });
    return n;
  }
  if (Array.isArray(v)) {
    let n = 3;
    for (const el of v) n += 1 + valueSizeBytes(el);
    return n;
  }
  let n = 3;
  for (const [name, el] of Object.entries(v as Record<string, unknown>)) {
    if (el === undefined) continue;
    n += 1 + utf8ByteLength(name) + valueSizeBytes(el);
  }
  return n;
}

/** Size of an item in native JavaScript form (what lib-dynamodb's DocumentClient takes). */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let n = 0;
  for (const [name, v] of Object.entries(item)) {
    if (v === undefined) continue;
    n += utf8ByteLength(name) + valueSizeBytes(v);
  }
  return n;
}

/** The low-level AttributeValue shape (`{ S: 'x' }`, `{ N: '1' }`, …) as seen by middleware on DynamoDBClient. */
export type AttributeValueLike = { [type: string]: unknown };

function base64Length(s: string): number {
  const clean = s.replace(/[\s=]/g, '');
  return Math.floor((clean.length * 3) / 4);
}

export function attributeValueSizeBytes(av: AttributeValueLike): number {
  const a = av as Record<string, unknown>;
  if (a.S !== undefined) return utf8ByteLength(String(a.S));
  if (a.N !== undefined) return numberSizeBytes(String(a.N));
  if (a.B !== undefined) return typeof a.B === 'string' ? base64Length(a.B) : (binaryLength(a.B) ?? 0);
  if (a.BOOL !== undefined || a.NULL !== undefined) return 1;
  if (a.SS !== undefined) return (a.SS as string[]).reduce((n, s) => n + utf8ByteLength(s), 0);
  if (a.NS !== undefined) return (a.NS as string[]).reduce((n, s) => n + numberSizeBytes(s), 0);
  if (a.BS !== undefined)
    return (a.BS as unknown[]).reduce<number>(
      (n, b) => n + (typeof b === 'string' ? base64Length(b) : (binaryLength(b) ?? 0)),
      0,
    );
  if (a.L !== undefined) return (a.L as AttributeValueLike[]).reduce((n, el) => n + 1 + attributeValueSizeBytes(el), 3);
  if (a.M !== undefined) {
    let n = 3;
    for (const [name, el] of Object.entries(a.M as Record<string, AttributeValueLike>)) {
      n += 1 + utf8ByteLength(name) + attributeValueSizeBytes(el);
    }
    return n;
  }
  throw new TypeError(`unknown AttributeValue: ${JSON.stringify(Object.keys(a))}`);
}

/** Size of an item in AttributeValue form. */
export function marshalledItemSizeBytes(item: Record<string, AttributeValueLike>): number {
  let n = 0;
  for (const [name, av] of Object.entries(item)) n += utf8ByteLength(name) + attributeValueSizeBytes(av);
  return n;
}

export interface WriteOptions {
  /** TransactWriteItems: twice the units. */
  transactional?: boolean;
}

export interface ReadOptions {
  /** ConsistentRead: true. AWS's default is eventually consistent (half the units). */
  consistent?: boolean;
  /** TransactGetItems: twice a strongly consistent read, whatever `consistent` says. */
  transactional?: boolean;
}

/**
 * Write units for one item of `sizeBytes`: 1 per 1 KB, rounded up, at least 1 (a delete of a missing
 * item still costs 1). For UpdateItem pass the larger of the before and after sizes.
 */
export function writeUnits(sizeBytes: number, options: WriteOptions = {}): number {
  const units = Math.max(1, Math.ceil(sizeBytes / WRITE_UNIT_BYTES));
  return options.transactional ? 2 * units : units;
}

/**
 * Read units for `sizeBytes` read in one operation: 1 per 4 KB, rounded up, at least one block (reading a
 * missing item still costs); half for eventually consistent, double for transactional.
 */
export function readUnits(sizeBytes: number, options: ReadOptions = {}): number {
  const blocks = Math.max(1, Math.ceil(sizeBytes / READ_UNIT_BYTES));
  if (options.transactional) return 2 * blocks;
  return options.consistent ? blocks : blocks / 2;
}

/** Query and Scan: the sizes of all items read (before any filter) are summed, then rounded up once. */
export function queryReadUnits(itemSizes: readonly number[], options: ReadOptions = {}): number {
  return readUnits(
    itemSizes.reduce((n, s) => n + s, 0),
    options,
  );
}

/** BatchGetItem and TransactGetItems: each item is rounded up on its own, then summed. */
export function batchReadUnits(itemSizes: readonly number[], options: ReadOptions = {}): number {
  return itemSizes.reduce((n, s) => n + readUnits(s, options), 0);
}

/** BatchWriteItem and TransactWriteItems: each item is rounded up on its own, then summed. */
export function batchWriteUnits(itemSizes: readonly number[], options: WriteOptions = {}): number {
  return itemSizes.reduce((n, s) => n + writeUnits(s, options), 0);
}
