import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AWS_BURST_SECONDS,
  AWS_PARTITION_READ_UNITS_PER_SECOND,
  AWS_PARTITION_WRITE_UNITS_PER_SECOND,
  type ConsumeResult,
  DEFAULT_PARTITIONS,
  type Kind,
  PartitionModel,
  type PartitionModelOptions,
  describeScale,
  partitionOf,
  scaledLimits,
} from '../../src/model/partitions';
import { createRng } from '../../src/random';
import { allShardPks } from '../../src/sharding';

interface Admitted {
  t: number;
  units: number;
}

/** Largest sum of admitted units in any window (t-1000, t]; the maximum is reached at an admitted t. */
function maxOverAnySecond(admitted: Admitted[]): number {
  let max = 0;
  let lo = 0;
  let sum = 0;
  for (let hi = 0; hi < admitted.length; hi++) {
    sum += admitted[hi].units;
    while (admitted[lo].t <= admitted[hi].t - 1000) sum -= admitted[lo++].units;
    max = Math.max(max, sum);
  }
  return max;
}

/** A client that sends every `stepMs` regardless of throttles, like a load test with retries. */
function greedy(
  model: PartitionModel,
  opts: {
    key: string | ((i: number) => string);
    kind?: Kind;
    units: number | ((i: number) => number);
    fromMs?: number;
    toMs: number;
    stepMs: number;
    index?: string;
  },
): { admitted: Admitted[]; results: ConsumeResult[] } {
  const admitted: Admitted[] = [];
  const results: ConsumeResult[] = [];
  let i = 0;
  for (let t = opts.fromMs ?? 0; t < opts.toMs; t += opts.stepMs, i++) {
    const units = typeof opts.units === 'number' ? opts.units : opts.units(i);
    const partitionKey = typeof opts.key === 'string' ? opts.key : opts.key(i);
    const r = model.tryConsume({ table: 't', index: opts.index, partitionKey, kind: opts.kind ?? 'write', units, nowMs: t });
    results.push(r);
    if (r.allowed) admitted.push({ t, units });
  }
  return { admitted, results };
}

const sum = (xs: Admitted[]): number => xs.reduce((n, x) => n + x.units, 0);

test('AWS limits and the scale factor', () => {
  assert.equal(AWS_PARTITION_WRITE_UNITS_PER_SECOND, 1000);
  assert.equal(AWS_PARTITION_READ_UNITS_PER_SECOND, 3000);
  assert.equal(AWS_BURST_SECONDS, 300);
  assert.equal(DEFAULT_PARTITIONS, 4);
  assert.deepEqual(scaledLimits(), { writeUnitsPerSecond: 1000, readUnitsPerSecond: 3000 });
  assert.deepEqual(scaledLimits({ scale: 0.01 }), { writeUnitsPerSecond: 10, readUnitsPerSecond: 30 });
  assert.equal(describeScale(0.01), "1/100 of AWS's per-partition limits: 10 WCU/s, 30 RCU/s per partition");
  assert.equal(describeScale(1), "AWS's per-partition limits: 1,000 WCU/s, 3,000 RCU/s per partition");
  assert.equal(describeScale(0.3), "0.3× AWS's per-partition limits: 300 WCU/s, 900 RCU/s per partition");
});

test('partitionOf: stable, in range, spreads many keys', () => {
  assert.equal(partitionOf('USER#u200', 4), partitionOf('USER#u200', 4));
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 10_000; i++) {
    const p = partitionOf(`USER#u${i}`, 4);
    assert.ok(p >= 0 && p < 4);
    counts[p]++;
  }
  for (const c of counts) assert.ok(Math.abs(c - 2500) < 2500 * 0.1, `uneven: ${counts}`);
  assert.throws(() => partitionOf('x', 0));
});

test('a single hot key never exceeds the per-partition write limit in any 1 s window (10 s greedy)', () => {
  const model = new PartitionModel({ scale: 0.01 });
  const { admitted, results } = greedy(model, { key: 'USER#hotuser', units: 1, toMs: 10_000, stepMs: 10 });
  assert.ok(maxOverAnySecond(admitted) <= 10);
  assert.equal(sum(admitted), 100); // exactly 10 WCU/s sustained
  const throttled = results.filter((r) => !r.allowed);
  assert.equal(throttled.length, 900);
  assert.ok(throttled.every((r) => r.reason === 'TableWriteKeyRangeThroughputExceeded'));
});

