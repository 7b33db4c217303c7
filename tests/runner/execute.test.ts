/**
 * The runner against a real Jupyter Server + tslab (one server for the whole file), compared with
 * `jupyter nbconvert --to notebook --execute --allow-errors` on the same fixture and kernel.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { KernelClient } from '../../tools/runner/kernel';
import { runNotebooks } from '../../tools/runner/run';
import { startJupyterServer, type JupyterServer } from '../../tools/runner/server';
import type { Summary } from '../../tools/runner/types';

const run = promisify(execFile);
const REPO = resolve(__dirname, '../..');
const VENV = process.env.WORKSHOP_VENV ? resolve(process.env.WORKSHOP_VENV) : join(REPO, '.venv');
const FIXTURES = join(REPO, 'tests/fixtures/runner');
const FIXTURE = join(FIXTURES, 'fixture.ipynb');
const haveVenv = existsSync(join(VENV, 'bin', 'jupyter'));

type Nb = { cells: any[]; metadata: any; nbformat: number; nbformat_minor: number };
const readNb = (p: string): Nb => JSON.parse(readFileSync(p, 'utf8'));
const text = (v: string | string[]) => (Array.isArray(v) ? v.join('') : v);
const codeCell = (nb: Nb, id: string) => nb.cells.find((c) => c.id === id);
const outputsText = (cell: any) =>
  cell.outputs
    .filter((o: any) => o.output_type === 'stream')
    .map((o: any) => text(o.text))
    .join('');

/** nbformat's own schema validation, through the venv's Python. */
async function validate(...files: string[]): Promise<void> {
  await run(join(VENV, 'bin', 'python'), [
    '-c',
    'import nbformat,sys\nfor f in sys.argv[1:]: nbformat.validate(nbformat.read(f, as_version=4))',
    ...files,
  ]);
}

