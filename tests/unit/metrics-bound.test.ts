// The recorder's memory stays flat (issue 12): past `maxCalls` calls its raw log is a ring of the last calls, while
// every aggregation still counts every call. Offline: a real DynamoDBClient (serializer, retry strategy, deserializer)
// in front of a scripted HTTP handler, so the test knows every answer and computes the exact totals itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { NO_TENANT } from '../../src/tenancy/keys';
import { UNPROCESSED_ITEMS_REASON } from '../../src/observe/metric-names';
import type { TableKeySchema } from '../../src/observe/call-anatomy';
import {
  aggregateByKey,
  aggregateByOperation,
  aggregateByResource,
  aggregateBySecond,
  aggregateByTenant,
  aggregateThrottleReasons,
  aggregateTotals,
} from '../../src/observe/aggregates';
import { DEFAULT_MAX_CALLS, MetricsRecorder, attachRecorder } from '../../src/observe/recorder';

const TABLE = 'ws-att-bound';
const ARN = `arn:aws:dynamodb:ap-southeast-1:111122223333:table/${TABLE}`;
const SCHEMA: TableKeySchema = {
  partitionKey: 'PK',
  sortKey: 'SK',
  indexes: { GSI1: { partitionKey: 'GSI1PK', sortKey: 'GSI1SK' } },
};
const T0 = Date.UTC(2025, 8, 28, 12, 0, 0);

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  body: Json;
}

/** A DynamoDBClient whose HTTP handler answers from a queue the test fills before each send. */
function scriptedClient(queue: Answer[], tick: () => void) {
  const handler = {
    async handle(_request: HttpRequest): Promise<{ response: HttpResponse }> {
      tick(); // each attempt takes a few virtual milliseconds
      const a = queue.shift();
      if (!a) throw new Error('script exhausted');
      const text = JSON.stringify(a.body);
      return {
        response: new HttpResponse({
          statusCode: a.status,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(text)) },
          body: Readable.from([Buffer.from(text)]),
        }),
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  const ddb = new DynamoDBClient({
    region: 'ap-southeast-1',
    endpoint: 'http://scripted.invalid',
    credentials: { accessKeyId: 'AKIDUNIT', secretAccessKey: 'unit' },
    requestHandler: handler as never,
    retryStrategy: new ConfiguredRetryStrategy(3, () => 0),
  });
  return { ddb, doc: DynamoDBDocumentClient.from(ddb) };
}

const ok = (body: Json): Answer => ({ status: 200, body });
const throttled: Answer = {
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'Throughput exceeds the current capacity of your table or index.',
    ThrottlingReasons: [{ reason: 'TableWriteKeyRangeThroughputExceeded', resource: ARN }],
  },
};

/** What the test sent and was answered, summed by the test itself. */
interface Expected {
  calls: number;
  attempts: number;
  tableWcu: number;
  gsiWcu: number;
  gsiRcu: number;
  throttledAttempts: number;
  unprocessed: number;
  requestsByOp: Record<string, number>;
  attemptsByOp: Record<string, number>;
  callsByTenant: Record<string, number>;
  itemsByTenant: Record<string, number>;
  /** `index|pk` → items, RCU, WCU, throttle events. */
  keys: Map<string, { items: number; readUnits: number; writeUnits: number; throttles: number }>;
}

/** Sends `n` calls of five shapes (puts with a GSI key, batches with an unprocessed item, a throttled-then-retried
 * put, GSI queries) through a recorder keeping `maxCalls`, and returns it with the totals the test expects. */
