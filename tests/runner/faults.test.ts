// Faults mid-run: a kernel killed in the middle of a notebook fails that notebook, says so, and the run goes on with
// the next; nothing is left running afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNotebooks, type Notebook } from '../../tools/runner/index';
import { descendants, isAlive } from '../../tools/runner/procs';
import { venvDir } from '../helpers/aws-standin';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'runner');

test('a kernel killed mid-notebook: that notebook fails with DeadKernelError, the next one runs, nothing is left', {
  timeout: 5 * 60_000,
}, async () => {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-faults-'));
  const lines: string[] = [];
  const before = new Set(descendants(process.pid));
  const summary = await runNotebooks({
    paths: [path.join(FIXTURES, 'kernel-killed.ipynb'), path.join(FIXTURES, 'tags.ipynb')],
    outputDir,
    venv: venvDir,
    timeout: 60,
    log: (l: string) => lines.push(l),
  });
  const [killed, next] = summary.notebooks;
  assert.equal(killed.ok, false, lines.join('\n'));
  assert.equal(next.ok, true, 'the run goes on with the next notebook');
  assert.match(lines.join('\n'), /Kernel died while executing the cell/);
  const nb = JSON.parse(fs.readFileSync(path.join(outputDir, 'kernel-killed.ipynb'), 'utf8')) as Notebook;
  const cells = nb.cells.filter((c) => c.cell_type === 'code');
  assert.ok(
    cells[1].cell_type === 'code' && cells[1].outputs.some((o) => o.output_type === 'error' && o.ename === 'DeadKernelError'),
  );
  assert.ok(cells[2].cell_type === 'code' && cells[2].outputs.length === 0, 'nothing ran after the kernel died');
  const left = descendants(process.pid).filter((p) => !before.has(p) && isAlive(p));
  assert.deepEqual(left, [], 'no server or kernel left');
});
