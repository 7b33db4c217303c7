// What every chart spec shares: vega-lite v5's schema and MIME types, the room's colours and fonts, chart options.
//
// Why v5: JupyterLab 4 renders `application/vnd.vegalite.v5+json` but not v6, and vega 5 / vega-lite 5 are CommonJS,
// so tslab's CommonJS output can `require` them. The SVG is for nbconvert's HTML and GitHub, which do not run vega.

import type { Config } from 'vega-lite';

export type { TopLevelSpec } from 'vega-lite';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
export const SVG_MIME = 'image/svg+xml';
export const TEXT_MIME = 'text/plain';

/** Colours: blue for what succeeded, orange (a warning, and colour-blind safe against blue) for throttles. */
export const COLORS = {
  ok: '#4c78a8',
  throttled: '#f58518',
  neutral: '#4c78a8',
  series: ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d'],
} as const;

/** Options every chart takes. */
export interface ChartOptions {
  title?: string;
  /** Shown under the title, e.g. "scaled: 1/100 of AWS limits". */
  scaleLabel?: string;
  /** Plot width in pixels (default 560: fits a notebook column and a projector). */
  width?: number;
  /** Plot height in pixels (a facet's height for faceted charts). */
  height?: number;
}

/** Plot width in pixels: fits a notebook column and a projector. */
export const DEFAULT_WIDTH = 560;

/** Readable from the back of a room: larger fonts than vega's defaults, no chart border. */
export const ROOM_CONFIG: Config = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null },
  title: { fontSize: 20, subtitleFontSize: 14, subtitleColor: '#555', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 14, titleFontSize: 15, titlePadding: 10, labelLimit: 220 },
  legend: { labelFontSize: 14, titleFontSize: 14, symbolSize: 160, orient: 'top' },
  header: { labelFontSize: 15, titleFontSize: 15 },
  text: { fontSize: 14 },
};

export function chartTitle(defaultTitle: string, opts: ChartOptions): { text: string; subtitle?: string } {
  const text = opts.title ?? defaultTitle;
  return opts.scaleLabel ? { text, subtitle: opts.scaleLabel } : { text };
}

/**
 * How a single-view chart spec starts: the schema, its title (the chart's default unless `opts.title`), its size
 * (DEFAULT_WIDTH and `defaultHeight` unless `opts` says otherwise) and the room's config.
 */
export function chartFrame(defaultTitle: string, opts: ChartOptions, defaultHeight: number) {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle(defaultTitle, opts),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? defaultHeight,
    config: ROOM_CONFIG,
  };
}

/** A colour encoding of two outcomes, the good one in COLORS.ok and the bad one in COLORS.throttled; no legend title. */
export function okThrottledColor(field: string, ok: string, throttled: string) {
  return {
    field,
    type: 'nominal' as const,
    title: null,
    scale: { domain: [ok, throttled], range: [COLORS.ok, COLORS.throttled] },
  };
}

/** Keeps first-seen order: vega-lite sorts nominal domains alphabetically unless told otherwise. */
export function uniqueInOrder<T>(values: T[]): T[] {
  return Array.from(new Set(values));
}
