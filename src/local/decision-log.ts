import type { Kind, ThrottlingReasonName } from '../model/partitions';

/** One part of a request the throttling emulator decided: a partition of a table or GSI, admitted or throttled. */
export interface Decision {
  tMs: number;
  operation: string;
  table: string;
  index?: string;
  partitionKey: string;
  partition: number;
  kind: Kind;
  /** The units charged: DynamoDB's charge for this part of the request (settled to the engine's figure for writes). */
  units: number;
  /** The units the admission decided on (writes: before the engine answered; reads: the same as `units`). */
  estimate: number;
  allowed: boolean;
  reason?: ThrottlingReasonName;
}

/** Totals per partition key (what Contributor Insights' "most throttled keys" shows). */
export interface KeyStat {
  partitionKey: string;
  table: string;
  index?: string;
  partition: number;
  ok: number;
  throttled: number;
  /** units admitted (settled) */
  units: number;
}

export interface SecondStat {
  second: number;
  ok: number;
  throttled: number;
}

/** How many raw decisions the emulator keeps by default: about 1.7 MB (~170 B each). */
export const DEFAULT_DECISION_LOG_SIZE = 10_000;

/**
 * The emulator's decisions: exact aggregates (counts, per key, per second) over every decision since `clear()`, and
 * the raw decisions in a ring of `capacity` — the most recent ones; older ones are dropped, so memory stays flat
 * however long a kernel runs (the raw log used to keep every write, ~170 B each, never trimmed).
 *
 * Positions are absolute: `length` counts every decision since `clear()`, and `slice(from)` returns the retained
 * decisions from position `from` on, so `const from = log.length; …; log.slice(from)` reads what came in between —
 * complete as long as no more than `capacity` came (`dropped` says how many are gone). Whoever needs every decision
 * of a long run subscribes with `onDecision` and aggregates as they arrive.
 */
export class DecisionLog implements Iterable<Decision> {
  readonly capacity: number;
  private ring: Decision[] = [];
  /** absolute position of ring[0] */
  private first = 0;
  private total = 0;
  private allowedCount = 0;
  private readonly keys = new Map<string, KeyStat>();
  private readonly seconds: SecondStat[] = [];
  private origin?: number;
  private readonly listeners = new Set<(d: Decision) => void>();

  constructor(capacity = DEFAULT_DECISION_LOG_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`decision log size must be a whole number ≥ 0, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Decisions recorded since `clear()` (exact, whatever was dropped). */
  get length(): number {
    return this.total;
  }

  /** Decisions still held (≤ capacity). */
  get retained(): number {
    return Math.min(this.ring.length, this.capacity);
  }

  /** Decisions dropped from the ring since `clear()`. */
  get dropped(): number {
    return this.total - this.retained;
  }

  /** Exact totals since `clear()`. */
  get counts(): { decisions: number; allowed: number; throttled: number } {
    return { decisions: this.total, allowed: this.allowedCount, throttled: this.total - this.allowedCount };
  }

  push(d: Decision): void {
    this.total++;
    if (d.allowed) this.allowedCount++;
    const stat = this.keyStat(d);
    if (d.allowed) {
      stat.ok++;
      stat.units += d.units;
    } else stat.throttled++;
    this.origin ??= d.tMs;
    const s = Math.max(0, Math.floor((d.tMs - this.origin) / 1000));
    while (this.seconds.length <= s) this.seconds.push({ second: this.seconds.length, ok: 0, throttled: 0 });
    if (d.allowed) this.seconds[s].ok++;
    else this.seconds[s].throttled++;
    if (this.capacity > 0) {
      this.ring.push(d);
      // drop in blocks (a tenth of the ring) so pushing stays O(1) amortised
      if (this.ring.length > this.capacity + Math.ceil(this.capacity / 10)) this.trim();
    } else this.first++;
    for (const l of this.listeners) l(d);
  }

  /** Changes a decision's charged units after the engine answered (settlement), keeping the aggregates exact. */
  resettle(d: Decision, units: number): void {
    if (d.allowed) this.keyStat(d).units += units - d.units;
    d.units = units;
  }

  /** Calls `listener` with every decision from now on (settled units arrive later, on the same object). */
  onDecision(listener: (d: Decision) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The retained decisions from absolute position `start` to `end` (like Array#slice; negative counts from the end). */
  slice(start = 0, end = this.total): Decision[] {
    this.trim();
    const abs = (i: number) => (i < 0 ? Math.max(0, this.total + i) : Math.min(i, this.total));
    return this.ring.slice(Math.max(0, abs(start) - this.first), Math.max(0, abs(end) - this.first));
  }

  filter(predicate: (d: Decision) => boolean): Decision[] {
    return this.slice().filter(predicate);
  }

  some(predicate: (d: Decision) => boolean): boolean {
    return this.slice().some(predicate);
  }

  /** The retained decision at absolute position `i` (negative: from the end), if still held. */
  at(i: number): Decision | undefined {
    const abs = i < 0 ? this.total + i : i;
    this.trim();
    return abs >= this.first ? this.ring[abs - this.first] : undefined;
  }

  [Symbol.iterator](): Iterator<Decision> {
    return this.slice()[Symbol.iterator]();
  }

  /** Totals per partition key, busiest first: exact over every decision since `clear()`. */
  keyStats(): KeyStat[] {
    return Array.from(this.keys.values(), (s) => ({ ...s })).sort((a, b) => b.ok + b.throttled - (a.ok + a.throttled));
  }

  /**
   * Admitted and throttled decisions per whole second. Without `sinceMs`: from the first decision since `clear()`,
   * exact over all of them (aggregated as they came). With `sinceMs`: from that instant, counted over the retained
   * decisions (exact while the ring still holds everything since then).
   */
  perSecond(sinceMs?: number): SecondStat[] {
    if (sinceMs === undefined) return this.seconds.map((s) => ({ ...s }));
    const rows: SecondStat[] = [];
    for (const d of this.slice()) {
      if (d.tMs < sinceMs) continue;
      const s = Math.floor((d.tMs - sinceMs) / 1000);
      while (rows.length <= s) rows.push({ second: rows.length, ok: 0, throttled: 0 });
      if (d.allowed) rows[s].ok++;
      else rows[s].throttled++;
    }
    return rows;
  }

  /** Forgets every decision and aggregate (listeners stay). */
  clear(): void {
    this.ring = [];
    this.first = 0;
    this.total = 0;
    this.allowedCount = 0;
    this.keys.clear();
    this.seconds.length = 0;
    this.origin = undefined;
  }

  private trim(): void {
    const over = this.ring.length - this.capacity;
    if (over <= 0) return;
    this.ring = this.ring.slice(over);
    this.first += over;
  }

  private keyStat(d: Decision): KeyStat {
    const id = `${d.table}\u0000${d.index ?? ''}\u0000${d.partitionKey}`;
    let s = this.keys.get(id);
    if (!s) {
      s = { partitionKey: d.partitionKey, table: d.table, index: d.index, partition: d.partition, ok: 0, throttled: 0, units: 0 };
      this.keys.set(id, s);
    }
    return s;
  }
}
