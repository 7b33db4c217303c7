/**
 * Footprint: the whole notebook suite once through the runner, sampling the peak RSS (VmHWM) of every process
 * it starts — each notebook's tslab kernel, the Jupyter Server, the runner — and of DynamoDB Local.
 *
 *   npx tsx bench/footprint.ts
 */
import './lib/env';
import { REPO, runStandalone, venvDir } from './lib/cli';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchEngine } from './lib/engine';
import { LoadMonitor } from './lib/machine';
import { distProblem, runSuite, type SuiteRun } from './lib/notebooks';
import { peaksOf } from './lib/procs';
import { consoleLog, printSection, table, type Log, type Section } from './lib/report';
import { mib, s } from './lib/stats';
import { allNotebooks, SCRATCH } from './runner-vs-nbconvert';

export interface FootprintOptions {
  engine: BenchEngine;
  notebooks: string[];
  venv: string;
  log?: Log;
}

export interface FootprintResult {
  section: Section;
  run: SuiteRun;
  /** add a row (e.g. DynamoDB Local after another benchmark) */
  addRow(what: string, value: string): void;
  /** a DynamoDB Local figure: a table row, and `short: value` in the summary line */
  addEngine(what: string, short: string, bytes: number): void;
}

export async function benchFootprint(o: FootprintOptions): Promise<FootprintResult> {
  const log = o.log ?? consoleLog;
  const t0 = performance.now();
  const dist = distProblem(REPO);
  if (dist?.fatal) throw new Error(dist.message);
  if (dist) log(`[footprint] WARNING: ${dist.message}`);
  const load = new LoadMonitor().start();
  log(`[footprint] the whole suite (${o.notebooks.length} notebooks) once through the runner, sampling peak RSS`);
  const outputDir = path.join(SCRATCH, 'footprint');
  const run = await runSuite('runner', {
    repo: REPO,
    venv: o.venv,
    notebooks: o.notebooks,
    outputDir,
    env: o.engine.env('bench-nb'),
  });
  log(`[footprint] ${s(run.seconds)}${run.ok ? '' : `  FAILED: ${run.failure}`}`);

  fs.rmSync(outputDir, { recursive: true, force: true });
  // kernels start one after another: first-seen order is notebook order
  const kernels = run.peaks.filter((p) => p.kind === 'tslab-kernel').sort((a, b) => a.firstSeenMs - b.firstSeenMs);
  const rows: (string | number)[][] = [];
  kernels.forEach((k, i) => {
    rows.push([`tslab kernel, ${path.basename(o.notebooks[i] ?? `notebook ${i + 1}`, '.ipynb')}`, mib(k.peakRss)]);
  });
  rows.push(['**tslab kernel, peak over the whole suite**', `**${mib(Math.max(...kernels.map((k) => k.peakRss)))}**`]);
  rows.push(['Jupyter Server (one for the suite)', mib(Math.max(...peaksOf(run.peaks, 'jupyter-server')))]);
  rows.push(['runner (node)', mib(Math.max(...peaksOf(run.peaks, 'runner')))]);
  const suitePeak = o.engine.peakRss();
  rows.push(['**DynamoDB Local, after the whole suite**', `**${mib(suitePeak)}**`]);
  const engines: string[] = [`${mib(suitePeak)} after the suite`];
  const section: Section = {
    id: 'footprint',
    title: 'Footprint (peak RSS)',
    body: [],
    targets: [],
    headline: [],
    seconds: 0,
    data: {
      seconds: run.seconds,
      ok: run.ok,
      failure: run.failure,
      kernels: kernels.map((k) => k.peakRss),
      peaks: run.peaks.map((p) => ({ kind: p.kind, peakRss: p.peakRss })),
    },
  };
  const kernelPeak = Math.max(...kernels.map((k) => k.peakRss));
  const render = () => {
    section.headline = [
      [
        `peak RSS over the whole suite (${o.notebooks.length} notebooks)`,
        `tslab kernel ${mib(kernelPeak)}; Jupyter Server ${mib(Math.max(...peaksOf(run.peaks, 'jupyter-server')))}; runner ${mib(Math.max(...peaksOf(run.peaks, 'runner')))}`,
        `DynamoDB Local ${engines.join(', ')}`,
        '—',
        '—',
        '',
      ],
    ];
    section.body = [
      `Peak RSS (Linux VmHWM, sampled every 250 ms) during one run of the whole suite (${o.notebooks.map((p) => path.basename(p, '.ipynb')).join(', ')}) ` +
        `through the runner: ${s(run.seconds)}, ${run.ok ? 'every notebook passed' : `**a notebook failed**: ${run.failure}`}.`,
      '',
      ...table(['process', 'peak RSS'], rows),
    ];
  };
  render();
  section.seconds = (performance.now() - t0) / 1000;
  section.load = load.stop();
  return {
    section,
    run,
    addRow(what, value) {
      rows.push([what, value]);
      render();
    },
    addEngine(what, short, bytes) {
      rows.push([what, mib(bytes)]);
      engines.push(`${mib(bytes)} ${short}`);
      render();
    },
  };
}

if (require.main === module) {
  runStandalone('footprint', async (engine, _argv) => {
    const r = await benchFootprint({
      engine,
      notebooks: allNotebooks(),
      venv: venvDir(),
    });
    printSection(r.section);
  });
}
