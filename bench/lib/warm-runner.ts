/**
 * A PROTOTYPE, for measurement only: tools/run-notebooks.ts plus two changes, built from the runner's own library
 * (same server, same executeNotebook, same output), to measure what they would save before anyone changes the runner:
 *  1. the next notebook's kernel starts while the current notebook runs (kernel start leaves the critical path);
 *  2. each kernel is sent a `complete_request` with its notebook's first code cell as soon as it is up: no code runs
 *     (execution_count and outputs are untouched), but tslab loads and binds the program, SDK declarations included,
 *     so the first execute_request finds it warm.
 *
 *   npx tsx bench/lib/warm-runner.ts --output-dir DIR [--junit FILE] [--timeout S] notebook.ipynb...
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from '../../tools/runner/args';
import { runCleanups } from '../../tools/runner/cleanup';
import { commonRoot, expandPaths, planNotebooks } from '../../tools/runner/discover';
import { executeNotebook, isExecutable, kernelNameFor } from '../../tools/runner/execute';
import { junitXml } from '../../tools/runner/junit';
import { KernelClient, type KernelSession } from '../../tools/runner/kernel';
import { joinLines, readNotebookFile } from '../../tools/runner/nbformat';
import { isServicesNoise } from '../../tools/runner/noise';
import { startJupyterServer } from '../../tools/runner/server';
import type { NotebookResult, Summary } from '../../tools/runner/types';

class PrestartingClient extends KernelClient {
  private readonly pending = new Map<string, Promise<KernelSession>>();

  /** Start (and warm) the kernel of a notebook now; startSession for it later returns this one. */
  prestart(relPath: string, kernelName: string, firstCode: string | undefined, timeoutMs: number): void {
    const p = super.startSession(relPath, kernelName, timeoutMs).then(async (s) => {
      if (firstCode) {
        await s.kernel.requestComplete({ code: firstCode, cursor_pos: firstCode.length }).catch(() => undefined);
      }
      return s;
    });
    p.catch(() => undefined);
    this.pending.set(relPath, p);
  }

  override async startSession(relPath: string, kernelName: string, timeoutMs = 60000): Promise<KernelSession> {
    const p = this.pending.get(relPath);
    if (p) {
      this.pending.delete(relPath);
      return p;
    }
    return super.startSession(relPath, kernelName, timeoutMs);
  }

  async releasePending(): Promise<void> {
    for (const p of this.pending.values()) {
      const s = await p.catch(() => undefined);
      if (s) this.release(s);
    }
    this.pending.clear();
  }
}

async function main(): Promise<number> {
  const repo = resolve(__dirname, '..', '..');
  const opts = parseArgs(process.argv.slice(2), { cwd: process.cwd(), repoRoot: repo, env: process.env });
  const t0 = performance.now();
  const files = expandPaths(opts.paths, process.cwd());
  const root = commonRoot(files);
  const entries = planNotebooks(files, root);
  const log = (l: string) => process.stdout.write(`${l}\n`);
  const summary: Summary = { ok: false, notebooks: [], seconds: 0, serverStartSeconds: 0 };
  const ts = performance.now();
  const server = await startJupyterServer({ venv: opts.venv, rootDir: root, startupTimeout: opts.startupTimeout });
  summary.serverStartSeconds = (performance.now() - ts) / 1000;
  log(`Jupyter Server on ${server.baseUrl} (root ${root}) ready in ${summary.serverStartSeconds.toFixed(2)}s`);
  const client = new PrestartingClient(server);
  const prestart = (i: number) => {
    const e = entries[i];
    if (!e) return;
    try {
      const nb = readNotebookFile(e.path);
      const first = nb.cells.find(isExecutable);
      client.prestart(
        e.relPath,
        kernelNameFor(nb, opts.kernel),
        first ? joinLines(first.source) : undefined,
        opts.startupTimeout * 1000,
      );
    } catch {
      // unreadable: executeNotebook reports it
    }
  };
  try {
    mkdirSync(opts.outputDir, { recursive: true });
    prestart(0);
    for (let i = 0; i < entries.length; i++) {
      prestart(i + 1);
      const r: NotebookResult = await executeNotebook(client, entries[i], {
        outputDir: opts.outputDir,
        kernel: opts.kernel,
        timeout: opts.timeout,
        allowErrors: opts.allowErrors,
        log,
        kernelStartTimeout: opts.startupTimeout,
      });
      summary.notebooks.push(r);
    }
  } finally {
    await client.releasePending();
    await client.drain();
    client.dispose();
    await server.stop();
  }
  summary.seconds = (performance.now() - t0) / 1000;
  summary.ok = summary.notebooks.every((n) => n.ok);
  if (opts.junit) {
    mkdirSync(dirname(opts.junit), { recursive: true });
    writeFileSync(opts.junit, junitXml(summary), 'utf8');
  }
  log(`warm-runner: ${summary.ok ? 'ok' : 'FAILED'} in ${summary.seconds.toFixed(2)}s`);
  return summary.ok ? 0 : 1;
}

process.on('unhandledRejection', (e) => {
  if (!isServicesNoise(e)) process.stderr.write(`warm-runner: ${(e as Error)?.stack ?? e}\n`);
});
main()
  .then((code) => process.exit(code))
  .catch(async (e) => {
    process.stderr.write(`warm-runner: ${(e as Error)?.stack ?? e}\n`);
    await runCleanups();
    process.exit(1);
  });
