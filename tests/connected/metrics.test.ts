// The metrics recorder against a real DynamoDB Local: its totals are the engine's own ConsumedCapacity (checked
// against a second client, without the recorder, that asks for it itself), and with the throttling emulator in
// front of the engine every refused attempt — retried by the SDK or not — is a throttle event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchGetItemCommand,
  type ConsumedCapacity,
  DynamoDBClient,
  ExecuteStatementCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../../src/batch';
import { clientOptions, createClients } from '../../src/client';
import { emulateThrottling } from '../../src/local/emulator';
import { ensureGsi, ensureTable } from '../../src/table';
import { attachRecorder, UNPROCESSED_ITEMS_REASON } from '../../src/observe/metrics';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
const GSI = 'GSI1';
const TABLE_A = 'ws-met-recorded';
const TABLE_B = 'ws-met-reference';
const TABLE_E = 'ws-met-emulated';

before(async () => {
  t = await startTestLocal('metrics');
  for (const name of [TABLE_A, TABLE_B, TABLE_E]) {
    await ensureTable(t.clients, { tableName: name });
    await ensureGsi(t.clients, { indexName: GSI, partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }, { tableName: name });
  }
});
after(async () => {
  await t.stop();
});

type Capacity = ConsumedCapacity | ConsumedCapacity[] | undefined;

/**
 * The same mix of operations on a table, each output's ConsumedCapacity handed to `collect`. `rcc` is what the
 * caller sends as ReturnConsumedCapacity (undefined: let the recorder decide).
 */
