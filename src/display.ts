// Sending rich output to the notebook: one display_data message carrying several MIME types at once.
//
// tslab's public API (`tslab.display.*`, `newDisplay()`) sends ONE MIME type per message, and stores JSON passed
// through `raw` as a string. A chart needs the vega-lite JSON (JupyterLab renders it), an SVG (nbconvert HTML and
// GitHub show it) and text/plain in the SAME output, so this module calls the function tslab's public API itself
// calls: `lastWriteDisplayData(content, update)` exported by `tslab/dist/jupyter.js` (tslab 1.0.22, pinned in
// package.json). The kernel sets it before running each cell; it sends `content` as the body of a `display_data`
// message (or `update_display_data` when `update` is true) after `JSON.stringify`, so JSON values stay objects.
// tests/unit/charts.test.ts runs a real tslab kernel through nbconvert to prove this path.
//

/** MIME type → data. JSON MIME types (`application/*+json`) hold objects; text types hold strings. */
export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  /** Sets `transient.display_id`, so that a later `update: true` message replaces this output. */
  displayId?: string;
  /** Send `update_display_data` (replace the output with this display id) instead of `display_data`. */
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** Where display messages go. Returns false when it could not deliver (e.g. not running in a kernel). */
export type DisplaySink = (bundle: MimeBundle, options: DisplayOptions) => boolean;