async function run(n: number, maxCalls?: number): Promise<{ rec: MetricsRecorder; want: Expected; ddb: DynamoDBClient }> {
  let now = T0;
  const queue: Answer[] = [];
  const { ddb, doc } = scriptedClient(queue, () => (now += 7));
  const rec = attachRecorder(ddb, { clock: () => now, keySchemas: { [TABLE]: SCHEMA }, maxCalls });
  const want: Expected = {
    calls: 0,
    attempts: 0,
    tableWcu: 0,
    gsiWcu: 0,
    gsiRcu: 0,
    throttledAttempts: 0,
    unprocessed: 0,
    requestsByOp: {},
    attemptsByOp: {},
    callsByTenant: {},
    itemsByTenant: {},
    keys: new Map(),
  };
  const key = (index: string, pk: string) => {
    const id = `${index}|${pk}`;
    let k = want.keys.get(id);
    if (!k) want.keys.set(id, (k = { items: 0, readUnits: 0, writeUnits: 0, throttles: 0 }));
    return k;
  };
  const count = (op: string, attempts: number, tenant: string, items: number) => {
    want.calls++;
    want.attempts += attempts;
    want.requestsByOp[op] = (want.requestsByOp[op] ?? 0) + 1;
    want.attemptsByOp[op] = (want.attemptsByOp[op] ?? 0) + attempts;
    want.callsByTenant[tenant] = (want.callsByTenant[tenant] ?? 0) + 1;
    want.itemsByTenant[tenant] = (want.itemsByTenant[tenant] ?? 0) + items;
  };
  for (let i = 0; i < n; i++) {
    const tenant = `t${i % 3}`;
    const pk = `TENANT#${tenant}#USER#${i % 50}`;
    switch (i % 5) {
      case 0:
      case 1: {
        const gsiPk = `STATUS#${i % 4}`;
        queue.push(
          ok({
            ConsumedCapacity: {
              TableName: TABLE,
              CapacityUnits: 2,
              Table: { CapacityUnits: 1 },
              GlobalSecondaryIndexes: { GSI1: { CapacityUnits: 1 } },
            },
          }),
        );
        await doc.send(new PutCommand({ TableName: TABLE, Item: { PK: pk, SK: `E#${i}`, GSI1PK: gsiPk, GSI1SK: `${i}` } }));
        want.tableWcu += 1;
        want.gsiWcu += 1;
        count('PutItem', 1, tenant, 1);
        Object.assign(key('', pk), { items: key('', pk).items + 1, writeUnits: key('', pk).writeUnits + 1 });
        Object.assign(key('GSI1', gsiPk), { items: key('GSI1', gsiPk).items + 1, writeUnits: key('GSI1', gsiPk).writeUnits + 1 });
        break;
      }
      case 2: {
        // Four items, the last one comes back unprocessed: 3 WCU for the three written.
        const items = [0, 1, 2, 3].map((j) => ({ PK: `TENANT#${tenant}#BATCH#${(i + j) % 40}`, SK: `B#${i}#${j}` }));
        queue.push(
          ok({
            UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: { PK: { S: items[3].PK }, SK: { S: items[3].SK } } } }] },
            ConsumedCapacity: [{ TableName: TABLE, CapacityUnits: 3, Table: { CapacityUnits: 3 } }],
          }),
        );
        await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }));
        want.tableWcu += 3;
        want.unprocessed++;
        count('BatchWriteItem', 1, tenant, 3);
        for (const it of items.slice(0, 3)) {
          const k = key('', it.PK);
          k.items++;
          k.writeUnits++;
        }
        key('', items[3].PK).throttles++;
        break;
      }
      case 3: {
        queue.push(throttled, ok({ ConsumedCapacity: { TableName: TABLE, CapacityUnits: 1, Table: { CapacityUnits: 1 } } }));
        await doc.send(new PutCommand({ TableName: TABLE, Item: { PK: pk, SK: `H#${i}` } }));
        want.tableWcu += 1;
        want.throttledAttempts++;
        count('PutItem', 2, tenant, 1);
        const k = key('', pk);
        k.items++;
        k.writeUnits++;
        k.throttles++;
        break;
      }
      default: {
        const gsiPk = `STATUS#${i % 4}`;
        queue.push(
          ok({
            Items: [],
            Count: 0,
            ScannedCount: 0,
            ConsumedCapacity: {
              TableName: TABLE,
              CapacityUnits: 0.5,
              Table: { CapacityUnits: 0 },
              GlobalSecondaryIndexes: { GSI1: { CapacityUnits: 0.5 } },
            },
          }),
        );
        await doc.send(
          new QueryCommand({
            TableName: TABLE,
            IndexName: 'GSI1',
            KeyConditionExpression: 'GSI1PK = :p',
            ExpressionAttributeValues: { ':p': gsiPk },
          }),
        );
        want.gsiRcu += 0.5;
        count('Query', 1, NO_TENANT, 1);
        const k = key('GSI1', gsiPk);
        k.items++;
        k.readUnits += 0.5;
        break;
      }
    }
  }
  return { rec, want, ddb };
}

