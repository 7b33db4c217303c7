// The instructor's live slides (issue 17, part 1): a section notebook opened in JupyterLab (started the attendees' way,
// tools/lab.sh through lab-server.ts), run, saved, then presented with jupyterlab-rise's button in the notebook's
// toolbar (RISE:preview, "Render as Reveal Slideshow": the deck, RISE's /rise/<path> page, in a Lab panel beside the
// notebook, which its own toolbar turns full screen): the deck opens, a code cell is run inside the slideshow
// (Shift+Enter) and its output appears on its slide, and the chart slide shows its chart. A screenshot of the chart
// slide goes to build/rise/ (what the room sees).
//
// Run All only once the notebook's kernel is connected and idle: JupyterLab shows the execution indicator as "idle"
// while the notebook is still loading ("No Kernel | Initializing"), and a Run All clicked then runs nothing (every
// prompt stays "[ ]", no kernel is started).
//
// Needs /usr/bin/chromium (CHROMIUM_PATH); skipped with a message when it is absent, except in CI (CI=true).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { stopLocal } from '../../src/local/engine';
import { ensureTestLocal, freePort } from '../helpers/local';
import { startLab, type LabServer } from './lab-server';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const repo = path.resolve(__dirname, '..', '..');
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
const shotsDir = path.join(repo, 'build', 'rise');
const NOTEBOOK = '01_fundamentals.ipynb';

const inCI = process.env.CI === 'true';
const skip =
  !fs.existsSync(CHROMIUM) && !inCI
    ? `Chromium not found at ${CHROMIUM} (Debian: sudo apt-get install -y chromium); with CI=true this test fails instead`
    : undefined;

