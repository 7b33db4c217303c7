// The partition model: DynamoDB Local never throttles, so the workshop decides throttling here, from AWS's
// documented limits, before a request reaches the engine. Pure and deterministic: time is passed in.
//
// AWS sources:
// - per-partition limits, reads and writes throttled independently, KeyRangeThroughputExceeded:
//   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html
//   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html
// - reason names (ResourceType + OperationType + LimitType):
//   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ThrottlingReason.html
// - burst capacity ("retains up to 5 minutes (300 seconds) of unused read and write capacity", best effort,
//   "can't alleviate partition-level throttling"):
//   https://repost.aws/knowledge-center/dynamodb-spiky-workloads-short-intervals
//
// The model, per resource (a table, or one GSI of it, which has its own partitions) and per direction:
// 1. Each partition admits at most `limit` units in ANY 1-second window: a sliding-window log, not a token
//    bucket, because a bucket of capacity C lets C + limit through in some 1 s window. Proof that a single
//    key never exceeds the per-partition limit: take any window (a, a+1000] and its last admitted request at
//    t ≤ a+1000; every admitted request in the window lies in (t-1000, t], whose sum the check at t kept
//    ≤ limit. Time never goes backwards here (an earlier nowMs is treated as the latest one seen).
// 2. Only when a table throughput is set (provisioned mode) is there a table-level token bucket too:
//    a steady bucket (rate T, 1 s deep) whose overflow — unused capacity — fills a burst pool of up to
//    `burstSeconds` × T. A request may draw on the pool, best effort (`burstAvailability`, seeded).
// A request is admitted only if BOTH allow it, so burst can add nothing to what rule 1 permits: it lets an
// idle table absorb a spike above its provisioned rate, never a key above its partition's limit.
// Not modelled: partition splits for heat or size, adaptive capacity moving shares, on-demand's
// previous-peak doubling and account quotas.

import { createRng, hashString, type Rng } from '../random';

export const AWS_PARTITION_WRITE_UNITS_PER_SECOND = 1000;
export const AWS_PARTITION_READ_UNITS_PER_SECOND = 3000;
export const AWS_BURST_SECONDS = 300;
export const DEFAULT_PARTITIONS = 4;

export type Kind = 'read' | 'write';

export type KeyRangeThrottlingReason =
  | 'TableReadKeyRangeThroughputExceeded'
  | 'TableWriteKeyRangeThroughputExceeded'
  | 'IndexReadKeyRangeThroughputExceeded'
  | 'IndexWriteKeyRangeThroughputExceeded';

export type ProvisionedThrottlingReason =
  | 'TableReadProvisionedThroughputExceeded'
  | 'TableWriteProvisionedThroughputExceeded'
  | 'IndexReadProvisionedThroughputExceeded'
  | 'IndexWriteProvisionedThroughputExceeded';

export type ThrottlingReasonName = KeyRangeThrottlingReason | ProvisionedThrottlingReason;

export function throttlingReason(
  kind: Kind,
  onIndex: boolean,
  limit: 'KeyRangeThroughputExceeded' | 'ProvisionedThroughputExceeded',
): ThrottlingReasonName {
  return `${onIndex ? 'Index' : 'Table'}${kind === 'read' ? 'Read' : 'Write'}${limit}` as ThrottlingReasonName;
}

