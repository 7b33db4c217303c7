import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutItemCommand, GetItemCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WorkshopError } from '../../src/errors';
import { isDynamoDb, isPortOpen, LOCAL_CREDENTIALS, stopLocal } from '../../src/local/engine';
import { ensureTestLocal, freePort } from '../helpers/local';
import { localEnginePlan } from '../../src/local/engine';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ws-local-'));
}

function client(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'ap-southeast-1', credentials: LOCAL_CREDENTIALS });
}

test('starts once, is reused by the next caller, stops cleanly', async () => {
  const port = await freePort();
  const stateDir = tmp();
  try {
    const first = await ensureTestLocal({ port, inMemory: true, stateDir });
    assert.equal(first.reused, false);
    assert.ok(first.pid);
    const second = await ensureTestLocal({ port, inMemory: true, stateDir });
    assert.equal(second.reused, true);
    assert.equal(second.pid, first.pid, 'the second kernel reuses the same process');
    assert.equal(await stopLocal({ stateDir }), true);
    assert.equal(await isPortOpen(port), false, 'the port is free after stop');
    assert.equal(await stopLocal({ stateDir }), false, 'stopping twice is harmless');
  } finally {
    await stopLocal({ stateDir });
  }
});

test('file-backed by default: data survives a restart (a kernel restart keeps the table)', async () => {
  const port = await freePort();
  const stateDir = tmp();
  try {
    const a = await ensureTestLocal({ port, stateDir });
    assert.ok(a.dbPath?.startsWith(stateDir));
    let c = client(a.endpoint);
    await c.send(
      new CreateTableCommand({
        TableName: 'keep-me',
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await c.send(new PutItemCommand({ TableName: 'keep-me', Item: { PK: { S: 'k' }, v: { N: '42' } } }));
    c.destroy();
    await stopLocal({ stateDir });
    const b = await ensureTestLocal({ port, stateDir });
    assert.equal(b.reused, false);
    c = client(b.endpoint);
    const got = await c.send(new GetItemCommand({ TableName: 'keep-me', Key: { PK: { S: 'k' } } }));
    assert.equal(got.Item?.v?.N, '42');
    c.destroy();
  } finally {
    await stopLocal({ stateDir });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a port taken by something else is a clear error, not a hang', async () => {
  const srv = http.createServer((_req, res) => res.end('hello, I am not DynamoDB'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  const t0 = Date.now();
  try {
    await assert.rejects(ensureTestLocal({ port, stateDir: tmp() }), (err: unknown) => {
      assert.ok(err instanceof WorkshopError);
      assert.equal(err.code, 'PORT_IN_USE');
      assert.match(err.message, new RegExp(`Port ${port} is in use by something that is not DynamoDB Local`));
      assert.match(err.message, /export DDB_LOCAL_PORT=/);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, 'answers within seconds');
  } finally {
    srv.close();
  }
});

test('Java missing: says what to install', async () => {
  const port = await freePort();
  await assert.rejects(ensureTestLocal({ port, stateDir: tmp(), java: '/nonexistent/bin/java' }), (err: unknown) => {
    assert.ok(err instanceof WorkshopError);
    assert.equal(err.code, 'JAVA_MISSING');
    assert.match(err.message, /Java 17/);
    assert.match(err.message, /apt-get install -y openjdk-17-jre-headless/);
    return true;
  });
});

// ---- stale pids, one record per port, concurrent first starts (issue 13, major 4) ----

/** The state records ensureLocal wrote in `stateDir` (whatever their file names). */
function records(stateDir: string): string[] {
  return fs.readdirSync(stateDir).filter((f) => f.endsWith('.json'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** DynamoDB Local processes listening on `port`, by their command line (Linux /proc). */
function enginesOn(port: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = args.indexOf('-port');
    if (args.some((a) => a.endsWith('DynamoDBLocal.jar')) && at >= 0 && args[at + 1] === String(port)) out.push(Number(name));
  }
  return out;
}

test('a stale record naming another process: stopLocal leaves that process alone, drops the record and says so', async () => {
  const port = await freePort();
  const stateDir = tmp();
  const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
  let engine: number | undefined;
  try {
    const started = await ensureTestLocal({ port, inMemory: true, stateDir });
    engine = started.pid;
    assert.ok(bystander.pid && engine);
    // The pid was reused (engine gone, machine rebooted …): the record now names a `sleep`.
    const written = records(stateDir).map((f) => ({
      file: path.join(stateDir, f),
      text: fs.readFileSync(path.join(stateDir, f), 'utf8'),
    }));
    assert.equal(written.length, 1);
    const stale = () => {
      for (const { file, text } of written) fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(text), pid: bystander.pid }));
    };
    stale();
    const reused = await ensureTestLocal({ port, inMemory: true, stateDir });
    assert.equal(reused.reused, true);
    assert.notEqual(reused.pid, bystander.pid, 'a reused engine is not reported as the sleep');
    stale();
    const said: string[] = [];
    assert.equal(await stopLocal({ stateDir, log: (line) => said.push(line) }), false);
    assert.ok(alive(bystander.pid), 'the sleep was not killed');
    assert.deepEqual(records(stateDir), [], 'the stale record is gone');
    assert.match(said.join('\n'), new RegExp(`pid ${bystander.pid} is not the DynamoDB Local .*port ${port}.*stale record`));
    assert.equal(await isPortOpen(port), true, 'the untracked engine was not touched either');
  } finally {
    bystander.kill('SIGKILL');
    if (engine && alive(engine)) process.kill(engine, 'SIGKILL');
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('one state record per port: stopping one port stops that engine only; the other stays tracked', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const stateDir = tmp();
  try {
    const a = await ensureTestLocal({ port: p1, inMemory: true, stateDir });
    const b = await ensureTestLocal({ port: p2, inMemory: true, stateDir });
    assert.notEqual(a.pid, b.pid);
    assert.equal(await stopLocal({ stateDir, port: p1 }), true);
    assert.equal(await isPortOpen(p1), false, `the engine on ${p1} stopped`);
    assert.equal(await isPortOpen(p2), true, `the engine on ${p2} still runs`);
    const again = await ensureTestLocal({ port: p2, inMemory: true, stateDir });
    assert.equal(again.reused, true);
    assert.equal(again.pid, b.pid, `the engine on ${p2} is still tracked`);
    assert.equal(await stopLocal({ stateDir }), true, 'without a port: every engine of the state folder');
    assert.equal(await isPortOpen(p2), false);
  } finally {
    await stopLocal({ stateDir });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('two first starts at once on one port: one engine, tracked, and a log the loser did not truncate', async () => {
  const port = await freePort();
  const stateDir = tmp();
  try {
    const [a, b] = await Promise.all([
      ensureTestLocal({ port, inMemory: true, stateDir }),
      ensureTestLocal({ port, inMemory: true, stateDir }),
    ]);
    assert.deepEqual([a.reused, b.reused].sort(), [false, true], 'one started it, the other reused it');
    assert.ok(a.pid);
    assert.equal(a.pid, b.pid, 'both name the same engine');
    assert.deepEqual(enginesOn(port), [a.pid], 'exactly one engine runs, the one recorded');
    const log = fs.readFileSync(path.join(stateDir, `dynamodb-local-${port}.log`), 'utf8');
    assert.match(log, new RegExp(`Port:\\s+${port}`), 'the running engine’s start is in the log');
    assert.doesNotMatch(log, /Failed to bind/);
    assert.equal(await stopLocal({ stateDir }), true);
    assert.equal(await isPortOpen(port), false, 'the recorded pid was the engine on the port');
    assert.deepEqual(enginesOn(port), []);
  } finally {
    await stopLocal({ stateDir });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

// ---- no SDK warning in a cell's output (issue 14, item 4) ----

/** Runs `fn` while recording everything written to stderr and console.warn/error. */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; written: string[] }> {
  const written: string[] = [];
  const write = process.stderr.write;
  const { warn, error } = console;
  process.stderr.write = ((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  console.warn = (...a: unknown[]) => written.push(a.join(' '));
  console.error = (...a: unknown[]) => written.push(a.join(' '));
  try {
    return { value: await fn(), written };
  } finally {
    process.stderr.write = write;
    console.warn = warn;
    console.error = error;
  }
}

test('the readiness probe prints no SDK warning, and gives up, on a port that accepts and never answers', {
  timeout: 60_000,
}, async () => {
  const sockets = new Set<import('node:net').Socket>();
  const srv = http.createServer(() => {
    // never answers, as a JVM still starting (or a wedged program) would not
  });
  srv.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    const { value, written } = await quietly(() => isDynamoDb(`http://127.0.0.1:${port}`, 300));
    assert.equal(value, false);
    assert.deepEqual(written, [], 'nothing reached stderr');
    const start = await quietly(() => ensureTestLocal({ port, stateDir: tmp() }).catch((e: unknown) => e));
    assert.ok(start.value instanceof WorkshopError && start.value.code === 'PORT_IN_USE', String(start.value));
    assert.deepEqual(start.written, []);
  } finally {
    for (const s of sockets) s.destroy();
    srv.close();
  }
});

test('starting and stopping the engine writes nothing to stderr or console.warn', async () => {
  const port = await freePort();
  const stateDir = tmp();
  try {
    const { value, written } = await quietly(async () => {
      const local = await ensureTestLocal({ port, inMemory: true, stateDir });
      await stopLocal({ stateDir });
      return local;
    });
    assert.equal(value.reused, false);
    assert.deepEqual(written, []);
  } finally {
    await stopLocal({ stateDir });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('the engine tools/lab.sh starts beside JupyterLab is the one createClients would start, and none off the local target', () => {
  assert.deepEqual(localEnginePlan({}), { port: 8000 });
  assert.deepEqual(localEnginePlan({ WORKSHOP_TARGET: 'LOCAL', DDB_LOCAL_PORT: '8123' }), { port: 8123 });
  assert.deepEqual(localEnginePlan({ WORKSHOP_TARGET: 'aws' }), { skip: 'WORKSHOP_TARGET=aws' });
  assert.deepEqual(localEnginePlan({ DDB_ENDPOINT: 'http://127.0.0.1:9000' }), {
    skip: 'DDB_ENDPOINT=http://127.0.0.1:9000 names the engine',
  });
  assert.throws(() => localEnginePlan({ WORKSHOP_TARGET: 'moon' }), WorkshopError);
});
