/**
 * Records of the Jupyter Servers this checkout's runners started, so that a run can stop what an earlier one left.
 *
 * A runner writes `server-<port>.json` (its own pid and start time, the server's pid and port) into
 * `build/.runner/` as soon as its server exists, and removes it once the server has stopped. Normally nothing is
 * left: the server watches the runner (tools/jupyter_app.py) and ends with it, even after a SIGKILL. When something
 * is left anyway (a server that hung on the way out), the next run reaps it — carefully, because pids are reused and
 * other runs may be going on in the same checkout:
 * - the runner that wrote the record is still running → a concurrent run: its server is left alone, record kept;
 * - else, the recorded pid is alive AND its command line is this checkout's jupyter_app.py `server` on exactly the
 *   recorded port → stopped (SIGTERM, then SIGKILL, kernels included) and the record dropped;
 * - anything else (gone, or another process under a reused pid) → left alone, record dropped.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isGone, procInfo, type ProcInfo } from './launchers';
import { LAUNCHER } from './launch';
import { REPO_ROOT } from './paths';
import { descendants, isAlive, signal } from './procs';
import { sleep } from './delay';

export interface ServerRecord {
  runnerPid: number;
  /** the runner's start time (Linux clock ticks since boot): tells it from a process that reused its pid */
  runnerStart?: number;
  serverPid: number;
  port: number;
  /** the launcher the server was started with (this checkout's tools/jupyter_app.py) */
  launcher: string;
  startedAt: string;
}

/** build/.runner in this checkout; RUN_NOTEBOOKS_RECORD_DIR moves it (tests). */
export function defaultRecordDir(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.RUN_NOTEBOOKS_RECORD_DIR?.trim();
  return given ? resolve(given) : join(REPO_ROOT, 'build', '.runner');
}

const recordFile = (dir: string, port: number) => join(dir, `server-${port}.json`);

/** Write the record of a server this process started; returns a function that removes it (idempotent, never throws). */
export function recordServer(dir: string, serverPid: number, port: number): () => void {
  const me = procInfo(process.pid);
  const record: ServerRecord = {
    runnerPid: process.pid,
    runnerStart: me?.start,
    serverPid,
    port,
    launcher: LAUNCHER,
    startedAt: new Date().toISOString(),
  };
  const file = recordFile(dir, port);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(record, null, 1)}\n`, { mode: 0o600 });
  } catch {
    return () => undefined; // no record: the parent watch still stops the server with us
  }
  return () => rmSync(file, { force: true });
}

/** Is this process the Jupyter Server a record names: `<python> <launcher> server … --ServerApp.port=<port> …`? */
export function isRecordedServer(p: Pick<ProcInfo, 'argv'>, record: Pick<ServerRecord, 'port' | 'launcher'>): boolean {
  const [, script, app, ...rest] = p.argv;
  return (
    record.launcher === LAUNCHER &&
    script === record.launcher &&
    app === 'server' &&
    rest.includes(`--ServerApp.port=${record.port}`)
  );
}

function runnerAlive(r: ServerRecord): boolean {
  const p = procInfo(r.runnerPid);
  return !!p && !isGone({ ...p, start: r.runnerStart ?? p.start });
}

function parseRecord(text: string): ServerRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<ServerRecord>;
    const pid = (n: unknown) => Number.isInteger(n) && (n as number) > 1;
    if (!pid(r.runnerPid) || !pid(r.serverPid) || !Number.isInteger(r.port) || typeof r.launcher !== 'string') return undefined;
    return r as ServerRecord;
  } catch {
    return undefined;
  }
}

/** Stop what earlier runs recorded and left running (see the file comment); returns one line per server stopped. */
export async function reapOrphans(dir: string = defaultRecordDir()): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^server-\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const lines: string[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let record: ServerRecord | undefined;
    try {
      record = parseRecord(readFileSync(file, 'utf8'));
    } catch {
      continue; // removed meanwhile
    }
    if (record && record.runnerPid !== process.pid && runnerAlive(record)) continue; // a run going on now
    const server = record && procInfo(record.serverPid);
    if (record && server && !server.zombie && isRecordedServer(server, record)) {
      await stopOrphan(record);
      lines.push(
        `stopped a Jupyter Server an earlier run left behind (pid ${record.serverPid}, port ${record.port}, ` +
          `started ${record.startedAt} by runner pid ${record.runnerPid})`,
      );
    }
    rmSync(file, { force: true });
  }
  return lines;
}

/** SIGTERM (the server shuts its kernels down), SIGKILL after 5 s; then any kernel it had that is still running. */
async function stopOrphan(r: ServerRecord): Promise<void> {
  const gone = () => {
    const p = procInfo(r.serverPid);
    return !p || p.zombie;
  };
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (!gone() && Date.now() < deadline) await sleep(100);
    return gone();
  };
  const kernels = descendants(r.serverPid);
  signal(r.serverPid, 'SIGTERM');
  if (!(await waitGone(5000))) {
    signal(r.serverPid, 'SIGKILL');
    await waitGone(2000);
  }
  const left = kernels.filter(isAlive);
  for (const k of left) signal(k, 'SIGTERM');
  if (left.length > 0) await sleep(500);
  for (const k of left.filter(isAlive)) signal(k, 'SIGKILL');
}