test('past maxCalls the raw log keeps the last calls only, and every aggregate still equals the exact totals', async () => {
  const N = 5_000;
  const BOUND = 300;
  const { rec, want, ddb } = await run(N, BOUND);
  try {
    // The raw log: the last BOUND calls, oldest first, with their own attempts and throttle events.
    const calls = rec.calls;
    assert.equal(calls.length, BOUND, 'raw call records kept ≤ the bound');
    assert.deepEqual(
      calls.map((c) => c.id),
      Array.from({ length: BOUND }, (_, i) => N - BOUND + 1 + i),
    );
    const ids = new Set(calls.map((c) => c.id));
    assert.ok(rec.attempts.every((a) => ids.has(a.callId)) && rec.throttles.every((t) => ids.has(t.callId)));
    assert.equal(
      rec.attempts.length,
      calls.reduce((s, c) => s + c.attempts, 0),
    );

    const totals = rec.totals();
    assert.equal(totals.calls, want.calls);
    assert.equal(totals.attempts, want.attempts);
    assert.equal(totals.retries, want.attempts - want.calls);
    assert.equal(totals.ConsumedWriteCapacityUnits, want.tableWcu + want.gsiWcu);
    assert.equal(totals.ConsumedReadCapacityUnits, want.gsiRcu);
    assert.equal(totals.ThrottledRequests, want.throttledAttempts);
    assert.equal(totals.WriteThrottleEvents, want.throttledAttempts + want.unprocessed);
    assert.equal(totals.ReadThrottleEvents, 0);
    assert.equal(totals.UnprocessedItems, want.unprocessed);

    assert.deepEqual(rec.byResource(), [
      {
        table: TABLE,
        index: '',
        ConsumedReadCapacityUnits: 0,
        ConsumedWriteCapacityUnits: want.tableWcu,
        ReadThrottleEvents: 0,
        WriteThrottleEvents: want.throttledAttempts + want.unprocessed,
      },
      {
        table: TABLE,
        index: 'GSI1',
        ConsumedReadCapacityUnits: want.gsiRcu,
        ConsumedWriteCapacityUnits: want.gsiWcu,
        ReadThrottleEvents: 0,
        WriteThrottleEvents: 0,
      },
    ]);

    const ops = rec.byOperation();
    assert.deepEqual(Object.fromEntries(ops.map((o) => [o.operation, o.requests])), want.requestsByOp);
    assert.deepEqual(Object.fromEntries(ops.map((o) => [o.operation, o.attempts])), want.attemptsByOp);
    assert.equal(ops.find((o) => o.operation === 'PutItem')?.ThrottledRequests, want.throttledAttempts);

    const tenants = rec.byTenant();
    assert.deepEqual(Object.fromEntries(tenants.map((t) => [t.tenant, t.calls])), want.callsByTenant);
    assert.deepEqual(Object.fromEntries(tenants.map((t) => [t.tenant, t.items])), want.itemsByTenant);
    assert.equal(
      tenants.reduce((s, t) => s + t.ConsumedWriteCapacityUnits, 0),
      want.tableWcu + want.gsiWcu,
    );

    const keys = rec.byKey();
    assert.equal(keys.length, want.keys.size, 'one row per partition key of each resource');
    for (const k of keys) {
      const w = want.keys.get(`${k.index}|${k.partitionKey}`);
      assert.ok(w, `unexpected key ${k.index}|${k.partitionKey}`);
      assert.deepEqual(
        [k.items, k.readUnits, k.writeUnits, k.ThrottleCount],
        [w.items, w.readUnits, w.writeUnits, w.throttles],
        k.partitionKey,
      );
    }

    const seconds = rec.perSecond();
    assert.equal(
      seconds.reduce((s, r) => s + r.requests, 0),
      want.calls,
    );
    assert.equal(
      seconds.reduce((s, r) => s + r.ThrottledRequests, 0),
      want.throttledAttempts,
    );
    assert.equal(
      seconds.reduce((s, r) => s + r.ConsumedWriteCapacityUnits, 0),
      want.tableWcu + want.gsiWcu,
    );
    assert.ok(seconds.length > 30, `the run spans ${seconds.length} virtual seconds`);
    const gsiSeconds = rec.perSecond({ resource: { table: TABLE, index: 'GSI1' } });
    assert.equal(
      gsiSeconds.reduce((s, r) => s + r.ConsumedReadCapacityUnits, 0),
      want.gsiRcu,
    );

    assert.deepEqual(
      rec
        .throttleReasons()
        .map((r) => [r.reason, r.resource, r.kind, r.events])
        .sort(),
      [
        ['TableWriteKeyRangeThroughputExceeded', TABLE, 'write', want.throttledAttempts],
        [UNPROCESSED_ITEMS_REASON, TABLE, 'write', want.unprocessed],
      ].sort(),
    );
  } finally {
    rec.detach();
    ddb.destroy();
  }
});

