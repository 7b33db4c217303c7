/**
 * The anatomy of a DynamoDB request, read one way for everyone who inspects requests: the throttling emulator, the
 * IAM enforcer and the metrics recorder. Pure functions over the request's JSON (marshalled or lib-dynamodb plain).
 */

export type Json = Record<string, unknown>;

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
