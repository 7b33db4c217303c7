/** The command line: exit codes, progress and summary, JUnit + HTML, and shutdown on Ctrl-C. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { descendants, isAlive } from '../../tools/runner/procs';

const REPO = resolve(__dirname, '../..');
const CLI = join(REPO, 'tools/run-notebooks.ts');
const FIXTURES = join(REPO, 'tests/fixtures/runner');
const VENV = process.env.WORKSHOP_VENV ? resolve(process.env.WORKSHOP_VENV) : join(REPO, '.venv');
const haveVenv = existsSync(join(VENV, 'bin', 'jupyter'));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Run the CLI in one Node process (`node --import tsx`), so signals reach the runner itself. */
function cli(
  args: string[],
  opts: { onStdout?: (all: string, pid: number, child: ReturnType<typeof spawn>) => void } = {},
): Promise<Run> {
  const t0 = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => {
      stdout += b;
      opts.onStdout?.(stdout, child.pid as number, child);
    });
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', fail);
    child.on('exit', (code, signal) => done({ code, signal, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

function portClosed(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      r(false);
    });
    s.on('error', () => r(true));
  });
}

/** Every process seen below `pid` while it runs (sampled), so kernels started after a snapshot are counted too. */
function watchTree(pid: number): { seen: Set<number>; stop: () => void } {
  const seen = new Set<number>();
  const timer = setInterval(() => {
    for (const p of descendants(pid)) seen.add(p);
  }, 100);
  return { seen, stop: () => clearInterval(timer) };
}

