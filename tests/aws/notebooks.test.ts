// The attendees' real path: notebooks 00–06 on the aws target, against an AWS stand-in (moto server mode), as two
// attendees of one account. A creates the shared table, B uses it; each cleanup deletes exactly what its attendee
// owns. What the stand-in does not emulate — IAM condition keys (LeadingKeys, PrincipalTag), throttling, Contributor
// Insights (an HTML 500), real consumed capacity — stays covered by the local target's enforcer and emulator and by
// the README's "DynamoDB Local is not AWS" section; here those cells must still run and say something true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  DescribeTableCommand,
} from '@aws-sdk/client-dynamodb';
import { runNotebooks } from '../../tools/runner/index';
import { workshopTableInput } from '../../src/table';
import type { Notebook } from '../../tools/runner/index';
import { type AwsStandin, STANDIN_ACCOUNT_ID, deployTenantRole, startAwsStandin, venvBin, venvDir } from '../helpers/aws-standin';
import { outputsOf, printed, textOf } from '../helpers/notebook-outputs';

const repo = path.resolve(__dirname, '..', '..');
const notebooksDir = path.join(repo, 'notebooks');
const notebooks = fs
  .readdirSync(notebooksDir)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

let standin: AwsStandin;
let env: NodeJS.ProcessEnv;
let ddb: DynamoDBClient;
const runs: Record<string, Record<string, Notebook>> = {};

async function tagsOf(table: string): Promise<{ Key?: string; Value?: string }[]> {
  const d = await ddb.send(new DescribeTableCommand({ TableName: table }));
  return (await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: d.Table?.TableArn }))).Tags ?? [];
}

before(async () => {
  standin = await startAwsStandin();
  env = { ...standin.env, PATH: `${venvBin}:${process.env.PATH}` };
  ddb = new DynamoDBClient({
    region: standin.env.AWS_REGION,
    endpoint: standin.endpoint,
    credentials: { accessKeyId: 'standin', secretAccessKey: 'standin' },
  });
  env.WORKSHOP_TENANT_ROLE_ARN = deployTenantRole(env);
  // A third attendee's table, with data: nobody else's notebook may touch it.
  await ddb.send(new CreateTableCommand(workshopTableInput('ws-att-c1', { Owner: 'c1' })));
  await ddb.send(new PutItemCommand({ TableName: 'ws-att-c1', Item: { PK: { S: 'KEEP' }, SK: { S: 'ME' } } }));
});
after(async () => {
  ddb?.destroy();
  await standin?.stop();
});

async function runAs(attendee: string): Promise<void> {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), `ws-aws-nb-${attendee}-`));
  const lines: string[] = [];
  const summary = await runNotebooks({
    paths: [notebooksDir],
    outputDir,
    venv: venvDir,
    timeout: 300,
    env: { ...env, ATTENDEE_ID: attendee },
    log: (l: string) => lines.push(l),
  });
  const failed = summary.notebooks.filter((n) => !n.ok);
  assert.equal(failed.length, 0, `${attendee}: failing notebooks on the aws target:\n${lines.slice(-60).join('\n')}`);
  runs[attendee] = {};
  for (const name of notebooks) runs[attendee][name] = JSON.parse(fs.readFileSync(path.join(outputDir, name), 'utf8'));
}

test('attendee A runs notebooks 00–06 on the aws target with zero failing cells', { timeout: 20 * 60_000 }, async () => {
  await runAs('a1');
  // A created the shared table in 04, tagged as its creator, and kept it in 06 (shared tables need includeShared).
  assert.deepEqual(await tagsOf('ws-shared'), [{ Key: 'Owner', Value: 'a1' }]);
});

test("attendee B runs them too, using A's shared table without claiming it", { timeout: 20 * 60_000 }, async () => {
  await runAs('b1');
  assert.deepEqual(await tagsOf('ws-shared'), [{ Key: 'Owner', Value: 'a1' }], 'B never re-tags ws-shared');
});

test("each cleanup deleted exactly its attendee's tables; the shared table and a third attendee's data are intact", async () => {
  const tables = (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
  assert.deepEqual(tables.sort(), ['ws-att-c1', 'ws-shared']);
  assert.deepEqual(await tagsOf('ws-att-c1'), [{ Key: 'Owner', Value: 'c1' }]);
  const kept = await ddb.send(new GetItemCommand({ TableName: 'ws-att-c1', Key: { PK: { S: 'KEEP' }, SK: { S: 'ME' } } }));
  assert.ok(kept.Item, "the third attendee's item is still there");
});

test('what the room reads on AWS: credentials and endpoint named, account masked, no raw errors, no traces', () => {
  for (const [who, run] of Object.entries(runs)) {
    const setup = printed(run['00_setup.ipynb']);
    assert.match(setup, new RegExp(`endpoint : ${standin.endpoint.replace(/[.]/g, '\\.')}`), `${who}: 00 names the endpoint`);
    assert.match(setup, /credentials: profile dynamodb-workshop/, `${who}: 00 says where credentials come from`);
    assert.match(setup, /Owner/, `${who}: 00 reports the Owner tag`);
    for (const [name, nb] of Object.entries(run)) {
      for (const o of outputsOf(nb)) {
        const text = textOf(o);
        assert.ok(!text.includes(STANDIN_ACCOUNT_ID), `${who} ${name}: an unmasked account id: ${text.slice(0, 200)}`);
        assert.doesNotMatch(text, /SyntaxError|Unexpected token|\$metadata|ALLOWED\?!/, `${who} ${name}: ${text.slice(0, 300)}`);
        assert.doesNotMatch(text, /^\s+at .+\(.+:\d+:\d+\)$/m, `${who} ${name}: a stack trace`);
        assert.notEqual(o.output_type, 'error', `${who} ${name}: an error output`);
      }
    }
    const mt = printed(run['04_multitenancy.ipynb']);
    // The stand-in does not enforce IAM condition keys: the notebook says so instead of claiming isolation.
    assert.match(mt, /does not enforce IAM condition keys/, `${who}: 04 explains why cross-tenant requests got through`);
    assert.doesNotMatch(mt, /acme's key shares initech's partition/, `${who}: 04 claims a partition it cannot know`);
    assert.match(mt, /TENANT#initech#EVENTS#S\d|S\d \(\?\)/, `${who}: 04's sharded run is sharded`);
    const cleanup = printed(run['06_cleanup.ipynb']);
    assert.match(cleanup, /Contributor Insights could not be switched off: DynamoDB \w+ got an answer that is not DynamoDB's/);
  }
});
