// Pure parts of the guide's §3 mitigations: time buckets, shard suffixes, shard choice, and the merge of
// fan-out Query pages. The I/O fan-out lives elsewhere and builds on these.

import { hashString, int, type Rng } from './random';
import type { Item } from './types';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

// Buckets use UTC: DynamoDB has no time zone, and attendees' machines disagree on theirs.
function day(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** `ORDERS#2025-09-28#HOUR#13` (UTC). */
export function hourBucket(date: Date, prefix = 'ORDERS'): string {
  return `${prefix}#${day(date)}#HOUR#${pad(date.getUTCHours())}`;
}

/** `ORDERS#2025-09-28#MIN5#1535`: the hour and minute, minutes floored to a multiple of 5 (UTC). */
export function min5Bucket(date: Date, prefix = 'ORDERS'): string {
  return `${prefix}#${day(date)}#MIN5#${pad(date.getUTCHours())}${pad(Math.floor(date.getUTCMinutes() / 5) * 5)}`;
}

export type BucketGranularity = 'HOUR' | 'MIN5';

/** Every bucket key from `from` to `to` inclusive, oldest first: the partition keys a time-range read must query. */
export function timeBuckets(from: Date, to: Date, granularity: BucketGranularity, prefix = 'ORDERS'): string[] {
  const stepMs = granularity === 'HOUR' ? 3_600_000 : 300_000;
  const start = Math.floor(from.getTime() / stepMs) * stepMs;
  const keys: string[] = [];
  for (let t = start; t <= to.getTime(); t += stepMs) {
    const d = new Date(t);
    keys.push(granularity === 'HOUR' ? hourBucket(d, prefix) : min5Bucket(d, prefix));
  }
  return keys;
}

function checkShard(i: number): void {
  if (!Number.isInteger(i) || i < 0) throw new RangeError(`shard must be an integer >= 0, got ${i}`);
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count <= 0) throw new RangeError(`shard count must be a positive integer, got ${count}`);
}

/** `S0`, `S1`, … */
export function shardSuffix(i: number): string {
  checkShard(i);
  return `S${i}`;
}

/** `shardedPk('USER#hotuser', 2)` → `USER#hotuser#S2` (the guide's `USER#<id>#S<0..3>`). */
export function shardedPk(base: string, i: number): string {
  return `${base}#${shardSuffix(i)}`;
}

/** Every shard's partition key, S0 first: what a reader must Query and merge. */
export function allShardPks(base: string, count: number): string[] {
  checkCount(count);
  const pks: string[] = [];
  for (let i = 0; i < count; i++) pks.push(shardedPk(base, i));
  return pks;
}

/** Random shard: spreads writes best, but a reader can never know which shard holds one item. */
export function randomShard(count: number, rng: Rng): number {
  checkCount(count);
  return int(rng, count);
}

/** Hash of an id (e.g. an event id): the same id always lands on the same shard, so a GetItem needs no fan-out. */
export function hashShard(id: string, count: number): number {
  checkCount(count);
  return hashString(id) % count;
}

export interface ShardMapOptions {
  /** Shards of a key never seen or set. Default 1 (not sharded). */
  defaultShards?: number;
  /** Upper bound for rebalance. Default 8: more shards make every read fan out wider. */
  maxShards?: number;
}

export interface RebalanceOptions {
  /** Load one shard should carry, in the units given to recordLoad (e.g. WCU over the measuring interval). */
  targetUnitsPerShard: number;
  maxShards?: number;
  /** Start a new measuring interval afterwards. Default true. */
  resetLoad?: boolean;
}

export interface ShardChange {
  key: string;
  from: number;
  to: number;
  load: number;
}

/**
 * Load-aware shard counts per logical key (in memory; the guide also suggests Redis or a DynamoDB item).
 * Counts only grow: items already written to S0..S(n-1) stay there, and readers fan out over shardsFor(key),
 * so shrinking the count would hide them.
 */
