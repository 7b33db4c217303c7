// A headless run pins its engine (tools/workshop.sh exports DDB_ENDPOINT for the in-memory DynamoDB Local it
// starts): when that engine goes away mid-run, the next notebook fails and says which setting named the engine —
// nothing starts another engine (say, a persistent one on the attendee's own data) under the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPortOpen, stopLocal } from '../../src/local/engine';
import { runNotebooks } from '../../tools/runner/index';
import { ensureTestLocal, freePort } from '../helpers/local';
import { venvDir } from '../helpers/aws-standin';

const repo = path.resolve(__dirname, '..', '..');

test('engine gone mid-run: the next notebook fails naming DDB_ENDPOINT, and no engine is started in its place', {
  timeout: 5 * 60_000,
}, async () => {
  const port = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-pin-'));
  await ensureTestLocal({ port, inMemory: true, stateDir });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATTENDEE_ID: 'pin1',
    WORKSHOP_TARGET: 'LOCAL', // any case, as the library reads it
    DDB_LOCAL_PORT: String(port),
    DDB_ENDPOINT: `http://127.0.0.1:${port}`,
  };
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-pin-out-'));
  const run = (nb: string) =>
    runNotebooks({ paths: [path.join(repo, 'notebooks', nb)], outputDir, venv: venvDir, timeout: 120, env, log: () => {} });
  try {
    const first = await run('00_setup.ipynb');
    assert.ok(first.notebooks[0].ok, 'the pinned engine serves the run');
    await stopLocal({ stateDir }); // the engine goes away (crash, kill, reboot)
    const lines: string[] = [];
    const second = await runNotebooks({
      paths: [path.join(repo, 'notebooks', '01_fundamentals.ipynb')],
      outputDir,
      venv: venvDir,
      timeout: 120,
      env,
      log: (l: string) => lines.push(l),
    });
    assert.equal(second.notebooks[0].ok, false, 'the run fails instead of switching engines');
    const text = lines.join('\n');
    assert.match(text, new RegExp(`nothing answers at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED; set by DDB_ENDPOINT\\)`));
    assert.equal(await isPortOpen(port), false, 'no engine was started on the pinned port');
  } finally {
    await stopLocal({ stateDir }).catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
