/**
 * Reading and writing notebooks the way nbformat (5.x, Python) does:
 * - read: parse, rejoin split lines (`rejoin_lines`), upgrade v4.<5 to v4.5 and add missing / repair
 *   duplicate cell ids (`normalize`), strip transient fields;
 * - write: `split_lines`, `strip_transient`, then `json.dumps(indent=1, sort_keys=True,
 *   separators=(",", ": "), ensure_ascii=False)` plus a trailing newline.
 * Pure except for `readNotebookFile` / `writeNotebookFile`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Cell, JsonObject, JsonValue, MultilineString, Notebook } from './types';

/** nbformat.corpus.words.generate_corpus_id: uuid4().hex[:8] */
export function newCellId(): string {
  return randomBytes(4).toString('hex');
}

/** Python's `str.splitlines(keepends=True)`. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(text.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

export function joinLines(value: MultilineString): string {
  return Array.isArray(value) ? value.join('') : value;
}

function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

const SPLIT_MIMES = new Set(['application/javascript', 'image/svg+xml']);

function rejoinMimebundle(data: JsonObject): void {
  for (const [key, value] of Object.entries(data)) {
    if (!isJsonMime(key) && Array.isArray(value) && value.every((l) => typeof l === 'string')) {
      data[key] = (value as string[]).join('');
    }
  }
}

function splitMimebundle(data: JsonObject): void {
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string' && (key.startsWith('text/') || SPLIT_MIMES.has(key))) data[key] = splitLines(value);
  }
}

export class NotebookFormatError extends Error {}

/** What a JSON value is, for messages: `null`, `a string`, `a list`, `an object`, `a number`… */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const CELL_TYPES = new Set(['code', 'markdown', 'raw']);

/**
 * The structure the runner relies on, checked before it touches anything, so that a malformed notebook fails with
 * its file, cell and field named (not a TypeError later, which aborted the whole run). Tolerated as nbformat's
 * reader tolerates them: a missing source (empty), missing outputs, metadata or ids.
 */
