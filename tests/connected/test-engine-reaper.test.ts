// A test process killed outright (CI timeout, kill -9) leaves no DynamoDB Local behind: the engines the test
// helpers start are stopped by their watchdog once the process is gone (tests/helpers/local.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isLocalEngine } from '../../src/local/engine';

const repo = path.resolve(__dirname, '..', '..');

test('an engine started by a test process that is killed with SIGKILL is stopped by its watchdog', {
  timeout: 180_000,
}, async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-reaper-'));
  const script = `
    const { ensureTestLocal, freePort } = require(${JSON.stringify(path.join(repo, 'tests/helpers/local.ts'))});
    (async () => {
      const port = await freePort();
      const local = await ensureTestLocal({ port, inMemory: true, stateDir: ${JSON.stringify(stateDir)} });
      console.log(JSON.stringify({ pid: local.pid, port }));
      setInterval(() => {}, 1000); // stays until killed
    })();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { pid: number; port: number });
    });
    child.once('exit', (code) => reject(new Error(`the test process ended (${code}) before its engine started: ${out}`)));
  });
  try {
    assert.ok(isLocalEngine(started.pid, started.port), 'the engine runs while its test process does');
    child.kill('SIGKILL');
    let alive = true;
    for (let i = 0; i < 60 && alive; i++) {
      await sleep(500);
      alive = isLocalEngine(started.pid, started.port);
    }
    assert.equal(alive, false, `DynamoDB Local (pid ${started.pid}) still runs 30 s after its test process was killed`);
  } finally {
    if (isLocalEngine(started.pid, started.port)) process.kill(started.pid, 'SIGKILL');
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
