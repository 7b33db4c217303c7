// Issue 13 (critical): notebook 06 must never delete a table it did not create in the same run. Two attendees share
// one DynamoDB Local here (as two attendees on port 8000 do): another attendee's `ws-att-someone-else`, with data,
// exists before this attendee runs 00_setup and 06_cleanup. Afterwards it is still there with its item, and 06
// deleted this attendee's own table, as it should.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { listAllTables } from '../../src/cleanup';
import { describeTable, waitActive, workshopTableInput } from '../../src/table';
import { runNotebooks } from '../../tools/runner/index';
import { startTestLocal, type TestLocal } from '../helpers/local';

const repo = path.resolve(__dirname, '..', '..');
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
const ME = 'nb06safe';
const OTHER_TABLE = 'ws-att-someone-else';
const OTHER_ITEM = { PK: { S: 'USER#precious' }, SK: { S: 'PROFILE#precious' }, note: { S: 'not yours to delete' } };

let t: TestLocal;
const outputDirs: string[] = [];
before(async () => {
  t = await startTestLocal('someone-else'); // the other attendee's clients, on the shared engine
});
after(async () => {
  await t.stop();
  for (const d of outputDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function createWithItem(name: string, item: Record<string, { S: string }>): Promise<void> {
  await t.clients.ddb.send(new CreateTableCommand(workshopTableInput(name)));
  await waitActive(t.clients.ddb, name);
  await t.clients.ddb.send(new PutItemCommand({ TableName: name, Item: item }));
}

async function itemOf(name: string, item: Record<string, { S: string }>): Promise<Record<string, unknown> | undefined> {
  const out = await t.clients.ddb.send(
    new GetItemCommand({ TableName: name, Key: { PK: item.PK, SK: item.SK }, ConsistentRead: true }),
  );
  return out.Item;
}

async function run(notebooks: string[]): Promise<{ ok: boolean; log: string; outputDir: string }> {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-nb06-'));
  outputDirs.push(outputDir);
  const lines: string[] = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATTENDEE_ID: ME,
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(t.local.port),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.DDB_ENDPOINT;
  const summary = await runNotebooks({
    paths: notebooks.map((n) => path.join(repo, 'notebooks', n)),
    outputDir,
    venv,
    timeout: 300,
    env,
    log: (l: string) => lines.push(l),
    printSummary: false,
  });
  return { ok: summary.ok, log: lines.join('\n'), outputDir };
}

function printed(outputDir: string, name: string): string {
  const nb = JSON.parse(fs.readFileSync(path.join(outputDir, name), 'utf8')) as {
    cells: { cell_type: string; outputs?: { text?: string | string[] }[] }[];
  };
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');
}

test("notebook 06 leaves another attendee's ws-att-someone-else and its data alone, and deletes the attendee's own table", {
  timeout: 15 * 60_000,
}, async () => {
  await createWithItem(OTHER_TABLE, OTHER_ITEM);

  const r = await run(['00_setup.ipynb', '06_cleanup.ipynb']);
  assert.ok(r.ok, `00 and 06 run with zero failing cells:\n${r.log}`);

  assert.ok(await describeTable(t.clients.ddb, OTHER_TABLE), `${OTHER_TABLE} still exists after notebook 06`);
  assert.deepEqual(await itemOf(OTHER_TABLE, OTHER_ITEM), OTHER_ITEM, `${OTHER_TABLE} still holds its item`);
  assert.equal(await describeTable(t.clients.ddb, `ws-att-${ME}`), undefined, `06 deleted ws-att-${ME}, its own table`);
  assert.equal(await describeTable(t.clients.ddb, `ws-cost-${ME}`), undefined, '06 deleted its scratch table');

  const text = printed(r.outputDir, '06_cleanup.ipynb');
  assert.match(
    text,
    new RegExp(`keep +${OTHER_TABLE} +belongs to attendee "someone-else"`),
    'the plan keeps it, with the reason',
  );
  assert.doesNotMatch(text, new RegExp(`deleted ${OTHER_TABLE}`), `no sentence claims ${OTHER_TABLE} was deleted`);

  // Whatever 06 created for its demonstration, it removed again: only the other attendee's table is left.
  assert.deepEqual(await listAllTables(t.clients.ddb), [OTHER_TABLE], 'nothing of this run is left behind');
});

test('notebook 06 never deletes its demonstration table when this run did not create it', {
  timeout: 15 * 60_000,
}, async () => {
  // The demonstration table's name for this attendee, as 06 builds it; here it exists before the run, with data.
  const demo = `demo.${ME}`;
  const item = { PK: { S: 'KEEP#me' }, SK: { S: 'KEEP#me' } };
  await createWithItem(demo, item);
  if (!(await describeTable(t.clients.ddb, OTHER_TABLE))) await createWithItem(OTHER_TABLE, OTHER_ITEM);

  const r = await run(['06_cleanup.ipynb']);
  assert.ok(r.ok, `06 runs with zero failing cells:\n${r.log}`);
  assert.deepEqual(await itemOf(demo, item), item, `${demo}, which this run did not create, is still there with its item`);
  assert.deepEqual(await itemOf(OTHER_TABLE, OTHER_ITEM), OTHER_ITEM, `${OTHER_TABLE} still holds its item`);
  const text = printed(r.outputDir, '06_cleanup.ipynb');
  assert.match(text, new RegExp(`${demo.replace(/\./g, '\\.')} existed before this run`), 'says why it stays');
});
