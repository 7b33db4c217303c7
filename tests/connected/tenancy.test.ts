// The cross-tenant attack matrix through the local IAM enforcement, against a real DynamoDB Local: every data-plane
// operation × own / other / mixed / no keys × 2 tenants. Zero cross-tenant allows, every legitimate own-tenant
// operation allowed, and the careless policy's Scan really leaks (the ForAllValues pitfall is real).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../../src/batch';
import { queryAll } from '../../src/reads';
import { ensureGsi, ensureTable } from '../../src/table';
import { type TenantClients, tenantClients } from '../../src/tenancy/clients';
import { foreignItems, queryTenantIndex } from '../../src/tenancy/index-reads';
import {
  isolationProbes,
  keySetsFor,
  PROBE_OPERATIONS,
  probeMatrix,
  type ProbeResult,
  runIsolationProbes,
} from '../../src/tenancy/isolation';
import { TENANT_GSI, tenantKeys, tenantOfKey } from '../../src/tenancy/keys';
import { carelessTenantPolicy, LOCAL_ACCOUNT_ID, tableArn, tenantPolicy } from '../../src/tenancy/policy';
import { startTestLocal, type TestLocal } from '../helpers/local';

const TABLE = 'ws-shared';

/** A tenant's PENDING orders through the tenant-prefixed GSI, sent with that tenant's (enforced) client. */
function pendingInIndex(doc: DynamoDBDocumentClient, k: ReturnType<typeof tenantKeys>) {
  return doc.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: TENANT_GSI,
      KeyConditionExpression: 'GSI1PK = :p',
      ExpressionAttributeValues: { ':p': k.statusGsiPk('PENDING') },
    }),
  );
}
const TENANTS = ['acme', 'globex'] as const;
let t: TestLocal;
const clientsOf: Record<string, TenantClients> = {};

before(async () => {
  t = await startTestLocal('mt');
  await ensureTable(t.clients, { tableName: TABLE });
  await ensureGsi(t.clients, { indexName: TENANT_GSI, partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }, { tableName: TABLE });
  for (const tid of TENANTS) {
    const c = await tenantClients(t.clients, tid, { env: {}, tableName: TABLE });
    clientsOf[tid] = c;
    // Each tenant seeds its own data through its own scoped client (a BatchWriteItem of own keys: allowed).
    const k = tenantKeys(tid);
    await batchWriteAll(c.doc, TABLE, [
      { ...k.profileKey('u1'), type: 'USER', name: `${tid} user` },
      {
        ...k.orderKey('u1', '20250927', 'o1'),
        ...k.orderStatusKeys('PENDING', '20250927', 'o1'),
        type: 'ORDER',
        status: 'PENDING',
      },
    ]);
  }
});

after(async () => {
  for (const c of Object.values(clientsOf)) c.ddb.destroy();
  await t.stop();
});

