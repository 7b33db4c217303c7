// An attendee's run in a real browser: JupyterLab started the attendees' way (tools/lab.sh, through lab-server.ts: the
// working copy, the tslab kernel only, loopback, a token), Debian's Chromium driven by playwright-core, against a
// DynamoDB Local of this test's own. Every section notebook, in order, through the UI (Run → Run All Cells): no cell
// shows an error, a stack frame or an SDK [WARN], every chart is drawn in the output area; then notebook 01's
// checkpoint answered in the browser — malformed, wrong, right — with the ✗/✓ feedback on screen and no trace.
// Screenshots of what the room sees go to build/screenshots/. The committed notebooks stay as they are (Lab saves
// into its working copy only).
//
// Needs /usr/bin/chromium (Debian: apt-get install -y chromium). Skipped with a message when it is absent, except in
// CI (CI=true), where a missing Chromium fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { stopLocal } from '../../src/local/engine';
import { ensureTestLocal, freePort } from '../helpers/local';
import { signal } from '../../tools/runner/procs';
import { startLab, type LabServer } from './lab-server';

// CHROMIUM_PATH lets other systems point at their Chromium/Chrome (GitHub's Ubuntu runners ship /usr/bin/google-chrome).
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const repo = path.resolve(__dirname, '..', '..');
const notebooksDir = path.join(repo, 'notebooks');
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
const shotsDir = path.join(repo, 'build', 'screenshots');

/**
 * Every section notebook, in the room's order, each with Run All. Measured on a busy 2-core machine the whole file
 * takes about 8 minutes: 03 (its workloads write for 5–30 s by design) about 2, the others well under 1 each. A
 * notebook gets a budget of its own; the file must stay under ~12 minutes.
 */
const NOTEBOOKS: { name: string; budgetMs: number; charts: number }[] = [
  { name: '00_setup.ipynb', budgetMs: 120_000, charts: 0 },
  { name: '01_fundamentals.ipynb', budgetMs: 150_000, charts: 1 },
  { name: '02_single_table.ipynb', budgetMs: 150_000, charts: 0 },
  { name: '03_hot_partitions.ipynb', budgetMs: 300_000, charts: 4 },
  { name: '04_multitenancy.ipynb', budgetMs: 200_000, charts: 0 },
  { name: '05_observability.ipynb', budgetMs: 200_000, charts: 5 },
  { name: '06_cleanup.ipynb', budgetMs: 150_000, charts: 1 },
];

const inCI = process.env.CI === 'true';
const haveChromium = fs.existsSync(CHROMIUM);
const skip =
  !haveChromium && !inCI
    ? `Chromium not found at ${CHROMIUM} (Debian: sudo apt-get install -y chromium); with CI=true this test fails instead`
    : undefined;

