// The guide's shell scripts, run with the AWS CLI against a DynamoDB Local of this test's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeTable } from '../../src/table';
import { freePort, startTestLocal, type TestLocal } from '../helpers/local';

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

function scriptEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const full: NodeJS.ProcessEnv = {
    PATH: `${awsDir ? `${awsDir}:` : ''}${process.env.PATH}`,
    HOME: process.env.HOME,
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(t.local.port),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  return full;
}

function run(script: string, env: Record<string, string | undefined>) {
  const r = spawnSync('bash', [path.join(repo, 'scripts', script)], { env: scriptEnv(env), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** For a test that serves the endpoint itself: spawnSync would block the event loop that answers the script. */
function runAsync(script: string, env: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(repo, 'scripts', script)], { env: scriptEnv(env), timeout: 120_000 });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('create_table.sh creates ws-att-<id> on DynamoDB Local, says it cannot tag there, and is re-runnable', async () => {
  const first = run('create_table.sh', { ATTENDEE_ID: 'sh1', AWS_REGION: 'ap-southeast-1' });
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /Creating table ws-att-sh1 in ap-southeast-1 \(endpoint http:\/\/127\.0\.0\.1:\d+\)/);
  assert.match(first.out, /Note: could not tag ws-att-sh1 Owner=sh1 here.*Tagging is not currently supported in DynamoDB Local/);
  assert.match(first.out, /Done\. TABLE=ws-att-sh1/);
  const d = await describeTable(t.clients.ddb, 'ws-att-sh1');
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
  assert.equal(await describeTable(t.clients.ddb, 'ws-att-sh1'), undefined);
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

test('WORKSHOP_TARGET is read case-insensitively, as the notebooks read it', () => {
  for (const target of ['LOCAL', ' Local ']) {
    const r = run('create_table.sh', { ATTENDEE_ID: 'sh3', AWS_REGION: 'ap-southeast-1', WORKSHOP_TARGET: target });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Done\. TABLE=ws-att-sh3/);
  }
  const del = run('delete_table.sh', { ATTENDEE_ID: 'sh3', AWS_REGION: 'ap-southeast-1', WORKSHOP_TARGET: 'Local' });
  assert.equal(del.code, 0, del.out);
  assert.match(del.out, /Deleted\./);
});

test('nothing listens on DDB_LOCAL_PORT: the setting and the start command, non-zero (not "nothing to delete")', async () => {
  const closed = String(await freePort());
  // One attempt: the CLI's default retries only add about 30 s before the same message.
  const del = run('delete_table.sh', {
    ATTENDEE_ID: 'sh4',
    AWS_REGION: 'ap-southeast-1',
    DDB_LOCAL_PORT: closed,
    AWS_MAX_ATTEMPTS: '1',
  });
  assert.notEqual(del.code, 0, del.out);
  assert.doesNotMatch(del.out, /nothing to delete/);
  assert.match(del.out, /Could not connect to the endpoint URL/);
  assert.match(del.out, /DDB_LOCAL_PORT/);
  assert.match(del.out, /npx tsx tools\/local-ddb\.ts start/);
  const create = run('create_table.sh', {
    ATTENDEE_ID: 'sh4',
    AWS_REGION: 'ap-southeast-1',
    DDB_LOCAL_PORT: closed,
    AWS_MAX_ATTEMPTS: '1',
  });
  assert.notEqual(create.code, 0, create.out);
  assert.match(create.out, /DDB_LOCAL_PORT/);
});

test('DDB_ENDPOINT answers, but not like DynamoDB: said so, non-zero, nothing "deleted"', async () => {
  // A web page on 200 OK: the AWS CLI parses nothing out of it and reports success with an empty answer.
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><html><body>not DynamoDB</body></html>');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  const endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  try {
    const del = await runAsync('delete_table.sh', { ATTENDEE_ID: 'sh5', AWS_REGION: 'ap-southeast-1', DDB_ENDPOINT: endpoint });
    assert.notEqual(del.code, 0, del.out);
    assert.doesNotMatch(del.out, /Deleted\.|nothing to delete/);
    assert.match(del.out, /did not answer like DynamoDB/);
    assert.match(del.out, /DDB_ENDPOINT/);
    const create = await runAsync('create_table.sh', {
      ATTENDEE_ID: 'sh5',
      AWS_REGION: 'ap-southeast-1',
      DDB_ENDPOINT: endpoint,
    });
    assert.notEqual(create.code, 0, create.out);
    assert.match(create.out, /did not answer like DynamoDB/);
  } finally {
    srv.close();
  }
});

test('DDB_ENDPOINT accepts connections and never answers: the script ends with the setting to check', async () => {
  const held: net.Socket[] = [];
  const srv = net.createServer((sock) => held.push(sock));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  const endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  try {
    // One attempt: each retry would wait for the read deadline again before the same message.
    const del = await runAsync('delete_table.sh', {
      ATTENDEE_ID: 'sh6',
      AWS_REGION: 'ap-southeast-1',
      DDB_ENDPOINT: endpoint,
      AWS_MAX_ATTEMPTS: '1',
    });
    assert.notEqual(del.code, 0, del.out);
    assert.doesNotMatch(del.out, /nothing to delete/);
    assert.match(del.out, /Read timeout on endpoint URL/);
    assert.match(del.out, new RegExp(`Nothing answers at DDB_ENDPOINT=${endpoint}`));
  } finally {
    for (const sock of held) sock.destroy();
    srv.close();
  }
});

// tools/attendee.sh writes .workshop.env next to its own folder: run a copy in a scratch checkout, never the repo's.
function attendee(args: string[], env: Record<string, string | undefined>, before?: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-attendee-'));
  fs.mkdirSync(path.join(root, 'tools'));
  fs.copyFileSync(path.join(repo, 'tools', 'attendee.sh'), path.join(root, 'tools', 'attendee.sh'));
  const file = path.join(root, '.workshop.env');
  if (before !== undefined) fs.writeFileSync(file, before);
  const full: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  const r = spawnSync('bash', [path.join(root, 'tools', 'attendee.sh'), ...args], { env: full, encoding: 'utf8' });
  const written = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  fs.rmSync(root, { recursive: true, force: true });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, written };
}

