// Watching the room: checkpoint results recorded (opt-in) in ws-room, each attendee fenced to their own items by the
// room policy (enforced here by the workshop's IAM evaluator, as section 4 does), and the instructor's view of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clientOptions, createClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { withControlPlaneRetry } from '../../src/control-plane';
import { evaluateCheckpoint } from '../../src/exercises';
import { AbacEnforcer } from '../../src/local/enforcer';
import {
  consumedCapacityQueries,
  type FinishedItem,
  progressUpdate,
  readRoom,
  recordCheckpoint,
  roomCostFromUsage,
  roomCostLine,
  type RoomItem,
  roomPolicy,
  roomSettings,
  roomView,
  sectionFinished,
  type UsageItem,
} from '../../src/room/room';
import { ensureTable } from '../../src/table';
import { assumedRoleArn, LOCAL_ACCOUNT_ID, tableArn } from '../../src/tenancy/policy';
import { meteredUnits } from '../../src/room/meter';
import { TABLE_OPERATIONS_TABLE } from '../../src/local/table-operations';
import { CreateTableCommand, DeleteTableCommand, LimitExceededException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNotebooks, type Notebook } from '../../tools/runner/index';
import { startTestLocal, type TestLocal } from '../helpers/local';
import { venvDir } from '../helpers/aws-standin';
import { outputsOf, printed } from '../helpers/notebook-outputs';

const repo = path.resolve(__dirname, '..', '..');

let t: TestLocal;
const ROOM = { room: 'sg-rehearsal', table: 'ws-room' };
const arn = () => tableArn('ws-room', { region: t.clients.config.region, accountId: LOCAL_ACCOUNT_ID });

/** An attendee's client as their permission set would have it: the room policy, their AttendeeId session tag. */
function attendeeDoc(id: string): { doc: DynamoDBDocumentClient; ddb: DynamoDBClient } {
  const ddb = new DynamoDBClient(clientOptions(t.clients.config));
  new AbacEnforcer({
    policy: roomPolicy({ tableArn: arn() }),
    principalArn: assumedRoleArn(LOCAL_ACCOUNT_ID, 'AWSReservedSSO_Attendee', `${id}@example.com`),
    principalTags: { AttendeeId: id },
    arn: { region: t.clients.config.region, accountId: LOCAL_ACCOUNT_ID },
    describer: t.clients.ddb,
  }).install(ddb);
  return { ddb, doc: DynamoDBDocumentClient.from(ddb) };
}

before(async () => {
  t = await startTestLocal('room');
  await ensureTable(t.clients, { tableName: 'ws-room' });
  await ensureTable(t.clients); // ws-att-room: an attendee table that exists
});
after(async () => {
  await t.stop();
});

test('nothing is recorded unless WORKSHOP_ROOM is set; a bad room name is said once, never thrown', async () => {
  const lines: string[] = [];
  assert.equal(await recordCheckpoint('1 · x', 'passed', { env: { ATTENDEE_ID: 'a0' }, log: (l) => lines.push(l) }), undefined);
  assert.equal(lines.length, 0);
  const bad = await recordCheckpoint('1 · x', 'passed', {
    env: { ATTENDEE_ID: 'a0', WORKSHOP_ROOM: 'no spaces' },
    log: (l) => lines.push(l),
  });
  assert.equal(bad?.recorded, false);
  assert.match(lines.join('\n'), /WORKSHOP_ROOM="no spaces" is not a room name/);
});

