/**
 * `runNotebooks`: the whole run in-process — resolve notebooks (usage errors before any server starts), one
 * Jupyter Server for all of them, each notebook in a fresh kernel, then HTML, JUnit and the summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { registerCleanup } from './cleanup';
import { since } from './delay';
import { commonRoot, expandPaths, planNotebooks, type NotebookEntry } from './discover';
import { executeNotebook, kernelPlan } from './execute';
import { convertToHtml } from './html';
import { junitXml } from './junit';
import { KernelClient } from './kernel';
import { relativePaths } from './paths';
import { secs, stdoutSink, summaryText, type LineSink } from './report';
import { startJupyterServer, type JupyterServer } from './server';
import type { NotebookResult, Summary } from './types';

export interface RunOptions {
  /** notebook files and/or folders */
  paths: string[];
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
  return { path: entry.path, name: entry.outputName, kernel: kernel ?? 'tslab', ...none, ok: false, error, cellResults: [] };
}

export async function runNotebooks(options: RunOptions): Promise<Summary> {
  const t0 = performance.now();
  const log = options.log ?? stdoutSink;
  const cwd = options.cwd ?? process.cwd();
  const outputDir = resolve(cwd, options.outputDir);

  // throws UsageError: nothing started yet
  const files = expandPaths(options.paths, cwd);
  let server = options.server;
  const root = server ? server.rootDir : commonRoot(files);
  const outside = files.filter((f) => !contains(root, f));
  if (outside.length > 0) throw new Error(`notebooks outside the server root ${root}: ${outside.join(', ')}`);
  const entries = planNotebooks(files, root);

  const summary: Summary = { ok: false, notebooks: [], seconds: 0, serverStartSeconds: 0 };
  let ownServer = false;
  let unregisterClient: (() => void) | undefined;
  let client: KernelClient | undefined;
  try {
    if (!server) {
      const ts = performance.now();
      server = await startJupyterServer({
        venv: options.venv,
        rootDir: root,
        startupTimeout: options.startupTimeout,
        env: options.env,
      });
      ownServer = true;
      summary.serverStartSeconds = since(ts);
      for (const line of server.reaped) log(line);
      log(`Jupyter Server on ${server.baseUrl} (root ${root}) ready in ${secs(summary.serverStartSeconds)}`);
    }
    const c = (client = new KernelClient(server));
    // on a signal, close the kernel websockets before the server goes (no "Connection lost" noise)
    unregisterClient = registerCleanup({ stop: async () => c.dispose(), killSync: () => undefined });
    mkdirSync(outputDir, { recursive: true });
    const startAhead = (i: number) => {
      const next = entries[i];
      const plan = next && kernelPlan(next.path, options.kernel);
      if (plan) c.startAhead(next.relPath, plan.kernel, plan.firstCode, (options.startupTimeout ?? 60) * 1000);
    };
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      // the next kernel starts now, alongside this notebook's (tslab start-up + first compile ≈ 2 s a notebook): on
      // 2 cores that slows this kernel's start a little but takes the next one off the critical path (measured:
      // starting it only once this kernel is up left it still starting when short notebooks ended)
      if (options.prestart ?? true) startAhead(i + 1);
      let result: NotebookResult;
      try {
        result = await executeNotebook(client, entry, {
          outputDir,
          kernel: options.kernel,
          timeout: options.timeout,
          allowErrors: options.allowErrors ?? false,
          log,
          kernelStartTimeout: options.startupTimeout,
        });
      } catch (e) {
        // whatever went wrong with one notebook fails that notebook, named; the others still run
        result = failedNotebook(entry, options.kernel, relativePaths(`${entry.path}: ${(e as Error)?.message ?? e}`));
        log(`[${entry.outputName}] FAILED: ${result.error}`);
      }
      summary.notebooks.push(result);
    }
  } finally {
    await client?.drain();
    unregisterClient?.();
    client?.dispose();
    if (ownServer && server) await server.stop();
  }

  if (options.html) {
    const written = summary.notebooks.filter((n) => n.outputPath).map((n) => n.outputPath as string);
    const html = await convertToHtml(options.venv, written, outputDir, options.env);
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
