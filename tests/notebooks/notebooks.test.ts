// The notebook suite: every notebook of notebooks/ through the headless runner, in a fresh kernel each,
// against a DynamoDB Local of this test's own — twice, as an attendee who re-runs everything would.
// Both rounds run as the main job does (tools/workshop.sh notebooks): two lanes side by side, 03's throttling in a
// lane of its own with an attendee of its own. Round 1 on the virtual clock (the main job's clock), round 2 on the
// real clock (JupyterLab's: the throttled waits are waited out), so both clocks run every notebook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopLocal } from '../../src/local/engine';
import { ensureTestLocal, freePort } from '../helpers/local';
import { runNotebooks } from '../../tools/runner/index';
import type { Notebook, Output } from '../../tools/runner/index';
import { outputsOf, textOf } from '../helpers/notebook-outputs';
import { buildSlides } from '../../tools/slides';

const repo = path.resolve(__dirname, '..', '..');
const notebooksDir = path.join(repo, 'notebooks');
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
const notebooks = fs
  .readdirSync(notebooksDir)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

let stateDir: string;
let env: NodeJS.ProcessEnv;
const runs: Record<string, Notebook>[] = [];
let htmlDir: string | undefined;

before(async () => {
  const port = await freePort();
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-nb-'));
  await ensureTestLocal({ port, inMemory: true, stateDir });
  env = {
    ...process.env,
    ATTENDEE_ID: 'nbsuite',
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(port),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.DDB_ENDPOINT;
});
after(async () => {
  await stopLocal({ stateDir });
});

const HOT = '03_hot_partitions.ipynb';

async function runAll(round: number, clock: 'real' | 'virtual'): Promise<void> {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), `ws-nb-out${round}-`));
  const lines: string[] = [];
  const started = Date.now();
  const summary = await runNotebooks({
    paths: [notebooksDir],
    outputDir,
    venv,
    timeout: 300,
    html: round === 1,
    env,
    clock,
    jobs: 2,
    apart: notebooks.includes(HOT) ? [{ attendeeId: 'nbsuite-hot', notebooks: [HOT] }] : [],
    log: (l: string) => lines.push(l),
  });
  // a figure for whoever reads the log, not an assertion (timing goals live in bench/)
  console.log(`# round ${round} (${clock} clock, 2 lanes): ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const failed = summary.notebooks.filter((n) => !n.ok);
  assert.equal(
    failed.length,
    0,
    `failing notebooks in round ${round}:\n${lines.filter((l) => /FAILED|Error|error/.test(l)).join('\n')}`,
  );
  const out: Record<string, Notebook> = {};
  for (const name of notebooks) {
    const file = path.join(outputDir, name);
    out[name] = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
    const v = spawnSync(
      path.join(venv, 'bin', 'python'),
      ['-c', 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', file],
      { encoding: 'utf8' },
    );
    assert.equal(v.status, 0, `${name} is not valid nbformat: ${v.stderr}`);
  }
  runs.push(out);
  if (round === 1) htmlDir = outputDir;
}

test('every notebook runs with zero failing cells (first run, fresh engine, virtual clock)', {
  timeout: 20 * 60_000,
}, async () => {
  assert.ok(notebooks.length >= 4, `notebooks found: ${notebooks.join(', ')}`);
  await runAll(1, 'virtual');
});

test('every notebook runs again on the same data with zero failing cells (cells are idempotent; real clock)', {
  timeout: 20 * 60_000,
}, async () => {
  await runAll(2, 'real');
});

test('outputs carry no secrets, no SDK warnings, no stack traces', () => {
  assert.ok(runs.length > 0);
  for (const run of runs) {
    for (const [name, nb] of Object.entries(run)) {
      for (const o of outputsOf(nb)) {
        const text = textOf(o);
        assert.doesNotMatch(text, /(AKIA|ASIA)[A-Z0-9]{16}/, `${name}: an access key id`);
        assert.doesNotMatch(
          text,
          /aws_secret_access_key|SecretAccessKey|SessionToken|x-amz-security-token/i,
          `${name}: a secret`,
        );
        assert.doesNotMatch(
          text,
          /(?<![\d.])(?!000000000000)\d{12}(?![\d.])/,
          `${name}: something that looks like an AWS account id`,
        );
        assert.doesNotMatch(
          text,
          /NodeVersionSupportWarning|DeprecationWarning|ExperimentalWarning/,
          `${name}: a Node/SDK warning`,
        );
        assert.notEqual(o.output_type, 'error', `${name}: an error output`);
        assert.doesNotMatch(text, /^\s+at .+\(.+:\d+:\d+\)$/m, `${name}: a stack trace`);
      }
    }
  }
});

/** What a person reads in an output: stream text, text/plain, text/html without its tags, an SVG's visible text. */
function readable(o: Output): string[] {
  if (o.output_type === 'stream') return [Array.isArray(o.text) ? o.text.join('') : o.text];
  if (o.output_type === 'error') return [o.evalue, ...o.traceback];
  const join = (v: unknown) => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');
  const out = [join(o.data['text/plain'])];
  const html = join(o.data['text/html']);
  if (html) out.push(htmlText(html));
  const svg = join(o.data['image/svg+xml']);
  if (svg) out.push(svgTexts(svg).join('\n'));
  return out;
}

const entities = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, '&');

/** An HTML page or fragment's text: no script, style or tags. */
function htmlText(html: string): string {
  return entities(
    html
      .replace(/<script\b[\s\S]*?<\/script>/gi, '')
      .replace(/<style\b[\s\S]*?<\/style>/gi, '')
      .replace(/<[^>]+>/g, ''),
  );
}

/** The visible <text> elements of an SVG (tspans joined; opacity 0 = a label vega hid for overlap). */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text\b([^>]*)>([\s\S]*?)<\/text>/g)]
    .filter((m) => !/\bopacity="0"/.test(m[1]))
    .map((m) =>
      entities(
        m[2]
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    );
}

/** Each axis of a vega SVG: its visible labels, in order. */
function axisLabels(svg: string): { axis: string; labels: string[] }[] {
  const axes: { axis: string; labels: string[] }[] = [];
  for (const m of svg.matchAll(/<g class="mark-group role-axis"([^>]*)>([\s\S]*?)(?=<g class="mark-group role-axis"|$)/g)) {
    const label = /<g class="mark-text role-axis-label"[^>]*>([\s\S]*?)<\/g>/.exec(m[2]);
    if (!label) continue;
    axes.push({ axis: /aria-label="([^"]*)"/.exec(m[1])?.[1] ?? '?', labels: svgTexts(label[1]) });
  }
  return axes;
}

// A number in scientific notation (2.9e-07, 1e+21), not an id or hex (a3e5, 0x1e5, 12e4f): the digits stand alone.
const SCIENTIFIC = /(?<![\w.#:/-])\d+(?:\.\d+)?e[-+]?\d+(?![\w.])/i;
// A stack frame, with or without the parenthesised location.
const STACK_FRAME = /^ {4}at \S.*:\d+:\d+\)?$/m;

test('what a person reads: no [WARN], no stack frame, no scientific notation (executed notebooks and their HTML)', () => {
  assert.ok(runs.length > 0 && htmlDir, 'the notebooks ran');
  const found: string[] = [];
  for (const [round, run] of runs.entries()) {
    for (const [name, nb] of Object.entries(run)) {
      nb.cells.forEach((cell, index) => {
        if (cell.cell_type !== 'code') return;
        for (const o of cell.outputs) {
          for (const text of readable(o)) {
            const where = `${name} (run ${round + 1}) cell ${index}`;
            if (/\[WARN\]/.test(text)) found.push(`${where}: [WARN] in ${text.slice(0, 300)}`);
            if (STACK_FRAME.test(text)) found.push(`${where}: a stack frame: ${STACK_FRAME.exec(text)?.[0]}`);
            const sci = SCIENTIFIC.exec(text);
            if (sci) {
              const line = text.split('\n').find((l) => SCIENTIFIC.test(l)) ?? '';
              found.push(`${where}: scientific notation ${sci[0]} in: ${line.slice(0, 200)}`);
            }
          }
        }
      });
    }
  }
  for (const name of notebooks) {
    const text = htmlText(fs.readFileSync(path.join(htmlDir, name.replace(/\.ipynb$/, '.html')), 'utf8'));
    if (/\[WARN\]/.test(text)) found.push(`${name} HTML: [WARN]`);
    if (STACK_FRAME.test(text)) found.push(`${name} HTML: a stack frame: ${STACK_FRAME.exec(text)?.[0]}`);
  }
  assert.deepEqual(found, [], `on screen:\n${found.join('\n')}`);
});

test('every chart label is distinct within its axis (the static SVG the HTML and slides show)', () => {
  assert.ok(runs.length > 0);
  let axes = 0;
  const found: string[] = [];
  for (const [name, nb] of Object.entries(runs[0])) {
    for (const o of outputsOf(nb)) {
      if (o.output_type !== 'display_data' || !o.data['image/svg+xml']) continue;
      const svg = String(Array.isArray(o.data['image/svg+xml']) ? o.data['image/svg+xml'].join('') : o.data['image/svg+xml']);
      const title = svgTexts(svg).find((t) => t.length > 0) ?? '?';
      for (const a of axisLabels(svg)) {
        axes++;
        const seen = new Set<string>();
        const dupes = a.labels.filter((l) => seen.size === seen.add(l).size);
        if (dupes.length > 0) found.push(`${name}, chart "${title}", axis ${a.axis}: ${a.labels.join(' | ')}`);
      }
    }
  }
  assert.ok(axes >= 10, `the charts' axes were read (${axes})`);
  assert.deepEqual(found, [], `labels that repeat within an axis:\n${found.join('\n')}`);
});