async function allGone(pids: Iterable<number>, ms: number): Promise<number[]> {
  const list = [...pids];
  const deadline = Date.now() + ms;
  while (list.some(isAlive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
  return list.filter(isAlive);
}

/**
 * Runs timeout.ipynb and, once its long cell is running, records the runner's process tree and sends `signals` to
 * the runner (50 ms apart): the one shape every signal test shares.
 */
async function signalDuringLongCell(
  outputDir: string,
  signals: NodeJS.Signals[],
): Promise<{ r: Run; sent: boolean; tree: number[] }> {
  let tree: number[] = [];
  let sent = false;
  const r = await cli(['--output-dir', outputDir, '--timeout', '120', join(FIXTURES, 'timeout.ipynb')], {
    onStdout: (all, pid) => {
      // the long cell is running once cell 1 reported
      if (!sent && /\[timeout\.ipynb\] cell 1\/3 ok/.test(all)) {
        sent = true;
        setTimeout(() => {
          tree = descendants(pid);
          for (const [i, sig] of signals.entries()) setTimeout(() => process.kill(pid, sig), 50 * i);
        }, 300);
      }
    },
  });
  return { r, sent, tree };
}

const serverPort = (stdout: string) => Number(/Jupyter Server on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)?.[1]);

describe('run-notebooks CLI', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'runner-cli-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('exits 2 with a clear message for a notebook that does not exist, without starting a server', async () => {
    const r = await cli(['--output-dir', tmp, join(FIXTURES, 'tags.ipynb'), 'no/such/notebook.ipynb']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no such notebook or folder: no\/such\/notebook\.ipynb/);
    assert.doesNotMatch(r.stdout, /Jupyter Server/);
    assert.ok(!existsSync(join(tmp, 'tags.ipynb')));
  });

  it('exits 2 on a usage error and 0 on --help', async () => {
    const bad = await cli(['--timeout', 'soon', 'x.ipynb']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--timeout expects a number of seconds/);
    assert.match(bad.stderr, /Usage:/);
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: npx tsx tools\/run-notebooks\.ts/);
  });

  it('a missing venv says what to run (bash tools/setup.sh) and exits 1', async () => {
    const venv = join(tmp, 'no-venv');
    const r = await cli(['--venv', venv, '--output-dir', join(tmp, 'novenv'), join(FIXTURES, 'tags.ipynb')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`no Jupyter in the venv: ${venv}/bin/jupyter does not exist`));
    assert.match(r.stderr, /run: bash tools\/setup\.sh/);
    assert.doesNotMatch(r.stderr, / {4}at /);
  });

  // --jobs 2: the same progress, summary (in the order given, whichever finished first), exit status, JUnit and HTML,
  // each notebook stopping at its own failure
  for (const jobs of [1, 2]) {
    it(`runs several notebooks on one server (--jobs ${jobs}): progress, summary, exit 1, JUnit, HTML, server gone`, {
      skip: !haveVenv && `no ${VENV}`,
    }, async () => {
      const out = join(tmp, `out-${jobs}`);
      const junit = join(tmp, `junit-${jobs}.xml`);
      const r = await cli([
        '--jobs',
        String(jobs),
        '--output-dir',
        out,
        '--junit',
        junit,
        '--html',
        '--timeout',
        '60',
        join(FIXTURES, 'fixture.ipynb'),
        join(FIXTURES, 'tags.ipynb'),
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal((r.stdout.match(/Jupyter Server on /g) ?? []).length, 1, 'one server for the whole run');
      assert.match(r.stdout, /^\[fixture\.ipynb\] cell 2\/12 ok \d+\.\d\ds$/m);
      assert.match(r.stdout, /^\[fixture\.ipynb\] cell 9\/12 FAILED \d+\.\d\ds\n {4}evalmachine/m);
      assert.match(r.stdout, /^\[fixture\.ipynb\] stopped after the failure: 3 cell\(s\) not run$/m);
      assert.match(r.stdout, /^\[tags\.ipynb\] cell 3\/5 skipped \(skip-execution\)$/m);
      assert.match(
        r.stdout,
        /^ {2}fixture\.ipynb +10 +7 +1 +\d+\.\d\d +FAILED\n {2}tags\.ipynb +4 +3 +0 +\d+\.\d\d +ok \(1 allowed errors\)$/m,
      );
      assert.match(r.stdout, /^ {2}total +14 +10 +1 +\d+\.\d\d +1 of 2 notebooks failed$/m);
      for (const f of ['fixture.ipynb', 'tags.ipynb', 'fixture.html', 'tags.html']) assert.ok(existsSync(join(out, f)), f);
      assert.match(readFileSync(join(out, 'fixture.html'), 'utf8'), /<b>hi<\/b>/);
      const xml = readFileSync(junit, 'utf8');
      assert.match(
        xml,
        /<testsuite name="fixture.ipynb" tests="10" failures="1" errors="0" skipped="3"[^>]*>\n {4}<testcase classname="notebooks\.fixture"/,
      );
      assert.match(xml, /<testsuite name="tags.ipynb" tests="4" failures="0" errors="0" skipped="1"/);
      assert.match(xml, /name="cell 09 \[cell-08\]" time="[\d.]+">\n {6}<failure message="Error: boom" type="Error">/);
      assert.ok(await portClosed(serverPort(r.stdout)), 'the server stopped');
    });
  }

  it('--allow-errors with --jobs 2 runs every cell and exits 0', { skip: !haveVenv && `no ${VENV}` }, async () => {
    const r = await cli([
      '--jobs',
      '2',
      '--allow-errors',
      '--output-dir',
      join(tmp, 'jobs2-allow'),
      '--timeout',
      '60',
      join(FIXTURES, 'fixture.ipynb'),
      join(FIXTURES, 'tags.ipynb'),
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^\[fixture\.ipynb\] cell 9\/12 error \(allowed: --allow-errors\)/m);
    assert.doesNotMatch(r.stdout, /not run/);
  });

  it('SIGINT with --jobs 2 stops both kernels and the server, exit 130', { skip: !haveVenv && `no ${VENV}` }, async () => {
    let tree: number[] = [];
    let sent = false;
    const r = await cli(
      [
        '--jobs',
        '2',
        '--output-dir',
        join(tmp, 'jobs2-sigint'),
        '--timeout',
        '120',
        join(FIXTURES, 'timeout.ipynb'),
        join(FIXTURES, 'sleep-a.ipynb'),
      ],
      {
        onStdout: (all, pid) => {
          // both notebooks are in their kernels once each reported its kernel ready
          if (!sent && /\[timeout\.ipynb\] cell 1\/3 ok/.test(all) && /\[sleep-a\.ipynb\] kernel tslab ready/.test(all)) {
            sent = true;
            setTimeout(() => {
              tree = descendants(pid);
              process.kill(pid, 'SIGINT');
            }, 300);
          }
        },
      },
    );
    assert.ok(sent, r.stdout + r.stderr);
    assert.equal(r.code, 130);
    assert.ok(tree.length >= 3, `server and two kernels were running: ${tree}`);
    assert.deepEqual(await allGone(tree, 10_000), [], 'no server or kernel process left');
    assert.ok(await portClosed(serverPort(r.stdout)));
  });

  it('a malformed notebook fails alone, named with what is wrong; paths under the repo are written relative to it', {
    skip: !haveVenv && `no ${VENV}`,
  }, async () => {
    const out = join(tmp, 'malformed');
    const junit = join(tmp, 'malformed.xml');
    const r = await cli([
      '--output-dir',
      out,
      '--junit',
      junit,
      '--timeout',
      '60',
      join(FIXTURES, 'bad-cells.ipynb'),
      join(FIXTURES, 'bad-source.ipynb'),
      join(FIXTURES, 'abs-path.ipynb'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /^\[bad-cells\.ipynb\] FAILED: tests\/fixtures\/runner\/bad-cells\.ipynb: "cells" must be a list of cells, not a string$/m,
    );
    assert.match(
      r.stdout,
      /^\[bad-source\.ipynb\] FAILED: tests\/fixtures\/runner\/bad-source\.ipynb: cell 2 \(id cell-01\): "source" must be a string or a list of strings, not null$/m,
    );
    // the run went on: the third notebook ran, its failure recorded without the checkout's absolute path
    assert.match(
      r.stdout,
      /^\[abs-path\.ipynb\] cell 2\/2 FAILED [\d.]+s\n(?: {4}.*\n|\n)*? {4}Error: cannot read tests\/fixtures\/runner\/dist\/table\.js:55$/m,
    );
    assert.match(r.stdout, /^ {2}total .* 3 of 3 notebooks failed$/m);
    const executed = readFileSync(join(out, 'abs-path.ipynb'), 'utf8');
    assert.match(executed, /cannot read tests\/fixtures\/runner\/dist\/table\.js:55/);
    assert.ok(!executed.includes(`${REPO}/`), 'no absolute path under the repo in the executed notebook');
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /file="tests\/fixtures\/runner\/abs-path\.ipynb"/);
    assert.ok(!xml.includes(`${REPO}/`), 'no absolute path under the repo in junit.xml');
  });

  it('SIGKILL of the runner leaves no server or kernel behind (they watch their parent)', {
    skip: !haveVenv && `no ${VENV}`,
  }, async () => {
    const { r, sent, tree } = await signalDuringLongCell(join(tmp, 'sigkill'), ['SIGKILL']);
    assert.ok(sent, r.stdout + r.stderr);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(tree.length >= 2, `server and kernel were running: ${tree}`);
    assert.deepEqual(await allGone(tree, 30_000), [], 'no server or kernel process left');
    assert.ok(await portClosed(serverPort(r.stdout)));
  });

  it('a second SIGINT while stopping still kills everything at once', { skip: !haveVenv && `no ${VENV}` }, async () => {
    const { r, sent, tree } = await signalDuringLongCell(join(tmp, 'sigint2'), ['SIGINT', 'SIGINT']);
    assert.ok(sent, r.stdout + r.stderr);
    assert.equal(r.code, 130);
    assert.ok(tree.length >= 2, `server and kernel were running: ${tree}`);
    assert.deepEqual(await allGone(tree, 10_000), [], 'no server or kernel process left');
  });

  it('kill -TERM <npx pid> (the README command) stops the run promptly, nothing left behind', {
    skip: !haveVenv && `no ${VENV}`,
  }, async () => {
    // npx → sh -c → tsx → node: npm forwards the TERM to sh, which dies of it; tsx and the runner never see it
    const t0 = Date.now();
    const child = spawn(
      'npx',
      ['tsx', 'tools/run-notebooks.ts', '--output-dir', join(tmp, 'npx'), '--timeout', '120', join(FIXTURES, 'timeout.ipynb')],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own group: the test can clean up whatever a failure leaves
      },
    );
    const pid = child.pid as number;
    const tree = watchTree(pid);
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    await new Promise<void>((r) => {
      child.stdout.on('data', (b) => {
        stdout += b;
        if (!sentAt && /\[timeout\.ipynb\] cell 1\/3 ok/.test(stdout)) {
          sentAt = Date.now();
          setTimeout(() => {
            for (const p of descendants(pid)) tree.seen.add(p);
            process.kill(pid, 'SIGTERM');
            r();
          }, 300);
        }
      });
      child.on('exit', () => r());
    });
    await exited;
    try {
      assert.ok(sentAt, stdout + stderr);
      assert.ok(tree.seen.size >= 4, `sh, tsx, runner, server, kernel were running: ${[...tree.seen]}`);
      const left = await allGone(tree.seen, 15_000);
      tree.stop();
      assert.deepEqual(left, [], `nothing left 15 s after the TERM (the cell sleeps 60 s); stderr:\n${stderr}`);
      assert.ok(Date.now() - t0 < 60_000);
      assert.ok(await portClosed(serverPort(stdout)));
    } finally {
      tree.stop();
      for (const p of tree.seen) if (isAlive(p)) process.kill(p, 'SIGKILL');
    }
  });

  it('a closed stdout (| head) stops the run like SIGINT: exit 141, one line, nothing left behind', {
    skip: !haveVenv && `no ${VENV}`,
  }, async () => {
    let tree: ReturnType<typeof watchTree> | undefined;
    const r = await cli(['--output-dir', join(tmp, 'epipe'), '--timeout', '120', join(FIXTURES, 'timeout.ipynb')], {
      onStdout: (all, pid, child) => {
        tree ??= watchTree(pid);
        // the reader goes away after the first line, as `| head -1` does
        if (/Jupyter Server on/.test(all)) child.stdout?.destroy();
      },
    });
    const seen = tree?.seen ?? new Set<number>();
    tree?.stop();
    try {
      assert.equal(r.code, 141, r.stderr);
      assert.match(r.stderr, /stdout closed \(EPIPE\): stopping the Jupyter Server and kernels/);
      assert.doesNotMatch(r.stderr, /uncaught exception| {4}at /);
      assert.ok(seen.size >= 1, 'the server was running');
      assert.deepEqual(await allGone(seen, 5_000), [], 'no server or kernel process left');
      assert.ok(await portClosed(serverPort(r.stdout)));
    } finally {
      for (const p of seen) if (isAlive(p)) process.kill(p, 'SIGKILL');
    }
  });

  it('stops the server and its kernel on SIGINT and exits 130', { skip: !haveVenv && `no ${VENV}` }, async () => {
    const { r, sent, tree } = await signalDuringLongCell(join(tmp, 'sigint'), ['SIGINT']);
    assert.ok(sent, r.stdout + r.stderr);
    assert.equal(r.code, 130);
    assert.match(r.stderr, /SIGINT: stopping the Jupyter Server and kernels/);
    assert.ok(tree.length >= 2, `server and kernel were running: ${tree}`);
    assert.deepEqual(tree.filter(isAlive), [], 'no server or kernel process left');
    assert.ok(await portClosed(serverPort(r.stdout)));
  });
});
