// A JupyterLab of the browser test's own, started the attendees' way: `bash tools/lab.sh` (set-up check, the
// working copy, only the tslab kernelspec, loopback), on a free 127.0.0.1 port with a random token, in its own process
// group, with fresh Jupyter config/data/settings/workspace folders and a working copy of its own (nothing of
// ~/.jupyter, ~/.local/share/jupyter or my-notebooks/ applies, and nothing is written there), with every start-up
// fetch of remote content off, and stopped by /api/shutdown → SIGTERM → SIGKILL of its group and of the kernels it
// started (own sessions).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../helpers/local';
import { descendants, outputTail, signal, stopJupyterProcess } from '../../tools/runner/procs';

const repo = path.resolve(__dirname, '..', '..');

export interface LabServer {
  /** http://127.0.0.1:<port>/ */
  baseUrl: string;
  token: string;
  pid: number;
  logTail(lines?: number): string;
  /** graceful stop of the server and its kernels; idempotent, never throws */
  stop(): Promise<void>;
  /** last resort for process 'exit': SIGKILL the group and the kernels */
  killSync(): void;
}

export interface LabOptions {
  venv: string;
  /** the attendee's working copy tools/lab.sh fills from notebooks/ and Lab serves (WORKSHOP_WORK_DIR) */
  workDir: string;
  /** environment of the server, inherited by its kernels */
  env: NodeJS.ProcessEnv;
  startupTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** JupyterLab user settings for the test: no news. Autosave stays on, as attendees have it: it writes into the
 * working copy, never into notebooks/. */
const SETTINGS: Record<string, object> = {
  '@jupyterlab/apputils-extension/notification.jupyterlab-settings': { fetchNews: 'false', checkForUpdates: false },
};

/** What the test adds to tools/lab.sh's own arguments. */
export function labArgs(checkpointDir: string): string[] {
  return [
    // JupyterLab checkpoints a notebook when it opens it: into our temp folder (an absolute checkpoint_dir is used
    // as is)
    `--FileCheckpoints.checkpoint_dir=${checkpointDir}`,
    // JupyterLab's start-up calls to the internet: the news feed (jupyterlab.github.io), the update check (pypi.org)
    // and the PyPI extension manager. `None` turns the feed off and tells the page not to ask about news.
    '--LabApp.news_url=None',
    '--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate',
    '--LabApp.extension_manager=readonly',
    // a net for the one path no cleanup reaches (this process SIGKILLed): idle kernels are culled, then the server
    // shuts itself down
    '--MappingKernelManager.cull_idle_timeout=900',
    '--MappingKernelManager.cull_interval=60',
    '--ServerApp.shutdown_no_activity_timeout=1800',
  ];
}

export async function startLab(options: LabOptions): Promise<LabServer> {
  const jupyter = path.join(options.venv, 'bin', 'jupyter');
  if (!fs.existsSync(jupyter)) throw new Error(`no Jupyter in the venv: ${jupyter} does not exist (run: bash tools/setup.sh)`);

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-lab-'));
  const dirs = {
    config: path.join(home, 'config'),
    data: path.join(home, 'data'),
    runtime: path.join(home, 'runtime'),
    settings: path.join(home, 'settings'),
    workspaces: path.join(home, 'workspaces'),
    checkpoints: path.join(home, 'checkpoints'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  for (const [file, value] of Object.entries(SETTINGS)) {
    const p = path.join(dirs.settings, file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, JSON.stringify(value, null, 2));
  }
  // The token reaches the server through a 0600 file deleted once it answers: not on the command line (ps), not in
  // the environment the kernels inherit (a notebook printing process.env would show it).
  const token = randomBytes(24).toString('hex');
  const tokenFile = path.join(home, 'token');
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });

  const env: NodeJS.ProcessEnv = {
    ...options.env,
    PYTHONUNBUFFERED: '1',
    JUPYTER_TOKEN_FILE: tokenFile,
    JUPYTER_CONFIG_DIR: dirs.config,
    // the user data dir comes first in the kernelspec search: an empty one means the venv's tslab kernelspec is used
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    JUPYTERLAB_SETTINGS_DIR: dirs.settings,
    JUPYTERLAB_WORKSPACES_DIR: dirs.workspaces,
  };
  delete env.JUPYTER_TOKEN; // would take precedence over the file
  delete env.JUPYTER_CONFIG_PATH;
  delete env.JUPYTER_PATH;

  const port = await freePort();
  env.JUPYTER_PORT = String(port);
  env.WORKSHOP_VENV = options.venv;
  env.WORKSHOP_WORK_DIR = options.workDir;
  env.CODESPACES = ''; // a token, whatever machine runs the test
  // tools/lab.sh execs JupyterLab: the child's pid becomes the server's
  const child: ChildProcess = spawn('bash', [path.join(repo, 'tools', 'lab.sh'), ...labArgs(dirs.checkpoints)], {
    env,
    cwd: repo,
    detached: true, // own process group, stopped as a whole
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { keep, lines: tail } = outputTail(200);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}`)));
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const waitExit = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      exit,
      new Promise<void>((r) => {
        timer = setTimeout(r, ms);
      }),
    ]);
    clearTimeout(timer);
    return exited;
  };

  const pid = child.pid ?? -1;
  const baseUrl = `http://127.0.0.1:${port}/`;
  const removeHome = () => fs.rmSync(home, { recursive: true, force: true });
  let kernels: number[] = [];
  let stopping: Promise<void> | undefined;

  const server: LabServer = {
    baseUrl,
    token,
    pid,
    logTail: (n = 25) => tail.slice(-n).join('\n'),
    killSync() {
      if (pid > 0 && !exited) {
        for (const p of [...kernels, ...descendants(pid)]) signal(p, 'SIGKILL');
        signal(-pid, 'SIGKILL');
      }
      removeHome();
    },
    stop() {
      stopping ??= (async () => {
        if (pid > 0 && !exited) {
          kernels = await stopJupyterProcess({ pid, baseUrl, token, waitExit });
        }
        child.stdout?.destroy();
        child.stderr?.destroy();
        removeHome();
      })();
      return stopping;
    },
  };

  if (pid < 0) {
    await server.stop();
    throw new Error(`could not start ${jupyter}`);
  }
  const deadline = Date.now() + (options.startupTimeoutMs ?? 150_000); // set-up check included
  try {
    while (true) {
      if (exited) throw new Error(`JupyterLab exited during start-up; its last log lines:\n${server.logTail()}`);
      try {
        const res = await fetch(`${baseUrl}api/status`, {
          headers: { Authorization: `token ${token}` },
          signal: AbortSignal.timeout(2000),
        });
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`JupyterLab did not answer /api/status in time; its last log lines:\n${server.logTail()}`);
      await sleep(150);
    }
  } catch (e) {
    await server.stop();
    throw e;
  } finally {
    fs.rmSync(tokenFile, { force: true });
  }
  return server;
}