test('charts land as one output with the vega-lite spec and a static SVG', () => {
  const nb = runs[0]['03_hot_partitions.ipynb'];
  assert.ok(nb, '03_hot_partitions ran');
  // every display that is not a table (ws.showTable: HTML + text) is a chart
  const charts = outputsOf(nb).filter((o) => o.output_type === 'display_data' && !('text/html' in o.data));
  assert.ok(charts.length >= 3, `03 shows its charts (${charts.length})`);
  for (const c of charts) {
    if (c.output_type !== 'display_data') continue;
    assert.equal(typeof c.data['application/vnd.vegalite.v5+json'], 'object');
    assert.match(String(c.data['image/svg+xml']), /<svg/);
  }
});

test('deterministic notebooks print the same thing on both runs', () => {
  assert.equal(runs.length, 2, 'both runs completed');
  const mask = (s: string) => s.replace(/\d+(\.\d+)?\s?(ms|s)\b/g, '<t>');
  for (const name of ['00_setup.ipynb', '01_fundamentals.ipynb', '02_single_table.ipynb']) {
    if (!runs[0][name] || !runs[1][name]) continue;
    const a = outputsOf(runs[0][name]).map(textOf).map(mask);
    const b = outputsOf(runs[1][name]).map(textOf).map(mask);
    // 00's first run creates the table; afterwards it is "already there" — the one line allowed to differ.
    const differing = a.filter((x, i) => x !== b[i] && !/created|already there/.test(x + b[i]));
    assert.deepEqual(differing, [], `${name} differs between runs`);
  }
});

