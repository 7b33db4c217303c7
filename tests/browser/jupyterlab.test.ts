// A real browser: JupyterLab from the venv on loopback, Debian's Chromium driven by playwright-core, 03_hot_partitions
// run through the UI (Run → Run All Cells) with the tslab kernel, against a DynamoDB Local of this test's own. Asserts
// the charts rendered in the output area (vega-embed with drawn pixels) and that no cell shows an error; saves a
// screenshot at the first chart to build/jupyterlab-03_hot_partitions.png.
//
// Needs /usr/bin/chromium (Debian: apt-get install -y chromium). Skipped with a message when it is absent, except in
// CI (CI=true), where a missing Chromium fails the test.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureLocal, stopLocal } from '../../src/index';
import { freePort } from '../helpers/local';
import { signal } from '../../tools/runner/procs';
import { startLab, type LabServer } from './lab-server';

// CHROMIUM_PATH lets other systems point at their Chromium/Chrome (GitHub's Ubuntu runners ship /usr/bin/google-chrome).
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const NOTEBOOK = '03_hot_partitions.ipynb';
const repo = path.resolve(__dirname, '..', '..');
const notebooksDir = path.join(repo, 'notebooks');
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
const buildDir = path.join(repo, 'build');
const screenshot = path.join(buildDir, 'jupyterlab-03_hot_partitions.png');
const failureShot = path.join(buildDir, 'jupyterlab-03_hot_partitions-failure.png');

/** The notebook takes ~80–120 s (write workloads against the throttling emulator); the whole test stays < 4 min. */
const RUN_TIMEOUT_MS = 170_000;
const TEST_TIMEOUT_MS = 230_000;

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
after(cleanupAll);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

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

