// The metrics recorder, offline: a real DynamoDBClient (serializer, retry strategy, deserializer) in front of a
// scripted HTTP handler, so every attempt the SDK makes is an answer this test chose. Time is injected.
import { tenantOfKey } from '../../src/tenancy/keys';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import Ajv from 'ajv';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand as LowQueryCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { compileChart, VEGA_LITE_SCHEMA, type TopLevelSpec } from '../../src/observe/charts';
import {
  type MetricsData,
  type MetricsRecorder,
  type TableKeySchema,
  UNPROCESSED_ITEMS_REASON,
  aggregateBySecond,
  attachRecorder,
  consumedCapacityChart,
  keyBars,
  keyValueString,
  operationKind,
  parseConsumedCapacity,
  recorderOf,
  resourceFromArn,
  secondsToMetricRows,
  statementTable,
  tenantOf,
  throttleEventsChart,
  throttleReasonsChart,
  topKeysChart,
  topReasonOf,
} from '../../src/observe/metrics';

const TABLE = 'ws-att-unit';
const ARN = `arn:aws:dynamodb:ap-southeast-1:111122223333:table/${TABLE}`;
const SCHEMA: TableKeySchema = {
  partitionKey: 'PK',
  sortKey: 'SK',
  indexes: { GSI1: { partitionKey: 'GSI1PK', sortKey: 'GSI1SK' } },
};
const T0 = Date.UTC(2025, 8, 28, 12, 0, 0); // a whole second

type Json = Record<string, any>;
interface Seen {
  operation: string;
  body: Json;
}
type Answer = { status: number; body: Json } | ((seen: Seen) => { status: number; body: Json });

/** A request handler answering from a script, one answer per HTTP request; it records what it was sent. */
function scripted(answers: Answer[], onRequest?: (seen: Seen) => void) {
  const seen: Seen[] = [];
  const handler = {
    async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
      const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
      const s: Seen = { operation: target.split('.')[1] ?? '', body: JSON.parse(String(request.body)) };
      seen.push(s);
      onRequest?.(s);
      const next = answers.shift();
      if (!next) throw new Error(`script exhausted at ${s.operation}`);
      const a = typeof next === 'function' ? next(s) : next;
      const text = JSON.stringify(a.body);
      return {
        response: new HttpResponse({
          statusCode: a.status,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'content-length': String(Buffer.byteLength(text)),
            'x-amzn-requestid': `req-${seen.length}`,
          },
          body: Readable.from([Buffer.from(text)]),
        }),
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return { handler, seen };
}

function client(answers: Answer[], options: { maxAttempts?: number; onRequest?: (s: Seen) => void } = {}) {
  const { handler, seen } = scripted(answers, options.onRequest);
  const ddb = new DynamoDBClient({
    region: 'ap-southeast-1',
    endpoint: 'http://scripted.invalid',
    credentials: { accessKeyId: 'AKIDUNIT', secretAccessKey: 'unit' },
    requestHandler: handler as never,
    // No backoff delay: the test is about counting attempts, not waiting for them.
    retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? 3, () => 0),
  });
  const doc = DynamoDBDocumentClient.from(ddb);
  return { ddb, doc, seen };
}

