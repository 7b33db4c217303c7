// The IAM policy evaluator behind section 4 is a plug-in (an optional dependency under AGPL-3.0-or-later; the
// workshop's own files are MIT-0). This file holds the whole attack matrix in one place — the verdicts of
// tests/unit/tenancy-abac.test.ts, tests/unit/request.test.ts, tests/connected/tenancy.test.ts (the probes' real wire
// requests), tests/connected/room.test.ts and notebooks/checks/04_multitenancy.ts — and checks that the evaluator we
// ship gives every one of them. Any replacement evaluator must pass the same matrix: with `pbac` installed
// (`npm install --no-save pbac`) the last tests run it side by side, which is how the README's Licence section got
// its evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  type PolicyDocument,
  TENANT_DATA_ACTIONS,
  assumedRoleArn,
  carelessTenantPolicy,
  indexArn,
  tableArn,
  tenantPolicy,
  tenantTrustPolicy,
} from '../../src/tenancy/policy';
import { IAM_EVALUATOR, type SimulatedRequest, authorizationRequests, simulateRequest } from '../../src/local/enforcer';
import { isolationProbes } from '../../src/tenancy/isolation';
import { roomPolicy } from '../../src/room/room';
import { catalogReaderPolicy } from '../../notebooks/solutions/04_multitenancy';

const repo = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
/** A fork may remove the plug-in (`npm uninstall @cloud-copilot/iam-simulate`): the tests that need it then skip. */
const withoutPlugin =
  !pkg.optionalDependencies?.[IAM_EVALUATOR.name] && 'the IAM evaluator plug-in was removed from package.json';
type Verdict = 'ALLOWED' | 'DENIED' | 'POLICY_INVALID';

interface MatrixCase {
  group: string;
  what: string;
  expected: Verdict;
  /** The authorization requests of one call: allowed when every one is (the enforcer stops at the first refusal). */
  requests: SimulatedRequest[];
}

const ACC = '000000000000';
const ARN = { region: 'ap-southeast-1', accountId: ACC };
const TABLE_ARN = tableArn('ws-shared', ARN);
const A = 'TENANT#acme#USER#u1';
const B = 'TENANT#globex#USER#u1';
const CAT = 'CATALOG#plans';

function request(
  policy: PolicyDocument,
  action: string,
  leadingKeys: string[],
  tenantId: string | null,
  resource: string,
  principalTags?: Record<string, string>,
): SimulatedRequest {
  return {
    policy,
    principalArn: assumedRoleArn(ACC, 'ws-tenant', `${tenantId ?? 'untagged'}.matrix`),
    tenantId: tenantId ?? undefined,
    principalTags,
    action,
    resource,
    leadingKeys,
    accountId: ACC,
  };
}

/** The SDK's real requests for a probe, captured where the network would be (no engine needed). */
async function wireRequests(send: (doc: DynamoDBDocumentClient) => Promise<unknown>) {
  const seen: { operation: string; body: Record<string, unknown> }[] = [];
  const ddb = new DynamoDBClient({
    region: ARN.region,
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'matrix', secretAccessKey: 'matrix' },
    maxAttempts: 1,
  });
  (ddb.config as unknown as { requestHandler: unknown }).requestHandler = {
    handle: async (r: { headers: Record<string, string>; body: unknown }) => {
      const text = typeof r.body === 'string' ? r.body : Buffer.from(r.body as Uint8Array).toString('utf8');
      seen.push({ operation: String(r.headers['x-amz-target']).split('.')[1], body: JSON.parse(text) });
      throw new Error('captured');
    },
  };
  await send(DynamoDBDocumentClient.from(ddb)).catch(() => undefined);
  ddb.destroy();
  const schemaOf = () => ({ hash: 'PK', indexes: { GSI1: 'GSI1PK' } });
  const arnOf = (t: string, i?: string) => (i ? indexArn(tableArn(t, ARN), i) : tableArn(t, ARN));
  return seen.flatMap((s) => authorizationRequests(s.operation, s.body, schemaOf, arnOf));
}

