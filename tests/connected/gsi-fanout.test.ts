import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UpdateTableCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { batchWriteAll } from '../../src/batch';
import { fanOutQuery } from '../../src/fanout';
import { GSI1, orderKey, orderStatusKeys, profileKey } from '../../src/keys';
import { queryAll, scanAll } from '../../src/reads';
import { allShardPks, hashShard, shardedPk } from '../../src/sharding';
import { describeTable, ensureGsi, ensureTable } from '../../src/table';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
let table: string;
before(async () => {
  t = await startTestLocal('gsi');
  table = (await ensureTable(t.clients)).tableName;
});
after(async () => {
  await t.stop();
});

test("the guide's UpdateTable (GSI with ProvisionedThroughput on an on-demand table) fails locally as on AWS", async () => {
  const guide = {
    TableName: table,
    AttributeDefinitions: [
      { AttributeName: 'GSI1PK', AttributeType: 'S' as const },
      { AttributeName: 'GSI1SK', AttributeType: 'S' as const },
    ],
    GlobalSecondaryIndexUpdates: [
      {
        Create: {
          IndexName: 'GSI1_Status',
          KeySchema: [
            { AttributeName: 'GSI1PK', KeyType: 'HASH' as const },
            { AttributeName: 'GSI1SK', KeyType: 'RANGE' as const },
          ],
          Projection: { ProjectionType: 'ALL' as const },
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
        },
      },
    ],
  };
  await assert.rejects(t.clients.ddb.send(new UpdateTableCommand(guide)), (err: Error) => {
    assert.equal(err.name, 'ValidationException');
    assert.equal(
      err.message,
      'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: GSI1_Status when BillingMode is PAY_PER_REQUEST',
    );
    return true;
  });
  const d = await describeTable(t.clients.ddb, table);
  assert.equal((d?.GlobalSecondaryIndexes ?? []).length, 0, 'nothing was sent to the engine');
  await assert.rejects(
    t.clients.ddb.send(
      new CreateTableCommand({
        TableName: 'ws-att-gsi2',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'g',
            KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
            ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
          },
        ],
      }),
    ),
    /ProvisionedThroughput should not be specified for index: g when BillingMode is PAY_PER_REQUEST/,
  );
});

test('ensureGsi creates the sparse status index once, waits for ACTIVE, and is idempotent', async () => {
  const first = await ensureGsi(t.clients, { indexName: GSI1, partitionKey: 'GSI1PK', sortKey: 'GSI1SK' });
  assert.equal(first.created, true);
  assert.equal(first.status, 'ACTIVE');
  // Writing right after must work (writes during CREATING fail on DynamoDB Local).
  await batchWriteAll(t.clients.doc, table, [
    { ...profileKey('u200'), type: 'USER' },
    {
      ...orderKey('u200', '20250926', 'o101'),
      type: 'ORDER',
      status: 'PENDING',
      ...orderStatusKeys('PENDING', '20250926', 'o101'),
    },
    {
      ...orderKey('u200', '20250928', 'o102'),
      type: 'ORDER',
      status: 'SHIPPED',
      ...orderStatusKeys('SHIPPED', '20250928', 'o102'),
    },
  ]);
  const again = await ensureGsi(t.clients, { indexName: GSI1, partitionKey: 'GSI1PK', sortKey: 'GSI1SK' });
  assert.equal(again.created, false);
  const pending = await queryAll(t.clients.doc, {
    TableName: table,
    IndexName: GSI1,
    KeyConditionExpression: 'GSI1PK = :s',
    ExpressionAttributeValues: { ':s': 'STATUS#PENDING' },
  });
  assert.deepEqual(
    pending.items.map((i) => i.SK),
    ['ORDER#20250926#o101'],
  );
  const all = await scanAll(t.clients.doc, { TableName: table, IndexName: GSI1 });
  assert.equal(all.items.length, 2, 'sparse: the profile has no GSI1 keys and is not in the index');
  await assert.rejects(
    ensureGsi(t.clients, { indexName: GSI1, partitionKey: 'other' }),
    /exists with keys GSI1PK:HASH,GSI1SK:RANGE/,
  );
});

test('fan-out over shards: merged newest first, Limit applied after the merge, parallel and sequential agree', async () => {
  const base = 'USER#fan';
  const items = Array.from({ length: 90 }, (_, n) => ({
    PK: shardedPk(base, hashShard(`e${n}`, 4)),
    SK: `EVENT#${String(n).padStart(10, '0')}#${String(n).padStart(6, '0')}`,
    n,
  }));
  await batchWriteAll(t.clients.doc, table, items);
  const pks = allShardPks(base, 4);
  const par = await fanOutQuery(t.clients.doc, { tableName: table, partitionKeys: pks, limit: 50 });
  const seq = await fanOutQuery(t.clients.doc, { tableName: table, partitionKeys: pks, limit: 50, parallel: false });
  assert.deepEqual(
    par.items.map((i) => i.n),
    Array.from({ length: 50 }, (_, k) => 89 - k),
  );
  assert.deepEqual(
    seq.items.map((i) => i.n),
    par.items.map((i) => i.n),
  );
  assert.equal(par.shards.length, 4);
  const everything = await fanOutQuery(t.clients.doc, { tableName: table, partitionKeys: pks });
  assert.equal(everything.items.length, 90, 'no limit: every page of every shard');
});