/** A clock the test moves: each read returns `now`, and `tick(ms)` advances it. */
function manualClock(start = T0) {
  let now = start;
  return { clock: () => now, tick: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

const ok = (body: Json = {}) => ({ status: 200, body });
const throttle = (reason: string, resource = ARN, type = 'ProvisionedThroughputExceededException') => ({
  status: 400,
  body: {
    __type: `com.amazonaws.dynamodb.v20120810#${type}`,
    message: 'Throughput exceeds the current capacity of your table or index.',
    ThrottlingReasons: [{ reason, resource }],
  },
});
const cap = (units: number, gsi?: number) => ({
  TableName: TABLE,
  CapacityUnits: units + (gsi ?? 0),
  Table: { CapacityUnits: units },
  ...(gsi === undefined ? {} : { GlobalSecondaryIndexes: { GSI1: { CapacityUnits: gsi } } }),
});

function recorderFor(c: { ddb: DynamoDBClient }, clock?: () => number): MetricsRecorder {
  return attachRecorder(c, { clock, keySchemas: { [TABLE]: SCHEMA } });
}

test("asks for ReturnConsumedCapacity=INDEXES, keeps an explicit value, and never changes the caller's input", async () => {
  const c = client([
    ok({ ConsumedCapacity: cap(1, 1) }),
    ok({ ConsumedCapacity: { TableName: TABLE, CapacityUnits: 2 } }),
    ok({}),
  ]);
  const rec = recorderFor(c);
  const input = { TableName: TABLE, Item: { PK: 'USER#1', SK: 'A', GSI1PK: 'STATUS#NEW', GSI1SK: '1' } };
  await c.doc.send(new PutCommand(input));
  assert.equal(c.seen[0].body.ReturnConsumedCapacity, 'INDEXES');
  assert.equal((input as Json).ReturnConsumedCapacity, undefined, "the caller's object is untouched");

  await c.doc.send(new PutCommand({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
  await c.doc.send(new PutCommand({ ...input, ReturnConsumedCapacity: 'NONE' }));
  assert.equal(c.seen[1].body.ReturnConsumedCapacity, 'TOTAL');
  assert.equal(c.seen[2].body.ReturnConsumedCapacity, 'NONE');

  assert.deepEqual(
    rec.calls.map((r) => [r.capacityMode, r.capacitySetBy, r.capacityReturned, r.writeUnits]),
    [
      ['INDEXES', 'recorder', true, 2],
      ['TOTAL', 'caller', true, 2],
      ['NONE', 'caller', false, 0],
    ],
  );
  // INDEXES splits table and GSI; TOTAL of a write cannot be split and stays on the table.
  assert.deepEqual(rec.calls[0].capacity, [
    { table: TABLE, readUnits: 0, writeUnits: 1 },
    { table: TABLE, index: 'GSI1', readUnits: 0, writeUnits: 1 },
  ]);
  assert.deepEqual(rec.calls[1].capacity, [{ table: TABLE, readUnits: 0, writeUnits: 2 }]);
  assert.equal(rec.totals().callsWithoutCapacity, 1);
  rec.detach();
});

test('a throttle the SDK retried is counted per attempt, with its reason, and the call still succeeds', async () => {
  const c = client(
    [
      throttle('TableWriteKeyRangeThroughputExceeded'),
      throttle('TableWriteKeyRangeThroughputExceeded'),
      ok({ ConsumedCapacity: cap(1) }),
    ],
    { maxAttempts: 5 },
  );
  const rec = recorderFor(c);
  const out = await c.doc.send(new PutCommand({ TableName: TABLE, Item: { PK: 'TENANT#acme#HOT', SK: 'e1' } }));
  assert.equal(out.$metadata.attempts, 3, 'the SDK retried twice');
  assert.equal(c.seen.length, 3);

  const [call] = rec.calls;
  assert.equal(call.ok, true);
  assert.equal(call.attempts, 3);
  assert.equal(call.sdkAttempts, 3, 'the recorder saw every attempt the SDK made');
  assert.equal(call.retries, 2);
  assert.equal(call.throttledAttempts, 2);
  assert.deepEqual(
    rec.attempts.map((a) => [a.attempt, a.ok, a.throttled, a.errorName ?? '', a.httpStatus]),
    [
      [1, false, true, 'ProvisionedThroughputExceededException', 400],
      [2, false, true, 'ProvisionedThroughputExceededException', 400],
      [3, true, false, '', 200],
    ],
  );
  const t = rec.totals();
  assert.equal(t.ThrottledRequests, 2);
  assert.equal(t.WriteThrottleEvents, 2);
  assert.equal(t.ReadThrottleEvents, 0);
  assert.equal(t.ConsumedWriteCapacityUnits, 1);
  assert.deepEqual(
    rec.throttles.map((e) => [e.reason, e.table, e.index ?? '', e.partitionKey, e.tenant, e.attempt, e.source]),
    [
      ['TableWriteKeyRangeThroughputExceeded', TABLE, '', 'TENANT#acme#HOT', 'acme', 1, 'exception'],
      ['TableWriteKeyRangeThroughputExceeded', TABLE, '', 'TENANT#acme#HOT', 'acme', 2, 'exception'],
    ],
  );
  const [key] = rec.topKeys({ by: 'throttled' });
  assert.equal(key.partitionKey, 'TENANT#acme#HOT');
  assert.equal(key.ThrottleCount, 2);
  assert.equal(key.topReason, 'TableWriteKeyRangeThroughputExceeded');
  assert.equal(key.ConsumedThroughputUnits, 3, '3 × 1 WCU');
  rec.detach();
});

test('when the SDK gives up, every attempt is a throttle and the call is recorded as failed', async () => {
  const c = client([throttle('TableReadKeyRangeThroughputExceeded'), throttle('TableReadKeyRangeThroughputExceeded')], {
    maxAttempts: 2,
  });
  const rec = recorderFor(c);
  await assert.rejects(
    c.ddb.send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: 'USER#9' }, SK: { S: 'P' } } })),
    /Throughput exceeds/,
  );
  const [call] = rec.calls;
  assert.equal(call.ok, false);
  assert.equal(call.errorName, 'ProvisionedThroughputExceededException');
  assert.equal(call.attempts, 2);
  assert.equal(call.sdkAttempts, 2);
  assert.equal(call.readUnits, 0);
  assert.deepEqual(rec.totals().ReadThrottleEvents, 2);
  assert.deepEqual(
    rec.throttles.map((e) => [e.kind, e.partitionKey]),
    [
      ['read', 'USER#9'],
      ['read', 'USER#9'],
    ],
  );
  rec.detach();
});

