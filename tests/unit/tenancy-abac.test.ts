// The IAM documents against AWS's documented policy grammar, the leading keys each operation carries, the real
// evaluator's verdicts (including the ForAllValues empty-set pitfall), and the aws target's AssumeRole request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkshopError } from '../../src/errors';
import { loadConfig } from '../../src/config';
import type { WorkshopClients } from '../../src/client';
import {
  type PolicyDocument,
  TENANT_DATA_ACTIONS,
  TENANT_LEADING_KEY_PATTERN,
  assumedRoleArn,
  carelessTenantPolicy,
  indexArn,
  parseRoleArn,
  tableArn,
  tableNameOfArn,
  tenantAssumeRoleInput,
  tenantPolicy,
  tenantSessionName,
  tenantTrustPolicy,
} from '../../src/tenancy/policy';
import { accessDeniedMessage, authorizationRequests, simulateRequest, requestTables } from '../../src/local/enforcer';
import { tenantClients, tenantRoleArn } from '../../src/tenancy/clients';

const ARN = { region: 'ap-southeast-1', accountId: '000000000000' };
const TABLE_ARN = tableArn('ws-shared', ARN);
const code = (c: string) => (err: unknown) => err instanceof WorkshopError && err.code === c;

// ---- grammar ------------------------------------------------------------------------------------------------------
// IAM JSON policy reference: elements, condition operators (string, numeric, date, Bool, binary, IP, ARN, Null;
// "…IfExists" on all but Null; set operators ForAllValues:/ForAnyValue:), policy variables `${key}`.
const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
];
const MULTI_VALUED_KEYS = new Set(['dynamodb:LeadingKeys', 'dynamodb:Attributes', 'aws:TagKeys']);

function operatorProblems(op: string): string[] {
  if (op === 'Null') return [];
  const m = /^(?:(ForAllValues|ForAnyValue):)?([A-Za-z]+?)(IfExists)?$/.exec(op);
  if (!m || !BASE_OPERATORS.includes(m[2])) return [`unknown condition operator ${op}`];
  return [];
}

/** Problems of a policy document against the grammar; [] when it conforms. */
function grammarProblems(doc: PolicyDocument, kind: 'identity' | 'trust'): string[] {
  const p: string[] = [];
  const keys = Object.keys(doc);
  if (keys.join(',') !== 'Version,Statement') p.push(`top-level keys ${keys}`);
  if (doc.Version !== '2012-10-17') p.push(`Version ${doc.Version}`);
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) p.push('Statement must be a non-empty array');
  const sids = new Set<string>();
  for (const s of doc.Statement) {
    for (const k of Object.keys(s))
      if (!['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(k)) p.push(`element ${k}`);
    if (s.Sid !== undefined) {
      if (!/^[A-Za-z0-9]+$/.test(s.Sid)) p.push(`Sid ${s.Sid} (only A-Z a-z 0-9)`);
      if (sids.has(s.Sid)) p.push(`duplicate Sid ${s.Sid}`);
      sids.add(s.Sid);
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') p.push(`Effect ${s.Effect}`);
    if (!Array.isArray(s.Action) || s.Action.length === 0) p.push('Action must be a non-empty array');
    for (const a of s.Action) if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(a)) p.push(`Action ${a}`);
    if (kind === 'identity') {
      if (s.Principal !== undefined) p.push('an identity policy has no Principal');
      if (!s.Resource || s.Resource.length === 0) p.push('Resource required');
      for (const r of s.Resource ?? []) {
        if (!/^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}(\/index\/(\*|[A-Za-z0-9_.-]{3,255}))?$/.test(r))
          p.push(`Resource ${r}`);
      }
    } else {
      if (!s.Principal || typeof s.Principal !== 'object' || !s.Principal.AWS) p.push('a trust policy names a Principal');
      if (s.Resource !== undefined) p.push('a trust policy has no Resource');
    }
    for (const [op, block] of Object.entries(s.Condition ?? {})) {
      p.push(...operatorProblems(op));
      for (const [key, value] of Object.entries(block)) {
        if (!/^[a-z0-9-]+:[A-Za-z0-9/_.-]+$/.test(key)) p.push(`condition key ${key}`);
        if (op.startsWith('For') && !MULTI_VALUED_KEYS.has(key)) p.push(`${op} on single-valued key ${key}`);
        const values = Array.isArray(value) ? value : [value];
        if (op === 'Null' && (values.length !== 1 || !['true', 'false'].includes(values[0])))
          p.push(`Null takes "true" or "false", got ${value}`);
        for (const v of values) {
          if (typeof v !== 'string') p.push(`condition value ${JSON.stringify(v)} must be a string`);
          for (const variable of v.match(/\$\{[^}]*\}/g) ?? []) {
            if (!/^\$\{aws:[A-Za-z]+(\/[A-Za-z0-9_.:+=@-]+)?\}$/.test(variable)) p.push(`policy variable ${variable}`);
            if (!/Like$|Equals$/.test(op.replace(/IfExists$/, ''))) p.push(`variable in ${op}`);
          }
          if (/\*|\?/.test(v) && !/Like$/.test(op.replace(/IfExists$/, '')))
            p.push(`wildcard in ${op} (only *Like operators match wildcards)`);
        }
      }
    }
  }
  return p;
}