export interface PartitionModelOptions {
  /** Physical partitions of the table (and of each GSI). Default 4. */
  partitions?: number;
  /** Multiplies every limit, e.g. 0.01 → 10 WCU/s and 30 RCU/s per partition. Default 1. */
  scale?: number;
  /** Per-partition write limit before scaling. Default 1000. */
  writeUnitsPerSecond?: number;
  /** Per-partition read limit before scaling. Default 3000. */
  readUnitsPerSecond?: number;
  /** Provisioned WCU of the table (and of each GSI) before scaling. Unset: only partition limits apply. */
  tableWriteUnitsPerSecond?: number;
  /** Provisioned RCU of the table (and of each GSI) before scaling. Unset: only partition limits apply. */
  tableReadUnitsPerSecond?: number;
  /** Seconds of unused table capacity retained for bursts. Default 300. */
  burstSeconds?: number;
  /** Default true. */
  burst?: boolean;
  /** Probability that a request needing burst capacity gets it (AWS: best effort, not guaranteed). Default 1. */
  burstAvailability?: number;
  /** Seeds the best-effort draws. Default 1. */
  seed?: number;
  /**
   * A request larger than one second of a partition's limit (possible only at a small scale: at AWS's limits no 400 KB
   * item is that large): false (default) refuses it for ever; true admits it on an idle partition and places its units
   * as a debt, one second's limit per second, so the partition stays at its rate in every 1 s window.
   */
  admitOversized?: boolean;
}

export interface ConsumeRequest {
  table: string;
  /** A GSI name: the index's own partitions and throughput are used, and reasons start with `Index`. */
  index?: string;
  /** The partition key VALUE of the item (or of the index entry), e.g. `USER#hotuser#S2`. */
  partitionKey: string;
  kind: Kind;
  units: number;
  nowMs: number;
}

export interface ConsumeResult {
  allowed: boolean;
  partition: number;
  reason?: ThrottlingReasonName;
  /** Units this partition could still take now, after this decision. */
  available: number;
  /** When the same request could first succeed; 0 if allowed, Infinity if it exceeds the limit on its own. */
  retryAfterMs: number;
  /** The request was admitted only thanks to retained (burst) capacity. */
  usedBurst: boolean;
  /** Admitted: what it placed, to settle or release later. */
  ticket?: Ticket;
}

export interface DirectionStats {
  consumedUnits: number;
  requests: number;
  throttledRequests: number;
  throttledUnits: number;
}

export interface PartitionStats {
  partition: number;
  read: DirectionStats;
  write: DirectionStats;
}

export interface ResourceSnapshot {
  table: string;
  index?: string;
  partitions: PartitionStats[];
  /** Retained capacity in the burst pools (provisioned mode only). */
  burstUnits: { read: number; write: number };
}

export interface ModelSnapshot {
  scale: number;
  limits: ScaledLimits;
  resources: ResourceSnapshot[];
}

export interface ScaledLimits {
  writeUnitsPerSecond: number;
  readUnitsPerSecond: number;
  tableWriteUnitsPerSecond?: number;
  tableReadUnitsPerSecond?: number;
}

/** The limits the model enforces, after scaling. */
export function scaledLimits(options: PartitionModelOptions = {}): ScaledLimits {
  const scale = options.scale ?? 1;
  const out: ScaledLimits = {
    writeUnitsPerSecond: (options.writeUnitsPerSecond ?? AWS_PARTITION_WRITE_UNITS_PER_SECOND) * scale,
    readUnitsPerSecond: (options.readUnitsPerSecond ?? AWS_PARTITION_READ_UNITS_PER_SECOND) * scale,
  };
  if (options.tableWriteUnitsPerSecond !== undefined) out.tableWriteUnitsPerSecond = options.tableWriteUnitsPerSecond * scale;
  if (options.tableReadUnitsPerSecond !== undefined) out.tableReadUnitsPerSecond = options.tableReadUnitsPerSecond * scale;
  return out;
}

