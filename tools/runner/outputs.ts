/**
 * Output accumulation from kernel messages, mirroring nbclient's `NotebookClient.process_message`,
 * `output`, `clear_output` and `_update_display_id` (nbclient 0.11, as used by
 * `jupyter nbconvert --execute`):
 *
 * - stream / display_data / execute_result / error messages append one output each; consecutive streams
 *   are NOT merged (nbconvert leaves `coalesce_streams` off; measured with tslab);
 * - `clear_output` clears at once, or — with `wait: true` — just before the next output is appended;
 * - a message carrying `transient.display_id` (display_data, execute_result, update_display_data) rewrites
 *   `data` and `metadata` of every output recorded under that id, in any cell of the notebook;
 *   `update_display_data` itself never appends an output;
 * - `execution_count` is taken from any iopub content that carries one (execute_input / execute_result); when none
 *   did (tslab sends no execute_input), from the execute reply, for the cell and its execute_result outputs without
 *   one — a deliberate difference: nbconvert's ExecutePreprocessor then leaves `In [ ]:` on every cell, which reads
 *   as "never run" in the instructor's HTML;
 * - with record_timing, `metadata.execution` gets `iopub.status.busy`, `iopub.execute_input`,
 *   `iopub.status.idle` from iopub and `shell.execute_reply` from the reply.
 *
 * Pure: it mutates only the notebook object it is given; no I/O.
 */
import { nbclientTimestamp } from './timestamps';
import type { CodeCell, JsonObject, KernelMsg, Notebook, Output } from './types';

/** Convert an output message to an nbformat output (nbformat.v4.output_from_msg); undefined if not one. */
export function outputFromMsg(msg: KernelMsg): Output | undefined {
  const c = msg.content ?? {};
  switch (msg.header.msg_type) {
    case 'execute_result':
      return {
        output_type: 'execute_result',
        data: (c.data ?? {}) as JsonObject,
        metadata: (c.metadata ?? {}) as JsonObject,
        execution_count: c.execution_count ?? null,
      };
    case 'stream':
      return { output_type: 'stream', name: c.name, text: c.text ?? '' };
    case 'display_data':
      return { output_type: 'display_data', data: (c.data ?? {}) as JsonObject, metadata: (c.metadata ?? {}) as JsonObject };
    case 'error':
      return { output_type: 'error', ename: c.ename, evalue: c.evalue, traceback: c.traceback ?? [] };
    default:
      return undefined;
  }
}

export interface AccumulatorOptions {
  /** nbclient's record_timing (default true) */
  recordTiming?: boolean;
  /** clock for messages without a date (tests) */
  now?: () => Date;
}

/** Accumulates outputs for the cells of one notebook, one cell at a time. */
export class OutputAccumulator {
  /** display_id → cell index → indices into that cell's outputs */
  private readonly displayIds = new Map<string, Map<number, number[]>>();
  private clearBeforeNextOutput = false;
  /** an iopub message of the current cell carried an execution_count */
  private countFromIopub = false;
  /** the current cell's count from its execute reply, for execute_result outputs that arrive without one */
  private replyCount: number | undefined;
  private readonly recordTiming: boolean;
  private readonly now: () => Date;

  constructor(
    private readonly nb: Notebook,
    options: AccumulatorOptions = {},
  ) {
    this.recordTiming = options.recordTiming ?? true;
    this.now = options.now ?? (() => new Date());
  }

  private cell(index: number): CodeCell {
    const cell = this.nb.cells[index];
    if (cell?.cell_type !== 'code') throw new Error(`cell ${index} is not a code cell`);
    return cell;
  }

  /** Reset a cell before (re-)execution: empty outputs, empty `metadata.execution` (nbclient). */
  beginCell(index: number): void {
    const cell = this.cell(index);
    if (this.recordTiming) cell.metadata.execution = {};
    cell.outputs = [];
    this.clearBeforeNextOutput = false;
    this.countFromIopub = false;
    this.replyCount = undefined;
  }

  /** Record the shell reply (nbclient: `shell.execute_reply` timestamp) and, if iopub carried none, its count. */
  handleReply(index: number, msg: KernelMsg): void {
    if (this.recordTiming) this.execution(index)['shell.execute_reply'] = nbclientTimestamp(msg, this.now);
    const count = msg.content?.execution_count;
    if (this.countFromIopub || typeof count !== 'number') return;
    this.replyCount = count;
    const cell = this.cell(index);
    cell.execution_count = count;
    for (const out of cell.outputs)
      if (out.output_type === 'execute_result' && out.execution_count == null) out.execution_count = count;
  }

