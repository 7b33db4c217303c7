/**
 * Execute one notebook in a fresh kernel session, the way nbclient's `async_execute` does:
 * kernel_info → metadata.language_info; every non-empty code cell in order (skip-execution tag: not run);
 * stop at the first failing cell unless errors are allowed (--allow-errors or the raises-exception tag);
 * a timeout interrupts the kernel and fails the notebook. Writes the executed notebook, whatever ran.
 */
import { join } from 'node:path';
import { since, sleep } from './delay';
import { deadKernelError, errorFromReply, timeoutError } from './errors';
import type { KernelClient, ExecuteOutcome } from './kernel';
import { cellTags, joinLines, readNotebookFile, writeNotebookFile } from './nbformat';
import { OutputAccumulator } from './outputs';
import { cellLine, secs, type LineSink } from './report';
import { relativePaths } from './paths';
import type { CellResult, CodeCell, ErrorOutput, Notebook, NotebookResult, Output } from './types';
import type { NotebookEntry } from './discover';

export interface ExecuteOptions {
  outputDir: string;
  /** overrides metadata.kernelspec.name */
  kernel?: string;
  /** per-cell timeout in seconds (undefined: none) */
  timeout?: number;
  allowErrors: boolean;
  log: LineSink;
  /** seconds to wait for a kernel to start */
  kernelStartTimeout?: number;
  /**
   * The kernelspec to start for a notebook's kernel (default: itself): a lane with an environment of its own has
   * its own copy of the kernelspec (tools/runner/lanes.ts). Results and progress name the notebook's kernel.
   */
  kernelFor?: (kernel: string) => string;
}

/** tslab aborts any request that arrives within 200 ms after a failed cell; wait this long after one. */
export const TSLAB_ABORT_WINDOW_MS = 250;
const MAX_ABORT_RETRIES = 2;

/** A failing cell's text outputs name files relative to the repository (tools/runner/paths.ts). */
function relativeOutputs(outputs: Output[]): void {
  for (const o of outputs) {
    if (o.output_type === 'stream') o.text = relativePaths(joinLines(o.text));
    else if (o.output_type === 'error') {
      o.evalue = relativePaths(o.evalue);
      o.traceback = o.traceback.map((line) => relativePaths(line));
    }
  }
}

export function kernelNameFor(nb: Notebook, override?: string): string {
  if (override) return override;
  const spec = nb.metadata.kernelspec as { name?: unknown } | undefined;
  return spec && typeof spec.name === 'string' && spec.name ? spec.name : 'tslab';
}

/** The cells nbclient would execute: code cells with non-blank source. */
export function isExecutable(cell: Notebook['cells'][number]): cell is CodeCell {
  return cell.cell_type === 'code' && joinLines(cell.source).trim() !== '';
}

/** What starting a notebook's kernel ahead needs: its kernel and first code cell; undefined if unreadable. */
export function kernelPlan(path: string, kernelOverride?: string): { kernel: string; firstCode?: string } | undefined {
  try {
    const nb = readNotebookFile(path);
    const first = nb.cells.find(isExecutable);
    return { kernel: kernelNameFor(nb, kernelOverride), firstCode: first && joinLines(first.source) };
  } catch {
    return undefined; // executeNotebook reports it when the notebook's turn comes
  }
}