test("a GSI throttle is the index's event, on the item's GSI key; a Query throttle is the queried key's", async () => {
  const c = client(
    [
      throttle('IndexWriteKeyRangeThroughputExceeded', `${ARN}/index/GSI1`),
      ok({ ConsumedCapacity: cap(1, 1) }),
      throttle('IndexReadKeyRangeThroughputExceeded', `${ARN}/index/GSI1`),
      ok({ Items: [], Count: 0, ScannedCount: 0, ConsumedCapacity: { ...cap(0, 0.5) } }),
      {
        status: 400,
        body: {
          __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
          message: 'max on-demand',
          ThrottlingReasons: [{ reason: 'TableReadMaxOnDemandThroughputExceeded', resource: ARN }],
        },
      },
      ok({ Items: [], Count: 0, ScannedCount: 0, ConsumedCapacity: cap(0.5) }),
    ],
    { maxAttempts: 3 },
  );
  const rec = recorderFor(c);
  await c.doc.send(
    new PutCommand({
      TableName: TABLE,
      Item: { PK: 'TENANT#globex#USER#1', SK: 'ORDER#1', GSI1PK: 'TENANT#globex#STATUS#PENDING', GSI1SK: '1' },
    }),
  );
  await c.doc.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'GSI1',
      KeyConditionExpression: '#k = :v',
      ExpressionAttributeNames: { '#k': 'GSI1PK' },
      ExpressionAttributeValues: { ':v': 'STATUS#PENDING' },
    }),
  );
  await c.ddb.send(
    new LowQueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'PK = :p',
      ExpressionAttributeValues: { ':p': { S: 'USER#7' } },
    }),
  );

  assert.deepEqual(
    rec.throttles.map((e) => [e.reason, e.index ?? '', e.kind, e.partitionKey ?? '']),
    [
      ['IndexWriteKeyRangeThroughputExceeded', 'GSI1', 'write', 'TENANT#globex#STATUS#PENDING'],
      ['IndexReadKeyRangeThroughputExceeded', 'GSI1', 'read', 'STATUS#PENDING'],
      ['TableReadMaxOnDemandThroughputExceeded', '', 'read', 'USER#7'],
    ],
  );
  assert.deepEqual(rec.byResource(), [
    {
      table: TABLE,
      index: '',
      ConsumedReadCapacityUnits: 0.5,
      ConsumedWriteCapacityUnits: 1,
      ReadThrottleEvents: 1,
      WriteThrottleEvents: 0,
    },
    {
      table: TABLE,
      index: 'GSI1',
      ConsumedReadCapacityUnits: 0.5,
      ConsumedWriteCapacityUnits: 1,
      ReadThrottleEvents: 1,
      WriteThrottleEvents: 1,
    },
  ]);
  assert.deepEqual(
    rec.throttleReasons().map((r) => [r.reason, r.resource, r.kind, r.events]),
    [
      ['IndexReadKeyRangeThroughputExceeded', `${TABLE} / GSI1`, 'read', 1],
      ['IndexWriteKeyRangeThroughputExceeded', `${TABLE} / GSI1`, 'write', 1],
      ['TableReadMaxOnDemandThroughputExceeded', TABLE, 'read', 1],
    ],
  );
  // ThrottlingException counts as a throttled request too (CloudWatch and Contributor Insights do).
  assert.equal(rec.totals().ThrottledRequests, 3);
  // The GSI's keys: the written item's GSI key and the queried one, with their units.
  const gsiKeys = rec.byKey().filter((k) => k.index === 'GSI1');
  assert.deepEqual(gsiKeys.map((k) => [k.partitionKey, k.items, k.readUnits, k.writeUnits, k.ThrottleCount]).sort(), [
    ['STATUS#PENDING', 1, 0.5, 0, 1],
    ['TENANT#globex#STATUS#PENDING', 1, 0, 1, 1],
  ]);
  rec.detach();
});

