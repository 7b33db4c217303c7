/**
 * Our writer vs the guide's boto3, on the same DynamoDB Local, emulator off for both, alternating rounds:
 *  - writes: the guide's §3 workload (events on random shards S0..S3, `with tbl.batch_writer()`), scaled to
 *    `--items` events, as the guide's own Python (bench/guide_writes.py) vs what a user of this repo writes:
 *    ws.runWriteWorkload (batchWriteAll over 25-item chunks, `--writers` concurrent writers) with
 *    ws.shardedPk / ws.randomShard;
 *  - reads: every item of the four shards back: the guide's loop (one shard after another, every page) vs
 *    ws.fanOutQuery (all shards at once); ours one shard after another too, to separate the language from the fan-out;
 *  - the engine's ceiling: raw concurrent BatchWriteItem from the low-level client (pre-marshalled, no
 *    middleware), so a missed ratio can be told apart from a slow engine.
 *
 *   npx tsx bench/writes-vs-boto3.ts [--items 20000] [--rounds 3] [--writers 8]
 */
import './lib/env';
import { parseNumber, REPO, runStandalone, venvDir } from './lib/cli';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { createClients, type WorkshopClients } from '../src/client';
import { loadConfig } from '../src/config';
import { fanOutQuery } from '../src/fanout';
import { LOCAL_CREDENTIALS } from '../src/local/engine';
import { allShardPks, randomShard, shardSuffix, shardedPk } from '../src/sharding';
import { ensureTable } from '../src/table';
import { eventSk, runWriteWorkload } from '../src/workload';
import type { BenchEngine } from './lib/engine';
import { cpuSeconds } from './lib/procs';
import { LoadMonitor } from './lib/machine';
import { consoleLog, printSection, table, verdict, type Log, type Section } from './lib/report';
import { median, mib, n, x } from './lib/stats';

const SHARDS = 4;
/** calls in flight of the raw ceiling's concurrency sweep */
const SWEEP = [1, 4, 16, 64];
const TABLE = 'ws-bench-writes';

export interface WritesBenchOptions {
  engine: BenchEngine;
  items: number;
  rounds: number;
  writers: number;
  /** concurrent BatchWriteItem calls of the raw-ceiling measure */
  rawConcurrency?: number;
  python: string;
  log?: Log;
}

interface PyResult {
  writeSeconds: number;
  writeCpuSeconds: number;
  readSeconds: number;
  readItems: number;
  readPages: number;
}

function runGuidePython(python: string, env: NodeJS.ProcessEnv): Promise<PyResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [path.join(REPO, 'bench', 'guide_writes.py')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0)
        return reject(new Error(`bench/guide_writes.py exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() as string) as PyResult);
      } catch {
        reject(new Error(`bench/guide_writes.py printed no result: ${out.slice(0, 300)} ${err.slice(0, 300)}`));
      }
    });
  });
}

/** What a user of this repo writes: the §3 events on random shards, runWriteWorkload's concurrent batch writers. */
async function ours(clients: WorkshopClients, user: string, items: number, writers: number) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const shard = Array.from({ length: items }, () => randomShard(SHARDS, Math.random));
  const base = `USER#${user}`;
  const w = await runWriteWorkload(clients.doc, {
    tableName: TABLE,
    events: items,
    writers,
    pkFor: (i) => shardedPk(base, shard[i]),
    payload: (i) => ({ payload: { n: i, shard: shardSuffix(shard[i]) } }),
  });
  const writeSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const writeCpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (w.written !== items) throw new Error(`ours wrote ${w.written} of ${items}`);
  const pks = allShardPks(base, SHARDS);
  const t1 = performance.now();
  const par = await fanOutQuery(clients.doc, { tableName: TABLE, partitionKeys: pks });
  const readSeconds = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const seq = await fanOutQuery(clients.doc, { tableName: TABLE, partitionKeys: pks, parallel: false });
  const readSeqSeconds = (performance.now() - t2) / 1000;
  if (par.items.length !== items || seq.items.length !== items)
    throw new Error(`ours read ${par.items.length} / ${seq.items.length} of ${items}`);
  return { writeSeconds, writeCpuSeconds, readSeconds, readSeqSeconds, pages: par.shards.reduce((a, r) => a + r.pages, 0) };
}

/** The engine's ceiling: pre-marshalled BatchWriteItem, `concurrency` calls in flight, no workshop middleware. */
async function rawCeiling(
  endpoint: string,
  user: string,
  items: number,
  concurrency: number,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const client = new DynamoDBClient({ endpoint, region: 'ap-southeast-1', credentials: LOCAL_CREDENTIALS });
  try {
    const base = `USER#${user}`;
    const reqs: WriteRequest[] = Array.from({ length: items }, (_, i) => {
      const sh = shardSuffix(i % SHARDS);
      return {
        PutRequest: {
          Item: {
            PK: { S: `${base}#${sh}` },
            SK: { S: eventSk(i, i) },
            type: { S: 'EVENT' },
            payload: { M: { n: { N: String(i) }, shard: { S: sh } } },
          },
        },
      };
    });
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < reqs.length; i += 25) batches.push(reqs.slice(i, i + 25));
    let next = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const worker = async () => {
      while (next < batches.length) {
        let pending = batches[next++];
        while (pending.length) {
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: pending } }));
          pending = out.UnprocessedItems?.[TABLE] ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    client.destroy();
  }
}

