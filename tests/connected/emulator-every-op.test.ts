// Every operation is throttled at the per-partition limits: under a hot-key workload, what DynamoDB Local really
// consumed for the requests the emulator admitted (ReturnConsumedCapacity, asked by the test) never exceeds the
// configured rate in any 1 s window of the emulator's own clock; sharded keys reach >= 95 % of the aggregate limit.
// Virtual time (a clock that steps per reading), sequential requests: no wall-clock assertion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { batchWriteAll } from '../../src/batch';
import { createClients, type WorkshopClients } from '../../src/client';
import { shardedPk } from '../../src/sharding';
import { waitActive, workshopTableInput } from '../../src/table';
import { emulateThrottling } from '../../src/local/emulator';
import { startTestLocal, type TestLocal } from '../helpers/local';

const TABLE = 'ws-emu-every-op';
const SCALE = 0.02; // 20 WCU/s, 60 RCU/s per partition
const W = 1000 * SCALE;
const R = 3000 * SCALE;
const SECONDS = 2;
const STEP_MS = 4;

let t: TestLocal;
before(async () => {
  t = await startTestLocal('everyop');
  await t.clients.ddb.send(
    new CreateTableCommand({
      ...workshopTableInput(TABLE),
      // the workshop's PK/SK table, plus the GSI keys these tests read through
      AttributeDefinitions: [
        ...(workshopTableInput(TABLE).AttributeDefinitions ?? []),
        { AttributeName: 'G', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'gall', KeySchema: [{ AttributeName: 'G', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
    }),
  );
  await waitActive(t.clients.ddb, TABLE);
  // items to read, update and delete (written without the emulator)
  const items = [];
  for (let i = 0; i < 40; i++)
    items.push({ PK: 'HOT#read', SK: `r${String(i).padStart(3, '0')}`, x_pad: 'x'.repeat(10 * 1024 - 40) });
  for (let i = 0; i < 3000; i++)
    items.push({ PK: 'HOT#del', SK: `d${String(i).padStart(5, '0')}`, x_pad: 'x'.repeat(10 * 1024 - 40) });
  await batchWriteAll(t.clients.doc, TABLE, items);
});
after(async () => {
  await t.stop();
});

type Item = Record<string, AttributeValue>;
type Out = { ConsumedCapacity?: unknown };
const pad = (kb: number) => ({ S: 'x'.repeat(Math.round(kb * 1024) - 40) });
const readKey = (i: number): Item => ({ PK: { S: 'HOT#read' }, SK: { S: `r${String(i % 40).padStart(3, '0')}` } });

/** What DynamoDB Local consumed on the table's partitions (or one GSI's) for one answer. */
function consumed(out: Out, index?: string): number {
  let n = 0;
  for (const c of (Array.isArray(out.ConsumedCapacity) ? out.ConsumedCapacity : [out.ConsumedCapacity]) as {
    CapacityUnits?: number;
    Table?: { CapacityUnits?: number };
    GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  }[]) {
    if (!c) continue;
    n += index ? (c.GlobalSecondaryIndexes?.[index]?.CapacityUnits ?? 0) : (c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0);
  }
  return n;
}

/** Largest sum of units in any window (t − 1000, t]. */
function maxWindow(served: { t: number; units: number }[]): number {
  const s = [...served].sort((a, b) => a.t - b.t);
  let best = 0;
  let sum = 0;
  let head = 0;
  for (const x of s) {
    sum += x.units;
    while (s[head].t <= x.t - 1000) sum -= s[head++].units;
    best = Math.max(best, sum);
  }
  return best;
}

interface Run {
  served: { t: number; units: number }[];
  throttled: number;
  total: number;
}

/**
 * Sends `op(i)` one after the other for SECONDS of the emulator's virtual clock; records, for each admitted request,
 * what the engine consumed (`measure`) at the clock's time. PartiQL answers carry no capacity: `measure` is then the
 * equivalent operation's known charge.
 */
async function hammer(
  op: (c: WorkshopClients, i: number) => Promise<Out>,
  measure: (out: Out) => number = consumed,
): Promise<Run> {
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  let now = 0;
  const emu = emulateThrottling(clients, { scale: SCALE, partitions: 4, clock: () => (now += STEP_MS) });
  const run: Run = { served: [], throttled: 0, total: 0 };
  try {
    for (let i = 0; now < SECONDS * 1000; i++) {
      try {
        const out = await op(clients, i);
        run.served.push({ t: now, units: measure(out) });
        const partial = out as { UnprocessedItems?: object; UnprocessedKeys?: object; Responses?: { Error?: unknown }[] };
        if (Object.keys(partial.UnprocessedItems ?? partial.UnprocessedKeys ?? {}).length) run.throttled++;
        if (Array.isArray(partial.Responses) && partial.Responses.some((r) => r.Error)) run.throttled++;
      } catch (e) {
        const name = (e as Error).name;
        assert.ok(
          name === 'ProvisionedThroughputExceededException' || name === 'TransactionCanceledException',
          `${name}: ${(e as Error).message}`,
        );
        if (name === 'TransactionCanceledException')
          assert.ok(
            (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.some((r) => r.Code === 'ThrottlingError'),
          );
        run.throttled++;
      }
      run.total++;
    }
  } finally {
    emu.uninstall();
    clients.ddb.destroy();
  }
  return run;
}

const C = 'INDEXES' as const;
let seq = 0;
const shapes: {
  name: string;
  limit: number;
  oversized?: boolean;
  op: (c: WorkshopClients, i: number) => Promise<Out>;
  measure?: (o: Out) => number;
}[] = [
  {
    name: 'PutItem 1 KB',
    limit: W,
    op: (c) =>
      c.ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { PK: { S: 'HOT#w' }, SK: { S: `p${seq++}` }, x_pad: pad(1) },
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'PutItem 10 KB',
    limit: W,
    op: (c) =>
      c.ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { PK: { S: 'HOT#w' }, SK: { S: `p${seq++}` }, x_pad: pad(9.9) },
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'PutItem 100 KB (above one second of the scaled limit: admitted as a debt)',
    limit: W,
    oversized: true,
    op: (c) =>
      c.ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { PK: { S: 'HOT#w' }, SK: { S: `big${seq++ % 5}` }, x_pad: pad(99.9) },
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'UpdateItem of a 10 KB item',
    limit: W,
    op: (c, i) =>
      c.ddb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: readKey(i),
          UpdateExpression: 'SET n = :n',
          ExpressionAttributeValues: { ':n': { N: String(i) } },
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'DeleteItem of 10 KB items',
    limit: W,
    op: (c, i) =>
      c.ddb.send(
        new DeleteItemCommand({
          TableName: TABLE,
          Key: { PK: { S: 'HOT#del' }, SK: { S: `d${String(i).padStart(5, '0')}` } },
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'BatchWriteItem 25 x 1 KB',
    limit: W,
    op: (c) =>
      c.ddb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [TABLE]: Array.from({ length: 25 }, () => ({
              PutRequest: { Item: { PK: { S: 'HOT#w' }, SK: { S: `b${seq++}` }, x_pad: pad(1) } },
            })),
          },
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'TransactWriteItems 2 x 1 KB',
    limit: W,
    op: (c) =>
      c.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [0, 1].map(() => ({
            Put: { TableName: TABLE, Item: { PK: { S: 'HOT#w' }, SK: { S: `t${seq++}` }, x_pad: pad(1) } },
          })),
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'GetItem 10 KB, strongly consistent',
    limit: R,
    op: (c, i) =>
      c.ddb.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: readKey(i),
          ConsistentRead: true,
          ProjectionExpression: 'SK',
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: "Query ':p = PK' (40 items of 10 KB, 1 MB pages)",
    limit: R,
    op: (c) =>
      c.ddb.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: ':p = PK',
          ExpressionAttributeValues: { ':p': { S: 'HOT#read' } },
          Select: 'COUNT',
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'Query with legacy KeyConditions, strongly consistent, Limit 5',
    limit: R,
    op: (c) =>
      c.ddb.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditions: { PK: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'HOT#read' }] } },
          ConsistentRead: true,
          Limit: 5,
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'BatchGetItem 25 x 10 KB',
    limit: R,
    op: (c, i) =>
      c.ddb.send(
        new BatchGetItemCommand({
          RequestItems: { [TABLE]: { Keys: Array.from({ length: 25 }, (_, k) => readKey(i + k)) } },
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'TransactGetItems 2 x 10 KB',
    limit: R,
    op: (c, i) =>
      c.ddb.send(
        new TransactGetItemsCommand({
          TransactItems: [readKey(i), readKey(i + 1)].map((Key) => ({ Get: { TableName: TABLE, Key } })),
          ReturnConsumedCapacity: C,
        }),
      ),
  },
  {
    name: 'ExecuteStatement INSERT 1 KB (charged as a 1 KB put)',
    limit: W,
    measure: () => 1,
    op: (c) =>
      c.ddb.send(
        new ExecuteStatementCommand({
          Statement: `INSERT INTO "${TABLE}" VALUE {'PK': ?, 'SK': ?, 'x_pad': ?}`,
          Parameters: [{ S: 'HOT#w' }, { S: `q${seq++}` }, pad(0.9)],
        }),
      ),
  },
  {
    name: 'ExecuteStatement SELECT by key, 10 KB (1.5 RCU)',
    limit: R,
    measure: () => 1.5,
    op: (c, i) => {
      const k = readKey(i);
      return c.ddb.send(
        new ExecuteStatementCommand({ Statement: `SELECT SK FROM "${TABLE}" WHERE PK = ? AND SK = ?`, Parameters: [k.PK, k.SK] }),
      );
    },
  },
  {
    name: 'BatchExecuteStatement 10 INSERTs of 1 KB',
    limit: W,
    measure: (o) => ((o as { Responses?: { Error?: unknown }[] }).Responses ?? []).filter((r) => !r.Error).length,
    op: (c) =>
      c.ddb.send(
        new BatchExecuteStatementCommand({
          Statements: Array.from({ length: 10 }, () => ({
            Statement: `INSERT INTO "${TABLE}" VALUE {'PK': ?, 'SK': ?, 'x_pad': ?}`,
            Parameters: [{ S: 'HOT#w' }, { S: `bq${seq++}` }, pad(0.9)],
          })),
        }),
      ),
  },
  {
    name: 'ExecuteTransaction 2 INSERTs of 1 KB (2 x 2 WCU)',
    limit: W,
    measure: () => 4,
    op: (c) =>
      c.ddb.send(
        new ExecuteTransactionCommand({
          TransactStatements: [0, 1].map(() => ({
            Statement: `INSERT INTO "${TABLE}" VALUE {'PK': ?, 'SK': ?, 'x_pad': ?}`,
            Parameters: [{ S: 'HOT#w' }, { S: `xq${seq++}` }, pad(0.9)],
          })),
        }),
      ),
  },
];

for (const shape of shapes) {
  test(`hot key, ${shape.name}: throttled, and never more than ${shape.limit} units/s admitted in any 1 s window`, async (ctx) => {
    const run = await hammer(shape.op, shape.measure);
    ctx.diagnostic(
      `max in any 1 s: ${maxWindow(run.served)} units = ${(maxWindow(run.served) / shape.limit).toFixed(2)}x the limit`,
    );
    assert.ok(run.throttled > 0, `${run.total} requests, none throttled`);
    const total = run.served.reduce((n, s) => n + s.units, 0);
    if (shape.oversized) {
      // one request above the limit is unavoidable in its own second; over the run the rate holds, debt included
      const biggest = Math.max(...run.served.map((s) => s.units));
      assert.ok(total <= shape.limit * SECONDS + biggest, `${total} units in ${SECONDS} s at ${shape.limit}/s`);
    } else {
      const max = maxWindow(run.served);
      assert.ok(max <= shape.limit + 1e-9, `max ${max} units in a 1 s window, limit ${shape.limit}`);
      assert.ok(total >= shape.limit * (SECONDS - 1) * 0.5, `only ${total} units served: the limit is not reached`);
    }
  });
}

test('a GSI write the index refuses consumes nothing on the table (IndexWriteKeyRangeThroughputExceeded)', async () => {
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  let now = 0;
  const emu = emulateThrottling(clients, { scale: SCALE, partitions: 4, clock: () => (now += STEP_MS) });
  let tableUnits = 0;
  let refused = 0;
  const gsi: { t: number; units: number }[] = [];
  try {
    for (let i = 0; now < SECONDS * 1000; i++) {
      // every table key different (spread over the table's partitions), one hot GSI key
      const Key = { PK: { S: `SPREAD#${i}` }, SK: { S: 's' } };
      try {
        const out = await clients.ddb.send(
          new UpdateItemCommand({
            TableName: TABLE,
            Key,
            UpdateExpression: 'SET G = :g',
            ExpressionAttributeValues: { ':g': { S: 'HOT#gsi' } },
            ReturnConsumedCapacity: C,
          }),
        );
        tableUnits += consumed(out);
        gsi.push({ t: now, units: consumed(out, 'gall') });
      } catch (e) {
        const err = e as Error & { ThrottlingReasons?: { reason: string; resource: string }[] };
        assert.equal(err.name, 'ProvisionedThroughputExceededException');
        assert.equal(err.ThrottlingReasons?.[0].reason, 'IndexWriteKeyRangeThroughputExceeded');
        assert.match(err.ThrottlingReasons?.[0].resource ?? '', /\/index\/gall$/);
        refused++;
      }
    }
    assert.ok(refused > 0);
    assert.ok(maxWindow(gsi) <= W + 1e-9, `GSI partition: ${maxWindow(gsi)} in a 1 s window`);
    const charged = emu.model.snapshot().resources.find((r) => r.table === TABLE && !r.index)!;
    const onTable = charged.partitions.reduce((n, p) => n + p.write.consumedUnits, 0);
    assert.equal(onTable, tableUnits, 'the table was charged exactly what the admitted writes consumed');
  } finally {
    emu.uninstall();
    clients.ddb.destroy();
  }
});

test('sharded keys reach >= 95 % of the aggregate limit (4 partitions x 20 WCU/s)', async () => {
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  let now = 0;
  const emu = emulateThrottling(clients, { scale: SCALE, partitions: 4, clock: () => (now += 1) });
  // shard keys covering every partition
  const keys: string[] = [];
  const covered = new Set<number>();
  for (let i = 0; covered.size < 4; i++) {
    const k = shardedPk('USER#sharded', i);
    keys.push(k);
    covered.add(emu.model.partitionOf(k));
  }
  const served: { t: number; units: number }[] = [];
  try {
    for (let i = 0; now < 2000; i++) {
      try {
        const out = await clients.ddb.send(
          new PutItemCommand({
            TableName: TABLE,
            Item: { PK: { S: keys[i % keys.length] }, SK: { S: `e${i}` } },
            ReturnConsumedCapacity: C,
          }),
        );
        served.push({ t: now, units: consumed(out) });
      } catch (e) {
        assert.equal((e as Error).name, 'ProvisionedThroughputExceededException');
      }
    }
  } finally {
    emu.uninstall();
    clients.ddb.destroy();
  }
  const total = served.reduce((n, s) => n + s.units, 0);
  const aggregate = 4 * W * 2; // two seconds
  assert.ok(total >= 0.95 * aggregate, `${total} of ${aggregate} units`);
  assert.ok(total <= aggregate + 1e-9);
});