test('the tenant policy, exactly: least privilege, ForAllValues:StringLike on LeadingKeys with the tag variable, Null guard, table + GSIs', () => {
  const doc = tenantPolicy({ tableArn: TABLE_ARN });
  assert.deepEqual(doc, {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnTenantItemsTableAndTenantPrefixedGSIs',
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        Resource: [
          'arn:aws:dynamodb:ap-southeast-1:000000000000:table/ws-shared',
          'arn:aws:dynamodb:ap-southeast-1:000000000000:table/ws-shared/index/*',
        ],
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/TenantId}#*'] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ],
  });
  assert.deepEqual(grammarProblems(doc, 'identity'), []);
  assert.ok(!doc.Statement[0].Action.includes('dynamodb:Scan'), 'no Scan');
  assert.ok(!doc.Statement[0].Action.some((a) => a.includes('*')), 'no wildcard actions');
  assert.equal(TENANT_LEADING_KEY_PATTERN, 'TENANT#${aws:PrincipalTag/TenantId}#*');
  // The JSON text IAM receives keeps the variable literally.
  assert.match(JSON.stringify(doc), /"TENANT#\$\{aws:PrincipalTag\/TenantId\}#\*"/);
  const tableOnly = tenantPolicy({ tableArn: TABLE_ARN, includeIndexes: false });
  assert.deepEqual(tableOnly.Statement[0].Resource, [TABLE_ARN]);
  assert.match(tableOnly.Statement[0].Sid!, /GSIsNotTenantPrefixed/);
  assert.deepEqual(grammarProblems(tableOnly, 'identity'), []);
});

test('the careless policy adds Scan and drops the Null guard (and is still valid grammar: IAM would accept it)', () => {
  const doc = carelessTenantPolicy({ tableArn: TABLE_ARN });
  assert.deepEqual(grammarProblems(doc, 'identity'), []);
  assert.ok(doc.Statement[0].Action.includes('dynamodb:Scan'));
  assert.equal(doc.Statement[0].Condition!.Null, undefined);
});

test('the trust policy: AssumeRole for the SSO roles, TagSession only with exactly the TenantId tag', () => {
  const doc = tenantTrustPolicy({ accountId: '123456789012' });
  assert.deepEqual(grammarProblems(doc, 'trust'), []);
  const [assume, tag] = doc.Statement;
  assert.deepEqual(assume.Action, ['sts:AssumeRole']);
  assert.deepEqual(assume.Principal, { AWS: 'arn:aws:iam::123456789012:root' });
  assert.deepEqual(assume.Condition, {
    ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*' },
  });
  assert.deepEqual(tag.Action, ['sts:TagSession']);
  assert.deepEqual(tag.Condition!.Null, { 'aws:RequestTag/TenantId': 'false' });
  assert.deepEqual(tag.Condition!['ForAllValues:StringEquals'], { 'aws:TagKeys': ['TenantId'] });
  const custom = tenantTrustPolicy({ accountId: '123456789012', principalArnPattern: 'arn:aws:iam::123456789012:role/app-*' });
  assert.equal(custom.Statement[1].Condition!.ArnLike['aws:PrincipalArn'], 'arn:aws:iam::123456789012:role/app-*');
  assert.throws(() => tenantTrustPolicy({ accountId: '12345' }), code('ACCOUNT_ID_INVALID'));
});

