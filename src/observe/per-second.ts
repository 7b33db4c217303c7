// Running per-second sums (one entry per wall-clock second seen, whole and per table / resource): the timeline the
// recorder's charts draw, kept without the calls it was summed from (aggregates.ts feeds it).

import type { PerSecondOptions, SecondRow } from './aggregate-rows';
import { round } from './aggregate-rows';
import { secondOf } from './record-builder';
import type { AttemptRecord, CallRecord, ThrottleEvent } from './records';

interface Sums {
  read: number;
  write: number;
  readThrottles: number;
  writeThrottles: number;
}

/** One second, whole and per table / resource (for `PerSecondOptions.resource`). */
interface SecondAgg extends Sums {
  requests: number;
  throttledRequests: number;
  /** Per table: calls naming it, throttled attempts on it. */
  tables: Map<string, { requests: number; throttledRequests: number }>;
  /** Per table (without its GSIs) or GSI: units and throttle events. */
  resources: Map<string, Sums>;
}

/** A table (index undefined) or one of its GSIs, as a map key. */
export function resourceId(table: string, index: string | undefined): string {
  return `${table}\u0000${index === undefined ? '\u0001' : index}`;
}

export function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = create()));
  return v;
}

const noSums = (): Sums => ({ read: 0, write: 0, readThrottles: 0, writeThrottles: 0 });
const noTableSums = () => ({ requests: 0, throttledRequests: 0 });

export class SecondAggregates {
  private readonly seconds = new Map<number, SecondAgg>();
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;

  addCall(c: CallRecord): void {
    const s = this.second(c.second);
    s.requests++;
    for (const t of c.tables) getOrAdd(s.tables, t, noTableSums).requests++;
    for (const u of c.capacity) {
      s.read += u.readUnits;
      s.write += u.writeUnits;
      const r = getOrAdd(s.resources, resourceId(u.table, u.index), noSums);
      r.read += u.readUnits;
      r.write += u.writeUnits;
    }
  }

  addAttempt(a: AttemptRecord): void {
    const s = this.second(secondOf(a.endMs));
    if (!a.throttled) return;
    s.throttledRequests++;
    if (a.table !== undefined) getOrAdd(s.tables, a.table, noTableSums).throttledRequests++;
  }

  addThrottle(t: ThrottleEvent): void {
    const s = this.second(t.second);
    const r = getOrAdd(s.resources, resourceId(t.table, t.index), noSums);
    if (t.kind === 'read') {
      s.readThrottles++;
      r.readThrottles++;
    } else {
      s.writeThrottles++;
      r.writeThrottles++;
    }
  }

  /** Every second from the first (or `fromMs`, if earlier) to the last; idle seconds are zeros. */
  rows(options: PerSecondOptions = {}): SecondRow[] {
    if (this.seconds.size === 0) return [];
    const res = options.resource;
    const first = options.fromMs !== undefined ? Math.min(secondOf(options.fromMs), this.first) : this.first;
    const rows: SecondRow[] = [];
    for (let sec = first; sec <= this.last; sec++) {
      const s = this.seconds.get(sec);
      const t = s && res ? s.tables.get(res.table) : s;
      const r = s && res ? s.resources.get(resourceId(res.table, res.index)) : s;
      rows.push({
        second: sec - first,
        epochSecond: sec,
        requests: t ? t.requests : 0,
        ConsumedReadCapacityUnits: r ? round(r.read) : 0,
        ConsumedWriteCapacityUnits: r ? round(r.write) : 0,
        ReadThrottleEvents: r ? r.readThrottles : 0,
        WriteThrottleEvents: r ? r.writeThrottles : 0,
        ThrottledRequests: t ? t.throttledRequests : 0,
      });
    }
    return rows;
  }

  private second(sec: number): SecondAgg {
    if (sec < this.first) this.first = sec;
    if (sec > this.last) this.last = sec;
    return getOrAdd(this.seconds, sec, () => ({
      ...noSums(),
      requests: 0,
      throttledRequests: 0,
      tables: new Map(),
      resources: new Map(),
    }));
  }
}
