// Runs a set of notebooks through one of the tools under comparison, as a user would start it (a fresh process),
// and reads back where the time went from the executed notebooks themselves: both tools record nbclient's
// `metadata.execution` timestamps (the kernel's own iopub busy/idle), so the same breakdown applies to both.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TreeSampler, type ProcPeak } from './procs';

export type Tool = 'runner' | 'nbconvert' | 'nbconvert-each' | 'runner-no-prestart' | 'main-job' | 'main-job-real';

/** Our runner, in any of its configurations. */
export const isRunner = (t: Tool): boolean => !t.startsWith('nbconvert');
/** Runs notebooks side by side: per-notebook sums (kernel busy, gaps) do not add up to its wall time. */
export const isParallel = (t: Tool): boolean => t === 'main-job' || t === 'main-job-real';
/** The notebook the main job runs in a lane of its own (tools/workshop.sh notebooks: `--lane <id>-hot:…`). */
export const HOT_NOTEBOOK = '03_hot_partitions.ipynb';

export const TOOL_LABEL: Record<Tool, string> = {
  runner: 'tools/run-notebooks.ts',
  nbconvert: 'jupyter nbconvert --execute (one call, all notebooks)',
  'nbconvert-each': 'jupyter nbconvert --execute (one call per notebook)',
  'runner-no-prestart': 'the runner with --no-prestart: each kernel starts only when its notebook comes',
  'main-job':
    "the main job's runner: node dist-tools/run-notebooks.js --jobs 2 --lane <id>-hot:03 --clock virtual (tools/workshop.sh)",
  'main-job-real': 'the same with --clock real: two lanes side by side, throttled waits waited out',
};

export interface SuiteRunOptions {
  repo: string;
  venv: string;
  notebooks: string[];
  outputDir: string;
  env: NodeJS.ProcessEnv;
  /** per-cell timeout, seconds */
  timeout?: number;
}

export interface CellTiming {
  notebook: string;
  index: number;
  busyMs: number;
  idleMs: number;
  /** kernel busy → idle: the kernel's own execution time of the cell */
  kernelMs: number;
  /** the runner's own measure of the cell (request sent → reply and idle received), when known */
  clientMs?: number;
}

export interface Breakdown {
  /** process start → first cell busy: Python / tsx start-up, server start, first kernel start */
  toFirstCell: number;
  /** Σ kernel busy time of every cell */
  cells: number;
  /** of which each notebook's first cell (tslab compiles the workshop import: type-check of src/ and the SDK) */
  firstCells: number;
  /** Σ idle of one cell → busy of the next, within a notebook: the client's per-cell overhead */
  betweenCells: number;
  /** Σ last idle of a notebook → first busy of the next: kernel shutdown + next kernel start + writing */
  betweenNotebooks: number;
  /** last idle → process exit: writing the last notebook, shutting kernel and server down */
  tail: number;
}

export interface SuiteRun {
  tool: Tool;
  ok: boolean;
  exitCodes: number[];
  seconds: number;
  breakdown: Breakdown;
  cells: CellTiming[];
  gapsMs: number[];
  /** runner only: its own log of the server and kernel start-up */
  serverStartSeconds?: number;
  kernelStartSeconds?: number[];
  peaks: ProcPeak[];
  failure?: string;
}

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
  peaks: ProcPeak[];
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = child.pid ? new TreeSampler(child.pid).start() : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr, peaks: sampler?.stop() ?? [] }));
  });
}

const stamp = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : NaN);

/** Per-cell kernel timings from an executed notebook (nbclient's record_timing). */
export function cellTimings(file: string): CellTiming[] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    cells: { cell_type: string; metadata?: { execution?: Record<string, string> } }[];
  };
  const out: CellTiming[] = [];
  nb.cells.forEach((c, index) => {
    const e = c.metadata?.execution;
    if (c.cell_type !== 'code' || !e) return;
    const busyMs = stamp(e['iopub.status.busy']);
    const idleMs = stamp(e['iopub.status.idle']);
    if (!Number.isFinite(busyMs) || !Number.isFinite(idleMs)) return;
    out.push({ notebook: path.basename(file), index, busyMs, idleMs, kernelMs: idleMs - busyMs });
  });
  return out;
}

/** Per-cell seconds as the runner measured them, from its JUnit XML (`cell NN` is the 1-based cell index). */
export function junitCellSeconds(file: string): Map<string, number> {
  const m = new Map<string, number>();
  if (!fs.existsSync(file)) return m;
  const xml = fs.readFileSync(file, 'utf8');
  const re = /<testcase classname="notebooks\.([^"]+)" name="cell (\d+)[^"]*" time="([\d.]+)"/g;
  let r: RegExpExecArray | null;
  while ((r = re.exec(xml))) m.set(`${r[1]}.ipynb#${Number(r[2]) - 1}`, Number(r[3]));
  return m;
}