function formatUnits(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  const [whole, frac] = String(rounded).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** Chart label, e.g. "1/100 of AWS's per-partition limits: 10 WCU/s, 30 RCU/s per partition". */
export function describeScale(scale: number, options: PartitionModelOptions = {}): string {
  const limits = scaledLimits({ ...options, scale });
  const tail = `${formatUnits(limits.writeUnitsPerSecond)} WCU/s, ${formatUnits(limits.readUnitsPerSecond)} RCU/s per partition`;
  if (scale === 1) return `AWS's per-partition limits: ${tail}`;
  const inverse = 1 / scale;
  const label =
    scale < 1 && Math.abs(inverse - Math.round(inverse)) < 1e-9 ? `1/${Math.round(inverse)} of` : `${formatUnits(scale)}×`;
  return `${label} AWS's per-partition limits: ${tail}`;
}

/** Partitions own contiguous ranges of the hashed key space, hence "key range" in the throttling reasons. */
export function partitionOf(partitionKeyValue: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions <= 0)
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return Math.floor((hashString(partitionKeyValue) / 4294967296) * partitions);
}

// Comparisons tolerate float noise from fractional units (0.5 RCU) and scaled limits.
const EPSILON = 1e-9;
const WINDOW_MS = 1000;

interface Entry {
  t: number;
  units: number;
  /** set once the window has dropped it (older than 1 s) */
  gone?: boolean;
}

/**
 * What an admitted request placed in its partition's window: kept so that the emulator can settle it to the charge
 * DynamoDB reports once the engine answered (less: the difference is given back; more: a debt placed like any charge),
 * or release it whole when another part of the same request (a GSI, another transaction item) was refused.
 */
export interface Ticket {
  readonly kind: Kind;
  readonly partition: number;
  /** the units charged, now */
  readonly units: number;
}

interface TicketState extends Ticket {
  units: number;
  lane: Lane;
  entries: Entry[];
}

/**
 * The units admitted in the last second, as a log sorted by time. Entries may lie in the future: a charge larger than
 * what fits now (an item above one second's budget at a small scale, or a debt learnt after the engine answered) is
 * placed as one `limit`-sized chunk per second after the last entry, so that no 1 s window ever holds more than
 * `limit` and later requests wait until the debt is paid. `used` counts future entries too (conservative).
 */
class SlidingWindow {
  private entries: Entry[] = [];
  private head = 0;
  private sum = 0;

  used(nowMs: number): number {
    while (this.head < this.entries.length && this.entries[this.head].t <= nowMs - WINDOW_MS) {
      this.sum -= this.entries[this.head].units;
      this.entries[this.head].gone = true;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.entries.length) this.sum = 0;
    return this.sum;
  }

  add(nowMs: number, units: number): Entry {
    const e: Entry = { t: nowMs, units };
    let i = this.entries.length;
    while (i > this.head && this.entries[i - 1].t > nowMs) i--;
    this.entries.splice(i, 0, e);
    this.sum += units;
    return e;
  }

  /** Changes an entry's units in place (a settlement); nothing to do once it left the window. */
  adjust(e: Entry, units: number): void {
    if (!e.gone) this.sum += units - e.units;
    e.units = units;
  }

  /** Time of the last entry (the end of any debt already placed), -Infinity when empty. */
  lastT(): number {
    return this.entries.length > this.head ? this.entries[this.entries.length - 1].t : -Infinity;
  }

  /**
   * Places `units` without a decision: what fits under `limit` at `nowMs`, the rest in `limit`-sized chunks one second
   * apart after the last entry. Any 1 s window then holds at most `limit` (one chunk, or what fitted with the rest).
   */
  place(nowMs: number, units: number, limit: number): Entry[] {
    const out: Entry[] = [];
    const first = Math.min(units, Math.max(0, limit - this.used(nowMs)));
    if (first > EPSILON) out.push(this.add(nowMs, first));
    let rest = units - Math.max(0, first);
    let t = Math.max(nowMs, this.lastT());
    while (rest > EPSILON) {
      t += WINDOW_MS;
      const chunk = Math.min(rest, limit);
      out.push(this.add(t, chunk));
      rest -= chunk;
    }
    return out;
  }

