/**
 * Runner vs nbconvert: the same notebooks, the same tslab kernel, the same DynamoDB Local, alternating
 * (each round rotates the order, so no tool always runs first or last), and where the time goes in each.
 *
 *   npx tsx bench/runner-vs-nbconvert.ts [--rounds 3] [--notebooks 00,01,02] [--tools runner,nbconvert,nbconvert-each,runner-no-prestart]
 *                                        [--no-probe]
 *
 * The whole suite as the main job runs it (two lanes side by side, 03 apart, virtual clock) against nbconvert:
 *
 *   npx tsx bench/runner-vs-nbconvert.ts --notebooks all --tools main-job,nbconvert,main-job-real --rounds 3 --no-probe
 */
import './lib/env';
import { parseList, parseNumber, REPO, runStandalone, venvDir } from './lib/cli';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchEngine } from './lib/engine';
import { LoadMonitor } from './lib/machine';
import {
  compileProbe,
  distProblem,
  isParallel,
  isRunner,
  runSuite,
  TOOL_LABEL,
  type CompileProbe,
  type SuiteRun,
  type Tool,
} from './lib/notebooks';
import { peaksOf } from './lib/procs';
import { consoleLog, printSection, table, verdict, type Log, type Section } from './lib/report';
import { median, mib, ms, percentile, s, x } from './lib/stats';

export { REPO };
/** executed notebooks of the timed runs (removed once read) */
export const SCRATCH = path.join(os.tmpdir(), `ws-bench-nb-${process.pid}`);

export interface RunnerBenchOptions {
  engine: BenchEngine;
  /** notebook paths relative to the repo */
  notebooks: string[];
  rounds: number;
  tools: Tool[];
  venv: string;
  /** a number of the whole suite through the runner, for context (from the footprint part) */
  wholeSuite?: { seconds: number; notebooks: number; ok: boolean };
  /** also measure where a first cell's time goes (one more runner call, ~15 s) */
  probe?: boolean;
  log?: Log;
}

export function notebookPaths(selectors: string[] | undefined, all: string[]): string[] {
  if (!selectors || selectors.length === 0) return all;
  return selectors.map((sel) => {
    const hit = all.find((p) => path.basename(p).startsWith(sel) || p === sel);
    if (!hit) throw new Error(`no notebook matches "${sel}" (have: ${all.map((p) => path.basename(p)).join(', ')})`);
    return hit;
  });
}

const BREAKDOWN_ROWS: [keyof SuiteRun['breakdown'], string][] = [
  ['toFirstCell', 'start → first cell (process, server, 1st kernel)'],
  ['cells', 'cells: kernel busy (Σ)'],
  ['firstCells', '  of which 1st cell per notebook (tslab compile of the import)'],
  ['betweenCells', 'between cells (Σ, client per-cell overhead)'],
  ['betweenNotebooks', 'between notebooks (kernel stop + next kernel start)'],
  ['tail', 'after the last cell (write, shut down)'],
];

