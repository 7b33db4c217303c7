// The virtual clock (src/clock.ts, WORKSHOP_CLOCK=virtual) against a real DynamoDB Local behind the throttling
// emulator: the same throttled workload on the real clock and on the virtual one writes the same, is throttled about
// as much, in the same per-second shape, while the virtual run takes a fraction of the wall time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClients, type WorkshopClients } from '../../src/client';
import { emulateThrottling } from '../../src/local/emulator';
import { shardedPk } from '../../src/sharding';
import { ensureTable } from '../../src/table';
import { runWriteWorkload, type WorkloadResult } from '../../src/workload';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
let table: string;
before(async () => {
  t = await startTestLocal('clock');
  table = (await ensureTable(t.clients)).tableName;
});
after(async () => {
  await t.stop();
});

const SCALE = 1 / 50; // notebook 03's: 20 WCU/s per partition
const HOT_EVENTS = 100;
const SHARDED_EVENTS = 160;

interface Run {
  clock: 'real' | 'virtual';
  wallMs: number;
  hot: WorkloadResult;
  sharded: WorkloadResult;
  /** most writes one partition admitted in one second of the emulator's clock, per run */
  hotPartitionMax: number;
  shardedPartitionMax: number;
  skippedMs?: number;
}

async function runOn(clock: 'real' | 'virtual', attempt: number): Promise<Run> {
  const clients: WorkshopClients = await createClients(t.clients.config, {
    startLocal: false,
    env: { WORKSHOP_CLOCK: clock },
  });
  try {
    assert.equal(clients.clock?.kind, clock);
    const now = () => (clients.clock ?? { now: Date.now }).now();
    const emu = emulateThrottling(clients, { scale: SCALE, partitions: 4, seed: 7, clock: now });
    const partitionMax = (from: number) => {
      const counts = new Map<string, number>();
      for (const d of emu.decisions.slice(from)) {
        if (!d.allowed || d.kind !== 'write' || d.index) continue;
        const k = `${d.partition}@${Math.floor(d.tMs / 1000)}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return Math.max(0, ...counts.values());
    };
    const wall0 = Date.now();
    const hot = await runWriteWorkload(clients.doc, {
      tableName: table,
      events: HOT_EVENTS,
      pkFor: () => `USER#hot-${clock}-${attempt}`,
      label: 'hot key',
      emulator: emu,
    });
    const hotPartitionMax = partitionMax(0);
    const sharded = await runWriteWorkload(clients.doc, {
      tableName: table,
      events: SHARDED_EVENTS,
      pkFor: (n) => shardedPk(`USER#sharded-${clock}-${attempt}`, n % 8),
      label: '8 shards',
      emulator: emu,
      fresh: true,
    });
    const shardedPartitionMax = partitionMax(0); // `fresh` reset the emulator: its decisions start again
    const wallMs = Date.now() - wall0;
    const c = clients.clock as { skippedMs?: () => number };
    return { clock, wallMs, hot, sharded, hotPartitionMax, shardedPartitionMax, skippedMs: c.skippedMs?.() };
  } finally {
    clients.ddb.destroy();
  }
}

const throttledSeconds = (r: WorkloadResult) => r.perSecond.filter((s) => s.throttled > 0).length;
const describe = (r: Run) =>
  `${r.clock}: wall ${r.wallMs} ms; hot ${r.hot.written}/${r.hot.events} written, ${r.hot.throttled} throttled, ` +
  `${(r.hot.elapsedMs / 1000).toFixed(1)} s on its clock, ${throttledSeconds(r.hot)} throttled seconds, ` +
  `partition max ${r.hotPartitionMax}/s, ${r.hot.sdkRetries} SDK retries; sharded ${r.sharded.written} written, ` +
  `${r.sharded.throttled} throttled, ${(r.sharded.elapsedMs / 1000).toFixed(1)} s, partition max ${r.shardedPartitionMax}/s` +
  (r.skippedMs !== undefined ? `; ${(r.skippedMs / 1000).toFixed(1)} s skipped` : '');

test('the same throttled workload on the real and the virtual clock: same counts and shape, a fraction of the wall time', async () => {
  const real = await runOn('real', 1);
  const virtual = await runOn('virtual', 1);
  console.log(describe(real));
  console.log(describe(virtual));

  // every event written on both clocks, and the result says which clock timed it
  for (const r of [real, virtual]) {
    assert.equal(r.hot.written, HOT_EVENTS);
    assert.equal(r.sharded.written, SHARDED_EVENTS);
    assert.equal(r.hot.clock, r.clock);
  }
  // the hot key is held at the partition's rate on both clocks: ~HOT_EVENTS / 20 per s of (simulated) time, and no
  // partition admits more than its 20 WCU/s (+ the burst the model allows) in any second of the emulator's clock
  const rate = 1000 * SCALE;
  for (const r of [real, virtual]) {
    assert.ok(r.hot.throttled > 0, `${r.clock}: the hot key was throttled`);
    assert.ok(r.hotPartitionMax <= rate * 1.5, `${r.clock}: partition max ${r.hotPartitionMax}/s`);
  }
  // Tolerances: the re-drive's backoff and the SDK's are random (full jitter), so two runs on one clock differ too.
  // Measured here (3 real + 3 virtual runs): hot key throttled 285-385 real, 265-350 virtual; elapsed 5.8-7.7 s real,
  // 6.3-7.0 s simulated; sharded throttled 172-240 vs 110-271. Allowed: 40 % (hot throttled), 35 % (hot elapsed),
  // ±2 throttled seconds, partition max within 20 %; sharded throttled 60 % or 80 requests.
  const near = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(a, b);
  assert.ok(near(virtual.hot.throttled, real.hot.throttled, 0.4), `throttled: ${virtual.hot.throttled} vs ${real.hot.throttled}`);
  assert.ok(
    near(virtual.hot.elapsedMs, real.hot.elapsedMs, 0.35),
    `hot key elapsed (simulated vs real): ${virtual.hot.elapsedMs} vs ${real.hot.elapsedMs} ms`,
  );
  assert.ok(Math.abs(throttledSeconds(virtual.hot) - throttledSeconds(real.hot)) <= 2, 'throttled seconds');
  assert.ok(near(virtual.hotPartitionMax, real.hotPartitionMax, 0.2), 'hot partition max per second');
  // sharded keys: the load spread over the partitions, each under its rate on both clocks
  for (const r of [real, virtual]) assert.ok(r.shardedPartitionMax <= rate * 1.5, `${r.clock}: sharded partition max`);
  assert.ok(
    near(virtual.sharded.throttled, real.sharded.throttled, 0.6) ||
      Math.abs(virtual.sharded.throttled - real.sharded.throttled) <= 80,
    `sharded throttled: ${virtual.sharded.throttled} vs ${real.sharded.throttled}`,
  );
  // and the point: the virtual run's wall time is well below the real one (a behaviour, not a benchmark)
  assert.ok(virtual.wallMs < 0.5 * real.wallMs, `wall time: virtual ${virtual.wallMs} ms vs real ${real.wallMs} ms`);
});
