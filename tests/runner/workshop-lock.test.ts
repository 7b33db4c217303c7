/**
 * `bash tools/workshop.sh notebooks`: one run at a time per checkout (runs share build/.ddb-local and build/notebooks).
 * The script runs from a copy in a temporary root with stand-ins for tools/setup.sh and the compiled runner
 * (dist-tools/run-notebooks.js), so only its own logic is exercised: nothing is installed, no engine or kernel starts.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive } from '../../tools/runner/procs';

const REPO = resolve(__dirname, '../..');

/** A root with tools/workshop.sh, a setup.sh that does nothing, and a runner that waits until it is signalled. */
function fakeRoot(): { root: string; calls: () => string[] } {
  const root = mkdtempSync(join(tmpdir(), 'workshop-lock-'));
  mkdirSync(join(root, 'tools'));
  mkdirSync(join(root, 'node_modules/.bin'), { recursive: true });
  copyFileSync(join(REPO, 'tools/workshop.sh'), join(root, 'tools/workshop.sh'));
  writeFileSync(join(root, 'tools/setup.sh'), 'exit 0\n');
  const log = join(root, 'calls.log');
  const tsx = join(root, 'node_modules/.bin/tsx');
  writeFileSync(
    tsx,
    [
      '#!/usr/bin/env bash',
      `echo "$$ $*" >> '${log}'`,
      'if [ "$1" = tools/run-notebooks.ts ]; then',
      '  sleep 30 & s=$!',
      '  trap \'kill "$s" 2>/dev/null; exit 143\' TERM INT',
      '  wait "$s"',
      'fi',
      '',
    ].join('\n'),
  );
  chmodSync(tsx, 0o755);
  // the main job runs the compiled runner with node: the stand-in logs its call and waits to be signalled
  mkdirSync(join(root, 'dist-tools'));
  writeFileSync(
    join(root, 'dist-tools/run-notebooks.js'),
    [
      `require('node:fs').appendFileSync(${JSON.stringify(log)}, process.pid + ' run-notebooks.js ' + process.argv.slice(2).join(' ') + '\\n');`,
      'const t = setTimeout(() => {}, 30_000);',
      "for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { clearTimeout(t); process.exit(143); });",
      '',
    ].join('\n'),
  );
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { root, calls };
}

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string }>;
}

function workshop(root: string): Run {
  // an endpoint given: no engine is started (the tsx stand-in would not start one anyway)
  const env = { ...process.env, DDB_ENDPOINT: 'http://127.0.0.1:9', WORKSHOP_TARGET: 'local' };
  const child = spawn('bash', [join(root, 'tools/workshop.sh'), 'notebooks'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b) => (stderr += b));
  child.stdout?.resume();
  const done = new Promise<{ code: number | null; stderr: string }>((r) => child.on('exit', (code) => r({ code, stderr })));
  return { child, done };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runnerStarts = (calls: string[]) => calls.filter((c) => / (tools\/run-notebooks\.ts|run-notebooks\.js) /.test(c)).length;

describe('workshop.sh notebooks: one run at a time per checkout', () => {
  const roots: string[] = [];
  const runs: Run[] = [];
  after(() => {
    for (const r of runs) if (r.child.pid && isAlive(r.child.pid)) r.child.kill('SIGKILL');
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('a second run says another run is in progress, with its pid, and exits non-zero; the lock goes with the first', async () => {
    const { root, calls } = fakeRoot();
    roots.push(root);
    const first = workshop(root);
    runs.push(first);
    await until('the first run’s runner', () => runnerStarts(calls()) === 1);

    const second = workshop(root);
    runs.push(second);
    const r2 = await second.done;
    assert.notEqual(r2.code, 0);
    assert.match(
      r2.stderr,
      new RegExp(`another 'workshop\\.sh notebooks' run is in progress in this checkout \\(pid ${first.child.pid}\\)`),
    );
    assert.equal(runnerStarts(calls()), 1, 'the second run started no runner');

    first.child.kill('SIGTERM');
    await first.done;
    const third = workshop(root);
    runs.push(third);
    await until('the third run’s runner', () => runnerStarts(calls()) === 2);
    third.child.kill('SIGTERM');
    await third.done;
  });

  it('a lock left by a run that is gone (or by a pid another program now has) is taken over', async () => {
    const { root, calls } = fakeRoot();
    roots.push(root);
    mkdirSync(join(root, 'build'));
    // process.pid is alive but is not workshop.sh: a reused pid
    symlinkSync(String(process.pid), join(root, 'build/.notebooks.lock'));
    const run = workshop(root);
    runs.push(run);
    await until('the runner', () => runnerStarts(calls()) === 1);
    run.child.kill('SIGTERM');
    const r = await run.done;
    assert.match(r.stderr, new RegExp(`removed a stale lock \\(pid ${process.pid} is not a workshop\\.sh run\\)`));
    assert.ok(!existsSync(join(root, 'build/.notebooks.lock')), 'released at exit');
  });
});
