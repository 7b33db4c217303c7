// Cleanup against a real DynamoDB Local: it deletes the attendee's own tables and nothing else, is idempotent, and
// lists what remains. (The AWS path, where ownership is the Owner tag, is in cleanup-plan.test.ts: the local engine
// has no tags.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { WorkshopError } from '../../src/errors';
import { describeTable, ensureTable, waitActive, workshopTableInput } from '../../src/table';
import {
  cleanup,
  deleteOwnTable,
  executeCleanup,
  formatCleanupPlan,
  listAllTables,
  planCleanupFor,
  recordSharedOwner,
  waitUntilGone,
} from '../../src/cleanup';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
before(async () => {
  t = await startTestLocal('me');
});
after(async () => {
  await t.stop();
});

async function createTable(name: string, extra: { deletionProtection?: boolean } = {}): Promise<void> {
  await t.clients.ddb.send(
    new CreateTableCommand({ ...workshopTableInput(name), DeletionProtectionEnabled: extra.deletionProtection }),
  );
  await waitActive(t.clients.ddb, name);
}

async function exists(name: string): Promise<boolean> {
  return (await describeTable(t.clients.ddb, name)) !== undefined;
}

const FOREIGN = ['unrelated-table', 'ws-att-me2', 'ws-att-other', 'ws-shared'];

test("only the attendee's tables go; foreign tables stay; a second run is a no-op; what remains is listed", async () => {
  await ensureTable(t.clients); // ws-att-me, as notebook 00 creates it
  await createTable('ws-cost-me');
  for (const name of FOREIGN) await createTable(name);

  const plan = await planCleanupFor(t.clients);
  assert.deepEqual(
    plan.delete.map((d) => d.table),
    ['ws-att-me', 'ws-cost-me'],
  );
  assert.deepEqual(
    plan.keep.map((k) => k.table),
    FOREIGN,
  );
  assert.ok(plan.keep.every((k) => !k.yours && k.reason.length > 0));
  assert.match(formatCleanupPlan(plan), /keep +ws-shared +the shared table: kept unless you pass \{ includeShared: true \}/);

  const logged: string[] = [];
  const first = await executeCleanup(t.clients, plan, { log: (l) => logged.push(l) });
  assert.deepEqual(
    first.deleted.map((d) => d.table),
    ['ws-att-me', 'ws-cost-me'],
  );
  assert.ok(first.deleted.every((d) => d.seconds >= 0));
  assert.equal(first.nothingToDelete, false);
  assert.deepEqual(first.refused, []);
  assert.equal(await exists('ws-att-me'), false);
  assert.equal(await exists('ws-cost-me'), false);
  for (const name of FOREIGN) assert.equal(await exists(name), true, `${name} must survive`);
  assert.deepEqual(
    first.remaining.map((r) => [r.table, r.yours]),
    FOREIGN.map((n) => [n, false]),
  );
  assert.deepEqual(logged, first.messages);
  assert.match(first.messages.join('\n'), /deleted ws-att-me: DescribeTable now answers ResourceNotFoundException/);
  assert.match(
    first.messages[first.messages.length - 1],
    /^remaining: 4 table\(s\) \(unrelated-table, ws-att-me2, ws-att-other, ws-shared\); yours among them: none$/,
  );

  const second = await cleanup(t.clients);
  assert.equal(second.nothingToDelete, true);
  assert.deepEqual([second.deleted, second.alreadyGone, second.refused], [[], [], []]);
  assert.match(second.messages[0], /^nothing to delete: none of your tables \(ws-att-me, ws-cost-me\) exists$/);
  assert.deepEqual(second.remaining, first.remaining);
  assert.deepEqual(await listAllTables(t.clients.ddb), FOREIGN);
});

test('a plan is re-checked before acting: a forged entry is refused, a vanished one reported as gone', async () => {
  await ensureTable(t.clients);
  const plan = await planCleanupFor(t.clients);
  const forged = {
    ...plan,
    delete: [...plan.delete, { table: 'ws-att-other', reason: 'forged' }, { table: 'ws-cost-me', reason: 'stale' }],
  };
  const res = await executeCleanup(t.clients, forged);
  assert.deepEqual(
    res.deleted.map((d) => d.table),
    ['ws-att-me'],
  );
  assert.deepEqual(
    res.refused.map((r) => r.table),
    ['ws-att-other'],
  );
  assert.match(res.refused[0].reason, /belongs to attendee "other"/);
  assert.deepEqual(res.alreadyGone, ['ws-cost-me']);
  assert.equal(await exists('ws-att-other'), true);
  // A plan made for someone else is refused outright.
  await assert.rejects(
    executeCleanup(t.clients, { ...plan, attendeeId: 'other' }),
    (err: unknown) => (err as WorkshopError).code === 'CLEANUP_PLAN_MISMATCH',
  );
});