  /** Milliseconds until `units` more would fit under `limit`. */
  waitFor(nowMs: number, units: number, limit: number): number {
    let excess = this.used(nowMs) + units - limit;
    for (let i = this.head; i < this.entries.length && excess > EPSILON; i++) {
      excess -= this.entries[i].units;
      if (excess <= EPSILON) return Math.max(0, this.entries[i].t + WINDOW_MS - nowMs);
    }
    return 0;
  }

  /** Milliseconds until the window is empty (every entry, debt included, has left it). */
  idleIn(nowMs: number): number {
    this.used(nowMs);
    return Math.max(0, this.lastT() + WINDOW_MS - nowMs);
  }
}

class TableBucket {
  steady: number;
  pool = 0;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly poolMax: number,
    nowMs: number,
  ) {
    this.steady = rate;
    this.last = nowMs;
  }

  refill(nowMs: number): void {
    const add = (this.rate * Math.max(0, nowMs - this.last)) / 1000;
    this.last = Math.max(this.last, nowMs);
    const overflow = this.steady + add - this.rate;
    if (overflow > 0) {
      this.steady = this.rate;
      this.pool = Math.min(this.poolMax, this.pool + overflow);
    } else {
      this.steady += add;
    }
  }

  /** Unused capacity keeps arriving at `rate` (into the steady bucket, then the pool) until the caps. */
  waitFor(units: number, withPool: boolean): number {
    if (units > this.rate + (withPool ? this.poolMax : 0) + EPSILON) return Infinity;
    const missing = units - this.steady - (withPool ? this.pool : 0);
    return missing <= EPSILON ? 0 : Math.ceil((missing / this.rate) * 1000);
  }
}

interface Lane {
  windows: SlidingWindow[];
  stats: DirectionStats[];
  bucket?: TableBucket;
}

interface Resource {
  table: string;
  index?: string;
  read: Lane;
  write: Lane;
}

function emptyStats(): DirectionStats {
  return { consumedUnits: 0, requests: 0, throttledRequests: 0, throttledUnits: 0 };
}

export class PartitionModel {
  readonly partitions: number;
  readonly scale: number;
  readonly limits: ScaledLimits;
  private readonly burst: boolean;
  private readonly burstSeconds: number;
  private readonly burstAvailability: number;
  private readonly admitOversized: boolean;
  private readonly rng: Rng;
  private readonly resources = new Map<string, Resource>();
  private clock = -Infinity;

  constructor(options: PartitionModelOptions = {}) {
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    if (!Number.isInteger(this.partitions) || this.partitions <= 0) throw new RangeError(`partitions must be a positive integer`);
    this.scale = options.scale ?? 1;
    if (!(this.scale > 0)) throw new RangeError(`scale must be > 0`);
    this.limits = scaledLimits(options);
    this.burst = options.burst ?? true;
    this.burstSeconds = options.burstSeconds ?? AWS_BURST_SECONDS;
    this.burstAvailability = options.burstAvailability ?? 1;
    this.admitOversized = options.admitOversized ?? false;
    this.rng = createRng(options.seed ?? 1);
  }

  partitionOf(partitionKeyValue: string): number {
    return partitionOf(partitionKeyValue, this.partitions);
  }