/** notebooks/checks/04_multitenancy.ts's CASES, read from the file itself (it does not export them). */
function checkpointCases(): {
  what: string;
  tenant: string;
  action: string;
  keys: string[];
  index?: boolean;
  allowed: boolean;
}[] {
  const text = fs.readFileSync(path.join(repo, 'notebooks', 'checks', '04_multitenancy.ts'), 'utf8');
  const literal = /const CASES: Case\[\] = (\[[\s\S]*?\n\]);/.exec(text)?.[1];
  assert.ok(literal, 'CASES in notebooks/checks/04_multitenancy.ts');
  return new Function('A', 'B', 'CAT', `return ${literal};`)(A, B, CAT);
}

async function attackMatrix(): Promise<MatrixCase[]> {
  const cases: MatrixCase[] = [];
  const add = (group: string, what: string, expected: Verdict, ...requests: SimulatedRequest[]) =>
    cases.push({ group, what, expected, requests });
  const ours = tenantPolicy({ tableArn: TABLE_ARN });
  const careless = carelessTenantPolicy({ tableArn: TABLE_ARN });
  const guarded: PolicyDocument = JSON.parse(JSON.stringify(ours));
  guarded.Statement[0].Action.push('dynamodb:Scan');
  const acme = (p: PolicyDocument, action: string, keys: string[], resource = TABLE_ARN) =>
    request(p, action, keys, 'acme', resource);

  // tests/unit/tenancy-abac.test.ts
  let g = 'unit: tenancy-abac';
  for (const action of TENANT_DATA_ACTIONS) {
    const op = action.replace('dynamodb:', '');
    add(g, `${op} own`, 'ALLOWED', acme(ours, action, [A]));
    add(g, `${op} other`, 'DENIED', acme(ours, action, [B]));
    add(g, `${op} mixed`, 'DENIED', acme(ours, action, [A, B]));
  }
  add(g, 'lookalike tenant acmecorp', 'DENIED', acme(ours, 'dynamodb:GetItem', ['TENANT#acmecorp#USER#u1']));
  add(g, 'untagged session', 'DENIED', request(ours, 'dynamodb:GetItem', [A], null, TABLE_ARN));
  add(g, 'globex own: one policy, every tenant', 'ALLOWED', request(ours, 'dynamodb:GetItem', [B], 'globex', TABLE_ARN));
  add(g, 'GSI own', 'ALLOWED', acme(ours, 'dynamodb:Query', ['TENANT#acme#STATUS#P'], indexArn(TABLE_ARN, 'GSI1')));
  add(g, 'GSI other', 'DENIED', acme(ours, 'dynamodb:Query', ['TENANT#globex#STATUS#P'], indexArn(TABLE_ARN, 'GSI1')));
  add(g, 'another table', 'DENIED', acme(ours, 'dynamodb:GetItem', [A], tableArn('ws-att-demo', ARN)));
  add(g, "tag value 'glo*'", 'DENIED', request(ours, 'dynamodb:GetItem', [B], 'glo*', TABLE_ARN));
  add(g, 'pitfall: careless Scan, no keys', 'ALLOWED', acme(careless, 'dynamodb:Scan', []));
  add(g, 'pitfall: careless GetItem, no keys', 'ALLOWED', acme(careless, 'dynamodb:GetItem', []));
  add(g, 'pitfall: ours Scan', 'DENIED', acme(ours, 'dynamodb:Scan', []));
  add(g, 'pitfall: ours GetItem, no keys', 'DENIED', acme(ours, 'dynamodb:GetItem', []));
  add(g, 'pitfall: Scan granted + Null guard', 'DENIED', acme(guarded, 'dynamodb:Scan', []));
  add(g, 'pitfall: careless GetItem other', 'DENIED', acme(careless, 'dynamodb:GetItem', [B]));
  const malformed = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Permit', Action: ['dynamodb:GetItem'], Resource: [TABLE_ARN] }],
  } as unknown as PolicyDocument;
  add(g, 'malformed policy (Effect Permit)', 'POLICY_INVALID', acme(malformed, 'dynamodb:GetItem', [A]));

  // IAM semantics a substituting adapter can get wrong (not otherwise in the matrix).
  g = 'IAM semantics';
  add(g, 'careless, own keys (no Null guard)', 'ALLOWED', acme(careless, 'dynamodb:GetItem', [A]));
  add(g, "careless, tag value 'glo*' reads globex", 'DENIED', request(careless, 'dynamodb:GetItem', [B], 'glo*', TABLE_ARN));
  const twoKeys: PolicyDocument = JSON.parse(JSON.stringify(careless));
  twoKeys.Statement[0].Condition!.StringEquals = { 'aws:PrincipalTag/Team': 'blue', 'aws:PrincipalTag/TenantId': 'acme' };
  add(
    g,
    'every key of an operator block counts',
    'DENIED',
    request(twoKeys, 'dynamodb:GetItem', [B], 'globex', TABLE_ARN, { Team: 'blue' }),
  );

  // tests/unit/request.test.ts
  g = 'unit: request';
  const query = async (what: string, expected: Verdict, body: Record<string, unknown>) => {
    const [r] = authorizationRequests(
      'Query',
      { TableName: 'ws-shared', ...body },
      () => ({ hash: 'PK', indexes: {} }),
      () => TABLE_ARN,
    );
    add(g, what, expected, acme(ours, r.action, r.leadingKeys));
  };
  await query("':p = PK' own", 'ALLOWED', { KeyConditionExpression: ':p = PK', ExpressionAttributeValues: { ':p': { S: A } } });
  await query('KeyConditions own', 'ALLOWED', {
    KeyConditions: { PK: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: A }] } },
  });
  await query("':p = PK' other", 'DENIED', { KeyConditionExpression: ':p = PK', ExpressionAttributeValues: { ':p': { S: B } } });

  // tests/connected/tenancy.test.ts: every probe's real requests, both tenants
  g = 'connected: tenancy';
  const wire = async (
    what: string,
    expected: Verdict,
    p: PolicyDocument,
    tid: string,
    send: (d: DynamoDBDocumentClient) => Promise<unknown>,
  ) => add(g, what, expected, ...(await wireRequests(send)).map((r) => request(p, r.action, r.leadingKeys, tid, r.resource)));
  for (const own of ['acme', 'globex']) {
    const other = own === 'acme' ? 'globex' : 'acme';
    for (const probe of isolationProbes({ tableName: 'ws-shared', indexName: 'GSI1', own, other })) {
      // a probe expected to fail for another reason than IAM has no verdict here
      if (probe.expected === 'ERROR') continue;
      await wire(`${own} ${probe.operation}/${probe.keySet}`, probe.expected, ours, own, probe.send);
    }
  }
  const scan = (d: DynamoDBDocumentClient) => d.send(new ScanCommand({ TableName: 'ws-shared' }));
  await wire('careless Scan leaks', 'ALLOWED', careless, 'acme', scan);
  await wire('careless GetItem globex', 'DENIED', careless, 'acme', (d) =>
    d.send(new GetCommand({ TableName: 'ws-shared', Key: { PK: B, SK: 'PROFILE' } })),
  );
  await wire('ours Scan', 'DENIED', ours, 'acme', scan);
  await wire('Scan granted + Null guard', 'DENIED', guarded, 'acme', scan);
  await wire('DescribeTable', 'DENIED', ours, 'acme', (d) =>
    d.send(new DescribeTableCommand({ TableName: 'ws-shared' }) as never),
  );

  // notebooks/checks/04_multitenancy.ts: CASES x the reference and the three mistakes tests/connected/tenancy.test.ts
  // feeds it (expected: the reference passes; each mistake fails exactly where that test says it does).
  const ref = catalogReaderPolicy(TABLE_ARN);
  const read = ref.Statement[0];
  const split: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        ...read,
        Sid: 'ReadOwn',
        Condition: {
          ...read.Condition,
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/TenantId}#*'] },
        },
      },
      {
        ...read,
        Sid: 'ReadCatalog',
        Condition: { ...read.Condition, 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CATALOG#*'] } },
      },
      ref.Statement[1],
    ],
  };
  const loose = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/TenantId}#*', 'CATALOG#*'] } };
  const sloppy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      { ...ref.Statement[0], Action: [...ref.Statement[0].Action, 'dynamodb:Scan'], Condition: loose },
      { ...ref.Statement[1], Condition: loose },
    ],
  };
  type C = ReturnType<typeof checkpointCases>[number];
  const policies: [string, PolicyDocument, (c: C) => boolean][] = [
    ['reference', ref, (c) => c.allowed],
    ['tenant policy only', ours, (c) => c.allowed && !c.keys.includes(CAT)],
    ['one read statement per pattern', split, (c) => c.allowed && !(c.keys.includes(A) && c.keys.includes(CAT))],
    [
      'catalog writable, Scan, no Null',
      sloppy,
      (c) => c.allowed || (!c.keys.includes(B) && !c.keys.some((k) => k.includes('acmecorp'))),
    ],
  ];
  for (const [name, p, allowed] of policies)
    for (const c of checkpointCases())
      add(
        `checkpoint 04: ${name}`,
        c.what,
        allowed(c) ? 'ALLOWED' : 'DENIED',
        request(p, `dynamodb:${c.action}`, c.keys, c.tenant, c.index ? indexArn(TABLE_ARN, 'GSI1') : TABLE_ARN),
      );

  // tests/connected/room.test.ts: the room policy keys on the AttendeeId session tag
  g = 'connected: room';
  const roomArn = tableArn('ws-room', ARN);
  const room = roomPolicy({ tableArn: roomArn });
  const mine = 'ATTENDEE#a1#ROOM#sg-rehearsal';
  const a1 = (action: string, keys: string[], tags: Record<string, string> | null = { AttendeeId: 'a1' }) =>
    request(room, action, keys, null, roomArn, tags ?? undefined);
  add(g, 'a1 updates own progress', 'ALLOWED', a1('dynamodb:UpdateItem', [mine]));
  add(g, 'a1 reads own', 'ALLOWED', a1('dynamodb:GetItem', [mine]));
  add(g, 'a1 puts own', 'ALLOWED', a1('dynamodb:PutItem', [mine]));
  add(g, "a1 forges a2's item", 'DENIED', a1('dynamodb:UpdateItem', ['ATTENDEE#a2#ROOM#sg-rehearsal']));
  add(g, 'a1 lookalike a10', 'DENIED', a1('dynamodb:UpdateItem', ['ATTENDEE#a10#ROOM#sg-rehearsal']));
  add(g, 'a1 scans', 'DENIED', a1('dynamodb:Scan', []));
  add(g, 'a1 deletes own (not granted)', 'DENIED', a1('dynamodb:DeleteItem', [mine]));
  add(g, 'no AttendeeId tag', 'DENIED', a1('dynamodb:UpdateItem', [mine], null));
  return cases;
}

