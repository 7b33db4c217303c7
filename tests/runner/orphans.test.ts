/**
 * Orphan records (tools/runner/orphans.ts): a server an earlier run left is stopped by the next run; a concurrent
 * run's server, a reused pid and a malformed record are left alone.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { LAUNCHER } from '../../tools/runner/launch';
import { procInfo } from '../../tools/runner/launchers';
import { isRecordedServer, reapOrphans, type ServerRecord } from '../../tools/runner/orphans';
import { isAlive } from '../../tools/runner/procs';
import { freePort, serverArgs, startJupyterServer } from '../../tools/runner/server';

const REPO = resolve(__dirname, '../..');
const VENV = process.env.WORKSHOP_VENV ? resolve(process.env.WORKSHOP_VENV) : join(REPO, '.venv');
const FIXTURES = join(REPO, 'tests/fixtures/runner');
const haveVenv = existsSync(join(VENV, 'bin', 'jupyter'));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listening(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      r(true);
    });
    s.on('error', () => r(false));
  });
}

/** A pid that belonged to a process that has ended. */
async function deadPid(): Promise<number> {
  const p = spawn('true');
  await new Promise((r) => p.on('exit', r));
  return p.pid as number;
}

const children: ChildProcess[] = [];
function sleeper(): ChildProcess {
  const p = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(p);
  return p;
}

/** A Jupyter Server as the runner starts one, but watching no parent: what a run that failed to stop it leaves. */
async function strayServer(): Promise<{ pid: number; port: number; proc: ChildProcess }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_TOKEN: 'orphan-test' };
  delete env.JUPYTER_APP_PARENT_PID;
  const proc = spawn(join(VENV, 'bin', 'python'), [LAUNCHER, 'server', ...serverArgs(port, FIXTURES)], {
    env,
    cwd: FIXTURES,
    detached: true,
    stdio: 'ignore',
  });
  children.push(proc);
  const deadline = Date.now() + 30_000;
  while (!(await listening(port))) {
    assert.ok(Date.now() < deadline, 'the stray server started');
    await sleep(100);
  }
  return { pid: proc.pid as number, port, proc };
}

function writeRecord(dir: string, r: Partial<ServerRecord> & Pick<ServerRecord, 'serverPid' | 'port'>): string {
  const file = join(dir, `server-${r.port}.json`);
  const record: ServerRecord = { runnerPid: 1, launcher: LAUNCHER, startedAt: '2026-01-01T00:00:00.000Z', ...r };
  writeFileSync(file, JSON.stringify(record));
  return file;
}

describe('orphan records', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'runner-orphans-'));
  after(() => {
    for (const c of children) if (c.pid && isAlive(c.pid)) c.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('recognises only this checkout’s jupyter_app.py server on the recorded port', () => {
    const rec = { port: 4242, launcher: LAUNCHER };
    const argv = ['/v/bin/python', LAUNCHER, 'server', '--no-browser', '--ServerApp.port=4242'];
    assert.equal(isRecordedServer({ argv }, rec), true);
    assert.equal(isRecordedServer({ argv: argv.map((a) => a.replace('4242', '4243')) }, rec), false, 'another port');
    assert.equal(isRecordedServer({ argv: [argv[0], LAUNCHER, 'lab', ...argv.slice(3)] }, rec), false, 'JupyterLab');
    assert.equal(isRecordedServer({ argv: ['/v/bin/python', '/elsewhere/jupyter_app.py', ...argv.slice(2)] }, rec), false);
    assert.equal(isRecordedServer({ argv: ['sleep', '60'] }, rec), false);
    assert.equal(isRecordedServer({ argv }, { port: 4242, launcher: '/elsewhere/jupyter_app.py' }), false);
  });

  it('a reused pid (not our server) and a malformed record are left alone, and the records dropped', async () => {
    const dir = mkdtempSync(join(tmp, 'reused-'));
    const other = sleeper();
    const reused = writeRecord(dir, { runnerPid: await deadPid(), serverPid: other.pid as number, port: 4000 });
    const bad = join(dir, 'server-4001.json');
    writeFileSync(bad, '{"runnerPid": "x"');
    assert.deepEqual(await reapOrphans(dir), []);
    assert.ok(isAlive(other.pid as number), 'the sleep that reused the pid still runs');
    assert.ok(!existsSync(reused) && !existsSync(bad), 'records dropped');
  });

  it('stops a server an earlier run left behind; a run still going keeps its own', {
    skip: !haveVenv && `no ${VENV}`,
  }, async () => {
    const dir = mkdtempSync(join(tmp, 'stray-'));
    const stray = await strayServer();

    // its runner still runs (a concurrent run in the same checkout): not touched, record kept
    const runner = sleeper();
    const live = writeRecord(dir, {
      runnerPid: runner.pid as number,
      runnerStart: procInfo(runner.pid as number)?.start,
      serverPid: stray.pid,
      port: stray.port,
    });
    assert.deepEqual(await reapOrphans(dir), []);
    assert.ok(isAlive(stray.pid) && (await listening(stray.port)), 'a concurrent run’s server is left alone');
    assert.ok(existsSync(live), 'and its record kept');

    // its runner is gone: the next server start reaps it
    runner.kill('SIGKILL');
    await new Promise((r) => runner.on('exit', r));
    const server = await startJupyterServer({ venv: VENV, rootDir: FIXTURES, recordDir: dir });
    try {
      assert.equal(server.reaped.length, 1, 'one server reaped');
      assert.match(
        server.reaped[0],
        new RegExp(`stopped a Jupyter Server an earlier run left behind \\(pid ${stray.pid}, port ${stray.port},`),
      );
      assert.ok(!(await listening(stray.port)), 'the stray server stopped');
      assert.ok(!existsSync(live), 'its record dropped');
      // the new server is recorded while it runs …
      const own = JSON.parse(readFileSync(join(dir, `server-${new URL(server.baseUrl).port}.json`), 'utf8')) as ServerRecord;
      assert.equal(own.serverPid, server.pid);
      assert.equal(own.runnerPid, process.pid);
      assert.equal(own.launcher, LAUNCHER);
    } finally {
      await server.stop();
    }
    // … and its record removed once it stopped
    assert.ok(!existsSync(join(dir, `server-${new URL(server.baseUrl).port}.json`)));
  });
});
