/**
 * Notebooks side by side (`--jobs N`) and lanes (sequences of notebooks, each with its own environment). Overlap is
 * read from the notebooks' own recorded execution timestamps (metadata.execution, the kernel's clock), never from
 * wall-clock thresholds.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../tools/runner/args';
import { junitXml } from '../../tools/runner/junit';
import { runNotebooks } from '../../tools/runner/run';
import { startJupyterServer, type JupyterServer } from '../../tools/runner/server';
import type { Summary } from '../../tools/runner/types';

const REPO = resolve(__dirname, '../..');
const VENV = process.env.WORKSHOP_VENV ? resolve(process.env.WORKSHOP_VENV) : join(REPO, '.venv');
const FIXTURES = join(REPO, 'tests/fixtures/runner');
const A = join(FIXTURES, 'sleep-a.ipynb');
const B = join(FIXTURES, 'sleep-b.ipynb');
const haveVenv = existsSync(join(VENV, 'bin', 'jupyter'));

type Nb = { cells: any[]; metadata: any };
const readNb = (p: string): Nb => JSON.parse(readFileSync(p, 'utf8'));
const text = (v: string | string[]) => (Array.isArray(v) ? v.join('') : v);
const printed = (nb: Nb, id: string) =>
  nb.cells
    .find((c) => c.id === id)
    .outputs.map((o: any) => text(o.text ?? ''))
    .join('');

/** When the sleeping cell ran, by the kernel's own status messages: busy → idle (ms since the epoch). tslab dates its
 * execute_reply with the request's time, so the reply's timestamp does not say when the cell ended. */
function sleepSpan(nb: Nb): { from: number; to: number } {
  const exec = nb.cells.find((c) => c.id === 'cell-01').metadata.execution;
  const from = Date.parse(exec['iopub.status.busy']);
  const to = Date.parse(exec['iopub.status.idle']);
  assert.ok(from > 0 && to > from, JSON.stringify(exec));
  return { from, to };
}
const overlap = (x: { from: number; to: number }, y: { from: number; to: number }) => x.from < y.to && y.from < x.to;

/** The executed notebook without its timing: what must not depend on --jobs. */
function withoutTiming(nb: Nb): Nb {
  const copy = structuredClone(nb);
  for (const c of copy.cells) delete c.metadata.execution;
  return copy;
}

const okSummary = (s: Summary) =>
  assert.equal(s.ok, true, JSON.stringify(s.notebooks.map((n) => n.error ?? n.cellResults.filter((c) => c.error))));

describe('lanes: plans refused before anything starts', () => {
  it('two lanes writing the same file, an empty lane, a duplicate name: usage errors', async () => {
    const base = { outputDir: join(tmpdir(), 'never-written'), venv: join(tmpdir(), 'no-venv'), printSummary: false };
    await assert.rejects(
      runNotebooks({ ...base, paths: [], lanes: [{ paths: [A] }, { paths: [A] }] }),
      (e: Error) =>
        e instanceof UsageError && /would both be written to .*sleep-a\.ipynb: give the lanes their own/.test(e.message),
    );
    await assert.rejects(
      runNotebooks({
        ...base,
        paths: [],
        lanes: [
          { name: 'x', paths: [A], outputDir: 'x' },
          { name: 'x', paths: [A], outputDir: 'y' },
        ],
      }),
      (e: Error) => e instanceof UsageError && /two lanes are named "x"/.test(e.message),
    );
    await assert.rejects(
      runNotebooks({ ...base, paths: [], lanes: [{ name: 'a b', paths: [A] }] }),
      (e: Error) => e instanceof UsageError && /lane name "a b"/.test(e.message),
    );
    assert.ok(!existsSync(base.outputDir));
  });
});

