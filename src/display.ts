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
// Must compile under tslab's TypeScript 5.0.4 (non-strict) as well as the repo's strict TS 5.9.

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
 * the best static type is sent (SVG, else text). Keeps a notebook readable if a future tslab moved its internals.
 */
export const publicApiSink: DisplaySink = (bundle, options) => {
  if (!inTslab()) return false;
  const tslab = require('tslab') as {
    display: { raw(type: string, b: string): void };
    newDisplay(): { raw(type: string, b: string): void };
  };
  const type = typeof bundle['image/svg+xml'] === 'string' ? 'image/svg+xml' : 'text/plain';
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