async function workload(
  doc: DynamoDBDocumentClient,
  ddb: DynamoDBClient,
  table: string,
  rcc: 'INDEXES' | undefined,
  collect: (c: Capacity) => void,
) {
  const R = rcc ? { ReturnConsumedCapacity: rcc } : {};
  const big = 'x'.repeat(3_000); // 3 KB: several WCU per write, 1 RCU per strongly consistent read
  for (let i = 0; i < 6; i++) {
    const tenant = i % 2 === 0 ? 'acme' : 'globex';
    const item = {
      PK: `TENANT#${tenant}#USER#u${i}`,
      SK: `ORDER#${i}`,
      GSI1PK: `STATUS#${i % 3 === 0 ? 'NEW' : 'PAID'}`,
      GSI1SK: `${i}`,
      pad: i % 2 ? big : 'small',
    };
    collect((await doc.send(new PutCommand({ TableName: table, Item: item, ...R }))).ConsumedCapacity);
  }
  collect(
    (await doc.send(new PutCommand({ TableName: table, Item: { PK: 'TENANT#acme#USER#u0', SK: 'PROFILE', pad: big }, ...R })))
      .ConsumedCapacity,
  );
  collect(
    (
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { PK: 'TENANT#acme#USER#u0', SK: 'ORDER#0' },
          UpdateExpression: 'SET GSI1PK = :s',
          ExpressionAttributeValues: { ':s': 'STATUS#PAID' },
          ...R,
        }),
      )
    ).ConsumedCapacity,
  );
  collect(
    (
      await doc.send(
        new GetCommand({ TableName: table, Key: { PK: 'TENANT#acme#USER#u0', SK: 'PROFILE' }, ConsistentRead: true, ...R }),
      )
    ).ConsumedCapacity,
  );
  collect(
    (await doc.send(new GetCommand({ TableName: table, Key: { PK: 'TENANT#globex#USER#u1', SK: 'ORDER#1' }, ...R })))
      .ConsumedCapacity,
  );
  collect(
    (
      await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :p',
          ExpressionAttributeValues: { ':p': 'TENANT#acme#USER#u0' },
          ...R,
        }),
      )
    ).ConsumedCapacity,
  );
  collect(
    (
      await doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: GSI,
          KeyConditionExpression: 'GSI1PK = :s',
          ExpressionAttributeValues: { ':s': 'STATUS#PAID' },
          ...R,
        }),
      )
    ).ConsumedCapacity,
  );
  collect((await doc.send(new ScanCommand({ TableName: table, ...R }))).ConsumedCapacity);
  collect((await doc.send(new ScanCommand({ TableName: table, IndexName: GSI, ...R }))).ConsumedCapacity);
  const batch = Array.from({ length: 30 }, (_, i) => ({
    PK: `TENANT#initech#EVENTS`,
    SK: `E#${String(i).padStart(3, '0')}`,
    GSI1PK: i % 5 === 0 ? 'STATUS#NEW' : undefined,
    n: i,
  }));
  for (let i = 0; i < batch.length; i += 25) {
    const part = batch
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item: Object.fromEntries(Object.entries(Item).filter(([, v]) => v !== undefined)) } }));
    collect((await doc.send(new BatchWriteCommand({ RequestItems: { [table]: part }, ...R }))).ConsumedCapacity);
  }
  collect(
    (
      await ddb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [table]: { Keys: [0, 1, 2].map((i) => ({ PK: { S: 'TENANT#initech#EVENTS' }, SK: { S: `E#00${i}` } })) },
          },
          ...R,
        }),
      )
    ).ConsumedCapacity,
  );
  collect(
    (
      await ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: { PK: { S: 'TENANT#acme#USER#u9' }, SK: { S: 'ORDER#9' }, GSI1PK: { S: 'STATUS#NEW' }, GSI1SK: { S: '9' } },
              },
            },
            {
              ConditionCheck: {
                TableName: table,
                Key: { PK: { S: 'TENANT#acme#USER#u0' }, SK: { S: 'PROFILE' } },
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
          ],
          ...R,
        }),
      )
    ).ConsumedCapacity,
  );
  collect(
    (
      await ddb.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: table, Key: { PK: { S: 'TENANT#acme#USER#u9' }, SK: { S: 'ORDER#9' } } } }],
          ...R,
        }),
      )
    ).ConsumedCapacity,
  );
  collect(
    (await doc.send(new DeleteCommand({ TableName: table, Key: { PK: 'TENANT#acme#USER#u9', SK: 'ORDER#9' }, ...R })))
      .ConsumedCapacity,
  );
  collect(
    (
      await ddb.send(
        new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE PK = 'TENANT#acme#USER#u0'`, ...R }),
      )
    ).ConsumedCapacity,
  );
}

test('recorder totals = the ConsumedCapacity the engine returned, per table and per GSI (checked on a second client)', async () => {
  // A: workshop clients with the recorder, no ReturnConsumedCapacity from the caller.
  const a = await createClients(t.clients.config, { startLocal: false });
  // B: plain SDK clients, no recorder: the caller asks for INDEXES and adds up what comes back itself.
  const bDdb = new DynamoDBClient(clientOptions(t.clients.config));
  const bDoc = DynamoDBDocumentClient.from(bDdb, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const rec = attachRecorder(a);
    let callsA = 0;
    await workload(a.doc, a.ddb, TABLE_A, undefined, () => callsA++);

    const reference = new Map<string, { read: number; write: number }>();
    const add = (index: string, kind: 'read' | 'write', units: number | undefined) => {
      const r = reference.get(index) ?? { read: 0, write: 0 };
      r[kind] += units ?? 0;
      reference.set(index, r);
    };
    let op = 0;
    // the kind of each call of `workload`, in order (DynamoDB Local does not split read/write units)
    const kinds: ('read' | 'write')[] = [
      ...Array<'write'>(8).fill('write'),
      'read',
      'read',
      'read',
      'read',
      'read',
      'read', // 2 gets, 2 queries, 2 scans
      'write',
      'write', // 2 batch writes
      'read', // batch get
      'write', // transact write
      'read', // transact get
      'write', // delete
      'read', // PartiQL select
    ];
    await workload(bDoc, bDdb, TABLE_B, 'INDEXES', (c) => {
      const kind = kinds[op++];
      for (const cc of Array.isArray(c) ? c : c ? [c] : []) {
        add('', kind, cc.Table?.CapacityUnits);
        for (const [name, g] of Object.entries(cc.GlobalSecondaryIndexes ?? {})) add(name, kind, g.CapacityUnits);
      }
    });
    assert.equal(op, kinds.length);
    assert.equal(rec.calls.length, callsA, 'one call record per send()');

    const byResource = rec.byResource().filter((r) => r.table === TABLE_A);
    const got = Object.fromEntries(
      byResource.map((r) => [r.index, { read: r.ConsumedReadCapacityUnits, write: r.ConsumedWriteCapacityUnits }]),
    );
    const want = Object.fromEntries(
      Array.from(reference.entries()).map(([k, v]) => [
        k,
        { read: Math.round(v.read * 1000) / 1000, write: Math.round(v.write * 1000) / 1000 },
      ]),
    );
    assert.deepEqual(got, want);
    assert.ok(
      want[''].write > 8 && want[GSI].write > 0 && want[GSI].read > 0,
      `the workload exercises table and GSI, reads and writes: ${JSON.stringify(want)}`,
    );

    const totals = rec.totals();
    assert.equal(totals.ConsumedReadCapacityUnits, Math.round((want[''].read + want[GSI].read) * 1000) / 1000);
    assert.equal(totals.ConsumedWriteCapacityUnits, Math.round((want[''].write + want[GSI].write) * 1000) / 1000);
    assert.equal(totals.callsWithoutCapacity, 1, 'PartiQL: DynamoDB Local returns no ConsumedCapacity');
    assert.equal(totals.ThrottledRequests + totals.ReadThrottleEvents + totals.WriteThrottleEvents, 0);
    assert.ok(rec.calls.every((c) => c.capacitySetBy === 'recorder' && c.attempts === 1 && c.sdkAttempts === 1));

    // Per key and per tenant, the units add up to the same totals (a Scan owns no key).
    const scans = rec.calls.filter((c) => c.operation === 'Scan');
    const keyUnits = rec
      .byKey()
      .filter((k) => k.table === TABLE_A)
      .reduce((s, k) => s + k.readUnits + k.writeUnits, 0);
    const scanUnits = scans.reduce((s, c) => s + c.readUnits, 0);
    // An update's or a delete's GSI units have no key the request names (the index key is in the stored item).
    const unowned = rec.calls
      .filter((c) => c.operation === 'UpdateItem' || c.operation === 'DeleteItem')
      .reduce((s, c) => s + c.capacity.filter((u) => u.index !== undefined).reduce((x, u) => x + u.writeUnits, 0), 0);
    assert.ok(unowned > 0);
    assert.equal(keyUnits + scanUnits + unowned, totals.ConsumedReadCapacityUnits + totals.ConsumedWriteCapacityUnits);
    const tenants = rec.byTenant();
    const tenantUnits = tenants.reduce((s, r) => s + r.ConsumedReadCapacityUnits + r.ConsumedWriteCapacityUnits, 0);
    assert.ok(
      Math.abs(tenantUnits - (totals.ConsumedReadCapacityUnits + totals.ConsumedWriteCapacityUnits)) < 1e-6,
      'every unit belongs to a tenant or to (no tenant)',
    );
    assert.deepEqual(
      tenants.map((r) => r.tenant),
      ['acme', 'globex', 'initech', '(no tenant)'],
    );
    // The GSI query's key is the index's key, learned from DescribeTable.
    assert.ok(rec.byKey().some((k) => k.index === GSI && k.partitionKey === 'STATUS#PAID' && k.readUnits > 0));
  } finally {
    a.ddb.destroy();
    bDdb.destroy();
  }
});

test('an explicit ReturnConsumedCapacity is kept: NONE returns none, and the call is still recorded', async () => {
  const a = await createClients(t.clients.config, { startLocal: false });
  try {
    const rec = attachRecorder(a);
    const out = await a.doc.send(
      new PutCommand({ TableName: TABLE_A, Item: { PK: 'TENANT#acme#X', SK: '1' }, ReturnConsumedCapacity: 'NONE' }),
    );
    assert.equal(out.ConsumedCapacity, undefined);
    const withTotal = await a.doc.send(
      new PutCommand({
        TableName: TABLE_A,
        Item: { PK: 'TENANT#acme#X', SK: '2', GSI1PK: 'G', GSI1SK: '1' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.equal(withTotal.ConsumedCapacity?.Table, undefined, 'TOTAL, as asked: no per-index detail');
    assert.deepEqual(
      rec.calls.map((c) => [c.capacityMode, c.capacitySetBy, c.capacityReturned, c.writeUnits]),
      [
        ['NONE', 'caller', false, 0],
        ['TOTAL', 'caller', true, 2],
      ],
    );
  } finally {
    a.ddb.destroy();
  }
});

test('with the emulator: every refused attempt is a throttle event, SDK retries included, per reason and per key', async () => {
  const a = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 4 } });
  try {
    const rec = attachRecorder(a);
    const emu = emulateThrottling(a, { scale: 0.01, partitions: 4, seed: 3 }); // 10 WCU/s per partition
    // Single puts to one hot key, concurrently: ProvisionedThroughputExceededException, retried by the SDK.
    const hot = 'TENANT#acme#EVENTS';
    let failed = 0;
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = w; i < 32; i += 4) {
          await a.doc.send(new PutCommand({ TableName: TABLE_E, Item: { PK: hot, SK: `E#${i}` } })).catch((e: Error) => {
            assert.equal(e.name, 'ProvisionedThroughputExceededException');
            failed++;
          });
        }
      }),
    );
    // Batches to another hot key: UnprocessedItems (no reason) and whole-batch refusals (with reasons).
    await batchWriteAll(
      a.doc,
      TABLE_E,
      Array.from({ length: 50 }, (_, i) => ({ PK: 'TENANT#globex#EVENTS', SK: `E#${i}` })),
      { maxRounds: 80, baseDelayMs: 20, maxDelayMs: 300 },
    );

    const refused = emu.decisions.filter((d) => !d.allowed);
    assert.ok(refused.length > 0);
    assert.equal(rec.throttles.length, refused.length, 'one throttle event per refused item event');
    for (const kind of ['PutItem', 'BatchWriteItem']) {
      assert.equal(
        rec.throttles.filter((e) => e.operation === kind).length,
        refused.filter((d) => d.operation === kind).length,
        `${kind}: recorder and emulator agree`,
      );
    }
    // SDK retries are visible: more attempts than calls, and the recorder counted exactly what $metadata said.
    const totals = rec.totals();
    assert.ok(totals.attempts > totals.calls, `attempts ${totals.attempts} > calls ${totals.calls}`);
    assert.ok(
      rec.calls.every((c) => c.sdkAttempts === undefined || c.sdkAttempts === c.attempts),
      'recorder attempts = $metadata.attempts',
    );
    const putCalls = rec.calls.filter((c) => c.operation === 'PutItem');
    assert.equal(putCalls.length, 32);
    assert.equal(putCalls.filter((c) => !c.ok).length, failed);
    assert.equal(
      rec.throttles.filter((e) => e.operation === 'PutItem').length,
      putCalls.reduce((s, c) => s + c.throttledAttempts, 0),
      'a PutItem throttle event per throttled attempt',
    );
    assert.ok(
      putCalls.some((c) => c.ok && c.retries > 0),
      'some puts succeeded only thanks to SDK retries',
    );

    // Reasons: the exceptions carry TableWriteKeyRangeThroughputExceeded; unprocessed items carry none.
    const reasons = Object.fromEntries(rec.throttleReasons().map((r) => [r.reason, r.events]));
    assert.ok(reasons.TableWriteKeyRangeThroughputExceeded > 0);
    assert.ok((reasons[UNPROCESSED_ITEMS_REASON] ?? 0) > 0, JSON.stringify(reasons));
    assert.equal(totals.WriteThrottleEvents, refused.length);
    assert.equal(
      totals.ThrottledRequests,
      rec.attempts.filter((x) => x.errorName === 'ProvisionedThroughputExceededException').length,
    );

    // Keys and tenants: the two hot keys are the most throttled; nothing else was throttled.
    const top = rec.topKeys({ by: 'throttled', n: 5 });
    assert.deepEqual(top.map((k) => k.partitionKey).sort(), ['TENANT#acme#EVENTS', 'TENANT#globex#EVENTS']);
    assert.ok(top.every((k) => k.topReason === 'TableWriteKeyRangeThroughputExceeded'));
    const tenants = Object.fromEntries(rec.byTenant().map((r) => [r.tenant, r]));
    assert.equal(tenants.acme.ThrottleEvents + tenants.globex.ThrottleEvents, refused.length);
    assert.equal(tenants.globex.items, 50, 'every batch item was written once in the end');
    // Per second: the throttle events of every second add up.
    assert.equal(
      rec.perSecond().reduce((s, r) => s + r.WriteThrottleEvents, 0),
      refused.length,
    );
    emu.uninstall();
  } finally {
    a.ddb.destroy();
  }
});