test('…also with uneven request sizes, fractional reads and burst capacity available', () => {
  const rng = createRng(7);
  const options: PartitionModelOptions = { scale: 0.01, tableWriteUnitsPerSecond: 400, tableReadUnitsPerSecond: 1200 };
  const model = new PartitionModel(options);
  model.tryConsume({ table: 't', partitionKey: 'idle', kind: 'write', units: 0, nowMs: 0 }); // table exists; pool fills
  model.tryConsume({ table: 't', partitionKey: 'idle', kind: 'read', units: 0, nowMs: 0 });
  const w = greedy(model, {
    key: 'USER#hotuser',
    units: () => 1 + Math.floor(rng() * 3),
    fromMs: 300_000,
    toMs: 310_000,
    stepMs: 7,
  });
  assert.ok(maxOverAnySecond(w.admitted) <= 10 + 1e-9, `max ${maxOverAnySecond(w.admitted)}`);
  const r = greedy(model, {
    key: 'USER#hotuser',
    kind: 'read',
    units: () => 0.5 * (1 + Math.floor(rng() * 4)),
    fromMs: 310_000,
    toMs: 320_000,
    stepMs: 3,
  });
  assert.ok(maxOverAnySecond(r.admitted) <= 30 + 1e-9, `max ${maxOverAnySecond(r.admitted)}`);
  assert.ok(sum(r.admitted) > 270, 'reads should get close to 30 RCU/s');
});

test('reads and writes throttle independently', () => {
  const model = new PartitionModel({ scale: 0.01 });
  const key = 'USER#hotuser';
  for (let i = 0; i < 10; i++)
    assert.ok(model.tryConsume({ table: 't', partitionKey: key, kind: 'write', units: 1, nowMs: 0 }).allowed);
  const w = model.tryConsume({ table: 't', partitionKey: key, kind: 'write', units: 1, nowMs: 0 });
  assert.equal(w.allowed, false);
  assert.equal(w.reason, 'TableWriteKeyRangeThroughputExceeded');
  // the same partition still serves its full read limit
  const reads = greedy(model, { key, kind: 'read', units: 1, toMs: 1000, stepMs: 10 });
  assert.equal(sum(reads.admitted), 30);
  assert.equal(reads.results.find((r) => !r.allowed)?.reason, 'TableReadKeyRangeThroughputExceeded');
  // and writes are still throttled only until their own window moves on
  assert.equal(model.tryConsume({ table: 't', partitionKey: key, kind: 'write', units: 1, nowMs: 999 }).allowed, false);
  assert.equal(model.tryConsume({ table: 't', partitionKey: key, kind: 'write', units: 1, nowMs: 1000 }).allowed, true);
});

test('a GSI has its own partitions and Index… reasons', () => {
  const model = new PartitionModel({ scale: 0.01 });
  greedy(model, { key: 'STATUS#PENDING', units: 1, toMs: 1000, stepMs: 10 });
  const onIndex = greedy(model, { key: 'STATUS#PENDING', index: 'GSI1', units: 1, toMs: 1000, stepMs: 10 });
  assert.equal(sum(onIndex.admitted), 10);
  assert.equal(onIndex.results.find((r) => !r.allowed)?.reason, 'IndexWriteKeyRangeThroughputExceeded');
  const indexReads = greedy(model, { key: 'STATUS#PENDING', index: 'GSI1', kind: 'read', units: 1, toMs: 1000, stepMs: 10 });
  assert.equal(indexReads.results.find((r) => !r.allowed)?.reason, 'IndexReadKeyRangeThroughputExceeded');
});

test('other partitions are unaffected by a hot one; sharding multiplies throughput by the partitions it reaches', () => {
  const model = new PartitionModel({ scale: 0.01 });
  const shards = allShardPks('USER#hotuser', 8);
  const distinct = new Set(shards.map((pk) => model.partitionOf(pk))).size;
  const { admitted } = greedy(model, { key: (i) => shards[i % shards.length], units: 1, toMs: 10_000, stepMs: 2 });
  assert.equal(sum(admitted), distinct * 10 * 10);
  const snap = model.snapshot().resources[0].partitions;
  for (const p of snap) assert.ok(p.write.consumedUnits <= 100);
});