test('attack matrix: every operation × key set × tenant — 0 cross-tenant allows, every legitimate own operation allowed', async () => {
  const byTenant: Record<string, ProbeResult[]> = {};
  for (const own of TENANTS) {
    const other = TENANTS.find((x) => x !== own)!;
    const probes = isolationProbes({ tableName: TABLE, indexName: TENANT_GSI, own, other });
    byTenant[own] = await runIsolationProbes(clientsOf[own].doc, probes, { victim: clientsOf[other].doc });
  }
  console.table(probeMatrix(byTenant));

  let cells = 0;
  for (const own of TENANTS) {
    const rows = byTenant[own];
    // The plan covers every operation and every key set that applies to it.
    assert.deepEqual(
      rows.map((r) => `${r.operation}/${r.keySet}`),
      PROBE_OPERATIONS.flatMap((op) => keySetsFor(op).map((k) => `${op}/${k}`)),
    );
    for (const r of rows) {
      cells++;
      assert.notEqual(r.outcome, 'ERROR', `${own} ${r.operation}/${r.keySet} failed with ${r.error}, not an IAM decision`);
      if (r.keySet === 'own') assert.equal(r.outcome, 'ALLOWED', `${own} ${r.operation} on its own keys must be allowed`);
      assert.equal(r.outcome, r.expected, `${own} ${r.operation}/${r.keySet}: ${r.outcome}, expected ${r.expected}`);
      if (r.outcome === 'DENIED') assert.equal(r.error, 'AccessDeniedException');
    }
  }
  assert.equal(cells, 2 * 29);
  // IAM sees every foreign table partition key, in either operand order and inside a malformed batch entry …
  const crossAllows = TENANTS.flatMap((tid) =>
    byTenant[tid].filter((r) => r.keySet !== 'own' && r.outcome === 'ALLOWED' && r.operation !== 'PutItem (foreign GSI key)'),
  );
  assert.deepEqual(crossAllows, []);
  for (const tid of TENANTS) {
    const at = (op: string, set: string) => byTenant[tid].find((r) => r.operation === op && r.keySet === set);
    assert.equal(at('Query (:pk = PK)', 'own')?.outcome, 'ALLOWED', 'a key condition written value first is still own');
    assert.equal(at('Query (:pk = PK)', 'other')?.outcome, 'DENIED');
    assert.equal(at('BatchWriteItem (put + delete entry)', 'mixed')?.outcome, 'DENIED');
    // … but not the GSI key an item carries: the injection is allowed, lands in the victim's index, and the guarded
    // read (begins_with(PK, :own)) keeps it out.
    const injection = at('PutItem (foreign GSI key)', 'mixed');
    assert.equal(injection?.outcome, 'ALLOWED', 'LeadingKeys does not cover a GSI key: IAM allows the write');
    assert.deepEqual(injection?.leak, { visible: 1, guarded: 0 });
  }
  // The probes leave no planted item behind: the victims' PENDING index reads show their own orders only.
  for (const tid of TENANTS) {
    const k = tenantKeys(tid);
    const g = await pendingInIndex(clientsOf[tid].doc, k);
    assert.deepEqual(
      g.Items?.map((i) => i.PK),
      [k.userPk('u1')],
    );
  }
});

test("two attendees run the matrix at once on the shared table: each sees its own injection, neither deletes the other's", async () => {
  const matrix = (runId: string) =>
    runIsolationProbes(
      clientsOf.acme.doc,
      isolationProbes({ tableName: TABLE, indexName: TENANT_GSI, own: 'acme', other: 'globex', runId }),
      { victim: clientsOf.globex.doc },
    );
  const runs = await Promise.all([matrix('ann'), matrix('bob')]);
  for (const rows of runs) {
    assert.deepEqual(
      rows.filter((r) => r.outcome !== r.expected).map((r) => `${r.operation}/${r.keySet}: ${r.outcome}`),
      [],
    );
    const injection = rows.find((r) => r.operation === 'PutItem (foreign GSI key)');
    assert.deepEqual(injection?.leak, { visible: 1, guarded: 0 }, 'its own planted item, read back before its clean-up');
  }
  const globex = tenantKeys('globex');
  const g = await pendingInIndex(clientsOf.globex.doc, globex);
  assert.deepEqual(
    g.Items?.map((i) => i.PK),
    [globex.userPk('u1')],
    'both runs removed what they planted',
  );
});

