// The throttling emulator's decision log (src/local/decision-log.ts): the raw log is a bounded ring, the aggregates
// (counts, per key, per second) stay exact over every decision, positions stay absolute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Decision, DecisionLog } from '../../src/local/decision-log';

const decision = (i: number, over: Partial<Decision> = {}): Decision => ({
  tMs: 1_000 + i * 10,
  operation: 'PutItem',
  table: 't',
  partitionKey: `K${i % 3}`,
  partition: i % 3,
  kind: 'write',
  units: 1,
  estimate: 1,
  allowed: i % 4 !== 0,
  ...over,
});

test('the raw log keeps at most its capacity (the most recent), the counts and aggregates every decision', () => {
  const log = new DecisionLog(100);
  const n = 5_000;
  for (let i = 0; i < n; i++) {
    log.push(decision(i));
    assert.ok(log.slice().length <= 100, `at ${i}: ${log.slice().length} raw decisions kept`);
  }
  assert.equal(log.length, n);
  assert.equal(log.retained, 100);
  assert.equal(log.dropped, n - 100);
  const allowed = Array.from({ length: n }, (_, i) => i % 4 !== 0).filter(Boolean).length;
  assert.deepEqual(log.counts, { decisions: n, allowed, throttled: n - allowed });
  // the most recent ones, in order
  assert.deepEqual(
    log.slice().map((d) => d.tMs),
    Array.from({ length: 100 }, (_, k) => 1_000 + (n - 100 + k) * 10),
  );
  // per key: exact over all 5,000
  const stats = log.keyStats();
  assert.equal(
    stats.reduce((a, s) => a + s.ok + s.throttled, 0),
    n,
  );
  assert.equal(
    stats.reduce((a, s) => a + s.units, 0),
    allowed,
  );
  // per second from the first decision: 100 decisions a second (10 ms apart), exact over all 50 seconds
  const seconds = log.perSecond();
  assert.equal(seconds.length, 50);
  assert.equal(
    seconds.reduce((a, s) => a + s.ok + s.throttled, 0),
    n,
  );
  assert.deepEqual(seconds[0], { second: 0, ok: 75, throttled: 25 });
});

test('positions are absolute: length before, slice(from) after reads what came in between', () => {
  const log = new DecisionLog(50);
  for (let i = 0; i < 120; i++) log.push(decision(i));
  const from = log.length;
  for (let i = 120; i < 150; i++) log.push(decision(i));
  assert.deepEqual(
    log.slice(from).map((d) => d.tMs),
    Array.from({ length: 30 }, (_, k) => 1_000 + (120 + k) * 10),
  );
  assert.equal(log.at(-1)?.tMs, 1_000 + 149 * 10);
  assert.equal(log.at(0), undefined, 'dropped');
  assert.equal(log.slice(0, 10).length, 0, 'dropped');
});

test('settling a decision keeps the per-key units exact; clear() forgets everything', () => {
  const log = new DecisionLog(2);
  const d = decision(1, { units: 5 });
  log.push(d);
  for (let i = 0; i < 10; i++) log.push(decision(2, { partitionKey: 'other' }));
  log.resettle(d, 7); // the engine reported 7: after the decision left the ring
  assert.equal(d.units, 7);
  assert.equal(log.keyStats().find((s) => s.partitionKey === 'K1')?.units, 7);
  log.clear();
  assert.equal(log.length, 0);
  assert.deepEqual(log.keyStats(), []);
  assert.deepEqual(log.perSecond(), []);
});

test('onDecision sees every decision, however small the ring; the unsubscribe stops it', () => {
  const log = new DecisionLog(0);
  const seen: Decision[] = [];
  const stop = log.onDecision((d) => seen.push(d));
  for (let i = 0; i < 10; i++) log.push(decision(i));
  stop();
  log.push(decision(10));
  assert.equal(seen.length, 10);
  assert.equal(log.retained, 0);
  assert.equal(log.length, 11);
});
