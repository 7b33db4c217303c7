// The attack matrix's plan, offline: the exact requests the edge probes send and what IAM is expected to decide, and
// the guarded index read's Query input. The live matrix runs in tests/connected/tenancy.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isolationProbes,
  keySetsFor,
  PROBE_OPERATIONS,
  type Probe,
  type ProbeResult,
  probeVerdict,
} from '../../src/tenancy/isolation';
import { tenantKeys } from '../../src/tenancy/keys';
import { foreignItems, tenantIndexQueryInput } from '../../src/tenancy/index-reads';

const plan = isolationProbes({ tableName: 'ws-shared', indexName: 'GSI1_TenantStatus', own: 'acme', other: 'globex' });
const probe = (operation: string, keySet: string) => {
  const p = plan.find((x) => x.operation === operation && x.keySet === keySet);
  assert.ok(p, `${operation}/${keySet} planned`);
  return p;
};

test('the plan: every operation x its key sets; cross-tenant keys IAM sees are expected DENIED, own keys ALLOWED', () => {
  assert.deepEqual(
    plan.map((p) => `${p.operation}/${p.keySet}`),
    PROBE_OPERATIONS.flatMap((op) => keySetsFor(op).map((k) => `${op}/${k}`)),
  );
  for (const p of plan) {
    if (p.operation === 'PutItem (foreign GSI key)') continue;
    assert.equal(p.expected, p.keySet === 'own' ? 'ALLOWED' : 'DENIED', `${p.operation}/${p.keySet}`);
  }
});

test('reversed operand: the key condition is written value first', () => {
  assert.deepEqual(probe('Query (:pk = PK)', 'other').input, {
    TableName: 'ws-shared',
    KeyConditionExpression: ':pk = PK',
    ExpressionAttributeValues: { ':pk': 'TENANT#globex#PROBE' },
    Limit: 10,
  });
});

test("mixed BatchWriteItem entry: one entry carrying acme's PutRequest and globex's DeleteRequest", () => {
  const p = probe('BatchWriteItem (put + delete entry)', 'mixed');
  const entries = (p.input.RequestItems as Record<string, Record<string, { Item?: object; Key?: object }>[]>)['ws-shared'];
  assert.equal(entries.length, 1);
  assert.equal((entries[0].PutRequest.Item as { PK: string }).PK, 'TENANT#acme#PROBE');
  assert.equal((entries[0].DeleteRequest.Key as { PK: string }).PK, 'TENANT#globex#PROBE');
  assert.deepEqual(p.partitionKeys, ['TENANT#acme#PROBE', 'TENANT#globex#PROBE']);
  assert.equal(p.expected, 'DENIED');
});

test("GSI-key injection: acme's own PK (all IAM sees) with globex's GSI key, expected ALLOWED and followed up", () => {
  const p = probe('PutItem (foreign GSI key)', 'mixed');
  const item = (p.input as { Item: Record<string, unknown> }).Item;
  assert.equal(item.PK, 'TENANT#acme#PROBE');
  assert.equal(item.GSI1PK, 'TENANT#globex#STATUS#PENDING');
  assert.deepEqual(p.partitionKeys, ['TENANT#acme#PROBE']);
  assert.equal(p.expected, 'ALLOWED');
  assert.equal(typeof p.afterWrite, 'function');
  // No index, no GSI probes.
  const noIndex = isolationProbes({ tableName: 't', own: 'acme', other: 'globex' });
  assert.ok(!noIndex.some((x) => x.operation === 'PutItem (foreign GSI key)' || x.operation === 'Query (GSI)'));
});

test('probeVerdict: the outcome, where an injection landed, and a flag when IAM decided otherwise than expected', () => {
  const r: ProbeResult = { operation: 'PutItem (foreign GSI key)', keySet: 'mixed', outcome: 'ALLOWED', expected: 'ALLOWED' };
  assert.equal(
    probeVerdict({ ...r, leak: { visible: 1, guarded: 0 } }, 'globex'),
    "ALLOWED — in globex's index: 1, guarded read: 0",
  );
  assert.equal(
    probeVerdict({ operation: 'GetItem', keySet: 'other', outcome: 'ALLOWED', expected: 'DENIED' }),
    'ALLOWED (expected DENIED)',
  );
  assert.equal(
    probeVerdict({
      operation: 'GetItem',
      keySet: 'other',
      outcome: 'DENIED',
      expected: 'DENIED',
      error: 'AccessDeniedException',
    }),
    'DENIED AccessDeniedException',
  );
});

test("the guarded index read: key condition on the reader's GSI key, filter on its own table PK prefix", () => {
  const globex = tenantKeys('globex');
  const gsi = { tableName: 'ws-shared', indexName: 'GSI1_TenantStatus', gsiPk: globex.statusGsiPk('PENDING') };
  assert.deepEqual(tenantIndexQueryInput(globex, gsi), {
    TableName: 'ws-shared',
    IndexName: 'GSI1_TenantStatus',
    KeyConditionExpression: 'GSI1PK = :gpk',
    FilterExpression: 'begins_with(PK, :own)',
    ExpressionAttributeValues: { ':gpk': 'TENANT#globex#STATUS#PENDING', ':own': 'TENANT#globex#' },
  });
  // Reading another tenant's index key is refused before any request.
  assert.throws(() => tenantIndexQueryInput(globex, { ...gsi, gsiPk: tenantKeys('acme').statusGsiPk('PENDING') }), {
    code: 'TENANT_KEY_FOREIGN',
  });
  assert.deepEqual(
    foreignItems(globex, [{ PK: 'TENANT#globex#USER#u1' }, { PK: 'TENANT#acme#NOTE' }, { PK: 'TENANT#globexcorp#X' }, {}]),
    [{ PK: 'TENANT#acme#NOTE' }, { PK: 'TENANT#globexcorp#X' }, {}],
  );
});

test('two attendees probing the same tenants at once write disjoint items (runId in every probe sort key)', () => {
  const planFor = (runId: string) =>
    isolationProbes({ tableName: 'ws-shared', indexName: 'GSI1', own: 'acme', other: 'globex', runId });
  const keysOf = (p: Probe): string[] => [...JSON.stringify(p.input).matchAll(/"SK":"([^"]+)"/g)].map((m) => m[1]);
  const ann = planFor('ann');
  const bob = planFor('bob');
  const writes = ann.filter((p) => /Put|Update|Delete|Write/.test(p.operation));
  assert.ok(writes.length >= 8, `write probes planned: ${writes.length}`);
  for (const [i, p] of ann.entries()) {
    const mine = keysOf(p);
    const theirs = new Set(keysOf(bob[i]));
    assert.ok(
      mine.every((k) => k.endsWith('#ann')),
      `${p.operation}/${p.keySet}: ${mine.join(', ')}`,
    );
    assert.deepEqual(
      mine.filter((k) => theirs.has(k)),
      [],
      `${p.operation}/${p.keySet} shares an item with bob's`,
    );
  }
});
