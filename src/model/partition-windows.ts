// The partition model's accounting (see partitions.ts): a sliding 1-second window per partition, the table-level token
// bucket of provisioned mode, and the reservations (tickets) the emulator settles after the engine answered.
import type { DirectionStats, Ticket } from './partition-limits';

// Comparisons tolerate float noise from fractional units (0.5 RCU) and scaled limits.
export const EPSILON = 1e-9;
export const WINDOW_MS = 1000;

export interface Entry {
  t: number;
  units: number;
  /** set once the window has dropped it (older than 1 s) */
  gone?: boolean;
}

export type { Ticket };

export interface TicketState extends Ticket {
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
export class SlidingWindow {
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

export class TableBucket {
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

export interface Lane {
  windows: SlidingWindow[];
  stats: DirectionStats[];
  bucket?: TableBucket;
}

export interface Resource {
  table: string;
  index?: string;
  read: Lane;
  write: Lane;
}

export function emptyStats(): DirectionStats {
  return { consumedUnits: 0, requests: 0, throttledRequests: 0, throttledUnits: 0 };
}
