// src/model/request.ts's two readers that need no engine: the PartiQL statement reader (which table, index and key a
// statement touches, and the item it writes) and updatedItem (the item after an UpdateItem, as DynamoDB applies it).
// The cases for parenthesised WHERE clauses, EXISTS, nested paths, keyword-named placeholders and 38-digit numbers were
// bugs found in src/model/request.ts (issues 12 and 16); each says what DynamoDB does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type MarshalledItem, partiqlStatement, updatedItem } from '../../src/model/request';

// ---- PartiQL ------------------------------------------------------------------------------------------------------

test('SELECT: table, index, selectAll and the WHERE equalities, with ? parameters resolved in order', () => {
  assert.deepEqual(partiqlStatement(`SELECT * FROM "ws-shared" WHERE PK = ? AND SK = ?`, [{ S: 'P' }, { S: 'S' }]), {
    verb: 'SELECT',
    table: 'ws-shared',
    equalities: { PK: { S: 'P' }, SK: { S: 'S' } },
    selectAll: true,
  });
  assert.deepEqual(partiqlStatement(`select PK, SK from "t"."GSI1" where "GSI1PK" = 'g' and begins_with(SK, 'x')`), {
    verb: 'SELECT',
    table: 't',
    index: 'GSI1',
    equalities: { GSI1PK: { S: 'g' } },
    selectAll: false,
  });
  // Range conditions pin nothing, wherever they stand; BETWEEN's AND is not a conjunction of equalities.
  assert.deepEqual(partiqlStatement(`SELECT * FROM t WHERE SK > 'a' AND PK = 'p' AND SK BETWEEN 'a' AND 'b'`)?.equalities, {
    PK: { S: 'p' },
  });
  // A ? inside a string literal is text, not a parameter: the first ? still takes parameters[0].
  assert.deepEqual(partiqlStatement(`SELECT * FROM "t" WHERE PK = 'a?' AND SK = ?`, [{ S: 'S' }])?.equalities, {
    PK: { S: 'a?' },
    SK: { S: 'S' },
  });
});

test('a WHERE clause that pins no single key: OR, IN, and a missing parameter', () => {
  assert.deepEqual(partiqlStatement(`DELETE FROM t WHERE PK = 'a' OR PK = 'b'`)?.equalities, {});
  assert.deepEqual(partiqlStatement(`SELECT * FROM "t" WHERE PK IN ['a', 'b']`)?.equalities, {});
  assert.deepEqual(partiqlStatement(`SELECT * FROM "t" WHERE PK = ?`, [])?.equalities, {});
  assert.deepEqual(partiqlStatement(`SELECT * FROM "t"`)?.equalities, {});
});

test('quoted names: double quotes name a table or an attribute ("" escapes a quote), single quotes are strings', () => {
  const s = partiqlStatement(`INSERT INTO "my""table" VALUE {'PK': 'it''s', 'SK': 's'}`);
  assert.equal(s?.table, 'my"table');
  assert.deepEqual(s?.item, { PK: { S: "it's" }, SK: { S: 's' } });
  assert.equal(partiqlStatement(`SELECT * FROM "ws.shared"."by.status" WHERE "PK" = 'x'`)?.index, 'by.status');
  assert.equal(partiqlStatement(`SELECT * FROM "ws.shared"."by.status" WHERE "PK" = 'x'`)?.table, 'ws.shared');
});

test('INSERT: the VALUE tuple as a marshalled item — numbers, lists, sets, maps, booleans, null, parameters', () => {
  const s = partiqlStatement(
    `INSERT INTO "t" VALUE {'PK': ?, 'n': -1.5e3, 'l': [1, 'x', true, null], 's': <<'a', 'b'>>, 'ns': <<1, 2>>, ` +
      `'m': {'k': {'z': 1}}}`,
    [{ S: 'P' }],
  );
  assert.equal(s?.verb, 'INSERT');
  assert.deepEqual(s?.equalities, {});
  assert.deepEqual(s?.item, {
    PK: { S: 'P' },
    n: { N: '-1.5e3' },
    l: { L: [{ N: '1' }, { S: 'x' }, { BOOL: true }, { NULL: true }] },
    s: { SS: ['a', 'b'] },
    ns: { NS: ['1', '2'] },
    m: { M: { k: { M: { z: { N: '1' } } } } },
  });
  // The whole item as one parameter.
  assert.deepEqual(partiqlStatement(`INSERT INTO t VALUE ?`, [{ M: { PK: { S: 'p' } } }])?.item, { PK: { S: 'p' } });
});