const cleanups: (() => Promise<unknown>)[] = [];
let lab: LabServer | undefined;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];
const t0 = Date.now();
const log = (m: string) => console.log(`# [rise ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is required in CI: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  fs.mkdirSync(shotsDir, { recursive: true });
  const ddbPort = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-rise-ddb-'));
  cleanups.push(async () => {
    await stopLocal({ stateDir }).catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  await ensureTestLocal({ port: ddbPort, inMemory: true, stateDir, startTimeoutMs: 120_000 }); // a busy machine: the JVM may take a while
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATTENDEE_ID: 'rise',
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(ddbPort),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.DDB_ENDPOINT;
  delete env.WORKSHOP_ROOM;
  delete env.NODE_TEST_CONTEXT;
  fs.mkdirSync(path.join(repo, 'build'), { recursive: true });
  const workDir = fs.mkdtempSync(path.join(repo, 'build', 'rise-work-'));
  cleanups.push(async () => fs.rmSync(workDir, { recursive: true, force: true }));
  lab = await startLab({ venv, workDir: path.join(workDir, 'my-notebooks'), env });
  cleanups.push(async () => lab?.stop());
  log(`JupyterLab on ${lab.baseUrl}`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-rise-chromium-'));
  cleanups.push(async () => fs.rmSync(profile, { recursive: true, force: true }));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  cleanups.push(async () => context?.close().catch(() => undefined));
  // nothing leaves the machine (RISE's MathJax CDN included: the deck must work offline)
  await context.route('**/*', (route) =>
    /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(route.request().url()) || !/^https?:/.test(route.request().url())
      ? route.continue()
      : route.abort('blockedbyclient'),
  );
  page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (d) => void d.accept().catch(() => undefined));
});
after(async () => {
  while (cleanups.length > 0) await (cleanups.pop() as () => Promise<unknown>)().catch(() => undefined);
});

/** The code cell of the slide on screen (a subslide, not the stack holding it) whose source contains `text`. */
const cellOnSlide = (deck: Frame, text: string) =>
  deck.locator('.reveal .slides section.present:not(.stack) .jp-CodeCell', {
    has: deck.locator('.jp-InputArea', { hasText: text }),
  });

/** A JupyterLab dialog on screen (inside the deck or in Lab: e.g. "File Changed … Cancel / Revert / Overwrite", which
 * covers the slide when two views of the notebook disagree about the file on disk). */
async function dialogs(deck: Frame): Promise<string[]> {
  const texts: string[] = [];
  for (const where of [deck, deck.page().mainFrame()])
    for (const d of await where.locator('.jp-Dialog').all()) texts.push(((await d.textContent()) ?? '').slice(0, 300));
  return texts;
}

/** Runs that cell inside the slideshow as a presenter does: into its editor, Shift+Enter. The deck then moves on to
 * the next cell's slide (RISE), so the cell is followed by a mark, not by "the slide on screen"; its output counts only
 * once its prompt shows a new execution count (the deck opens the saved notebook, Run All's outputs included). */
async function runOnSlide(deck: Frame, text: string, expect: RegExp, timeout: number): Promise<string> {
  const mark = `rise-run-${text.replace(/\W+/g, '-')}`;
  assert.equal(await cellOnSlide(deck, text).count(), 1, `one code cell showing "${text}" on the slide on screen`);
  await cellOnSlide(deck, text).evaluate((el, m) => el.setAttribute('data-test-cell', m), mark);
  const cell = deck.locator(`.jp-CodeCell[data-test-cell="${mark}"]`);
  const prompt = async () => ((await cell.locator('.jp-InputArea-prompt').textContent()) ?? '').trim();
  const before = await prompt();
  // reveal.js scales the slide into the panel: a click can land outside the frame's viewport, so focus the editor
  // (the notebook makes the focused cell the active one), as a click would
  await cell.locator('.cm-content').focus();
  await deck.page().keyboard.press('Shift+Enter');
  const out = cell.locator('.jp-OutputArea-output', { hasText: expect }).first();
  const ranAgain = async () => {
    for (const deadline = Date.now() + timeout; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const now = await prompt();
      if (/^\[\d+\]:$/.test(now) && now !== before && (await out.count()) > 0) return now;
    }
    throw new Error(
      `the cell's prompt stayed ${JSON.stringify(await prompt())} (before the run: ${before}) within ${timeout} ms`,
    );
  };
  const after = await ranAgain().catch(async (e) => {
    await deck.page().screenshot({ path: path.join(shotsDir, 'failure-run-on-slide.png') });
    throw new Error(
      `${(e as Error).message}\nthe cell: ${await cell.textContent()}\ndialogs on screen: ${JSON.stringify(await dialogs(deck))}`,
    );
  });
  log(`ran in the slideshow: ${before} -> ${after}`);
  const stderr = await cell.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count();
  assert.equal(stderr, 0, `no error in the slide's output: ${await cell.textContent()}`);
  // the output is on the cell's own slide: back to it, the output visible there
  await goToSlide(deck, text);
  await cellOnSlide(deck, text).locator('.jp-OutputArea-output', { hasText: expect }).first().waitFor({ state: 'visible' });
  return (await out.textContent()) ?? '';
}

/** Moves the deck to the slide (or subslide) holding `text` (reveal.js follows the URL's #/h/v). RISE opens the deck
 * at the notebook's active cell, so every step goes to its slide first. */
async function goToSlide(deck: Frame, text: string): Promise<void> {
  const where = (await deck.evaluate(`(() => {
    const text = ${JSON.stringify(text)};
    const tops = Array.from(document.querySelectorAll('.reveal .slides > section'));
    for (let h = 0; h < tops.length; h++) {
      if (!(tops[h].textContent || '').includes(text)) continue;
      const subs = Array.from(tops[h].querySelectorAll(':scope > section'));
      const v = subs.findIndex((s) => (s.textContent || '').includes(text));
      return v >= 0 ? [h, v] : [h];
    }
    return null;
  })()`)) as number[] | null;
  assert.ok(where, `a slide showing "${text}"`);
  await deck.evaluate(`location.hash = '#/${where.join('/')}'`);
  await deck.locator('.reveal .slides section.present:not(.stack)', { hasText: text }).waitFor({ timeout: 20_000 });
}

