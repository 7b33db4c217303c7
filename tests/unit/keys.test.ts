import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ws from '../../src/index';

test("the guide's key shapes, exactly", () => {
  assert.equal(ws.userPk('u123'), 'USER#u123');
  assert.equal(ws.profileSk('u123'), 'PROFILE#u123');
  assert.equal(ws.orderSk('20250927', 'o1'), 'ORDER#20250927#o1');
  assert.equal(ws.statusGsiPk('PENDING'), 'STATUS#PENDING');
  assert.equal(ws.statusGsiSk('20250926', 'o101'), '20250926#o101');
  assert.deepEqual(ws.orderKey('u200', '20250925', 'o100'), { PK: 'USER#u200', SK: 'ORDER#20250925#o100' });
  assert.deepEqual(ws.profileKey('u200'), { PK: 'USER#u200', SK: 'PROFILE#u200' });
});

test('dates: Date objects become yyyymmdd (UTC), strings must already be yyyymmdd', () => {
  assert.equal(ws.orderSk(new Date('2025-09-28T23:30:00Z'), 'o2'), 'ORDER#20250928#o2');
  assert.throws(() => ws.orderSk('2025-09-28', 'o2'), /not yyyymmdd/);
});

test('order sort keys sort in time order, and orders sort before the profile', () => {
  const sks = [ws.profileSk('u1'), ws.orderSk('20251001', 'a'), ws.orderSk('20250930', 'z')];
  assert.deepEqual([...sks].sort(), [ws.orderSk('20250930', 'z'), ws.orderSk('20251001', 'a'), ws.profileSk('u1')]);
});

test('ids with the separator or empty ids are refused (they would make keys ambiguous)', () => {
  assert.throws(() => ws.userPk('a#b'), /contains "#"/);
  assert.throws(() => ws.userPk(''), /non-empty/);
  assert.throws(() => ws.orderSk('20250101', 'o#1'), /orderId/);
});

test('keyParts splits composite keys back', () => {
  assert.deepEqual(ws.keyParts('ORDER#20250927#o1'), ['ORDER', '20250927', 'o1']);
});
