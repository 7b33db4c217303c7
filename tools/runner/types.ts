/**
 * Shared types of the notebook runner: the nbformat 4 shapes it reads and writes, the minimal kernel
 * message it consumes, and the results it reports.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A multiline string as stored on disk: one string, or a list of lines (nbformat's split_lines form). */
export type MultilineString = string | string[];

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr' | string;
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: JsonObject;
  metadata: JsonObject;
}
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  data: JsonObject;
  metadata: JsonObject;
  execution_count: number | null;
}
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: 'code';
  id?: string;
  metadata: JsonObject;
  source: MultilineString;
  outputs: Output[];
  execution_count: number | null;
}
export interface OtherCell {
  cell_type: 'markdown' | 'raw';
  id?: string;
  metadata: JsonObject;
  source: MultilineString;
  attachments?: JsonObject;
}
export type Cell = CodeCell | OtherCell;

export interface Notebook {
  cells: Cell[];
  metadata: JsonObject;
  nbformat: number;
  nbformat_minor: number;
}

/** The part of a Jupyter message the runner reads (structurally compatible with @jupyterlab/services'). */
export interface KernelMsg {
  header: { msg_type: string; date?: string; msg_id?: string };
  parent_header?: { msg_id?: string } | Record<string, never>;
  content: any;
  channel?: string;
}

export type CellStatus =
  /** ran without error */
  | 'ok'
  /** failed and stopped the notebook */
  | 'error'
  /** failed, but --allow-errors or the `raises-exception` tag allowed it */
  | 'allowed-error'
  /** exceeded the per-cell timeout (always fails the notebook) */
  | 'timeout'
  /** `skip-execution` tag */
  | 'skipped'
  /** not reached because an earlier cell failed */
  | 'not-run';

export interface CellResult {
  /** 0-based index in notebook.cells */
  index: number;
  id?: string;
  status: CellStatus;
  seconds: number;
  error?: { ename: string; evalue: string; traceback: string[] };
}

export interface NotebookResult {
  /** the notebook as given (absolute) */
  path: string;
  /** label used in progress lines, e.g. `01_fundamentals.ipynb` */
  name: string;
  /** the executed notebook written to disk (absent if nothing could be written) */
  outputPath?: string;
  htmlPath?: string;
  kernel: string;
  /** code cells that were executed or had to be (excludes empty cells) */
  cells: number;
  /** cells that failed the notebook (error or timeout) */
  failed: number;
  /** cells whose error was allowed */
  allowedErrors: number;
  seconds: number;
  /** seconds from session request to kernel_info reply */
  kernelStartSeconds: number;
  ok: boolean;
  /** a failure outside any cell (kernel did not start, notebook unreadable, …) */
  error?: string;
  cellResults: CellResult[];
}

export interface Summary {
  ok: boolean;
  notebooks: NotebookResult[];
  seconds: number;
  serverStartSeconds: number;
  /** set when the --html conversion failed */
  htmlError?: string;
  junitPath?: string;
}