test(`RISE: ${NOTEBOOK} as a live slideshow: a code cell runs in its slide, the chart slide shows its chart`, {
  skip,
  // The chart has a subslide of its own (notebook slide metadata): a reveal slide does not scroll, and below a table
  // it would sit under the bottom of the panel, where the room cannot see it.
  timeout: 8 * 60_000,
}, async () => {
  const server = lab as LabServer;
  // 1. the notebook in JupyterLab, run and saved (the chart slide shows what the notebook holds)
  await page.goto(`${server.baseUrl}lab/tree/${NOTEBOOK}?reset&token=${server.token}`, { timeout: 60_000 });
  const panel = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const codeCellCount = (
    JSON.parse(fs.readFileSync(path.join(repo, 'notebooks', NOTEBOOK), 'utf8')) as { cells: { cell_type: string }[] }
  ).cells.filter((c) => c.cell_type === 'code').length;
  // JupyterLab adds the cells in idle callbacks, and starts the kernel once the notebook's context is ready
  await page.waitForFunction(
    `document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell').length >= ${codeCellCount}`,
    undefined,
    { timeout: 90_000 },
  );
  const kernelReady = async () => {
    const res = await fetch(`${server.baseUrl}api/sessions`, { headers: { Authorization: `token ${server.token}` } });
    const sessions = (await res.json()) as { path: string; kernel?: { name: string; execution_state: string } }[];
    return sessions.find((x) => x.path === NOTEBOOK)?.kernel;
  };
  let kernel: Awaited<ReturnType<typeof kernelReady>>;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    kernel = await kernelReady();
    if (kernel?.execution_state === 'idle') break;
  }
  assert.equal(kernel?.name, 'tslab', `JupyterLab started the notebook's tslab kernel by itself: ${JSON.stringify(kernel)}`);
  assert.equal(kernel?.execution_state, 'idle', `the tslab kernel is ready within 2 minutes\n${server.logTail(20)}`);
  await page.locator('.jp-StatusBar-Widget', { hasText: /Idle/ }).first().waitFor({ timeout: 30_000 });
  log('kernel idle: Run All');
  await page.locator('#jp-menu-panel .lm-MenuBar-item', { hasText: /^Run$/ }).click();
  await page
    .locator('.lm-Menu .lm-Menu-item', { has: page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }) })
    .click({ timeout: 10_000 });
  const codeCells = panel.locator('.jp-Notebook .jp-CodeCell');
  // every prompt numbered (done), or an error on screen (Run All stops there): whichever comes first
  const STATE = `(() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const prompts = Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')).map((e) => e.textContent.trim());
    const errors = Array.from(panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).map((e) => e.textContent.slice(0, 2000));
    return { prompts, errors, done: prompts.length > 0 && prompts.every((t) => /^\\[\\d+\\]:$/.test(t)) };
  })()`;
  type RunState = { prompts: string[]; errors: string[]; done: boolean };
  let ran: RunState | undefined;
  for (const deadline = Date.now() + 360_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 1000))) {
    ran = (await page.evaluate(STATE)) as RunState;
    if (ran.done || ran.errors.length > 0) break;
  }
  assert.deepEqual(ran?.errors, [], `Run All shows no error: ${JSON.stringify(ran)}`);
  assert.ok(ran?.done, `Run All finished within 6 minutes: ${JSON.stringify(ran)}\n${server.logTail(20)}`);
  log(`${NOTEBOOK}: Run All done (${await codeCells.count()} code cells)`);
  await page.keyboard.press('Control+s');
  await page.waitForFunction(`!document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-mod-dirty')`, undefined, {
    timeout: 30_000,
  });

  // 2. RISE's button in the notebook's toolbar (command RISE:preview) opens the deck in a panel beside the notebook
  const button = panel.locator('.jp-Toolbar [data-command="RISE:preview"]');
  await button.waitFor({ timeout: 30_000 });
  const iframe = page.locator('.lm-Widget iframe[src*="/rise/"]').first();
  // the command is enabled only while the notebook is the shell's current widget: make it so, and press again if the
  // first press came before JupyterLab had settled
  for (let attempt = 1; ; attempt++) {
    await panel
      .locator('.jp-Notebook')
      .first()
      .click({ position: { x: 5, y: 5 } });
    await button.click();
    const opened = await iframe.waitFor({ timeout: 30_000 }).then(
      () => true,
      () => false,
    );
    if (opened) break;
    assert.ok(attempt < 3, `RISE's toolbar button opened no slideshow panel after ${attempt} presses`);
    log(`no slideshow panel after press ${attempt}: pressing again`);
  }
  const src = (await iframe.getAttribute('src')) ?? '';
  assert.match(src, new RegExp(`/rise/${NOTEBOOK.replace('.', '\\.')}`), 'the deck is RISE’s /rise/<path> page');
  const deck = await (await iframe.elementHandle())?.contentFrame();
  assert.ok(deck, 'the deck’s frame');
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await deck.locator('.reveal .slides > section.present').waitFor({ timeout: 90_000 });
  const slides = await deck.locator('.reveal .slides > section').count();
  assert.ok(slides >= 4, `the notebook's slide metadata makes a deck (${slides} slides)`);
  log(`deck open: ${slides} slides`);
  await page.screenshot({ path: path.join(shotsDir, `${NOTEBOOK.replace(/\.ipynb$/, '')}-deck-open.png`) });

  // 3. the first slide's setup cell, then the key builders' cell on its own slide, run inside the slideshow
  await goToSlide(deck, 'ws.createClients');
  await runOnSlide(deck, 'ws.createClients', /using \S*rise\S* on /, 120_000);
  await goToSlide(deck, 'An item collection');
  const keys = await runOnSlide(deck, 'ws.userPk', /USER#u123 PROFILE#u123 ORDER#20250927#o1/, 60_000);
  log(`its output on its slide: ${keys.trim()}`);
  await page.screenshot({ path: path.join(shotsDir, `${NOTEBOOK.replace(/\.ipynb$/, '')}-run-on-slide.png`) });

  // 4. the chart slide: the chart is drawn (vega-lite in the deck, or the static SVG beside it)
  await goToSlide(deck, 'The same two bills as a chart');
  const chart = deck
    .locator(
      '.reveal .slides section.present .jp-OutputArea-output svg, .reveal .slides section.present .jp-OutputArea-output canvas',
    )
    .first();
  await chart.waitFor({ state: 'visible', timeout: 30_000 });
  // the slide is taller than the panel (a table above the chart): scroll the deck to the chart, as the presenter does
  await chart.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await page.waitForTimeout(500);
  const box = await chart.boundingBox();
  assert.ok(box && box.width >= 200 && box.height >= 100, `the chart has a real size on the slide: ${JSON.stringify(box)}`);
  // and it is on screen: inside the deck's panel, so the screenshot shows it
  const frameBox = await iframe.boundingBox();
  assert.ok(
    frameBox &&
      box.x >= frameBox.x - 1 &&
      box.y >= frameBox.y - 1 &&
      box.y + box.height / 2 <= frameBox.y + frameBox.height &&
      box.x + box.width / 2 <= frameBox.x + frameBox.width,
    `the chart is in the deck's panel on screen: chart ${JSON.stringify(box)}, panel ${JSON.stringify(frameBox)}`,
  );
  log(`chart on screen: ${await chart.evaluate((el) => el.tagName)} ${Math.round(box.width)}x${Math.round(box.height)}`);
  const shot = path.join(shotsDir, `${NOTEBOOK.replace(/\.ipynb$/, '')}-chart-slide.png`);
  await page.screenshot({ path: shot });
  log(`screenshot: ${path.relative(repo, shot)}`);
  assert.deepEqual(pageErrors, [], 'the page raised no error');
  // the two views of the notebook (Lab's, saved, and the deck's) never disagreed about the file: no "File Changed"
  // dialog, and Lab's view stays as saved, without the stderr box tslab once sent there when the deck connected
  // ("unknown msg_type: history_request": tools/jupyter_app.py answers that request)
  assert.deepEqual(await dialogs(deck), [], 'no dialog on screen');
  const labAfter = (await page.evaluate(STATE)) as RunState;
  assert.deepEqual(labAfter.errors, [], `the notebook in Lab shows no error after the slideshow: ${JSON.stringify(labAfter)}`);
  assert.equal(await panel.locator('.jp-mod-dirty').count(), 0, 'the notebook in Lab is unchanged since its save');
});