export function breakdownOf(perNotebook: CellTiming[][], t0Ms: number, t1Ms: number): { breakdown: Breakdown; gapsMs: number[] } {
  const b: Breakdown = { toFirstCell: 0, cells: 0, firstCells: 0, betweenCells: 0, betweenNotebooks: 0, tail: 0 };
  const gapsMs: number[] = [];
  let prevEnd: number | undefined;
  for (const cells of perNotebook) {
    if (cells.length === 0) continue;
    if (prevEnd === undefined) b.toFirstCell = (cells[0].busyMs - t0Ms) / 1000;
    else b.betweenNotebooks += (cells[0].busyMs - prevEnd) / 1000;
    cells.forEach((c, i) => {
      b.cells += c.kernelMs / 1000;
      if (i === 0) b.firstCells += c.kernelMs / 1000;
      else {
        const gap = c.busyMs - cells[i - 1].idleMs;
        gapsMs.push(gap);
        b.betweenCells += gap / 1000;
      }
    });
    prevEnd = cells[cells.length - 1].idleMs;
  }
  b.tail = prevEnd === undefined ? (t1Ms - t0Ms) / 1000 : (t1Ms - prevEnd) / 1000;
  return { breakdown: b, gapsMs };
}

function expectedCells(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
  return nb.cells.filter((c) => c.cell_type === 'code' && (Array.isArray(c.source) ? c.source.join('') : c.source).trim() !== '')
    .length;
}

export async function runSuite(tool: Tool, o: SuiteRunOptions): Promise<SuiteRun> {
  fs.rmSync(o.outputDir, { recursive: true, force: true });
  fs.mkdirSync(o.outputDir, { recursive: true });
  const jupyter = path.join(o.venv, 'bin', 'jupyter');
  const junit = path.join(o.outputDir, 'junit.xml');
  const execs: Exec[] = [];
  const t0 = Date.now();
  if (isParallel(tool)) {
    // as tools/workshop.sh notebooks starts it: the compiled runner, 03 in a lane of its own as another attendee
    const hot = o.notebooks.some((nb) => path.basename(nb) === HOT_NOTEBOOK);
    const args = [
      path.join('dist-tools', 'run-notebooks.js'),
      '--jobs',
      '2',
      ...(hot ? ['--lane', `${o.env.ATTENDEE_ID ?? 'bench'}-hot:${HOT_NOTEBOOK}`] : []),
      '--clock',
      tool === 'main-job' ? 'virtual' : 'real',
      '--output-dir',
      o.outputDir,
      '--junit',
      junit,
      '--timeout',
      String(o.timeout ?? 300),
      ...o.notebooks,
    ];
    execs.push(await run(process.execPath, args, o.repo, o.env));
  } else if (isRunner(tool)) {
    const tsx = path.join(o.repo, 'node_modules', '.bin', 'tsx');
    const args = [
      'tools/run-notebooks.ts',
      ...(tool === 'runner-no-prestart' ? ['--no-prestart'] : []),
      '--output-dir',
      o.outputDir,
      '--junit',
      junit,
      '--timeout',
      String(o.timeout ?? 300),
      ...o.notebooks,
    ];
    execs.push(await run(tsx, args, o.repo, o.env));
  } else {
    const base = [
      'nbconvert',
      '--to',
      'notebook',
      '--execute',
      '--output-dir',
      o.outputDir,
      `--ExecutePreprocessor.timeout=${o.timeout ?? 300}`,
    ];
    if (tool === 'nbconvert') execs.push(await run(jupyter, [...base, ...o.notebooks], o.repo, o.env));
    else for (const nb of o.notebooks) execs.push(await run(jupyter, [...base, nb], o.repo, o.env));
  }
  const t1 = Date.now();

  const perNotebook: CellTiming[][] = [];
  const failures: string[] = [];
  const runnerCells = isRunner(tool) ? junitCellSeconds(junit) : new Map<string, number>();
  for (const nb of o.notebooks) {
    const out = path.join(o.outputDir, path.basename(nb));
    const cells = fs.existsSync(out) ? cellTimings(out) : [];
    for (const c of cells) c.clientMs = (runnerCells.get(`${c.notebook}#${c.index}`) ?? NaN) * 1000;
    const want = expectedCells(path.join(o.repo, nb));
    if (cells.length < want) failures.push(`${path.basename(nb)}: ${cells.length}/${want} cells ran`);
    perNotebook.push(cells);
  }
  const exitCodes = execs.map((e) => e.code);
  if (exitCodes.some((c) => c !== 0)) {
    const tail = execs
      .filter((e) => e.code !== 0)
      .map((e) =>
        `${e.stdout}\n${e.stderr}`
          .split('\n')
          .filter((l) => /FAILED|Error|error/.test(l))
          .slice(0, 4)
          .join(' | '),
      )
      .join(' ; ');
    failures.push(`exit ${exitCodes.join(',')}: ${tail.slice(0, 400)}`);
  }
  const { breakdown, gapsMs } = breakdownOf(perNotebook, t0, t1);
  const res: SuiteRun = {
    tool,
    ok: failures.length === 0,
    exitCodes,
    seconds: (t1 - t0) / 1000,
    breakdown,
    cells: perNotebook.flat(),
    gapsMs,
    peaks: execs.flatMap((e) => e.peaks),
    failure: failures.length ? failures.join('; ') : undefined,
  };
  if (isRunner(tool)) {
    const log = execs[0].stdout;
    const server = /Jupyter Server on .* ready in ([\d.]+)s/.exec(log);
    if (server) res.serverStartSeconds = Number(server[1]);
    res.kernelStartSeconds = [...log.matchAll(/kernel \S+ ready in ([\d.]+)s/g)].map((m) => Number(m[1]));
  }
  return res;
}