test('UPDATE: SET (repeated or comma-separated) and REMOVE on top-level attributes, parameters shared with WHERE', () => {
  assert.deepEqual(
    partiqlStatement(`UPDATE "t" SET a = 1 SET b = ? REMOVE c WHERE PK = ? AND SK = 'k'`, [{ S: 'B' }, { S: 'P' }]),
    {
      verb: 'UPDATE',
      table: 't',
      equalities: { PK: { S: 'P' }, SK: { S: 'k' } },
      set: { a: { N: '1' }, b: { S: 'B' } },
      remove: ['c'],
      updateExact: true,
    },
  );
  assert.deepEqual(partiqlStatement(`UPDATE "t" SET a = 1, b = 'x' WHERE PK = 'p'`)?.set, { a: { N: '1' }, b: { S: 'x' } });
  // What it does not follow is flagged, never guessed: a nested path, an expression.
  assert.equal(partiqlStatement(`UPDATE t SET m.k = 1 WHERE PK = 'p'`)?.updateExact, false);
  assert.equal(partiqlStatement(`UPDATE t SET n = n + 1 WHERE PK = 'p'`)?.updateExact, false);
});

test('DELETE and anything else', () => {
  assert.deepEqual(partiqlStatement(`delete from "t" where PK = ? and SK = ?`, [{ S: 'P' }, { N: '7' }]), {
    verb: 'DELETE',
    table: 't',
    equalities: { PK: { S: 'P' }, SK: { N: '7' } },
  });
  assert.equal(partiqlStatement('CREATE TABLE t'), undefined);
  assert.equal(partiqlStatement(''), undefined);
});

test('a parenthesised WHERE pins the same key as without parentheses', () => {
  assert.deepEqual(partiqlStatement(`SELECT * FROM "t" WHERE (PK = 'x' AND SK = 'y')`)?.equalities, {
    PK: { S: 'x' },
    SK: { S: 'y' },
  });
});

test('EXISTS(SELECT …), the condition check of ExecuteTransaction, names its table and key', () => {
  const s = partiqlStatement(`EXISTS(SELECT * FROM "t" WHERE PK = 'a' AND SK = 'b')`);
  assert.equal(s?.table, 't');
  assert.deepEqual(s?.equalities, { PK: { S: 'a' }, SK: { S: 'b' } });
});

// ---- updatedItem -------------------------------------------------------------------------------------------------

const key = { PK: { S: 'p' }, SK: { S: 's' } };
const update = (old: MarshalledItem | undefined, expr: string, values: MarshalledItem = {}, names?: Record<string, string>) =>
  updatedItem(old, {
    Key: key,
    UpdateExpression: expr,
    ExpressionAttributeValues: values,
    ...(names ? { ExpressionAttributeNames: names } : {}),
  });

test('SET: values, names, copies, if_not_exists, list_append and arithmetic, on a new or an existing item', () => {
  assert.deepEqual(update(undefined, 'SET a = :a', { ':a': { S: 'x' } }), { item: { ...key, a: { S: 'x' } }, exact: true });
  assert.deepEqual(
    update(
      undefined,
      'SET #c = if_not_exists(#c, :z) + :one, l = list_append(if_not_exists(l, :e), :l)',
      { ':z': { N: '0' }, ':one': { N: '1' }, ':e': { L: [] }, ':l': { L: [{ S: 'x' }] } },
      { '#c': 'count' },
    ),
    { item: { ...key, count: { N: '1' }, l: { L: [{ S: 'x' }] } }, exact: true },
  );
  const old = { ...key, cnt: { N: '4' }, b: { S: 'copy me' }, l: { L: [{ N: '1' }] } };
  assert.deepEqual(
    update(old, 'SET cnt = cnt - :two, a = b, l = list_append(:front, l)', {
      ':two': { N: '2' },
      ':front': { L: [{ N: '0' }] },
    }),
    { item: { ...old, cnt: { N: '2' }, a: { S: 'copy me' }, l: { L: [{ N: '0' }, { N: '1' }] } }, exact: true },
  );
  // Decimals as DynamoDB keeps them (no binary floating-point residue).
  assert.deepEqual(update({ ...key, x: { N: '0.1' } }, 'SET x = x + :y', { ':y': { N: '0.2' } }).item.x, { N: '0.3' });
});

test('REMOVE, ADD and DELETE on top-level attributes, clauses in any order, keywords in any case', () => {
  const old = { ...key, a: { S: 'gone' }, n: { N: '5' }, tags: { SS: ['a', 'b'] }, ids: { NS: ['1', '2'] } };
  assert.deepEqual(
    update(old, 'delete tags :t add n :three, fresh :one, ids :i remove a', {
      ':t': { SS: ['a'] },
      ':three': { N: '3' },
      ':one': { N: '1' },
      ':i': { NS: ['2', '3'] },
    }),
    { item: { ...key, n: { N: '8' }, tags: { SS: ['b'] }, ids: { NS: ['1', '2', '3'] }, fresh: { N: '1' } }, exact: true },
  );
  // DELETE of every element removes the attribute (DynamoDB has no empty sets).
  assert.deepEqual(update({ ...key, s: { SS: ['a', 'b'] } }, 'DELETE s :d', { ':d': { SS: ['a', 'b'] } }).item, key);
  // ADD of a set to a missing attribute creates it.
  assert.deepEqual(update(key, 'ADD s :d', { ':d': { SS: ['x'] } }).item, { ...key, s: { SS: ['x'] } });
});