type Decide = (r: SimulatedRequest) => Promise<Verdict>;

async function verdictOf(c: MatrixCase, decide: Decide): Promise<Verdict> {
  for (const r of c.requests) {
    const v = await decide(r);
    if (v !== 'ALLOWED') return v;
  }
  return 'ALLOWED';
}

const shipped: Decide = async (r) => {
  try {
    return (await simulateRequest(r)).allowed ? 'ALLOWED' : 'DENIED';
  } catch (err) {
    if ((err as { code?: string }).code === 'POLICY_INVALID') return 'POLICY_INVALID';
    throw err;
  }
};

/** Per group: cases, and how many an evaluator got right. */
function summary(rows: { group: string; expected: Verdict; got: Verdict }[]) {
  const by = new Map<string, { group: string; cases: number; right: number }>();
  for (const r of rows) {
    const s = by.get(r.group) ?? { group: r.group, cases: 0, right: 0 };
    s.cases++;
    if (r.got === r.expected) s.right++;
    by.set(r.group, s);
  }
  return Array.from(by.values());
}

test('the shipped evaluator gives every verdict of the attack matrix (pitfall and Null guard included)', {
  skip: withoutPlugin,
}, async () => {
  const cases = await attackMatrix();
  const rows = [];
  for (const c of cases) rows.push({ group: c.group, what: c.what, expected: c.expected, got: await verdictOf(c, shipped) });
  console.table(summary(rows));
  assert.ok(cases.length >= 179, `${cases.length} cases`);
  assert.deepEqual(
    rows.filter((r) => r.got !== r.expected),
    [],
  );
});

