import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, hashString, int, pick } from '../../src/random';
import {
  ShardMap,
  allShardPks,
  compareKeyValues,
  hashShard,
  hourBucket,
  mergeNewestFirst,
  min5Bucket,
  randomShard,
  shardSuffix,
  shardedPk,
  timeBuckets,
} from '../../src/sharding';

test('time buckets use the guide format, in UTC', () => {
  assert.equal(hourBucket(new Date('2025-09-28T13:45:10Z')), 'ORDERS#2025-09-28#HOUR#13');
  assert.equal(min5Bucket(new Date('2025-09-28T15:37:59Z')), 'ORDERS#2025-09-28#MIN5#1535');
  assert.equal(min5Bucket(new Date('2025-01-02T00:04:59.999Z')), 'ORDERS#2025-01-02#MIN5#0000');
  assert.equal(hourBucket(new Date('2025-09-28T09:00:00Z'), 'TENANT#t1#ORDERS'), 'TENANT#t1#ORDERS#2025-09-28#HOUR#09');
  assert.deepEqual(timeBuckets(new Date('2025-09-28T23:10:00Z'), new Date('2025-09-29T01:00:00Z'), 'HOUR'), [
    'ORDERS#2025-09-28#HOUR#23',
    'ORDERS#2025-09-29#HOUR#00',
    'ORDERS#2025-09-29#HOUR#01',
  ]);
  assert.deepEqual(timeBuckets(new Date('2025-09-28T15:33:00Z'), new Date('2025-09-28T15:45:00Z'), 'MIN5'), [
    'ORDERS#2025-09-28#MIN5#1530',
    'ORDERS#2025-09-28#MIN5#1535',
    'ORDERS#2025-09-28#MIN5#1540',
    'ORDERS#2025-09-28#MIN5#1545',
  ]);
  assert.throws(() => hourBucket(new Date('not a date')));
});

test('shard suffixes and sharded keys follow USER#<id>#S<n>', () => {
  assert.equal(shardSuffix(0), 'S0');
  assert.equal(shardedPk('USER#hotuser', 2), 'USER#hotuser#S2');
  assert.deepEqual(allShardPks('USER#hotuser', 4), ['USER#hotuser#S0', 'USER#hotuser#S1', 'USER#hotuser#S2', 'USER#hotuser#S3']);
  assert.throws(() => shardSuffix(-1));
  assert.throws(() => shardSuffix(1.5));
  assert.throws(() => allShardPks('X', 0));
});

for (const count of [4, 8]) {
  test(`hashShard spreads 10,000 ids over ${count} shards within ±15% of even, stably`, () => {
    const counts = new Array<number>(count).fill(0);
    for (let i = 0; i < 10_000; i++) counts[hashShard(`evt-${i}`, count)]++;
    const even = 10_000 / count;
    for (const c of counts) assert.ok(Math.abs(c - even) <= even * 0.15, `counts ${counts}`);
    assert.equal(hashShard('evt-42', count), hashShard('evt-42', count));
  });
}

test('randomShard is seeded: same seed, same shards; spread like hashShard', () => {
  const draw = (seed: number) => {
    const rng = createRng(seed);
    return Array.from({ length: 10_000 }, () => randomShard(4, rng));
  };
  assert.deepEqual(draw(1), draw(1));
  assert.notDeepEqual(draw(1), draw(2));
  const counts = [0, 0, 0, 0];
  for (const s of draw(1)) counts[s]++;
  for (const c of counts) assert.ok(Math.abs(c - 2500) <= 2500 * 0.15, `counts ${counts}`);
});

test('random helpers', () => {
  const rng = createRng(3);
  for (let i = 0; i < 1000; i++) {
    const x = rng();
    assert.ok(x >= 0 && x < 1);
    const n = int(rng, 5);
    assert.ok(Number.isInteger(n) && n >= 0 && n < 5);
  }
  assert.ok(['a', 'b'].includes(pick(rng, ['a', 'b'])));
  assert.throws(() => pick(rng, []));
  assert.equal(hashString('USER#u200'), hashString('USER#u200'));
  assert.notEqual(hashString('USER#u200'), hashString('USER#u201'));
  assert.equal(hashString('é'), hashString('e\u0301'.normalize('NFC')));
});

