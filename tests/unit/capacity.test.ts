import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchReadUnits,
  batchWriteUnits,
  itemSizeBytes,
  marshalledItemSizeBytes,
  numberSizeBytes,
  queryReadUnits,
  readUnits,
  utf8ByteLength,
  writeUnits,
} from '../../src/model/capacity';

const KB = 1024;

test('write units: 1 per 1 KB rounded up, at least 1; transactional doubles', () => {
  assert.equal(writeUnits(3.5 * KB), 4); // AWS: a 3.5 KB item costs 4 WCU
  assert.equal(writeUnits(1 * KB), 1);
  assert.equal(writeUnits(1 * KB + 1), 2);
  assert.equal(writeUnits(100), 1);
  assert.equal(writeUnits(0), 1); // deleting a missing item still costs 1
  assert.equal(writeUnits(3.5 * KB, { transactional: true }), 8);
});

test('read units: 1 per 4 KB strongly consistent, half eventually consistent, double transactional', () => {
  assert.equal(readUnits(5 * KB, { consistent: true }), 2);
  assert.equal(readUnits(5 * KB), 1); // AWS's default is eventually consistent
  assert.equal(readUnits(3500, { consistent: true }), 1); // AWS: 3,500 bytes reads like 4 KB
  assert.equal(readUnits(3500), 0.5);
  // AWS: an 8 KB item needs 2 (strong), 1 (eventual) or 4 (transactional) read units
  assert.equal(readUnits(8 * KB, { consistent: true }), 2);
  assert.equal(readUnits(8 * KB), 1);
  assert.equal(readUnits(8 * KB, { transactional: true }), 4);
  assert.equal(readUnits(10 * KB, { consistent: true }), 3); // 10 KB rounds to 12 KB
  assert.equal(readUnits(0, { consistent: true }), 1); // reading a missing item still costs
});

test('Query sums item sizes before rounding; BatchGetItem rounds each item', () => {
  // AWS: a Query returning 10 items totalling 40.8 KB is rounded to 44 KB
  const tenItems = Array.from({ length: 10 }, () => 4.08 * KB);
  assert.equal(queryReadUnits(tenItems, { consistent: true }), 11);
  // AWS: 1,500 items of 64 bytes are 96 KB
  assert.equal(
    queryReadUnits(
      Array.from({ length: 1500 }, () => 64),
      { consistent: true },
    ),
    24,
  );
  // AWS: BatchGetItem of 1.5 KB and 6.5 KB counts 4 KB + 8 KB = 12 KB, not 8 KB
  assert.equal(batchReadUnits([1.5 * KB, 6.5 * KB], { consistent: true }), 3);
  assert.equal(queryReadUnits([1.5 * KB, 6.5 * KB], { consistent: true }), 2);
  assert.equal(batchWriteUnits([100, 1.5 * KB, 3.5 * KB]), 1 + 2 + 4);
});

test('UTF-8 byte lengths', () => {
  assert.equal(utf8ByteLength('USER#1'), 6);
  assert.equal(utf8ByteLength('é'), 2);
  assert.equal(utf8ByteLength('€'), 3);
  assert.equal(utf8ByteLength('😀'), 4);
  assert.equal(utf8ByteLength(''), 0);
});

test('number sizes as DynamoDB charges them: base-100 digits aligned on the point, +1 exponent, +1 if negative', () => {
  assert.equal(numberSizeBytes(7), 2);
  assert.equal(numberSizeBytes(123), 3);
  assert.equal(numberSizeBytes(1234), 3);
  assert.equal(numberSizeBytes(1200), 2);
  assert.equal(numberSizeBytes(0.001), 2);
  assert.equal(numberSizeBytes(-12.5), 4); // 12|50 + exponent + negative terminator (measured)
  assert.equal(numberSizeBytes('3.14159'), 5); // 03|14|15|90, not ceil(6/2)
  assert.equal(numberSizeBytes('123.456'), 5);
  assert.equal(numberSizeBytes(-1), 3);
  assert.equal(numberSizeBytes(1.5), 3);
  assert.equal(numberSizeBytes(0), 1);
  assert.throws(() => numberSizeBytes('1.2.3'));
  assert.equal(numberSizeBytes('00012345678901234567890'), 11);
  assert.equal(numberSizeBytes(12345678901234567890n), 11);
  assert.throws(() => numberSizeBytes(Infinity));
});

test('item size: attribute names plus values, per AWS rules', () => {
  assert.equal(itemSizeBytes({ PK: 'USER#1' }), 2 + 6);
  assert.equal(itemSizeBytes({ n: 123 }), 1 + 3);
  assert.equal(itemSizeBytes({ ok: true, gone: null }), 2 + 1 + 4 + 1);
  assert.equal(itemSizeBytes({ b: new Uint8Array(10) }), 1 + 10);
  assert.equal(itemSizeBytes({ l: [] }), 1 + 3);
  assert.equal(itemSizeBytes({ l: ['a', 1] }), 1 + 3 + (1 + 1) + (1 + 2));
  assert.equal(itemSizeBytes({ m: { a: 'x' } }), 1 + 3 + (1 + 1 + 1));
  assert.equal(itemSizeBytes({ ss: new Set(['ab', 'c']) }), 2 + 3);
  assert.equal(itemSizeBytes({ ns: new Set([1, 22]) }), 2 + 2 + 2);
  assert.equal(itemSizeBytes({ skipped: undefined, é: 'é' }), 2 + 2);

  class NumberValue {
    constructor(public value: string) {}
  }
  assert.equal(itemSizeBytes({ big: new NumberValue('123456789012345678901234567890') }), 3 + 16);
});

test('marshalled (AttributeValue) items size the same as native ones', () => {
  const native = {
    PK: 'USER#hotuser#S2',
    SK: 'EVENT#0000000042#000042',
    type: 'EVENT',
    payload: { n: 42, shard: 'S2', tags: ['a', 'b'], ok: true, none: null },
    ss: new Set(['x', 'yy']),
  };
  const marshalled = {
    PK: { S: 'USER#hotuser#S2' },
    SK: { S: 'EVENT#0000000042#000042' },
    type: { S: 'EVENT' },
    payload: {
      M: {
        n: { N: '42' },
        shard: { S: 'S2' },
        tags: { L: [{ S: 'a' }, { S: 'b' }] },
        ok: { BOOL: true },
        none: { NULL: true },
      },
    },
    ss: { SS: ['x', 'yy'] },
  };
  assert.equal(marshalledItemSizeBytes(marshalled), itemSizeBytes(native));
  assert.equal(marshalledItemSizeBytes({ b: { B: 'AAECAw==' } }), 1 + 4); // base64 of 4 raw bytes
});