export interface CompileProbe {
  /** kernel busy time of a notebook's first cell, seconds */
  trivialFirstCell: number;
  sdkImport: number;
  workshopImport: number;
  /** the same import from dist/ (src/ compiled to JS + .d.ts; NaN if dist/ is missing) */
  compiledWorkshopImport: number;
  /** a trivial cell right after the workshop import (tslab re-checks the program each cell) */
  cellAfterWorkshop: number;
  trivialSecondCell: number;
  ok: boolean;
}

function probeNotebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({
      cell_type: 'code',
      id: `probe-${i}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/**
 * Where a notebook's first cell spends its time: the same fresh tslab kernel given a trivial cell, an import of the
 * two SDK packages, and the workshop's `import * as ws from './workshop/index'` from the TypeScript sources (src/) and
 * from the compiled library (dist/) that the notebooks load. The probe notebooks live in
 * build/bench-probe (inside the repo, so that tslab resolves node_modules) and are removed afterwards.
 */
export async function compileProbe(repo: string, venv: string, env: NodeJS.ProcessEnv): Promise<CompileProbe> {
  const dir = path.join(repo, 'build', 'bench-probe');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.relative(dir, path.join(repo, 'src')), path.join(dir, 'workshop'));
  const files: Record<string, string[]> = {
    'a_trivial.ipynb': ['1 + 1', '2 + 2'],
    'b_sdk.ipynb': [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\nconsole.log(typeof DynamoDBClient, typeof DynamoDBDocumentClient);",
      '2 + 2',
    ],
    'c_workshop.ipynb': ["import * as ws from './workshop/index';\nconsole.log(typeof ws.loadConfig);", '2 + 2'],
  };
  // the compiled library the notebooks load (notebooks/workshop -> ../dist, built by tools/setup.sh): plain JS and
  // .d.ts, which tslab reads with skipLibCheck instead of type-checking and emitting every workshop source file
  const dist = path.join(repo, 'dist');
  if (fs.existsSync(path.join(dist, 'index.d.ts'))) {
    fs.symlinkSync(path.relative(dir, dist), path.join(dir, 'compiled'));
    files['d_compiled.ipynb'] = ["import * as ws from './compiled/index';\nconsole.log(typeof ws.loadConfig);", '2 + 2'];
  }
  for (const [name, cells] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), probeNotebook(cells));
  try {
    const rel = Object.keys(files).map((f) => path.relative(repo, path.join(dir, f)));
    const run = await runSuite('runner', { repo, venv, notebooks: rel, outputDir: path.join(dir, 'out'), env });
    const cell = (nb: string, i: number) => (run.cells.find((c) => c.notebook === nb && c.index === i)?.kernelMs ?? NaN) / 1000;
    return {
      trivialFirstCell: cell('a_trivial.ipynb', 0),
      trivialSecondCell: cell('a_trivial.ipynb', 1),
      sdkImport: cell('b_sdk.ipynb', 0),
      workshopImport: cell('c_workshop.ipynb', 0),
      compiledWorkshopImport: cell('d_compiled.ipynb', 0),
      cellAfterWorkshop: cell('c_workshop.ipynb', 1),
      ok: run.ok,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Why the notebook benchmarks cannot run as they should (undefined: fine). Notebooks load dist/ (tools/setup.sh). */
export function distProblem(repo: string): { fatal: boolean; message: string } | undefined {
  const stamp = path.join(repo, 'dist', '.workshop-stamp');
  if (!fs.existsSync(path.join(repo, 'dist', 'index.js'))) {
    return {
      fatal: true,
      message: 'dist/ (the compiled library notebooks/workshop points to) is missing: run bash tools/setup.sh',
    };
  }
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? fs.statSync(p).mtimeMs : 0);
    }, 0);
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  if (newest(path.join(repo, 'src')) > built) {
    return {
      fatal: false,
      message: 'dist/ is older than src/: the notebooks ran the previous build (bash tools/setup.sh rebuilds it)',
    };
  }
  return undefined;
}