test(`JupyterLab in Chromium runs ${NOTEBOOK} with the tslab kernel and renders its charts`, {
  skip,
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  assert.ok(haveChromium, `Chromium is required in CI: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  assert.ok(fs.existsSync(path.join(venv, 'bin', 'jupyter')), `no JupyterLab in the venv ${venv} (run: bash tools/setup.sh)`);
  const nbFile = path.join(notebooksDir, NOTEBOOK);
  const nbHashBefore = sha256(nbFile);
  const codeCells = (JSON.parse(fs.readFileSync(nbFile, 'utf8')) as { cells: { cell_type: string }[] }).cells.filter(
    (c) => c.cell_type === 'code',
  ).length;
  fs.mkdirSync(buildDir, { recursive: true });
  fs.rmSync(failureShot, { force: true });
  const t0 = Date.now();
  const log = (m: string) => console.log(`# [browser ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

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
  const local = await ensureLocal({ port: ddbPort, inMemory: true, stateDir });
  ddbPid = local.pid;
  assert.equal(local.reused, false, 'a fresh DynamoDB Local');
  log(`DynamoDB Local on ${local.endpoint}`);

  // JupyterLab; its kernels inherit this environment
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATTENDEE_ID: 'browser',
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(ddbPort),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.DDB_ENDPOINT;
  delete env.NODE_TEST_CONTEXT; // node --test's marker: not for the kernels' node
  let lab: LabServer | undefined;
  stack.push({ stop: async () => lab?.stop(), killSync: () => lab?.killSync() });
  lab = await startLab({ venv, rootDir: notebooksDir, env });
  const server = lab;
  log(`JupyterLab on ${server.baseUrl} (pid ${server.pid})`);

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
  const external: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    external.push(url);
    return route.abort('blockedbyclient');
  });
  const page: Page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e.stack ?? e)));
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });

  let state: NotebookState | null = null;
  const describe = () =>
    `kernel=${state?.kernel}, prompts=${JSON.stringify(state?.prompts)}, charts=${state?.charts}\n` +
    `page errors: ${pageErrors.slice(0, 5).join('\n') || 'none'}\nconsole errors: ${consoleErrors.slice(0, 10).join('\n') || 'none'}\n` +
    `JupyterLab log:\n${server.logTail(30)}`;
  try {
    await page.goto(`${server.baseUrl}lab/tree/${NOTEBOOK}?token=${server.token}`, {
      waitUntil: 'domcontentloaded',
      timeout: 60_000,
    });
    // JupyterLab adds the cells in idle callbacks: wait for all of them
    await page.waitForFunction(
      `document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-CodeCell').length >= ${codeCells}`,
      undefined,
      { timeout: 60_000 },
    );
    await page
      .locator('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]')
      .waitFor({ state: 'attached', timeout: 60_000 });
    state = (await page.evaluate(NOTEBOOK_STATE)) as NotebookState | null;
    assert.ok(state && state.prompts.length === codeCells, `the notebook opened with its ${codeCells} code cells: ${describe()}`);
    assert.ok(
      state.prompts.every((p) => p === '[ ]:'),
      `a fresh notebook, nothing run yet: ${describe()}`,
    );
    log(`notebook open, ${state.prompts.length} code cells, kernel idle`);

    // Run → Run All Cells, through the menu as an attendee would
    await page.locator('#jp-menu-panel .lm-MenuBar-item', { hasText: /^Run$/ }).click();
    await page
      .locator('.lm-Menu .lm-Menu-item', { has: page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }) })
      .click({ timeout: 10_000 });
    log('Run → Run All Cells');

    const deadline = Date.now() + RUN_TIMEOUT_MS;
    let lastDone = -1;
    while (true) {
      state = (await page.evaluate(NOTEBOOK_STATE)) as NotebookState | null;
      assert.ok(state, 'the notebook panel is still there');
      // an error stops Run All: fail at once, with the error text
      assert.deepEqual(
        state.stderr,
        [],
        `a cell shows stderr/an error:\n${state.stderr.map((e) => `cell #${e.cell}: ${e.text}`).join('\n---\n')}`,
      );
      const done = state.prompts.filter((p) => /^\[\d+\]:$/.test(p)).length;
      if (done !== lastDone) {
        log(`${done}/${state.prompts.length} cells done, kernel ${state.kernel}, ${state.charts} charts`);
        lastDone = done;
      }
      if (done === state.prompts.length && state.kernel === 'idle') break;
      assert.ok(Date.now() < deadline, `the notebook did not finish within ${RUN_TIMEOUT_MS / 1000}s: ${describe()}`);
      await sleep(1000);
    }
    const counts = state.prompts.map((p) => Number(/\d+/.exec(p)?.[0]));
    assert.deepEqual(
      counts,
      counts.map((_, i) => i + 1),
      `cells ran once each, in order: ${state.prompts.join(' ')}`,
    );

    // vega-embed draws asynchronously after the output lands: give the last chart a moment
    await page.waitForFunction(
      `Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output .vega-embed')).every((e) => e.querySelector('canvas, svg'))`,
      undefined,
      { timeout: 15_000 },
    );
    const charts = (await page.evaluate(CHARTS)) as ChartInfo[];
    log(`charts: ${JSON.stringify(charts)}`);
    assert.ok(charts.length >= 3, `03 renders its charts in the output area (found ${charts.length}): ${describe()}`);
    for (const c of charts) {
      assert.ok(c.cell >= 0, `chart inside a code cell's output: ${JSON.stringify(c)}`);
      assert.notEqual(c.mime, 'application/vnd.jupyter.stderr', `chart output is not an error: ${JSON.stringify(c)}`);
      assert.match(c.classes, /jp-OutputArea-output/, `chart in the output area: ${JSON.stringify(c)}`);
      assert.notEqual(c.renderer, 'none', `chart drew on a canvas or an SVG: ${JSON.stringify(c)}`);
      assert.ok(c.width >= 200 && c.height >= 100, `chart has a real size: ${JSON.stringify(c)}`);
      // a blank canvas (spec rendered nothing) has no ink; a drawn chart has axes, labels, bars/lines
      assert.ok(c.inked / c.total > 0.005, `chart drew something: ${JSON.stringify(c)}`);
    }
    const errorOutputs = await page
      .locator('.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .count();
    assert.equal(errorOutputs, 0, 'no output shows stderr or an error trace');
    assert.equal(
      await page
        .locator('.jp-NotebookPanel .jp-OutputArea-output')
        .filter({ hasText: /Javascript Error|Traceback|Error: / })
        .count(),
      0,
      'no output shows an error text',
    );

    // the screenshot: the notebook scrolled to its first chart's cell
    await page.evaluate(
      `document.querySelector('.jp-NotebookPanel .jp-OutputArea-output .vega-embed').closest('.jp-Cell').scrollIntoView({ block: 'start' })`,
    );
    await sleep(500);
    await page.screenshot({ path: screenshot, fullPage: true });
    log(`screenshot: ${path.relative(repo, screenshot)}`);

    assert.deepEqual(external, [], 'the page requested nothing outside 127.0.0.1');
    assert.deepEqual(pageErrors, [], 'no uncaught exception in the page');
  } catch (e) {
    await page.screenshot({ path: failureShot, fullPage: true }).catch(() => undefined);
    console.log(`# failure screenshot: ${path.relative(repo, failureShot)}\n${describe().replace(/^/gm, '# ')}`);
    throw e;
  } finally {
    await cleanupAll();
  }
  assert.equal(sha256(nbFile), nbHashBefore, `${NOTEBOOK} on disk was not modified by the run (autosave is off)`);
  log('done');
});
