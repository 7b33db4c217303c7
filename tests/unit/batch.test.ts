// Re-drive logic of src/batch.ts against a scripted stand-in for DynamoDB's answers (the connected and
// emulator tests exercise the real engine; here we need exact control over what comes back unprocessed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffDelay, batchDeleteAll, batchGetAll, batchWriteAll, chunk } from '../../src/batch';
import { WorkshopError } from '../../src/errors';
import { eventSk, runWriteWorkload } from '../../src/workload';

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
  assert.match(err.message, /2 of 3 item\(s\) were not written to t \(1 written\): 2 still unprocessed after 3 re-drives\./);
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

// ---- Exhausted retries: every item is either stored or reported (issue 13, major 2) ----

type Req = { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } };
const keyString = (i: Record<string, unknown>) => `${i.PK}|${i.SK}`;

/**
 * A fake table that really stores what a BatchWriteItem/BatchGetItem call admits. `refuse(call, requests)` says
 * which requests of a call come back unprocessed; `inFlight` counts calls not yet answered.
 */
function fakeTable(
  refuse: (call: number, entries: Record<string, unknown>[]) => Set<number>,
  latencyMs: (entries: Record<string, unknown>[]) => number = () => 0,
) {
  const stored = new Map<string, Record<string, unknown>>();
  const state = { calls: 0, inFlight: 0 };
  const doc = {
    send: async (cmd: { input: { RequestItems: Record<string, unknown> } }) => {
      state.calls++;
      state.inFlight++;
      try {
        const [table, perTable] = Object.entries(cmd.input.RequestItems)[0];
        const entries = Array.isArray(perTable)
          ? (perTable as Req[]).map((r) => (r.PutRequest?.Item ?? r.DeleteRequest?.Key) as Record<string, unknown>)
          : (perTable as { Keys: Record<string, unknown>[] }).Keys;
        await new Promise((r) => setTimeout(r, latencyMs(entries))); // answered later, as a network call would be
        if (Array.isArray(perTable)) {
          const reqs = perTable as Req[];
          const refused = refuse(state.calls, entries);
          reqs.forEach((r, i) => {
            if (refused.has(i)) return;
            if (r.PutRequest) stored.set(keyString(r.PutRequest.Item), r.PutRequest.Item);
            if (r.DeleteRequest) stored.delete(keyString(r.DeleteRequest.Key));
          });
          return { $metadata: { attempts: 1 }, UnprocessedItems: { [table]: reqs.filter((_, i) => refused.has(i)) } };
        }
        const keys = entries;
        const refused = refuse(state.calls, keys);
        return {
          $metadata: { attempts: 1 },
          Responses: {
            [table]: keys
              .filter((_, i) => !refused.has(i))
              .map((k) => stored.get(keyString(k)))
              .filter(Boolean),
          },
          UnprocessedKeys: { [table]: { Keys: keys.filter((_, i) => refused.has(i)) } },
        };
      } finally {
        state.inFlight--;
      }
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, stored, state };
}

/** The exhausted-batch error, as a caller reads it (a BatchUnprocessedError). */
function unwritten(
  err: unknown,
): WorkshopError & { unprocessed: Record<string, unknown>[]; written: number; items: Record<string, unknown>[] } {
  assert.ok(err instanceof WorkshopError, `a WorkshopError, got ${err}`);
  assert.equal(err.code, 'BATCH_UNPROCESSED');
  return err as WorkshopError & { unprocessed: Record<string, unknown>[]; written: number; items: Record<string, unknown>[] };
}

const all = (n: number) => new Set(Array.from({ length: n }, (_, i) => i));
const none = () => new Set<number>();

/** stored + reported == everything, none in both, none in neither. */
function assertAccounted(
  everything: readonly Record<string, unknown>[],
  stored: Set<string>,
  reported: readonly Record<string, unknown>[],
) {
  const rep = reported.map(keyString);
  assert.equal(new Set(rep).size, rep.length, 'no item reported twice');
  for (const k of rep) assert.ok(!stored.has(k), `${k} is both stored and reported as not written`);
  const neither = everything.map(keyString).filter((k) => !stored.has(k) && !rep.includes(k));
  assert.deepEqual(neither, [], 'items neither stored nor reported');
  assert.equal(stored.size + rep.length, everything.length);
}

test('exhausted write retries: the error carries every item not written, including chunks never sent', async () => {
  // The measured case: 200 items, the first call stores 4 of 25, then the table refuses everything.
  const { doc, stored } = fakeTable((call, reqs) =>
    call === 1 ? new Set(Array.from({ length: 21 }, (_, i) => i + 4)) : all(reqs.length),
  );
  const everything = items(200);
  const err = unwritten(await batchWriteAll(doc, 't', everything, { ...noSleep, maxRounds: 2 }).catch((e: unknown) => e));
  assert.equal(stored.size, 4);
  assert.equal(err.written, 4);
  assert.equal(err.unprocessed.length, 196);
  assertAccounted(everything, new Set(stored.keys()), err.unprocessed);
  assert.deepEqual(err.unprocessed[0], everything[4], 'the unprocessed are the items themselves, ready to send again');
  assert.match(err.message, /196 of 200 item\(s\) were not written to t \(4 written\)/);
  assert.match(err.message, /21 still unprocessed after 2 re-drives, 175 never sent/);
  assert.match(err.message, /batchWriteAll\(clients\.doc, 't', err\.unprocessed\)/);
});

test("following the error's own fix stores everything", async () => {
  let throttling = true;
  const { doc, stored } = fakeTable((call, reqs) => (throttling && call > 1 ? all(reqs.length) : none()));
  const everything = items(120);
  const err = unwritten(await batchWriteAll(doc, 't', everything, { ...noSleep, maxRounds: 1 }).catch((e: unknown) => e));
  throttling = false; // "wait a few seconds"
  const again = await batchWriteAll(doc, 't', err.unprocessed, noSleep);
  assert.equal(again.written, err.unprocessed.length);
  assert.equal(stored.size, 120);
});

test('exhausted delete retries carry the keys not deleted, and re-running with them finishes', async () => {
  let admitted = Number.POSITIVE_INFINITY;
  const { doc, stored } = fakeTable((_call, reqs) => (admitted-- > 0 ? none() : all(reqs.length)));
  const everything = items(60);
  await batchWriteAll(doc, 't', everything, noSleep);
  admitted = 1; // the first delete call goes through, then the table refuses
  const err = unwritten(await batchDeleteAll(doc, 't', everything, { ...noSleep, maxRounds: 1 }).catch((e: unknown) => e));
  assert.equal(err.written, 25);
  assert.equal(err.unprocessed.length, 35);
  assert.equal(stored.size, 35, 'exactly the reported keys are still there');
  for (const k of err.unprocessed) assert.ok(stored.has(keyString(k)));
  assert.deepEqual(Object.keys(err.unprocessed[0]).sort(), ['PK', 'SK'], 'keys, ready for batchDeleteAll');
  assert.match(err.message, /batchDeleteAll\(clients\.doc, 't', err\.unprocessed\)/);
  admitted = Number.POSITIVE_INFINITY;
  await batchDeleteAll(doc, 't', err.unprocessed, noSleep);
  assert.equal(stored.size, 0);
});

test('exhausted read retries: the error carries every key not read and every item that was read', async () => {
  let admitted = Number.POSITIVE_INFINITY; // calls still answered in full; the rest are refused whole
  const { doc } = fakeTable((_call, entries) => (admitted-- > 0 ? none() : all(entries.length)));
  const everything = items(250);
  await batchWriteAll(doc, 't', everything, noSleep);
  const keys = everything.map(({ PK, SK }) => ({ PK, SK }));
  admitted = 1; // the first read call reads its 100 keys, then the table refuses every read
  const err = unwritten(await batchGetAll(doc, 't', keys, { ...noSleep, maxRounds: 1 }).catch((e: unknown) => e));
  assert.equal(err.items.length, 100, 'the items already read are handed back');
  assert.equal(err.unprocessed.length, 150, 'every key not read: the failing chunk and the chunk never sent');
  assertAccounted(keys, new Set(err.items.map(keyString)), err.unprocessed);
  assert.match(err.message, /150 of 250 key\(s\) of t were not read \(100 read, in err\.items\)/);
  assert.match(err.message, /batchGetAll\(clients\.doc, 't', err\.unprocessed\)/);
  admitted = Number.POSITIVE_INFINITY;
  const rest = await batchGetAll(doc, 't', err.unprocessed, noSleep);
  assert.equal(rest.items.length + err.items.length, 250);
});

test('a stopped batch (signal) sends nothing more and reports what it did not write', async () => {
  const { doc, stored, state } = fakeTable(() => none());
  const stop = new AbortController();
  stop.abort();
  const err = unwritten(await batchWriteAll(doc, 't', items(30), { ...noSleep, signal: stop.signal }).catch((e: unknown) => e));
  assert.equal(state.calls, 0);
  assert.equal(stored.size, 0);
  assert.equal(err.unprocessed.length, 30);
});

test('runWriteWorkload: one exhausted batch stops every writer; the rejection accounts for every event', async () => {
  // Batches of the hot key are always refused at once; the others are written, slowly enough that the hot batch
  // gives up (2 calls, at most 150 ms of backoff) long before 39 cold batches (13 x 50 ms per writer) are done.
  const { doc, stored, state } = fakeTable(
    (_call, reqs) => new Set(reqs.flatMap((r, i) => (r.PK === 'HOT' ? [i] : []))),
    (entries) => (entries[0].PK === 'HOT' ? 0 : 50),
  );
  const events = 1000;
  const pkFor = (n: number) => (n < 25 ? 'HOT' : `COLD#${n % 7}`);
  const rejected = await runWriteWorkload(doc, { tableName: 't', events, pkFor, writers: 4, maxRounds: 1 }).catch(
    (e: unknown) => e,
  );
  const callsAtRejection = state.calls;
  assert.equal(state.inFlight, 0, 'no call was still running when the workload rejected');
  const err = unwritten(rejected);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(state.calls, callsAtRejection, 'no writer kept writing after the rejection');
  const everything = Array.from({ length: events }, (_, n) => ({ PK: pkFor(n), SK: eventSk(n, n) }));
  assertAccounted(everything, new Set(stored.keys()), err.unprocessed);
  assert.equal(err.written, stored.size);
  assert.ok(stored.size < events - 25, 'the writers stopped before the end');
  assert.match(err.message, new RegExp(`${events - stored.size} of ${events} item\\(s\\) were not written to t`));
  assert.match(err.message, /batchWriteAll\(clients\.doc, 't', err\.unprocessed\)/);
  // following the fix writes the rest
  const hotless = err.unprocessed.filter((i) => i.PK !== 'HOT');
  await batchWriteAll(doc, 't', hotless, noSleep);
  assert.equal(stored.size, events - 25);
});
