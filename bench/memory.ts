/**
 * Memory and overhead of the local observation stack (figures printed, not a test; issue 12 "memory stays flat"):
 *  - heap retained per request after writing N items (default 10,000 and 200,000) with batchWriteAll through the
 *    throttling emulator + the metrics recorder, and what each keeps (recorder calls/attempts, emulator decisions).
 *    The recorder keeps running aggregates and the raw records of its last `maxCalls` calls (DEFAULT_MAX_CALLS), so
 *    past that bound its share stays flat: what still grows is per distinct key (5,000 keys here) and per second;
 *  - the emulator + recorder overhead per request vs a plain client: PutItem at concurrency 16.
 *
 *   node --expose-gc --import tsx bench/memory.ts [--items 10000,200000] [--requests 2000] [--concurrency 16]
 *
 * Without --expose-gc the heap figures are taken without a forced collection (noisier).
 */
import './lib/env';
import { parseList, parseNumber, runStandalone } from './lib/cli';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../src/batch';
import { createClients, type WorkshopClients } from '../src/client';
import { loadConfig } from '../src/config';
import { emulateThrottling } from '../src/local/emulator';
import { attachRecorder } from '../src/observe/metrics';
import { ensureTable } from '../src/table';
import type { BenchEngine } from './lib/engine';

const TABLE = 'ws-bench-memory';

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

async function clientsFor(engine: BenchEngine): Promise<WorkshopClients> {
  const config = loadConfig(engine.env('bench-memory'));
  const clients = await createClients(config, { startLocal: false });
  await ensureTable(clients, { tableName: TABLE });
  return clients;
}

/** Writes `items` items over many keys through emulator + recorder; heap before/after, per request. */
async function heapPerRequest(engine: BenchEngine, items: number): Promise<Record<string, string | number>> {
  const clients = await clientsFor(engine);
  // Scale 1 (AWS's limits) and keys spread wide: the figure is about memory, not throttling.
  const emulator = emulateThrottling(clients, { scale: 1 });
  const recorder = attachRecorder(clients);
  const before = heapUsed();
  const chunk = 5_000;
  for (let i = 0; i < items; i += chunk) {
    const batch = [];
    for (let j = i; j < Math.min(items, i + chunk); j++) {
      batch.push({ PK: `USER#u${j % 5_000}`, SK: `EVENT#${String(j).padStart(8, '0')}`, payload: 'x'.repeat(100) });
    }
    await batchWriteAll(clients.doc, TABLE, batch);
  }
  const after = heapUsed();
  const calls = recorder.totals().calls;
  const row = {
    items,
    requests: calls,
    'heap growth (MiB)': Math.round(((after - before) / 2 ** 20) * 10) / 10,
    'heap per request (B)': Math.round((after - before) / Math.max(1, calls)),
    'heap per item (B)': Math.round((after - before) / items),
    'recorder bound (maxCalls)': recorder.maxCalls,
    'recorder calls kept': recorder.calls.length,
    'recorder attempts kept': recorder.attempts.length,
    'emulator decisions kept': emulator.decisions.retained,
  };
  recorder.detach();
  emulator.uninstall();
  clients.ddb.destroy();
  return row;
}

/** Mean time per PutItem at `concurrency`, plain vs emulator + recorder. */
async function overhead(engine: BenchEngine, requests: number, concurrency: number): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  for (const observed of [false, true, false, true]) {
    const clients = await clientsFor(engine);
    const emulator = observed ? emulateThrottling(clients, { scale: 1 }) : undefined;
    const recorder = observed ? attachRecorder(clients) : undefined;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const i = next++;
          await clients.doc.send(new PutCommand({ TableName: TABLE, Item: { PK: `USER#o${i % 1_000}`, SK: `E#${i}`, v: i } }));
        }
      }),
    );
    const ms = performance.now() - t0;
    rows.push({
      client: observed ? 'emulator + recorder' : 'plain',
      requests,
      concurrency,
      'wall ms': Math.round(ms),
      'ms per request (wall / requests)': Math.round((ms / requests) * 1000) / 1000,
      'requests/s': Math.round(requests / (ms / 1000)),
    });
    recorder?.detach();
    emulator?.uninstall();
    clients.ddb.destroy();
  }
  return rows;
}

if (require.main === module) {
  runStandalone('memory', async (engine, argv) => {
    const sizes = (parseList(argv, '--items') ?? ['10000', '200000']).map(Number);
    const requests = parseNumber(argv, '--requests', 2_000);
    const concurrency = parseNumber(argv, '--concurrency', 16);
    if (!(globalThis as { gc?: unknown }).gc) console.log('(no --expose-gc: heap figures without a forced collection)');
    console.log('\nHeap retained by emulator + recorder, per request (batchWriteAll, 25 items per request)');
    const rows: Record<string, string | number>[] = [];
    for (const n of sizes) rows.push(await heapPerRequest(engine, n)); // one at a time: heap figures apart
    console.table(rows);
    console.log(`\nOverhead per request: PutItem at concurrency ${concurrency}, plain vs emulator + recorder (run twice)`);
    console.table(await overhead(engine, requests, concurrency));
  });
}
