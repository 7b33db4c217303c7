// The throttling emulator in front of a real DynamoDB Local: throttles look and retry exactly like AWS's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isThrottlingError } from '@smithy/core/retry';
import { batchGetAll, batchWriteAll } from '../../src/batch';
import { createClients } from '../../src/client';
import { queryAll } from '../../src/reads';
import { shardedPk } from '../../src/sharding';
import { ensureTable } from '../../src/table';
import { emulateThrottling, queryPartitionKey } from '../../src/local/emulator';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
/** Virtual time: every decision is 10 ms after the previous one, so what is throttled does not depend on this machine's speed. */
function steppingClock(stepMs = 10): () => number {
  let now = 0;
  return () => (now += stepMs);
}
let table: string;
before(async () => {
  t = await startTestLocal('emu');
  table = (await ensureTable(t.clients)).tableName;
});
after(async () => {
  await t.stop();
});

test('a throttled write surfaces like AWS: ProvisionedThroughputExceededException, reasons, retryable as throttling', async () => {
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  const emu = emulateThrottling(clients, { scale: 0.005, clock: steppingClock() }); // 5 WCU/s per partition
  try {
    let err: unknown;
    for (let i = 0; i < 20 && !err; i++) {
      await clients.ddb
        .send(new PutItemCommand({ TableName: table, Item: { PK: { S: 'HOT#1' }, SK: { S: `e${i}` } } }))
        .catch((e: unknown) => (err = e));
    }
    assert.ok(err, 'some write to the hot key was throttled');
    const e = err as Error & {
      $fault?: string;
      $metadata: { httpStatusCode?: number; attempts?: number };
      ThrottlingReasons?: { reason: string; resource: string }[];
    };
    assert.equal(e.name, 'ProvisionedThroughputExceededException');
    assert.equal(e.$fault, 'client');
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.deepEqual(e.ThrottlingReasons, [
      { reason: 'TableWriteKeyRangeThroughputExceeded', resource: `arn:aws:dynamodb:ddblocal:000000000000:table/${table}` },
    ]);
    assert.match(e.message, /hot key/);
    // What the SDK's retry strategy checks to treat an error as throttling (and back off before retrying).
    assert.equal(isThrottlingError(e as Parameters<typeof isThrottlingError>[0]), true);
    const throttled = emu.decisions.filter((d) => !d.allowed);
    assert.equal(throttled.length, 1, 'exactly the request that failed was refused');
    assert.equal(emu.decisions.filter((d) => d.allowed).length, 5, '5 WCU/s: the first five 1-WCU writes in the second passed');
  } finally {
    clients.ddb.destroy();
  }
});

test("the SDK's own retry strategy retries an emulated throttle ($metadata.attempts > 1) and succeeds", async () => {
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 10 } });
  // 1 WCU/s on real time: the second put within a second must wait for the SDK's backoff.
  const emu = emulateThrottling(clients, { scale: 0.001 });
  try {
    const attempts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await clients.doc.send(new PutCommand({ TableName: table, Item: { PK: 'HOT#2', SK: `e${i}` } }));
      attempts.push(out.$metadata.attempts ?? 1);
    }
    assert.ok(
      attempts.some((a) => a > 1),
      `some put needed SDK retries: ${attempts}`,
    );
    assert.ok(emu.decisions.some((d) => !d.allowed));
    const back = await queryAll(t.clients.doc, {
      TableName: table,
      KeyConditionExpression: 'PK = :p',
      ExpressionAttributeValues: { ':p': 'HOT#2' },
    });
    assert.equal(back.items.length, 3);
  } finally {
    clients.ddb.destroy();
  }
});

test('no loss under throttling: N items batch-written to one hot key -> exactly N read back', async () => {
  // No SDK retries: every throttle reaches batchWriteAll, which must re-drive it itself.
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  const emu = emulateThrottling(clients, { scale: 0.03 }); // 30 WCU/s per partition: a batch of 25 gets split
  try {
    const n = 120;
    const items = Array.from({ length: n }, (_, i) => ({ PK: 'HOT#3', SK: `e${String(i).padStart(4, '0')}`, v: i }));
    const r = await batchWriteAll(clients.doc, table, items);
    assert.equal(r.written, n);
    assert.ok(r.redriven > 0, 'some items came back as UnprocessedItems and were re-driven');
    assert.ok(emu.decisions.some((d) => !d.allowed && d.operation === 'BatchWriteItem'));
    const back = await queryAll(t.clients.doc, {
      TableName: table,
      KeyConditionExpression: 'PK = :p',
      ExpressionAttributeValues: { ':p': 'HOT#3' },
    });
    assert.equal(back.items.length, n);
    assert.deepEqual(new Set(back.items.map((i) => i.v)).size, n);
  } finally {
    clients.ddb.destroy();
  }
});