  /** Decides one request and, if it is admitted, charges its units. */
  tryConsume(request: ConsumeRequest): ConsumeResult {
    const { kind, units } = request;
    if (!(units >= 0) || !Number.isFinite(units)) throw new RangeError(`units must be a finite number >= 0, got ${units}`);
    const nowMs = (this.clock = Math.max(this.clock, request.nowMs));
    const onIndex = request.index !== undefined;
    const lane = this.resource(request.table, request.index, nowMs)[kind];
    const partition = this.partitionOf(request.partitionKey);
    const window = lane.windows[partition];
    const stats = lane.stats[partition];
    const limit = kind === 'read' ? this.limits.readUnitsPerSecond : this.limits.writeUnitsPerSecond;
    const bucket = lane.bucket;
    bucket?.refill(nowMs);

    const throttle = (reason: ThrottlingReasonName, retryAfterMs: number): ConsumeResult => {
      stats.requests++;
      stats.throttledRequests++;
      stats.throttledUnits += units;
      return {
        allowed: false,
        partition,
        reason,
        available: this.available(window, bucket, limit, nowMs),
        retryAfterMs,
        usedBurst: false,
      };
    };

    const oversized = units > limit + EPSILON;
    if (oversized && !this.admitOversized) {
      return throttle(throttlingReason(kind, onIndex, 'KeyRangeThroughputExceeded'), Infinity);
    }
    if (oversized ? window.used(nowMs) > EPSILON : window.used(nowMs) + units > limit + EPSILON) {
      return throttle(
        throttlingReason(kind, onIndex, 'KeyRangeThroughputExceeded'),
        oversized ? window.idleIn(nowMs) : window.waitFor(nowMs, units, limit),
      );
    }

    let usedBurst = false;
    if (bucket) {
      if (units > bucket.steady + EPSILON) {
        const poolUsable = this.burst && units <= bucket.steady + bucket.pool + EPSILON;
        // Only draw the dice when burst would decide the outcome, so a seed's sequence maps to decisions.
        const granted = poolUsable && (this.burstAvailability >= 1 || this.rng() < this.burstAvailability);
        if (!granted) {
          return throttle(throttlingReason(kind, onIndex, 'ProvisionedThroughputExceeded'), bucket.waitFor(units, this.burst));
        }
        bucket.pool = Math.max(0, bucket.pool - (units - bucket.steady));
        bucket.steady = 0;
        usedBurst = true;
      } else {
        bucket.steady -= units;
      }
    }

    const entries = window.place(nowMs, units, limit);
    stats.requests++;
    stats.consumedUnits += units;
    const ticket: TicketState = { kind, partition, units, lane, entries };
    return {
      allowed: true,
      partition,
      available: this.available(window, bucket, limit, nowMs),
      retryAfterMs: 0,
      usedBurst,
      ticket,
    };
  }

  /**
   * Decides several requests as one (a transaction, or an item write with the GSIs it reaches): all are admitted or
   * none is charged. `refused` is the index of the first request refused; the results up to it are returned.
   */
  tryConsumeAll(requests: readonly ConsumeRequest[]): { allowed: boolean; results: ConsumeResult[]; refused?: number } {
    const results: ConsumeResult[] = [];
    for (let i = 0; i < requests.length; i++) {
      const r = this.tryConsume(requests[i]);
      results.push(r);
      if (!r.allowed) {
        for (const ok of results) if (ok.ticket) this.release(ok.ticket);
        return { allowed: false, results, refused: i };
      }
    }
    return { allowed: true, results };
  }

  /**
   * Settles an admitted request to the units it really consumed, once known (DynamoDB reports them with the answer):
   * fewer are given back to the window; more are placed as a debt (what fits now, the rest one second's limit per
   * second later), so the partition never exceeds its rate in any 1 s window and later requests pay the difference.
   */
  settle(ticket: Ticket, units: number, nowMs: number): void {
    const t = ticket as TicketState;
    if (!(units >= 0) || !Number.isFinite(units)) return;
    const diff = units - t.units;
    if (Math.abs(diff) <= EPSILON) return;
    const now = (this.clock = Math.max(this.clock, nowMs));
    const window = t.lane.windows[t.partition];
    const limit = t.kind === 'read' ? this.limits.readUnitsPerSecond : this.limits.writeUnitsPerSecond;
    if (diff > 0) {
      t.entries.push(...window.place(now, diff, limit));
    } else {
      let give = -diff;
      for (let i = t.entries.length - 1; i >= 0 && give > EPSILON; i--) {
        const e = t.entries[i];
        const take = Math.min(give, e.units);
        window.adjust(e, e.units - take);
        give -= take;
      }
    }
    t.lane.stats[t.partition].consumedUnits += diff;
    if (t.lane.bucket) {
      t.lane.bucket.refill(now);
      t.lane.bucket.steady -= diff;
    }
    t.units = units;
  }