// ---- cleanup on every path: test end (after), failure, timeout, SIGINT/SIGTERM, process exit ----
interface Stoppable {
  stop(): Promise<void>;
  killSync(): void;
}
const stack: Stoppable[] = [];
async function cleanupAll(): Promise<void> {
  while (stack.length > 0) await (stack.pop() as Stoppable).stop().catch(() => undefined);
}
function killAllSync(): void {
  for (const s of stack.splice(0).reverse()) {
    try {
      s.killSync();
    } catch {
      // nothing more can be done synchronously
    }
  }
}
process.once('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAllSync();
    process.kill(process.pid, sig); // the default action, now that the listener is gone
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const t0 = Date.now();
const log = (m: string) => console.log(`# [browser ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

// Page-side code as strings: functions compiled by tsx could reference its helpers (__name), absent in the page.
const NOTEBOOK_STATE = `(() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-CodeCell'));
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const stderr = Array.from(panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'));
  return {
    prompts: cells.map((c) => ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim()),
    kernel: indicator ? indicator.getAttribute('data-status') : null,
    stderr: stderr.map((e) => {
      const cell = e.closest('.jp-CodeCell');
      return { cell: cells.indexOf(cell), text: (e.textContent || '').slice(0, 3000) };
    }),
    charts: panel.querySelectorAll('.jp-OutputArea-output .vega-embed').length,
  };
})()`;

interface NotebookState {
  prompts: string[];
  kernel: string | null;
  stderr: { cell: number; text: string }[];
  charts: number;
}

/** Each output's text as the page renders it, with its code cell's index. */
const OUTPUT_TEXTS = `(() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-CodeCell'));
  return Array.from(panel.querySelectorAll('.jp-OutputArea-output')).map((o) => ({
    cell: cells.indexOf(o.closest('.jp-CodeCell')),
    text: o.innerText || o.textContent || '',
  }));
})()`;

/** Each rendered chart: where it is, what it drew on, and how many of its pixels are not background. */
const CHARTS = `(() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-CodeCell'));
  return Array.from(panel.querySelectorAll('.jp-OutputArea-output .vega-embed')).map((embed) => {
    const output = embed.closest('.jp-OutputArea-output');
    const canvas = embed.querySelector('canvas');
    const svg = embed.querySelector('svg.marks') || embed.querySelector('svg');
    const target = canvas || svg;
    const box = target ? target.getBoundingClientRect() : { width: 0, height: 0 };
    let inked = 0;
    let total = 0;
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      total = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const a = data[i + 3], r = data[i], g = data[i + 1], b = data[i + 2];
        if (a > 0 && (r < 235 || g < 235 || b < 235)) inked++;
      }
    } else if (svg) {
      total = 1;
      inked = svg.querySelectorAll('path, rect, line, text').length;
    }
    return {
      cell: cells.indexOf(embed.closest('.jp-CodeCell')),
      classes: output ? output.className : '',
      mime: output ? output.getAttribute('data-mime-type') : null,
      renderer: canvas ? 'canvas' : svg ? 'svg' : 'none',
      width: Math.round(box.width),
      height: Math.round(box.height),
      inked,
      total,
    };
  });
})()`;

interface ChartInfo {
  cell: number;
  classes: string;
  mime: string | null;
  renderer: 'canvas' | 'svg' | 'none';
  width: number;
  height: number;
  inked: number;
  total: number;
}

const isLoopback = (url: string): boolean => {
  if (/^(data|blob|about):/.test(url)) return true;
  try {
    const h = new URL(url).hostname;
    return h === '127.0.0.1' || h === 'localhost' || h === '[::1]';
  } catch {
    return false;
  }
};

const committed = () =>
  Object.fromEntries(
    fs
      .readdirSync(notebooksDir)
      .filter((f) => f.endsWith('.ipynb'))
      .map((f) => [f, fs.readFileSync(path.join(notebooksDir, f), 'utf8')]),
  );

// ---- one DynamoDB Local, one JupyterLab, one Chromium for the whole attendee's run ----
let lab: LabServer | undefined;
let page: Page;
let workDir = '';
let committedBefore: Record<string, string> = {};
const external: string[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];

before(async () => {
  if (skip) return;
  assert.ok(haveChromium, `Chromium is required in CI: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  assert.ok(fs.existsSync(path.join(venv, 'bin', 'jupyter')), `no JupyterLab in the venv ${venv} (run: bash tools/setup.sh)`);
  fs.rmSync(shotsDir, { recursive: true, force: true });
  fs.mkdirSync(shotsDir, { recursive: true });
  committedBefore = committed();

  // DynamoDB Local of this test's own
  const ddbPort = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-browser-ddb-'));
  let ddbPid: number | undefined;
  stack.push({
    stop: async () => {
      await stopLocal({ stateDir }).catch(() => undefined);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
    killSync: () => {
      if (ddbPid) signal(ddbPid, 'SIGKILL');
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  });
  const local = await ensureTestLocal({ port: ddbPort, inMemory: true, stateDir });
  ddbPid = local.pid;
  assert.equal(local.reused, false, 'a fresh DynamoDB Local');
  log(`DynamoDB Local on ${local.endpoint}`);

  // JupyterLab through tools/lab.sh; its kernels inherit this environment
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATTENDEE_ID: 'browser',
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(ddbPort),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.DDB_ENDPOINT;
  delete env.WORKSHOP_ROOM;
  delete env.NODE_TEST_CONTEXT; // node --test's marker: not for the kernels' node
  // inside the checkout (build/, git-ignored), where an attendee's my-notebooks/ is: cells find node_modules above it
  fs.mkdirSync(path.join(repo, 'build'), { recursive: true });
  workDir = fs.mkdtempSync(path.join(repo, 'build', 'browser-work-'));
  stack.push({
    stop: async () => fs.rmSync(workDir, { recursive: true, force: true }),
    killSync: () => fs.rmSync(workDir, { recursive: true, force: true }),
  });
  stack.push({ stop: async () => lab?.stop(), killSync: () => lab?.killSync() });
  lab = await startLab({ venv, workDir: path.join(workDir, 'my-notebooks'), env });
  log(`JupyterLab on ${lab.baseUrl} (pid ${lab.pid}), serving its working copy`);

  // Chromium: headless, fresh profile, no background traffic
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-chromium-'));
  let context: BrowserContext | undefined;
  stack.push({
    stop: async () => {
      await context?.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
    killSync: () => fs.rmSync(profile, { recursive: true, force: true }),
  });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
    ],
    viewport: { width: 1440, height: 1200 },
    timeout: 60_000,
  });
  log(`Chromium ${context.browser()?.version() ?? ''} started`);
  // Nothing leaves the machine: any request not to loopback is refused and reported.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    external.push(url);
    return route.abort('blockedbyclient');
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e.stack ?? e)));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('dialog', (d) => void d.accept().catch(() => undefined));
});
after(cleanupAll);