export async function executeNotebook(client: KernelClient, entry: NotebookEntry, opts: ExecuteOptions): Promise<NotebookResult> {
  const t0 = performance.now();
  const name = entry.label ?? entry.outputName;
  const result: NotebookResult = {
    path: entry.path,
    name,
    kernel: opts.kernel ?? 'tslab',
    cells: 0,
    failed: 0,
    allowedErrors: 0,
    seconds: 0,
    kernelStartSeconds: 0,
    ok: false,
    cellResults: [],
  };
  const finish = () => {
    result.seconds = since(t0);
    return result;
  };

  let nb: Notebook;
  try {
    nb = readNotebookFile(entry.path);
  } catch (e) {
    result.error = relativePaths((e as Error).message);
    opts.log(`[${name}] FAILED: ${result.error}`);
    return finish();
  }
  result.kernel = kernelNameFor(nb, opts.kernel);
  result.cells = nb.cells.filter(isExecutable).length;
  const outputPath = join(opts.outputDir, entry.outputName);
  const write = () => {
    writeNotebookFile(outputPath, nb);
    result.outputPath = outputPath;
  };

  const tk = performance.now();
  let session: Awaited<ReturnType<KernelClient['startSession']>>;
  try {
    const kernel = opts.kernelFor?.(result.kernel) ?? result.kernel;
    const path = entry.sessionPath ?? entry.relPath;
    session = await client.startSession(path, kernel, (opts.kernelStartTimeout ?? 60) * 1000, entry.lane);
  } catch (e) {
    result.error = relativePaths(`kernel "${result.kernel}" did not start: ${(e as Error).message}`);
    opts.log(`[${name}] FAILED: ${result.error}`);
    write();
    return finish();
  }
  result.kernelStartSeconds = since(tk);
  opts.log(`[${name}] kernel ${result.kernel} ready in ${secs(result.kernelStartSeconds)}`);

  try {
    if (session.languageInfo) nb.metadata.language_info = session.languageInfo;
    const acc = new OutputAccumulator(nb);
    let stopped = false;
    let lastErrorAt = -Infinity;

    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      if (!isExecutable(cell)) continue;
      const report = (r: CellResult, allowedBy?: string) => {
        result.cellResults.push(r);
        opts.log(cellLine(name, i + 1, nb.cells.length, r, allowedBy));
      };
      if (stopped) {
        result.cellResults.push({ index: i, id: cell.id, status: 'not-run', seconds: 0 });
        continue;
      }
      const tags = cellTags(cell);
      if (tags.includes('skip-execution')) {
        report({ index: i, id: cell.id, status: 'skipped', seconds: 0 });
        continue;
      }
      const allowedBy = opts.allowErrors
        ? 'allowed: --allow-errors'
        : tags.includes('raises-exception')
          ? 'expected: raises-exception'
          : undefined;

      const wait = lastErrorAt + TSLAB_ABORT_WINDOW_MS - performance.now();
      if (wait > 0) await sleep(wait);

      const tc = performance.now();
      let outcome: ExecuteOutcome;
      for (let attempt = 0; ; attempt++) {
        acc.beginCell(i);
        outcome = await session.execute(
          joinLines(cell.source),
          { iopub: (m) => acc.handleIopub(i, m), reply: (m) => acc.handleReply(i, m) },
          { timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined, stopOnError: !allowedBy },
        );
        if (outcome.status !== 'abort' || attempt >= MAX_ABORT_RETRIES) break;
        await sleep(TSLAB_ABORT_WINDOW_MS + 50);
      }
      const seconds = since(tc);

      if (outcome.status === 'ok') {
        report({ index: i, id: cell.id, status: 'ok', seconds });
        continue;
      }
      lastErrorAt = performance.now();
      let error: ErrorOutput | undefined;
      if (outcome.status === 'timeout') {
        error = timeoutError(opts.timeout ?? 0, joinLines(cell.source));
      } else if (outcome.status === 'dead') {
        error = deadKernelError('Kernel died while executing the cell');
      } else if (outcome.status === 'abort') {
        error = {
          output_type: 'error',
          ename: 'Aborted',
          evalue: 'the kernel aborted the execute request (status "abort")',
          traceback: [],
        };
      } else {
        error = errorFromReply(outcome.reply?.content, cell.outputs);
      }
      if (error) acc.appendOutput(i, error);
      else error = cell.outputs.find((o): o is ErrorOutput => o.output_type === 'error');
      relativeOutputs(cell.outputs);
      const info = error && { ename: error.ename, evalue: error.evalue, traceback: error.traceback };

      if (outcome.status === 'error' && allowedBy) {
        result.allowedErrors++;
        report({ index: i, id: cell.id, status: 'allowed-error', seconds, error: info }, allowedBy);
        continue;
      }
      // timeouts and dead kernels fail the notebook even with --allow-errors (nbclient raises for them)
      result.failed++;
      report({ index: i, id: cell.id, status: outcome.status === 'timeout' ? 'timeout' : 'error', seconds, error: info });
      stopped = true;
    }
    const notRun = result.cellResults.filter((c) => c.status === 'not-run').length;
    if (notRun > 0) opts.log(`[${name}] stopped after the failure: ${notRun} cell(s) not run`);
    result.ok = result.failed === 0;
  } finally {
    write();
    client.release(session);
  }
  opts.log(`[${name}] ${result.ok ? 'ok' : 'FAILED'} in ${secs(since(t0))} → ${outputPath}`);
  return finish();
}
