// A DynamoDB Local of the test file's own: free port, in memory, its own state folder, stopped after.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClients, type WorkshopClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { ensureLocal, type LocalInstance, stopLocal } from '../../src/local/engine';
import { freePort } from '../../tools/runner/server';

// one free-port helper for the repo: the runner's
export { freePort };

export interface TestLocal {
  local: LocalInstance;
  clients: WorkshopClients;
  stateDir: string;
  stop: () => Promise<void>;
}

export async function startTestLocal(attendeeId = 'test'): Promise<TestLocal> {
  const port = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-ddb-'));
  const local = await ensureLocal({ port, inMemory: true, stateDir });
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