test('ARNs', () => {
  assert.equal(TABLE_ARN, 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/ws-shared');
  assert.equal(indexArn(TABLE_ARN, 'GSI1'), `${TABLE_ARN}/index/GSI1`);
  assert.equal(tableNameOfArn(`${TABLE_ARN}/index/GSI1`), 'ws-shared');
  assert.equal(
    assumedRoleArn('000000000000', 'ws-tenant', 'acme.demo'),
    'arn:aws:sts::000000000000:assumed-role/ws-tenant/acme.demo',
  );
  assert.deepEqual(parseRoleArn('arn:aws:iam::123456789012:role/workshop/ws-tenant'), {
    partition: 'aws',
    accountId: '123456789012',
    roleName: 'ws-tenant',
  });
  assert.throws(() => parseRoleArn('ws-tenant'), code('TENANT_ROLE_ARN_INVALID'));
  assert.throws(() => parseRoleArn('arn:aws:iam::123:role/x'), code('TENANT_ROLE_ARN_INVALID'));
});

// ---- leading keys per operation ----------------------------------------------------------------------------------

const S = (s: string) => ({ S: s });
const schemaOf = () => ({ hash: 'PK', indexes: { GSI1: 'GSI1PK' } });
const arnOf = (t: string, i?: string) => (i ? indexArn(tableArn(t, ARN), i) : tableArn(t, ARN));
const auth = (op: string, body: Record<string, unknown>) => authorizationRequests(op, body, schemaOf, arnOf);
const A = 'TENANT#acme#USER#u1';
const B = 'TENANT#globex#USER#u1';

test('leading keys: single-item operations carry the item partition key', () => {
  assert.deepEqual(auth('GetItem', { TableName: 'ws-shared', Key: { PK: S(A), SK: S('P') } }), [
    { action: 'dynamodb:GetItem', resource: TABLE_ARN, leadingKeys: [A] },
  ]);
  assert.deepEqual(auth('PutItem', { TableName: 'ws-shared', Item: { PK: S(B), SK: S('P'), x: S('1') } }), [
    { action: 'dynamodb:PutItem', resource: TABLE_ARN, leadingKeys: [B] },
  ]);
  assert.deepEqual(auth('UpdateItem', { TableName: 'ws-shared', Key: { PK: S(A), SK: S('P') } })[0].leadingKeys, [A]);
  assert.deepEqual(auth('DeleteItem', { TableName: 'ws-shared', Key: { PK: S(A), SK: S('P') } })[0].leadingKeys, [A]);
});

test('leading keys: Query takes the key condition value (names and values resolved), on the index ARN for a GSI', () => {
  assert.deepEqual(
    auth('Query', {
      TableName: 'ws-shared',
      KeyConditionExpression: '#p = :v AND begins_with(SK, :s)',
      ExpressionAttributeNames: { '#p': 'PK' },
      ExpressionAttributeValues: { ':v': S(A), ':s': S('ORDER#') },
    }),
    [{ action: 'dynamodb:Query', resource: TABLE_ARN, leadingKeys: [A] }],
  );
  assert.deepEqual(
    auth('Query', {
      TableName: 'ws-shared',
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :v',
      ExpressionAttributeValues: { ':v': S('TENANT#acme#STATUS#P') },
    }),
    [{ action: 'dynamodb:Query', resource: `${TABLE_ARN}/index/GSI1`, leadingKeys: ['TENANT#acme#STATUS#P'] }],
  );
  // The legacy KeyConditions parameter too.
  assert.deepEqual(
    auth('Query', { TableName: 'ws-shared', KeyConditions: { PK: { AttributeValueList: [S(B)], ComparisonOperator: 'EQ' } } })[0]
      .leadingKeys,
    [B],
  );
});

test('leading keys: a Scan carries none (on the table or an index)', () => {
  assert.deepEqual(auth('Scan', { TableName: 'ws-shared' }), [{ action: 'dynamodb:Scan', resource: TABLE_ARN, leadingKeys: [] }]);
  assert.deepEqual(auth('Scan', { TableName: 'ws-shared', IndexName: 'GSI1' }), [
    { action: 'dynamodb:Scan', resource: `${TABLE_ARN}/index/GSI1`, leadingKeys: [] },
  ]);
});

test('leading keys: batches carry every partition key, one request per table', () => {
  assert.deepEqual(
    auth('BatchGetItem', {
      RequestItems: {
        'ws-shared': {
          Keys: [
            { PK: S(A), SK: S('1') },
            { PK: S(A), SK: S('2') },
            { PK: S(B), SK: S('1') },
          ],
        },
        other: { Keys: [{ PK: S('X'), SK: S('1') }] },
      },
    }),
    [
      { action: 'dynamodb:BatchGetItem', resource: TABLE_ARN, leadingKeys: [A, B] },
      { action: 'dynamodb:BatchGetItem', resource: tableArn('other', ARN), leadingKeys: ['X'] },
    ],
  );
  assert.deepEqual(
    auth('BatchWriteItem', {
      RequestItems: {
        'ws-shared': [{ PutRequest: { Item: { PK: S(A), SK: S('1') } } }, { DeleteRequest: { Key: { PK: S(B), SK: S('1') } } }],
      },
    }),
    [{ action: 'dynamodb:BatchWriteItem', resource: TABLE_ARN, leadingKeys: [A, B] }],
  );
});

test('leading keys: transactions are authorised item by item through the item actions', () => {
  assert.deepEqual(
    auth('TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 'ws-shared', Item: { PK: S(A), SK: S('1') } } },
        { Update: { TableName: 'ws-shared', Key: { PK: S(A), SK: S('2') } } },
        { Delete: { TableName: 'ws-shared', Key: { PK: S(B), SK: S('3') } } },
        {
          ConditionCheck: { TableName: 'ws-shared', Key: { PK: S(A), SK: S('4') }, ConditionExpression: 'attribute_exists(PK)' },
        },
      ],
    }).map((r) => [r.action, r.leadingKeys.join()]),
    [
      ['dynamodb:PutItem', A],
      ['dynamodb:UpdateItem', A],
      ['dynamodb:DeleteItem', B],
      ['dynamodb:ConditionCheckItem', A],
    ],
  );
  assert.deepEqual(
    auth('TransactGetItems', {
      TransactItems: [
        { Get: { TableName: 'ws-shared', Key: { PK: S(A), SK: S('1') } } },
        { Get: { TableName: 'ws-shared', Key: { PK: S(B), SK: S('1') } } },
      ],
    }).map((r) => [r.action, r.leadingKeys.join()]),
    [
      ['dynamodb:GetItem', A],
      ['dynamodb:GetItem', B],
    ],
  );
});