describe('notebooks side by side', { skip: !haveVenv && `no Jupyter in ${VENV}` }, () => {
  let server: JupyterServer;
  let tmp: string;
  const logs: string[] = [];
  const log = (l: string) => logs.push(l);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'runner-lanes-'));
    server = await startJupyterServer({ venv: VENV, rootDir: FIXTURES });
  });
  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function run(jobs: number) {
    const out = join(tmp, `jobs-${jobs}`);
    const summary = await runNotebooks({
      paths: [A, B],
      outputDir: out,
      venv: VENV,
      server,
      jobs,
      timeout: 60,
      log,
      printSummary: false,
    });
    okSummary(summary);
    return { summary, a: readNb(join(out, 'sleep-a.ipynb')), b: readNb(join(out, 'sleep-b.ipynb')) };
  }

  it('--jobs 2 runs both at once; the outputs, names and summary order are those of --jobs 1', async () => {
    const one = await run(1);
    const two = await run(2);
    assert.ok(!overlap(sleepSpan(one.a), sleepSpan(one.b)), '--jobs 1: one after the other');
    assert.ok(sleepSpan(one.a).to <= sleepSpan(one.b).from);
    assert.ok(overlap(sleepSpan(two.a), sleepSpan(two.b)), `--jobs 2: ${JSON.stringify([sleepSpan(two.a), sleepSpan(two.b)])}`);
    assert.deepEqual(withoutTiming(two.a), withoutTiming(one.a));
    assert.deepEqual(withoutTiming(two.b), withoutTiming(one.b));
    assert.equal(printed(two.a, 'cell-02'), 'lane -\n');
    assert.deepEqual(
      two.summary.notebooks.map((n) => n.name),
      one.summary.notebooks.map((n) => n.name),
    );
    assert.deepEqual(
      two.summary.notebooks.map((n) => n.name),
      ['sleep-a.ipynb', 'sleep-b.ipynb'],
    );
    // every progress line names its notebook
    assert.ok(logs.filter((l) => /cell \d+\/\d+/.test(l)).every((l) => /^\[sleep-[ab]\.ipynb\] /.test(l)));
  });
});

describe('lanes: sequences side by side, each with its own environment', { skip: !haveVenv && `no Jupyter in ${VENV}` }, () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'runner-lanes-env-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('each lane runs A then B in order, the lanes at once, each kernel with its lane variable', async () => {
    const logs: string[] = [];
    const summary = await runNotebooks({
      paths: [],
      // y arrives a second later: its sessions are asked for while x's exist (the server would hand out x's kernel
      // for the same session path)
      lanes: ['x', 'y'].map((name, i) => ({
        name,
        paths: [A, B],
        env: { RUNNER_LANE: name },
        outputDir: join(tmp, name),
        startAt: i,
      })),
      jobs: 2,
      outputDir: tmp,
      venv: VENV,
      timeout: 60,
      html: true,
      log: (l) => logs.push(l),
      printSummary: false,
    });
    okSummary(summary);
    assert.deepEqual(
      summary.notebooks.map((n) => n.name),
      ['x/sleep-a.ipynb', 'x/sleep-b.ipynb', 'y/sleep-a.ipynb', 'y/sleep-b.ipynb'],
    );
    assert.ok(
      summary.notebooks.every((n) => n.kernel === 'tslab'),
      'results name the notebook kernel',
    );
    const nb = (lane: string, n: string) => readNb(join(tmp, lane, `sleep-${n}.ipynb`));
    for (const lane of ['x', 'y']) {
      assert.equal(printed(nb(lane, 'a'), 'cell-02'), `lane ${lane}\n`);
      assert.equal(printed(nb(lane, 'b'), 'cell-02'), `lane ${lane}\n`);
      assert.equal(printed(nb(lane, 'b'), 'cell-01'), 'b slept 3 s\n');
      assert.ok(sleepSpan(nb(lane, 'a')).to <= sleepSpan(nb(lane, 'b')).from, `${lane}: A before B`);
      assert.equal(nb(lane, 'a').metadata.kernelspec.name, 'tslab', 'the executed notebook keeps its kernelspec');
      // HTML beside each lane's notebooks
      assert.ok(existsSync(join(tmp, lane, 'sleep-b.html')), `${lane}/sleep-b.html`);
    }
    assert.ok(overlap(sleepSpan(nb('x', 'a')), sleepSpan(nb('y', 'a'))), 'the two lanes ran at once');
    assert.ok(
      logs.some((l) => /^\[y\/sleep-b\.ipynb\] cell 2\/3 ok/.test(l)),
      logs.join('\n'),
    );
    assert.match(junitXml(summary), /<testsuite name="x\/sleep-a\.ipynb" .*\n {4}<testcase classname="notebooks\.x\.sleep-a"/);
  });
});