test('retryAfterMs says when the same request fits; a request above the limit never fits', () => {
  const model = new PartitionModel({ scale: 0.01 });
  model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 4, nowMs: 100 });
  model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 6, nowMs: 300 });
  const r = model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 5, nowMs: 500 });
  assert.equal(r.allowed, false);
  assert.equal(r.available, 0);
  assert.equal(r.retryAfterMs, 800); // 5 units are free only once the 6 from t=300 leave, at t=1300
  assert.equal(model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 5, nowMs: 1299 }).allowed, false);
  assert.equal(model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 5, nowMs: 1300 }).allowed, true);
  const big = model.tryConsume({ table: 't', partitionKey: 'other', kind: 'write', units: 11, nowMs: 5000 });
  assert.equal(big.allowed, false);
  assert.equal(big.retryAfterMs, Infinity);
});

test('a clock that steps back cannot reopen a window', () => {
  const model = new PartitionModel({ scale: 0.01 });
  for (let i = 0; i < 10; i++) model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 1, nowMs: 5000 });
  assert.equal(model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 1, nowMs: 3000 }).allowed, false);
});

test('burst lets an idle table absorb a short spike above its provisioned rate', () => {
  // provisioned 200 WCU on 4 partitions; one key spikes to 800 WCU/s for 5 s after 60 s idle
  const spike = (burst: boolean) => {
    const model = new PartitionModel({ tableWriteUnitsPerSecond: 200, burst });
    model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 0, nowMs: 0 });
    return greedy(model, { key: 'USER#u1', units: 8, fromMs: 60_000, toMs: 65_000, stepMs: 10 });
  };
  const withBurst = spike(true);
  assert.ok(withBurst.results.every((r) => r.allowed));
  assert.ok(withBurst.results.some((r) => r.usedBurst));
  const without = spike(false);
  const throttled = without.results.filter((r) => !r.allowed);
  assert.ok(throttled.length > 0);
  assert.ok(throttled.every((r) => r.reason === 'TableWriteProvisionedThroughputExceeded'));
  assert.ok(throttled.every((r) => r.retryAfterMs > 0 && r.retryAfterMs <= 40)); // 8 units at 200/s
  assert.ok(sum(without.admitted) <= 200 * 5 + 200); // the provisioned rate plus the bucket's one second
});

test('burst never relieves a sustained hot key', () => {
  const model = new PartitionModel({ tableWriteUnitsPerSecond: 200 });
  model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 0, nowMs: 0 });
  // 300 s idle: 60,000 units retained, far more than the hot key will ever need
  const { admitted, results } = greedy(model, { key: 'USER#hotuser', units: 20, fromMs: 300_000, toMs: 320_000, stepMs: 10 });
  assert.ok(maxOverAnySecond(admitted) <= 1000);
  assert.equal(sum(admitted), 20 * 1000);
  assert.ok(results.filter((r) => !r.allowed).every((r) => r.reason === 'TableWriteKeyRangeThroughputExceeded'));
  assert.ok(model.snapshot().resources[0].burstUnits.write > 40_000);
});

test("AWS's example: 150 RCU idle for 5 minutes holds 45,000 units, enough for 200 RCU/s for about 15 minutes", () => {
  const model = new PartitionModel({ tableReadUnitsPerSecond: 150 });
  model.tryConsume({ table: 't', partitionKey: 'k', kind: 'read', units: 0, nowMs: 0 });
  model.tryConsume({ table: 't', partitionKey: 'k', kind: 'read', units: 0, nowMs: 300_000 });
  assert.equal(model.snapshot().resources[0].burstUnits.read, 45_000);
  let firstThrottle = -1;
  for (let t = 300_000, i = 0; t < 1_300_000; t += 100, i++) {
    const r = model.tryConsume({ table: 't', partitionKey: `USER#u${i % 50}`, kind: 'read', units: 20, nowMs: t });
    if (!r.allowed) {
      firstThrottle = t - 300_000;
      assert.equal(r.reason, 'TableReadProvisionedThroughputExceeded');
      break;
    }
  }
  // 45,000 / (200 - 150) = 900 s, plus the one second already in the steady bucket
  assert.ok(firstThrottle >= 895_000 && firstThrottle <= 905_000, `first throttle after ${firstThrottle} ms`);
});