test('deleteOwnTable refuses anything that is not yours, with the reason', async () => {
  await assert.rejects(
    deleteOwnTable(t.clients, 'unrelated-table'),
    /Refusing to delete unrelated-table: not a workshop table of yours/,
  );
  await assert.rejects(deleteOwnTable(t.clients, 'ws-att-other'), /Refusing to delete ws-att-other: belongs to attendee "other"/);
  assert.equal(await deleteOwnTable(t.clients, 'ws-cost-me'), false, 'missing: nothing to do');
  await createTable('ws-cost-me');
  assert.equal(await deleteOwnTable(t.clients, 'ws-cost-me'), true);
  assert.equal(await exists('ws-cost-me'), false);
});

test('the shared table locally: kept without an owner record, with another owner, deleted only when recorded as yours', async () => {
  let plan = await planCleanupFor(t.clients, { includeShared: true });
  assert.match(plan.keep.find((k) => k.table === 'ws-shared')!.reason, /holds no owner record/);
  await recordSharedOwner(t.clients, 'instructor');
  plan = await planCleanupFor(t.clients, { includeShared: true });
  assert.match(plan.keep.find((k) => k.table === 'ws-shared')!.reason, /owner record says instructor/);
  await assert.rejects(recordSharedOwner(t.clients), (err: unknown) => (err as WorkshopError).code === 'SHARED_OWNER_TAKEN');
  const res = await cleanup(t.clients, { includeShared: true });
  assert.equal(await exists('ws-shared'), true);
  assert.equal(res.nothingToDelete, true);

  // A shared table whose recorded owner is the attendee (named ws-shared-mine here, via sharedTable) does go.
  await createTable('ws-shared-mine');
  await recordSharedOwner(t.clients, 'me', 'ws-shared-mine');
  await recordSharedOwner(t.clients, 'me', 'ws-shared-mine'); // idempotent for the same owner
  const mine = await cleanup(t.clients, { includeShared: true, sharedTable: 'ws-shared-mine' });
  assert.deepEqual(
    mine.deleted.map((d) => d.table),
    ['ws-shared-mine'],
  );
  assert.equal(await exists('ws-shared'), true);
});

test('deletion protection keeps your table until it is turned off deliberately', async () => {
  await createTable('ws-att-me', { deletionProtection: true });
  const d = await t.clients.ddb.send(new DescribeTableCommand({ TableName: 'ws-att-me' }));
  assert.equal(d.Table?.DeletionProtectionEnabled, true, 'DynamoDB Local 3.x honours deletion protection');
  // The engine itself refuses, as AWS does; cleanup does not even try.
  await assert.rejects(t.clients.ddb.send(new DeleteTableCommand({ TableName: 'ws-att-me' })), /protected against deletion/);
  const res = await cleanup(t.clients);
  assert.deepEqual(res.deleted, []);
  assert.deepEqual(
    res.remaining.filter((r) => r.yours).map((r) => r.table),
    ['ws-att-me'],
  );
  assert.match(res.messages[res.messages.length - 1], /yours among them: ws-att-me$/);
  await t.clients.ddb.send(new UpdateTableCommand({ TableName: 'ws-att-me', DeletionProtectionEnabled: false }));
  await waitActive(t.clients.ddb, 'ws-att-me');
  const again = await cleanup(t.clients);
  assert.deepEqual(
    again.deleted.map((x) => x.table),
    ['ws-att-me'],
  );
});

test('waitUntilGone times out with a clear error for a table that stays', async () => {
  await assert.rejects(
    waitUntilGone(t.clients.ddb, 'unrelated-table', { timeoutMs: 300, intervalMs: 50 }),
    (err: unknown) =>
      (err as WorkshopError).code === 'TABLE_DELETE_TIMEOUT' && /still exists \(status ACTIVE\)/.test((err as Error).message),
  );
});