test('tools/attendee.sh saves the settings; a profile or region that is not one is refused, the file untouched', () => {
  const ok = attendee(['037', 'aws'], { AWS_PROFILE: 'my.profile+1', AWS_REGION: 'eu-west-3' });
  assert.equal(ok.code, 0, ok.out);
  assert.equal(ok.written, 'ATTENDEE_ID=037\nWORKSHOP_TARGET=aws\nAWS_PROFILE=my.profile+1\nAWS_REGION=eu-west-3\n');
  const defaults = attendee(['037'], {});
  assert.equal(defaults.code, 0, defaults.out);
  assert.match(defaults.written ?? '', /^AWS_PROFILE=dynamodb-workshop$/m);
  assert.match(defaults.written ?? '', /^AWS_REGION=ap-southeast-1$/m);

  const previous = 'ATTENDEE_ID=001\n';
  const injected = attendee(['037', 'aws'], { AWS_PROFILE: 'x\nDDB_ENDPOINT=http://attacker.example' }, previous);
  assert.notEqual(injected.code, 0, injected.out);
  assert.match(injected.out, /AWS_PROFILE=.* is not a profile name.*letters, digits/s);
  assert.match(injected.out, /export AWS_PROFILE=dynamodb-workshop/);
  assert.equal(injected.written, previous);
  for (const region of ['ap-southeast-1\nDDB_ENDPOINT=http://attacker.example', 'Singapore', 'ap-southeast-1 ']) {
    const bad = attendee(['037', 'aws'], { AWS_REGION: region }, previous);
    assert.notEqual(bad.code, 0, bad.out);
    assert.match(bad.out, /AWS_REGION=.* is not an AWS region name/s);
    assert.match(bad.out, /export AWS_REGION=ap-southeast-1/);
    assert.equal(bad.written, previous);
  }
});
