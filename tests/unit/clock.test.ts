// The workshop's clock (src/clock.ts): which clock an environment selects, and how the virtual one schedules sleepers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockFor, clockRetryStrategy, createVirtualClock, REAL_CLOCK } from '../../src/clock';

test('clockFor: real unless WORKSHOP_CLOCK=virtual; anything else is refused with what to set', () => {
  assert.equal(clockFor({}), REAL_CLOCK);
  assert.equal(clockFor({ WORKSHOP_CLOCK: 'real' }), REAL_CLOCK);
  assert.equal(clockFor({ WORKSHOP_CLOCK: ' Virtual ' }).kind, 'virtual');
  assert.throws(() => clockFor({ WORKSHOP_CLOCK: 'fast' }), /WORKSHOP_CLOCK=fast.*"real".*"virtual"/);
});

test('a virtual sleep of 10 simulated seconds resolves in a few real milliseconds and moves now() by 10 s', async () => {
  const clock = createVirtualClock();
  const real0 = Date.now();
  const v0 = clock.now();
  await clock.sleep(10_000);
  const realMs = Date.now() - real0;
  assert.ok(realMs < 500, `took ${realMs} ms of real time`);
  assert.ok(clock.now() - v0 >= 10_000 && clock.now() - v0 < 10_000 + 500, `advanced ${clock.now() - v0} ms`);
  assert.ok(clock.skippedMs() >= 9_500);
});

test('concurrent sleepers overlap as in real time and wake in deadline order', async () => {
  const clock = createVirtualClock();
  const v0 = clock.now();
  const woke: { name: string; at: number }[] = [];
  const sleeper = async (name: string, ms: number) => {
    await clock.sleep(ms);
    woke.push({ name, at: clock.now() - v0 });
  };
  await Promise.all([sleeper('c', 3_000), sleeper('a', 1_000), sleeper('b', 2_000), sleeper('a2', 1_000)]);
  assert.deepEqual(
    woke.map((w) => w.name),
    ['a', 'a2', 'b', 'c'],
  );
  // overlapping: the last wakes at its own deadline (3 s), not at the sum of the waits (7 s)
  const last = woke[woke.length - 1].at;
  assert.ok(last >= 3_000 && last < 3_500, `last woke at ${last} ms`);
  // each wakes at (or just after) its deadline, never before
  for (const w of woke) {
    const want = { a: 1_000, a2: 1_000, b: 2_000, c: 3_000 }[w.name] as number;
    assert.ok(w.at >= want && w.at < want + 300, `${w.name} woke at ${w.at}, deadline ${want}`);
  }
});

test('a sleeper that wakes and sleeps again keeps its place among the others (a re-drive loop)', async () => {
  const clock = createVirtualClock();
  const v0 = clock.now();
  const order: string[] = [];
  const loop = async (name: string, step: number, times: number) => {
    for (let i = 0; i < times; i++) {
      await clock.sleep(step);
      order.push(`${name}@${Math.round((clock.now() - v0) / 100) * 100}`);
    }
  };
  await Promise.all([loop('x', 300, 3), loop('y', 500, 2)]);
  assert.deepEqual(order, ['x@300', 'y@500', 'x@600', 'x@900', 'y@1000']);
});

test('time does not jump while work is in progress: the sleeper wakes on real time then', async () => {
  const clock = createVirtualClock();
  const v0 = clock.now();
  let wokeAt = -1;
  const real0 = Date.now();
  await clock.busy(async () => {
    const s = clock.sleep(50).then(() => (wokeAt = clock.now() - v0));
    await new Promise((r) => setTimeout(r, 120)); // a request 120 ms long
    assert.ok(wokeAt >= 50 && wokeAt < 120, `woke at ${wokeAt} ms, during the request`);
    await s;
  });
  assert.ok(Date.now() - real0 >= 110);
  // once nothing is in progress, a long sleep is skipped again
  const r1 = Date.now();
  await clock.sleep(60_000);
  assert.ok(Date.now() - r1 < 500);
});

test('an aborted sleep resolves at once and is forgotten by the scheduler', async () => {
  const clock = createVirtualClock();
  const stop = new AbortController();
  const v0 = clock.now();
  const long = clock.sleep(100_000, stop.signal);
  stop.abort();
  await long;
  await clock.sleep(1_000);
  const moved = clock.now() - v0;
  assert.ok(moved >= 1_000 && moved < 1_500, `moved ${moved} ms: the aborted 100 s sleep must not count`);
  await clock.sleep(10, AbortSignal.abort());
});

test('clockRetryStrategy: the standard decisions, the full-jitter delay slept on the clock', async () => {
  const clock = createVirtualClock();
  const s = clockRetryStrategy(clock, { maxAttempts: 3, random: () => 0.5 });
  const t0 = await s.acquireInitialRetryToken('');
  const v0 = clock.now();
  const real0 = Date.now();
  const throttle = { errorType: 'THROTTLING' as const };
  const t1 = await s.refreshRetryTokenForRetry(t0, throttle);
  const t2 = await s.refreshRetryTokenForRetry(t1, throttle);
  // 0.5 × 1000 ms, then 0.5 × 2000 ms: 1.5 s simulated, a few ms real
  const moved = clock.now() - v0;
  assert.ok(moved >= 1_500 && moved < 1_800, `moved ${moved} ms`);
  assert.ok(Date.now() - real0 < 500);
  assert.equal(t2.getRetryCount(), 2);
  // max 3 attempts: no third retry; a non-retryable error gets none
  await assert.rejects(s.refreshRetryTokenForRetry(t2, throttle));
  await assert.rejects(s.refreshRetryTokenForRetry(t0, { errorType: 'CLIENT_ERROR' }));
});

test("clockRetryStrategy defaults to the DynamoDB client's retry settings: 4 attempts, 25 ms base for other errors", async () => {
  const clock = createVirtualClock();
  const s = clockRetryStrategy(clock, { random: () => 0.999 });
  let token = await s.acquireInitialRetryToken('');
  const v0 = clock.now();
  for (let i = 0; i < 3; i++) token = await s.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
  await assert.rejects(s.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' }), 'a 5th attempt is refused');
  // 25 + 50 + 100 ms (× 0.999, floored): 172 ms of simulated time
  const moved = clock.now() - v0;
  assert.ok(moved >= 172 && moved < 400, `moved ${moved} ms`);
});
