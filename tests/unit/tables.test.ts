// Tables for the room (issue 14 item 5): console.table's box drawing wraps and breaks in JupyterLab and in the HTML
// export once a table is wider than the column. showTable sends ONE display_data holding text/html (a real table,
// which reflows) and text/plain (an aligned fallback), escaped. Proven on the renderer, on the notebooks' sources and
// in a real tslab kernel executed by nbconvert (tests/fixtures/tables/tables.ipynb).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type DisplayOptions,
  type MimeBundle,
  formatCell,
  showTable,
  tableColumns,
  tableHtml,
  tableText,
} from '../../src/display';
import * as ws from '../../src/index';

const REPO = path.resolve(__dirname, '../..');

test('tableHtml escapes every cell, header and the title (no markup from data reaches the page)', () => {
  const html = tableHtml([{ '<b>col</b>': `<script>alert("x")</script> & 'y'` }], { title: 'a <i>title</i> & more' });
  assert.doesNotMatch(html, /<script>|<b>col|<i>title/);
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;y&#39;/);
  assert.match(html, /&lt;b&gt;col&lt;\/b&gt;/);
  assert.match(html, /a &lt;i&gt;title&lt;\/i&gt; &amp; more/);
  assert.match(html, /^<div[\s\S]*<table[\s\S]*<thead>[\s\S]*<tbody>[\s\S]*<\/table>[\s\S]*<\/div>$/);
});

test('columns: first-seen order over all rows (a key only a later row has comes last), or exactly as given', () => {
  const rows = [
    { b: 1, a: 2 },
    { a: 3, c: 4 },
    { d: 5, b: 6 },
  ];
  assert.deepEqual(tableColumns(rows), ['b', 'a', 'c', 'd']);
  assert.deepEqual(tableColumns(rows, ['c', 'a']), ['c', 'a']);
  const html = tableHtml(rows);
  const headers = [...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
  assert.deepEqual(headers, ['b', 'a', 'c', 'd']);
  const firstRow = html.split('<tbody>')[1].split('</tr>')[0];
  assert.deepEqual(
    [...firstRow.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]),
    ['1', '2', '', ''],
    'a missing cell is empty, in its column',
  );
  assert.deepEqual(
    [...tableHtml(rows, { columns: ['c', 'a'] }).matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]),
    ['c', 'a'],
  );
});

test('cells: numbers never in scientific notation, integers grouped, empty for null/undefined, objects as JSON', () => {
  assert.equal(formatCell(undefined), '');
  assert.equal(formatCell(null), '');
  assert.equal(formatCell(''), '');
  assert.equal(formatCell(0), '0');
  assert.equal(formatCell(1234567), '1,234,567');
  assert.equal(formatCell(12.3456), '12.346');
  assert.equal(formatCell(0.5), '0.5');
  assert.equal(formatCell(2.9e-7), '0.00000029');
  assert.equal(formatCell(1e-9), '0.000000001');
  assert.equal(formatCell(1e21), '1,000,000,000,000,000,000,000');
  assert.equal(formatCell(true), 'true');
  assert.equal(formatCell({ a: 1 }), '{"a":1}');
  assert.equal(formatCell(['x', 2]), '["x",2]');
  for (const n of [1e-12, 3e-8, 5e20, 1e25, -4e-9]) assert.doesNotMatch(formatCell(n), /e[+-]?\d/i, String(n));
});

test('plain-text fallback: the title, a header, a rule and one aligned line per row; numbers right-aligned', () => {
  const text = tableText(
    [
      { tenant: 'acme', throttled: 365, share: 0.5 },
      { tenant: 'globex', throttled: 2, share: 0.25 },
    ],
    { title: 'Per tenant' },
  );
  assert.equal(
    text,
    [
      'Per tenant',
      'tenant  throttled  share',
      '------  ---------  -----',
      'acme          365    0.5',
      'globex          2   0.25',
    ].join('\n'),
  );
  assert.doesNotMatch(text, /[│┌┐└┘─]/, 'no box drawing: it breaks when a line wraps');
  assert.equal(tableText([]), '(no rows)');
  assert.match(tableHtml([]), /\(no rows\)/);
});

