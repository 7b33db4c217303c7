import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, validateTableName } from '../../src/config';
import { WorkshopError } from '../../src/errors';

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
  assert.deepEqual(parseEnvFile('# saved\nATTENDEE_ID=037\nexport WORKSHOP_TARGET="aws"\n\n'), {
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

test('.workshop.env: spaces around =, trailing # comments on unquoted values, quotes, CRLF', async () => {
  const { parseEnvFile } = await import('../../src/config');
  assert.deepEqual(
    parseEnvFile(
      [
        'ATTENDEE_ID = alice',
        'WORKSHOP_TARGET=aws # my target',
        "AWS_PROFILE = 'team # 1'   # quoted: the # is the value's",
        'export AWS_REGION="us-east-1"\r',
        '  # an indented comment',
        'DDB_ENDPOINT=http://localhost:8000/#frag',
        'EMPTY=',
        'SPACED =   two words  ',
      ].join('\n'),
    ),
    {
      ATTENDEE_ID: 'alice',
      WORKSHOP_TARGET: 'aws',
      AWS_PROFILE: 'team # 1',
      AWS_REGION: 'us-east-1',
      DDB_ENDPOINT: 'http://localhost:8000/#frag',
      EMPTY: '',
      SPACED: 'two words',
    },
  );
});

test('.workshop.env: a line that is not a setting is an error naming the file and the line', async () => {
  const { parseEnvFile, workshopEnv } = await import('../../src/config');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const bad = (text: string, line: number, what: RegExp) =>
    assert.throws(
      () => parseEnvFile(text, '/home/a/ddb-workshop/.workshop.env'),
      (err: unknown) => {
        assert.ok(err instanceof WorkshopError, `expected WorkshopError, got ${err}`);
        assert.equal(err.code, 'ENV_FILE_INVALID');
        assert.match(err.message, new RegExp(`/home/a/ddb-workshop/\\.workshop\\.env line ${line}: `));
        assert.match(err.message, what);
        assert.match(err.message, /bash tools\/attendee\.sh/);
        return true;
      },
    );
  bad('ATTENDEE_ID=ok\nbad line\n', 2, /"bad line" is not a setting/);
  bad('ATTENDEE ID=alice\n', 1, /"ATTENDEE ID=alice" is not a setting/);
  bad('ATTENDEE_ID="alice\n', 1, /unterminated quote/);
  bad('ATTENDEE_ID="alice" bob\n', 1, /after the closing quote/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsenv-'));
  const file = path.join(dir, '.workshop.env');
  fs.writeFileSync(file, 'ATTENDEE_ID=alice\nWORKSHOP_TARGET aws\n');
  assert.throws(
    () => workshopEnv({}, file),
    (err: unknown) => {
      assert.ok(err instanceof WorkshopError);
      assert.match(err.message, new RegExp(`${file.replace(/[.\\/]/g, '\\$&')} line 2: "WORKSHOP_TARGET aws" is not a setting`));
      return true;
    },
  );
});

test('attendee ids that differ only by case: the local target cannot hold both tables, and says so', async () => {
  const { tableCaseCollision } = await import('../../src/config');
  assert.equal(tableCaseCollision('ws-att-alice', ['ws-att-bob', 'ws-att-alice'], 'local'), undefined, 'its own table');
  assert.equal(tableCaseCollision('ws-att-alice', ['ws-att-Alice'], 'aws'), undefined, 'AWS table names are case-sensitive');
  const err = tableCaseCollision('ws-att-alice', ['ws-att-bob', 'ws-att-Alice'], 'local');
  assert.ok(err instanceof WorkshopError);
  assert.equal(err.code, 'TABLE_NAME_CASE_COLLISION');
  assert.match(err.message, /ws-att-alice/);
  assert.match(err.message, /ws-att-Alice/);
  assert.match(err.message, /DynamoDB Local/);
  assert.match(err.message, /case/);
  assert.match(err.message, /ATTENDEE_ID/);
});
