// Notebook code reads like src/: no line wider than biome's lineWidth, and an exercise cell (the one declaring the
// checkpoint's `attempt`) imports only types from ./solutions/ — the reference answer is imported by the check cell,
// so an attendee writing an answer does not have the solution's value one keystroke away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const LINE_WIDTH = (JSON.parse(fs.readFileSync(path.join(repo, 'biome.json'), 'utf8')) as { formatter: { lineWidth: number } })
  .formatter.lineWidth;

interface Cell {
  cell_type: string;
  source: string | string[];
}
const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

const notebookFiles = (dir: string) =>
  fs
    .readdirSync(path.join(repo, dir))
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(dir, f));
const notebooks = [...notebookFiles('notebooks'), ...notebookFiles(path.join('notebooks', 'instructor'))];

const codeCells = (file: string) =>
  (JSON.parse(fs.readFileSync(path.join(repo, file), 'utf8')) as { cells: Cell[] }).cells
    .map((c, index) => ({ index, cell: c }))
    .filter(({ cell }) => cell.cell_type === 'code');

/** Lines of a cell wider than the line width (in characters, as an editor counts them). */
export function wideLines(source: string, width = LINE_WIDTH): { line: number; chars: number }[] {
  return source
    .split('\n')
    .map((l, i) => ({ line: i + 1, chars: [...l].length }))
    .filter((l) => l.chars > width);
}

/** Names of the variables the cell's ws.checkpoint() calls take as their attempt. */
export function attempts(source: string): string[] {
  if (!/ws\.checkpoint\(/.test(source)) return [];
  return [...source.matchAll(/\battempt:\s*([A-Za-z_$][\w$]*)\s*[,}\n]/g)].map((m) => m[1]);
}

/** Imports from ./solutions/ that bring in a value (anything but `import type { … }` or `{ type X, … }`). */
export function solutionValueImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/import\s+(type\s+)?([^;]*?)\s+from\s+['"](\.\/solutions\/[^'"]+)['"]/g)) {
    if (m[1]) continue;
    const clause = m[2].trim();
    const named = /^\{([^}]*)\}$/.exec(clause);
    const values = named
      ? named[1]
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s && !s.startsWith('type '))
      : [clause];
    if (values.length > 0) found.push(`${values.join(', ')} from ${m[3]}`);
  }
  return found;
}

test('the checks of this test find what they look for (and pass what they should)', () => {
  assert.deepEqual(wideLines(`ok\n${'x'.repeat(LINE_WIDTH + 1)}\n${'✓'.repeat(LINE_WIDTH)}`), [
    { line: 2, chars: LINE_WIDTH + 1 },
  ]);
  assert.deepEqual(attempts("await ws.checkpoint({\n  id: 'x',\n  attempt: myKeys,\n  reference: r,\n});"), ['myKeys']);
  assert.deepEqual(attempts("await ws.checkpoint({ attempt: config.tableName, reference: 'x' });"), []);
  assert.deepEqual(solutionValueImports("import { T, t } from './solutions/03_x';"), ['T, t from ./solutions/03_x']);
  assert.deepEqual(solutionValueImports("import * as s from './solutions/03_x';"), ['* as s from ./solutions/03_x']);
  assert.deepEqual(solutionValueImports("import type { T } from './solutions/03_x';"), []);
  assert.deepEqual(solutionValueImports("import { type T, type U } from './solutions/03_x';"), []);
  assert.deepEqual(solutionValueImports("import { T } from './workshop/index';"), []);
});

test(`no notebook code line is wider than ${LINE_WIDTH} characters (biome's lineWidth)`, () => {
  assert.ok(notebooks.length >= 7, `notebooks found: ${notebooks.join(', ')}`);
  const found: string[] = [];
  for (const file of notebooks) {
    for (const { index, cell } of codeCells(file)) {
      for (const w of wideLines(src(cell))) found.push(`${file} cell ${index} line ${w.line}: ${w.chars} characters`);
    }
  }
  assert.ok(found.length === 0, `lines over ${LINE_WIDTH} characters:\n${found.join('\n')}`);
});

test('exercise cells import only types from ./solutions/ (the check cell imports the reference)', () => {
  const found: string[] = [];
  let exercises = 0;
  for (const file of notebooks) {
    const cells = codeCells(file);
    for (const name of cells.flatMap(({ cell }) => attempts(src(cell)))) {
      const declares = new RegExp(`\\b(?:const|let|var)\\s+${name.replace(/\$/g, '\\$')}\\b`);
      const exercise = cells.find(({ cell }) => declares.test(src(cell)));
      if (!exercise) continue;
      exercises++;
      for (const v of solutionValueImports(src(exercise.cell))) found.push(`${file} cell ${exercise.index} imports ${v}`);
    }
  }
  assert.ok(exercises >= 5, `exercise cells found: ${exercises}`);
  assert.ok(
    found.length === 0,
    `exercise cells importing a value (write import type { … }) from ./solutions/:\n${found.join('\n')}`,
  );
});