  /**
   * Process one iopub message whose parent is the cell's execute_request.
   * @returns true when the message is the `idle` status that completes the cell
   */
  handleIopub(index: number, msg: KernelMsg): boolean {
    const cell = this.cell(index);
    const type = msg.header.msg_type;
    const content = msg.content ?? {};
    const transient = content.transient;
    const displayId: string | undefined = transient ? transient.display_id || undefined : undefined;

    if (displayId && (type === 'execute_result' || type === 'display_data' || type === 'update_display_data')) {
      this.updateDisplayId(displayId, msg);
    }
    if (content && typeof content === 'object' && 'execution_count' in content) {
      cell.execution_count = content.execution_count ?? null;
      if (typeof content.execution_count === 'number') this.countFromIopub = true;
    }
    if (this.recordTiming) {
      if (type === 'status') {
        if (content.execution_state === 'idle') this.execution(index)['iopub.status.idle'] = nbclientTimestamp(msg, this.now);
        else if (content.execution_state === 'busy')
          this.execution(index)['iopub.status.busy'] = nbclientTimestamp(msg, this.now);
      } else if (type === 'execute_input') {
        this.execution(index)['iopub.execute_input'] = nbclientTimestamp(msg, this.now);
      }
    }

    if (type === 'status') return content.execution_state === 'idle';
    if (type === 'clear_output') {
      this.clearOutput(index, Boolean(content.wait));
    } else if (type.startsWith('comm')) {
      // widgets are not supported by tslab; nbclient would record widget state here
    } else if (type !== 'execute_input' && type !== 'update_display_data') {
      this.output(index, msg, displayId);
    }
    return false;
  }

  /** Append an output the runner itself produces (e.g. the error tslab does not send). */
  appendOutput(index: number, out: Output): void {
    this.cell(index).outputs.push(out);
  }

  private execution(index: number): JsonObject {
    const meta = this.cell(index).metadata;
    if (!meta.execution || typeof meta.execution !== 'object' || Array.isArray(meta.execution)) meta.execution = {};
    return meta.execution as JsonObject;
  }

  private output(index: number, msg: KernelMsg, displayId: string | undefined): void {
    const out = outputFromMsg(msg);
    if (!out) return; // nbclient logs "unhandled iopub msg" and ignores it
    const outs = this.cell(index).outputs;
    if (this.clearBeforeNextOutput) {
      outs.length = 0;
      this.clearDisplayIdMapping(index);
      this.clearBeforeNextOutput = false;
    }
    if (displayId) {
      let cellMap = this.displayIds.get(displayId);
      if (!cellMap) this.displayIds.set(displayId, (cellMap = new Map()));
      let list = cellMap.get(index);
      if (!list) cellMap.set(index, (list = []));
      list.push(outs.length);
    }
    if (out.output_type === 'execute_result' && out.execution_count == null && this.replyCount !== undefined) {
      out.execution_count = this.replyCount;
    }
    outs.push(out);
  }

  private clearOutput(index: number, wait: boolean): void {
    if (wait) {
      this.clearBeforeNextOutput = true;
    } else {
      this.cell(index).outputs.length = 0;
      this.clearDisplayIdMapping(index);
    }
  }

  private clearDisplayIdMapping(index: number): void {
    for (const cellMap of this.displayIds.values()) {
      if (cellMap.has(index)) cellMap.set(index, []);
    }
  }

  private updateDisplayId(displayId: string, msg: KernelMsg): void {
    const cellMap = this.displayIds.get(displayId);
    if (!cellMap) return;
    const content = msg.content ?? {};
    const data = (content.data ?? {}) as JsonObject;
    const metadata = (content.metadata ?? {}) as JsonObject;
    for (const [cellIndex, outputIndices] of cellMap) {
      const outs = this.cell(cellIndex).outputs;
      for (const i of outputIndices) {
        const out = outs[i];
        if (out && (out.output_type === 'display_data' || out.output_type === 'execute_result')) {
          out.data = data;
          out.metadata = metadata;
        }
      }
    }
  }
}