async function state(): Promise<NotebookState | null> {
  return (await page.evaluate(NOTEBOOK_STATE)) as NotebookState | null;
}

function describe(s: NotebookState | null): string {
  return (
    `kernel=${s?.kernel}, prompts=${JSON.stringify(s?.prompts)}, charts=${s?.charts}\n` +
    `page errors: ${pageErrors.slice(0, 5).join('\n') || 'none'}\nconsole errors: ${consoleErrors.slice(-10).join('\n') || 'none'}\n` +
    `JupyterLab log:\n${lab?.logTail(30)}`
  );
}

/** Closes the open notebook's kernel (leave the page first, so Lab does not start another for the open panel). */
async function shutDownKernels(): Promise<void> {
  if (!lab) return;
  await page.goto('about:blank');
  const headers = { Authorization: `token ${lab.token}` };
  const sessions = (await (await fetch(`${lab.baseUrl}api/sessions`, { headers })).json()) as { id: string }[];
  for (const s of sessions) await fetch(`${lab.baseUrl}api/sessions/${s.id}`, { method: 'DELETE', headers });
}

/** Opens a notebook of the working copy in a fresh Lab page (no restored tabs) and waits for an idle kernel. */
async function open(name: string, codeCells: number): Promise<NotebookState> {
  const server = lab as LabServer;
  await page.goto(`${server.baseUrl}lab/tree/${name}?reset&token=${server.token}`, {
    waitUntil: 'domcontentloaded',
    timeout: 60_000,
  });
  // JupyterLab adds the cells in idle callbacks: wait for all of them
  await page.waitForFunction(
    `document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell').length >= ${codeCells}`,
    undefined,
    { timeout: 60_000 },
  );
  await page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]')
    .waitFor({ state: 'attached', timeout: 90_000 });
  const s = await state();
  assert.ok(s && s.prompts.length === codeCells, `${name} opened with its ${codeCells} code cells: ${describe(s)}`);
  return s;
}