function checkShape(raw: any, label: string): void {
  const fail = (what: string) => {
    throw new NotebookFormatError(`${label}: ${what}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    fail(`not a notebook (${Array.isArray(raw) ? 'a JSON array' : kind(raw)}, not an object)`);
  }
  if (raw.nbformat === undefined) fail('no "nbformat" field: not a Jupyter notebook');
  if (raw.nbformat !== 4) fail(`nbformat ${JSON.stringify(raw.nbformat)}, not 4: the runner reads nbformat 4 notebooks`);
  if (raw.cells === undefined) fail('"cells" is missing');
  if (!Array.isArray(raw.cells)) fail(`"cells" must be a list of cells, not ${kind(raw.cells)}`);
  raw.cells.forEach((cell: any, i: number) => {
    const where = `cell ${i + 1}${cell && typeof cell.id === 'string' && cell.id ? ` (id ${cell.id})` : ''}`;
    if (!cell || typeof cell !== 'object' || Array.isArray(cell)) fail(`${where}: not an object but ${kind(cell)}`);
    if (cell.cell_type === undefined) fail(`${where}: "cell_type" is missing`);
    if (!CELL_TYPES.has(cell.cell_type)) {
      fail(`${where}: "cell_type" must be "code", "markdown" or "raw", not ${JSON.stringify(cell.cell_type)}`);
    }
    const src = cell.source;
    const badLine = Array.isArray(src) ? src.findIndex((l: unknown) => typeof l !== 'string') : -1;
    if ((src !== undefined && typeof src !== 'string' && !Array.isArray(src)) || badLine >= 0) {
      const what = badLine >= 0 ? `a list holding ${kind(src[badLine])}` : kind(src);
      fail(`${where}: "source" must be a string or a list of strings, not ${what}`);
    }
    if (cell.cell_type === 'code' && cell.outputs != null) {
      if (!Array.isArray(cell.outputs)) fail(`${where}: "outputs" must be a list, not ${kind(cell.outputs)}`);
      cell.outputs.forEach((out: any, j: number) => {
        if (!out || typeof out !== 'object' || typeof out.output_type !== 'string') {
          fail(`${where}: output ${j + 1} is not an output (an object with an "output_type")`);
        }
      });
    }
  });
}

/** Parse notebook JSON text into the in-memory form (joined strings, v4.5, ids present). */
export function parseNotebook(text: string, label = 'notebook'): Notebook {
  let raw: any;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new NotebookFormatError(`${label}: not valid JSON (${(e as Error).message})`);
  }
  checkShape(raw, label);
  const nb = raw as Notebook;
  if (!nb.metadata || typeof nb.metadata !== 'object') nb.metadata = {};
  for (const cell of nb.cells) {
    if (!cell.metadata || typeof cell.metadata !== 'object') cell.metadata = {};
    if (Array.isArray(cell.source)) cell.source = cell.source.join('');
    if (cell.source === undefined) cell.source = '';
    if ('attachments' in cell && cell.attachments) {
      for (const att of Object.values(cell.attachments)) rejoinMimebundle(att as JsonObject);
    }
    if (cell.cell_type === 'code') {
      if (!Array.isArray(cell.outputs)) cell.outputs = [];
      if (cell.execution_count === undefined) cell.execution_count = null;
      for (const out of cell.outputs) {
        if (out.output_type === 'stream') out.text = joinLines(out.text);
        else if (out.output_type === 'display_data' || out.output_type === 'execute_result') rejoinMimebundle(out.data ?? {});
      }
    }
  }
  normalizeNotebook(nb);
  return nb;
}

/** Upgrade to v4.5 and make cell ids present and unique (nbformat's upgrade + normalize). */
export function normalizeNotebook(nb: Notebook): Notebook {
  nb.nbformat = 4;
  nb.nbformat_minor = Math.max(5, Number(nb.nbformat_minor) || 0);
  const seen = new Set<string>();
  for (const cell of nb.cells) {
    if (typeof cell.id !== 'string' || cell.id === '' || seen.has(cell.id)) {
      let id = newCellId();
      while (seen.has(id)) id = newCellId();
      cell.id = id;
    }
    seen.add(cell.id);
  }
  return nb;
}

/** Python `json.dumps(indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)`. */
export function dumpJson(value: JsonValue | undefined, depth = 0): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  const pad = ' '.repeat(depth + 1);
  const end = ' '.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + dumpJson(v, depth + 1)).join(',\n')}\n${end}]`;
  }
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${dumpJson(value[k], depth + 1)}`).join(',\n')}\n${end}}`;
}

/** Serialize like `nbformat.writes(nb)` (+ the trailing newline nbformat.write adds). */
export function serializeNotebook(nb: Notebook): string {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  for (const key of ['orig_nbformat', 'orig_nbformat_minor', 'signature']) delete copy.metadata[key];
  for (const cell of copy.cells as Cell[]) {
    delete cell.metadata.trusted;
    if (typeof cell.source === 'string') cell.source = splitLines(cell.source);
    if ('attachments' in cell && cell.attachments) {
      for (const att of Object.values(cell.attachments)) splitMimebundle(att as JsonObject);
    }
    if (cell.cell_type === 'code') {
      for (const out of cell.outputs) {
        if (out.output_type === 'execute_result' || out.output_type === 'display_data') splitMimebundle(out.data ?? {});
        else if (out.output_type === 'stream' && typeof out.text === 'string') out.text = splitLines(out.text);
      }
    }
  }
  return `${dumpJson(copy as unknown as JsonValue)}\n`;
}

export function readNotebookFile(path: string): Notebook {
  return parseNotebook(readFileSync(path, 'utf8'), path);
}

export function writeNotebookFile(path: string, nb: Notebook): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serializeNotebook(nb), 'utf8');
}

/** A code cell's tags (metadata.tags), tolerant of malformed metadata. */
export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}
