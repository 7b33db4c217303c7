import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './reads';
import { compareKeyValues, mergeNewestFirst } from './sharding';
import type { Item } from './types';

export interface FanOutOptions {
  tableName: string;
  /** Every shard's partition key, e.g. allShardPks('USER#hotuser', 4). */
  partitionKeys: string[];
  /** Items wanted after the merge; each shard is asked for this many, since any one shard may hold them all. */
  limit?: number;
  /** An extra sort-key condition, e.g. { expression: 'begins_with(SK, :p)', values: { ':p': 'EVENT#' } }. */
  sortKeyCondition?: { expression: string; values: Record<string, unknown> };
  sortKey?: string;
  /** true (default): all shards at once (Promise.all); false: one after another, like the guide's loop. */
  parallel?: boolean;
  index?: string;
  partitionKeyAttribute?: string;
}

export interface ShardRead {
  partitionKey: string;
  items: number;
  pages: number;
  capacityUnits: number;
  ms: number;
}

export interface FanOutResult {
  items: Item[];
  shards: ShardRead[];
  capacityUnits: number;
  ms: number;
}

function shardQuery(o: FanOutOptions, pk: string): QueryCommandInput {
  const pkAttr = o.partitionKeyAttribute ?? 'PK';
  const cond = o.sortKeyCondition;
  return {
    TableName: o.tableName,
    IndexName: o.index,
    KeyConditionExpression: `#pk = :pk${cond ? ` AND ${cond.expression}` : ''}`,
    ExpressionAttributeNames: { '#pk': pkAttr },
    ExpressionAttributeValues: { ':pk': pk, ...(cond ? cond.values : {}) },
    ScanIndexForward: false,
    Limit: o.limit,
  };
}

/**
 * Reads a write-sharded item collection: one Query per shard (newest first, pagination followed), merged
 * newest first, with the limit applied after the merge.
 */