test('the trust policy through the plug-in (what tenancy-abac checks with runSimulation directly)', {
  skip: withoutPlugin,
}, async () => {
  const { runSimulation } = require(IAM_EVALUATOR.name) as {
    runSimulation: (s: unknown, o: unknown) => Promise<{ overallResult?: string }>;
  };
  const ROLE = 'arn:aws:iam::123456789012:role/ws-tenant';
  const SSO = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-southeast-1/AWSReservedSSO_A_0123456789abcdef';
  const run = async (action: string, caller: string, ctx: Record<string, string | string[]>) =>
    (
      await runSimulation(
        {
          request: {
            principal: `arn:aws:sts::123456789012:assumed-role/${caller.split('/').pop()}/someone`,
            action,
            resource: { resource: ROLE, accountId: '123456789012' },
            contextVariables: { ...ctx, 'aws:PrincipalArn': caller },
          },
          identityPolicies: [
            {
              name: 'caller',
              policy: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: [ROLE] }],
              },
            },
          ],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: tenantTrustPolicy({ accountId: '123456789012' }),
        },
        {},
      )
    ).overallResult;
  assert.equal(await run('sts:AssumeRole', SSO, {}), 'Allowed');
  assert.equal(await run('sts:TagSession', SSO, { 'aws:RequestTag/TenantId': 'acme', 'aws:TagKeys': ['TenantId'] }), 'Allowed');
  assert.equal(await run('sts:TagSession', SSO, {}), 'ImplicitlyDenied');
});