test('UnprocessedItems: one throttle event per item, no reason; units go to the items that were written', async () => {
  const items = ['a', 'b', 'c', 'd'].map((s, i) => ({ PK: i < 3 ? 'TENANT#acme#HOT' : 'TENANT#globex#COLD', SK: s, n: i }));
  const c = client([
    (seen) => {
      const reqs = seen.body.RequestItems[TABLE];
      // the engine wrote the last two, returned the first two (marshalled, as DynamoDB returns them)
      return ok({
        UnprocessedItems: { [TABLE]: reqs.slice(0, 2) },
        ConsumedCapacity: [{ TableName: TABLE, CapacityUnits: 2, Table: { CapacityUnits: 2 } }],
      });
    },
  ]);
  const rec = recorderFor(c);
  const out = await c.doc.send(
    new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }),
  );
  assert.equal(out.UnprocessedItems![TABLE].length, 2);
  const [call] = rec.calls;
  assert.equal(call.unprocessedItems, 2);
  assert.equal(call.ok, true);
  assert.equal(rec.totals().ThrottledRequests, 0, 'a partly processed batch is not a throttled request');
  assert.equal(rec.totals().WriteThrottleEvents, 2);
  assert.deepEqual(
    rec.throttles.map((e) => [e.reason, e.partitionKey, e.source]),
    [
      [UNPROCESSED_ITEMS_REASON, 'TENANT#acme#HOT', 'unprocessed'],
      [UNPROCESSED_ITEMS_REASON, 'TENANT#acme#HOT', 'unprocessed'],
    ],
  );
  // 2 WCU over the two items written: one acme, one globex.
  assert.deepEqual(
    rec.byKey().map((k) => [k.partitionKey, k.items, k.writeUnits, k.ThrottleCount, k.topReason]),
    [
      ['TENANT#acme#HOT', 1, 1, 2, UNPROCESSED_ITEMS_REASON],
      ['TENANT#globex#COLD', 1, 1, 0, ''],
    ],
  );
  assert.deepEqual(
    rec.byTenant().map((t) => [t.tenant, t.calls, t.items, t.ConsumedWriteCapacityUnits, t.ThrottleEvents]),
    [
      ['acme', 1, 1, 1, 2],
      ['globex', 1, 1, 1, 0],
    ],
  );
  rec.detach();
});

test('a batch refused as a whole: one throttled request, one event per item it carried', async () => {
  const c = client([throttle('TableWriteKeyRangeThroughputExceeded')], { maxAttempts: 1 });
  const rec = recorderFor(c);
  const items = Array.from({ length: 5 }, (_, i) => ({ PK: 'TENANT#acme#HOT', SK: `e${i}` }));
  await assert.rejects(
    c.doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } })),
  );
  assert.equal(rec.totals().ThrottledRequests, 1);
  assert.equal(rec.totals().WriteThrottleEvents, 5);
  assert.ok(
    rec.throttles.every((e) => e.reason === 'TableWriteKeyRangeThroughputExceeded' && e.partitionKey === 'TENANT#acme#HOT'),
  );
  rec.detach();
});

