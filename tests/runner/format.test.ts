/** nbformat reading/writing (checked byte-for-byte against Python nbformat), tslab error parsing, JUnit XML. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { errorFromReply, parseErrorText, timeoutError } from '../../tools/runner/errors';
import { junitXml } from '../../tools/runner/junit';
import { relativePaths } from '../../tools/runner/paths';
import { dumpJson, parseNotebook, serializeNotebook, splitLines } from '../../tools/runner/nbformat';
import type { Output, Summary } from '../../tools/runner/types';

const REPO = resolve(__dirname, '../..');
const PYTHON = join(process.env.WORKSHOP_VENV ?? join(REPO, '.venv'), 'bin', 'python');

const RICH = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' },
    zeta: [],
    alpha: {},
    signature: 'x',
  },
  cells: [
    {
      cell_type: 'markdown',
      id: 'md-1',
      metadata: { trusted: true },
      source: 'Héllo — ünïcode ✓\r\nline 2\n',
      attachments: { 'a.png': { 'image/png': 'iVBOR' } },
    },
    {
      cell_type: 'code',
      id: 'code-1',
      metadata: { tags: ['raises-exception'], execution: { 'iopub.status.busy': '2026-01-01T00:00:00.000000Z' } },
      execution_count: 3,
      source: ['const a = 1;\n', 'a'],
      outputs: [
        { output_type: 'stream', name: 'stdout', text: ['one\n', 'two\n', 'no newline'] },
        { output_type: 'stream', name: 'stderr', text: '' },
        {
          output_type: 'display_data',
          metadata: { 'image/svg+xml': { isolated: true } },
          data: {
            'image/svg+xml': '<svg>\n<g/>\n</svg>\n',
            'text/plain': 'tab\there\u0001',
            'application/json': { b: [1, 2.5, null, true], a: 'x' },
            'application/vnd.vegalite.v5+json': { mark: 'bar' },
            'image/png': 'iVBORw0KGgo=',
          },
        },
        {
          output_type: 'execute_result',
          execution_count: 3,
          metadata: {},
          data: { 'text/html': ['<b>\n', '</b>'], 'application/javascript': 'a;\nb;' },
        },
        { output_type: 'error', ename: 'Error', evalue: 'boom "quoted" \\ back', traceback: ['\u001b[31mred\u001b[0m', 'line'] },
      ],
    },
    { cell_type: 'raw', id: 'raw-1', metadata: {}, source: '' },
  ],
};

describe('nbformat writing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runner-format-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('splitLines matches Python str.splitlines(keepends=True)', () => {
    assert.deepEqual(splitLines('a\nb\r\nc\rd'), ['a\n', 'b\r\n', 'c\r', 'd']);
    assert.deepEqual(splitLines(''), []);
    assert.deepEqual(splitLines('x\n'), ['x\n']);
    assert.deepEqual(splitLines('p\u2028q\fr'), ['p\u2028', 'q\f', 'r']);
  });

  it('dumpJson matches json.dumps(indent=1, sort_keys=True)', () => {
    assert.equal(
      dumpJson({ b: [], a: {}, c: [1, { z: null, y: 'é' }] }),
      '{\n "a": {},\n "b": [],\n "c": [\n  1,\n  {\n   "y": "é",\n   "z": null\n  }\n ]\n}',
    );
    assert.equal(
      dumpJson({ '10': 1, '9': 2, a: 3 }),
      '{\n "10": 1,\n "9": 2,\n "a": 3\n}',
      'keys sorted as strings, not as integers',
    );
  });

  it('writes byte-for-byte what Python nbformat writes', { skip: !existsSync(PYTHON) && `no ${PYTHON}` }, () => {
    const src = join(dir, 'rich.ipynb');
    writeFileSync(src, JSON.stringify(RICH));
    const py = execFileSync(
      PYTHON,
      [
        '-c',
        'import nbformat,sys; nb=nbformat.read(sys.argv[1], as_version=4); sys.stdout.write(nbformat.writes(nb)+"\\n")',
        src,
      ],
      { encoding: 'utf8' },
    );
    const ours = serializeNotebook(parseNotebook(JSON.stringify(RICH)));
    assert.equal(ours, py);
  });

  it('upgrades to v4.5 and adds missing / repairs duplicate cell ids', () => {
    const nb = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 4,
        metadata: {},
        cells: [
          { cell_type: 'code', metadata: {}, source: '1', outputs: [], execution_count: null },
          { cell_type: 'markdown', id: 'dup', metadata: {}, source: 'a' },
          { cell_type: 'markdown', id: 'dup', metadata: {}, source: 'b' },
        ],
      }),
    );
    assert.equal(nb.nbformat_minor, 5);
    const ids = nb.cells.map((c) => c.id as string);
    assert.match(ids[0], /^[0-9a-f]{8}$/);
    assert.equal(ids[1], 'dup');
    assert.notEqual(ids[2], 'dup');
    assert.equal(new Set(ids).size, 3);
  });

  it('rejects what is not an nbformat 4 notebook', () => {
    assert.throws(() => parseNotebook('{', 'x.ipynb'), /x\.ipynb: not valid JSON/);
    assert.throws(() => parseNotebook('{"nbformat": 3, "worksheets": []}', 'x.ipynb'), /x\.ipynb: nbformat 3, not 4/);
    assert.throws(() => parseNotebook('[1]', 'x.ipynb'), /x\.ipynb: not a notebook \(a JSON array, not an object\)/);
  });

  it('names the file and what is wrong for a malformed notebook', () => {
    const nb = (cells: unknown) => JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
    const code = (source: unknown, id = 'c1') => ({ cell_type: 'code', id, metadata: {}, outputs: [], source });
    const fails = (cells: unknown, re: RegExp) => {
      assert.throws(
        () => parseNotebook(nb(cells), 'nb/x.ipynb'),
        (e: Error) => {
          assert.match(e.message, re);
          assert.doesNotMatch(e.message, /nbformat=4/);
          return true;
        },
      );
    };
    fails('oops', /^nb\/x\.ipynb: "cells" must be a list of cells, not a string$/);
    fails(undefined, /^nb\/x\.ipynb: "cells" is missing$/);
    fails(
      [code('ok', 'c0'), code(null)],
      /^nb\/x\.ipynb: cell 2 \(id c1\): "source" must be a string or a list of strings, not null$/,
    );
    fails([code(['a', 3])], /cell 1 \(id c1\): "source" must be a string or a list of strings, not a list holding a number$/);
    fails([7], /^nb\/x\.ipynb: cell 1: not an object but a number$/);
    fails([{ cell_type: 'heading', source: '' }], /cell 1: "cell_type" must be "code", "markdown" or "raw", not "heading"$/);
    fails([{ ...code('x'), outputs: 'none' }], /cell 1 \(id c1\): "outputs" must be a list, not a string$/);
    // what stays tolerated: a missing source (empty), missing outputs / metadata
    const ok = parseNotebook(nb([{ cell_type: 'code' }, { cell_type: 'markdown', source: ['a', 'b'] }]), 'y.ipynb');
    assert.equal(ok.cells[0].source, '');
    assert.equal(ok.cells[1].source, 'ab');
  });
});

describe('tslab failures as error outputs', () => {
  const stderr = (text: string): Output => ({ output_type: 'stream', name: 'stderr', text });
  const stdout = (text: string): Output => ({ output_type: 'stream', name: 'stdout', text });

  it('parses a thrown Error: name, message, user frames kept, kernel frames dropped', () => {
    const text =
      "evalmachine.<anonymous>:3\nthrow new Error('boom');\n^\n\nError: boom\n    at evalmachine.<anonymous>:3:7\n" +
      '    at sigintHandlersWrap (node:vm:280:12)\n    at Script.runInThisContext (node:vm:135:14)\n' +
      '    at Object.execute (/work/main/node_modules/tslab/dist/executor.js:160:38)\n';
    const err = errorFromReply({ status: 'error' }, [stdout('before\n'), stderr(text)]);
    assert.deepEqual(err, {
      output_type: 'error',
      ename: 'Error',
      evalue: 'boom',
      traceback: [
        'evalmachine.<anonymous>:3',
        "throw new Error('boom');",
        '^',
        '',
        'Error: boom',
        '    at evalmachine.<anonymous>:3:7',
      ],
    });
  });

  it('parses named errors, [CODE] suffixes, multi-line messages and extra properties', () => {
    assert.deepEqual(
      (({ ename, evalue }) => ({ ename, evalue }))(
        parseErrorText(
          'CredentialsProviderError: Profile dynamodb-workshop was not found.\n    at f (x.ts:1:1) {\n  tryNextLink: true\n}\n',
        ),
      ),
      { ename: 'CredentialsProviderError', evalue: 'Profile dynamodb-workshop was not found.' },
    );
    assert.equal(
      parseErrorText('TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string\n    at g (y:1:1)\n').ename,
      'TypeError',
    );
    assert.equal(parseErrorText('Error: line one\nline two\n    at h (z:1:1)\n').evalue, 'line one\nline two');
  });

  it('reports a thrown non-Error value as Error with its inspection', () => {
    const err = errorFromReply({ status: 'error' }, [stderr("{ code: 42, why: 'x' }\n")]);
    assert.equal(err?.ename, 'Error');
    assert.equal(err?.evalue, "{ code: 42, why: 'x' }");
  });

  it('reports TypeScript diagnostics as TSError, one traceback line each', () => {
    const err = errorFromReply({ status: 'error' }, [
      stderr('note: unrelated\n'),
      stderr("1:7 - Type 'string' is not assignable to type 'number'.\n"),
      stderr("2:1 - Cannot find name 'nope'.\n"),
    ]);
    assert.deepEqual(err, {
      output_type: 'error',
      ename: 'TSError',
      evalue: "1:7 - Type 'string' is not assignable to type 'number'. (+1 more)",
      traceback: ["1:7 - Type 'string' is not assignable to type 'number'.", "2:1 - Cannot find name 'nope'."],
    });
  });

  it('adds nothing when the kernel sent its own error output; uses the reply when it names the error', () => {
    assert.equal(
      errorFromReply({ status: 'error' }, [{ output_type: 'error', ename: 'E', evalue: 'v', traceback: [] }]),
      undefined,
    );
    assert.deepEqual(errorFromReply({ status: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['tb'] }, []), {
      output_type: 'error',
      ename: 'ValueError',
      evalue: 'bad',
      traceback: ['tb'],
    });
    assert.equal(errorFromReply({ status: 'error' }, [])?.ename, 'Error');
  });

  it("words a timeout like nbclient's CellTimeoutError", () => {
    const err = timeoutError(3, 'await sleep();');
    assert.equal(err.ename, 'CellTimeoutError');
    assert.equal(err.evalue, 'A cell timed out while it was being executed, after 3 seconds.');
    assert.ok(err.traceback.includes('The message was: Cell execution timed out.'));
    assert.ok(err.traceback.includes('await sleep();'));
  });
});

describe('JUnit XML', () => {
  it('has one testsuite per notebook and one testcase per code cell, escaped', () => {
    const summary: Summary = {
      ok: false,
      seconds: 3,
      serverStartSeconds: 1,
      notebooks: [
        {
          path: '/n/a.ipynb',
          name: 'a.ipynb',
          kernel: 'tslab',
          cells: 4,
          failed: 1,
          allowedErrors: 0,
          seconds: 2,
          kernelStartSeconds: 1,
          ok: false,
          cellResults: [
            { index: 0, id: 'c0', status: 'ok', seconds: 0.1 },
            { index: 1, id: 'c1', status: 'skipped', seconds: 0 },
            {
              index: 2,
              id: 'c2',
              status: 'error',
              seconds: 0.2,
              error: { ename: 'Error', evalue: 'a < b & "c"', traceback: ['\u001b[31mError: a < b\u001b[0m'] },
            },
            { index: 3, id: 'c3', status: 'not-run', seconds: 0 },
          ],
        },
        {
          path: '/n/b.ipynb',
          name: 'b.ipynb',
          kernel: 'nope',
          cells: 1,
          failed: 0,
          allowedErrors: 0,
          seconds: 0.5,
          kernelStartSeconds: 0,
          ok: false,
          error: 'kernel "nope" did not start',
          cellResults: [],
        },
      ],
    };
    const xml = junitXml(summary);
    assert.match(
      xml,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="notebooks" tests="5" failures="1" errors="1"/,
    );
    assert.match(xml, /<testsuite name="a.ipynb" tests="4" failures="1" errors="0" skipped="2"/);
    assert.match(
      xml,
      /<testcase classname="notebooks.a" name="cell 03 \[c2\]" time="0.200">\n {6}<failure message="Error: a &lt; b &amp; &quot;c&quot;" type="Error">Error: a &lt; b<\/failure>/,
    );
    assert.match(xml, /name="cell 04 \[c3\]" time="0.000">\n {6}<skipped message="not run: an earlier cell failed"\/>/);
    assert.match(
      xml,
      /<testsuite name="b.ipynb" tests="1" failures="0" errors="1"[^>]*>\n {4}<testcase classname="notebooks.b" name="notebook"[^>]*>\n {6}<error message="kernel &quot;nope&quot; did not start">/,
    );
    assert.doesNotMatch(xml, /\u001b/);
  });

  it('writes paths under the repository relative to it (file attribute, failure text, notebook errors)', () => {
    const summary: Summary = {
      ok: false,
      seconds: 1,
      serverStartSeconds: 1,
      notebooks: [
        {
          path: join(REPO, 'notebooks/03_x.ipynb'),
          name: '03_x.ipynb',
          kernel: 'tslab',
          cells: 1,
          failed: 1,
          allowedErrors: 0,
          seconds: 1,
          kernelStartSeconds: 1,
          ok: false,
          error: `${join(REPO, 'notebooks/03_x.ipynb')}: cell 2: oops`,
          cellResults: [
            {
              index: 0,
              status: 'error',
              seconds: 0.1,
              error: {
                ename: 'Error',
                evalue: `cannot read ${REPO}/dist/table.js:55`,
                traceback: [`Error: cannot read ${REPO}/dist/table.js:55`, `    at f (file://${REPO}/dist/table.js:55:3)`],
              },
            },
          ],
        },
      ],
    };
    const xml = junitXml(summary);
    assert.match(xml, /file="notebooks\/03_x\.ipynb"/);
    assert.match(xml, /<failure message="Error: cannot read dist\/table\.js:55"/);
    assert.match(xml, / {4}at f \(dist\/table\.js:55:3\)/);
    assert.match(xml, /<error message="notebooks\/03_x\.ipynb: cell 2: oops">/);
    assert.ok(!xml.includes(REPO), xml);
  });

  it('relativePaths: only paths under the root, with or without file://, never a sibling folder', () => {
    const root = '/work/main';
    assert.equal(relativePaths('at /work/main/dist/table.js:55', root), 'at dist/table.js:55');
    assert.equal(relativePaths('(file:///work/main/src/a.ts:1:2)', root), '(src/a.ts:1:2)');
    assert.equal(relativePaths('/work/main2/x and /work/mainframe', root), '/work/main2/x and /work/mainframe');
    assert.equal(relativePaths('cwd is /work/main', root), 'cwd is /work/main');
    assert.equal(relativePaths('/tmp/x', root), '/tmp/x');
  });
});
