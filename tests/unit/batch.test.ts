// Re-drive logic of src/batch.ts against a scripted stand-in for DynamoDB's answers (the connected and
// emulator tests exercise the real engine; here we need exact control over what comes back unprocessed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffDelay, batchWriteAll, batchGetAll, chunk, WorkshopError } from '../../src/index';

type Sent = { RequestItems: Record<string, unknown[]> };

function scripted(answer: (call: number, input: Sent) => unknown): { doc: DynamoDBDocumentClient; calls: Sent[] } {
  const calls: Sent[] = [];
  const doc = {
    send: async (cmd: { input: Sent }) => {
      calls.push(cmd.input);
      const a = answer(calls.length, cmd.input);
      if (a instanceof Error) throw a;
      return { $metadata: { attempts: 1 }, ...(a as object) };
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, calls };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ PK: `P#${i}`, SK: 'S', i }));
const noSleep = { sleep: async () => {}, random: () => 0.5 };

test('chunks of 25 and every UnprocessedItems re-driven until empty', async () => {
  const { doc, calls } = scripted((call, input) => {
    const reqs = input.RequestItems.t as unknown[];
    // calls 1 and 2 each leave their last 5 requests unprocessed (the re-drive itself comes back once more)
    return call <= 2 ? { UnprocessedItems: { t: reqs.slice(-5) } } : { UnprocessedItems: {} };
  });
  const retries: number[] = [];
  const r = await batchWriteAll(doc, 't', items(60), { ...noSleep, onRetry: (i) => retries.push(i.pending) });
  assert.equal(r.written, 60);
  assert.equal(r.redriven, 10);
  assert.deepEqual(
    calls.map((c) => (c.RequestItems.t as unknown[]).length),
    [25, 5, 5, 25, 10],
  );
  assert.deepEqual(retries, [5, 5]);
});

test('a throttled batch (the SDK gave up) is re-sent whole, nothing lost', async () => {
  const throttle = Object.assign(new Error('Rate exceeded'), {
    name: 'ProvisionedThroughputExceededException',
    $metadata: { attempts: 3 },
  });
  const { doc, calls } = scripted((call) => (call === 1 ? throttle : { UnprocessedItems: {} }));
  const r = await batchWriteAll(doc, 't', items(10), noSleep);
  assert.equal(r.written, 10);
  assert.equal(calls.length, 2);
  assert.equal(r.sdkAttempts, 4, 'the SDK retries of the throttled call are counted');
});

test('after maxRounds the error names how many are left and carries them', async () => {
  const { doc } = scripted((_c, input) => ({ UnprocessedItems: { t: (input.RequestItems.t as unknown[]).slice(0, 2) } }));
  const err = await batchWriteAll(doc, 't', items(3), { ...noSleep, maxRounds: 3 }).catch((e: unknown) => e);
  assert.ok(err instanceof WorkshopError);
  assert.equal(err.code, 'BATCH_UNPROCESSED');
  assert.match(err.message, /2 write request\(s\) to t were still unprocessed after 3 re-drives \(1 written so far\)/);
  assert.equal((err as unknown as { unprocessed: unknown[] }).unprocessed.length, 2);
});

test('other errors are not swallowed', async () => {
  const boom = Object.assign(new Error('bad'), { name: 'ValidationException' });
  const { doc } = scripted(() => boom);
  await assert.rejects(batchWriteAll(doc, 't', items(1), noSleep), /bad/);
});

test('BatchGet: chunks of 100 and UnprocessedKeys re-driven', async () => {
  const { doc, calls } = scripted((call, input) => {
    const keys = (input.RequestItems.t as unknown as { Keys: unknown[] }).Keys;
    if (call === 1) return { Responses: { t: keys.slice(0, 90) }, UnprocessedKeys: { t: { Keys: keys.slice(90) } } };
    return { Responses: { t: keys }, UnprocessedKeys: {} };
  });
  const r = await batchGetAll(
    doc,
    't',
    items(150).map(({ PK, SK }) => ({ PK, SK })),
    noSleep,
  );
  assert.equal(r.items.length, 150);
  assert.equal(r.redriven, 10);
  assert.deepEqual(
    calls.map((c) => (c.RequestItems.t as unknown as { Keys: unknown[] }).Keys.length),
    [100, 10, 50],
  );
});

test('full-jitter backoff stays under an exponentially growing, capped ceiling', () => {
  assert.equal(
    backoffDelay(0, 50, 2000, () => 0.999),
    49,
  );
  assert.equal(
    backoffDelay(3, 50, 2000, () => 0.999),
    399,
  );
  assert.equal(
    backoffDelay(10, 50, 2000, () => 0.999),
    1998,
  );
  assert.equal(
    backoffDelay(5, 50, 2000, () => 0),
    0,
  );
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});