test('per-second buckets follow the injected clock: capacity when answered, throttles when they happened', async () => {
  const t = manualClock(T0 + 200);
  // each HTTP request takes 300 ms of virtual time
  const c = client(
    [
      ok({ ConsumedCapacity: cap(1) }),
      throttle('TableWriteKeyRangeThroughputExceeded'),
      ok({ ConsumedCapacity: cap(2) }),
      ok({ ConsumedCapacity: cap(0.5) }),
    ],
    { maxAttempts: 3, onRequest: () => t.tick(300) },
  );
  const rec = recorderFor(c, t.clock);
  rec.reset(); // the run starts at T0+200
  await c.doc.send(new PutCommand({ TableName: TABLE, Item: { PK: 'K', SK: '1' } })); // answered T0+500 → second 0
  t.set(T0 + 1_100);
  await c.doc.send(new PutCommand({ TableName: TABLE, Item: { PK: 'K', SK: '2' } })); // throttled at 1.4 s, ok at 1.7 s → second 1
  t.set(T0 + 3_050);
  await c.ddb.send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: 'K' }, SK: { S: '1' } } })); // 3.35 s → second 3
  assert.deepEqual(
    rec.calls.map((c2) => [c2.second - T0 / 1000, c2.latencyMs]),
    [
      [0, 300],
      [1, 600],
      [3, 300],
    ],
  );
  assert.deepEqual(rec.perSecond(), [
    {
      second: 0,
      epochSecond: T0 / 1000,
      requests: 1,
      ConsumedReadCapacityUnits: 0,
      ConsumedWriteCapacityUnits: 1,
      ReadThrottleEvents: 0,
      WriteThrottleEvents: 0,
      ThrottledRequests: 0,
    },
    {
      second: 1,
      epochSecond: T0 / 1000 + 1,
      requests: 1,
      ConsumedReadCapacityUnits: 0,
      ConsumedWriteCapacityUnits: 2,
      ReadThrottleEvents: 0,
      WriteThrottleEvents: 1,
      ThrottledRequests: 1,
    },
    {
      second: 2,
      epochSecond: T0 / 1000 + 2,
      requests: 0,
      ConsumedReadCapacityUnits: 0,
      ConsumedWriteCapacityUnits: 0,
      ReadThrottleEvents: 0,
      WriteThrottleEvents: 0,
      ThrottledRequests: 0,
    },
    {
      second: 3,
      epochSecond: T0 / 1000 + 3,
      requests: 1,
      ConsumedReadCapacityUnits: 0.5,
      ConsumedWriteCapacityUnits: 0,
      ReadThrottleEvents: 0,
      WriteThrottleEvents: 0,
      ThrottledRequests: 0,
    },
  ]);
  // Latency of the successful attempt (the stand-in for SuccessfulRequestLatency), not of the whole call.
  assert.equal(rec.calls[1].successLatencyMs, 300);
  // a resource filter keeps only that resource's series
  const gsiOnly = rec.perSecond({ resource: { table: TABLE, index: 'GSI1' } });
  assert.ok(gsiOnly.every((r) => r.ConsumedWriteCapacityUnits === 0 && r.WriteThrottleEvents === 0));
  rec.detach();
});

test('errors: UserErrors are 4xx that are neither throttles nor failed conditions; 5xx are SystemErrors (and retried)', async () => {
  const c = client(
    [
      { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'bad' } },
      {
        status: 400,
        body: {
          __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
          message: 'The conditional request failed',
        },
      },
      { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' } },
      ok({ ConsumedCapacity: cap(1) }),
    ],
    { maxAttempts: 3 },
  );
  const rec = recorderFor(c);
  const put = () => c.ddb.send(new PutItemCommand({ TableName: TABLE, Item: { PK: { S: 'A' }, SK: { S: 'B' } } }));
  await assert.rejects(put(), /bad/);
  await assert.rejects(put(), /conditional/);
  await put();
  const t = rec.totals();
  assert.deepEqual(
    [t.UserErrors, t.ConditionalCheckFailedRequests, t.SystemErrors, t.ThrottledRequests, t.attempts, t.calls],
    [1, 1, 1, 0, 4, 3],
  );
  assert.deepEqual(
    rec.byOperation().map((r) => [r.operation, r.requests, r.attempts, r.UserErrors, r.SystemErrors]),
    [['PutItem', 3, 4, 1, 1]],
  );
  rec.detach();
});

