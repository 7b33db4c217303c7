// The guide's shell scripts on the aws target, run with the AWS CLI against the AWS stand-in (moto's server mode):
// an attendee's profile `dynamodb-workshop` whose config carries endpoint_url. What the stand-in cannot do (deny a
// TagResource) is played by a thin `aws` wrapper that also records every AWS CLI call the scripts make.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../tools/runner/server';
import { PROFILE, STANDIN_REGION, startAwsStandin, venvBin, type AwsStandin } from '../helpers/aws-standin';

const repo = path.resolve(__dirname, '..', '..');
const realAws = path.join(venvBin, 'aws');
const SEP = '\x1f';

let s: AwsStandin;
let shimDir: string;
let callLog: string;

before(async () => {
  s = await startAwsStandin();
  // An `aws` first on PATH: logs each call's arguments, refuses tagging when AWS_SHIM_DENY_TAGS is set (as IAM does
  // for a role without dynamodb:TagResource: CreateTable with tags fails as a whole), else runs the real CLI.
  shimDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-aws-shim-'));
  callLog = path.join(shimDir, 'calls.log');
  fs.writeFileSync(
    path.join(shimDir, 'aws'),
    [
      '#!/usr/bin/env bash',
      `{ printf '%s${SEP}' "$@"; printf '\\n'; } >> "$AWS_SHIM_LOG"`,
      'if [ -n "${AWS_SHIM_DENY_TAGS:-}" ]; then',
      '  op=""',
      '  case " $* " in',
      '    *" tag-resource "*) op=TagResource ;;',
      '    *" create-table "*" --tags "*) op=CreateTable ;;',
      '  esac',
      '  if [ -n "$op" ]; then',
      '    echo "" >&2',
      '    echo "An error occurred (AccessDeniedException) when calling the $op operation: User: arn:aws:sts::123456789012:assumed-role/Attendee/037 is not authorized to perform: dynamodb:TagResource" >&2',
      '    exit 254',
      '  fi',
      'fi',
      `exec ${JSON.stringify(realAws)} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
});
after(async () => {
  await s?.stop();
  if (shimDir) fs.rmSync(shimDir, { recursive: true, force: true });
});

type Env = Record<string, string | undefined>;

/** Runs scripts/<script> as an attendee on the aws target; `env` overrides the stand-in's (undefined removes). */
function run(script: string, env: Env = {}) {
  fs.writeFileSync(callLog, '');
  const full: Env = {
    ...s.env,
    PATH: `${shimDir}:${venvBin}:${process.env.PATH}`,
    AWS_SHIM_LOG: callLog,
    ...env,
  };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  const r = spawnSync('bash', [path.join(repo, 'scripts', script)], {
    env: full as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 180_000,
  });
  const calls = fs
    .readFileSync(callLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(SEP).slice(0, -1));
  return { code: r.status, out: `${r.stdout}${r.stderr}`, calls };
}

/** The real AWS CLI with the stand-in's profile (what an instructor would type). */
function aws(args: string[]) {
  const r = spawnSync(realAws, [...args, '--region', STANDIN_REGION, '--output', 'json'], { env: s.env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tableArn(table: string): string | undefined {
  const r = aws(['dynamodb', 'describe-table', '--table-name', table]);
  if (r.code !== 0) {
    assert.match(r.err, /ResourceNotFoundException/, r.err);
    return undefined;
  }
  return JSON.parse(r.out).Table.TableArn;
}

/** Every Owner tag value, duplicates kept (moto appends a second Owner on TagResource where AWS replaces). */
function ownerTags(table: string): string[] {
  const arn = tableArn(table);
  assert.ok(arn, `${table} should exist`);
  const r = aws(['dynamodb', 'list-tags-of-resource', '--resource-arn', arn]);
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out).Tags as { Key: string; Value: string }[]).filter((t) => t.Key === 'Owner').map((t) => t.Value);
}

function createTable(table: string, owner?: string) {
  const r = aws([
    'dynamodb',
    'create-table',
    '--table-name',
    table,
    '--attribute-definitions',
    'AttributeName=PK,AttributeType=S',
    '--key-schema',
    'AttributeName=PK,KeyType=HASH',
    '--billing-mode',
    'PAY_PER_REQUEST',
    ...(owner ? ['--tags', `Key=Owner,Value=${owner}`] : []),
  ]);
  assert.equal(r.code, 0, r.err);
}

/** An attendee machine whose `dynamodb-workshop` profile is an SSO profile with an expired session, no static keys. */
function expiredSsoEnv(): Env {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-aws-sso-'));
  const startUrl = 'https://example.awsapps.com/start';
  fs.mkdirSync(path.join(home, '.aws', 'sso', 'cache'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.aws', 'config'),
    [
      `[profile ${PROFILE}]`,
      `sso_start_url = ${startUrl}`,
      `sso_region = ${STANDIN_REGION}`,
      'sso_account_id = 123456789012',
      'sso_role_name = Attendee',
      `region = ${STANDIN_REGION}`,
      `endpoint_url = ${s.endpoint}`,
      '',
    ].join('\n'),
  );
  // The token cache `aws sso login` leaves behind (named by the SHA-1 of the start URL), expired yesterday.
  fs.writeFileSync(
    path.join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`),
    JSON.stringify({
      startUrl,
      region: STANDIN_REGION,
      accessToken: 'x',
      expiresAt: new Date(Date.now() - 86_400_000).toISOString(),
    }),
  );
  return {
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws', 'credentials'),
  };
}

/** Every AWS CLI call names the region and has a deadline (the notebooks' 5 s to connect, 15 s to answer). */
function assertEveryCallBounded(calls: string[][]) {
  assert.ok(calls.length > 0);
  for (const c of calls) {
    const arg = (name: string) => (c.includes(name) ? c[c.indexOf(name) + 1] : undefined);
    assert.equal(arg('--region'), STANDIN_REGION, `--region missing: ${c.join(' ')}`);
    assert.equal(arg('--cli-connect-timeout'), '5', `--cli-connect-timeout missing: ${c.join(' ')}`);
    assert.equal(arg('--cli-read-timeout'), '15', `--cli-read-timeout missing: ${c.join(' ')}`);
  }
}

test('create_table.sh creates ws-att-<id>, tagged Owner=<id> at creation; every call names the region, with a deadline', () => {
  const r = run('create_table.sh', { ATTENDEE_ID: 'a1' });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Creating table ws-att-a1 in ap-southeast-1/);
  assert.match(r.out, /Done\. TABLE=ws-att-a1/);
  assert.deepEqual(ownerTags('ws-att-a1'), ['a1']);
  const create = r.calls.find((c) => c.includes('create-table'));
  assert.ok(create, `no create-table call in ${JSON.stringify(r.calls)}`);
  assert.equal(create[create.indexOf('--tags') + 1], 'Key=Owner,Value=a1', 'the Owner tag is part of CreateTable');
  assert.ok(!r.calls.some((c) => c.includes('tag-resource')), 'no separate TagResource on AWS');
  assertEveryCallBounded(r.calls);
});