test('showTable sends ONE display_data with exactly text/html + text/plain, and returns nothing once shown', () => {
  const sent: { bundle: MimeBundle; options: DisplayOptions }[] = [];
  const result = showTable([{ a: 1 }], {
    title: 'T',
    display: (bundle, options) => {
      sent.push({ bundle, options });
      return true;
    },
  });
  assert.equal(result, undefined, 'nothing for tslab to print under the table');
  assert.equal(sent.length, 1);
  assert.deepEqual(Object.keys(sent[0].bundle).sort(), ['text/html', 'text/plain']);
  assert.equal(sent[0].bundle['text/plain'], tableText([{ a: 1 }], { title: 'T' }));
  assert.equal(sent[0].bundle['text/html'], tableHtml([{ a: 1 }], { title: 'T' }));
  const outside = showTable([{ a: 1 }]);
  assert.ok(outside, 'outside a kernel the bundle comes back, so a script can print it');
  assert.equal(ws.showTable, showTable, 'notebooks call it as ws.showTable');
});

// ---------------------------------------------------------------------------------------------------------------
// The notebooks: every table of 04, 05 and 06 is an HTML table (none is console.table's text box).

interface NbCell {
  cell_type: string;
  id: string;
  source: string | string[];
  outputs?: { output_type: string; data?: Record<string, unknown>; text?: string | string[]; name?: string }[];
}
const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));

for (const name of ['04_multitenancy', '05_observability', '06_cleanup']) {
  test(`${name}: its tables go through ws.showTable, none through console.table`, () => {
    const nb = JSON.parse(readFileSync(path.join(REPO, 'notebooks', `${name}.ipynb`), 'utf8')) as { cells: NbCell[] };
    const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => joined(c.source));
    const offenders = code.filter((s) => /console\.table\(/.test(s)).map((s) => s.split('\n')[0]);
    assert.deepEqual(offenders, [], 'cells still printing console.table');
    assert.ok(code.some((s) => /ws\.showTable\(/.test(s)));
  });
}

// The executed notebooks' tables (HTML, no console.table boxes) are checked by the notebook suite
// (tests/notebooks/notebooks.test.ts), where executed copies always exist.

// ---------------------------------------------------------------------------------------------------------------
// The real thing: a tslab kernel compiling src/display.ts (TypeScript 5.0.4), executed by nbconvert, exported to HTML.

const JUPYTER = path.join(REPO, '.venv', 'bin', 'jupyter');
const FIXTURE = path.join(REPO, 'tests', 'fixtures', 'tables', 'tables.ipynb');

test('in a real tslab kernel: a wide table is one display_data (HTML + text), and the HTML export shows a <table>', {
  skip: existsSync(JUPYTER) ? false : `no ${JUPYTER} (create the venv from requirements.txt)`,
  timeout: 180_000,
}, () => {
  const out = mkdtempSync(path.join(tmpdir(), 'tables-nb-'));
  try {
    execFileSync(JUPYTER, ['nbconvert', '--to', 'notebook', '--execute', FIXTURE, '--output-dir', out, '--output', 'executed'], {
      cwd: REPO,
      stdio: 'pipe',
    });
    const executedPath = path.join(out, 'executed.ipynb');
    const nb = JSON.parse(readFileSync(executedPath, 'utf8')) as { cells: NbCell[] };
    const outputs = nb.cells.find((c) => c.id === 'cell-01')?.outputs ?? [];
    assert.deepEqual(
      outputs.map((o) => o.output_type),
      ['display_data'],
      JSON.stringify(outputs).slice(0, 400),
    );
    const data = outputs[0].data ?? {};
    assert.deepEqual(Object.keys(data).sort(), ['text/html', 'text/plain']);
    const html = joined(data['text/html']);
    assert.match(html, /Fixture isolation matrix/);
    assert.equal((html.match(/<tr>/g) ?? []).length, 6, 'a header row and five rows');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; more/);
    assert.match(joined(data['text/plain']), /^Fixture isolation matrix\noperation +acme keys/);

    execFileSync(JUPYTER, ['nbconvert', '--to', 'html', executedPath, '--output-dir', out], { stdio: 'pipe' });
    const page = readFileSync(path.join(out, 'executed.html'), 'utf8');
    assert.match(page, /<table[\s\S]*Fixture isolation matrix|Fixture isolation matrix[\s\S]*<table/);
    assert.doesNotMatch(page, /<script>alert\(1\)<\/script>/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