/** Waits until every code cell has run (a number in its prompt) and the kernel is idle; fails at the first error. */
async function waitForRun(name: string, budgetMs: number): Promise<NotebookState> {
  const deadline = Date.now() + budgetMs;
  let lastDone = -1;
  for (;;) {
    const s = await state();
    assert.ok(s, 'the notebook panel is still there');
    // an error stops Run All: fail at once, with the error text
    assert.deepEqual(
      s.stderr,
      [],
      `${name}: a cell shows stderr/an error:\n${s.stderr.map((e) => `cell #${e.cell}: ${e.text}`).join('\n---\n')}`,
    );
    const done = s.prompts.filter((p) => /^\[\d+\]:$/.test(p)).length;
    if (done !== lastDone) {
      log(`${name}: ${done}/${s.prompts.length} cells done, kernel ${s.kernel}, ${s.charts} charts`);
      lastDone = done;
    }
    if (done === s.prompts.length && s.kernel === 'idle') return s;
    assert.ok(Date.now() < deadline, `${name} did not finish within ${budgetMs / 1000}s: ${describe(s)}`);
    await sleep(1000);
  }
}

/** What a person reads must hold no error of any kind. */
async function assertCleanOutputs(name: string): Promise<void> {
  const outputs = (await page.evaluate(OUTPUT_TEXTS)) as { cell: number; text: string }[];
  for (const o of outputs) {
    const where = `${name}, code cell #${o.cell}: ${o.text.slice(0, 400)}`;
    assert.doesNotMatch(o.text, /^ {4}at /m, `a stack frame on screen: ${where}`);
    assert.doesNotMatch(o.text, /\[WARN\]/, `an SDK warning on screen: ${where}`);
    assert.doesNotMatch(o.text, /Javascript Error|Traceback|\bat ZmqServer\b/, `an error text on screen: ${where}`);
  }
  assert.equal(
    await page
      .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .count(),
    0,
    `${name}: no output shows stderr or an error trace`,
  );
}

async function shot(file: string, scrollTo?: string): Promise<void> {
  if (scrollTo) await page.evaluate(scrollTo);
  await sleep(600);
  await page.screenshot({ path: path.join(shotsDir, file) });
  log(`screenshot: ${path.relative(repo, path.join(shotsDir, file))}`);
}

async function failureShot(label: string): Promise<void> {
  const file = path.join(shotsDir, `failure-${label}.png`);
  await page?.screenshot({ path: file }).catch(() => undefined);
  console.log(
    `# failure screenshot: ${path.relative(repo, file)}\n${describe(await state().catch(() => null)).replace(/^/gm, '# ')}`,
  );
}

const codeCellsOf = (name: string) =>
  (JSON.parse(fs.readFileSync(path.join(notebooksDir, name), 'utf8')) as { cells: { cell_type: string }[] }).cells.filter(
    (c) => c.cell_type === 'code',
  ).length;

