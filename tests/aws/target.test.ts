// The aws target's connection settings against an AWS stand-in (moto): which credentials, which endpoint, what
// 00_setup says about them. The SDK reads AWS_* from process.env, so this file sets them on its own process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, ListTablesCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { configuredEndpoint, credentialSource } from '../../src/aws';
import { createClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { explainError, WorkshopError } from '../../src/errors';
import { whoAmI } from '../../src/identity';
import { ensureGsi, ensureTable } from '../../src/table';
import { enableContributorInsights } from '../../src/observe/cloudwatch';
import { type AwsStandin, AWS_ENV_VARS, deployTenantRole, startAwsStandin } from '../helpers/aws-standin';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tenantClients } from '../../src/tenancy/clients';

let standin: AwsStandin;
const saved = { ...process.env };

function useEnv(env: NodeJS.ProcessEnv): void {
  for (const k of AWS_ENV_VARS) delete process.env[k];
  Object.assign(process.env, env);
}

before(async () => {
  standin = await startAwsStandin();
});
after(async () => {
  process.env = saved;
  await standin.stop();
});

test('profile with endpoint_url: requests go to that endpoint and 00_setup says so (not "aws")', async () => {
  useEnv(standin.env);
  const clients = await createClients(loadConfig({ ...standin.env, ATTENDEE_ID: 'p1' }));
  try {
    assert.equal(clients.endpoint, standin.endpoint);
    assert.equal(clients.credentials, 'profile dynamodb-workshop (~/.aws/config)');
    await clients.ddb.send(new ListTablesCommand({}));
    const me = await whoAmI(clients);
    assert.equal(me.endpoint, standin.endpoint);
    assert.equal(me.credentials, 'profile dynamodb-workshop (~/.aws/config)');
    assert.match(me.principal, /^arn:aws:(iam|sts)::1234\*\*\*\*9012:/);
  } finally {
    clients.ddb.destroy();
  }
});

