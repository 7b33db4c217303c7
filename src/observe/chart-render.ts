// A chart spec rendered and shown: compiled by vega-lite (its warnings collected), a static SVG rendered in Node, and
// one notebook output holding both (see DESIGN.md "Charts"):
//   await showChart(shardDistributionChart(rows));                      // one output, three MIME types
//   const live = liveChart(); await live.update(spec); ... await live.update(spec2);  // one output, updated in place

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { type DisplaySink, type MimeBundle, defaultSink, newDisplayId } from '../display';
import { SVG_MIME, TEXT_MIME, VEGA_LITE_MIME } from './chart-spec';

export type { DisplaySink, MimeBundle } from '../display';

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export interface CompiledChart {
  /** The Vega spec vega-lite produced. */
  vega: vega.Spec;
  /** Warnings vega-lite logged while compiling: a correct chart has none. */
  warnings: string[];
}

/** Compiles with vega-lite, collecting its warnings instead of printing them into the notebook. */
export function compileChart(spec: TopLevelSpec): CompiledChart {
  const warnings: string[] = [];
  let level = 2;
  const logger = {
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    level(l?: number): any {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    error(...args: readonly unknown[]): any {
      throw new Error(args.map(String).join(' '));
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    warn(...args: readonly unknown[]): any {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    info(): any {
      return logger;
    },
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    debug(): any {
      return logger;
    },
  };
  // vega-lite keeps references into its input; give it a copy so the caller's spec stays as built.
  const input = JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
  const compiled = vl.compile(input, { logger });
  return { vega: compiled.spec, warnings };
}

/**
 * The chart as an SVG string, rendered in Node with no canvas, browser or network: vega-lite compile → vega View
 * (renderer 'none') → `toSVG()`. Text stays SVG `<text>` (widths are estimated without a canvas package).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega: vgSpec } = compileChart(spec);
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function titleText(spec: TopLevelSpec): string | undefined {
  const t = (spec as { title?: unknown }).title;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.join(' ');
  if (t && typeof t === 'object') {
    const text = (t as { text?: unknown }).text;
    if (typeof text === 'string') return text;
    if (Array.isArray(text)) return text.join(' ');
  }
  return undefined;
}

/** A one-line description for `text/plain`: the title and the number of data rows. */
export function chartSummary(spec: TopLevelSpec): string {
  const values = (spec as { data?: { values?: unknown } }).data?.values;
  const n = Array.isArray(values) ? values.length : undefined;
  const title = titleText(spec) ?? 'chart';
  return `<vega-lite chart: ${title}${n === undefined ? '' : ` (${n} data rows)`}>`;
}

/**
 * The three representations of one chart, for a single display_data: the spec (a JSON object, for JupyterLab),
 * the SVG (for nbconvert HTML and GitHub) and a one-line text.
 */
export async function mimeBundle(spec: TopLevelSpec): Promise<MimeBundle> {
  const json = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  return {
    [VEGA_LITE_MIME]: json,
    [SVG_MIME]: await renderSvg(spec),
    [TEXT_MIME]: chartSummary(spec),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Notebook display

export interface ShowChartOptions {
  /** Where to send it. Default: the tslab kernel this runs in; outside a kernel nothing is sent. */
  display?: DisplaySink;
}

/**
 * Shows the chart as ONE notebook output holding vega-lite JSON + SVG + text.
 *
 * Resolves with nothing once the chart was sent (tslab prints a cell's last value: `await showChart(...)` must not
 * add the bundle as text under the chart). Where nothing can show it (plain node/tsx, no kernel) it resolves with the
 * bundle instead, so scripts can save it.
 */
export async function showChart(spec: TopLevelSpec, opts: ShowChartOptions = {}): Promise<MimeBundle | undefined> {
  const bundle = await mimeBundle(spec);
  const delivered = (opts.display ?? defaultSink)(bundle, {});
  return delivered ? undefined : bundle;
}

export interface LiveChart {
  /** The `display_id` shared by every update. */
  readonly id: string;
  /**
   * Shows `spec` in this chart's output: the first call creates the output, later calls replace it in place
   * (update_display_data), so the executed notebook keeps the last state. Calls made while one is rendering are
   * coalesced: only the newest spec is drawn next. Resolves (with nothing, so tslab prints nothing) once the newest
   * spec is sent. Await the last call before the cell ends.
   */
  update(spec: TopLevelSpec): Promise<void>;
}

/** One output updated in place: for the room's live load demo (throttles climbing, then falling once sharded). */
export function liveChart(opts: ShowChartOptions & { id?: string } = {}): LiveChart {
  const id = opts.id ?? newDisplayId('chart');
  const sink = opts.display ?? defaultSink;
  let shown = false;
  let pending: TopLevelSpec | null = null;
  let running: Promise<void> | null = null;

  async function drain(): Promise<void> {
    try {
      while (pending !== null) {
        const spec: TopLevelSpec = pending;
        pending = null;
        const bundle = await mimeBundle(spec);
        if (sink(bundle, { displayId: id, update: shown })) shown = true;
      }
    } finally {
      running = null;
    }
  }

  return {
    id,
    update(spec: TopLevelSpec): Promise<void> {
      pending = spec;
      if (running === null) running = drain();
      return running;
    },
  };
}
