// Exhausted batch retries against a real DynamoDB Local behind the throttling emulator: every item is either
// stored or carried by the error, and following the error's own advice stores the rest (issue 13, major 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { batchGetAll, BatchUnprocessedError, batchWriteAll } from '../../src/batch';
import { createClients } from '../../src/client';
import { queryAll } from '../../src/reads';
import { ensureTable } from '../../src/table';
import { eventSk, runWriteWorkload } from '../../src/workload';
import { emulateThrottling } from '../../src/local/emulator';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
let table: string;
before(async () => {
  t = await startTestLocal('exhaust');
  table = (await ensureTable(t.clients)).tableName;
});
after(async () => {
  await t.stop();
});

/** Virtual time (10 ms per decision): what is throttled does not depend on this machine's speed. */
function steppingClock(stepMs = 10): () => number {
  let now = 0;
  return () => (now += stepMs);
}

const key = (i: Record<string, unknown>) => `${i.PK}|${i.SK}`;

async function storedKeys(pk: string): Promise<Set<string>> {
  const back = await queryAll(t.clients.doc, {
    TableName: table,
    KeyConditionExpression: 'PK = :p',
    ExpressionAttributeValues: { ':p': pk },
  });
  return new Set(back.items.map(key));
}

function asUnprocessed(err: unknown): BatchUnprocessedError {
  assert.ok(err instanceof BatchUnprocessedError, `a BatchUnprocessedError, got ${err}`);
  assert.equal(err.code, 'BATCH_UNPROCESSED');
  return err;
}

/** stored + reported == all, none in both, none in neither. */
function assertAccounted(
  all: readonly Record<string, unknown>[],
  stored: Set<string>,
  reported: readonly Record<string, unknown>[],
) {
  const rep = new Set(reported.map(key));
  assert.equal(rep.size, reported.length, 'nothing reported twice');
  assert.deepEqual(
    [...rep].filter((k) => stored.has(k)),
    [],
    'stored and reported as not written',
  );
  assert.deepEqual(
    all.map(key).filter((k) => !stored.has(k) && !rep.has(k)),
    [],
    'neither stored nor reported',
  );
}

test('batchWriteAll gives up on a hot key: stored + err.unprocessed == all 200, and the advised retry stores everything', async () => {
  // No SDK retries and 2 re-drives: the table keeps refusing long enough for the batch to give up.
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  const emu = emulateThrottling(clients, { scale: 0.005, clock: steppingClock() }); // 5 WCU/s per partition
  try {
    const pk = 'HOT#exhaust-write';
    const items = Array.from({ length: 200 }, (_, i) => ({ PK: pk, SK: `e${String(i).padStart(4, '0')}`, v: i }));
    const err = asUnprocessed(await batchWriteAll(clients.doc, table, items, { maxRounds: 2, baseDelayMs: 1 }).catch((e) => e));
    const stored = await storedKeys(pk);
    assert.ok(stored.size > 0 && stored.size < 25, `part of the first chunk was written (${stored.size})`);
    assert.equal(err.written, stored.size);
    assert.equal(err.unprocessed.length, 200 - stored.size);
    assertAccounted(items, stored, err.unprocessed);
    assert.match(err.message, new RegExp(`${200 - stored.size} of 200 item\\(s\\) were not written to ${table}`));
    assert.match(err.message, /never sent/);

    // What the message says to do, once the throttling has passed.
    const fix = /await ws\.batchWriteAll\(clients\.doc, '([^']+)', err\.unprocessed\)/.exec(err.message);
    assert.ok(fix, err.message);
    assert.equal(fix[1], table);
    emu.enabled = false;
    const again = await batchWriteAll(clients.doc, fix[1], err.unprocessed);
    assert.equal(again.written, err.unprocessed.length);
    assert.equal((await storedKeys(pk)).size, 200);
  } finally {
    emu.uninstall();
    clients.ddb.destroy();
  }
});

test('batchGetAll gives up on a hot key: err.items + err.unprocessed == all 250 keys, and the advised retry reads the rest', async () => {
  const pk = 'HOT#exhaust-read';
  const items = Array.from({ length: 250 }, (_, i) => ({ PK: pk, SK: `r${String(i).padStart(4, '0')}`, v: i }));
  await batchWriteAll(t.clients.doc, table, items); // no emulator: plain writes
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  const emu = emulateThrottling(clients, { scale: 0.01, clock: steppingClock() }); // 30 RCU/s per partition
  try {
    const keys = items.map(({ PK, SK }) => ({ PK, SK }));
    const err = asUnprocessed(await batchGetAll(clients.doc, table, keys, { maxRounds: 1, baseDelayMs: 1 }).catch((e) => e));
    assert.ok(err.items.length > 0, 'some items were read before giving up');
    assertAccounted(keys, new Set(err.items.map(key)), err.unprocessed);
    assert.equal(err.items.length + err.unprocessed.length, 250);
    assert.match(err.message, /in err\.items/);
    emu.enabled = false;
    const rest = await batchGetAll(clients.doc, table, err.unprocessed);
    assert.equal(new Set([...err.items, ...rest.items].map((i) => i.v)).size, 250);
  } finally {
    emu.uninstall();
    clients.ddb.destroy();
  }
});

test('runWriteWorkload that gives up stops every writer and accounts for every event', async () => {
  const clients = await createClients(t.clients.config, { startLocal: false, sdk: { maxAttempts: 1 } });
  const emu = emulateThrottling(clients, { scale: 0.005 }); // 5 WCU/s per partition, real time
  try {
    const pk = 'HOT#exhaust-workload';
    const events = 300;
    const err = asUnprocessed(
      await runWriteWorkload(clients.doc, {
        tableName: table,
        events,
        pkFor: () => pk,
        writers: 4,
        maxRounds: 1,
        emulator: emu,
      }).catch((e) => e),
    );
    const decisionsAtRejection = emu.decisions.length;
    const stored = await storedKeys(pk);
    const all = Array.from({ length: events }, (_, n) => ({ PK: pk, SK: eventSk(n, n) }));
    assertAccounted(all, stored, err.unprocessed);
    assert.equal(err.written, stored.size);
    // Nothing is still writing: no request reaches the table after the rejection.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(emu.decisions.length, decisionsAtRejection, 'a writer kept writing after the workload rejected');
    assert.equal((await storedKeys(pk)).size, stored.size);
  } finally {
    emu.uninstall();
    clients.ddb.destroy();
  }
});
