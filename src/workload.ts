import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clockOf, type WorkshopClock } from './clock';
import { BatchUnprocessedError, batchWriteAll, chunk, unwrittenError, WRITE_CHUNK } from './batch';
import type { Decision, ThrottleEmulator } from './local/emulator';
import type { Item } from './types';

/**
 * A write workload like the guide's `hotuser` events: N events, each to the partition key `pkFor(n)`, written in
 * batches by several concurrent writers (as several app servers would). Measures what an instructor shows:
 * throttles, retries, elapsed time, and where the writes landed. When one batch is still refused after `maxRounds`
 * re-drives, every writer stops and the workload rejects only once none is running, with a BatchUnprocessedError
 * carrying every event not written.
 */
export interface WorkloadOptions {
  tableName: string;
  events: number;
  pkFor: (n: number) => string;
  skFor?: (n: number) => string;
  payload?: (n: number) => Item;
  /** Concurrent batch writers. */
  writers?: number;
  label?: string;
  /** When the local target runs the emulator, its decisions give exact per-request and per-partition numbers. */
  emulator?: ThrottleEmulator;
  /** Start from idle partitions (reset the emulator's model first). Default true, so runs compare fairly. */
  fresh?: boolean;
  /** Re-drives a batch may need. An app keeps retrying a hot key for long; the default is generous. */
  maxRounds?: number;
  /**
   * The clock the workload is timed on (per-second rows, elapsed): default the client's (createClients: real, or
   * virtual in headless runs). It must be the emulator's clock, whose decisions fill the rows.
   */
  clock?: WorkshopClock;
}

export interface WorkloadSecond {
  second: number;
  ok: number;
  throttled: number;
}

export interface WorkloadResult {
  label: string;
  events: number;
  written: number;
  /** Write requests refused by throttling (emulator decisions, or items that came back unprocessed). */
  throttled: number;
  /** Re-sent items (UnprocessedItems re-drives) and SDK retries. */
  redriven: number;
  sdkRetries: number;
  /** On the workload's clock: simulated seconds when `clock` is 'virtual' (say so next to the figure). */
  elapsedMs: number;
  /** Which clock timed the run: 'virtual' means elapsedMs, itemsPerSecond and perSecond are simulated time. */
  clock: 'real' | 'virtual';
  itemsPerSecond: number;
  perSecond: WorkloadSecond[];
  perKey: { partitionKey: string; written: number; throttled: number; partition?: number }[];
}

export const eventSk = (ts: number, n: number): string => `EVENT#${String(ts).padStart(10, '0')}#${String(n).padStart(6, '0')}`;

export async function runWriteWorkload(doc: DynamoDBDocumentClient, o: WorkloadOptions): Promise<WorkloadResult> {
  const label = o.label ?? 'workload';
  const items: Item[] = [];
  for (let n = 0; n < o.events; n++) {
    items.push({
      PK: o.pkFor(n),
      SK: (o.skFor ?? ((k: number) => eventSk(k, k)))(n),
      type: 'EVENT',
      ...(o.payload ? o.payload(n) : { n }),
    });
  }
  if (o.emulator && o.fresh !== false) o.emulator.reset();
  const clock = o.clock ?? clockOf(doc);
  const t0 = clock.now();
  // Every decision of this run, whatever the emulator's bounded log keeps (it holds the last 10,000).
  const decisions: Decision[] = [];
  const unsubscribe = o.emulator?.onDecision((d) => decisions.push(d));
  const observed: { tMs: number; ok: number; throttled: number }[] = [];
  const batches = chunk(items, WRITE_CHUNK);
  let next = 0;
  let written = 0;
  let redriven = 0;
  let attempts = 0;
  let calls = 0;
  // One writer giving up stops the others: they take no new batch and stop re-driving the one they hold, so
  // nothing is still writing once the workload has rejected.
  const stop = new AbortController();
  const failures: unknown[] = [];
  const unwritten: Item[] = [];
  const writer = async () => {
    while (next < batches.length && !stop.signal.aborted) {
      const batch = batches[next++];
      try {
        const r = await batchWriteAll(doc, o.tableName, batch, {
          maxRounds: o.maxRounds ?? 60,
          signal: stop.signal,
          onCall: (c) => observed.push({ tMs: clock.now(), ok: c.written, throttled: c.unprocessed }),
        });
        written += r.written;
        redriven += r.redriven;
        attempts += r.sdkAttempts;
        calls += r.calls;
      } catch (err) {
        stop.abort();
        failures.push(err);
        if (err instanceof BatchUnprocessedError) {
          written += err.written;
          unwritten.push(...err.unprocessed);
        }
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.writers ?? 4) }, writer));
  } finally {
    unsubscribe?.();
  }
  if (failures.length > 0) {
    // The first failure is the cause (retries exhausted, or an error such as a missing table, rethrown as is);
    // the others are writers it stopped.
    const cause = failures[0];
    if (!(cause instanceof BatchUnprocessedError)) throw cause;
    unwritten.push(...batches.slice(next).flat());
    throw unwrittenError(o.tableName, {
      unprocessed: unwritten,
      written,
      total: items.length,
      why: `a batch was still unprocessed after ${o.maxRounds ?? 60} re-drives, so every writer stopped`,
    });
  }
  const elapsedMs = clock.now() - t0;

  const perSecond: WorkloadSecond[] = [];
  const bump = (tMs: number, ok: number, throttled: number) => {
    const s = Math.max(0, Math.floor((tMs - t0) / 1000));
    while (perSecond.length <= s) perSecond.push({ second: perSecond.length, ok: 0, throttled: 0 });
    perSecond[s].ok += ok;
    perSecond[s].throttled += throttled;
  };
  const perKey = new Map<string, { partitionKey: string; written: number; throttled: number; partition?: number }>();
  const keyRow = (pk: string) => {
    let row = perKey.get(pk);
    if (!row) perKey.set(pk, (row = { partitionKey: pk, written: 0, throttled: 0 }));
    return row;
  };
  let throttled = 0;
  if (o.emulator) {
    for (const d of decisions) {
      if (d.index !== undefined || d.kind !== 'write') continue;
      bump(d.tMs, d.allowed ? 1 : 0, d.allowed ? 0 : 1);
      const row = keyRow(d.partitionKey);
      row.partition = d.partition;
      if (d.allowed) row.written++;
      else {
        row.throttled++;
        throttled++;
      }
    }
  } else {
    for (const e of observed) bump(e.tMs, e.ok, e.throttled);
    for (const it of items) keyRow(String(it.PK)).written++;
    throttled = observed.reduce((a, e) => a + e.throttled, 0);
  }
  return {
    label,
    events: o.events,
    written,
    throttled,
    redriven,
    sdkRetries: attempts - calls,
    elapsedMs,
    clock: clock.kind,
    itemsPerSecond: written / Math.max(0.001, elapsedMs / 1000),
    perSecond,
    perKey: Array.from(perKey.values()).sort((a, b) => (a.partitionKey < b.partitionKey ? -1 : 1)),
  };
}
