import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, validateTableName, WorkshopError } from '../../src/index';

const base = { ATTENDEE_ID: '037' };

test('defaults: local target, ap-southeast-1, dynamodb-workshop profile, ws-att-<id>', () => {
  const c = loadConfig(base);
  assert.deepEqual(
    { target: c.target, region: c.region, profile: c.profile, tableName: c.tableName, endpoint: c.endpoint, port: c.localPort },
    {
      target: 'local',
      region: 'ap-southeast-1',
      profile: 'dynamodb-workshop',
      tableName: 'ws-att-037',
      endpoint: undefined,
      port: 8000,
    },
  );
});

test('env overrides: aws target, region, profile, endpoint, port', () => {
  const c = loadConfig({
    ...base,
    WORKSHOP_TARGET: 'AWS',
    AWS_REGION: 'us-east-1',
    AWS_PROFILE: 'other',
    DDB_ENDPOINT: 'http://alternator:8000/',
    DDB_LOCAL_PORT: '8123',
  });
  assert.equal(c.target, 'aws');
  assert.equal(c.region, 'us-east-1');
  assert.equal(c.profile, 'other');
  assert.equal(c.endpoint, 'http://alternator:8000');
  assert.equal(c.localPort, 8123);
});

function rejects(env: Record<string, string | undefined>, code: string, mentions: RegExp[]): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof WorkshopError, `expected WorkshopError, got ${err}`);
      assert.equal(err.code, code);
      for (const m of mentions) assert.match(err.message, m);
      return true;
    },
  );
}

test('unset ATTENDEE_ID names the variable and shows an example', () => {
  rejects({}, 'ATTENDEE_ID_UNSET', [/ATTENDEE_ID is not set/, /export ATTENDEE_ID=037/]);
  rejects({ ATTENDEE_ID: '   ' }, 'ATTENDEE_ID_UNSET', [/ATTENDEE_ID/]);
});

test('malformed ATTENDEE_ID is refused before it becomes a bad table name', () => {
  rejects({ ATTENDEE_ID: 'a b' }, 'ATTENDEE_ID_INVALID', [/"a b"/, /A-Z a-z 0-9 _ \. -/, /export ATTENDEE_ID=037/]);
  rejects({ ATTENDEE_ID: 'ada/lovelace' }, 'ATTENDEE_ID_INVALID', [/ada\/lovelace/]);
  rejects({ ATTENDEE_ID: 'x'.repeat(250) }, 'ATTENDEE_ID_INVALID', [/at most 248 characters/]);
});

test('table names follow AWS: 3-255 chars of [A-Za-z0-9_.-]', () => {
  assert.equal(validateTableName('ws-att-1.a_B'), 'ws-att-1.a_B');
  assert.equal(validateTableName('abc'), 'abc');
  assert.equal(validateTableName('a'.repeat(255)), 'a'.repeat(255));
  assert.throws(() => validateTableName('ab'), /shorter than 3 characters/);
  assert.throws(() => validateTableName('a'.repeat(256)), /longer than 255/);
  assert.throws(() => validateTableName('ws att'), /contains characters other than/);
});

test('bad target, endpoint, region and port say what to set', () => {
  rejects({ ...base, WORKSHOP_TARGET: 'cloud' }, 'TARGET_INVALID', [/"local".*"aws"/, /export WORKSHOP_TARGET=local/]);
  rejects({ ...base, DDB_ENDPOINT: 'localhost:8000' }, 'ENDPOINT_INVALID', [/http:\/\//]);
  rejects({ ...base, DDB_ENDPOINT: 'not a url' }, 'ENDPOINT_INVALID', [/not a URL/]);
  rejects({ ...base, AWS_REGION: 'Singapore' }, 'REGION_INVALID', [/export AWS_REGION=ap-southeast-1/]);
  rejects({ ...base, DDB_LOCAL_PORT: '70000' }, 'PORT_INVALID', [/DDB_LOCAL_PORT/]);
});

test('.workshop.env (written by tools/attendee.sh) is read under the environment, which wins', async () => {
  const { parseEnvFile, workshopEnv } = await import('../../src/config');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  assert.deepEqual(parseEnvFile('# saved\nATTENDEE_ID=037\nexport WORKSHOP_TARGET="aws"\n\nbad line\n'), {
    ATTENDEE_ID: '037',
    WORKSHOP_TARGET: 'aws',
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wsenv-')), '.workshop.env');
  fs.writeFileSync(file, 'ATTENDEE_ID=from-file\nWORKSHOP_TARGET=aws\n');
  const merged = workshopEnv({ WORKSHOP_TARGET: 'local', ATTENDEE_ID: '' }, file);
  assert.equal(merged.ATTENDEE_ID, 'from-file', 'an empty variable does not hide the saved one');
  assert.equal(merged.WORKSHOP_TARGET, 'local', 'the process environment wins');
  assert.equal(loadConfig(merged).tableName, 'ws-att-from-file');
  assert.equal(workshopEnv({}, path.join(os.tmpdir(), 'no-such-file')).ATTENDEE_ID, undefined);
});
