/**
 * Emulator fidelity: hammer one key, then 8 sharded keys, for `--seconds` each at the scaled limit, through the
 * workshop's client with the throttling emulator installed (SDK retries off, so every refusal shows). Checks:
 *  - the admitted write rate per partition never exceeds the configured one, in ANY 1-second window;
 *  - what reached DynamoDB Local (counted back with a plain client) is exactly what the emulator admitted;
 *  - the throttle ratio (refused / all requests).
 *
 *   npx tsx bench/emulator-fidelity.ts [--seconds 10] [--concurrency 8]
 */
import './lib/env';
import { parseNumber, runStandalone } from './lib/cli';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { clientOptions, createClients } from '../src/client';
import { loadConfig } from '../src/config';
import { emulateThrottling, type Decision, type ThrottleEmulator } from '../src/local/emulator';
import { partitionOf } from '../src/model/partitions';
import { allShardPks } from '../src/sharding';
import { ensureTable } from '../src/table';
import type { BenchEngine } from './lib/engine';
import { LoadMonitor } from './lib/machine';
import { consoleLog, printSection, table, verdict, type Log, type Section } from './lib/report';
import { n, pct } from './lib/stats';

const TABLE = 'ws-bench-emulator';

export interface EmulatorBenchOptions {
  engine: BenchEngine;
  seconds: number;
  concurrency: number;
  /** the emulator's scale (default 1/50, as notebook 03: 20 WCU/s per partition) */
  scale?: number;
  partitions?: number;
  log?: Log;
}

interface PartitionRow {
  partition: number;
  keys: number;
  admittedUnits: number;
  admittedRequests: number;
  throttledRequests: number;
  avgRate: number;
  maxWindow: number;
}

interface Scenario {
  label: string;
  keys: string[];
  seconds: number;
  requests: number;
  clientOk: number;
  clientThrottled: number;
  otherErrors: number;
  stored: number;
  admitted: number;
  partitions: PartitionRow[];
}

/** Largest sum of admitted units in any window (t − 1000 ms, t], per the emulator's own decision times. */
export function maxWindowUnits(decisions: readonly Pick<Decision, 'tMs' | 'units'>[], windowMs = 1000): number {
  const d = [...decisions].sort((a, b) => a.tMs - b.tMs);
  let best = 0;
  let sum = 0;
  let head = 0;
  for (let i = 0; i < d.length; i++) {
    sum += d[i].units;
    while (d[head].tMs <= d[i].tMs - windowMs) sum -= d[head++].units;
    best = Math.max(best, sum);
  }
  return best;
}