test('same seed → identical decisions (best-effort burst draws are seeded)', () => {
  const run = (seed: number) => {
    const model = new PartitionModel({ scale: 0.1, tableWriteUnitsPerSecond: 200, burstAvailability: 0.5, seed });
    model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 0, nowMs: 0 });
    return greedy(model, { key: (i) => `USER#u${i % 13}`, units: 2, fromMs: 30_000, toMs: 40_000, stepMs: 20 }).results.map((r) =>
      JSON.stringify(r),
    );
  };
  assert.deepEqual(run(42), run(42));
  assert.notDeepEqual(run(42), run(43));
  // with burstAvailability 1 (the default) there is no chance at all: a fresh model decides identically
  const plain = () =>
    greedy(new PartitionModel({ scale: 0.01 }), { key: (i) => `k${i % 7}`, units: 1, toMs: 3000, stepMs: 5 }).results;
  assert.deepEqual(plain(), plain());
});

test('snapshot counts consumed and throttled per partition and is a copy', () => {
  const model = new PartitionModel({ scale: 0.01 });
  greedy(model, { key: 'USER#hotuser', units: 1, toMs: 2000, stepMs: 50 });
  const snap = model.snapshot();
  assert.equal(snap.scale, 0.01);
  assert.equal(snap.resources.length, 1);
  const p = snap.resources[0].partitions[model.partitionOf('USER#hotuser')];
  assert.deepEqual(p.write, { consumedUnits: 20, requests: 40, throttledRequests: 20, throttledUnits: 20 });
  assert.equal(p.read.requests, 0);
  p.write.consumedUnits = 999;
  assert.equal(model.snapshot().resources[0].partitions[p.partition].write.consumedUnits, 20);
  model.reset();
  assert.equal(model.snapshot().resources.length, 0);
});

test('admitOversized: a request above one second of the limit passes on an idle partition, as a debt paid over the next seconds', () => {
  const model = new PartitionModel({ scale: 0.01, admitOversized: true }); // 10 WCU/s
  const r = model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 35, nowMs: 0 });
  assert.equal(r.allowed, true);
  // 35 units = 10 now + 10 + 10 + 5 in the next three seconds: nothing else passes before the debt is paid
  const { admitted } = greedy(model, { key: 'k', units: 1, fromMs: 1, toMs: 6000, stepMs: 10 });
  assert.ok(admitted[0].t > 3000, `first admitted at ${admitted[0].t}`);
  assert.ok(maxOverAnySecond([{ t: 0, units: 10 }, ...admitted]) <= 10);
  const busy = model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 35, nowMs: 5990 });
  assert.equal(busy.allowed, false);
  assert.ok(busy.retryAfterMs > 0 && busy.retryAfterMs < Infinity);
});

test('settle: fewer units are given back, more become a debt; release undoes; tryConsumeAll is all or nothing', () => {
  const model = new PartitionModel({ scale: 0.01 }); // 10 WCU/s
  const a = model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 8, nowMs: 0 });
  model.settle(a.ticket!, 2, 5);
  assert.equal(model.tryConsume({ table: 't', partitionKey: 'k', kind: 'write', units: 8, nowMs: 10 }).allowed, true);
  const b = model.tryConsume({ table: 't', partitionKey: 'other', kind: 'write', units: 1, nowMs: 0 });
  model.settle(b.ticket!, 25, 20); // 24 more than reserved: 9 fit now, the rest later
  assert.equal(model.tryConsume({ table: 't', partitionKey: 'other', kind: 'write', units: 1, nowMs: 1500 }).allowed, false);
  const all = model.tryConsumeAll([
    { table: 't', partitionKey: 'x', kind: 'write', units: 4, nowMs: 100 },
    { table: 't', index: 'g', partitionKey: 'hot', kind: 'write', units: 20, nowMs: 100 },
  ]);
  assert.equal(all.allowed, false);
  assert.equal(all.refused, 1);
  assert.equal(all.results[1].reason, 'IndexWriteKeyRangeThroughputExceeded');
  const table = model.snapshot().resources.find((r) => r.table === 't' && !r.index)!;
  assert.equal(
    table.partitions[model.partitionOf('x')].write.consumedUnits,
    model.partitionOf('x') === model.partitionOf('k') ? 10 : 0,
  );
  assert.equal(model.tryConsume({ table: 't', partitionKey: 'x', kind: 'write', units: 10, nowMs: 2000 }).allowed, true);
});