test('PartiQL and control-plane calls map to their IAM actions, with no leading keys', () => {
  assert.deepEqual(auth('ExecuteStatement', { Statement: 'SELECT * FROM "ws-shared" WHERE PK = ?' }), [
    { action: 'dynamodb:PartiQLSelect', resource: TABLE_ARN, leadingKeys: [] },
  ]);
  assert.deepEqual(
    auth('ExecuteStatement', { Statement: 'INSERT INTO "ws-shared" VALUE {}' })[0].action,
    'dynamodb:PartiQLInsert',
  );
  assert.deepEqual(auth('DescribeTable', { TableName: 'ws-shared' }), [
    { action: 'dynamodb:DescribeTable', resource: TABLE_ARN, leadingKeys: [] },
  ]);
  assert.deepEqual(auth('ListTables', {}), [{ action: 'dynamodb:ListTables', resource: '*', leadingKeys: [] }]);
  assert.deepEqual(
    requestTables('TransactWriteItems', { TransactItems: [{ Put: { TableName: 'a1x' } }, { Delete: { TableName: 'b2y' } }] }),
    ['a1x', 'b2y'],
  );
});

// ---- the real evaluator -------------------------------------------------------------------------------------------

const PRINCIPAL = 'arn:aws:sts::000000000000:assumed-role/ws-tenant/acme.unit';
/** tenantId null: an untagged session. */
async function verdict(
  policy: PolicyDocument,
  action: string,
  leadingKeys: string[],
  tenantId: string | null = 'acme',
  resource = TABLE_ARN,
): Promise<string> {
  const r = await simulateRequest({
    policy,
    principalArn: PRINCIPAL,
    tenantId: tenantId ?? undefined,
    action,
    resource,
    leadingKeys,
    accountId: '000000000000',
  });
  return r.allowed ? 'ALLOWED' : 'DENIED';
}