test('without the plug-in: the library loads, section 4 evaluation says what is missing and how to add it', () => {
  // A child process in which resolving the plug-in fails exactly as it does when it is not installed.
  const script = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === ${JSON.stringify(IAM_EVALUATOR.name)}) {
        const e = new Error("Cannot find module '" + request + "'");
        e.code = 'MODULE_NOT_FOUND';
        throw e;
      }
      return resolve.call(this, request, ...rest);
    };
    const ws = { ...require('./src/multitenancy'), ...require('./src/local/enforcer') };
    const { DynamoDBClient, GetItemCommand } = require('@aws-sdk/client-dynamodb');
    (async () => {
      const out = {};
      const req = { policy: ws.tenantPolicy({ tableArn: 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/ws-shared' }),
        principalArn: 'arn:aws:sts::000000000000:assumed-role/ws-tenant/acme.t', tenantId: 'acme',
        action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/ws-shared',
        leadingKeys: ['TENANT#acme#USER#u1'], accountId: '000000000000' };
      await ws.simulateRequest(req).catch((e) => { out.direct = { code: e.code, message: e.message }; });
      // Through an enforced client, as section 4's tenant clients are: the call fails with the same error, once.
      const ddb = new DynamoDBClient({ region: 'ap-southeast-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 3,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      new ws.AbacEnforcer({ policy: req.policy, principalArn: req.principalArn, tenantId: 'acme',
        arn: { region: 'ap-southeast-1', accountId: '000000000000' },
        describer: { send: async () => { throw new Error('no engine'); } } }).install(ddb);
      await ddb.send(new GetItemCommand({ TableName: 'ws-shared', Key: { PK: { S: 'TENANT#acme#USER#u1' }, SK: { S: 'P' } } }))
        .catch((e) => { out.client = { code: e.code, attempts: e.$metadata && e.$metadata.attempts }; });
      out.keys = ws.tenantKeys('acme').profileKey('u1').PK;
      console.log(JSON.stringify(out));
    })();
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out.keys, 'TENANT#acme#USER#u1', 'the rest of the library works');
  assert.equal(out.direct.code, 'IAM_EVALUATOR_MISSING');
  assert.match(
    out.direct.message,
    /optional plug-in @cloud-copilot\/iam-simulate \(AGPL-3\.0-or-later\), which is not installed/,
  );
  assert.match(out.direct.message, /-> npm install --no-save @cloud-copilot\/iam-simulate@0\.1\.173/);
  assert.equal(out.client.code, 'IAM_EVALUATOR_MISSING');
});