test('create_table.sh again: the table is yours, kept, not tagged a second time', () => {
  const r = run('create_table.sh', { ATTENDEE_ID: 'a1' });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /ws-att-a1 already exists and is yours \(Owner=a1\): keeping it/);
  assert.deepEqual(ownerTags('ws-att-a1'), ['a1']);
  assert.ok(!r.calls.some((c) => c.includes('tag-resource') || c.includes('create-table')), JSON.stringify(r.calls));
});

test("someone else's ws-att-<id>: reported, never re-tagged, never deleted; both scripts exit non-zero", () => {
  createTable('ws-att-a2', 'someone');
  const c = run('create_table.sh', { ATTENDEE_ID: 'a2' });
  assert.notEqual(c.code, 0, c.out);
  assert.match(c.out, /ws-att-a2 exists and belongs to Owner=someone: ask the instructor/);
  assert.deepEqual(ownerTags('ws-att-a2'), ['someone']);
  const d = run('delete_table.sh', { ATTENDEE_ID: 'a2' });
  assert.notEqual(d.code, 0, d.out);
  assert.match(d.out, /ws-att-a2 belongs to Owner=someone.*not deleting it: ask the instructor/);
  assert.deepEqual(ownerTags('ws-att-a2'), ['someone']);
});

test('an existing ws-att-<id> without an Owner tag is not claimed', () => {
  createTable('ws-att-a6');
  const r = run('create_table.sh', { ATTENDEE_ID: 'a6' });
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /ws-att-a6 exists but has no Owner tag.*ask the instructor/s);
  assert.deepEqual(ownerTags('ws-att-a6'), []);
});

test('on AWS a refused tag is an error with the reason (not a DynamoDB Local note), and no untagged table is left', () => {
  const r = run('create_table.sh', { ATTENDEE_ID: 'a7', AWS_SHIM_DENY_TAGS: '1' });
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /not authorized to perform: dynamodb:TagResource/);
  assert.doesNotMatch(r.out, /DynamoDB Local/);
  assert.equal(tableArn('ws-att-a7'), undefined);
});

test('delete_table.sh deletes your table and waits; a second run has nothing to delete', () => {
  const del = run('delete_table.sh', { ATTENDEE_ID: 'a1' });
  assert.equal(del.code, 0, del.out);
  assert.match(del.out, /Deleting ws-att-a1.*\n(.*\n)*Deleted\./);
  assert.equal(tableArn('ws-att-a1'), undefined);
  assertEveryCallBounded(del.calls);
  const again = run('delete_table.sh', { ATTENDEE_ID: 'a1' });
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /does not exist: nothing to delete/);
});