/** The content of a Jupyter `display_data` / `update_display_data` message. */
export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** True when this code runs inside a tslab kernel (its executor sets `globalThis.__tslab__`). */
export function inTslab(): boolean {
  return (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined;
}

/**
 * tslab's current `writeDisplayData`, or null outside a kernel.
 *
 * Found in the module cache rather than with `require('tslab/dist/jupyter')`: the running kernel has necessarily
 * loaded its own jupyter.js, and the cache entry is that very instance even if a second tslab copy were installed
 * elsewhere; requiring it outside a kernel would also load tslab's bundled TypeScript for nothing. Read at each call:
 * tslab replaces it for every cell (it carries the executing cell's message as parent).
 */
export function tslabWriteDisplayData(): WriteDisplayData | null {
  if (!inTslab()) return null;
  const cache = require.cache;
  for (const key of Object.keys(cache)) {
    if (!JUPYTER_MODULE.test(key)) continue;
    const exported = cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    const write = exported?.lastWriteDisplayData;
    if (typeof write === 'function') return write as WriteDisplayData;
  }
  return null;
}

/** Delivers to the tslab kernel the code runs in; false outside a kernel (or if tslab's internals moved). */
export const kernelSink: DisplaySink = (bundle, options) => {
  const write = tslabWriteDisplayData();
  if (write === null) return false;
  const content: DisplayContent = {
    data: bundle,
    metadata: options.metadata ?? {},
    transient: options.displayId === undefined ? {} : { display_id: options.displayId },
  };
  write(content, options.update === true);
  return true;
};

/**
 * Fallback through tslab's public API when the internal is not found in a kernel: one MIME type per message, so only
 * the best static type is sent (SVG, else HTML, else text). Keeps a notebook readable if a future tslab moved its internals.
 */
export const publicApiSink: DisplaySink = (bundle, options) => {
  if (!inTslab()) return false;
  const tslab = require('tslab') as {
    display: { raw(type: string, b: string): void };
    newDisplay(): { raw(type: string, b: string): void };
  };
  const type = ['image/svg+xml', 'text/html', 'text/plain'].find((t) => typeof bundle[t] === 'string') ?? 'text/plain';
  const value = bundle[type];
  if (typeof value !== 'string') return false;
  // A display id of the public API is random and private: live updates degrade to appended outputs.
  (options.displayId === undefined ? tslab.display : tslab.newDisplay()).raw(type, value);
  return true;
};

/** The default: tslab's multi-MIME internal, else its public API, else nothing (plain node/tsx). */
export const defaultSink: DisplaySink = (bundle, options) => kernelSink(bundle, options) || publicApiSink(bundle, options);

/** Sends one display message; returns whether it was delivered. */
export function sendDisplay(bundle: MimeBundle, options: DisplayOptions = {}, sink: DisplaySink = defaultSink): boolean {
  return sink(bundle, options);
}

let displayCounter = 0;

/** A display id unique in this process (the kernel's lifetime). */
export function newDisplayId(prefix = 'ddb-workshop'): string {
  displayCounter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${displayCounter}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Tables
//
// console.table draws a box of text: wider than the notebook column (JupyterLab at 1400 px, nbconvert's HTML), its
// lines wrap and the box falls apart. showTable sends ONE display_data holding an HTML table (it reflows: long
// cells wrap inside their column) and an aligned plain-text copy (for GitHub's text view, a terminal, a kernel that
// cannot take several MIME types). Every value is escaped: a table shows data, never markup.

/** One row of a table: column name → value (any object: an interface's instances are rows too). */
export type TableRow = object;

function cellOf(row: TableRow, column: string): unknown {
  return (row as Record<string, unknown>)[column];
}

export interface TableOptions {
  /** Shown above the table (bold in HTML, the first line of the text). */
  title?: string;
  /** The columns, in this order (default: every key of every row, in first-seen order). */
  columns?: string[];
}

export interface ShowTableOptions extends TableOptions {
  /** Where to send it. Default: the tslab kernel this runs in; outside a kernel nothing is sent. */
  display?: DisplaySink;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `<a href="x">` → `&lt;a href=&quot;x&quot;&gt;` */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Every key of every row in first-seen order, or `columns` as given. */
export function tableColumns(rows: readonly TableRow[], columns?: readonly string[]): string[] {
  if (columns) return columns.slice();
  const seen: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (seen.indexOf(key) < 0) seen.push(key);
  return seen;
}

/**
 * A cell as people read it: numbers never in scientific notation (integers grouped, 3 decimals from 1 up, 3
 * significant digits below 1), nothing for null/undefined, JSON for objects.
 */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
    if (Math.abs(value) >= 1) return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
    return value.toLocaleString('en-US', { maximumSignificantDigits: 3 });
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A column whose every non-empty value is a number is right-aligned. */
function numericColumns(rows: readonly TableRow[], columns: readonly string[]): boolean[] {
  return columns.map((c) => {
    let any = false;
    for (const row of rows) {
      const v = cellOf(row, c);
      if (v === undefined || v === null || v === '') continue;
      if (typeof v !== 'number') return false;
      any = true;
    }
    return any;
  });
}

const NO_ROWS = '(no rows)';

/** The table as HTML: a title, a header row and one row per item, every value escaped. */
export function tableHtml(rows: readonly TableRow[], options: TableOptions = {}): string {
  const columns = tableColumns(rows, options.columns);
  const numeric = numericColumns(rows, columns);
  const align = (i: number): string => (numeric[i] ? ' style="text-align: right"' : ' style="text-align: left"');
  const parts: string[] = ['<div class="ws-table" style="overflow-x: auto">'];
  if (options.title !== undefined) parts.push(`<p><strong>${escapeHtml(options.title)}</strong></p>`);
  if (rows.length === 0) {
    parts.push(`<p>${NO_ROWS}</p>`, '</div>');
    return parts.join('');
  }
  parts.push('<table>', '<thead>', '<tr>');
  for (let i = 0; i < columns.length; i++) parts.push(`<th${align(i)}>${escapeHtml(columns[i])}</th>`);
  parts.push('</tr>', '</thead>', '<tbody>');
  for (const row of rows) {
    parts.push('<tr>');
    for (let i = 0; i < columns.length; i++) {
      parts.push(`<td${align(i)}>${escapeHtml(formatCell(cellOf(row, columns[i])))}</td>`);
    }
    parts.push('</tr>');
  }
  parts.push('</tbody>', '</table>', '</div>');
  return parts.join('');
}

/** The table as aligned plain text (no box drawing: a wrapped line stays readable). */
export function tableText(rows: readonly TableRow[], options: TableOptions = {}): string {
  const lines: string[] = options.title === undefined ? [] : [options.title];
  if (rows.length === 0) return lines.concat(NO_ROWS).join('\n');
  const columns = tableColumns(rows, options.columns);
  const numeric = numericColumns(rows, columns);
  const cells = rows.map((row) => columns.map((c) => formatCell(cellOf(row, c)).replace(/\s*\n\s*/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .replace(/\s+$/, '');
  lines.push(line(columns.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c))));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) lines.push(line(r));
  return lines.join('\n');
}

/** The two representations of one table, for a single display_data. */
export function tableBundle(rows: readonly TableRow[], options: TableOptions = {}): MimeBundle {
  return { 'text/html': tableHtml(rows, options), 'text/plain': tableText(rows, options) };
}

/**
 * Shows rows as ONE notebook output: an HTML table, with a plain-text copy. Returns nothing once shown (tslab prints a
 * cell's last value); where nothing can show it (plain node/tsx) it returns the bundle, so a script can print it.
 */
export function showTable(rows: readonly TableRow[], options: ShowTableOptions = {}): MimeBundle | undefined {
  const bundle = tableBundle(rows, options);
  const delivered = (options.display ?? defaultSink)(bundle, {});
  return delivered ? undefined : bundle;
}
