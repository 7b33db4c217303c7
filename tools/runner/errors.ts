/**
 * Error outputs the runner adds itself:
 * - tslab answers a failed cell with `execute_reply` status "error" and prints the failure on stderr, with no
 *   `error` output and no ename/evalue/traceback in the reply. `errorFromReply` turns that stderr text into an
 *   nbformat `error` output (ename / evalue / traceback), so the executed notebook and the progress log show
 *   the failure like an IPython error.
 * - the per-cell timeout and a dead kernel, with nbclient's wording.
 * Pure.
 */
import { joinLines } from './nbformat';
import type { ErrorOutput, Output } from './types';

/** A TypeScript diagnostic as tslab prints it: `[file ]line:col - message`. */
const DIAGNOSTIC = /^(?:\S+ )?\d+:\d+ - /;
/** `Name: message` or `Name [CODE]: message` heading a Node error inspection. */
const ERROR_HEAD = /^([A-Za-z_$][\w$.]*)(?: \[[^\]]*\])?: ?(.*)$/;
/** Stack frames of the kernel's own machinery: dropped from the traceback (they stay in the stderr stream). */
const INTERNAL_FRAME = /^\s+at .*(?:node:vm|node:internal|sigintHandlersWrap|[\\/]tslab[\\/]dist[\\/]|processTicksAndRejections)/;

function stderrTexts(outputs: Output[]): string[] {
  // the trailing run of stderr stream outputs: what the kernel printed last, i.e. the failure
  const texts: string[] = [];
  for (let i = outputs.length - 1; i >= 0; i--) {
    const out = outputs[i];
    if (out.output_type !== 'stream' || out.name !== 'stderr') break;
    texts.unshift(joinLines(out.text));
  }
  return texts;
}

function lines(text: string): string[] {
  return text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
}

/** Parse the text Node prints for a thrown value (`console.error(e)`). */
export function parseErrorText(text: string): Pick<ErrorOutput, 'ename' | 'evalue' | 'traceback'> {
  const all = lines(text);
  const traceback = all.filter((l) => !INTERNAL_FRAME.test(l));
  // the first `Name: message` line that is followed by a stack frame (or ends the text) names the error
  for (let i = 0; i < all.length; i++) {
    const m = ERROR_HEAD.exec(all[i]);
    if (!m) continue;
    let j = i + 1;
    while (j < all.length && !/^\s+at /.test(all[j]) && !/^\s*\{?$/.test(all[j])) j++;
    const stackFollows = j < all.length && /^\s+at /.test(all[j]);
    if (!stackFollows && !/(Error|Exception)$/.test(m[1])) continue;
    const evalue = [m[2], ...all.slice(i + 1, j)].join('\n').trim();
    return { ename: m[1], evalue, traceback };
  }
  // a thrown non-Error value: Node prints its inspection only
  const trimmed = text.trim();
  return { ename: 'Error', evalue: trimmed.split('\n')[0] ?? '', traceback };
}

/**
 * The error output for a failed execute_reply. Returns undefined when the kernel already sent an `error`
 * output (kernels other than tslab do), so nothing is duplicated.
 */
export function errorFromReply(replyContent: Record<string, any> | undefined, outputs: Output[]): ErrorOutput | undefined {
  if (outputs.some((o) => o.output_type === 'error')) return undefined;
  const c = replyContent ?? {};
  if (typeof c.ename === 'string' && c.ename) {
    return {
      output_type: 'error',
      ename: c.ename,
      evalue: typeof c.evalue === 'string' ? c.evalue : String(c.evalue ?? ''),
      traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
    };
  }
  const texts = stderrTexts(outputs);
  if (texts.length === 0) {
    return {
      output_type: 'error',
      ename: 'Error',
      evalue: 'The kernel reported the cell as failed and printed no message',
      traceback: [],
    };
  }
  // TypeScript diagnostics: tslab prints one stderr line per diagnostic and runs nothing
  const diagnostics: string[] = [];
  for (let i = texts.length - 1; i >= 0 && DIAGNOSTIC.test(texts[i]); i--) diagnostics.unshift(...lines(texts[i]));
  if (diagnostics.length > 0) {
    const more = diagnostics.length > 1 ? ` (+${diagnostics.length - 1} more)` : '';
    return { output_type: 'error', ename: 'TSError', evalue: `${diagnostics[0]}${more}`, traceback: diagnostics };
  }
  return { output_type: 'error', ...parseErrorText(texts[texts.length - 1]) };
}

/** nbclient's `timeout_err_msg` (CellTimeoutError) as an error output. */
export function timeoutError(timeoutSeconds: number, source: string): ErrorOutput {
  const srcLines = source.trim().split('\n');
  const preview = srcLines.length < 11 ? source : [...srcLines.slice(0, 5), '...', ...srcLines.slice(-5)].join('\n');
  const text =
    `A cell timed out while it was being executed, after ${timeoutSeconds} seconds.\n` +
    `The message was: Cell execution timed out.\n` +
    `Here is a preview of the cell contents:\n-------------------\n${preview}\n-------------------`;
  return {
    output_type: 'error',
    ename: 'CellTimeoutError',
    evalue: `A cell timed out while it was being executed, after ${timeoutSeconds} seconds.`,
    traceback: text.split('\n'),
  };
}

export function deadKernelError(detail = 'Kernel died'): ErrorOutput {
  return { output_type: 'error', ename: 'DeadKernelError', evalue: detail, traceback: [`DeadKernelError: ${detail}`] };
}

/** The readable text of an error output (for progress lines and JUnit). */
export function errorText(err: Pick<ErrorOutput, 'ename' | 'evalue' | 'traceback'>): string {
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
  if (err.traceback.length > 0) return err.traceback.map(strip).join('\n');
  return `${err.ename}: ${err.evalue}`;
}
