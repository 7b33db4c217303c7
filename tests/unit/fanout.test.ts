// Fan-out helpers that need no engine: "are these exactly the newest N of what was written?" and the latency
// measurement's summary (medians, and a sentence that says what the numbers say).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareWithNewest,
  describeFanOutLatency,
  type FanOutLatency,
  fanOutLatencyRows,
  interquartileRange,
  median,
  measureFanOutLatency,
} from '../../src/fanout';

const ev = (shard: number, t: number) => ({ PK: `USER#h#S${shard}`, SK: `EVENT#${String(t).padStart(4, '0')}` });

describe('compareWithNewest', () => {
  const written = [ev(0, 1), ev(1, 2), ev(2, 3), ev(3, 4), ev(4, 5), ev(5, 6)];
  it('ok when the read is exactly the newest n, newest first', () => {
    const r = compareWithNewest([ev(5, 6), ev(4, 5), ev(3, 4)], written, 3);
    assert.deepEqual(r, { wanted: 3, returned: 3, missing: [], unexpected: [], inOrder: true, ok: true });
  });
  it('names what a read of half the shards misses', () => {
    const half = written
      .filter((e) => /S[0-3]$/.test(e.PK))
      .reverse()
      .slice(0, 3);
    const r = compareWithNewest(half, written, 3);
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.missing.map((k) => k.SK),
      ['EVENT#0006', 'EVENT#0005'],
    );
    assert.deepEqual(
      r.unexpected.map((k) => k.SK),
      ['EVENT#0003', 'EVENT#0002'],
    );
  });
  it('not ok when out of order', () => {
    const r = compareWithNewest([ev(4, 5), ev(5, 6)], written, 2);
    assert.equal(r.inOrder, false);
    assert.equal(r.ok, false);
  });
});

describe('fan-out latency', () => {
  it('median and interquartile range: odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    // sorted 1 2 3 4 5 6 100: upper half 5 6 100 (median 6), lower half 1 2 3 (median 2); the outlier does not count
    assert.equal(interquartileRange([1, 2, 3, 4, 100, 5, 6]), 4);
  });

  it('measures with a warm-up, alternates the order, reports medians', async () => {
    const calls: boolean[] = [];
    // a cold first read (the first call of all) is slow: the warm-up must absorb it
    const read = async (parallel: boolean) => {
      calls.push(parallel);
      await new Promise((r) => setTimeout(r, calls.length === 1 ? 60 : parallel ? 2 : 12));
    };
    const m = await measureFanOutLatency(read, { shards: 4, rounds: 4 });
    assert.deepEqual(calls.slice(0, 2), [true, false], 'one warm-up read of each mode');
    assert.deepEqual(calls.slice(2), [true, false, false, true, true, false, false, true], 'order alternates');
    assert.equal(m.shards, 4);
    assert.equal(m.rounds, 4);
    assert.ok(m.parallelMs < m.sequentialMs, JSON.stringify(m));
    assert.ok(m.parallelMs < 40, `the cold read is not measured: ${m.parallelMs}`);
  });

  it('chart rows are the medians, one per mode and shard count', () => {
    const l: FanOutLatency[] = [{ shards: 1, parallelMs: 3, sequentialMs: 3.2, rounds: 5, noiseMs: 0.4 }];
    assert.deepEqual(fanOutLatencyRows(l), [
      { shards: 1, mode: 'parallel', ms: 3 },
      { shards: 1, mode: 'sequential', ms: 3.2 },
    ]);
  });

  it('the sentence says what was measured: same within noise, faster, or slower', () => {
    const lines = describeFanOutLatency([
      { shards: 1, parallelMs: 4.2, sequentialMs: 3.9, rounds: 7, noiseMs: 0.5 },
      { shards: 1, parallelMs: 11.3, sequentialMs: 27.1, rounds: 7, noiseMs: 3 },
      { shards: 4, parallelMs: 5, sequentialMs: 15, rounds: 7, noiseMs: 1 },
      { shards: 4, parallelMs: 14, sequentialMs: 22.5, rounds: 7, noiseMs: 12 },
      { shards: 8, parallelMs: 20, sequentialMs: 10, rounds: 7, noiseMs: 2 },
    ]);
    assert.deepEqual(lines, [
      '1 shard: parallel 4.2 ms, sequential 3.9 ms — the same within noise (one Query either way)',
      '1 shard: parallel 11.3 ms, sequential 27.1 ms — a 2.4× gap with one Query either way: noise on this machine',
      '4 shards: parallel 5.0 ms, sequential 15.0 ms — parallel 3.0× faster',
      '4 shards: parallel 14.0 ms, sequential 22.5 ms — the same within noise',
      '8 shards: parallel 20.0 ms, sequential 10.0 ms — sequential 2.0× faster on this run',
    ]);
  });
});