async function runAll(name: string, budgetMs: number, minCharts: number): Promise<void> {
  const codeCells = codeCellsOf(name);
  const opened = await open(name, codeCells);
  assert.ok(
    opened.prompts.every((p) => p === '[ ]:'),
    `a fresh notebook, nothing run yet: ${describe(opened)}`,
  );
  // Run → Run All Cells, through the menu as an attendee would
  await page.locator('#jp-menu-panel .lm-MenuBar-item', { hasText: /^Run$/ }).click();
  await page
    .locator('.lm-Menu .lm-Menu-item', { has: page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }) })
    .click({ timeout: 10_000 });
  const started = Date.now();
  const s = await waitForRun(name, budgetMs);
  log(`${name}: Run All finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const counts = s.prompts.map((p) => Number(/\d+/.exec(p)?.[0]));
  assert.deepEqual(
    counts,
    counts.map((_, i) => i + 1),
    `${name}: cells ran once each, in order: ${s.prompts.join(' ')}`,
  );

  if (s.charts > 0) {
    // vega-embed draws asynchronously after the output lands: give the last chart a moment
    await page.waitForFunction(
      `Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .vega-embed')).every((e) => e.querySelector('canvas, svg'))`,
      undefined,
      { timeout: 15_000 },
    );
  }
  const charts = (await page.evaluate(CHARTS)) as ChartInfo[];
  assert.ok(charts.length >= minCharts, `${name} renders its charts in the output area (found ${charts.length})`);
  for (const c of charts) {
    assert.ok(c.cell >= 0, `chart inside a code cell's output: ${JSON.stringify(c)}`);
    assert.notEqual(c.mime, 'application/vnd.jupyter.stderr', `chart output is not an error: ${JSON.stringify(c)}`);
    assert.match(c.classes, /jp-OutputArea-output/, `chart in the output area: ${JSON.stringify(c)}`);
    assert.notEqual(c.renderer, 'none', `chart drew on a canvas or an SVG: ${JSON.stringify(c)}`);
    assert.ok(c.width >= 200 && c.height >= 100, `chart has a real size: ${JSON.stringify(c)}`);
    // a blank canvas (spec rendered nothing) has no ink; a drawn chart has axes, labels, bars/lines
    assert.ok(c.inked / c.total > 0.005, `chart drew something: ${JSON.stringify(c)}`);
  }
  await assertCleanOutputs(name);

  // what the room sees: the first chart if there is one, else the last output
  const stem = name.replace(/\.ipynb$/, '');
  await shot(
    `${stem}.png`,
    charts.length > 0
      ? `document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .vega-embed').closest('.jp-Cell').scrollIntoView({ block: 'start' })`
      : `(() => { const c = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell'); c[c.length - 1].scrollIntoView({ block: 'end' }); })()`,
  );
  if (charts.length > 1) {
    await shot(
      `${stem}-last-chart.png`,
      `(() => { const e = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .vega-embed'); e[e.length - 1].closest('.jp-Cell').scrollIntoView({ block: 'start' }); })()`,
    );
  }
}

/** File → Save: Lab writes the executed notebook into its working copy. */
async function save(name: string): Promise<void> {
  await page.keyboard.press('Control+s');
  const file = path.join(workDir, 'my-notebooks', name);
  const hasOutputs = () =>
    (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { outputs?: unknown[] }[] }).cells.some(
      (c) => (c.outputs ?? []).length > 0,
    );
  for (let i = 0; i < 40 && !hasOutputs(); i++) await sleep(500);
  assert.ok(hasOutputs(), `${name}: Lab saved the outputs into its working copy ${file}`);
}

for (const nb of NOTEBOOKS) {
  test(`Run All in JupyterLab: ${nb.name} runs with the tslab kernel, nothing on screen an instructor must explain`, {
    skip,
    timeout: nb.budgetMs + 120_000,
  }, async () => {
    try {
      await runAll(nb.name, nb.budgetMs, nb.charts);
      if (nb.name.startsWith('01_')) {
        await answerCheckpoint01();
      }
      await save(nb.name);
    } catch (e) {
      await failureShot(nb.name.replace(/\.ipynb$/, ''));
      throw e;
    } finally {
      await shutDownKernels();
    }
  });
}

// ---- notebook 01's checkpoint, answered in the browser ----
const EXERCISE = 'const myOrdersNewestFirst';
const answer = (body: string) =>
  "import { QueryCommandInput } from '@aws-sdk/lib-dynamodb';\n" +
  'const myOrdersNewestFirst: ((tableName: string, userId: string) => QueryCommandInput) | undefined = (tableName, userId) => ({\n' +
  `${body}\n});\n`;
