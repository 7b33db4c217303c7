/**
 * `runNotebooks`: the whole run in-process — resolve notebooks (usage errors before any server starts), one
 * Jupyter Server for all of them, each notebook in a fresh kernel, lanes side by side (`jobs`), then HTML, JUnit and
 * the summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { registerCleanup } from './cleanup';
import { type ApartLane, UsageError } from './args';
import { since, sleep } from './delay';
import { commonRoot, expandPaths, planNotebooks, type NotebookEntry } from './discover';
import { executeNotebook, kernelPlan } from './execute';
import { convertToHtml } from './html';
import { junitXml } from './junit';
import { KernelClient } from './kernel';
import { finishLanes, hasLaneEnv, LaneKernelspecs, type Lane, type PlannedLane } from './lanes';
import { relativePaths } from './paths';
import { secs, stdoutSink, summaryText, type LineSink } from './report';
import { startJupyterServer, type JupyterServer } from './server';
import type { NotebookResult, Summary } from './types';

export interface RunOptions {
  /** notebook files and/or folders (ignored when `lanes` is given) */
  paths: string[];
  /**
   * sequences of notebooks, each run in order in a lane of its own, with its own environment and output folder
   * (tools/runner/lanes.ts); default: `paths` — one lane, or with `jobs` > 1 one lane per notebook
   */
  lanes?: Lane[];
  /** lanes run at once (default 1). Each lane also starts its next kernel ahead unless `prestart` is false. */
  jobs?: number;
  /**
   * With `paths`: these notebooks leave the run's one lane for a lane of their own, as another attendee (the CLI's
   * `--lane`); the rest stay one lane in order. Without it, `jobs` > 1 gives every notebook a lane of its own.
   */
  apart?: ApartLane[];
  /** base for relative paths (default process.cwd()) */
  cwd?: string;
  outputDir: string;
  kernel?: string;
  /** per-cell timeout, seconds; undefined = none */
  timeout?: number;
  allowErrors?: boolean;
  html?: boolean;
  junit?: string;
  /** the venv with jupyter (bin/jupyter) */
  venv: string;
  startupTimeout?: number;
  /** environment for the server and kernels (default process.env) */
  env?: NodeJS.ProcessEnv;
  /**
   * The kernels' clock (WORKSHOP_CLOCK, src/clock.ts): 'virtual' skips the waits of throttled workloads, 'real' waits
   * them out; default: as `env` says. Set on the runner's own server (a reused `server` keeps its environment).
   */
  clock?: 'real' | 'virtual';
  /** progress sink (default: stdout) */
  log?: LineSink;
  /** print the summary table through `log` (default true) */
  printSummary?: boolean;
  /** start the next notebook's kernel (and warm tslab) while the current one runs (default true) */
  prestart?: boolean;
  /** reuse a running server (tests); its root must contain every notebook. Not stopped at the end. */
  server?: JupyterServer;
}

