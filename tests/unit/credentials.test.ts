// The aws target's credential handling, with the SDK's real providers reading a throw-away ~/.aws: no network.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { translateAwsError, WorkshopError } from '../../src/errors';
import { whoAmI } from '../../src/identity';

const START_URL = 'https://example.awsapps.com/start';
let home: string;

before(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-aws-'));
  fs.mkdirSync(path.join(home, '.aws', 'sso', 'cache'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.aws', 'config'),
    [
      '[profile dynamodb-workshop]',
      `sso_start_url = ${START_URL}`,
      'sso_region = ap-southeast-1',
      'sso_account_id = 111111111111',
      'sso_role_name = Attendee',
      'region = ap-southeast-1',
      '',
    ].join('\n'),
  );
  // The token cache `aws sso login` leaves behind, expired yesterday.
  const cacheFile = createHash('sha1').update(START_URL).digest('hex');
  fs.writeFileSync(
    path.join(home, '.aws', 'sso', 'cache', `${cacheFile}.json`),
    JSON.stringify({
      startUrl: START_URL,
      region: 'ap-southeast-1',
      accessToken: 'x',
      expiresAt: new Date(Date.now() - 86_400_000).toISOString(),
    }),
  );
  process.env.HOME = home;
  process.env.AWS_CONFIG_FILE = path.join(home, '.aws', 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, '.aws', 'credentials');
  for (const v of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  ]) {
    delete process.env[v];
  }
  // No instance metadata service here: fail fast instead of probing it.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

function assertWorkshopError(err: unknown, code: string, command: RegExp): true {
  assert.ok(err instanceof WorkshopError, `expected a WorkshopError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, command);
  return true;
}

test('expired SSO session: a DynamoDB call says to run aws sso login --profile dynamodb-workshop', async () => {
  const clients = await createClients(loadConfig({ ATTENDEE_ID: '037', WORKSHOP_TARGET: 'aws' }));
  await assert.rejects(clients.ddb.send(new ListTablesCommand({})), (err) =>
    assertWorkshopError(err, 'SSO_SESSION_EXPIRED', /run: aws sso login --profile dynamodb-workshop/),
  );
});

test('expired SSO session: whoAmI (sts get-caller-identity) says the same', async () => {
  const clients = await createClients(loadConfig({ ATTENDEE_ID: '037', WORKSHOP_TARGET: 'aws' }));
  await assert.rejects(whoAmI(clients), (err) =>
    assertWorkshopError(err, 'SSO_SESSION_EXPIRED', /aws sso login --profile dynamodb-workshop/),
  );
});

test('a profile that is not configured: says to configure it, then log in', async () => {
  const clients = await createClients(loadConfig({ ATTENDEE_ID: '037', WORKSHOP_TARGET: 'aws', AWS_PROFILE: 'workshop-typo' }));
  await assert.rejects(clients.ddb.send(new ListTablesCommand({})), (err) =>
    assertWorkshopError(err, 'NO_CREDENTIALS', /aws configure sso --profile workshop-typo/),
  );
});

test('translateAwsError: service-side expiry, missing profile, missing table', () => {
  const expired = Object.assign(new Error('The security token included in the request is expired'), {
    name: 'ExpiredTokenException',
  });
  assertWorkshopError(
    translateAwsError(expired, { profile: 'dynamodb-workshop' }),
    'SSO_SESSION_EXPIRED',
    /aws sso login --profile dynamodb-workshop/,
  );
  const noProfile = Object.assign(new Error('Profile dynamodb-workshop was not found.'), { name: 'CredentialsProviderError' });
  assertWorkshopError(translateAwsError(noProfile, {}), 'SSO_PROFILE_MISSING', /aws configure sso --profile dynamodb-workshop/);
  const missing = Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
  assertWorkshopError(translateAwsError(missing, { tableName: 'ws-att-037' }), 'TABLE_MISSING', /00_setup/);
  const other = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  assert.equal(translateAwsError(other, {}), other, 'service errors that need no translation pass through unchanged');
});
