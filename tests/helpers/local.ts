// A DynamoDB Local of the test file's own: free port, in memory, its own state folder, stopped after.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createClients, type WorkshopClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { ensureLocal, type LocalInstance, type LocalOptions, stopLocal } from '../../src/local/engine';
import { freePort } from '../../tools/runner/server';

// one free-port helper for the repo: the runner's
export { freePort };

// The engine is detached by design (kernels share it), so a test process killed outright (a CI timeout, kill -9)
// would leave its JVM running. A watchdog of the test process's own (one shell, started on the first engine) waits
// for the process to end and then stops the engines it started that still run — each checked by its command line
// (DynamoDB Local on that port), so a pid reused by something else is never touched.
let reapList: string | undefined;

function reapOnExit(instance: LocalInstance): void {
  if (!instance.pid || instance.reused) return;
  if (!reapList) {
    reapList = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ws-reap-')), 'engines');
    fs.writeFileSync(reapList, '');
    const script = [
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
      'while read -r pid port; do',
      '  case " $(ps -ww -o command= -p "$pid" 2>/dev/null) " in',
      '    *DynamoDBLocal.jar*" -port $port "*) kill "$pid" 2>/dev/null ;;',
      '  esac',
      'done < "$2"',
      'rm -rf "$(dirname "$2")"',
    ].join('\n');
    spawn('sh', ['-c', script, 'ws-reap', String(process.pid), reapList], { detached: true, stdio: 'ignore' }).unref();
  }
  fs.appendFileSync(reapList, `${instance.pid} ${instance.port}\n`);
}

/** ensureLocal for tests: the engine it starts is stopped when the test process ends, however it ends. */
export async function ensureTestLocal(options: LocalOptions): Promise<LocalInstance> {
  const instance = await ensureLocal(options);
  reapOnExit(instance);
  return instance;
}

export interface TestLocal {
  local: LocalInstance;
  clients: WorkshopClients;
  stateDir: string;
  stop: () => Promise<void>;
}

export async function startTestLocal(attendeeId = 'test'): Promise<TestLocal> {
  const port = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-ddb-'));
  const local = await ensureTestLocal({ port, inMemory: true, stateDir });
  const clients = await createClients(loadConfig({ ATTENDEE_ID: attendeeId, DDB_LOCAL_PORT: String(port) }), {
    startLocal: false,
  });
  return {
    local,
    clients,
    stateDir,
    stop: async () => {
      clients.ddb.destroy();
      await stopLocal({ stateDir });
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