  /** Undoes an admitted request that was not served after all (another part of it was refused): nothing consumed. */
  release(ticket: Ticket): void {
    const t = ticket as TicketState;
    const window = t.lane.windows[t.partition];
    for (const e of t.entries) window.adjust(e, 0);
    t.lane.stats[t.partition].consumedUnits -= t.units;
    t.lane.stats[t.partition].requests--;
    if (t.lane.bucket) t.lane.bucket.steady += t.units;
    t.units = 0;
    t.entries = [];
  }

  /**
   * Charges units already served without an admission decision, placed like a debt (what fits now, the rest later):
   * later requests to the partition pay for it.
   */
  charge(request: ConsumeRequest): void {
    if (!(request.units > 0) || !Number.isFinite(request.units)) return;
    const nowMs = (this.clock = Math.max(this.clock, request.nowMs));
    const lane = this.resource(request.table, request.index, nowMs)[request.kind];
    const partition = this.partitionOf(request.partitionKey);
    const limit = request.kind === 'read' ? this.limits.readUnitsPerSecond : this.limits.writeUnitsPerSecond;
    lane.windows[partition].place(nowMs, request.units, limit);
    lane.stats[partition].consumedUnits += request.units;
    if (lane.bucket) {
      lane.bucket.refill(nowMs);
      lane.bucket.steady -= request.units;
    }
  }

  /** Per-partition counters and burst pools, deep-copied. */
  snapshot(): ModelSnapshot {
    const resources: ResourceSnapshot[] = [];
    this.resources.forEach((r) => {
      const partitions: PartitionStats[] = [];
      for (let p = 0; p < this.partitions; p++) {
        partitions.push({ partition: p, read: { ...r.read.stats[p] }, write: { ...r.write.stats[p] } });
      }
      const snap: ResourceSnapshot = {
        table: r.table,
        partitions,
        burstUnits: { read: r.read.bucket ? r.read.bucket.pool : 0, write: r.write.bucket ? r.write.bucket.pool : 0 },
      };
      if (r.index !== undefined) snap.index = r.index;
      resources.push(snap);
    });
    return { scale: this.scale, limits: { ...this.limits }, resources };
  }

  /** Forgets all state (windows, pools, counters); the seed's sequence continues. */
  reset(): void {
    this.resources.clear();
    this.clock = -Infinity;
  }

  private available(window: SlidingWindow, bucket: TableBucket | undefined, limit: number, nowMs: number): number {
    const partitionLeft = Math.max(0, limit - window.used(nowMs));
    if (!bucket) return partitionLeft;
    return Math.min(partitionLeft, bucket.steady + (this.burst ? bucket.pool : 0));
  }

  private resource(table: string, index: string | undefined, nowMs: number): Resource {
    const id = index === undefined ? table : `${table}\u0000${index}`;
    let r = this.resources.get(id);
    if (!r) {
      r = {
        table,
        read: this.lane(this.limits.tableReadUnitsPerSecond, nowMs),
        write: this.lane(this.limits.tableWriteUnitsPerSecond, nowMs),
      };
      if (index !== undefined) r.index = index;
      this.resources.set(id, r);
    }
    return r;
  }

  private lane(tableRate: number | undefined, nowMs: number): Lane {
    const windows: SlidingWindow[] = [];
    const stats: DirectionStats[] = [];
    for (let p = 0; p < this.partitions; p++) {
      windows.push(new SlidingWindow());
      stats.push(emptyStats());
    }
    const lane: Lane = { windows, stats };
    // A new table starts with one second of capacity and an empty pool: burst is earned by idling.
    if (tableRate !== undefined) lane.bucket = new TableBucket(tableRate, this.burst ? tableRate * this.burstSeconds : 0, nowMs);
    return lane;
  }
}