test('the guarded index read: a foreign GSI key planted by another tenant is filtered out, and the reader checks it', async () => {
  const acme = tenantKeys('acme');
  const globex = tenantKeys('globex');
  const planted = { PK: acme.pk('PLANT'), SK: 'PLANT#1', GSI1PK: globex.statusGsiPk('PENDING'), GSI1SK: 'P' };
  // The app's own write path refuses it before sending (the key builders' guard covers GSI1PK) …
  assert.throws(() => acme.guard(planted), { code: 'TENANT_KEY_FOREIGN' });
  // … IAM does not: acme's enforced client writes it.
  await clientsOf.acme.doc.send(new PutCommand({ TableName: TABLE, Item: planted }));
  try {
    const gsi = { tableName: TABLE, indexName: TENANT_GSI, gsiPk: globex.statusGsiPk('PENDING') };
    const plain = await queryAll(clientsOf.globex.doc, {
      TableName: TABLE,
      IndexName: TENANT_GSI,
      KeyConditionExpression: 'GSI1PK = :p',
      ExpressionAttributeValues: { ':p': gsi.gsiPk },
    });
    assert.deepEqual(
      foreignItems(globex, plain.items).map((i) => i.PK),
      [acme.pk('PLANT')],
    );
    const guarded = await queryTenantIndex(clientsOf.globex.doc, globex, gsi);
    assert.deepEqual(
      guarded.items.map((i) => i.PK),
      [globex.userPk('u1')],
    );
    assert.equal(guarded.scannedCount, 2, 'the planted item was read (and charged), then filtered');
  } finally {
    await clientsOf.acme.doc.send(new DeleteCommand({ TableName: TABLE, Key: { PK: acme.pk('PLANT'), SK: 'PLANT#1' } }));
  }
});

test("an AccessDenied looks like AWS's: name, 400, client fault, not retried, AWS's message", async () => {
  const acme = clientsOf.acme;
  const err = await acme.doc.send(new GetCommand({ TableName: TABLE, Key: tenantKeys('globex').profileKey('u1') })).then(
    () => undefined,
    (e: unknown) => e as Error & { $fault?: string; $metadata: { httpStatusCode?: number; attempts?: number } },
  );
  assert.ok(err, 'denied');
  assert.equal(err.name, 'AccessDeniedException');
  assert.equal(err.$fault, 'client');
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.equal(err.$metadata.attempts, 1, 'AccessDenied is not retryable');
  const table = tableArn(TABLE, { region: t.clients.config.region, accountId: LOCAL_ACCOUNT_ID });
  assert.equal(
    err.message,
    `User: arn:aws:sts::000000000000:assumed-role/ws-tenant/acme.mt is not authorized to perform: dynamodb:GetItem on resource: ${table} ` +
      'because no identity-based policy allows the dynamodb:GetItem action',
  );
  // A denied request never reaches the engine: the globex item is still there, unchanged, for globex.
  const back = await clientsOf.globex.doc.send(new GetCommand({ TableName: TABLE, Key: tenantKeys('globex').profileKey('u1') }));
  assert.equal(back.Item?.name, 'globex user');
});

test('own reads return own data, on the table and on the tenant-prefixed GSI', async () => {
  const k = tenantKeys('acme');
  const q = await clientsOf.acme.doc.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'PK = :p',
      ExpressionAttributeValues: { ':p': k.userPk('u1') },
    }),
  );
  assert.equal(q.Items?.length, 2);
  const g = await pendingInIndex(clientsOf.acme.doc, k);
  assert.deepEqual(
    g.Items?.map((i) => i.SK),
    ['ORDER#20250927#o1'],
  );
});

test('the pitfall: with the careless policy (Scan, no Null guard) a tenant scans every tenant; ours denies the Scan', async () => {
  const arn = tableArn(TABLE, { region: t.clients.config.region, accountId: LOCAL_ACCOUNT_ID });
  const careless = await tenantClients(t.clients, 'acme', {
    env: {},
    tableName: TABLE,
    policy: carelessTenantPolicy({ tableArn: arn }),
  });
  try {
    const out = await careless.doc.send(new ScanCommand({ TableName: TABLE }));
    const tenantsSeen = new Set((out.Items ?? []).map((i) => tenantOfKey(String(i.PK))));
    assert.ok(tenantsSeen.has('globex'), `acme's careless Scan read globex's items (${Array.from(tenantsSeen)})`);
    assert.equal(careless.enforcer!.decisions.at(-1)!.leadingKeys.length, 0, 'the Scan carried no leading keys');
    // Still tenant-scoped where keys exist: the careless policy only leaks through the empty set.
    await assert.rejects(
      () => careless.doc.send(new GetCommand({ TableName: TABLE, Key: tenantKeys('globex').profileKey('u1') })),
      { name: 'AccessDeniedException' },
    );
  } finally {
    careless.ddb.destroy();
  }
  await assert.rejects(() => clientsOf.acme.doc.send(new ScanCommand({ TableName: TABLE })), { name: 'AccessDeniedException' });
  // Scan granted but with the Null guard: still denied.
  const guardedPolicy = tenantPolicy({ tableArn: arn });
  guardedPolicy.Statement[0].Action.push('dynamodb:Scan');
  const guarded = await tenantClients(t.clients, 'acme', { env: {}, tableName: TABLE, policy: guardedPolicy });
  try {
    await assert.rejects(() => guarded.doc.send(new ScanCommand({ TableName: TABLE })), { name: 'AccessDeniedException' });
  } finally {
    guarded.ddb.destroy();
  }
});