export async function fanOutQuery(doc: DynamoDBDocumentClient, o: FanOutOptions): Promise<FanOutResult> {
  const t0 = Date.now();
  const readShard = async (pk: string): Promise<{ read: ShardRead; items: Item[] }> => {
    const s = Date.now();
    const r = await queryAll(doc, shardQuery(o, pk), o.limit !== undefined ? { maxItems: o.limit } : {});
    return {
      items: r.items,
      read: { partitionKey: pk, items: r.items.length, pages: r.pages, capacityUnits: r.capacityUnits, ms: Date.now() - s },
    };
  };
  let results: { read: ShardRead; items: Item[] }[];
  if (o.parallel === false) {
    results = [];
    for (const pk of o.partitionKeys) results.push(await readShard(pk));
  } else {
    results = await Promise.all(o.partitionKeys.map(readShard));
  }
  const items = mergeNewestFirst(
    results.map((r) => r.items),
    o.sortKey ?? 'SK',
    o.limit,
  );
  return {
    items,
    shards: results.map((r) => r.read),
    capacityUnits: results.reduce((a, r) => a + r.read.capacityUnits, 0),
    ms: Date.now() - t0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Did a read return what it should? The newest `n` of what was written, newest first.

export interface NewestComparison {
  wanted: number;
  returned: number;
  /** Among the newest `n` written, the ones the read did not return. */
  missing: Item[];
  /** Returned, but not among the newest `n` written (older events, or never written). */
  unexpected: Item[];
  /** Newest first (non-increasing sort key). */
  inOrder: boolean;
  ok: boolean;
}

/** Compares a read with the newest `n` items of `written` (by `sortKey`), matching items on their key attributes. */
export function compareWithNewest(
  returned: readonly Item[],
  written: readonly Item[],
  n: number,
  options: { sortKey?: string; keyAttributes?: string[] } = {},
): NewestComparison {
  const sortKey = options.sortKey ?? 'SK';
  const keyAttributes = options.keyAttributes ?? ['PK', 'SK'];
  const id = (i: Item) => JSON.stringify(keyAttributes.map((a) => i[a]));
  const newest = [...written].sort((a, b) => compareKeyValues(b[sortKey], a[sortKey])).slice(0, n);
  const got = new Set(returned.map(id));
  const want = new Set(newest.map(id));
  const inOrder = returned.every((item, i) => i === 0 || compareKeyValues(returned[i - 1][sortKey], item[sortKey]) >= 0);
  const missing = newest.filter((i) => !got.has(id(i)));
  const unexpected = returned.filter((i) => !want.has(id(i)));
  return {
    wanted: newest.length,
    returned: returned.length,
    missing,
    unexpected,
    inOrder,
    ok: missing.length === 0 && unexpected.length === 0 && inOrder && returned.length === newest.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parallel vs sequential fan-out latency, measured fairly: a warm-up read of each mode first (the first read after a
// write pays for cold caches and connection set-up), the order alternated round by round, medians reported.

export interface FanOutLatency {
  shards: number;
  /** Median milliseconds of the measured rounds. */
  parallelMs: number;
  sequentialMs: number;
  rounds: number;
  /** The larger interquartile range of the two modes' times: how much a run varies on this machine. */
  noiseMs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The spread of the middle half of the values (upper minus lower quartile, by the median of each half). */
export function interquartileRange(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const s = [...values].sort((a, b) => a - b);
  const half = Math.floor(s.length / 2);
  return median(s.slice(s.length - half)) - median(s.slice(0, half));
}

/** Times `read(parallel)` (e.g. a fanOutQuery with `parallel`) in both modes. */
export async function measureFanOutLatency(
  read: (parallel: boolean) => Promise<unknown>,
  options: { shards: number; rounds?: number; warmup?: number },
): Promise<FanOutLatency> {
  const rounds = options.rounds ?? 7;
  for (let w = 0; w < (options.warmup ?? 1); w++) {
    await read(true);
    await read(false);
  }
  const times: Record<'parallel' | 'sequential', number[]> = { parallel: [], sequential: [] };
  for (let r = 0; r < rounds; r++) {
    for (const parallel of r % 2 === 0 ? [true, false] : [false, true]) {
      const t0 = performance.now();
      await read(parallel);
      times[parallel ? 'parallel' : 'sequential'].push(performance.now() - t0);
    }
  }
  const round1 = (ms: number) => Math.round(ms * 10) / 10;
  return {
    shards: options.shards,
    parallelMs: round1(median(times.parallel)),
    sequentialMs: round1(median(times.sequential)),
    rounds,
    noiseMs: round1(Math.max(interquartileRange(times.parallel), interquartileRange(times.sequential))),
  };
}

/** One chart row per shard count and mode: the medians themselves, so the chart and the printed numbers agree. */
export function fanOutLatencyRows(
  latency: readonly FanOutLatency[],
): { shards: number; mode: 'parallel' | 'sequential'; ms: number }[] {
  return latency.flatMap((l) => [
    { shards: l.shards, mode: 'parallel' as const, ms: l.parallelMs },
    { shards: l.shards, mode: 'sequential' as const, ms: l.sequentialMs },
  ]);
}

/** A gap no larger than 1 ms, 15% of the slower mode, or the run's own spread is noise, not a difference. */
function withinNoise(l: FanOutLatency): boolean {
  return Math.abs(l.parallelMs - l.sequentialMs) <= Math.max(1, 0.15 * Math.max(l.parallelMs, l.sequentialMs), l.noiseMs);
}

/** One line per shard count, worded from the numbers measured (never from what we expect them to be). */
export function describeFanOutLatency(latency: readonly FanOutLatency[]): string[] {
  return latency.map((l) => {
    const head = `${l.shards} shard${l.shards === 1 ? '' : 's'}: parallel ${l.parallelMs.toFixed(1)} ms, sequential ${l.sequentialMs.toFixed(1)} ms`;
    if (withinNoise(l)) return `${head} — the same within noise${l.shards === 1 ? ' (one Query either way)' : ''}`;
    const gap = Math.max(l.parallelMs, l.sequentialMs) / Math.min(l.parallelMs, l.sequentialMs);
    // One shard is one Query in both modes: a gap there can only be the machine's noise, and is called that.
    if (l.shards === 1) return `${head} — a ${gap.toFixed(1)}× gap with one Query either way: noise on this machine`;
    if (l.parallelMs < l.sequentialMs) return `${head} — parallel ${(l.sequentialMs / l.parallelMs).toFixed(1)}× faster`;
    return `${head} — sequential ${(l.parallelMs / l.sequentialMs).toFixed(1)}× faster on this run`;
  });
}
