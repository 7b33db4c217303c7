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

/** A marshalled attribute value (`{ S: 'a' }`, `{ N: '1' }`, `{ M: { … } }`, …) and a marshalled item. */
export type AttributeValue = { [type: string]: unknown };
export type MarshalledItem = Record<string, AttributeValue>;

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

// ---------------------------------------------------------------------------------------------------------------------
// UpdateItem: the item after the update, computed from the item before it (what DynamoDB charges: the larger of both).

/** A top-level attribute name of an update path (`a`, `#n`), or undefined for nested paths (`a.b`, `a[0]`). */
function topLevelName(path: string, names: Record<string, string>): string | undefined {
  const p = path.trim();
  if (!/^#?[\w-]+$/.test(p)) return undefined;
  return p.startsWith('#') ? names[p] : p;
}

/** Splits on commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

function addNumbers(a: string, b: string, sign: 1 | -1): string {
  const r = Number(a) + sign * Number(b);
  return String(Number.isInteger(r) ? r : Number(r.toPrecision(15)));
}

/**
 * The item after an UpdateItem, from the item before it: SET (values, attribute copies, if_not_exists, list_append,
 * + and -), REMOVE, ADD and DELETE on top-level attributes. Returns `exact: false` when the expression uses something
 * this does not follow (nested paths): the result then keeps the old attributes and adds every value the request
 * carries, an upper bound of the new size (the emulator settles to DynamoDB's own figure after the answer).
 */
export function updatedItem(old: MarshalledItem | undefined, input: Json): { item: MarshalledItem; exact: boolean } {
  const key = (input.Key ?? {}) as MarshalledItem;
  const item: MarshalledItem = { ...(old ?? {}), ...key };
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  let exact = true;
  const legacy = input.AttributeUpdates as Record<string, { Action?: string; Value?: AttributeValue }> | undefined;
  if (legacy) {
    for (const [name, u] of Object.entries(legacy)) {
      if (u.Action === 'DELETE' && !u.Value) delete item[name];
      else if (u.Value) item[name] = u.Value;
    }
    return { item, exact: false };
  }
  const expr = typeof input.UpdateExpression === 'string' ? input.UpdateExpression : '';
  const operand = (text: string): AttributeValue | undefined => {
    const t = text.trim();
    if (t.startsWith(':')) return values[t];
    const fn = /^(\w+)\s*\((.*)\)$/s.exec(t);
    if (fn) {
      const args = splitTopLevel(fn[2]).map((a) => a.trim());
      if (fn[1] === 'if_not_exists' && args.length === 2) {
        const n = topLevelName(args[0], names);
        if (n === undefined) return undefined;
        return item[n] ?? operand(args[1]);
      }
      if (fn[1] === 'list_append' && args.length === 2) {
        const [a, b] = [operand(args[0]), operand(args[1])];
        if (!a || !b) return undefined;
        return { L: [...((a.L as unknown[]) ?? []), ...((b.L as unknown[]) ?? [])] };
      }
      return undefined;
    }
    const n = topLevelName(t, names);
    return n === undefined ? undefined : item[n];
  };
  const value = (text: string): AttributeValue | undefined => {
    const arith = /^(.+?)\s*([+-])\s*(.+)$/s.exec(text.trim());
    if (arith && !text.trim().startsWith(':-')) {
      const [a, b] = [operand(arith[1]), operand(arith[3])];
      if (!a || !b || typeof a.N !== 'string' || typeof b.N !== 'string') return undefined;
      return { N: addNumbers(a.N, b.N, arith[2] === '+' ? 1 : -1) };
    }
    return operand(text);
  };
  // clauses: SET …, REMOVE …, ADD …, DELETE … in any order
  const clause = /\b(SET|REMOVE|ADD|DELETE)\b/gi;
  const marks = [...expr.matchAll(clause)];
  for (let i = 0; i < marks.length; i++) {
    const verb = marks[i][1].toUpperCase();
    const body = expr.slice((marks[i].index ?? 0) + marks[i][0].length, marks[i + 1]?.index ?? expr.length);
    for (const action of splitTopLevel(body)) {
      const a = action.trim();
      if (!a) continue;
      if (verb === 'SET') {
        const eq = a.indexOf('=');
        const n = topLevelName(a.slice(0, eq), names);
        const v = eq > 0 ? value(a.slice(eq + 1)) : undefined;
        if (n === undefined || v === undefined) exact = false;
        else item[n] = v;
      } else if (verb === 'REMOVE') {
        const n = topLevelName(a, names);
        if (n === undefined) exact = false;
        else delete item[n];
      } else {
        const [path, val] = a.split(/\s+/, 2);
        const n = topLevelName(path, names);
        const v = val === undefined ? undefined : values[val.trim()];
        if (n === undefined || v === undefined) {
          exact = false;
          continue;
        }
        const cur = item[n];
        const setType = ['SS', 'NS', 'BS'].find((t) => v[t] !== undefined);
        if (verb === 'ADD' && typeof v.N === 'string')
          item[n] = { N: cur && typeof cur.N === 'string' ? addNumbers(cur.N, v.N, 1) : v.N };
        else if (setType && verb === 'ADD') {
          const merged = new Set([...(((cur?.[setType] as string[]) ?? []) as string[]), ...(v[setType] as string[])]);
          item[n] = { [setType]: [...merged] };
        } else if (setType && verb === 'DELETE' && cur?.[setType]) {
          const drop = new Set(v[setType] as string[]);
          const left = (cur[setType] as string[]).filter((x) => !drop.has(x));
          if (left.length) item[n] = { [setType]: left };
          else delete item[n];
        } else exact = false;
      }
    }
  }
  if (!exact) {
    // an upper bound: every value the request carries, added under a name of its own
    let i = 0;
    for (const v of Object.values(values)) item[`\u0000bound${i++}`] = v;
  }
  return { item, exact };
}

// ---------------------------------------------------------------------------------------------------------------------
// PartiQL: which table (or index) a statement touches, the key its WHERE clause pins, the item an INSERT writes.

export interface PartiqlStatement {
  verb: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
  table: string;
  index?: string;
  /** `attr = value` conditions of the WHERE clause (joined by AND), parameters resolved */
  equalities: MarshalledItem;
  /** INSERT: the item of VALUE {…} */
  item?: MarshalledItem;
  /** UPDATE: SET attr = value / REMOVE attr on top-level attributes (values resolved); exact false when not followed */
  set?: MarshalledItem;
  remove?: string[];
  updateExact?: boolean;
  /** SELECT: the projection is `*` */
  selectAll?: boolean;
}

type Token = { t: 'str' | 'ident' | 'num' | 'param' | 'word' | 'punct'; v: string; param?: number };

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;

function tokenize(statement: string): Token[] {
  const out: Token[] = [];
  let param = 0;
  const s = statement;
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let v = '';
      let j = i + 1;
      for (; j < s.length; j++) {
        if (s[j] === c) {
          if (s[j + 1] === c) {
            v += c;
            j++;
          } else break;
        } else v += s[j];
      }
      out.push({ t: c === "'" ? 'str' : 'ident', v });
      i = j + 1;
    } else if (c === '?') {
      out.push({ t: 'param', v: '?', param: param++ });
      i++;
    } else if (NUMBER.test(s.slice(i, i + 64))) {
      const m = NUMBER.exec(s.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w]*/.exec(s.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else if (
      s.startsWith('<<', i) ||
      s.startsWith('>>', i) ||
      s.startsWith('<=', i) ||
      s.startsWith('>=', i) ||
      s.startsWith('<>', i)
    ) {
      out.push({ t: 'punct', v: s.slice(i, i + 2) });
      i += 2;
    } else {
      out.push({ t: 'punct', v: c });
      i++;
    }
  }
  return out;
}

/**
 * Reads a PartiQL statement's anatomy (SELECT … FROM "t"."index" WHERE …, INSERT INTO "t" VALUE {…}, UPDATE "t" SET …
 * WHERE …, DELETE FROM "t" WHERE …), `?` resolved from `parameters` in order. Undefined when it is none of these.
 */
export function partiqlStatement(statement: string, parameters: readonly AttributeValue[] = []): PartiqlStatement | undefined {
  const tk = tokenize(statement);
  let i = 0;
  const peek = () => tk[i];
  const word = (w: string) => tk[i]?.t === 'word' && tk[i].v.toUpperCase() === w;
  const name = (): string | undefined => (tk[i] && (tk[i].t === 'ident' || tk[i].t === 'word') ? tk[i++].v : undefined);
  const value = (): AttributeValue | undefined => {
    const x = tk[i++];
    if (!x) return undefined;
    if (x.t === 'param') return parameters[x.param!];
    if (x.t === 'str') return { S: x.v };
    if (x.t === 'num') return { N: x.v };
    if (x.t === 'word') {
      const w = x.v.toUpperCase();
      if (w === 'TRUE' || w === 'FALSE') return { BOOL: w === 'TRUE' };
      if (w === 'NULL') return { NULL: true };
      return undefined;
    }
    if (x.v === '{') {
      const m: MarshalledItem = {};
      while (peek() && peek().v !== '}') {
        const k = tk[i++];
        if (tk[i]?.v !== ':') return undefined;
        i++;
        const v = value();
        if (v === undefined) return undefined;
        m[k.v] = v;
        if (peek()?.v === ',') i++;
      }
      i++;
      return { M: m };
    }
    if (x.v === '[' || x.v === '<<') {
      const close = x.v === '[' ? ']' : '>>';
      const l: AttributeValue[] = [];
      while (peek() && peek().v !== close) {
        const v = value();
        if (v === undefined) return undefined;
        l.push(v);
        if (peek()?.v === ',') i++;
      }
      i++;
      if (close === ']') return { L: l };
      if (l.every((v) => v.S !== undefined)) return { SS: l.map((v) => v.S) };
      if (l.every((v) => v.N !== undefined)) return { NS: l.map((v) => v.N) };
      return { BS: l.map((v) => v.B) };
    }
    return undefined;
  };
  const where = (): MarshalledItem => {
    const eq: MarshalledItem = {};
    if (!word('WHERE')) return eq;
    i++;
    while (i < tk.length) {
      const start = i;
      const n = name();
      if (n !== undefined && tk[i]?.v === '=') {
        i++;
        const v = value();
        if (v !== undefined) eq[n] = v;
      } else i = start + 1;
      // skip to the next AND at this level
      while (i < tk.length && !word('AND')) {
        if (word('OR')) return {}; // a disjunction pins no single key
        i++;
      }
      if (word('AND')) i++;
    }
    return eq;
  };
  const tableRef = (): { table: string; index?: string } | undefined => {
    const table = name();
    if (table === undefined) return undefined;
    if (tk[i]?.v === '.') {
      i++;
      return { table, index: name() };
    }
    return { table };
  };
  if (word('SELECT')) {
    i++;
    const selectAll = tk[i]?.v === '*';
    while (i < tk.length && !word('FROM')) i++;
    i++;
    const ref = tableRef();
    if (!ref) return undefined;
    return { verb: 'SELECT', ...ref, equalities: where(), selectAll };
  }
  if (word('INSERT')) {
    i++;
    if (word('INTO')) i++;
    const ref = tableRef();
    if (!ref || !word('VALUE')) return undefined;
    i++;
    const v = value();
    return { verb: 'INSERT', ...ref, equalities: {}, item: v?.M as MarshalledItem | undefined };
  }
  if (word('DELETE')) {
    i++;
    if (word('FROM')) i++;
    const ref = tableRef();
    if (!ref) return undefined;
    return { verb: 'DELETE', ...ref, equalities: where() };
  }
  if (word('UPDATE')) {
    i++;
    const ref = tableRef();
    if (!ref) return undefined;
    const set: MarshalledItem = {};
    const remove: string[] = [];
    let updateExact = true;
    while (i < tk.length && !word('WHERE')) {
      if (word('SET')) {
        i++;
        const n = name();
        if (n !== undefined && tk[i]?.v === '=') {
          i++;
          const v = value();
          if (v !== undefined && (tk[i] === undefined || tk[i].v === ',' || word('WHERE') || word('SET') || word('REMOVE')))
            set[n] = v;
          else updateExact = false;
        } else updateExact = false;
      } else if (word('REMOVE')) {
        i++;
        const n = name();
        if (n !== undefined && (tk[i] === undefined || tk[i].v === ',' || word('WHERE') || word('SET') || word('REMOVE')))
          remove.push(n);
        else updateExact = false;
      } else if (tk[i].v === ',') {
        // SET a = 1, b = 2
        const n = tk[i + 1];
        if (n && (n.t === 'ident' || n.t === 'word') && tk[i + 2]?.v === '=') {
          i++;
          const nm = name()!;
          i++;
          const v = value();
          if (v !== undefined) set[nm] = v;
          else updateExact = false;
          continue;
        }
        i++;
      } else {
        updateExact = false;
        i++;
      }
    }
    return { verb: 'UPDATE', ...ref, equalities: where(), set, remove, updateExact };
  }
  return undefined;
}
