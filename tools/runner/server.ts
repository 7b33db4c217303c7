/**
 * One Jupyter Server for a whole run: started from the venv on a free 127.0.0.1 port with a random token,
 * in its own process group (so a Ctrl-C in the terminal reaches only the runner, which then stops it in
 * order), and stopped by /api/shutdown → SIGTERM → SIGKILL of the group and of every kernel it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { registerCleanup } from './cleanup';
import { jupyterApp } from './launch';
import { defaultRecordDir, reapOrphans, recordServer } from './orphans';
import { raceDelay, sleep } from './delay';
import { descendants, outputTail, signal, stopJupyterProcess } from './procs';

export interface ServerOptions {
  venv: string;
  /** --ServerApp.root_dir: kernels start in <root>/<dirname(session path)> */
  rootDir: string;
  /** seconds to wait for /api/status */
  startupTimeout?: number;
  /** environment for the server, and through it for the kernels (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /**
   * where servers are recorded while they run, and servers earlier runs left are reaped from (tools/runner/orphans.ts);
   * default build/.runner (RUN_NOTEBOOKS_RECORD_DIR), false: neither
   */
  recordDir?: string | false;
}

export interface JupyterServer {
  baseUrl: string;
  wsUrl: string;
  token: string;
  pid: number;
  rootDir: string;
  /** one line per server an earlier run left behind and this start stopped */
  reaped: string[];
  /** the last lines the server logged */
  logTail(): string;
  /** stop the server and its kernels; idempotent */
  stop(): Promise<void>;
  /** last resort, synchronous (for process 'exit'): SIGKILL the group and the kernels */
  killSync(): void;
}

export class ServerStartError extends Error {}

/** Extensions a headless run does not need (terminals, LSP, the Lab UI): ~0.5 s faster start, smaller surface. */
const DISABLED_EXTENSIONS = ['jupyterlab', 'jupyter_lsp', 'notebook_shim', 'jupyter_server_terminals', 'notebook'];

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The token is not on the command line (where `ps` shows it) nor in the environment the kernels inherit (where
 * a notebook printing `process.env` would record it): the server reads it from a 0600 file
 * (JUPYTER_TOKEN_FILE) that is deleted as soon as the server answers.
 */
export function serverArgs(port: number, rootDir: string): string[] {
  return [
    ...loopbackArgs(port, rootDir),
    ...DISABLED_EXTENSIONS.map((e) => `--ServerApp.jpserver_extensions=${e}=False`),
    // A kernel that dies fails its notebook (nbclient's rule): reported dead at once, never auto-restarted (whose
    // reconnect @jupyterlab/services would leave as an unhandled rejection once the runner closes the connection).
    '--KernelRestarter.restart_limit=0',
  ];
}

/** Any Jupyter app serving `rootDir` on exactly this loopback port, no browser (and allowed to run as root). */
export function loopbackArgs(port: number, rootDir: string): string[] {
  const args = [
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${rootDir}`,
  ];
  if (isRoot()) args.push('--allow-root');
  return args;
}

export async function startJupyterServer(options: ServerOptions): Promise<JupyterServer> {
  // absolute: the server's cwd is the root folder
  const jupyter = resolve(options.venv, 'bin', 'jupyter');
  const launch = jupyterApp(options.venv, 'server');
  if (!existsSync(jupyter) || !existsSync(launch.command)) {
    throw new ServerStartError(
      `no Jupyter in the venv: ${jupyter} does not exist.\n` +
        'run: bash tools/setup.sh   (it creates .venv with Jupyter and the tslab kernel), or point WORKSHOP_VENV / --venv at a venv that has them',
    );
  }
  const recordDir = options.recordDir ?? defaultRecordDir();
  const reaped = recordDir === false ? [] : await reapOrphans(recordDir);
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const tokenDir = mkdtempSync(join(tmpdir(), 'run-notebooks-'));
  const tokenFile = join(tokenDir, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const removeTokenFile = () => rmSync(tokenDir, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PYTHONUNBUFFERED: '1',
    JUPYTER_TOKEN_FILE: tokenFile,
    // the server (and through it its kernels) ends when the runner is gone, even by SIGKILL (tools/jupyter_app.py)
    JUPYTER_APP_PARENT_PID: String(process.pid),
  };
  delete env.JUPYTER_TOKEN; // it would take precedence over the file
  const child: ChildProcess = spawn(launch.command, [...launch.args, ...serverArgs(port, options.rootDir)], {
    env,
    cwd: options.rootDir,
    detached: true, // own process group: terminal signals go to the runner only
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    removeTokenFile();
    throw new ServerStartError(`could not start ${jupyter}`);
  }

  // the next run stops it if it outlives this process after all (removed once it has stopped)
  const unrecord = recordDir === false ? () => undefined : recordServer(recordDir, pid, port);
  const { keep, lines: tail } = outputTail(60);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null | undefined;
  let exitSignal: NodeJS.Signals | null = null;
  const exited = new Promise<void>((r) =>
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      r();
    }),
  );
  child.on('error', (e) => keep(Buffer.from(String(e))));

  const baseUrl = `http://127.0.0.1:${port}/`;
  const logTail = () => tail.slice(-20).join('\n');
  let kernelPids: number[] = [];
  let stopping: Promise<void> | undefined;

  const server: JupyterServer = {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/`,
    token,
    pid,
    rootDir: options.rootDir,
    reaped,
    logTail,
    killSync() {
      if (exitCode !== undefined) return unrecord();
      for (const p of [...kernelPids, ...descendants(pid)]) signal(p, 'SIGKILL');
      signal(-pid, 'SIGKILL');
      unrecord();
    },
    stop() {
      stopping ??= (async () => {
        if (exitCode !== undefined) {
          unrecord();
          unregister();
          return;
        }
        const waitExit = (ms: number) =>
          raceDelay(
            exited.then(() => true),
            ms,
            false,
          );
        kernelPids = descendants(pid);
        await stopJupyterProcess({ pid, baseUrl, token, waitExit });
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (exitCode !== undefined) unrecord(); // else: still there after SIGKILL, the next run tries again
        unregister();
      })();
      return stopping;
    },
  };

  // registered from the moment it exists: a Ctrl-C during start-up stops it too
  const unregister = registerCleanup(server);

  const timeoutMs = (options.startupTimeout ?? 60) * 1000;
  const deadline = Date.now() + timeoutMs;
  try {
    await waitReady();
  } finally {
    removeTokenFile();
  }
  return server;

  async function waitReady(): Promise<void> {
    while (true) {
      if (exitCode !== undefined) {
        await server.stop();
        throw new ServerStartError(
          `Jupyter Server exited during start-up (${exitSignal ? `signal ${exitSignal}` : `code ${exitCode}`}).\n` +
            `Its last log lines:\n${logTail()}`,
        );
      }
      try {
        const res = await fetch(`${baseUrl}api/status`, {
          headers: { Authorization: `token ${token}` },
          signal: AbortSignal.timeout(2000),
        });
        if (res.ok) {
          await res.arrayBuffer();
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new ServerStartError(
          `Jupyter Server did not answer /api/status within ${timeoutMs / 1000}s.\nIts last log lines:\n${logTail()}`,
        );
      }
      await sleep(100);
    }
  }
}