test('the HTML export (for instructors) holds every chart as an image and no traceback', () => {
  assert.ok(htmlDir, 'the first run wrote HTML');
  for (const name of notebooks) {
    const html = fs.readFileSync(path.join(htmlDir, name.replace(/\.ipynb$/, '.html')), 'utf8');
    const charts = outputsOf(runs[0][name]).filter((o) => o.output_type === 'display_data' && o.data['image/svg+xml']);
    const images = html.match(/<img[^>]+src="data:image\/svg\+xml;base64,/g) ?? [];
    assert.ok(images.length >= charts.length, `${name}: ${charts.length} charts, ${images.length} SVG images in the HTML`);
    assert.doesNotMatch(
      html,
      /Traceback \(most recent call last\)|class="[^"]*jp-OutputArea-output[^"]*"[^>]*data-mime-type="application\/vnd\.jupyter\.stderr"/,
      `${name}: an error in the HTML`,
    );
  }
});

test('static slides: a slide per heading, every chart as an image, nothing loaded from the network', async () => {
  assert.ok(htmlDir, 'the first run wrote executed notebooks');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-slides-'));
  const files = await buildSlides(htmlDir, out, venv);
  assert.equal(files.length, notebooks.length);
  for (const file of files) {
    const name = path.basename(file).replace(/\.slides\.html$/, '.ipynb');
    const html = fs.readFileSync(file, 'utf8');
    const source = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), 'utf8')) as Notebook;
    const slides = source.cells.filter(
      (c) => (c.metadata as { slideshow?: { slide_type?: string } }).slideshow?.slide_type === 'slide',
    );
    assert.ok(slides.length >= 3, `${name}: ${slides.length} slides`);
    assert.ok((html.match(/<section/g) ?? []).length >= slides.length, `${name}: a <section> per slide`);
    const charts = outputsOf(runs[0][name]).filter((o) => o.output_type === 'display_data' && o.data['image/svg+xml']);
    const images = html.match(/<img[^>]+src="data:image\/svg\+xml;base64,/g) ?? [];
    assert.ok(images.length >= charts.length, `${name}: ${charts.length} charts, ${images.length} images`);
    const remote = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(remote, [], `${name}: scripts and styles load from the slides' own folder`);
    for (const m of html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"#:]+)"/g)) {
      assert.ok(fs.existsSync(path.join(out, m[1])), `${name}: ${m[1]} is beside the slides`);
    }
  }
});

test('tables reach the room as HTML (with a plain-text copy), never as console.table boxes', () => {
  assert.ok(runs.length > 0);
  for (const [name, nb] of Object.entries(runs[0])) {
    const outputs = outputsOf(nb);
    const boxes = outputs.filter((o) => o.output_type === 'stream' && /[┌└]─|│/.test(textOf(o)));
    assert.equal(boxes.length, 0, `${name}: console.table boxes: ${boxes.map((o) => textOf(o).slice(0, 120)).join(' | ')}`);
    for (const o of outputs) {
      if (o.output_type !== 'display_data' || !('text/html' in o.data)) continue;
      const text = (v: unknown): string => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');
      assert.match(text(o.data['text/html']), /<table|<svg|<img/, `${name}: an HTML output that is neither table nor chart`);
      assert.ok(text(o.data['text/plain']).trim(), `${name}: an HTML output without its plain-text copy`);
    }
  }
});
