import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyParts, orderKey, orderSk, profileKey, profileSk, statusGsiPk, statusGsiSk, userPk } from '../../src/keys';

test("the guide's key shapes, exactly", () => {
  assert.equal(userPk('u123'), 'USER#u123');
  assert.equal(profileSk('u123'), 'PROFILE#u123');
  assert.equal(orderSk('20250927', 'o1'), 'ORDER#20250927#o1');
  assert.equal(statusGsiPk('PENDING'), 'STATUS#PENDING');
  assert.equal(statusGsiSk('20250926', 'o101'), '20250926#o101');
  assert.deepEqual(orderKey('u200', '20250925', 'o100'), { PK: 'USER#u200', SK: 'ORDER#20250925#o100' });
  assert.deepEqual(profileKey('u200'), { PK: 'USER#u200', SK: 'PROFILE#u200' });
});

test('dates: Date objects become yyyymmdd (UTC), strings must already be yyyymmdd', () => {
  assert.equal(orderSk(new Date('2025-09-28T23:30:00Z'), 'o2'), 'ORDER#20250928#o2');
  assert.throws(() => orderSk('2025-09-28', 'o2'), /not yyyymmdd/);
});

test('order sort keys sort in time order, and orders sort before the profile', () => {
  const sks = [profileSk('u1'), orderSk('20251001', 'a'), orderSk('20250930', 'z')];
  assert.deepEqual([...sks].sort(), [orderSk('20250930', 'z'), orderSk('20251001', 'a'), profileSk('u1')]);
});

test('ids with the separator or empty ids are refused (they would make keys ambiguous)', () => {
  assert.throws(() => userPk('a#b'), /contains "#"/);
  assert.throws(() => userPk(''), /non-empty/);
  assert.throws(() => orderSk('20250101', 'o#1'), /orderId/);
});

test('keyParts splits composite keys back', () => {
  assert.deepEqual(keyParts('ORDER#20250927#o1'), ['ORDER', '20250927', 'o1']);
});