test('a path it cannot follow (its parent is missing) is flagged inexact, and the result bounds the new item from above', () => {
  const old = { ...key, m: { M: { x: { N: '1' } } }, l: { L: [{ N: '1' }, { N: '2' }] } };
  const r = update(old, 'SET nope.y = :v', { ':v': { S: 'new' } });
  assert.equal(r.exact, false);
  // Every old attribute kept and every value of the request added: never smaller than what DynamoDB stores.
  for (const [name, v] of Object.entries(old)) assert.deepEqual(r.item[name], v, name);
  assert.ok(Object.values(r.item).some((v) => JSON.stringify(v) === JSON.stringify({ S: 'new' })));
});

test('nested paths as DynamoDB applies them: SET into a map, list element by index, REMOVE shifts the list', () => {
  const old = { ...key, m: { M: { a: { M: { b: { N: '1' } } } } }, l: { L: [{ S: 'x' }, { S: 'y' }, { S: 'z' }] } };
  const r = update(old, 'SET m.a.c = :c, l[1] = :y2 REMOVE l[0] ADD m.a.b :one', {
    ':c': { S: 'new' },
    ':y2': { S: 'Y' },
    ':one': { N: '1' },
  });
  assert.deepEqual(r, {
    item: { ...key, m: { M: { a: { M: { b: { N: '2' }, c: { S: 'new' } } } } }, l: { L: [{ S: 'Y' }, { S: 'z' }] } },
    exact: true,
  });
});

test('a placeholder whose name is a clause keyword (:add, #set) is just a placeholder', () => {
  assert.deepEqual(update({ ...key, qty: { N: '1' } }, 'SET qty = :add', { ':add': { N: '5' } }), {
    item: { ...key, qty: { N: '5' } },
    exact: true,
  });
  assert.deepEqual(update(key, 'SET #set = :v', { ':v': { S: 'x' } }, { '#set': 'set' }), {
    item: { ...key, set: { S: 'x' } },
    exact: true,
  });
});

test('ADD on numbers keeps DynamoDB precision (38 digits), not a double', () => {
  assert.deepEqual(update({ ...key, n: { N: '12345678901234567890' } }, 'ADD n :one', { ':one': { N: '1' } }).item.n, {
    N: '12345678901234567891',
  });
});

test('numbers are added exactly: decimals, negatives, exponents, 38 digits', () => {
  const add = (a: string, b: string) => update({ ...key, n: { N: a } }, 'ADD n :b', { ':b': { N: b } }).item.n;
  assert.deepEqual(add('99999999999999999999999999999999999999', '-1'), { N: '99999999999999999999999999999999999998' });
  assert.deepEqual(add('0.00000000000000000001', '1'), { N: '1.00000000000000000001' });
  assert.deepEqual(add('1.50', '1'), { N: '2.5' });
  assert.deepEqual(add('-3.25', '3.25'), { N: '0' });
  assert.deepEqual(add('1e3', '2.5E-1'), { N: '1000.25' });
  assert.deepEqual(
    update({ ...key, n: { N: '10' } }, 'SET n = n - :d', { ':d': { N: '10.000000000000000000000000000000000001' } }).item.n,
    {
      N: '-0.000000000000000000000000000000000001',
    },
  );
});

test('REMOVE of list elements names the elements before the update, in any clause order', () => {
  const old = { ...key, l: { L: [{ S: 'a' }, { S: 'b' }, { S: 'c' }, { S: 'd' }] } };
  assert.deepEqual(update(old, 'REMOVE l[0], l[2] SET l[1] = :b2', { ':b2': { S: 'B' } }), {
    item: { ...key, l: { L: [{ S: 'B' }, { S: 'd' }] } },
    exact: true,
  });
  // the old item is not changed (its maps and lists are copied on write)
  assert.deepEqual(old.l.L, [{ S: 'a' }, { S: 'b' }, { S: 'c' }, { S: 'd' }]);
});

test('EXISTS with ? parameters and a parenthesised OR: parameters resolved, a disjunction pins no key', () => {
  const s = partiqlStatement(`EXISTS(SELECT * FROM "t"."G" WHERE PK = ? AND SK = ?)`, [{ S: 'a' }, { N: '1' }]);
  assert.deepEqual(s, {
    verb: 'SELECT',
    table: 't',
    index: 'G',
    equalities: { PK: { S: 'a' }, SK: { N: '1' } },
    selectAll: true,
    exists: true,
  });
  assert.deepEqual(partiqlStatement(`SELECT * FROM "t" WHERE (PK = 'x' OR PK = 'y')`)?.equalities, {});
});