export async function benchRunnerVsNbconvert(o: RunnerBenchOptions): Promise<Section> {
  const log = o.log ?? consoleLog;
  const t0 = performance.now();
  const dist = distProblem(REPO);
  if (dist?.fatal) throw new Error(dist.message);
  if (dist) log(`[runner] WARNING: ${dist.message}`);
  const load = new LoadMonitor().start();
  const runs: SuiteRun[] = [];
  const env = o.engine.env('bench-nb');
  const names = o.notebooks.map((p) => path.basename(p, '.ipynb')).join(', ');
  log(`[runner] ${o.rounds} round(s) of ${o.tools.join(' / ')} over ${names} (order rotates each round)`);
  for (let r = 0; r < o.rounds; r++) {
    const order = o.tools.map((_, i) => o.tools[(i + r) % o.tools.length]);
    for (const tool of order) {
      const outputDir = path.join(SCRATCH, `${tool}-${r}`);
      const run = await runSuite(tool, { repo: REPO, venv: o.venv, notebooks: o.notebooks, outputDir, env });
      runs.push(run);
      log(
        `[runner] round ${r + 1} ${tool.padEnd(14)} ${s(run.seconds).padStart(8)}  load ${os.loadavg()[0].toFixed(2)}` +
          (run.ok ? '' : `  FAILED: ${run.failure}`),
      );
    }
  }

  let probe: CompileProbe | undefined;
  if (o.probe !== false) {
    probe = await compileProbe(REPO, o.venv, env);
    log(
      `[runner] tslab first-cell probe: trivial ${s(probe.trivialFirstCell)}, SDK import ${s(probe.sdkImport)}, ` +
        `workshop import ${s(probe.workshopImport)}, compiled workshop import ${s(probe.compiledWorkshopImport)}`,
    );
  }

  const byTool = (t: Tool) => runs.filter((r) => r.tool === t);
  const okRuns = (t: Tool) => byTool(t).filter((r) => r.ok);
  const med = (t: Tool, f: (r: SuiteRun) => number) => median(okRuns(t).map(f));
  const wall = (t: Tool) => med(t, (r) => r.seconds);
  const runnerWall = wall('runner');
  const others = o.tools.filter((t) => t !== 'runner');

  // paired ratios: a's run against b's run of the same round
  const paired = (a: Tool, b: Tool) => {
    const rs: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const ra = byTool(a)[r];
      const rb = byTool(b)[r];
      if (ra?.ok && rb?.ok) rs.push(ra.seconds / rb.seconds);
    }
    return rs;
  };
  const pairedCell = (a: Tool, b: Tool) =>
    a === b
      ? '—'
      : `${x(median(paired(a, b)))} (${paired(a, b)
          .map((v) => v.toFixed(2))
          .join(', ')})`;
  const LABEL: Record<Tool, string> = {
    runner: 'runner',
    nbconvert: 'nbconvert (one call)',
    'nbconvert-each': 'nbconvert (per notebook)',
    'runner-no-prestart': 'runner --no-prestart',
    'main-job': 'main job (2 lanes, virtual clock)',
    'main-job-real': 'main job, real clock',
  };

  const header = ['', ...o.tools.map((t) => LABEL[t])];
  const rows: (string | number)[][] = [];
  rows.push(['wall time, median', ...o.tools.map((t) => s(wall(t)))]);
  rows.push([
    'runs (ok / all), A-B order',
    ...o.tools.map(
      (t) =>
        `${okRuns(t).length} / ${byTool(t).length}: ${byTool(t)
          .map((r) => r.seconds.toFixed(1))
          .join(', ')}`,
    ),
  ]);
  const anchors = o.tools.filter((t) => t === 'nbconvert' || t === 'nbconvert-each');
  for (const a of anchors) {
    rows.push([
      `**÷ ${LABEL[a]}** (ratio of medians)`,
      ...o.tools.map((t) => (t === a ? '1.00×' : `**${x(wall(t) / wall(a))}**`)),
    ]);
    rows.push([`÷ ${LABEL[a]}, paired per round (median)`, ...o.tools.map((t) => pairedCell(t, a))]);
  }
  // per-notebook sums do not add up to a parallel run's wall time: those columns say so instead of a figure
  const serial = (t: Tool, f: (r: SuiteRun) => number) => (isParallel(t) ? '— (parallel)' : s(med(t, f)));
  for (const [k, label] of BREAKDOWN_ROWS) rows.push([label, ...o.tools.map((t) => serial(t, (r) => r.breakdown[k]))]);
  rows.push([
    '**wall − kernel busy: what the tool itself adds**',
    ...o.tools.map((t) => `**${serial(t, (r) => r.seconds - r.breakdown.cells)}**`),
  ]);
  rows.push(['gap between cells, median per cell', ...o.tools.map((t) => ms(median(okRuns(t).flatMap((r) => r.gapsMs))))]);
  rows.push([
    'tslab kernel peak RSS (max)',
    ...o.tools.map((t) => mib(Math.max(...byTool(t).flatMap((r) => peaksOf(r.peaks, 'tslab-kernel'))))),
  ]);
  rows.push([
    'driver peak RSS (runner node + Jupyter Server / nbconvert python)',
    ...o.tools.map((t) =>
      isRunner(t)
        ? `${mib(Math.max(...byTool(t).flatMap((r) => peaksOf(r.peaks, 'runner'))))} + ${mib(Math.max(...byTool(t).flatMap((r) => peaksOf(r.peaks, 'jupyter-server'))))}`
        : mib(Math.max(...byTool(t).flatMap((r) => peaksOf(r.peaks, 'nbconvert')))),
    ),
  ]);

  // per-cell overhead of the runner: its own cell time minus the kernel's busy → idle
  const overhead = okRuns('runner')
    .flatMap((r) => r.cells)
    .filter((c) => c.clientMs !== undefined && Number.isFinite(c.clientMs))
    .map((c) => (c.clientMs as number) - c.kernelMs);
  const kernelStarts = okRuns('runner').flatMap((r) => r.kernelStartSeconds ?? []);
  const serverStarts = okRuns('runner').map((r) => r.serverStartSeconds ?? NaN);

  const body: string[] = [];
  body.push(
    `Notebooks: ${names}, ${o.rounds} rounds, order rotated each round, one DynamoDB Local (in memory) for all runs, ` +
      `the same tslab kernel. ` +
      (o.wholeSuite && o.wholeSuite.notebooks > o.notebooks.length
        ? `A subset: the whole suite (${o.wholeSuite.notebooks} notebooks) takes ${s(o.wholeSuite.seconds)} a run — mostly the later ` +
          `notebooks' own write workloads, which no runner changes — too long to repeat ${o.rounds} × ${o.tools.length} times in the ` +
          `10-minute budget; these are the notebooks where the tool's share is largest.`
        : ''),
  );
  body.push('');
  body.push(...table(header, rows));
  body.push('');
  body.push(
    `Runner per-cell overhead beyond the kernel's own execution (runner's cell time − kernel busy→idle, ${overhead.length} cells): ` +
      `median ${ms(median(overhead))}, p90 ${ms(percentile(overhead, 90))}. ` +
      `Runner's Jupyter Server start ${s(median(serverStarts))}, kernel start (session → kernel_info) median ${s(median(kernelStarts))}.`,
  );
  if (probe) {
    body.push('');
    body.push(
      `Where a notebook's first cell goes (tslab kernel busy time, a fresh kernel each, same run): a trivial cell ${s(probe.trivialFirstCell)}; ` +
        `importing \`@aws-sdk/client-dynamodb\` + \`lib-dynamodb\` ${s(probe.sdkImport)}; \`import * as ws from './workshop/index'\` ` +
        `from src/ (TypeScript sources) ${s(probe.workshopImport)}, and the next trivial cell ${s(probe.cellAfterWorkshop)} ` +
        `(vs ${s(probe.trivialSecondCell)} without it): tslab type-checks and emits (with declarations) every workshop file the import ` +
        `reaches, in every kernel. The same import from the compiled library the notebooks load (notebooks/workshop → dist/, ` +
        `JS + .d.ts): **${s(probe.compiledWorkshopImport)}**. Kernel time, the same under every tool.` +
        (probe.ok ? '' : ' (the probe run FAILED; figures may be missing)'),
    );
  }
  if (o.wholeSuite) {
    body.push(
      `Whole suite (${o.wholeSuite.notebooks} notebooks) once through the runner: ${s(o.wholeSuite.seconds)}` +
        `${o.wholeSuite.ok ? '' : ' (a notebook FAILED: see the footprint part)'}.`,
    );
  }
  if (dist) body.push(`Note: ${dist.message}.`);
  fs.rmSync(SCRATCH, { recursive: true, force: true });
  const failed = runs.filter((r) => !r.ok);
  if (failed.length)
    body.push(`Failed runs (left out of the medians): ${failed.map((r) => `${r.tool}: ${r.failure}`).join('; ')}.`);

  const ratio = runnerWall / wall('nbconvert');
  const hasRunner = o.tools.includes('runner');
  const targets: { what: string; target: string; measured: string; met: boolean | undefined }[] =
    hasRunner && others.includes('nbconvert')
      ? [
          {
            what: 'runner vs nbconvert (one call), wall time',
            target: '≤ 0.80×',
            measured: x(ratio),
            met: Number.isFinite(ratio) ? ratio <= 0.8 : undefined,
          },
        ]
      : [];
  if (hasRunner && others.includes('nbconvert-each')) {
    const r2 = runnerWall / wall('nbconvert-each');
    targets.push({
      what: 'runner vs nbconvert (one call per notebook), wall time',
      target: '≤ 0.80×',
      measured: x(r2),
      met: Number.isFinite(r2) ? r2 <= 0.8 : undefined,
    });
  }
  const nbLabel = `notebooks ${o.notebooks.map((p) => path.basename(p).slice(0, 2)).join(', ')}: wall time, median of ${o.rounds}`;
  const headline: string[][] = [];
  // the main job (tools/workshop.sh notebooks) against nbconvert --execute: issue 17's target, ≤ 0.6×
  for (const t of ['main-job', 'main-job-real'] as const) {
    if (!o.tools.includes(t) || !o.tools.includes('nbconvert')) continue;
    const r = wall(t) / wall('nbconvert');
    const pairs = paired(t, 'nbconvert');
    const met = t === 'main-job' && Number.isFinite(r) ? r <= 0.6 : undefined;
    if (t === 'main-job')
      targets.push({ what: 'main job vs nbconvert --execute, wall time', target: '≤ 0.60×', measured: x(r), met });
    headline.push([
      nbLabel,
      `${LABEL[t]}: ${s(wall(t))}`,
      `nbconvert --execute, one call: ${s(wall('nbconvert'))}`,
      `**${x(r)}** (pairs ${pairs.map((v) => v.toFixed(2)).join(', ')})`,
      t === 'main-job' ? '≤ 0.60×' : '—',
      t === 'main-job' ? verdict(met) : '',
    ]);
  }
  if (hasRunner && others.includes('nbconvert')) {
    headline.push([
      nbLabel,
      `runner ${s(runnerWall)}`,
      `nbconvert, one call: ${s(wall('nbconvert'))}`,
      `**${x(ratio)}**`,
      '≤ 0.80×',
      verdict(targets[0].met),
    ]);
  }
  if (hasRunner && others.includes('nbconvert-each')) {
    const r2 = runnerWall / wall('nbconvert-each');
    headline.push([
      nbLabel,
      `runner ${s(runnerWall)}`,
      `nbconvert, one call per notebook: ${s(wall('nbconvert-each'))}`,
      `**${x(r2)}**`,
      '≤ 0.80×',
      verdict(Number.isFinite(r2) ? r2 <= 0.8 : undefined),
    ]);
  }
  const toolOverhead = (t: Tool) => med(t, (r) => r.seconds - r.breakdown.cells);
  if (hasRunner && others.includes('nbconvert')) {
    headline.push([
      'same runs: wall − kernel busy (what the tool itself adds)',
      `runner ${s(toolOverhead('runner'))}`,
      `nbconvert, one call: ${s(toolOverhead('nbconvert'))}`,
      x(toolOverhead('runner') / toolOverhead('nbconvert')),
      '—',
      '',
    ]);
  }
  if (hasRunner && o.tools.includes('runner-no-prestart')) {
    const one = wall('runner-no-prestart');
    headline.push([
      `${nbLabel}: what starting the next kernel ahead saves`,
      `runner ${s(runnerWall)}`,
      `runner --no-prestart: ${s(one)}${others.includes('nbconvert') ? ` (${x(one / wall('nbconvert'))} nbconvert)` : ''}`,
      x(runnerWall / one),
      '—',
      'shipped (default)',
    ]);
  }
  if (probe) {
    headline.push([
      "a notebook's first cell, `import * as ws from './workshop/index'` (kernel busy)",
      `from dist/ (JS + .d.ts, what notebooks load): ${s(probe.compiledWorkshopImport)}`,
      `from src/ (TypeScript sources): ${s(probe.workshopImport)}`,
      x(probe.compiledWorkshopImport / probe.workshopImport),
      '—',
      'kernel time, same for every tool',
    ]);
  }
  if (hasRunner)
    headline.push([
      'runner per-cell overhead beyond the kernel',
      `median ${ms(median(overhead))}, p90 ${ms(percentile(overhead, 90))}`,
      `nbconvert: gap between cells ${ms(median(okRuns('nbconvert').flatMap((r) => r.gapsMs)))}`,
      '—',
      '—',
      '',
    ]);
  return {
    id: 'runner',
    headline,
    title: 'Runner vs nbconvert',
    body,
    targets,
    seconds: (performance.now() - t0) / 1000,
    load: load.stop(),
    data: {
      runs: runs.map((r) => ({
        tool: r.tool,
        ok: r.ok,
        seconds: r.seconds,
        breakdown: r.breakdown,
        failure: r.failure,
        label: TOOL_LABEL[r.tool],
      })),
      perCellOverheadMs: overhead,
      probe,
    },
  };
}

export const DEFAULT_SUBSET = ['00', '01', '02'];

export function allNotebooks(): string[] {
  return fs
    .readdirSync(path.join(REPO, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => `notebooks/${f}`);
}

if (require.main === module) {
  runStandalone('nb', async (engine, argv) => {
    const sec = await benchRunnerVsNbconvert({
      engine,
      notebooks: ((sel) => (sel?.[0] === 'all' ? allNotebooks() : notebookPaths(sel ?? DEFAULT_SUBSET, allNotebooks())))(
        parseList(argv, '--notebooks'),
      ),
      rounds: parseNumber(argv, '--rounds', 3),
      tools: (parseList(argv, '--tools') as Tool[] | undefined) ?? [
        'runner',
        'nbconvert',
        'nbconvert-each',
        'runner-no-prestart',
      ],
      venv: venvDir(),
      probe: !argv.includes('--no-probe'),
    });
    printSection(sec);
  });
}