test('no loss under read throttling: BatchGetItem on one hot key returns UnprocessedKeys, batchGetAll gets every item', async () => {
  const n = 100;
  const items = Array.from({ length: n }, (_, i) => ({ PK: 'HOTREAD#1', SK: `r${String(i).padStart(4, '0')}`, v: i }));
  await batchWriteAll(t.clients.doc, table, items); // no emulator: plain writes
  // No SDK retries: every throttle reaches batchGetAll, which must re-drive it itself.
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  const emu = emulateThrottling(clients, { scale: 0.01 }); // 30 RCU/s per partition: 100 keys at 0.5 RCU get split
  try {
    const keys = items.map((i) => ({ PK: i.PK, SK: i.SK }));
    // one raw call: the admitted part is answered, the rest comes back as UnprocessedKeys, none lost or doubled
    const first = await clients.doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys.slice(0, 100) } } }));
    const got = (first.Responses?.[table] ?? []).length;
    const back = (first.UnprocessedKeys?.[table]?.Keys ?? []).length;
    assert.ok(back > 0, 'part of the batch came back unprocessed');
    assert.equal(got + back, 100);
    assert.ok(emu.decisions.some((d) => !d.allowed && d.operation === 'BatchGetItem' && d.kind === 'read'));
    emu.reset();
    const r = await batchGetAll(clients.doc, table, keys);
    assert.equal(r.items.length, n);
    assert.equal(new Set(r.items.map((i) => i.v)).size, n);
    assert.ok(r.redriven > 0, 'unprocessed keys were re-driven');
  } finally {
    emu.uninstall();
    clients.ddb.destroy();
  }
});

test('the same load on 8 shards is throttled far less than on one hot key', async () => {
  const clients = await createClients(t.clients.config, { startLocal: false });
  try {
    const run = async (shards: number) => {
      // 100 ms of virtual time per clock reading: a batch is decided at one moment, so re-drives must let time pass
      const emu = emulateThrottling(clients, { scale: 0.05, partitions: 4, clock: steppingClock(100) });
      const items = Array.from({ length: 100 }, (_, i) => ({ PK: shardedPk(`USER#load${shards}`, i % shards), SK: `e${i}` }));
      await batchWriteAll(clients.doc, table, items);
      emu.uninstall();
      return emu.decisions.filter((d) => !d.allowed).length;
    };
    const hot = await run(1);
    const sharded = await run(8);
    assert.ok(hot > 0);
    assert.ok(sharded < hot / 2, `hot ${hot} throttles vs 8 shards ${sharded}`);
  } finally {
    clients.ddb.destroy();
  }
});

test('queryPartitionKey reads the partition key out of a key condition (names and values resolved)', () => {
  assert.equal(
    queryPartitionKey(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :s)',
        ExpressionAttributeValues: { ':pk': { S: 'USER#1' }, ':s': { S: 'O' } },
      },
      'PK',
    ),
    'USER#1',
  );
  assert.equal(
    queryPartitionKey(
      {
        KeyConditionExpression: '#p=:v',
        ExpressionAttributeNames: { '#p': 'GSI1PK' },
        ExpressionAttributeValues: { ':v': { S: 'STATUS#PENDING' } },
      },
      'GSI1PK',
    ),
    'STATUS#PENDING',
  );
  assert.equal(
    queryPartitionKey({ KeyConditionExpression: 'SK = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, 'PK'),
    undefined,
  );
});

test('refused on the aws target: real throttling is real', () => {
  const fake = { ...t.clients, config: { ...t.clients.config, target: 'aws' as const } };
  assert.throws(() => emulateThrottling(fake), /local target only/);
  void DynamoDBClient;
});

test('a long run keeps a bounded raw log and exact counts (the decision log is a ring)', async () => {
  const clients = await createClients(t.clients.config, { startLocal: false });
  const emu = emulateThrottling(clients, { scale: 1, decisionLogSize: 50, clock: steppingClock() });
  try {
    const items = Array.from({ length: 300 }, (_, n) => ({ PK: shardedPk('RING', n % 7), SK: `e${n}`, type: 'EVENT' }));
    await batchWriteAll(clients.doc, table, items);
    assert.equal(emu.decisions.length, 300, 'every write decided');
    assert.equal(emu.decisions.retained, 50, 'the raw log holds the last 50 only');
    assert.equal(emu.decisions.slice().length, 50);
    assert.deepEqual(emu.decisions.counts, { decisions: 300, allowed: 300, throttled: 0 });
    const perKey = emu.keyStats();
    assert.equal(perKey.length, 7);
    assert.equal(
      perKey.reduce((a, k) => a + k.ok, 0),
      300,
    );
    assert.equal(
      emu.perSecond().reduce((a, s) => a + s.ok, 0),
      300,
    );
  } finally {
    clients.ddb.destroy();
  }
});

test("the emulator's clock: options.clock, else the clients' clock (read when installing), else Date.now", async () => {
  const clients = await createClients(t.clients.config, { startLocal: false });
  let virtualNow = 5_000_000;
  clients.clock = { kind: 'virtual', now: () => virtualNow, sleep: async (ms) => void (virtualNow += ms) };
  const onClients = emulateThrottling(clients, { scale: 1 });
  try {
    await clients.doc.send(new PutCommand({ TableName: table, Item: { PK: 'CLOCK', SK: 'a' } }));
    assert.equal(onClients.decisions.at(-1)?.tMs, 5_000_000);
    virtualNow += 1_234;
    await clients.doc.send(new PutCommand({ TableName: table, Item: { PK: 'CLOCK', SK: 'b' } }));
    assert.equal(onClients.decisions.at(-1)?.tMs, 5_001_234);
  } finally {
    onClients.uninstall();
  }
  const given = emulateThrottling(clients, { scale: 1, clock: () => 42 });
  try {
    await clients.doc.send(new PutCommand({ TableName: table, Item: { PK: 'CLOCK', SK: 'c' } }));
    assert.equal(given.decisions.at(-1)?.tMs, 42, 'options.clock wins over the clients clock');
  } finally {
    clients.ddb.destroy();
  }
});