describe('runner against tslab', { skip: !haveVenv && `no Jupyter in ${VENV}` }, () => {
  let server: JupyterServer;
  let tmp: string;
  let nbconvert: Promise<string>;
  const logs: string[] = [];
  const log = (l: string) => logs.push(l);
  let allowErrors: Summary;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'runner-exec-'));
    // the reference run, concurrently with ours
    const refDir = join(tmp, 'nbconvert');
    nbconvert = run(
      join(VENV, 'bin', 'jupyter'),
      ['nbconvert', '--to', 'notebook', '--execute', '--allow-errors', '--output-dir', refDir, FIXTURE],
      {
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    ).then(() => join(refDir, 'fixture.ipynb'));
    nbconvert.catch(() => undefined);
    server = await startJupyterServer({ venv: VENV, rootDir: FIXTURES });
  });

  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stops at the first failing cell by default and still writes what ran', async () => {
    const out = join(tmp, 'default');
    const summary = await runNotebooks({
      paths: [FIXTURE],
      outputDir: out,
      venv: VENV,
      server,
      timeout: 60,
      log,
      printSummary: false,
    });
    assert.equal(summary.ok, false);
    const [r] = summary.notebooks;
    assert.equal(r.failed, 1);
    assert.deepEqual(
      r.cellResults.map((c) => `${c.id}:${c.status}`),
      [
        'cell-01:ok',
        'cell-02:ok',
        'cell-03:ok',
        'cell-04:ok',
        'cell-05:ok',
        'cell-06:ok',
        'cell-08:error',
        'cell-09:not-run',
        'cell-10:not-run',
        'cell-11:not-run',
      ],
    );
    assert.deepEqual(r.cellResults[6].error && { ename: r.cellResults[6].error.ename, evalue: r.cellResults[6].error.evalue }, {
      ename: 'Error',
      evalue: 'boom',
    });
    const nb = readNb(join(out, 'fixture.ipynb'));
    const failed = codeCell(nb, 'cell-08');
    assert.deepEqual(
      failed.outputs.map((o: any) => o.output_type + (o.name ? `/${o.name}` : '')),
      ['stream/stdout', 'stream/stderr', 'error'],
    );
    assert.equal(failed.outputs[2].ename, 'Error');
    assert.equal(failed.outputs[2].evalue, 'boom');
    for (const id of ['cell-09', 'cell-10', 'cell-11']) {
      assert.deepEqual(codeCell(nb, id).outputs, [], `${id} not run`);
      assert.equal(codeCell(nb, id).metadata.execution, undefined, `${id} has no execution timing`);
    }
    assert.ok(
      logs.some((l) => l.startsWith('[fixture.ipynb] cell 9/12 FAILED') && l.includes('Error: boom')),
      'the failure text is in the progress log',
    );
    await validate(join(out, 'fixture.ipynb'));
  });

  it('--allow-errors runs every cell (and waits out tslab’s abort window after a failure)', async () => {
    const out = join(tmp, 'allow');
    allowErrors = await runNotebooks({
      paths: [FIXTURE],
      outputDir: out,
      venv: VENV,
      server,
      timeout: 60,
      allowErrors: true,
      log,
      printSummary: false,
    });
    assert.equal(allowErrors.ok, true);
    const [r] = allowErrors.notebooks;
    assert.equal(r.allowedErrors, 2);
    assert.equal(r.cellResults.filter((c) => c.status === 'ok').length, 8);
    const nb = readNb(join(out, 'fixture.ipynb'));
    assert.equal(outputsText(codeCell(nb, 'cell-09')), 'after failure\n');
    assert.equal(outputsText(codeCell(nb, 'cell-11')), 'end\n');
    const typo = codeCell(nb, 'cell-10').outputs.at(-1);
    assert.equal(typo.output_type, 'error');
    assert.equal(typo.ename, 'TSError');
    assert.match(typo.evalue, /Type 'string' is not assignable to type 'number'/);
    await validate(join(out, 'fixture.ipynb'));
  });

  it('matches nbconvert --execute field by field (deliberate differences aside)', async () => {
    assert.ok(allowErrors, 'needs the --allow-errors run');
    const ours = readNb(join(tmp, 'allow', 'fixture.ipynb'));
    const ref = readNb(await nbconvert);
    assert.equal(ours.nbformat, ref.nbformat);
    assert.equal(ours.nbformat_minor, ref.nbformat_minor);
    assert.deepEqual(ours.metadata, ref.metadata, 'notebook metadata incl. language_info from kernel_info');
    assert.deepEqual(
      ours.cells.map((c) => [c.id, c.cell_type, text(c.source)]),
      ref.cells.map((c) => [c.id, c.cell_type, text(c.source)]),
    );

    // stack frames carry paths and line numbers of the kernel's own code (difference 4: in a failing cell's output
    // the runner writes paths under the repository relative to it)
    const norm = (o: any) => {
      const copy = JSON.parse(JSON.stringify(o));
      if (copy.text)
        copy.text = text(copy.text)
          .replace(/\(\S+:\d+:\d+\)/g, '(<frame>)')
          .replace(/^( +at )\S+:\d+:\d+$/gm, '$1<frame>');
      return copy;
    };
    let afterFailure = false;
    let compared = 0;
    let count = 0;
    for (let i = 0; i < ours.cells.length; i++) {
      const a = ours.cells[i];
      const b = ref.cells[i];
      if (a.cell_type !== 'code') continue;
      const where = `cell ${a.id}`;
      // difference 3: tslab sends no execute_input, and nbconvert's ExecutePreprocessor passes no count of its own,
      // so nbconvert leaves `In [ ]:`; the runner takes the count from the execute reply
      assert.equal(b.execution_count, null, `${where}: nbconvert's execution_count`);
      const ran = allowErrors.notebooks[0].cellResults.find((c) => c.id === a.id);
      if (ran && ran.status !== 'skipped' && ran.status !== 'not-run') {
        assert.equal(a.execution_count, ++count, `${where}: execution_count from the execute reply`);
      }
      assert.deepEqual(
        Object.keys(a.metadata.execution ?? {}).sort(),
        Object.keys(b.metadata.execution ?? {}).sort(),
        `${where}: metadata.execution keys`,
      );
      let outs = a.outputs;
      const failedHere = allowErrors.notebooks[0].cellResults.find((c) => c.id === a.id)?.status === 'allowed-error';
      if (failedHere) {
        // difference 1: tslab sends no `error` output; the runner adds one after the stderr nbconvert also has
        assert.equal(outs.at(-1).output_type, 'error', `${where}: the runner's error output`);
        outs = outs.slice(0, -1);
      }
      if (afterFailure && b.outputs.length === 0 && outs.length > 0) {
        // difference 2: nbconvert sends the next cell at once and tslab aborts it (within 200 ms of a failure);
        // the runner waits, so the cell really runs
        continue;
      }
      afterFailure = failedHere;
      assert.deepEqual(outs.map(norm), b.outputs.map(norm), `${where}: outputs (type, name, text, data, metadata)`);
      compared++;
    }
    assert.ok(compared >= 7, `compared ${compared} cells`);
  });

  it('honours skip-execution and raises-exception, with the kernel in the notebook folder', async () => {
    const out = join(tmp, 'tags');
    const summary = await runNotebooks({
      paths: [join(FIXTURES, 'tags.ipynb')],
      outputDir: out,
      venv: VENV,
      server,
      timeout: 60,
      log,
      printSummary: false,
    });
    assert.equal(summary.ok, true, 'an error in a raises-exception cell does not fail the notebook');
    assert.deepEqual(
      summary.notebooks[0].cellResults.map((c) => `${c.id}:${c.status}`),
      ['cell-01:ok', 'cell-02:skipped', 'cell-03:allowed-error', 'cell-04:ok'],
    );
    const nb = readNb(join(out, 'tags.ipynb'));
    assert.equal(outputsText(codeCell(nb, 'cell-01')), 'cwd is the notebook folder\n');
    assert.deepEqual(codeCell(nb, 'cell-02').outputs, []);
    assert.equal(codeCell(nb, 'cell-02').metadata.execution, undefined);
    assert.equal(codeCell(nb, 'cell-03').outputs.at(-1).evalue, 'expected failure');
    assert.equal(outputsText(codeCell(nb, 'cell-04')), 'continued after the expected failure\n');
    await validate(join(out, 'tags.ipynb'));
  });

  it('times out a cell: interrupts the kernel, records the error, fails the notebook', async () => {
    const out = join(tmp, 'timeout');
    const t0 = Date.now();
    const summary = await runNotebooks({
      paths: [join(FIXTURES, 'timeout.ipynb')],
      outputDir: out,
      venv: VENV,
      server,
      timeout: 3,
      allowErrors: true,
      log,
      printSummary: false,
    });
    assert.ok(Date.now() - t0 < 20000, 'did not wait for the 60 s promise');
    assert.equal(summary.ok, false, 'a timeout fails the notebook even with --allow-errors');
    const [r] = summary.notebooks;
    assert.deepEqual(
      r.cellResults.map((c) => c.status),
      ['ok', 'timeout', 'not-run'],
    );
    const nb = readNb(join(out, 'timeout.ipynb'));
    const cell = nb.cells[1];
    const err = cell.outputs.at(-1);
    assert.equal(err.output_type, 'error');
    assert.equal(err.ename, 'CellTimeoutError');
    assert.match(err.evalue, /timed out while it was being executed, after 3 seconds/);
    assert.match(outputsText(cell), /Interrupted asynchronously/, 'the kernel was interrupted');
    assert.deepEqual(nb.cells[2].outputs, []);
    assert.ok(logs.some((l) => l.startsWith('[timeout.ipynb] cell 2/3 TIMEOUT')));
    await validate(join(out, 'timeout.ipynb'));
  });

  it('reports a kernel that does not exist as a failed notebook', async () => {
    const out = join(tmp, 'nokernel');
    const summary = await runNotebooks({
      paths: [join(FIXTURES, 'tags.ipynb')],
      outputDir: out,
      venv: VENV,
      server,
      kernel: 'no-such-kernel',
      log,
      printSummary: false,
    });
    assert.equal(summary.ok, false);
    assert.match(summary.notebooks[0].error ?? '', /kernel "no-such-kernel" did not start/);
  });

  /** The kernels the server has running now. */
  async function serverKernels(): Promise<unknown[]> {
    const r = await fetch(`${server.baseUrl}api/kernels?token=${server.token}`);
    assert.equal(r.status, 200);
    return (await r.json()) as unknown[];
  }

  /** The two fixtures' facts: when A's last cell ended, when B's kernel process started, both pids. */
  async function runPair(prestart: boolean) {
    const out = join(tmp, prestart ? 'ahead' : 'one-at-a-time');
    const summary = await runNotebooks({
      paths: [join(FIXTURES, 'ahead-a.ipynb'), join(FIXTURES, 'ahead-b.ipynb')],
      outputDir: out,
      venv: VENV,
      server,
      timeout: 60,
      prestart,
      log,
      printSummary: false,
    });
    assert.equal(summary.ok, true, JSON.stringify(summary.notebooks.map((n) => n.error ?? n.cellResults)));
    const a = readNb(join(out, 'ahead-a.ipynb'));
    const b = readNb(join(out, 'ahead-b.ipynb'));
    const aEnded = Number(/ended at (\d+)/.exec(outputsText(codeCell(a, 'cell-02')))?.[1]);
    const bFirst = outputsText(codeCell(b, 'cell-01'));
    const bStarted = Number(/started at (\d+)/.exec(bFirst)?.[1]);
    const pidA = /kernel (\d+)/.exec(outputsText(codeCell(a, 'cell-01')))?.[1];
    const pidB = /kernel (\d+)/.exec(bFirst)?.[1];
    await validate(join(out, 'ahead-a.ipynb'), join(out, 'ahead-b.ipynb'));
    return { a, b, aEnded, bStarted, pidA, pidB };
  }

  it("starts the next notebook's kernel while the current one runs, fresh and unexecuted", async () => {
    const r = await runPair(true);
    assert.ok(r.aEnded > 0 && r.bStarted > 0, 'both timestamps printed');
    assert.ok(r.bStarted < r.aEnded, `B's kernel started ${r.bStarted - r.aEnded} ms after A ended`);
    assert.notEqual(r.pidA, r.pidB, 'each notebook has a kernel of its own');
    // the warm-up (a complete_request of B's first cell) executed nothing: the cell ran once, when its turn came
    assert.match(outputsText(codeCell(r.b, 'cell-01')), /first cell runs 1\n$/);
    assert.equal(outputsText(codeCell(r.b, 'cell-02')), 'second cell sees number\n');
    assert.deepEqual(await serverKernels(), [], 'no kernel left running');
  });

  it('--no-prestart starts each kernel only when its notebook comes', async () => {
    const r = await runPair(false);
    assert.ok(r.bStarted > r.aEnded, `B's kernel started ${r.aEnded - r.bStarted} ms before A ended`);
    assert.deepEqual(await serverKernels(), []);
  });

  it('shuts down a kernel started ahead that no notebook asked for', async () => {
    const client = new KernelClient(server);
    try {
      client.startAhead('ahead-b.ipynb', 'tslab', "console.log('never runs')");
      await client.drain();
    } finally {
      client.dispose();
    }
    assert.deepEqual(await serverKernels(), []);
  });
});