const ANSWERS = [
  {
    label: 'malformed',
    // an unclosed parenthesis: DynamoDB refuses the KeyConditionExpression (a ValidationException)
    code: answer(
      "  TableName: tableName,\n  KeyConditionExpression: 'PK = :pk AND begins_with(SK, :o',\n" +
        "  ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':o': 'ORDER#' },\n  ScanIndexForward: false,",
    ),
    expect: /✗ 1 · orders only, newest first/,
  },
  {
    label: 'wrong',
    // valid, but the whole item collection (the profile too), oldest first
    code: answer(
      "  TableName: tableName,\n  KeyConditionExpression: 'PK = :pk',\n  ExpressionAttributeValues: { ':pk': `USER#${userId}` },",
    ),
    expect: /✗ 1 · orders only, newest first: not yet[\s\S]*hint:/,
  },
  {
    label: 'right',
    code: answer(
      "  TableName: tableName,\n  KeyConditionExpression: 'PK = :pk AND begins_with(SK, :o)',\n" +
        "  ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':o': 'ORDER#' },\n  ScanIndexForward: false,",
    ),
    expect: /✓ 1 · orders only, newest first: passed/,
  },
];

async function answerCheckpoint01(): Promise<void> {
  const name = '01_fundamentals.ipynb';
  const cells = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell');
  const count = await cells.count();
  let exercise = -1;
  for (let i = 0; i < count; i++) {
    if (((await cells.nth(i).locator('.jp-InputArea-editor').textContent()) ?? '').includes(EXERCISE)) exercise = i;
  }
  assert.ok(exercise >= 0 && exercise + 1 < count, `01 has its exercise cell and a check cell after it`);
  const check = cells.nth(exercise + 1);
  const before = (await page.evaluate(OUTPUT_TEXTS)) as { cell: number; text: string }[];
  assert.match(
    before
      .filter((o) => o.cell === exercise + 1)
      .map((o) => o.text)
      .join('\n'),
    /○ 1 · orders only, newest first: not attempted yet/,
    'before any answer the check says not attempted',
  );

  for (const a of ANSWERS) {
    // type the answer into the exercise cell, as an attendee would: click, select all, write
    const editor = cells.nth(exercise).locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(a.code);
    const promptBefore = await check.locator('.jp-InputArea-prompt').textContent();
    // Shift+Enter runs the exercise cell and moves to the check cell; Shift+Enter again runs the check
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.press('Shift+Enter');
    await page.waitForFunction(
      `(() => {
        const cells = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell');
        const p = (cells[${exercise + 1}].querySelector('.jp-InputArea-prompt') || {}).textContent || '';
        const k = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
        return /^\\[\\d+\\]:$/.test(p.trim()) && p !== ${JSON.stringify(promptBefore)} && k && k.getAttribute('data-status') === 'idle';
      })()`,
      undefined,
      { timeout: 60_000 },
    );
    const outputs = (await page.evaluate(OUTPUT_TEXTS)) as { cell: number; text: string }[];
    const feedback = outputs
      .filter((o) => o.cell === exercise + 1)
      .map((o) => o.text)
      .join('\n');
    log(`01 checkpoint, ${a.label} answer:\n${feedback.replace(/^/gm, '#   ')}`);
    assert.match(feedback, a.expect, `the ${a.label} answer's feedback`);
    if (a.label !== 'right') {
      assert.match(feedback, /hint:/, `the ${a.label} answer gets the hint`);
    }
    // short: a few lines, the hint once, no trace — here and anywhere on the page
    assert.ok(feedback.split('\n').length <= 12, `the ${a.label} feedback is a short block: ${feedback}`);
    assert.doesNotMatch(feedback, /\$metadata|ValidationException:.*\n.*\n.*\n/, `no SDK dump for the ${a.label} answer`);
    await assertCleanOutputs(`${name} (${a.label} answer)`);
    await shot(
      `01_checkpoint-${a.label}.png`,
      `document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')[${exercise}].scrollIntoView({ block: 'start' })`,
    );
  }
}

test('the attendee run left the committed notebooks as they are and the page never left 127.0.0.1', { skip }, () => {
  assert.deepEqual(
    Object.keys(committed()).filter((n) => committed()[n] !== committedBefore[n]),
    [],
    'notebooks/ on disk was not modified: Lab (autosave on) saved into its working copy',
  );
  assert.deepEqual(external, [], 'the page requested nothing outside 127.0.0.1');
  assert.deepEqual(pageErrors, [], 'no uncaught exception in the page');
  log('done');
});