test('evaluator: own tenant allowed, other and mixed denied, lookalike tenant denied, untagged session denied', async () => {
  const p = tenantPolicy({ tableArn: TABLE_ARN });
  for (const action of TENANT_DATA_ACTIONS) {
    assert.equal(await verdict(p, action, [A]), 'ALLOWED', `${action} own`);
    assert.equal(await verdict(p, action, [B]), 'DENIED', `${action} other`);
    assert.equal(await verdict(p, action, [A, B]), 'DENIED', `${action} mixed`);
  }
  assert.equal(await verdict(p, 'dynamodb:GetItem', ['TENANT#acmecorp#USER#u1']), 'DENIED');
  assert.equal(await verdict(p, 'dynamodb:GetItem', [A], null), 'DENIED', 'no TenantId tag: the variable does not resolve');
  assert.equal(await verdict(p, 'dynamodb:GetItem', [B], 'globex'), 'ALLOWED', 'one policy serves every tenant');
  assert.equal(await verdict(p, 'dynamodb:Query', ['TENANT#acme#STATUS#P'], 'acme', `${TABLE_ARN}/index/GSI1`), 'ALLOWED');
  assert.equal(await verdict(p, 'dynamodb:Query', ['TENANT#globex#STATUS#P'], 'acme', `${TABLE_ARN}/index/GSI1`), 'DENIED');
  assert.equal(await verdict(p, 'dynamodb:GetItem', [A], 'acme', tableArn('ws-att-demo', ARN)), 'DENIED', 'another table');
  // A tag value with a wildcard does not widen the pattern (and tenant ids refuse * anyway).
  assert.equal(await verdict(p, 'dynamodb:GetItem', [B], 'glo*'), 'DENIED');
});

test('evaluator: the ForAllValues empty-set pitfall is real — no leading keys passes ForAllValues; Scan or the Null guard decides', async () => {
  const ours = tenantPolicy({ tableArn: TABLE_ARN });
  const careless = carelessTenantPolicy({ tableArn: TABLE_ARN });
  // Careless: a Scan carries no LeadingKeys, ForAllValues over nothing is true → every tenant's items.
  assert.equal(await verdict(careless, 'dynamodb:Scan', []), 'ALLOWED');
  // The empty-set rule itself, on any action: no keys at all passes ForAllValues.
  assert.equal(await verdict(careless, 'dynamodb:GetItem', []), 'ALLOWED');
  // Ours: Scan is not granted, and the Null guard refuses any request without leading keys.
  assert.equal(await verdict(ours, 'dynamodb:Scan', []), 'DENIED');
  assert.equal(await verdict(ours, 'dynamodb:GetItem', []), 'DENIED');
  // Scan granted but guarded by Null: still denied (belt and braces).
  const guarded: PolicyDocument = JSON.parse(JSON.stringify(ours));
  guarded.Statement[0].Action.push('dynamodb:Scan');
  assert.equal(await verdict(guarded, 'dynamodb:Scan', []), 'DENIED');
  // Careless is still tenant-scoped where keys exist.
  assert.equal(await verdict(careless, 'dynamodb:GetItem', [B]), 'DENIED');
});

test('evaluator: a malformed policy is rejected as IAM would reject it', async () => {
  const bad = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Permit', Action: ['dynamodb:GetItem'], Resource: [TABLE_ARN] }],
  } as unknown as PolicyDocument;
  await assert.rejects(() => verdict(bad, 'dynamodb:GetItem', [A]), code('POLICY_INVALID'));
});

test("AccessDenied message: AWS's wording", () => {
  assert.equal(
    accessDeniedMessage(PRINCIPAL, 'dynamodb:GetItem', TABLE_ARN, 'ImplicitlyDenied'),
    `User: ${PRINCIPAL} is not authorized to perform: dynamodb:GetItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:GetItem action`,
  );
  assert.match(
    accessDeniedMessage(PRINCIPAL, 'dynamodb:GetItem', TABLE_ARN, 'ExplicitlyDenied'),
    /with an explicit deny in an identity-based policy$/,
  );
});

// ---- the aws target -----------------------------------------------------------------------------------------------

test('the AssumeRole request for a tenant session: role, session name, TenantId tag', () => {
  assert.deepEqual(
    tenantAssumeRoleInput({ roleArn: 'arn:aws:iam::123456789012:role/ws-tenant', tenantId: 'acme', attendeeId: '037' }),
    {
      RoleArn: 'arn:aws:iam::123456789012:role/ws-tenant',
      RoleSessionName: 'acme.037',
      DurationSeconds: 3600,
      Tags: [{ Key: 'TenantId', Value: 'acme' }],
    },
  );
  assert.equal(
    tenantAssumeRoleInput({
      roleArn: 'arn:aws:iam::123456789012:role/ws-tenant',
      tenantId: 'acme',
      attendeeId: 'x',
      durationSeconds: 900,
    }).DurationSeconds,
    900,
  );
  assert.throws(
    () => tenantAssumeRoleInput({ roleArn: 'arn:aws:iam::123456789012:role/ws-tenant', tenantId: 'a#b', attendeeId: 'x' }),
    code('TENANT_ID_INVALID'),
  );
  assert.throws(
    () => tenantAssumeRoleInput({ roleArn: 'nope', tenantId: 'acme', attendeeId: 'x' }),
    code('TENANT_ROLE_ARN_INVALID'),
  );
  assert.equal(tenantSessionName('acme', 'a'.repeat(80)).length, 64);
  assert.match(tenantSessionName('acme', '037'), /^[\w+=,.@-]{2,64}$/);
});

