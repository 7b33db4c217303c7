// UpdateItem: the item after the update, computed from the item before it (what DynamoDB charges: the larger of both).
import { addDecimal } from './decimal';
import type { AttributeValue, Json, MarshalledItem } from './json';

/** One step of a document path: an attribute or map key (string), or a list index (number). */
type Step = string | number;

/**
 * A document path (`a`, `#n`, `m.a.b`, `l[1]`, `#m.l[0][2]`) as steps, names resolved; undefined when it is not a
 * path (a placeholder for a name that is not given, a function call, a value).
 */
function pathOf(text: string, names: Record<string, string>): Step[] | undefined {
  const steps: Step[] = [];
  for (const part of text.trim().split('.')) {
    const m = /^(#?[\w-]+)((?:\[\d+\])*)$/.exec(part.trim());
    if (!m) return undefined;
    const name = m[1].startsWith('#') ? names[m[1]] : m[1];
    if (name === undefined) return undefined;
    steps.push(name);
    for (const ix of m[2].matchAll(/\[(\d+)\]/g)) steps.push(Number(ix[1]));
  }
  return steps.length > 0 ? steps : undefined;
}

/** The value at a path, or undefined when any step is missing. */
function getAt(item: MarshalledItem, path: Step[]): AttributeValue | undefined {
  let cur: AttributeValue | undefined = item[path[0] as string];
  for (const step of path.slice(1)) {
    if (cur === undefined) return undefined;
    cur =
      typeof step === 'number' ? (cur.L as AttributeValue[] | undefined)?.[step] : (cur.M as MarshalledItem | undefined)?.[step];
  }
  return cur;
}

/**
 * Changes the value at a path (`value` undefined: removes it), copying every map and list on the way (the old item's
 * values are shared, never changed). False when the path's parent does not exist (DynamoDB refuses such an update).
 */
function changeAt(item: MarshalledItem, path: Step[], value: AttributeValue | undefined): boolean {
  if (path.length === 1) {
    if (value === undefined) delete item[path[0] as string];
    else item[path[0] as string] = value;
    return true;
  }
  const top = item[path[0] as string];
  if (top === undefined) return false;
  const copy = (v: AttributeValue): AttributeValue | undefined =>
    Array.isArray(v.L) ? { L: [...v.L] } : v.M && typeof v.M === 'object' ? { M: { ...(v.M as MarshalledItem) } } : undefined;
  let parent = copy(top);
  if (!parent) return false;
  item[path[0] as string] = parent;
  for (let i = 1; i < path.length; i++) {
    const step = path[i];
    const container = (typeof step === 'number' ? parent.L : parent.M) as Record<string | number, AttributeValue> | undefined;
    if (!container) return false;
    if (i === path.length - 1) {
      if (typeof step === 'number') {
        const list = container as unknown as AttributeValue[];
        if (value === undefined) {
          if (step < list.length) list.splice(step, 1);
        } else if (step < list.length) list[step] = value;
        else list.push(value); // past the end: DynamoDB appends
      } else if (value === undefined) delete container[step];
      else container[step] = value;
      return true;
    }
    const next = container[step];
    const nextCopy = next === undefined ? undefined : copy(next);
    if (!nextCopy) return false;
    container[step] = nextCopy;
    parent = nextCopy;
  }
  return true;
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

/**
 * The clause keywords of an update expression: a keyword only where it stands alone, never inside a placeholder
 * (`:add`, `#set`) or a longer name.
 */
const CLAUSE = /(?<![#:\w])(SET|REMOVE|ADD|DELETE)(?![\w-])/gi;

/** Sorts REMOVE paths so list elements go last-first: every index names an element of the list before the update. */
function byListIndexDescending(a: Step[], b: Step[]): number {
  const la = a[a.length - 1];
  const lb = b[b.length - 1];
  return typeof la === 'number' && typeof lb === 'number' ? lb - la : 0;
}

/**
 * The item after an UpdateItem, from the item before it: SET (values, attribute copies, if_not_exists, list_append,
 * + and -), REMOVE, ADD and DELETE, on top-level attributes and on nested paths (`m.a.b`, `l[1]`). Numbers are added
 * exactly (38 significant digits, as DynamoDB keeps them). Returns `exact: false` when the expression uses something
 * this does not follow (the legacy AttributeUpdates, a path whose parent is missing): the result then keeps the old
 * attributes and adds every value the request carries, an upper bound of the new size (the emulator settles to
 * DynamoDB's own figure after the answer).
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
        const p = pathOf(args[0], names);
        if (p === undefined) return undefined;
        return getAt(item, p) ?? operand(args[1]);
      }
      if (fn[1] === 'list_append' && args.length === 2) {
        const [a, b] = [operand(args[0]), operand(args[1])];
        if (!a || !b) return undefined;
        return { L: [...((a.L as unknown[]) ?? []), ...((b.L as unknown[]) ?? [])] };
      }
      return undefined;
    }
    const p = pathOf(t, names);
    return p === undefined ? undefined : getAt(item, p);
  };
  const value = (text: string): AttributeValue | undefined => {
    const arith = /^(.+?)\s*([+-])\s*(.+)$/s.exec(text.trim());
    if (arith && !text.trim().startsWith(':-')) {
      const [a, b] = [operand(arith[1]), operand(arith[3])];
      if (!a || !b || typeof a.N !== 'string' || typeof b.N !== 'string') return undefined;
      const sum = addDecimal(a.N, b.N, arith[2] === '+' ? 1 : -1);
      return sum === undefined ? undefined : { N: sum };
    }
    return operand(text);
  };
  const removals: Step[][] = [];
  // clauses: SET …, REMOVE …, ADD …, DELETE … in any order
  const marks = [...expr.matchAll(CLAUSE)];
  for (let i = 0; i < marks.length; i++) {
    const verb = marks[i][1].toUpperCase();
    const body = expr.slice((marks[i].index ?? 0) + marks[i][0].length, marks[i + 1]?.index ?? expr.length);
    for (const action of splitTopLevel(body)) {
      const a = action.trim();
      if (!a) continue;
      if (verb === 'SET') {
        const eq = a.indexOf('=');
        const p = eq > 0 ? pathOf(a.slice(0, eq), names) : undefined;
        const v = eq > 0 ? value(a.slice(eq + 1)) : undefined;
        if (p === undefined || v === undefined || !changeAt(item, p, v)) exact = false;
      } else if (verb === 'REMOVE') {
        const p = pathOf(a, names);
        if (p === undefined) exact = false;
        else removals.push(p);
      } else {
        const [path, val] = a.split(/\s+/, 2);
        const p = pathOf(path, names);
        const v = val === undefined ? undefined : values[val.trim()];
        if (p === undefined || v === undefined) {
          exact = false;
          continue;
        }
        const cur = getAt(item, p);
        const setType = ['SS', 'NS', 'BS'].find((t) => v[t] !== undefined);
        let next: AttributeValue | undefined | null = null; // null: not followed
        if (verb === 'ADD' && typeof v.N === 'string') {
          const sum = cur && typeof cur.N === 'string' ? addDecimal(cur.N, v.N) : v.N;
          if (sum !== undefined) next = { N: sum };
        } else if (setType && verb === 'ADD') {
          next = { [setType]: [...new Set([...((cur?.[setType] as string[]) ?? []), ...(v[setType] as string[])])] };
        } else if (setType && verb === 'DELETE' && cur?.[setType]) {
          const drop = new Set(v[setType] as string[]);
          const left = (cur[setType] as string[]).filter((x) => !drop.has(x));
          next = left.length ? { [setType]: left } : undefined; // DynamoDB has no empty sets
        }
        if (next === null || !changeAt(item, p, next)) exact = false;
      }
    }
  }
  // REMOVE after the rest, list elements last-first: indexes name the elements of the list before the update
  for (const p of removals.sort(byListIndexDescending)) if (!changeAt(item, p, undefined)) exact = false;
  if (!exact) {
    // an upper bound: every value the request carries, added under a name of its own
    let i = 0;
    for (const v of Object.values(values)) item[`\u0000bound${i++}`] = v;
  }
  return { item, exact };
}
