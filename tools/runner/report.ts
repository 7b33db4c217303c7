/**
 * Progress lines and the final summary. Formatting is pure; `Reporter` only hands lines to a sink.
 *
 *   [01_fundamentals.ipynb] cell 3/12 ok 0.41s
 */
import { errorText } from './errors';
import type { CellResult, NotebookResult, Summary } from './types';

export const secs = (s: number) => `${s.toFixed(2)}s`;

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export function cellLine(name: string, cellNumber: number, cellCount: number, r: CellResult, allowedBy?: string): string {
  const head = `[${name}] cell ${cellNumber}/${cellCount}`;
  switch (r.status) {
    case 'ok':
      return `${head} ok ${secs(r.seconds)}`;
    case 'skipped':
      return `${head} skipped (skip-execution)`;
    case 'not-run':
      return `${head} not run`;
    case 'allowed-error':
      return `${head} error (${allowedBy ?? 'allowed'}) ${secs(r.seconds)}${r.error ? `\n${indent(errorText(r.error))}` : ''}`;
    case 'timeout':
      return `${head} TIMEOUT ${secs(r.seconds)}${r.error ? `\n${indent(r.error.evalue)}` : ''}`;
    case 'error':
      return `${head} FAILED ${secs(r.seconds)}${r.error ? `\n${indent(errorText(r.error))}` : ''}`;
  }
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function summaryText(summary: Summary): string {
  const rows = summary.notebooks.map((nb) => {
    const ran = nb.cellResults.filter((c) => c.status !== 'not-run' && c.status !== 'skipped').length;
    const result = nb.ok
      ? nb.allowedErrors > 0
        ? `ok (${nb.allowedErrors} allowed errors)`
        : 'ok'
      : nb.error
        ? `FAILED: ${nb.error.split('\n')[0]}`
        : 'FAILED';
    return [nb.name, String(nb.cells), String(ran), String(nb.failed), nb.seconds.toFixed(2), result];
  });
  const failedNbs = summary.notebooks.filter((n) => !n.ok).length;
  const total = [
    'total',
    String(summary.notebooks.reduce((a, n) => a + n.cells, 0)),
    String(rows.reduce((a, r) => a + Number(r[2]), 0)),
    String(summary.notebooks.reduce((a, n) => a + n.failed, 0)),
    summary.seconds.toFixed(2),
    failedNbs === 0 ? `all ${summary.notebooks.length} passed` : `${failedNbs} of ${summary.notebooks.length} notebooks failed`,
  ];
  const header = ['notebook', 'cells', 'ran', 'failed', 'seconds', 'result'];
  const all = [header, ...rows, total];
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (r: string[]) => `  ${r.map((c, i) => (i === r.length - 1 ? c : pad(c, w[i], i > 0 && i < 5))).join('  ')}`;
  const lines = [
    `Summary (Jupyter Server started in ${secs(summary.serverStartSeconds)})`,
    fmt(header),
    ...rows.map(fmt),
    fmt(total),
  ];
  if (summary.htmlError) lines.push(`HTML export FAILED: ${summary.htmlError}`);
  if (summary.junitPath) lines.push(`JUnit XML: ${summary.junitPath}`);
  return lines.join('\n');
}

export function notebookFailureLine(nb: NotebookResult): string {
  return `[${nb.name}] FAILED: ${nb.error}`;
}

export type LineSink = (line: string) => void;

/** Progress on stdout; nothing once its reader is gone (the CLI stops the run on that EPIPE). */
export const stdoutSink: LineSink = (line) => {
  if (!process.stdout.destroyed && process.stdout.writable) process.stdout.write(`${line}\n`);
};