test('the key schema comes from DescribeTable (once per table) when not given; Scans touch no key', async () => {
  const c = client([
    ok({ Items: [], Count: 0, ScannedCount: 10, ConsumedCapacity: cap(1.5) }),
    ok({
      Table: {
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [{ IndexName: 'ByEmail', KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }] }],
      },
    }),
    ok({ Items: [], Count: 0, ScannedCount: 0, ConsumedCapacity: { TableName: TABLE, CapacityUnits: 0.5 } }),
  ]);
  const rec = attachRecorder(c);
  await c.doc.send(new ScanCommand({ TableName: TABLE }));
  assert.deepEqual(
    c.seen.map((s) => s.operation),
    ['Scan', 'DescribeTable'],
  );
  await c.doc.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'ByEmail',
      KeyConditionExpression: 'email = :e',
      ExpressionAttributeValues: { ':e': 'a@b.c' },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  assert.deepEqual(
    c.seen.map((s) => s.operation),
    ['Scan', 'DescribeTable', 'Query'],
    'described once',
  );
  assert.equal(rec.calls.length, 2, 'DescribeTable itself is not recorded');
  assert.deepEqual(rec.schemaFor(TABLE), { partitionKey: 'pk', indexes: { ByEmail: { partitionKey: 'email' } } });
  assert.deepEqual(rec.calls[0].partitionKeys, []);
  // TOTAL on a Query of an index: all of it is the index's.
  assert.deepEqual(rec.calls[1].capacity, [{ table: TABLE, index: 'ByEmail', readUnits: 0.5, writeUnits: 0 }]);
  assert.deepEqual(
    rec.topKeys().map((k) => [k.index, k.partitionKey, k.readUnits]),
    [['ByEmail', 'a@b.c', 0.5]],
  );
  rec.detach();
});

test('attachRecorder is idempotent per client; detach takes the middlewares off; enabled=false pauses', async () => {
  const c = client([ok({}), ok({})]);
  const rec = attachRecorder(c, { keySchemas: { [TABLE]: SCHEMA } });
  assert.equal(attachRecorder(c), rec);
  assert.equal(attachRecorder(c.ddb), rec, 'the client itself or the clients bundle');
  assert.equal(recorderOf(c), rec);
  const names = c.ddb.middlewareStack.identify();
  assert.ok(names.some((n) => n.startsWith('workshopMetricsCall - initialize')));
  assert.ok(names.some((n) => n.startsWith('workshopMetricsAttempt - deserialize')));
  // inside the retry loop: after retryMiddleware, before the deserializer
  const idx = (p: string) => names.findIndex((n) => n.startsWith(p));
  assert.ok(
    idx('retryMiddleware') < idx('workshopMetricsAttempt') && idx('workshopMetricsAttempt') < idx('deserializerMiddleware'),
  );
  rec.enabled = false;
  await c.doc.send(new PutCommand({ TableName: TABLE, Item: { PK: 'x', SK: 'y' } }));
  assert.equal(c.seen[0].body.ReturnConsumedCapacity, undefined);
  assert.equal(rec.calls.length, 0);
  rec.detach();
  assert.equal(recorderOf(c), undefined);
  assert.ok(!c.ddb.middlewareStack.identify().some((n) => n.startsWith('workshopMetrics')));
  await c.doc.send(new PutCommand({ TableName: TABLE, Item: { PK: 'x', SK: 'y' } }));
  assert.equal(c.seen[1].body.ReturnConsumedCapacity, undefined);
});

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers

test('tenantOf, keyValueString, resourceFromArn, statementTable, operationKind', () => {
  assert.equal(tenantOf('TENANT#acme#USER#1'), 'acme');
  // one parser with the tenancy module (tenantOfKey): a tenant key has something after the tenant id
  assert.equal(tenantOf('TENANT#acme'), tenantOfKey('TENANT#acme'));
  assert.equal(tenantOf('TENANT#acme'), undefined);
  assert.equal(tenantOf('TENANT#a b#USER#1'), undefined, 'not a tenant id tenancy.ts would build');
  assert.equal(tenantOf('USER#1'), undefined);
  assert.equal(tenantOf('TENANT##x'), undefined);
  assert.equal(keyValueString({ S: 'a' }), 'a');
  assert.equal(keyValueString({ N: '12' }), '12');
  assert.equal(keyValueString(12), '12');
  assert.equal(keyValueString(new Uint8Array([1, 2])), 'AQI=');
  assert.equal(keyValueString({ B: new Uint8Array([1, 2]) }), 'AQI=');
  assert.deepEqual(resourceFromArn(`${ARN}/index/GSI1`), { table: TABLE, index: 'GSI1' });
  assert.deepEqual(resourceFromArn(ARN), { table: TABLE });
  assert.equal(resourceFromArn('nonsense'), undefined);
  assert.deepEqual(statementTable(`SELECT * FROM "${TABLE}" WHERE PK = 'a'`), { table: TABLE });
  assert.deepEqual(statementTable(`SELECT * FROM "${TABLE}"."GSI1" WHERE GSI1PK = 'a'`), { table: TABLE, index: 'GSI1' });
  assert.deepEqual(statementTable(`INSERT INTO "${TABLE}" VALUE {'PK': 'a'}`), { table: TABLE });
  assert.equal(operationKind('Query'), 'read');
  assert.equal(operationKind('TransactWriteItems'), 'write');
  assert.equal(operationKind('ExecuteStatement', { Statement: ' select * from "t"' }), 'read');
  assert.equal(operationKind('ExecuteStatement', { Statement: 'UPDATE "t" SET a=1' }), 'write');
});

