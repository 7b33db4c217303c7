// Charts for the room: vega-lite v5 specs as pure functions of data, a static SVG render in Node, and one notebook
// output holding both (see DESIGN.md "Charts"). The module notebooks import (`./workshop/observe/charts`):
//   await showChart(shardDistributionChart(rows));                      // one output, three MIME types
//   const live = liveChart(); await live.update(spec); ... await live.update(spec2);  // one output, updated in place
// The specs are in a file per topic, the rendering and display apart:
//   chart-spec.ts      schema, MIME types, colours, fonts, options      chart-workload.ts  shards, throttles, fan-out
//   chart-capacity.ts  capacity per operation, metrics over time         chart-cost.ts      cost per section, dollars
//   chart-render.ts    compile, SVG, the MIME bundle, showChart / liveChart

export {
  type ChartOptions,
  COLORS,
  ROOM_CONFIG,
  SVG_MIME,
  TEXT_MIME,
  type TopLevelSpec,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
} from './chart-spec';
export {
  fanoutLatencyChart,
  type FanoutLatencyRow,
  shardDistributionChart,
  type ShardWritesRow,
  throttleTimelineChart,
  type ThrottleTimelineRow,
} from './chart-workload';
export {
  capacityComparisonChart,
  type CapacityRow,
  type MetricChartOptions,
  type MetricRow,
  metricTimelineChart,
} from './chart-capacity';
export {
  costChart,
  type CostRow,
  formatMicroUsd,
  formatUsd,
  MICRO_USD_TITLE,
} from './chart-cost';
export {
  chartSummary,
  compileChart,
  type CompiledChart,
  type DisplaySink,
  liveChart,
  type LiveChart,
  mimeBundle,
  type MimeBundle,
  renderSvg,
  showChart,
  type ShowChartOptions,
} from './chart-render';
