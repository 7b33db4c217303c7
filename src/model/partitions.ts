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

import { createRng, type Rng } from '../random';
import {
  AWS_BURST_SECONDS,
  type PartitionStats,
  type ResourceSnapshot,
  type ThrottlingReasonName,
  type ConsumeRequest,
  type ConsumeResult,
  DEFAULT_PARTITIONS,
  type DirectionStats,
  type ModelSnapshot,
  type PartitionModelOptions,
  partitionOf,
  type ScaledLimits,
  scaledLimits,
  throttlingReason,
} from './partition-limits';
import {
  EPSILON,
  emptyStats,
  type Lane,
  type Resource,
  SlidingWindow,
  TableBucket,
  type Ticket,
  type TicketState,
} from './partition-windows';

export * from './partition-limits';
export type { Ticket } from './partition-windows';

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