test('control-plane calls from a tenant session are denied too, and the enforcer stays fast', async () => {
  const acme = clientsOf.acme;
  await assert.rejects(() => acme.ddb.send(new DescribeTableCommand({ TableName: TABLE })), { name: 'AccessDeniedException' });
  const ms = acme.enforcer!.decisions.map((d) => d.ms).sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  console.log(`evaluator: ${ms.length} decisions, median ${median.toFixed(2)} ms, max ${ms[ms.length - 1].toFixed(1)} ms`);
  assert.ok(median < 50, `median evaluation ${median} ms`);
});

test("notebook 04's checkpoint: the reference passes (evaluator + live), three classic mistakes fail with the reason", async () => {
  const { checkCatalogPolicy, CATALOG_KEY } = await import('../../notebooks/checks/04_multitenancy');
  const { catalogReaderPolicy } = await import('../../notebooks/solutions/04_multitenancy');
  await batchWriteAll(t.clients.doc, TABLE, [{ ...CATALOG_KEY, type: 'PLAN', price: 0 }]);
  const arn = tableArn(TABLE, { region: t.clients.config.region, accountId: LOCAL_ACCOUNT_ID });
  assert.deepEqual(await checkCatalogPolicy(t.clients, TABLE, arn, catalogReaderPolicy), []);

  // 1. The plain tenant policy: no catalog at all.
  const plain = await checkCatalogPolicy(t.clients, TABLE, arn, (a) => tenantPolicy({ tableArn: a }));
  assert.ok(
    plain.some((p) => /acme reads a catalog item: DENIED, should be ALLOWED/.test(p)),
    plain.join('\n'),
  );
  // 2. One read statement per pattern: a batch mixing own and catalog keys matches neither.
  const split = await checkCatalogPolicy(t.clients, TABLE, arn, (a) => {
    const p = catalogReaderPolicy(a);
    const read = p.Statement[0];
    const own = {
      ...read,
      Sid: 'ReadOwn',
      Condition: {
        ...read.Condition,
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/TenantId}#*'] },
      },
    };
    const cat = {
      ...read,
      Sid: 'ReadCatalog',
      Condition: { ...read.Condition, 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CATALOG#*'] } },
    };
    return { Version: '2012-10-17', Statement: [own, cat, p.Statement[1]] };
  });
  assert.deepEqual(split, ['acme batch-reads its own item AND a catalog item: DENIED, should be ALLOWED']);
  // 3. Catalog in the write statement too, and Scan "for the admin page" without the Null guard.
  const sloppy = await checkCatalogPolicy(t.clients, TABLE, arn, (a) => {
    const p = catalogReaderPolicy(a);
    const cond = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/TenantId}#*', 'CATALOG#*'] },
    };
    return {
      Version: '2012-10-17',
      Statement: [
        { ...p.Statement[0], Action: [...p.Statement[0].Action, 'dynamodb:Scan'], Condition: cond },
        { ...p.Statement[1], Condition: cond },
      ],
    };
  });
  assert.ok(sloppy.includes('no dynamodb:Scan: a Scan carries no leading keys'), sloppy.join('\n'));
  assert.ok(sloppy.includes('acme writes to the catalog: ALLOWED, should be DENIED'), sloppy.join('\n'));
  assert.ok(sloppy.includes('acme scans the table: ALLOWED, should be DENIED'), sloppy.join('\n'));
});
