// The notebook suite: every notebook of notebooks/ through the headless runner, in a fresh kernel each,
// against a DynamoDB Local of this test's own — twice, as an attendee who re-runs everything would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureLocal, stopLocal } from '../../src/index';
import { freePort } from '../helpers/local';
import { runNotebooks } from '../../tools/runner/index';
import type { Notebook } from '../../tools/runner/index';
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
  await ensureLocal({ port, inMemory: true, stateDir });
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

async function runAll(round: number): Promise<void> {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), `ws-nb-out${round}-`));
  const lines: string[] = [];
  const summary = await runNotebooks({
    paths: [notebooksDir],
    outputDir,
    venv,
    timeout: 300,
    html: round === 1,
    env,
    log: (l: string) => lines.push(l),
  });
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

test('every notebook runs with zero failing cells (first run, fresh engine)', { timeout: 20 * 60_000 }, async () => {
  assert.ok(notebooks.length >= 4, `notebooks found: ${notebooks.join(', ')}`);
  await runAll(1);
});

test('every notebook runs again on the same data with zero failing cells (cells are idempotent)', {
  timeout: 20 * 60_000,
}, async () => {
  await runAll(2);
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

test('charts land as one output with the vega-lite spec and a static SVG', () => {
  const nb = runs[0]['03_hot_partitions.ipynb'];
  assert.ok(nb, '03_hot_partitions ran');
  const charts = outputsOf(nb).filter((o) => o.output_type === 'display_data');
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
