// Each benchmark gets a DynamoDB Local of its own: in memory, on a free port, with its own state folder,
// stopped at the end — never the attendee's port 8000 nor another engineer's engine.
import './env';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureLocal, stopLocal } from '../../src/local/engine';
import { freePort } from '../../tools/runner/server';
import { peakRssBytes } from './procs';

export interface BenchEngine {
  port: number;
  endpoint: string;
  pid?: number;
  stateDir: string;
  startSeconds: number;
  /** Environment for kernels, scripts and clients aimed at this engine. */
  env(attendeeId: string): NodeJS.ProcessEnv;
  /** The engine's peak RSS so far (VmHWM), bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

const running = new Set<BenchEngine>();

export async function startEngine(label: string): Promise<BenchEngine> {
  const port = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `ws-bench-${label}-`));
  const t0 = performance.now();
  const local = await ensureLocal({ port, inMemory: true, stateDir });
  const startSeconds = (performance.now() - t0) / 1000;
  let stopped = false;
  const engine: BenchEngine = {
    port,
    endpoint: local.endpoint,
    pid: local.pid,
    stateDir,
    startSeconds,
    env(attendeeId: string) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ATTENDEE_ID: attendeeId,
        WORKSHOP_TARGET: 'local',
        DDB_LOCAL_PORT: String(port),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      delete env.DDB_ENDPOINT;
      return env;
    },
    peakRss: () => (local.pid ? peakRssBytes(local.pid) : NaN),
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(engine);
      await stopLocal({ stateDir });
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
  running.add(engine);
  return engine;
}

/** Stops every engine still running (on Ctrl-C or a failure). */
export async function stopAllEngines(): Promise<void> {
  await Promise.all([...running].map((e) => e.stop().catch(() => undefined)));
}
