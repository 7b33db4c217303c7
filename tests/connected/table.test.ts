import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { batchGetAll, batchWriteAll } from '../../src/batch';
import { createClients } from '../../src/client';
import { translateAwsError, WorkshopError } from '../../src/errors';
import { orderKey, profileKey } from '../../src/keys';
import { queryAll, scanAll } from '../../src/reads';
import { describeTable, ensureTable } from '../../src/table';
import type { Item } from '../../src/types';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
before(async () => {
  t = await startTestLocal('conn');
});
after(async () => {
  await t.stop();
});

test('ensureTable creates ws-att-<id> once and is idempotent', async () => {
  const first = await ensureTable(t.clients);
  assert.deepEqual([first.tableName, first.created, first.status], ['ws-att-conn', true, 'ACTIVE']);
  assert.equal(first.ownerTag, 'unsupported', 'DynamoDB Local refuses tags; ensureTable says so instead of failing');
  assert.equal(first.owner, undefined);
  assert.match(first.ownership, /^ws-att-conn carries no Owner tag: .*Tagging is not currently supported in DynamoDB Local/);
  assert.match(first.ownership, /locally cleanup goes by the exact name ws-att-conn$/);
  const again = await ensureTable(t.clients);
  assert.equal(again.created, false);
  assert.equal(again.status, 'ACTIVE');
  const d = await describeTable(t.clients.ddb, 'ws-att-conn');
  assert.equal(d?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
});

test('ensureTable refuses a same-named table with another key schema, and an invalid name before sending', async () => {
  await t.clients.ddb.send(
    new CreateTableCommand({
      TableName: 'ws-att-wrong',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await assert.rejects(
    ensureTable(t.clients, { tableName: 'ws-att-wrong' }),
    /key schema is id \(S, HASH\) \(the workshop needs PK \(S, HASH\)/,
  );
  await t.clients.ddb.send(new DeleteTableCommand({ TableName: 'ws-att-wrong' }));
  await assert.rejects(ensureTable(t.clients, { tableName: 'ws' }), /shorter than 3 characters/);
});

test('the item collection USER#u123 comes back in one Query, sorted by SK', async () => {
  const table = (await ensureTable(t.clients)).tableName;
  await batchWriteAll(t.clients.doc, table, [
    { ...profileKey('u123'), type: 'USER', name: 'Ada' },
    { ...orderKey('u123', '20250927', 'o1'), type: 'ORDER', status: 'PENDING' },
    { ...orderKey('u123', '20250928', 'o2'), type: 'ORDER', status: 'SHIPPED' },
  ]);
  const q = await queryAll(t.clients.doc, {
    TableName: table,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': 'USER#u123' },
  });
  assert.deepEqual(
    q.items.map((i) => i.SK),
    ['ORDER#20250927#o1', 'ORDER#20250928#o2', 'PROFILE#u123'],
  );
  assert.ok(q.capacityUnits > 0, 'the engine reports consumed capacity');
});

test('Query reads one collection; Scan reads (and is charged for) the whole table', async () => {
  const table = (await ensureTable(t.clients)).tableName;
  const noise: Item[] = [];
  for (let i = 0; i < 200; i++) noise.push({ ...profileKey(`n${i}`), type: 'USER', pad: 'x'.repeat(300) });
  await batchWriteAll(t.clients.doc, table, noise);
  const q = await queryAll(t.clients.doc, {
    TableName: table,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': 'USER#u123' },
  });
  const s = await scanAll(t.clients.doc, {
    TableName: table,
    FilterExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': 'USER#u123' },
  });
  assert.equal(s.items.length, q.items.length, 'same answer');
  assert.ok(s.scannedCount >= 203, `the scan read every item (${s.scannedCount})`);
  assert.ok(s.capacityUnits >= 10 * q.capacityUnits, `scan ${s.capacityUnits} RCU vs query ${q.capacityUnits} RCU`);
});

test('batch writes lose nothing: 1,000 items written, 1,000 read back, 1,000 fetched by BatchGet', async () => {
  const table = (await ensureTable(t.clients, { tableName: 'ws-att-batch' })).tableName;
  const items = Array.from({ length: 1000 }, (_, i) => ({ PK: `B#${i % 37}`, SK: `I#${String(i).padStart(5, '0')}`, n: i }));
  const w = await batchWriteAll(t.clients.doc, table, items);
  assert.equal(w.written, 1000);
  assert.equal(w.calls, 40, '25 per call');
  const s = await scanAll(t.clients.doc, { TableName: table });
  assert.equal(s.items.length, 1000);
  const g = await batchGetAll(
    t.clients.doc,
    table,
    items.map(({ PK, SK }) => ({ PK, SK })),
  );
  assert.equal(g.items.length, 1000);
  assert.equal(g.calls, 10, '100 keys per call');
});

test('a duplicate key in a batch is refused before anything is written', async () => {
  const table = (await ensureTable(t.clients, { tableName: 'ws-att-dup' })).tableName;
  await assert.rejects(
    batchWriteAll(t.clients.doc, table, [
      { PK: 'a', SK: '1' },
      { PK: 'b', SK: '1' },
      { PK: 'a', SK: '1', v: 2 },
    ]),
    /same key \["a","1"\]/,
  );
  const s = await scanAll(t.clients.doc, { TableName: table });
  assert.equal(s.items.length, 0);
});

test('a missing table: the workshop error says to run 00_setup', async () => {
  const err = await queryAll(t.clients.doc, {
    TableName: 'ws-att-nope',
    KeyConditionExpression: 'PK = :p',
    ExpressionAttributeValues: { ':p': 'x' },
  }).catch((e: unknown) => e);
  const translated = translateAwsError(err, { tableName: 'ws-att-nope' });
  assert.ok(translated instanceof WorkshopError);
  assert.match(translated.message, /Table "ws-att-nope" does not exist/);
  assert.match(translated.message, /00_setup/);
});

test('ensureTable waits out LimitExceededException (a room creating tables at once) and says so', async () => {
  // The test, not the product, plays AWS's account-wide limit: the first CreateTable of this client is refused.
  const clients = await createClients(t.clients.config, { startLocal: false });
  let refused = 0;
  clients.ddb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'CreateTableCommand' && refused === 0) {
        refused++;
        throw Object.assign(new Error('Subscriber limit exceeded: too many table operations'), {
          name: 'LimitExceededException',
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'roomScaleLimit' },
  );
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    const r = await ensureTable(clients, { tableName: 'ws-att-busy' });
    assert.equal(r.created, true);
  } finally {
    console.log = log;
    clients.ddb.destroy();
  }
  assert.equal(refused, 1);
  assert.match(
    lines.join('\n'),
    /creating ws-att-busy: AWS is busy with other table operations in this account \(LimitExceededException\); retrying in \d+ s/,
  );
});

test('attendee ids that differ only by case: explained on DynamoDB Local (it compares table names without case)', async () => {
  await ensureTable(t.clients, { tableName: 'ws-att-Casey' });
  await assert.rejects(ensureTable(t.clients, { tableName: 'ws-att-casey' }), {
    code: 'TABLE_NAME_CASE_COLLISION',
    message: /cannot be created on DynamoDB Local next to ws-att-Casey[\s\S]*differs from "Casey" by more than case/,
  });
});