function contains(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function failedNotebook(entry: NotebookEntry, kernel: string | undefined, error: string): NotebookResult {
  const none = { cells: 0, failed: 0, allowedErrors: 0, seconds: 0, kernelStartSeconds: 0 };
  const name = entry.label ?? entry.outputName;
  return { path: entry.path, name, kernel: kernel ?? 'tslab', ...none, ok: false, error, cellResults: [] };
}

/** The lanes of a run: usage errors (missing notebooks, clashing outputs) before anything starts. */
function planLanes(
  options: RunOptions,
  cwd: string,
  outputDir: string,
): { root: string; lanes: PlannedLane[]; order?: string[] } {
  const given = options.lanes;
  const jobs = options.jobs ?? 1;
  if (given) {
    if (given.length === 0) throw new UsageError('no lane given');
    const files = given.map((l) => expandPaths(l.paths, cwd));
    const empty = given.findIndex((_, i) => files[i].length === 0);
    if (empty >= 0) throw new UsageError(`lane ${given[empty].name ?? empty} has no notebook`);
    const root = options.server ? options.server.rootDir : commonRoot(files.flat());
    checkRoot(root, files.flat());
    const lanes = given.map((l, index) => ({
      index,
      name: l.name,
      entries: planNotebooks(files[index], root),
      env: l.env,
      outputDir: l.outputDir ? resolve(cwd, l.outputDir) : outputDir,
      startAt: l.startAt ?? 0,
    }));
    return { root, lanes: finishLanes(lanes) };
  }
  const files = expandPaths(options.paths, cwd);
  const root = options.server ? options.server.rootDir : commonRoot(files);
  checkRoot(root, files);
  // output names from the whole list, so --jobs N writes exactly the files --jobs 1 writes
  const entries = planNotebooks(files, root);
  if (options.apart && options.apart.length > 0) {
    const lanes = finishLanes(apartLanes(entries, options.apart, outputDir));
    return { root, lanes, order: entries.map((e) => e.path) };
  }
  const groups = jobs > 1 ? entries.map((e) => [e]) : [entries];
  return { root, lanes: finishLanes(groups.map((g, index) => ({ index, entries: g, outputDir, startAt: 0 }))) };
}

/** The run's notebooks as one lane in order, minus those `apart` names, each group a lane with its own ATTENDEE_ID. */
export function apartLanes(entries: NotebookEntry[], apart: ApartLane[], outputDir: string): PlannedLane[] {
  const name = (e: NotebookEntry) => basename(e.path);
  const taken = new Set<NotebookEntry>();
  const groups = apart.map((a) => {
    const picked = a.notebooks.map((n) => {
      const want = n.endsWith('.ipynb') ? n : `${n}.ipynb`;
      const e = entries.find((x) => name(x) === want);
      if (!e)
        throw new UsageError(`--lane ${a.attendeeId}: no notebook ${want} among those given (${entries.map(name).join(', ')})`);
      if (taken.has(e)) throw new UsageError(`--lane: ${want} is in two lanes`);
      taken.add(e);
      return e;
    });
    return { entries: picked, env: { ATTENDEE_ID: a.attendeeId } };
  });
  const rest = entries.filter((e) => !taken.has(e));
  const all = rest.length > 0 ? [{ entries: rest, env: undefined }, ...groups] : groups;
  return all.map((g, index) => ({ index, entries: g.entries, env: g.env, outputDir, startAt: 0 }));
}

function checkRoot(root: string, files: string[]): void {
  const outside = files.filter((f) => !contains(root, f));
  if (outside.length > 0) throw new Error(`notebooks outside the server root ${root}: ${outside.join(', ')}`);
}

export async function runNotebooks(options: RunOptions): Promise<Summary> {
  const t0 = performance.now();
  const log = options.log ?? stdoutSink;
  const cwd = options.cwd ?? process.cwd();
  const outputDir = resolve(cwd, options.outputDir);
  const jobs = Math.max(1, Math.floor(options.jobs ?? 1));
  const prestart = options.prestart ?? true;
  const startupMs = (options.startupTimeout ?? 60) * 1000;

  // throws UsageError: nothing started yet
  const { root, lanes, order } = planLanes(options, cwd, outputDir);
  let server = options.server;
  if (server && options.clock) {
    throw new UsageError(
      `clock ${options.clock}: a reused server keeps its own environment; start it with WORKSHOP_CLOCK=${options.clock} instead`,
    );
  }
  if (server && hasLaneEnv(lanes)) {
    throw new Error(
      "lanes with an environment of their own need the runner's own server (its JUPYTER_PATH carries their kernelspecs)",
    );
  }

  const summary: Summary = { ok: false, notebooks: [], seconds: 0, serverStartSeconds: 0 };
  const results: NotebookResult[][] = lanes.map(() => []);
  let ownServer = false;
  let unregisterClient: (() => void) | undefined;
  let client: KernelClient | undefined;
  const specs = hasLaneEnv(lanes) ? new LaneKernelspecs() : undefined;
  const unregisterSpecs = specs && registerCleanup({ stop: async () => specs.remove(), killSync: () => specs.remove() });
  try {
    if (!server) {
      const ts = performance.now();
      const base = options.env ?? process.env;
      const env = options.clock ? { ...base, WORKSHOP_CLOCK: options.clock } : base;
      server = await startJupyterServer({
        venv: options.venv,
        rootDir: root,
        startupTimeout: options.startupTimeout,
        env: specs ? specs.serverEnv(env) : env,
      });
      ownServer = true;
      summary.serverStartSeconds = since(ts);
      for (const line of server.reaped) log(line);
      log(`Jupyter Server on ${server.baseUrl} (root ${root}) ready in ${secs(summary.serverStartSeconds)}`);
      if (options.clock === 'virtual')
        log('kernels on the virtual clock (WORKSHOP_CLOCK=virtual): waits skipped, times simulated');
    }
    const kernelFor = specs ? await specs.write(server, lanes, options.kernel) : new Map<number, (k: string) => string>();
    const c = (client = new KernelClient(server));
    // on a signal, close the kernel websockets before the server goes (no "Connection lost" noise)
    unregisterClient = registerCleanup({ stop: async () => c.dispose(), killSync: () => undefined });
    for (const lane of lanes) mkdirSync(lane.outputDir, { recursive: true });

    const startAhead = (lane: PlannedLane, entry: NotebookEntry | undefined) => {
      const plan = entry && kernelPlan(entry.path, options.kernel);
      if (!entry || !plan) return;
      const kernel = kernelFor.get(lane.index)?.(plan.kernel) ?? plan.kernel;
      c.startAhead(entry.sessionPath ?? entry.relPath, kernel, plan.firstCode, startupMs, entry.lane);
    };
    const queue = [...lanes];
    const due = (lane: PlannedLane) => performance.now() >= t0 + lane.startAt * 1000;

    const runLane = async (lane: PlannedLane) => {
      const wait = t0 + lane.startAt * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
      for (let i = 0; i < lane.entries.length; i++) {
        const entry = lane.entries[i];
        // the next kernel starts now, alongside this notebook's (tslab start-up + first compile ≈ 2 s a notebook): on
        // 2 cores that slows this kernel's start a little but takes the next one off the critical path (measured:
        // starting it only once this kernel is up left it still starting when short notebooks ended). At the end
        // of a lane, the next lane waiting (if it may start) is the next.
        if (prestart) {
          if (i + 1 < lane.entries.length) startAhead(lane, lane.entries[i + 1]);
          else if (queue[0] && due(queue[0])) startAhead(queue[0], queue[0].entries[0]);
        }
        let result: NotebookResult;
        try {
          result = await executeNotebook(c, entry, {
            outputDir: lane.outputDir,
            kernel: options.kernel,
            kernelFor: kernelFor.get(lane.index),
            timeout: options.timeout,
            allowErrors: options.allowErrors ?? false,
            log,
            kernelStartTimeout: options.startupTimeout,
          });
        } catch (e) {
          // whatever went wrong with one notebook fails that notebook, named; the others still run
          result = failedNotebook(entry, options.kernel, relativePaths(`${entry.path}: ${(e as Error)?.message ?? e}`));
          log(`[${result.name}] FAILED: ${result.error}`);
        }
        results[lane.index].push(result);
      }
    };
    // `jobs` workers take the lanes in order; a notebook's failure never stops its lane or the others
    const worker = async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) await runLane(lane);
    };
    await Promise.all(Array.from({ length: Math.min(jobs, lanes.length) }, worker));
  } finally {
    await client?.drain();
    unregisterClient?.();
    client?.dispose();
    if (ownServer && server) await server.stop();
    specs?.remove();
    unregisterSpecs?.();
  }
  // in plan order, whatever order they finished in (--lane: the order given, as with one lane)
  summary.notebooks = results.flat();
  if (order) summary.notebooks.sort((a, b) => order.indexOf(a.path) - order.indexOf(b.path));

  if (options.html) {
    const written = summary.notebooks.filter((n) => n.outputPath).map((n) => n.outputPath as string);
    // beside each executed notebook: one output folder, or each lane's own
    const dirs = new Set(written.map((w) => dirname(w)));
    const html = await convertToHtml(options.venv, written, dirs.size === 1 ? [...dirs][0] : undefined, options.env);
    if (html.ok) {
      for (const n of summary.notebooks) if (n.outputPath) n.htmlPath = n.outputPath.replace(/\.ipynb$/, '.html');
    } else {
      summary.htmlError = html.error;
    }
  }
  summary.seconds = since(t0);
  summary.ok = summary.notebooks.every((n) => n.ok) && !summary.htmlError;
  if (options.junit) {
    const junitPath = resolve(cwd, options.junit);
    mkdirSync(dirname(junitPath), { recursive: true });
    writeFileSync(junitPath, junitXml(summary), 'utf8');
    summary.junitPath = junitPath;
  }
  if (options.printSummary ?? true) log(summaryText(summary));
  return summary;
}