type Arm = 'boto3' | 'ours' | 'raw';

export async function benchWrites(o: WritesBenchOptions): Promise<Section> {
  const log = o.log ?? consoleLog;
  const t0 = performance.now();
  const load = new LoadMonitor().start();
  const rawConcurrency = o.rawConcurrency ?? 16;
  const env = o.engine.env('bench-writes');
  const clients = await createClients(loadConfig(env), { startLocal: false });
  const pyEnv = (user: string, events: number, phase: 'write' | 'read' | 'both' = 'both'): NodeJS.ProcessEnv => ({
    ...env,
    TABLE,
    DDB_ENDPOINT: o.engine.endpoint,
    USER_ID: user,
    EVENTS: String(events),
    PHASE: phase,
    AWS_REGION: clients.config.region,
    PYTHONDONTWRITEBYTECODE: '1',
  });
  const res: Record<Arm, { write: number[]; read: number[]; readSeq: number[]; clientCpu: number[]; engineCpu: number[] }> = {
    boto3: { write: [], read: [], readSeq: [], clientCpu: [], engineCpu: [] },
    ours: { write: [], read: [], readSeq: [], clientCpu: [], engineCpu: [] },
    raw: { write: [], read: [], readSeq: [], clientCpu: [], engineCpu: [] },
  };
  const sweep: { concurrency: number; rate: number; cores: number }[] = [];
  const enginePid = o.engine.pid;
  const engineCpu = () => (enginePid ? cpuSeconds(enginePid) : NaN);
  /** CPU milliseconds per 1,000 items, from CPU seconds for o.items */
  const perK = (cpu: number) => (cpu / o.items) * 1e6;
  try {
    await ensureTable(clients, { tableName: TABLE });
    // warm-up, untimed: the engine's JIT (its throughput still climbs over the first ~50,000 items), our JIT,
    // connections, Python's imports in the OS cache
    await rawCeiling(o.engine.endpoint, 'warm-raw', Math.min(o.items, 20_000), rawConcurrency);
    await runGuidePython(o.python, pyEnv('warm-py', 500));
    await ours(clients, 'warm-ts', Math.min(o.items, 5_000), o.writers);

    const arms: Arm[] = ['boto3', 'ours', 'raw'];
    log(
      `[writes] ${o.rounds} round(s) × ${n(o.items)} items: boto3 batch_writer / ours (${o.writers} writers) / raw BatchWriteItem ×${rawConcurrency}`,
    );
    for (let r = 0; r < o.rounds; r++) {
      const order = arms.map((_, i) => arms[(i + r) % arms.length]);
      const line: string[] = [];
      for (const arm of order) {
        if (arm === 'boto3') {
          // two runs of the guide's script, so that the engine's CPU is counted for the write phase alone
          const e0 = engineCpu();
          const pw = await runGuidePython(o.python, pyEnv(`bench-py-${r}`, o.items, 'write'));
          res.boto3.engineCpu.push(perK(engineCpu() - e0));
          const pr = await runGuidePython(o.python, pyEnv(`bench-py-${r}`, o.items, 'read'));
          if (pr.readItems !== o.items) throw new Error(`the guide's loop read ${pr.readItems} of ${o.items}`);
          res.boto3.write.push(o.items / pw.writeSeconds);
          res.boto3.read.push(o.items / pr.readSeconds);
          res.boto3.clientCpu.push(perK(pw.writeCpuSeconds));
          line.push(`boto3 ${n(o.items / pw.writeSeconds)} w/s ${n(o.items / pr.readSeconds)} r/s`);
        } else if (arm === 'ours') {
          const e0 = engineCpu();
          const t = await ours(clients, `bench-ts-${r}`, o.items, o.writers);
          res.ours.engineCpu.push(perK(engineCpu() - e0));
          res.ours.write.push(o.items / t.writeSeconds);
          res.ours.read.push(o.items / t.readSeconds);
          res.ours.readSeq.push(o.items / t.readSeqSeconds);
          res.ours.clientCpu.push(perK(t.writeCpuSeconds));
          line.push(`ours ${n(o.items / t.writeSeconds)} w/s ${n(o.items / t.readSeconds)} r/s`);
        } else {
          const e0 = engineCpu();
          const t = await rawCeiling(o.engine.endpoint, `bench-raw-${r}`, o.items, rawConcurrency);
          res.raw.engineCpu.push(perK(engineCpu() - e0));
          res.raw.write.push(o.items / t.seconds);
          res.raw.clientCpu.push(perK(t.cpuSeconds));
          line.push(`raw ${n(o.items / t.seconds)} w/s`);
        }
      }
      log(`[writes] round ${r + 1}: ${line.join(' · ')}  (load ${os.loadavg()[0].toFixed(2)})`);
    }
    // does the ceiling move with more calls in flight? (once each: a shape, not a median)
    for (const c of SWEEP) {
      const e0 = engineCpu();
      const t = await rawCeiling(o.engine.endpoint, `bench-sweep-${c}`, o.items, c);
      sweep.push({ concurrency: c, rate: o.items / t.seconds, cores: (t.cpuSeconds + engineCpu() - e0) / t.seconds });
    }
    log(`[writes] raw ceiling by calls in flight: ${sweep.map((s) => `${s.concurrency}: ${n(s.rate)}/s`).join(' · ')}`);
  } finally {
    clients.ddb.destroy();
  }

  const m = (a: Arm, k: 'write' | 'read' | 'readSeq' | 'clientCpu' | 'engineCpu') => median(res[a][k]);
  const cpuCell = (a: Arm) => `${m(a, 'clientCpu').toFixed(0)} + ${m(a, 'engineCpu').toFixed(0)} ms`;
  const wRatio = m('ours', 'write') / m('boto3', 'write');
  const rRatio = m('ours', 'read') / m('boto3', 'read');
  const all = (v: number[]) => v.map((z) => n(z)).join(', ');
  const body: string[] = [];
  body.push(
    `${n(o.items)} events on 4 shards (\`USER#<id>#S0..S3\`, random shard per event, the guide's item shape), ${o.rounds} rounds, ` +
      `arms rotated each round, one DynamoDB Local (in memory), throttling emulator off. Items/s, median of ${o.rounds} (all runs in brackets).`,
  );
  body.push('');
  body.push(
    ...table(
      ['', 'guide: boto3', 'ours', 'ours ÷ boto3'],
      [
        [
          `write ${n(o.items)} items`,
          `${n(m('boto3', 'write'))} items/s (${all(res.boto3.write)}) — \`batch_writer\`, one call at a time`,
          `${n(m('ours', 'write'))} items/s (${all(res.ours.write)}) — \`runWriteWorkload\`, ${o.writers} writers`,
          `**${x(wRatio)}**`,
        ],
        [
          'read all 4 shards back',
          `${n(m('boto3', 'read'))} items/s (${all(res.boto3.read)}) — the guide's loop, sequential`,
          `${n(m('ours', 'read'))} items/s (${all(res.ours.read)}) — \`fanOutQuery\`, parallel`,
          `**${x(rRatio)}**`,
        ],
        [
          '  same read, ours sequential',
          '—',
          `${n(m('ours', 'readSeq'))} items/s (${all(res.ours.readSeq)}) — \`fanOutQuery({ parallel: false })\``,
          x(m('ours', 'readSeq') / m('boto3', 'read')),
        ],
        [
          "engine's ceiling: raw BatchWriteItem",
          '—',
          `${n(m('raw', 'write'))} items/s (${all(res.raw.write)}) — ${rawConcurrency} calls in flight, pre-marshalled`,
          `ours = ${Math.round((m('ours', 'write') / m('raw', 'write')) * 100)} % of it`,
        ],
      ],
    ),
  );
  body.push('');
  body.push(
    ...table(
      ['CPU per 1,000 items written (client + engine)', 'guide: boto3', 'ours', 'raw'],
      [['median', cpuCell('boto3'), cpuCell('ours'), cpuCell('raw')]],
    ),
  );
  const cores = os.cpus().length;
  const bound = (1e6 * cores) / (m('ours', 'clientCpu') + m('ours', 'engineCpu'));
  const ceilingRatio = m('raw', 'write') / m('boto3', 'write');
  body.push('');
  body.push(
    `Where the write time goes: the guide's loop is one call at a time, so its rate is bounded by client + engine time in ` +
      `series (${cpuCell('boto3')} of CPU per 1,000 items); ours keeps ${o.writers} calls in flight and is bounded by the ` +
      `machine's ${cores} cores shared by the engine and the client: ${n(bound)} items/s at most at its CPU cost, before any other load. ` +
      `The raw ceiling is what DynamoDB Local on this machine allows with no client work to speak of: ` +
      `${n(m('raw', 'write'))} items/s, i.e. at most ${x(ceilingRatio)} the guide's rate — the highest ratio any client could show here.`,
  );
  if (sweep.length) {
    const best = Math.max(...sweep.map((s) => s.rate));
    body.push('');
    body.push(
      `The ceiling is the engine's: raw BatchWriteItem with ${sweep
        .map(
          (s) =>
            `${s.concurrency} call${s.concurrency > 1 ? 's' : ''} in flight ${n(s.rate)} items/s (${s.cores.toFixed(1)} cores busy)`,
        )
        .join(', ')}. ` +
        `One raw call at a time is about the guide's rate (${x(sweep[0].rate / m('boto3', 'write'))} of it): boto3 is not the slow part, ` +
        `the engine's time per call is. Past a few calls in flight more concurrency adds nothing while the cores are not all busy: ` +
        `DynamoDB Local serializes much of its write path (it stores into SQLite). No client on this machine can write faster than ` +
        `~${n(best)} items/s, ${x(best / m('boto3', 'write'))} the guide's loop; against AWS, where partitions write in parallel, ` +
        `the writers are not engine-bound.`,
    );
  }
  body.push('');
  body.push(
    `DynamoDB Local peak RSS after ${n(o.items * o.rounds * 3 + Math.min(o.items, 20_000) + Math.min(o.items, 5_000) + 500)} items written: ${mib(o.engine.peakRss())}.`,
  );
  const wMet = Number.isFinite(wRatio) ? wRatio >= 3 : undefined;
  const headline: string[][] = [
    [
      `write ${n(o.items)} items on 4 shards: items/s, median of ${o.rounds}`,
      `${n(m('ours', 'write'))} (\`runWriteWorkload\`, ${o.writers} writers)`,
      `boto3 \`batch_writer\`: ${n(m('boto3', 'write'))}`,
      `**${x(wRatio)}**`,
      '≥ 3×',
      `${verdict(wMet)}${wMet ? '' : ` (engine ceiling: ${n(m('raw', 'write'))}/s = ${x(ceilingRatio)})`}`,
    ],
    [
      `read the ${n(o.items)} items back from 4 shards: items/s`,
      `${n(m('ours', 'read'))} (\`fanOutQuery\`, parallel)`,
      `boto3 loop, sequential: ${n(m('boto3', 'read'))}`,
      `**${x(rRatio)}**`,
      '—',
      '',
    ],
  ];
  return {
    id: 'writes',
    headline,
    title: "Writes and fan-out reads vs the guide's boto3",
    body,
    targets: [
      {
        what: "writes, ours vs the guide's boto3 (items/s)",
        target: '≥ 3×',
        measured: `${x(wRatio)} (the engine's ceiling here allows ${x(ceilingRatio)})`,
        met: wMet,
      },
      {
        what: "fan-out read of all shards, ours (parallel) vs the guide's loop (items/s)",
        target: '> 1× (no target given)',
        measured: x(rRatio),
        met: Number.isFinite(rRatio) ? rRatio > 1 : undefined,
      },
    ],
    seconds: (performance.now() - t0) / 1000,
    load: load.stop(),
    data: { items: o.items, writers: o.writers, rawConcurrency, perArm: res },
  };
}

if (require.main === module) {
  runStandalone('writes', async (engine, argv) => {
    const sec = await benchWrites({
      engine,
      items: parseNumber(argv, '--items', 20_000),
      rounds: parseNumber(argv, '--rounds', 3),
      writers: parseNumber(argv, '--writers', 8),
      python: path.join(venvDir(), 'bin', 'python'),
    });
    printSection(sec);
  });
}