async function countStored(doc: DynamoDBDocumentClient, pk: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

async function hammer(
  doc: DynamoDBDocumentClient,
  emu: ThrottleEmulator,
  counter: DynamoDBDocumentClient,
  label: string,
  keys: string[],
  seconds: number,
  concurrency: number,
): Promise<Scenario> {
  emu.reset(); // idle partitions: every scenario starts from the same state
  // Every decision of this scenario, as it is made: the emulator keeps only its most recent raw decisions (a ring) and
  // exact aggregates, and the 1-second windows below need each admitted write's time and settled units.
  const mine: Decision[] = [];
  const unsubscribe = emu.onDecision((d) => {
    if (d.table === TABLE && d.kind === 'write' && d.index === undefined && keys.includes(d.partitionKey)) mine.push(d);
  });
  const sc: Scenario = {
    label,
    keys,
    seconds,
    requests: 0,
    clientOk: 0,
    clientThrottled: 0,
    otherErrors: 0,
    stored: 0,
    admitted: 0,
    partitions: [],
  };
  const t0 = Date.now();
  const until = t0 + seconds * 1000;
  let seq = 0;
  let firstError: unknown;
  const loop = async () => {
    while (Date.now() < until) {
      const i = seq++;
      const pk = keys[i % keys.length];
      sc.requests++;
      try {
        await doc.send(
          new PutCommand({ TableName: TABLE, Item: { PK: pk, SK: `HAMMER#${String(i).padStart(8, '0')}`, type: 'EVENT', n: i } }),
        );
        sc.clientOk++;
      } catch (e) {
        if ((e as { name?: string }).name === 'ProvisionedThroughputExceededException') sc.clientThrottled++;
        else {
          sc.otherErrors++;
          firstError ??= e;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    unsubscribe();
  }
  const elapsed = (Date.now() - t0) / 1000;
  sc.seconds = elapsed;
  if (firstError)
    throw new Error(
      `${label}: ${sc.otherErrors} request(s) failed with something other than a throttle: ${(firstError as Error).message}`,
    );

  const parts = new Map<number, Decision[]>();
  for (const d of mine) {
    const list = parts.get(d.partition) ?? [];
    list.push(d);
    parts.set(d.partition, list);
  }
  const partitionsOfKeys = new Map<number, number>();
  for (const k of keys) {
    const p = partitionOf(k, emu.model.partitions);
    partitionsOfKeys.set(p, (partitionsOfKeys.get(p) ?? 0) + 1);
  }
  for (const [partition, ds] of [...parts.entries()].sort((a, b) => a[0] - b[0])) {
    const ok = ds.filter((d) => d.allowed);
    const units = ok.reduce((a, d) => a + d.units, 0);
    sc.partitions.push({
      partition,
      keys: partitionsOfKeys.get(partition) ?? 0,
      admittedUnits: units,
      admittedRequests: ok.length,
      throttledRequests: ds.length - ok.length,
      avgRate: units / elapsed,
      maxWindow: maxWindowUnits(ok),
    });
  }
  sc.admitted = mine.filter((d) => d.allowed).length;
  for (const k of keys) sc.stored += await countStored(counter, k);
  return sc;
}

export async function benchEmulator(o: EmulatorBenchOptions): Promise<Section> {
  const log = o.log ?? consoleLog;
  const t0 = performance.now();
  const load = new LoadMonitor().start();
  const scale = o.scale ?? 1 / 50;
  const env = o.engine.env('bench-emu');
  const config = loadConfig(env);
  // maxAttempts 1: the SDK does not retry, so every refused request is seen (and the hammer never backs off)
  const clients = await createClients(config, { startLocal: false, sdk: { maxAttempts: 1 } });
  const plain = new DynamoDBClient(clientOptions(config));
  const counter = DynamoDBDocumentClient.from(plain);
  const scenarios: Scenario[] = [];
  let limit = NaN;
  let scaleLabel = '';
  try {
    await ensureTable(clients, { tableName: TABLE });
    const emu = emulateThrottling(clients, { scale, partitions: o.partitions ?? 4, seed: 7 });
    limit = emu.model.limits.writeUnitsPerSecond;
    scaleLabel = emu.scaleLabel;
    log(`[emulator] ${emu.scaleLabel}; ${o.concurrency} concurrent PutItem loops, ${o.seconds} s per scenario`);
    for (const [label, keys] of [
      ['one hot key', ['USER#hammer']],
      ['8 sharded keys', allShardPks('USER#hammer8', 8)],
    ] as [string, string[]][]) {
      const sc = await hammer(clients.doc, emu, counter, label, keys, o.seconds, o.concurrency);
      scenarios.push(sc);
      log(
        `[emulator] ${label}: ${n(sc.requests / sc.seconds)} req/s offered, ${n(sc.admitted / sc.seconds, 1)} admitted/s, ` +
          `throttle ratio ${pct(sc.clientThrottled / sc.requests)}, stored ${sc.stored} = admitted ${sc.admitted}: ${sc.stored === sc.admitted}`,
      );
    }
  } finally {
    clients.ddb.destroy();
    plain.destroy();
  }

  const rows: (string | number)[][] = [];
  let allWithin = true;
  let allStored = true;
  for (const sc of scenarios) {
    allStored &&= sc.stored === sc.admitted && sc.clientOk === sc.admitted;
    for (const p of sc.partitions) {
      const within = p.maxWindow <= limit + 1e-9;
      allWithin &&= within;
      rows.push([
        sc.label,
        `p${p.partition} (${p.keys} key${p.keys === 1 ? '' : 's'})`,
        n(limit, 1),
        n(p.avgRate, 2),
        `${n(p.maxWindow, 1)} ${within ? '≤' : '**>**'} ${n(limit, 1)}`,
        pct(p.throttledRequests / (p.throttledRequests + p.admittedRequests)),
      ]);
    }
    const total = sc.partitions.reduce((a, p) => a + p.admittedUnits, 0);
    rows.push([
      `**${sc.label}: all**`,
      `${sc.partitions.length} partition(s)`,
      n(limit * sc.partitions.length, 1),
      n(total / sc.seconds, 2),
      `offered ${n(sc.requests / sc.seconds)} req/s`,
      `**${pct(sc.clientThrottled / sc.requests)}**`,
    ]);
  }
  const body: string[] = [];
  body.push(
    `${scaleLabel} (×${Math.round(1 / scale)} = AWS's 1,000 WCU/s per partition), 4 partitions; ${o.concurrency} concurrent PutItem loops (1 WCU items), ` +
      `${o.seconds} s per scenario, SDK retries off. Rates in WCU/s, from the emulator's decisions; "max in any 1 s" is the largest sum admitted in ` +
      `any sliding 1-second window.`,
  );
  body.push('');
  body.push(...table(['scenario', 'partition', 'configured', 'observed (avg)', 'max in any 1 s', 'throttle ratio'], rows));
  body.push('');
  body.push(
    `Reached the engine (counted back with a plain client) vs admitted by the emulator vs successes seen by the client: ` +
      scenarios.map((sc) => `${sc.label} ${sc.stored} / ${sc.admitted} / ${sc.clientOk}`).join('; ') +
      `${allStored ? ' — identical: no refused write reached DynamoDB Local.' : ' — **MISMATCH**.'}`,
  );
  const maxWin = Math.max(...scenarios.flatMap((sc) => sc.partitions.map((p) => p.maxWindow)));
  const hot = scenarios[0];
  const sharded = scenarios[1];
  const ratioOf = (sc?: Scenario) => (sc ? pct(sc.clientThrottled / sc.requests) : 'n/a');
  const headline: string[][] = [
    [
      `emulator, ${o.seconds} s hammer per scenario: admitted WCU/s per partition, max in any 1 s`,
      n(maxWin, 1),
      `configured ${n(limit, 1)} (1/${Math.round(1 / scale)} of AWS)`,
      '—',
      '≤ configured',
      verdict(scenarios.length ? allWithin : undefined),
    ],
    [
      'emulator: throttle ratio, one hot key / 8 sharded keys',
      `${ratioOf(hot)} / ${ratioOf(sharded)}`,
      `offered ${hot ? n(hot.requests / hot.seconds) : 'n/a'} / ${sharded ? n(sharded.requests / sharded.seconds) : 'n/a'} req/s`,
      '—',
      'stored = admitted',
      verdict(scenarios.length ? allStored : undefined),
    ],
  ];
  return {
    id: 'emulator',
    headline,
    title: 'Emulator fidelity',
    body,
    targets: [
      {
        what: 'admitted write rate per partition, any 1 s window',
        target: `≤ ${n(limit, 1)} WCU/s (configured)`,
        measured: `max ${n(maxWin, 1)}`,
        met: scenarios.length ? allWithin : undefined,
      },
      {
        what: 'refused writes never reach the engine (stored = admitted = client successes)',
        target: 'equal',
        measured: allStored ? 'equal' : 'differ',
        met: scenarios.length ? allStored : undefined,
      },
    ],
    seconds: (performance.now() - t0) / 1000,
    load: load.stop(),
    data: { limit, scale, scenarios },
  };
}

if (require.main === module) {
  runStandalone('emu', async (engine, argv) => {
    printSection(
      await benchEmulator({
        engine,
        seconds: parseNumber(argv, '--seconds', 10),
        concurrency: parseNumber(argv, '--concurrency', 8),
      }),
    );
  });
}
