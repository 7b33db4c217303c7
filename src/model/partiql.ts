// PartiQL: which table (or index) a statement touches, the key its WHERE clause pins, the item an INSERT writes.
import type { AttributeValue, MarshalledItem } from './json';

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
  /** `EXISTS(SELECT …)`: an ExecuteTransaction's condition check, a read of the item it names (verb SELECT) */
  exists?: boolean;
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
      // a conjunct may open parentheses: WHERE (PK = 'x' AND SK = 'y') pins the same key as without them
      while (tk[i]?.v === '(') i++;
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
  if (word('EXISTS') && tk[i + 1]?.v === '(') {
    // EXISTS(SELECT … WHERE …): the condition check of ExecuteTransaction, a read of the item the SELECT names
    i += 2;
    if (!word('SELECT')) return undefined;
    const inner = partiqlStatement(
      statement.slice(statement.search(/\bSELECT\b/i)).replace(/\)\s*$/, ''),
      parameters.slice(tk.slice(0, i).filter((t) => t.t === 'param').length),
    );
    return inner && { ...inner, exists: true };
  }
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