test('tenantClients on the aws target without WORKSHOP_TENANT_ROLE_ARN: a WorkshopError naming the variable (no network)', async () => {
  const config = loadConfig({ ATTENDEE_ID: 'unit', WORKSHOP_TARGET: 'aws' });
  const clients = { config, endpoint: 'aws' } as unknown as WorkshopClients;
  await assert.rejects(
    () => tenantClients(clients, 'acme', { env: {} }),
    (e: unknown) =>
      code('TENANT_ROLE_UNSET')(e) &&
      /WORKSHOP_TENANT_ROLE_ARN is not set/.test((e as Error).message) &&
      /export WORKSHOP_TENANT_ROLE_ARN=/.test((e as Error).message),
  );
  await assert.rejects(
    () => tenantClients(clients, 'acme', { env: { WORKSHOP_TENANT_ROLE_ARN: 'ws-tenant' } }),
    code('TENANT_ROLE_ARN_INVALID'),
  );
  await assert.rejects(
    () => tenantClients(clients, 'acme', { env: {}, policy: tenantPolicy({ tableArn: TABLE_ARN }) }),
    code('TENANT_POLICY_OVERRIDE_AWS'),
  );
  assert.throws(() => tenantRoleArn({}), code('TENANT_ROLE_UNSET'));
  assert.equal(
    tenantRoleArn({ WORKSHOP_TENANT_ROLE_ARN: ' arn:aws:iam::123456789012:role/ws-tenant ' }),
    'arn:aws:iam::123456789012:role/ws-tenant',
  );
});

test('the trust policy through the same evaluator: tag with exactly TenantId → allowed; extra or missing tag, other caller → denied', async () => {
  const { runSimulation } = require('@cloud-copilot/iam-simulate') as {
    runSimulation: (s: unknown, o: unknown) => Promise<{ resultType: string; overallResult?: string }>;
  };
  const ROLE = 'arn:aws:iam::123456789012:role/ws-tenant';
  const SSO =
    'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-southeast-1/AWSReservedSSO_Attendee_0123456789abcdef';
  const trust = tenantTrustPolicy({ accountId: '123456789012' });
  const callerMayAssume = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: [ROLE] }],
  };
  const run = async (action: string, roleOfCaller: string, ctx: Record<string, string | string[]>) => {
    const r = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::123456789012:assumed-role/${roleOfCaller.split('/').pop()}/someone`,
          action,
          resource: { resource: ROLE, accountId: '123456789012' },
          contextVariables: { ...ctx, 'aws:PrincipalArn': roleOfCaller },
        },
        identityPolicies: [{ name: 'caller', policy: callerMayAssume }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
      },
      {},
    );
    assert.equal(r.resultType, 'single');
    return r.overallResult;
  };
  assert.equal(await run('sts:AssumeRole', SSO, {}), 'Allowed');
  assert.equal(await run('sts:TagSession', SSO, { 'aws:RequestTag/TenantId': 'acme', 'aws:TagKeys': ['TenantId'] }), 'Allowed');
  assert.equal(
    await run('sts:TagSession', SSO, {
      'aws:RequestTag/TenantId': 'acme',
      'aws:RequestTag/Admin': 'true',
      'aws:TagKeys': ['TenantId', 'Admin'],
    }),
    'ImplicitlyDenied',
  );
  assert.equal(
    await run('sts:TagSession', SSO, { 'aws:RequestTag/Project': 'x', 'aws:TagKeys': ['Project'] }),
    'ImplicitlyDenied',
  );
  assert.equal(
    await run('sts:TagSession', SSO, {}),
    'ImplicitlyDenied',
    'no tags: the Null guard keeps ForAllValues from passing vacuously',
  );
  assert.equal(await run('sts:AssumeRole', 'arn:aws:iam::123456789012:role/SomeOtherRole', {}), 'ImplicitlyDenied');
});