test('credentials from environment variables win over the profile (the SSO portal gives exactly those)', async () => {
  // The profile is an SSO profile whose session expired yesterday: using it would fail.
  const config = path.join(standin.awsDir, 'config-sso');
  const cache = path.join(path.dirname(standin.awsDir), '.aws', 'sso', 'cache');
  fs.mkdirSync(cache, { recursive: true });
  const startUrl = 'https://example.awsapps.com/start';
  fs.writeFileSync(
    config,
    [
      '[profile dynamodb-workshop]',
      `sso_start_url = ${startUrl}`,
      'sso_region = ap-southeast-1',
      'sso_account_id = 111111111111',
      'sso_role_name = Attendee',
      'region = ap-southeast-1',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(cache, `${createHash('sha1').update(startUrl).digest('hex')}.json`),
    JSON.stringify({
      startUrl,
      region: 'ap-southeast-1',
      accessToken: 'x',
      expiresAt: new Date(Date.now() - 86_400_000).toISOString(),
    }),
  );
  const env = {
    ...standin.env,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: path.join(standin.awsDir, 'none'),
    AWS_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: 'standin-env',
    AWS_SECRET_ACCESS_KEY: 'standin-env',
    AWS_SESSION_TOKEN: 'standin-env',
    AWS_ENDPOINT_URL: standin.endpoint,
  };
  useEnv(env);
  delete process.env.AWS_PROFILE;
  const cfg = loadConfig({ ...env, ATTENDEE_ID: 'e1' });
  assert.equal(credentialSource(cfg).kind, 'environment');
  const clients = await createClients(cfg);
  try {
    assert.match(clients.credentials ?? '', /environment variables/);
    assert.equal(clients.endpoint, standin.endpoint);
    await clients.ddb.send(new ListTablesCommand({})); // the expired SSO profile would throw SSO_SESSION_EXPIRED
    await whoAmI(clients);
  } finally {
    clients.ddb.destroy();
  }
  // Without the variables the same machine falls back to the profile, and says how to log in again.
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;
  const viaProfile = await createClients(loadConfig({ ...env, AWS_ACCESS_KEY_ID: undefined, ATTENDEE_ID: 'e1' }));
  try {
    assert.equal(viaProfile.credentials, 'profile dynamodb-workshop (~/.aws/config)');
    await assert.rejects(() => viaProfile.ddb.send(new ListTablesCommand({})), /aws sso login --profile dynamodb-workshop/);
  } finally {
    viaProfile.ddb.destroy();
  }
});

test('endpoint settings in AWS order: per-service variable, AWS_ENDPOINT_URL, profile services section, endpoint_url', () => {
  const cfg = { profile: 'dynamodb-workshop' };
  const files = {
    configFile: {
      'dynamodb-workshop': { endpoint_url: 'http://profile:1', services: 'local' },
      'services local': { 'sts.endpoint_url': 'http://sts-section:2' },
    },
  };
  assert.equal(configuredEndpoint('dynamodb', cfg, {}, files), 'http://profile:1');
  assert.equal(configuredEndpoint('sts', cfg, {}, files), 'http://sts-section:2');
  assert.equal(configuredEndpoint('dynamodb', cfg, { AWS_ENDPOINT_URL: 'http://all:3/' }, files), 'http://all:3');
  assert.equal(
    configuredEndpoint('dynamodb', cfg, { AWS_ENDPOINT_URL: 'http://all:3', AWS_ENDPOINT_URL_DYNAMODB: 'http://ddb:4' }, files),
    'http://ddb:4',
  );
  assert.equal(configuredEndpoint('dynamodb', cfg, { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, files), undefined);
  assert.equal(configuredEndpoint('dynamodb', { profile: 'other' }, {}, files), undefined);
});

test("an answer that is not the service's (the stand-in's HTML 500 for Contributor Insights) reads as one sentence", async () => {
  useEnv(standin.env);
  const clients = await createClients(loadConfig({ ...standin.env, ATTENDEE_ID: 'ci1' }));
  try {
    await ensureTable(clients);
    const err = await enableContributorInsights(clients.ddb, { tableName: clients.config.tableName }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkshopError, `a WorkshopError, got ${String(err)}`);
    assert.equal(err.code, 'UNEXPECTED_ANSWER');
    assert.match(
      err.message,
      /^DynamoDB DescribeContributorInsights got an answer that is not DynamoDB's from http:\/\/127\.0\.0\.1:\d+ \(HTTP 500/,
    );
    assert.match(err.message, /DDB_ENDPOINT \/ AWS_ENDPOINT_URL/);
    assert.doesNotMatch(err.message, /SyntaxError|Unexpected token|\$metadata/);
    assert.match(explainError(err), /not DynamoDB's/);
  } finally {
    clients.ddb.destroy();
  }
});

test('ensureGsi sends every key attribute it relies on: an engine that replaces definitions keeps PK/SK typed', async () => {
  useEnv(standin.env);
  const clients = await createClients(loadConfig({ ...standin.env, ATTENDEE_ID: 'gsi1' }));
  try {
    await ensureTable(clients);
    await ensureGsi(clients, { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' });
    await ensureGsi(clients, { indexName: 'GSI2', partitionKey: 'GSI2PK' });
    const again = await ensureTable(clients); // checks PK (S, HASH) + SK (S, RANGE) again
    assert.equal(again.created, false);
  } finally {
    clients.ddb.destroy();
  }
});

test('a table with the wrong key schema is refused with names AND types, not a contradiction', async () => {
  useEnv(standin.env);
  const clients = await createClients(loadConfig({ ...standin.env, ATTENDEE_ID: 'bad1' }));
  try {
    await clients.ddb.send(
      new CreateTableCommand({
        TableName: 'ws-att-bad1',
        AttributeDefinitions: [
          { AttributeName: 'PK', AttributeType: 'N' },
          { AttributeName: 'SK', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        Tags: [{ Key: 'Owner', Value: 'bad1' }],
      }),
    );
    await assert.rejects(() => ensureTable(clients), {
      code: 'TABLE_SCHEMA',
      message: /key schema is PK \(N, HASH\) \+ SK \(S, RANGE\) \(the workshop needs PK \(S, HASH\) \+ SK \(S, RANGE\)\)/,
    });
  } finally {
    clients.ddb.destroy();
  }
});

test("the guide's GSI request (throughput on an on-demand table) is refused as AWS would, even by a lenient stand-in", async () => {
  useEnv(standin.env);
  const clients = await createClients(loadConfig({ ...standin.env, ATTENDEE_ID: 'guide1' }));
  try {
    await ensureTable(clients);
    await assert.rejects(
      () =>
        clients.ddb.send(
          new UpdateTableCommand({
            TableName: clients.config.tableName,
            AttributeDefinitions: [{ AttributeName: 'GSI1PK', AttributeType: 'S' }],
            GlobalSecondaryIndexUpdates: [
              {
                Create: {
                  IndexName: 'GSI1',
                  KeySchema: [{ AttributeName: 'GSI1PK', KeyType: 'HASH' }],
                  Projection: { ProjectionType: 'ALL' },
                  ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
                },
              },
            ],
          }),
        ),
      { name: 'ValidationException', message: /when BillingMode is PAY_PER_REQUEST/ },
    );
    await ensureTable(clients); // the table's key definitions are untouched
  } finally {
    clients.ddb.destroy();
  }
});

test('a tenant client assumes its role once per session, not once per request', async () => {
  useEnv(standin.env);
  const roleArn = deployTenantRole(standin.env);
  const clients = await createClients(loadConfig({ ...standin.env, ATTENDEE_ID: 'ar1' }));
  try {
    await ensureTable(clients, { tableName: 'ws-shared-ar' });
    await standin.startRecording();
    const acme = await tenantClients(clients, 'acme', {
      tableName: 'ws-shared-ar',
      env: { ...standin.env, WORKSHOP_TENANT_ROLE_ARN: roleArn },
    });
    try {
      for (let i = 0; i < 3; i++) {
        await acme.doc.send(new GetCommand({ TableName: 'ws-shared-ar', Key: { PK: 'TENANT#acme#USER#u1', SK: 'P' } }));
      }
    } finally {
      acme.ddb.destroy();
    }
    const assumeRoles = standin.recorded().filter((r) => /Action=AssumeRole\b/.test(r.body));
    assert.equal(assumeRoles.length, 1, `AssumeRole calls: ${assumeRoles.length}`);
  } finally {
    clients.ddb.destroy();
  }
});
