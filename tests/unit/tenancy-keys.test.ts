// Tenant key builders and their guard (pure): the exact strings, and every way to reach another tenant refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkshopError } from '../../src/errors';
import {
  DEFAULT_SHARED_TABLE,
  sharedTableName,
  tenantKeys,
  tenantOfKey,
  tenantPrefix,
  tenantUsage,
  validateTenantId,
} from '../../src/tenancy/keys';

const code = (c: string) => (err: unknown) => err instanceof WorkshopError && err.code === c;

test('tenant keys, exactly: every partition key starts with TENANT#<tid>#', () => {
  const k = tenantKeys('acme');
  assert.equal(k.prefix, 'TENANT#acme#');
  assert.equal(k.userPk('u1'), 'TENANT#acme#USER#u1');
  assert.deepEqual(k.profileKey('u1'), { PK: 'TENANT#acme#USER#u1', SK: 'PROFILE#u1' });
  assert.deepEqual(k.orderKey('u1', '20250927', 'o1'), { PK: 'TENANT#acme#USER#u1', SK: 'ORDER#20250927#o1' });
  assert.equal(k.statusGsiPk('PENDING'), 'TENANT#acme#STATUS#PENDING');
  assert.deepEqual(k.orderStatusKeys('PENDING', '20250927', 'o1'), {
    GSI1PK: 'TENANT#acme#STATUS#PENDING',
    GSI1SK: '20250927#o1',
  });
  assert.equal(k.eventsPk(), 'TENANT#acme#EVENTS');
  assert.equal(k.pk('CART', 'c9'), 'TENANT#acme#CART#c9');
});

test('a builder bound to acme cannot be talked into building a globex key', () => {
  const k = tenantKeys('acme');
  // Smuggling another prefix through an id is refused: "#" never enters a key part.
  assert.throws(() => k.userPk('u1#TENANT#globex'), code('TENANT_KEY_INJECTION'));
  assert.throws(() => k.pk('USER', 'x#y'), code('TENANT_KEY_INJECTION'));
  assert.throws(() => k.orderKey('u1', '20250101', 'o#1'), code('TENANT_KEY_INJECTION'));
  assert.throws(() => k.statusGsiPk('P#TENANT#globex'), code('TENANT_KEY_INJECTION'));
  assert.throws(() => k.userPk(''), code('KEY_PART_EMPTY'));
  assert.throws(() => k.pk(), code('KEY_PART_EMPTY'));
  // Whatever the parts, the result is acme's.
  for (const pk of [k.userPk('globex'), k.pk('TENANT', 'globex'), k.eventsPk()]) assert.ok(pk.startsWith('TENANT#acme#'), pk);
});

test("the guard passes the tenant's own keys and items, and refuses any other tenant's with a WorkshopError", () => {
  const acme = tenantKeys('acme');
  const globex = tenantKeys('globex');
  const own = acme.profileKey('u1');
  assert.equal(acme.guard(own), own);
  assert.equal(acme.guard('TENANT#acme#USER#u1'), 'TENANT#acme#USER#u1');
  const item = { ...acme.orderKey('u1', '20250101', 'o1'), ...acme.orderStatusKeys('PENDING', '20250101', 'o1'), total: 5 };
  assert.equal(acme.guard(item), item);

  assert.throws(
    () => acme.guard(globex.profileKey('u1')),
    (e: unknown) => code('TENANT_KEY_FOREIGN')(e) && /belongs to tenant "globex"/.test((e as Error).message),
  );
  assert.throws(() => acme.guard('TENANT#globex#USER#u1'), code('TENANT_KEY_FOREIGN'));
  // A lookalike tenant id is another tenant: the trailing "#" of the prefix matters.
  assert.throws(() => acme.guard('TENANT#acmecorp#USER#u1'), code('TENANT_KEY_FOREIGN'));
  assert.throws(() => acme.guard('TENANT#acme'), code('TENANT_KEY_FOREIGN'));
  assert.throws(
    () => acme.guard('USER#u1'),
    (e: unknown) => code('TENANT_KEY_FOREIGN')(e) && /not a tenant key/.test((e as Error).message),
  );
  // An own PK with a foreign GSI key is still foreign: the index is tenant-scoped too.
  assert.throws(() => acme.guard({ ...own, GSI1PK: globex.statusGsiPk('PENDING') }), /GSI1PK/);
  assert.throws(() => acme.guard({ SK: 'x' } as Record<string, unknown>), code('TENANT_KEY_FOREIGN'));
  assert.equal(acme.owns('TENANT#acme#X'), true);
  assert.equal(acme.owns('TENANT#acmex#X'), false);
});

test('tenant ids: safe for keys, tag values, session names and IAM patterns', () => {
  for (const ok of ['acme', 'globex', 'tenant-042', 'A_1']) assert.equal(validateTenantId(ok), ok);
  for (const bad of ['', 'a#b', 'a*', 'a?', 'a b', '-lead', 'x'.repeat(49), '${aws:username}', 'é']) {
    assert.throws(() => validateTenantId(bad), code('TENANT_ID_INVALID'), bad);
  }
  assert.throws(() => tenantKeys('a*'), code('TENANT_ID_INVALID'));
  assert.equal(tenantPrefix('acme'), 'TENANT#acme#');
});

test('tenantOfKey parses the tenant out of a partition key', () => {
  assert.equal(tenantOfKey('TENANT#acme#USER#u1'), 'acme');
  assert.equal(tenantOfKey('TENANT#big#EVENTS#S3'), 'big');
  assert.equal(tenantOfKey('CATALOG#plans'), undefined);
  assert.equal(tenantOfKey('TENANT#acme'), undefined);
  assert.equal(tenantOfKey('TENANT##x'), undefined);
});

test('the shared table name: ws-shared unless WORKSHOP_SHARED_TABLE says otherwise', () => {
  assert.equal(DEFAULT_SHARED_TABLE, 'ws-shared');
  assert.equal(sharedTableName({}), 'ws-shared');
  assert.equal(sharedTableName({ WORKSHOP_SHARED_TABLE: ' ws-shared-day2 ' }), 'ws-shared-day2');
});

test('tenantUsage groups per-key numbers by tenant prefix (workload perKey or emulator keyStats)', () => {
  const rows = tenantUsage([
    { partitionKey: 'TENANT#big#EVENTS#S0', written: 10, throttled: 4 },
    { partitionKey: 'TENANT#big#EVENTS#S1', written: 12, throttled: 1 },
    { partitionKey: 'TENANT#acme#EVENTS', ok: 5, throttled: 2, units: 5 },
    { partitionKey: 'TENANT#acme#STATUS#P', ok: 5, throttled: 0, units: 5, index: 'GSI1' },
    { partitionKey: 'CATALOG#plans', written: 1, throttled: 0 },
  ]);
  assert.deepEqual(rows, [
    { tenant: '(no tenant)', partitionKeys: 1, written: 1, throttled: 0 },
    { tenant: 'acme', partitionKeys: 1, written: 5, throttled: 2, units: 5 },
    { tenant: 'big', partitionKeys: 2, written: 22, throttled: 5 },
  ]);
});