test('bounded and unbounded recorders give the same aggregates; below the bound they equal the pure functions over the log', async () => {
  const N = 1_200;
  const bounded = await run(N, 100);
  const all = await run(N, Number.POSITIVE_INFINITY);
  try {
    assert.equal(all.rec.calls.length, N);
    const data = all.rec.data();
    for (const r of [bounded.rec, all.rec]) {
      assert.deepEqual(r.totals(), aggregateTotals(data));
      assert.deepEqual(r.byResource(), aggregateByResource(data));
      assert.deepEqual(r.byOperation(), aggregateByOperation(data));
      assert.deepEqual(r.byKey(), aggregateByKey(data));
      assert.deepEqual(r.byTenant(), aggregateByTenant(data));
      assert.deepEqual(r.perSecond({ fromMs: T0 }), aggregateBySecond(data, { fromMs: T0 }));
      assert.deepEqual(r.throttleReasons(), aggregateThrottleReasons(data));
      assert.deepEqual(r.topKeys({ by: 'throttled', n: 5 }), all.rec.topKeys({ by: 'throttled', n: 5 }));
    }
    // Past the bound the pure functions over the kept log see only the kept calls: the recorder's methods see all.
    assert.equal(aggregateTotals(bounded.rec.data()).calls, 100);
    assert.equal(bounded.rec.totals().calls, N);
  } finally {
    for (const r of [bounded, all]) {
      r.rec.detach();
      r.ddb.destroy();
    }
  }
});

test('maxCalls: default, lowered at run time (oldest dropped), reset, and refused when not a whole number', async () => {
  assert.equal(new MetricsRecorder().maxCalls, DEFAULT_MAX_CALLS);
  const { rec, ddb } = await run(50, 40);
  try {
    assert.equal(rec.calls.length, 40);
    rec.maxCalls = 10;
    assert.deepEqual(
      rec.calls.map((c) => c.id),
      [41, 42, 43, 44, 45, 46, 47, 48, 49, 50],
    );
    assert.equal(rec.totals().calls, 50, 'lowering the bound trims the log, not the aggregates');
    rec.maxCalls = 0;
    assert.equal(rec.calls.length, 0);
    rec.reset();
    assert.equal(rec.totals().calls, 0);
    assert.deepEqual(rec.byKey(), []);
    for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => new MetricsRecorder({ maxCalls: bad }), /maxCalls/);
  } finally {
    rec.detach();
    ddb.destroy();
  }
});