test('ShardMap grows hot keys to ceil(load / target), capped, never shrinking', () => {
  const map = new ShardMap({ maxShards: 8 });
  assert.equal(map.shardsFor('USER#quiet'), 1);
  map.recordLoad('USER#hot', 2500);
  map.recordLoad('USER#warm', 1200);
  map.recordLoad('USER#quiet', 3);
  map.recordLoad('USER#celebrity', 100_000);
  const changes = map.rebalance({ targetUnitsPerShard: 1000 });
  assert.deepEqual(
    changes.map((c) => [c.key, c.from, c.to]),
    [
      ['USER#hot', 1, 3],
      ['USER#warm', 1, 2],
      ['USER#celebrity', 1, 8],
    ],
  );
  assert.equal(map.shardsFor('USER#hot'), 3);
  assert.equal(map.loadOf('USER#hot'), 0); // a new measuring interval
  map.recordLoad('USER#hot', 10);
  assert.deepEqual(map.rebalance({ targetUnitsPerShard: 1000 }), []);
  assert.equal(map.shardsFor('USER#hot'), 3);
  map.setShards('USER#manual', 4);
  assert.equal(map.shardsFor('USER#manual'), 4);
  const rng = createRng(9);
  for (let i = 0; i < 100; i++) assert.ok(map.pickShard('USER#hot', rng) < 3);
  assert.deepEqual(
    map.entries().find((e) => e.key === 'USER#manual'),
    { key: 'USER#manual', shards: 4, load: 0 },
  );
  assert.throws(() => map.rebalance({ targetUnitsPerShard: 0 }));
});

const ev = (shard: number, n: number) => ({
  PK: `USER#hotuser#S${shard}`,
  SK: `EVENT#${String(n).padStart(10, '0')}#${String(n).padStart(6, '0')}`,
});

test('mergeNewestFirst merges newest-first pages and applies Limit after the merge', () => {
  const rng = createRng(5);
  const all = Array.from({ length: 120 }, (_, n) => ev(int(rng, 4), n));
  const pages = [0, 1, 2, 3].map((s) =>
    all
      .filter((e) => e.PK.endsWith(`#S${s}`))
      .reverse()
      .slice(0, 50),
  );
  const merged = mergeNewestFirst(pages);
  const expected = pages.flat().sort((a, b) => (a.SK < b.SK ? 1 : a.SK > b.SK ? -1 : 0));
  assert.deepEqual(merged, expected);
  const top5 = mergeNewestFirst(pages, 'SK', 5);
  assert.deepEqual(
    top5.map((e) => e.SK),
    all
      .slice(-5)
      .reverse()
      .map((e) => e.SK),
  );
  assert.deepEqual(mergeNewestFirst(pages, 'SK', 0), []);
  assert.deepEqual(mergeNewestFirst([], 'SK', 5), []);
  assert.throws(() => mergeNewestFirst([[{ PK: 'x' }]]));
});

test('merge orders like DynamoDB: numbers numerically, strings by code point, ties in page order', () => {
  const byNumber = mergeNewestFirst([[{ ts: 100 }, { ts: 9 }], [{ ts: 20 }]], 'ts');
  assert.deepEqual(
    byNumber.map((i) => i.ts),
    [100, 20, 9],
  );
  // U+FF5E sorts below U+1F600 in UTF-8, above it in UTF-16
  assert.ok(compareKeyValues('\u{1F600}', '\uFF5E') > 0);
  const ties = mergeNewestFirst([[{ SK: 'a', from: 0 }], [{ SK: 'a', from: 1 }]]);
  assert.deepEqual(
    ties.map((i) => i.from),
    [0, 1],
  );
  assert.ok(compareKeyValues(new Uint8Array([1, 2]), new Uint8Array([1, 3])) < 0);
});