test('expired SSO session: says so and what to run, exits non-zero; the table stays and nothing is created', () => {
  createTable('ws-att-a3', 'a3');
  const sso = expiredSsoEnv();
  try {
    const d = run('delete_table.sh', { ATTENDEE_ID: 'a3', ...sso });
    assert.notEqual(d.code, 0, d.out);
    assert.doesNotMatch(d.out, /nothing to delete/);
    assert.match(d.out, /SSO session.*expired/i);
    assert.match(d.out, /aws sso login --profile dynamodb-workshop/);
    assert.deepEqual(ownerTags('ws-att-a3'), ['a3'], 'the table still exists');
    const c = run('create_table.sh', { ATTENDEE_ID: 'a4', ...sso });
    assert.notEqual(c.code, 0, c.out);
    assert.match(c.out, /aws sso login --profile dynamodb-workshop/);
    assert.ok(!c.calls.some((call) => call.includes('create-table')), 'no CreateTable after a failed DescribeTable');
  } finally {
    fs.rmSync(sso.HOME as string, { recursive: true, force: true });
  }
});

test('an unknown profile and a profile without credentials: what to run, non-zero', () => {
  const typo = run('delete_table.sh', { ATTENDEE_ID: 'a3', AWS_PROFILE: 'workshop-typo' });
  assert.notEqual(typo.code, 0, typo.out);
  assert.match(typo.out, /workshop-typo/);
  assert.match(typo.out, /aws configure sso --profile workshop-typo/);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-aws-nocreds-'));
  try {
    fs.writeFileSync(
      path.join(empty, 'config'),
      `[profile ${PROFILE}]\nregion = ${STANDIN_REGION}\nendpoint_url = ${s.endpoint}\n`,
    );
    const none = run('delete_table.sh', {
      ATTENDEE_ID: 'a3',
      AWS_CONFIG_FILE: path.join(empty, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(empty, 'credentials'),
    });
    assert.notEqual(none.code, 0, none.out);
    assert.match(none.out, /Unable to locate credentials/);
    assert.match(none.out, /aws sso login --profile dynamodb-workshop/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
  assert.deepEqual(ownerTags('ws-att-a3'), ['a3'], 'the table still exists');
});

test('nothing listens at the endpoint: the setting to check, non-zero', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  // One attempt: the CLI's default retries only add about 30 s before the same message.
  const d = run('delete_table.sh', { ATTENDEE_ID: 'a3', DDB_ENDPOINT: closed, AWS_MAX_ATTEMPTS: '1' });
  assert.notEqual(d.code, 0, d.out);
  assert.doesNotMatch(d.out, /nothing to delete/);
  assert.match(d.out, /Could not connect to the endpoint URL/);
  assert.match(d.out, /DDB_ENDPOINT/);
  const c = run('create_table.sh', { ATTENDEE_ID: 'a4', DDB_ENDPOINT: closed, AWS_MAX_ATTEMPTS: '1' });
  assert.notEqual(c.code, 0, c.out);
  assert.match(c.out, /DDB_ENDPOINT/);
  assert.deepEqual(ownerTags('ws-att-a3'), ['a3'], 'the table still exists');
});

test('AWS_PROFILE unset: the scripts use the dynamodb-workshop profile, like the notebooks', () => {
  const c = run('create_table.sh', { ATTENDEE_ID: 'a5', AWS_PROFILE: undefined });
  assert.equal(c.code, 0, c.out);
  assert.match(c.out, /profile dynamodb-workshop/);
  assert.deepEqual(ownerTags('ws-att-a5'), ['a5']);
  const d = run('delete_table.sh', { ATTENDEE_ID: 'a5', AWS_PROFILE: undefined });
  assert.equal(d.code, 0, d.out);
  assert.equal(tableArn('ws-att-a5'), undefined);
});

test('credentials in environment variables: used as they are, no profile forced on them', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-aws-envcreds-'));
  // No config file at all: forcing AWS_PROFILE=dynamodb-workshop would fail with "profile could not be found".
  const env: Env = {
    ATTENDEE_ID: 'a8',
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: path.join(empty, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(empty, 'credentials'),
    AWS_ACCESS_KEY_ID: 'standin',
    AWS_SECRET_ACCESS_KEY: 'standin',
    DDB_ENDPOINT: s.endpoint,
  };
  try {
    const c = run('create_table.sh', env);
    assert.equal(c.code, 0, c.out);
    assert.match(c.out, /AWS_ACCESS_KEY_ID/);
    assert.deepEqual(ownerTags('ws-att-a8'), ['a8']);
    const d = run('delete_table.sh', env);
    assert.equal(d.code, 0, d.out);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
