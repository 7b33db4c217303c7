// The guide's shell scripts, run with the AWS CLI against a DynamoDB Local of this test's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ws from '../../src/index';
import { startTestLocal, type TestLocal } from '../helpers/local';

const repo = path.resolve(__dirname, '..', '..');
const venvAws = path.join(process.env.WORKSHOP_VENV ?? path.join(repo, '.venv'), 'bin', 'aws');
const awsDir = fs.existsSync(venvAws) ? path.dirname(venvAws) : undefined;

let t: TestLocal;
before(async () => {
  t = await startTestLocal('scripts');
});
after(async () => {
  await t.stop();
});

function run(script: string, env: Record<string, string | undefined>) {
  const full: NodeJS.ProcessEnv = {
    PATH: `${awsDir ? `${awsDir}:` : ''}${process.env.PATH}`,
    HOME: process.env.HOME,
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(t.local.port),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  const r = spawnSync('bash', [path.join(repo, 'scripts', script)], { env: full, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('create_table.sh creates ws-att-<id> on DynamoDB Local, says it cannot tag there, and is re-runnable', async () => {
  const first = run('create_table.sh', { ATTENDEE_ID: 'sh1', AWS_REGION: 'ap-southeast-1' });
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /Creating table ws-att-sh1 in ap-southeast-1 \(endpoint http:\/\/127\.0\.0\.1:\d+\)/);
  assert.match(first.out, /DynamoDB Local does not support tags/);
  assert.match(first.out, /Done\. TABLE=ws-att-sh1/);
  const d = await ws.describeTable(t.clients.ddb, 'ws-att-sh1');
  assert.equal(d?.TableStatus, 'ACTIVE');
  assert.equal(d?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(d?.KeySchema, [
    { AttributeName: 'PK', KeyType: 'HASH' },
    { AttributeName: 'SK', KeyType: 'RANGE' },
  ]);
  const again = run('create_table.sh', { ATTENDEE_ID: 'sh1', AWS_REGION: 'ap-southeast-1' });
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /already exists: keeping it/);
});

test('delete_table.sh deletes it and waits; a second run has nothing to delete', async () => {
  const del = run('delete_table.sh', { ATTENDEE_ID: 'sh1', AWS_REGION: 'ap-southeast-1' });
  assert.equal(del.code, 0, del.out);
  assert.match(del.out, /Deleting ws-att-sh1.*\n.*Deleted\./);
  assert.equal(await ws.describeTable(t.clients.ddb, 'ws-att-sh1'), undefined);
  const again = run('delete_table.sh', { ATTENDEE_ID: 'sh1', AWS_REGION: 'ap-southeast-1' });
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /does not exist: nothing to delete/);
});

test("missing variables: the guide's messages and a non-zero exit", () => {
  const noId = run('create_table.sh', { ATTENDEE_ID: undefined, AWS_REGION: 'ap-southeast-1' });
  assert.notEqual(noId.code, 0);
  assert.match(noId.out, /ATTENDEE_ID: Set ATTENDEE_ID, e\.g\. export ATTENDEE_ID=037/);
  const noRegion = run('create_table.sh', { ATTENDEE_ID: 'sh2', AWS_REGION: undefined });
  assert.notEqual(noRegion.code, 0);
  assert.match(noRegion.out, /AWS_REGION: Set AWS_REGION, e\.g\. export AWS_REGION=ap-southeast-1/);
  const delNoId = run('delete_table.sh', { ATTENDEE_ID: undefined, AWS_REGION: 'ap-southeast-1' });
  assert.notEqual(delNoId.code, 0);
  assert.match(delNoId.out, /ATTENDEE_ID: Set ATTENDEE_ID/);
  const badTarget = run('create_table.sh', { ATTENDEE_ID: 'sh2', AWS_REGION: 'ap-southeast-1', WORKSHOP_TARGET: 'cloud' });
  assert.equal(badTarget.code, 2);
  assert.match(badTarget.out, /not a target: use local or aws/);
});
