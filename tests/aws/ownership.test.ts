// Issue 11 #2: ensureTable never claims a table it did not create. Only the creator tags (Owner=<id>, in CreateTable);
// an existing table's Owner tag is read and reported, never changed — so attendee B using attendee A's ws-shared
// cannot turn it into B's (and B's cleanup never plans to delete it), and a ws-att-<id> tagged for someone else is
// refused with what to do. Tags exist only on AWS (DynamoDB Local refuses them): against the AWS stand-in (moto).
// The SDK reads AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE / AWS_PROFILE from process.env: this file sets them on
// its own process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { SHARED_TABLE } from '../../src/cleanup';
import { createClients, type WorkshopClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { isWorkshopError } from '../../src/errors';
import { describeTable, ensureTable, workshopTableInput } from '../../src/table';
import { executeCleanup, planCleanupFor } from '../../src/cleanup';
import { type AwsStandin, AWS_ENV_VARS, startAwsStandin } from '../helpers/aws-standin';

let standin: AwsStandin;
const saved = { ...process.env };
const opened: WorkshopClients[] = [];

before(async () => {
  standin = await startAwsStandin();
  for (const k of AWS_ENV_VARS) delete process.env[k];
  Object.assign(process.env, standin.env);
});
after(async () => {
  for (const c of opened) c.ddb.destroy();
  process.env = saved;
  await standin.stop();
});

async function attendee(id: string): Promise<WorkshopClients> {
  const clients = await createClients(loadConfig({ ...standin.env, ATTENDEE_ID: id }));
  opened.push(clients);
  assert.equal(clients.config.target, 'aws');
  assert.equal(clients.endpoint, standin.endpoint, 'the client reaches the stand-in through the profile endpoint_url');
  return clients;
}

async function tagsOf(clients: WorkshopClients, table: string): Promise<{ Key?: string; Value?: string }[]> {
  const d = await describeTable(clients.ddb, table);
  assert.ok(d?.TableArn, `${table} exists`);
  return (await clients.ddb.send(new ListTagsOfResourceCommand({ ResourceArn: d.TableArn }))).Tags ?? [];
}

test("B using A's ws-shared: reported as A's, never re-tagged, and B's cleanup does not delete it", async () => {
  await standin.reset();
  const a = await attendee('a1');
  const b = await attendee('b1');

  const mine = await ensureTable(a, { tableName: SHARED_TABLE });
  assert.equal(mine.created, true);
  assert.equal(mine.ownerTag, 'mine', 'the creator tags it, in CreateTable');
  assert.equal(mine.owner, 'a1');
  assert.deepEqual(await tagsOf(a, SHARED_TABLE), [{ Key: 'Owner', Value: 'a1' }]);

  const theirs = await ensureTable(b, { tableName: SHARED_TABLE });
  assert.equal(theirs.created, false);
  assert.equal(theirs.ownerTag, 'other');
  assert.equal(theirs.owner, 'a1');
  assert.match(theirs.ownership, /ws-shared belongs to a1: using it, not claiming it/);
  // twice, as a re-run cell would
  assert.equal((await ensureTable(b, { tableName: SHARED_TABLE })).ownerTag, 'other');
  assert.deepEqual(await tagsOf(b, SHARED_TABLE), [{ Key: 'Owner', Value: 'a1' }], 'the Owner tag is still A alone');

  // B's cleanup, even when asked to include the shared table, keeps it; A's deletes it.
  const planB = await planCleanupFor(b, { includeShared: true });
  assert.deepEqual(
    planB.delete.map((d) => d.table),
    [],
  );
  assert.match(planB.keep.find((k) => k.table === SHARED_TABLE)?.reason ?? '', /not provably yours.*Owner=a1/);
  const resultB = await executeCleanup(b, planB);
  assert.deepEqual(resultB.deleted, []);
  assert.ok(await describeTable(a.ddb, SHARED_TABLE), "ws-shared survives B's cleanup");

  const planA = await planCleanupFor(a, { includeShared: true });
  assert.deepEqual(
    planA.delete.map((d) => d.table),
    [SHARED_TABLE],
  );
});

test("a ws-att-<id> tagged for someone else is refused with what to do, and not re-tagged; B's cleanup keeps it", async () => {
  await standin.reset();
  const a = await attendee('a1');
  const b = await attendee('b1');
  // A created the table named after B (say, for B, as an instructor would): tagged Owner=a1.
  await ensureTable(a, { tableName: 'ws-att-b1' });
  assert.deepEqual(await tagsOf(a, 'ws-att-b1'), [{ Key: 'Owner', Value: 'a1' }]);

  await assert.rejects(ensureTable(b), (err: unknown) => {
    assert.ok(isWorkshopError(err), `a WorkshopError, got ${String(err)}`);
    assert.equal(err.code, 'TABLE_NOT_YOURS');
    assert.match(err.message, /ws-att-b1 .*tagged Owner=a1/);
    assert.match(err.message, /ask the instructor/);
    return true;
  });
  assert.deepEqual(await tagsOf(b, 'ws-att-b1'), [{ Key: 'Owner', Value: 'a1' }], 'the Owner tag is unchanged');

  const planB = await planCleanupFor(b);
  assert.deepEqual(
    planB.delete.map((d) => d.table),
    [],
  );
  assert.match(planB.keep.find((k) => k.table === 'ws-att-b1')?.reason ?? '', /ask the instructor/);
});

test('an existing table without an Owner tag is used and reported as unowned, never tagged', async () => {
  await standin.reset();
  const b = await attendee('b1');
  await b.ddb.send(new CreateTableCommand(workshopTableInput('ws-att-b1')));
  const r = await ensureTable(b);
  assert.equal(r.created, false);
  assert.equal(r.ownerTag, 'none');
  assert.equal(r.owner, undefined);
  assert.match(r.ownership, /ws-att-b1 has no Owner tag: using it, not claiming it/);
  assert.match(r.ownership, /ask the instructor/);
  assert.deepEqual(await tagsOf(b, 'ws-att-b1'), [], 'still untagged');
  // consistent with cleanup: not provably B's, so kept
  const plan = await planCleanupFor(b);
  assert.deepEqual(
    plan.delete.map((d) => d.table),
    [],
  );
});

test("the attendee's own table: created and tagged once at creation, then reported as theirs", async () => {
  await standin.reset();
  const b = await attendee('b1');
  const first = await ensureTable(b);
  assert.deepEqual([first.created, first.ownerTag, first.owner], [true, 'mine', 'b1']);
  const again = await ensureTable(b);
  assert.deepEqual([again.created, again.ownerTag, again.owner], [false, 'mine', 'b1']);
  assert.match(again.ownership, /ws-att-b1 is yours: tagged Owner=b1/);
  assert.deepEqual(await tagsOf(b, 'ws-att-b1'), [{ Key: 'Owner', Value: 'b1' }], 'one Owner tag, not two');
  const plan = await planCleanupFor(b);
  assert.deepEqual(
    plan.delete.map((d) => d.table),
    ['ws-att-b1'],
  );
});