export class ShardMap {
  private readonly shards = new Map<string, number>();
  private readonly load = new Map<string, number>();
  private readonly defaultShards: number;
  private readonly maxShards: number;

  constructor(options: ShardMapOptions = {}) {
    this.defaultShards = options.defaultShards ?? 1;
    this.maxShards = options.maxShards ?? 8;
    checkCount(this.defaultShards);
    checkCount(this.maxShards);
  }

  shardsFor(key: string): number {
    return this.shards.get(key) ?? this.defaultShards;
  }

  setShards(key: string, n: number): void {
    checkCount(n);
    this.shards.set(key, n);
  }

  recordLoad(key: string, units: number): void {
    this.load.set(key, (this.load.get(key) ?? 0) + units);
  }

  loadOf(key: string): number {
    return this.load.get(key) ?? 0;
  }

  /** A random shard among the key's current ones. */
  pickShard(key: string, rng: Rng): number {
    return randomShard(this.shardsFor(key), rng);
  }

  /** Grows each hot key to ceil(load / target) shards, capped at maxShards; returns what changed. */
  rebalance(options: RebalanceOptions): ShardChange[] {
    const target = options.targetUnitsPerShard;
    if (!(target > 0)) throw new RangeError(`targetUnitsPerShard must be > 0, got ${target}`);
    const cap = options.maxShards ?? this.maxShards;
    const changes: ShardChange[] = [];
    this.load.forEach((load, key) => {
      const from = this.shardsFor(key);
      const to = Math.max(from, Math.min(cap, Math.ceil(load / target)));
      if (to !== from) {
        this.shards.set(key, to);
        changes.push({ key, from, to, load });
      }
    });
    if (options.resetLoad ?? true) this.load.clear();
    return changes;
  }

  resetLoad(): void {
    this.load.clear();
  }

  entries(): Array<{ key: string; shards: number; load: number }> {
    const keys = new Set<string>();
    for (const k of this.shards.keys()) keys.add(k);
    for (const k of this.load.keys()) keys.add(k);
    return Array.from(keys)
      .sort()
      .map((key) => ({ key, shards: this.shardsFor(key), load: this.loadOf(key) }));
  }
}

// DynamoDB orders string sort keys by UTF-8 bytes, i.e. by code point; JS `<` compares UTF-16 units,
// which disagrees for characters above U+FFFF versus U+E000..U+FFFF.
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(j) as number;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return (a.length - i > 0 ? 1 : 0) - (b.length - j > 0 ? 1 : 0);
}

function compareBytes(a: ArrayBufferView, b: ArrayBufferView): number {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Orders two sort-key values as DynamoDB does (S by code point, N numerically, B by bytes). */
export function compareKeyValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return compareBytes(a, b);
  throw new TypeError(`cannot compare sort keys of types ${typeof a} and ${typeof b}`);
}

/**
 * Merges fan-out Query pages, each already newest first (ScanIndexForward: false), into one list newest first.
 * `limit` applies after the merge: DynamoDB's Limit is per Query, so each shard must be asked for `limit`
 * items and only the merged list cut to `limit`. Ties keep page order.
 */
export function mergeNewestFirst<T extends Item>(pages: readonly (readonly T[])[], sortKey = 'SK', limit?: number): T[] {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`limit must be an integer >= 0`);
  const max = limit ?? Infinity;
  const cursors = pages.map(() => 0);
  const out: T[] = [];
  const keyOf = (item: T): unknown => {
    const v = item[sortKey];
    if (v === undefined) throw new TypeError(`item has no sort key ${sortKey}`);
    return v;
  };
  while (out.length < max) {
    let best = -1;
    let bestKey: unknown;
    for (let p = 0; p < pages.length; p++) {
      if (cursors[p] >= pages[p].length) continue;
      const key = keyOf(pages[p][cursors[p]]);
      if (best < 0 || compareKeyValues(key, bestKey) > 0) {
        best = p;
        bestKey = key;
      }
    }
    if (best < 0) break;
    out.push(pages[best][cursors[best]++]);
  }
  return out;
}