test('parseConsumedCapacity: INDEXES, TOTAL, read/write split, LSIs counted on the table, arrays', () => {
  assert.deepEqual(parseConsumedCapacity(cap(1, 2), 'write'), [
    { table: TABLE, readUnits: 0, writeUnits: 1 },
    { table: TABLE, index: 'GSI1', readUnits: 0, writeUnits: 2 },
  ]);
  assert.deepEqual(parseConsumedCapacity({ TableName: TABLE, CapacityUnits: 4 }, 'read', 'GSI1'), [
    { table: TABLE, index: 'GSI1', readUnits: 4, writeUnits: 0 },
  ]);
  assert.deepEqual(parseConsumedCapacity({ TableName: TABLE, CapacityUnits: 4 }, 'write', 'GSI1'), [
    { table: TABLE, readUnits: 0, writeUnits: 4 },
  ]);
  assert.deepEqual(
    parseConsumedCapacity(
      {
        TableName: TABLE,
        CapacityUnits: 5,
        ReadCapacityUnits: 2,
        WriteCapacityUnits: 3,
        Table: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 },
        LocalSecondaryIndexes: { L1: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } },
      },
      'write',
    ),
    [{ table: TABLE, readUnits: 2, writeUnits: 3 }],
  );
  assert.deepEqual(
    parseConsumedCapacity(
      [
        { TableName: 'a', CapacityUnits: 1, Table: { CapacityUnits: 1 } },
        { TableName: 'b', CapacityUnits: 2, Table: { CapacityUnits: 2 } },
      ],
      'read',
    ),
    [
      { table: 'a', readUnits: 1, writeUnits: 0 },
      { table: 'b', readUnits: 2, writeUnits: 0 },
    ],
  );
  assert.deepEqual(parseConsumedCapacity(undefined, 'read'), []);
});

test('topReasonOf prefers a reason DynamoDB reported over the unprocessed label', () => {
  assert.equal(
    topReasonOf({ [UNPROCESSED_ITEMS_REASON]: 50, TableWriteKeyRangeThroughputExceeded: 3 }),
    'TableWriteKeyRangeThroughputExceeded',
  );
  assert.equal(topReasonOf({ [UNPROCESSED_ITEMS_REASON]: 5 }), UNPROCESSED_ITEMS_REASON);
  assert.equal(topReasonOf({ B: 2, A: 2 }), 'A', 'ties: alphabetical, so the answer repeats');
  assert.equal(topReasonOf({}), '');
});