test("an attendee records their own progress; another attendee's item and a Scan are denied", async () => {
  const a1 = attendeeDoc('a1');
  const lines: string[] = [];
  try {
    const env = { ATTENDEE_ID: 'a1', WORKSHOP_ROOM: ROOM.room, DDB_LOCAL_PORT: String(t.local.port) };
    for (const r of ['failed', 'failed', 'passed'] as const) {
      const out = await recordCheckpoint('1 · orders only, newest first', r, { env, doc: a1.doc, log: (l) => lines.push(l) });
      assert.deepEqual(out, { recorded: true });
    }
    assert.equal(lines.filter((l) => /shared with the instructor/.test(l)).length, 1, 'said once');
    const forge = progressUpdate('ws-room', {
      attendeeId: 'a2',
      room: ROOM.room,
      section: '1',
      checkpoint: '1 · orders only, newest first',
      result: 'passed',
      at: new Date(),
    });
    await assert.rejects(() => a1.doc.send(new UpdateCommand(forge)), { name: 'AccessDeniedException' });
    await assert.rejects(() => a1.doc.send(new ScanCommand({ TableName: 'ws-room' })), { name: 'AccessDeniedException' });
    // A denied write is reported once and does not fail the attendee's cell.
    const denied = await recordCheckpoint('2 · x', 'failed', {
      env: { ...env, ATTENDEE_ID: 'a2' },
      doc: a1.doc,
      log: (l) => lines.push(l),
    });
    assert.equal(denied?.recorded, false);
    assert.match(lines.join('\n'), /progress not recorded \(.*AccessDenied|denied/i);
  } finally {
    a1.ddb.destroy();
  }
  const items = (await readRoom(t.clients.doc, ROOM)) as RoomItem[];
  assert.equal(items.length, 1);
  assert.equal(items[0].attendee, 'a1');
  assert.equal(items[0].attempts, 3);
  assert.equal(items[0].result, 'passed');
  assert.ok(items[0].passedAt && items[0].firstAt <= items[0].passedAt);
});

test('a checkpoint attempt is shared with the room; the reference proving itself is not', async () => {
  const lines: string[] = [];
  const a3 = attendeeDoc('a3');
  try {
    const env = { ATTENDEE_ID: 'a3', WORKSHOP_ROOM: ROOM.room, DDB_LOCAL_PORT: String(t.local.port) };
    const cp = { id: '3 · shards', reference: 4, hint: 'more shards', check: (n: number) => (n === 4 ? [] : ['not 4']) };
    const notYet = await evaluateCheckpoint({ ...cp, attempt: undefined }, { log: (l) => lines.push(l), cellRuns: [] });
    assert.equal(notYet.status, 'not-attempted');
    const wrong = await evaluateCheckpoint({ ...cp, attempt: 3 }, { log: (l) => lines.push(l), cellRuns: [] });
    await recordCheckpoint(cp.id, wrong.status as 'failed', { env, doc: a3.doc, log: (l) => lines.push(l) });
  } finally {
    a3.ddb.destroy();
  }
  const mine = ((await readRoom(t.clients.doc, ROOM)) as RoomItem[]).filter((i) => i.attendee === 'a3');
  assert.deepEqual(
    mine.map((i) => [i.checkpoint, i.result, i.attempts]),
    [['3 · shards', 'failed', 1]],
  );
});

test("the instructor's view: heat map cells, who is stuck, how far each section is", () => {
  const at = '2026-12-02T10:00:00.000Z';
  const item = (attendee: string, checkpoint: string, result: RoomItem['result'], attempts: number): RoomItem => ({
    attendee,
    room: 'r',
    section: checkpoint.slice(0, 1),
    checkpoint,
    result,
    attempts,
    firstAt: at,
    lastAt: at,
    ...(result === 'passed' ? { passedAt: at } : {}),
  });
  const view = roomView([item('a1', '1 · q', 'passed', 1), item('a1', '3 · s', 'failed', 5), item('a2', '1 · q', 'failed', 2)], {
    attendees: ['a10', 'a2', 'a1'],
  });
  assert.deepEqual(view.attendees, ['a1', 'a2', 'a10']);
  assert.deepEqual(view.checkpoints, ['1 · q', '3 · s']);
  assert.deepEqual(
    view.cells.map((c) => `${c.attendee}/${c.checkpoint.slice(0, 1)}=${c.state}`),
    ['a1/1=passed', 'a1/3=failing', 'a2/1=failing', 'a2/3=not reached', 'a10/1=not reached', 'a10/3=not reached'],
  );
  assert.deepEqual(view.stuck, [{ attendee: 'a1', checkpoint: '3 · s', attempts: 5, since: at }]);
  assert.deepEqual(view.sections, [
    { section: '1', reached: 2, passed: 1, finished: 0, attendees: 3 },
    { section: '3', reached: 1, passed: 0, finished: 0, attendees: 3 },
  ]);
  // notebooks finished ("01" is section 1); a usage item is neither a checkpoint nor an attendee's progress
  const finished: FinishedItem = {
    kind: 'finished',
    attendee: 'a2',
    room: 'r',
    section: '01',
    finishedAt: at,
    lastAt: at,
    runs: 1,
  };
  const usage: UsageItem = {
    kind: 'usage',
    attendee: 'a1',
    room: 'r',
    section: '1',
    lastAt: at,
    readUnits: 8,
    writeUnits: 4,
    gsiReadUnits: 0,
    gsiWriteUnits: 2,
  };
  const withFinished = roomView([
    item('a1', '1 · q', 'passed', 1),
    finished,
    usage,
    { ...finished, section: '02', attendee: 'a1' },
  ]);
  assert.deepEqual(withFinished.checkpoints, ['1 · q']);
  assert.deepEqual(withFinished.sections, [
    { section: '1', reached: 2, passed: 1, finished: 1, attendees: 2 },
    { section: '2', reached: 1, passed: 0, finished: 1, attendees: 2 },
  ]);
  const cost = roomCostFromUsage([finished, usage, { ...usage, attendee: 'a2', writeUnits: 6 }], 'us-east-1');
  assert.deepEqual(cost.units, { readUnits: 16, writeUnits: 10, gsiReadUnits: 0, gsiWriteUnits: 4 });
  assert.equal(cost.estimate.region, 'us-east-1');
  assert.match(
    roomCostLine(cost),
    /^Room cost so far \(estimate\): \$0\.\d+ for 16 read and 14 write request units at .*\(us-east-1\) on-demand prices/,
  );
  assert.equal(roomSettings({ WORKSHOP_ROOM: 'x' })?.table, 'ws-room');
});

test("the instructor's room notebook runs on the rehearsal's data with zero failing cells", { timeout: 5 * 60_000 }, async () => {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-room-nb-'));
  const lines: string[] = [];
  const summary = await runNotebooks({
    paths: [path.join(repo, 'notebooks', 'instructor', 'room.ipynb')],
    outputDir,
    venv: venvDir,
    timeout: 120,
    env: {
      ...process.env,
      ATTENDEE_ID: 'instructor',
      WORKSHOP_TARGET: 'local',
      WORKSHOP_ROOM: ROOM.room,
      DDB_ENDPOINT: `http://127.0.0.1:${t.local.port}`,
    },
    log: (l: string) => lines.push(l),
  });
  assert.ok(summary.notebooks[0].ok, lines.join('\n'));
  const nb = JSON.parse(fs.readFileSync(path.join(outputDir, 'room.ipynb'), 'utf8')) as Notebook;
  const text = printed(nb);
  assert.match(text, /room sg-rehearsal in table ws-room/);
  assert.match(text, /OwnRoomProgressOnly/);
  assert.match(text, /ATTENDEE#\$\{aws:PrincipalTag\/AttendeeId\}#\*/);
  assert.match(text, /\d+ attendees, 2 checkpoints seen so far, 0 stuck/);
  const charts = outputsOf(nb).filter((o) => o.output_type === 'display_data' && o.data['application/vnd.vegalite.v5+json']);
  assert.equal(charts.length, 1, 'one heat map, refreshed in place');
  assert.match(text, /How far the room is, per section/);
  assert.match(text, /ws-att-room/, "the instructor sees the attendees' tables that exist");
  assert.match(text, /Room cost so far \(estimate\): \$[\d.]+ for \d+ read and \d+ write request units at .* on-demand prices/);
});

test("a finished section is one room item per attendee and section, with the kernel's metered consumption", async () => {
  const env = {
    ATTENDEE_ID: 'f1',
    WORKSHOP_TARGET: 'local',
    WORKSHOP_ROOM: ROOM.room,
    DDB_LOCAL_PORT: String(t.local.port),
  };
  const lines: string[] = [];
  // no room: nothing, not even a line
  assert.equal(
    await sectionFinished(loadConfig({ ...env, WORKSHOP_ROOM: '' }), t.clients, '01', {
      env: { ...env, WORKSHOP_ROOM: '' },
      log: (l) => lines.push(l),
    }),
    undefined,
  );
  assert.equal(lines.length, 0);
  // with a room, createClients meters what DynamoDB Local reports consumed, and hides it from answers that did not ask
  const config = loadConfig(env);
  const clients = await createClients(config, { startLocal: false, env });
  try {
    const before = meteredUnits().writeUnits;
    const put = await clients.doc.send(
      new PutCommand({ TableName: 'ws-att-room', Item: { PK: 'METER', SK: 'x', v: 'y'.repeat(1500) } }),
    );
    assert.equal(put.ConsumedCapacity, undefined, 'the attendee sees the answer they asked for');
    assert.equal(meteredUnits().writeUnits - before, 2, 'a 1.5 KB item: 2 write units, as DynamoDB Local reports');
    const asked = await clients.doc.send(
      new GetCommand({ TableName: 'ws-att-room', Key: { PK: 'METER', SK: 'x' }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    assert.equal(asked.ConsumedCapacity?.CapacityUnits, 0.5, 'an answer that asked keeps its ConsumedCapacity');
    for (let i = 0; i < 2; i++) {
      const r = await sectionFinished(config, clients, '01', { env, log: (l) => lines.push(l) });
      assert.deepEqual(r, { recorded: true });
    }
  } finally {
    clients.ddb.destroy();
  }
  assert.match(lines.join('\n'), /room sg-rehearsal: section 01 finished/);
  const mine = (await readRoom(t.clients.doc, ROOM)).filter((i) => i.attendee === 'f1');
  const fin = mine.find((i): i is FinishedItem => i.kind === 'finished');
  assert.equal(fin?.section, '01');
  assert.equal(fin?.runs, 2, 'one item per section: runs counted');
  const usage = mine.filter((i): i is UsageItem => i.kind === 'usage');
  assert.equal(usage.length, 1, 'one usage item per kernel, replaced (not added) by each report');
  assert.ok(usage[0].writeUnits >= 2 && usage[0].readUnits >= 0.5);
  const view = roomView(mine);
  assert.deepEqual(view.sections, [{ section: '1', reached: 1, passed: 0, finished: 1, attendees: 1 }]);
  assert.equal(consumedCapacityQueries(['ws-att-a', 'ws-att-b']).length, 4);
});

test('the emulated limit on simultaneous table operations answers LimitExceededException as AWS does, and the retries wait it out', {
  timeout: 60_000,
}, async () => {
  const env = {
    ATTENDEE_ID: 'lim1',
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(t.local.port),
    WORKSHOP_TABLE_OPERATION_LIMIT: '1',
    WORKSHOP_TABLE_OPERATION_SECONDS: '1.5',
  };
  // two kernels (clients), one engine: the second sees the first's operation in progress
  const one = await createClients(loadConfig(env), { startLocal: false, env, sdk: { maxAttempts: 1 } });
  const two = await createClients(loadConfig({ ...env, ATTENDEE_ID: 'lim2' }), {
    startLocal: false,
    env,
    sdk: { maxAttempts: 1 },
  });
  const create = (name: string) =>
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  try {
    await one.ddb.send(create('ws-lim-a'));
    const refused = await two.ddb.send(create('ws-lim-b')).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof LimitExceededException, `LimitExceededException, got ${String(refused)}`);
    assert.match((refused as Error).message, /Too many operations for a given subscriber/);
    assert.equal((refused as LimitExceededException).$metadata.httpStatusCode, 400);
    const lines: string[] = [];
    await withControlPlaneRetry('creating ws-lim-b', () => two.ddb.send(create('ws-lim-b')), {
      baseMs: 500,
      maxMs: 1000,
      log: (l) => lines.push(l),
    });
    assert.ok(lines.some((l) => /AWS is busy with other table operations in this account \(LimitExceededException\)/.test(l)));
    // without the setting, no limit (DynamoDB Local has none)
    const free = await createClients(loadConfig(env), { startLocal: false, env: { ...env, WORKSHOP_TABLE_OPERATION_LIMIT: '' } });
    try {
      await free.ddb.send(new DeleteTableCommand({ TableName: 'ws-lim-a' }));
      await free.ddb.send(new DeleteTableCommand({ TableName: 'ws-lim-b' }));
      await free.ddb.send(new DeleteTableCommand({ TableName: TABLE_OPERATIONS_TABLE }));
    } finally {
      free.ddb.destroy();
    }
  } finally {
    one.ddb.destroy();
    two.ddb.destroy();
  }
});