test('package.json: the plug-in is an optional dependency pinned to IAM_EVALUATOR.version, and nothing else needs it', {
  skip: withoutPlugin,
}, () => {
  assert.deepEqual(pkg.optionalDependencies, { [IAM_EVALUATOR.name]: IAM_EVALUATOR.version });
  assert.equal(pkg.dependencies[IAM_EVALUATOR.name], undefined);
  const installed = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules', IAM_EVALUATOR.name, 'package.json'), 'utf8'));
  assert.equal(installed.license, IAM_EVALUATOR.licence);
  // Loaded lazily from one place: no other source file names it.
  const users = ['src', 'tools', 'notebooks']
    .flatMap((d) => fs.readdirSync(path.join(repo, d), { recursive: true, encoding: 'utf8' }).map((f) => path.join(d, f)))
    .filter((f) => !f.startsWith(path.join('notebooks', 'src')) && /\.(ts|ipynb)$/.test(f)) // notebooks/src links to src/
    .filter((f) => !f.split(path.sep).includes('workshop')) // workshop/: links to dist/
    .filter((f) => fs.readFileSync(path.join(repo, f), 'utf8').includes(IAM_EVALUATOR.name));
  assert.deepEqual(users, [path.join('src', 'local', 'iam-evaluator.ts')]);
});

// ---- pbac (MIT), side by side: runs only where pbac is installed (`npm install --no-save pbac`) ------------------

function loadPbac(): (new (policies: unknown[]) => { evaluate(o: unknown): boolean }) | undefined {
  try {
    return require('pbac');
  } catch {
    return undefined;
  }
}

/** pbac with every ${aws:PrincipalTag/*} the request carries substituted first, LeadingKeys always passed as a list. */
function pbacDecide(PBAC: NonNullable<ReturnType<typeof loadPbac>>): Decide {
  return async (r) => {
    const tags: Record<string, string> = { ...(r.principalTags ?? {}) };
    if (r.tenantId !== undefined) tags.TenantId = r.tenantId;
    const subst = (x: unknown): unknown =>
      typeof x === 'string'
        ? x.replace(/\$\{aws:PrincipalTag\/([^}]+)\}/g, (m, k: string) => tags[k] ?? m)
        : Array.isArray(x)
          ? x.map(subst)
          : x && typeof x === 'object'
            ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, subst(v)]))
            : x;
    let evaluator: { evaluate(o: unknown): boolean };
    try {
      evaluator = new PBAC([subst(r.policy)]);
    } catch {
      return 'POLICY_INVALID';
    }
    const aws = Object.fromEntries(Object.entries(tags).map(([k, v]) => [`PrincipalTag/${k}`, v]));
    const context = { aws, dynamodb: { LeadingKeys: r.leadingKeys.slice() } };
    return evaluator.evaluate({ action: r.action, resource: r.resource, context }) ? 'ALLOWED' : 'DENIED';
  };
}

const PBAC = loadPbac();
test('pbac, tags substituted, against the same matrix (the evidence behind the README Licence section)', {
  skip: withoutPlugin || (!PBAC && 'pbac not installed'),
}, async () => {
  const decide = pbacDecide(PBAC!);
  const rows = [];
  for (const c of await attackMatrix())
    rows.push({
      group: c.group,
      what: c.what,
      expected: c.expected,
      shipped: await verdictOf(c, shipped),
      got: await verdictOf(c, decide),
    });
  console.table(summary(rows));
  console.table(
    rows.filter((r) => r.got !== r.expected).map(({ group, what, expected, got }) => ({ group, what, expected, pbac: got })),
  );
  // The day pbac passes every case, switch to it (README, Licence): this test then says so.
  assert.notEqual(
    rows.filter((r) => r.got !== r.expected).length,
    0,
    'pbac now gives every verdict of the matrix: switch simulateRequest to it and drop the AGPL plug-in',
  );
});