test('aggregateBySecond on hand-built data: empty, and a gap filled with zeros', () => {
  const empty: MetricsData = { calls: [], attempts: [], throttles: [] };
  assert.deepEqual(aggregateBySecond(empty), []);
  const data: MetricsData = {
    calls: [],
    attempts: [],
    throttles: [
      {
        callId: 1,
        operation: 'PutItem',
        table: 't',
        kind: 'write',
        reason: 'r',
        source: 'exception',
        attempt: 1,
        tMs: 10_000,
        second: 10,
      },
      {
        callId: 1,
        operation: 'PutItem',
        table: 't',
        kind: 'read',
        reason: 'r',
        source: 'exception',
        attempt: 2,
        tMs: 12_500,
        second: 12,
      },
    ],
  };
  assert.deepEqual(
    aggregateBySecond(data).map((r) => [r.second, r.epochSecond, r.WriteThrottleEvents, r.ReadThrottleEvents]),
    [
      [0, 10, 1, 0],
      [1, 11, 0, 0],
      [2, 12, 0, 1],
    ],
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Charts

let validator: ReturnType<Ajv['compile']> | undefined;
function vegaLiteValidator(): ReturnType<Ajv['compile']> {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(require.resolve('vega-lite/build/vega-lite-schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('color-hex', /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i);
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s));
  ajv.addFormat('uri-reference', true);
  validator = ajv.compile(schema);
  return validator;
}

test("the recorder's charts are valid vega-lite v5, compile without warnings, and use CloudWatch's names", () => {
  const seconds = [0, 1, 2].map((s) => ({
    second: s,
    epochSecond: 100 + s,
    requests: 3,
    ConsumedReadCapacityUnits: s,
    ConsumedWriteCapacityUnits: 2 * s,
    ReadThrottleEvents: 0,
    WriteThrottleEvents: s,
    ThrottledRequests: 1,
  }));
  const capacityRows = secondsToMetricRows(seconds, ['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits']);
  assert.deepEqual(capacityRows.slice(0, 2), [
    { t: 0, metric: 'ConsumedReadCapacityUnits', value: 0 },
    { t: 0, metric: 'ConsumedWriteCapacityUnits', value: 0 },
  ]);
  const specs: Record<string, TopLevelSpec> = {
    capacity: consumedCapacityChart(capacityRows, { scaleLabel: 'scaled: 1/50' }),
    capacityCloudWatch: consumedCapacityChart([
      { t: '2025-09-28T12:00:00.000Z', metric: 'ConsumedWriteCapacityUnits', value: 3 },
    ]),
    throttles: throttleEventsChart(
      secondsToMetricRows(seconds, ['ReadThrottleEvents', 'WriteThrottleEvents', 'ThrottledRequests']),
    ),
    reasons: throttleReasonsChart([
      { reason: 'TableWriteKeyRangeThroughputExceeded', resource: TABLE, kind: 'write', events: 40 },
      { reason: UNPROCESSED_ITEMS_REASON, resource: TABLE, kind: 'write', events: 12 },
      { reason: 'IndexWriteKeyRangeThroughputExceeded', resource: `${TABLE} / GSI1`, kind: 'write', events: 3 },
    ]),
    reasonsEmpty: throttleReasonsChart([]),
    topAccessed: topKeysChart([
      { key: 'TENANT#acme#EVENTS', value: 360 },
      { key: 'TENANT#globex#USER#1', value: 4.5 },
    ]),
    topThrottled: topKeysChart([{ key: 'TENANT#acme#EVENTS', value: 120 }], { metric: 'ThrottleCount' }),
    topEmpty: topKeysChart([], { metric: 'ThrottleCount' }),
  };
  const validate = vegaLiteValidator();
  for (const [name, spec] of Object.entries(specs)) {
    assert.equal((spec as { $schema?: string }).$schema, VEGA_LITE_SCHEMA, name);
    assert.ok(validate(JSON.parse(JSON.stringify(spec))), `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
    assert.deepEqual(compileChart(spec).warnings, [], name);
  }
  const top = specs.topThrottled as Json;
  assert.equal(top.title.text, 'Most throttled partition keys (ThrottleCount)');
  assert.equal(top.encoding.x.title, 'ThrottleCount');
  assert.equal(top.layer[0].mark.color, '#f58518', 'throttles in the warning colour');
  assert.deepEqual(
    (specs.topAccessed as Json).encoding.y.sort,
    ['TENANT#acme#EVENTS', 'TENANT#globex#USER#1'],
    'largest first, as given',
  );
  assert.deepEqual((specs.reasons as Json).encoding.y.sort, [
    'TableWriteKeyRangeThroughputExceeded',
    UNPROCESSED_ITEMS_REASON,
    'IndexWriteKeyRangeThroughputExceeded',
  ]);
  assert.equal((specs.capacity as Json).title.subtitle, 'scaled: 1/50');
  assert.equal((specs.capacity as Json).encoding.x.title, 'second of the run');
  assert.equal((specs.capacityCloudWatch as Json).encoding.x.type, 'temporal');
  assert.deepEqual(
    keyBars(
      [
        {
          table: TABLE,
          index: 'GSI1',
          partitionKey: 'S',
          tenant: '',
          items: 1,
          readUnits: 1,
          writeUnits: 0,
          ConsumedThroughputUnits: 1,
          ThrottleCount: 2,
          reasons: {},
          topReason: '',
        },
      ],
      'ThrottleCount',
    ),
    [{ key: 'S (GSI1)', value: 2 }],
  );
});
