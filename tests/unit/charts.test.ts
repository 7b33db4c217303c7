// Charts: specs valid against the vega-lite v5 schema and warning-free, SVG rendered in Node, one multi-MIME output,
// and the display path proven in a real tslab kernel (nbconvert --execute on tests/fixtures/charts/charts.ipynb).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import {
  SVG_MIME,
  TEXT_MIME,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
  type TopLevelSpec,
  capacityComparisonChart,
  chartSummary,
  compileChart,
  costChart,
  fanoutLatencyChart,
  formatUsd,
  liveChart,
  metricTimelineChart,
  mimeBundle,
  renderSvg,
  shardDistributionChart,
  showChart,
  throttleTimelineChart,
} from '../../src/observe/charts';
import { type DisplayContent, type DisplayOptions, type MimeBundle, kernelSink, tslabWriteDisplayData } from '../../src/display';

const REPO = path.resolve(__dirname, '../..');

const shardRows = [
  { shard: 'S0', writes: 120, throttled: 30 },
  { shard: 'S1', writes: 90 },
  { shard: 'S2', writes: 100, throttled: 0 },
];
const timelineRows = [0, 1, 2].flatMap((second) => [
  { second, series: 'hot key', ok: 10, throttled: 40 - second },
  { second, series: '4 shards', ok: 45, throttled: 0 },
]);
const capacityRows = [
  { operation: 'Query (one tenant)', rcu: 2.5, items: 40 },
  { operation: 'Scan + filter', rcu: 128, items: 40 },
];
const fanoutRows = [1, 2, 4, 8].flatMap((shards) => [
  { shards, mode: 'parallel' as const, ms: 10 + shards },
  { shards, mode: 'sequential' as const, ms: 10 * shards },
]);
const costRows = [
  { section: '01 fundamentals', usd: 0.00012 },
  { section: '02 sharding', usd: 0.0031 },
  { section: '03 tenancy', usd: 0.02 },
];
const metricRows = [0, 60, 120].flatMap((t) => [
  { t, metric: 'ConsumedWriteCapacityUnits', value: t / 2 },
  { t, metric: 'WriteThrottleEvents', value: t % 120 },
]);

/** Every builder, on typical data and on edge cases (empty, timestamps, options). */
const SPECS: Record<string, TopLevelSpec> = {
  shardDistribution: shardDistributionChart(shardRows, { title: 'Writes per shard', scaleLabel: 'scaled: 1/100' }),
  shardDistributionNoThrottles: shardDistributionChart([{ shard: 'P0', writes: 3 }]),
  shardDistributionManyShards: shardDistributionChart(
    Array.from({ length: 16 }, (_, i) => ({ shard: `S${i}`, writes: i * 10, throttled: i % 3 })),
  ),
  shardDistributionEmpty: shardDistributionChart([]),
  throttleTimeline: throttleTimelineChart(timelineRows, { scaleLabel: 'scaled: 1/100 of AWS limits' }),
  throttleTimelineEmpty: throttleTimelineChart([]),
  capacityComparison: capacityComparisonChart(capacityRows),
  capacityComparisonNoItems: capacityComparisonChart([{ operation: 'Query', rcu: 0.5 }], { width: 400, height: 100 }),
  fanoutLatency: fanoutLatencyChart(fanoutRows),
  cost: costChart(costRows, { scaleLabel: 'on-demand, us-east-1' }),
  metricTimelineSeconds: metricTimelineChart(metricRows, { yTitle: 'count' }),
  metricTimelineTimestamps: metricTimelineChart(
    [0, 60, 120].map((s) => ({
      t: new Date(Date.UTC(2025, 0, 1, 10, 0, s)).toISOString(),
      metric: 'ConsumedReadCapacityUnits',
      value: s,
    })),
  ),
};

let validator: ReturnType<Ajv['compile']> | undefined;

/** ajv 8 (draft-07, as the vega-lite schema declares) compiled once: it takes about a second. */
function vegaLiteValidator(): ReturnType<Ajv['compile']> {
  if (validator) return validator;
  const schemaPath = require.resolve('vega-lite/build/vega-lite-schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  assert.match(String(schema.$schema), /draft-07/);
  // strict: false — the vega-lite schema uses keywords ajv's strict mode rejects (it is not ours to fix).
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The formats the schema names (ajv-formats is not installed; these are all it needs).
  ajv.addFormat('color-hex', /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i);
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s));
  ajv.addFormat('uri-reference', true);
  validator = ajv.compile(schema);
  return validator;
}

/** The `<path>` marks inside vega's rect mark groups: one per bar segment drawn. */
function barMarks(svg: string): number {
  let count = 0;
  for (const m of svg.matchAll(/<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/g)) {
    count += (m[1].match(/<path /g) ?? []).length;
  }
  return count;
}

test('every chart spec says vega-lite v5 and validates against the vega-lite v5 JSON schema', () => {
  const validate = vegaLiteValidator();
  for (const [name, spec] of Object.entries(SPECS)) {
    assert.equal((spec as { $schema?: string }).$schema, VEGA_LITE_SCHEMA, name);
    const ok = validate(JSON.parse(JSON.stringify(spec)));
    assert.ok(ok, `${name}: ${JSON.stringify(validate.errors?.slice(0, 3), null, 1)}`);
  }
});

test('the validator is not a rubber stamp', () => {
  const validate = vegaLiteValidator();
  const spec = SPECS.shardDistribution as Record<string, any>;
  assert.equal(validate({ ...spec, mark: 'barz' }), false);
  assert.equal(validate({ ...spec, $schema: 'not a uri' }), false);
  assert.equal(validate({ ...spec, encoding: { ...spec.encoding, x: { field: 'shard', type: 'nominall' } } }), false);
});

test('every chart spec compiles with vega-lite without warnings', () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    const { vega, warnings } = compileChart(spec);
    assert.deepEqual(warnings, [], name);
    assert.ok(Array.isArray(vega.marks) && vega.marks.length > 0, name);
  }
});

test('compileChart reports vega-lite warnings instead of printing them', () => {
  const spec = {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: [{ a: 1 }] },
    mark: 'bar',
    encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'a', type: 'nominal' } },
  } as TopLevelSpec;
  const { warnings } = compileChart(spec);
  assert.ok(warnings.length > 0);
});

test('builders are pure: same data, same spec; the input rows are not changed', () => {
  const rows = shardRows.map((r) => ({ ...r }));
  const before = JSON.stringify(rows);
  assert.deepEqual(shardDistributionChart(rows), shardDistributionChart(rows));
  assert.equal(JSON.stringify(rows), before);
  const spec = shardDistributionChart(rows);
  const specBefore = JSON.stringify(spec);
  compileChart(spec);
  assert.equal(JSON.stringify(spec), specBefore, 'compiling must not mutate the spec');
});

test('charts are readable in a room: width 560, large fonts, a title; the scale label is the subtitle', () => {
  const spec = SPECS.shardDistribution as Record<string, any>;
  assert.equal(spec.width, 560);
  assert.ok(spec.config.title.fontSize >= 18);
  assert.ok(spec.config.axis.labelFontSize >= 13);
  assert.deepEqual(spec.title, { text: 'Writes per shard', subtitle: 'scaled: 1/100' });
  const timeline = SPECS.throttleTimeline as Record<string, any>;
  assert.equal(timeline.spec.width, 560);
  assert.equal(timeline.title.subtitle, 'scaled: 1/100 of AWS limits');
  assert.deepEqual(timeline.facet.row.sort, ['hot key', '4 shards'], 'series keep their given order');
});

test('shard distribution stacks throttled writes in the warning colour, shards in the given order', () => {
  const spec = SPECS.shardDistribution as Record<string, any>;
  assert.deepEqual(spec.data.values, [
    { shard: 'S0', outcome: 'written', count: 120, order: 0 },
    { shard: 'S0', outcome: 'throttled', count: 30, order: 1 },
    { shard: 'S1', outcome: 'written', count: 90, order: 0 },
    { shard: 'S2', outcome: 'written', count: 100, order: 0 },
  ]);
  assert.deepEqual(spec.encoding.x.sort, ['S0', 'S1', 'S2']);
  assert.deepEqual(spec.encoding.color.scale.range, ['#4c78a8', '#f58518']);
});

test('cost chart labels dollars and puts the total in the subtitle; under a cent it says "< $0.01"', () => {
  assert.equal(formatUsd(0), '$0');
  assert.equal(formatUsd(1.234), '$1.23');
  assert.equal(formatUsd(0.0234), '$0.02');
  assert.equal(formatUsd(0.00012), '< $0.01');
  const spec = SPECS.cost as Record<string, any>;
  assert.equal(spec.title.subtitle, 'on-demand, us-east-1 · total $0.02');
  assert.deepEqual(
    spec.data.values.map((v: { label: string }) => v.label),
    ['< $0.01', '< $0.01', '$0.02'],
  );
  assert.equal(spec.encoding.x.axis.format, '$,~r', 'decimal notation on the axis, never an exponent');
});

test('renderSvg draws an SVG with the title and one rect per bar, with no canvas or network', async () => {
  const svg = await renderSvg(SPECS.shardDistribution);
  assert.match(svg, /^<svg [^>]*width="\d+" height="\d+"/);
  assert.match(svg, /<text[^>]*>Writes per shard<\/text>/);
  assert.match(svg, /<text[^>]*>scaled: 1\/100<\/text>/);
  assert.equal(barMarks(svg), 4, 'S0 written + S0 throttled + S1 + S2 (a zero throttle draws no bar)');
  assert.equal(barMarks(await renderSvg(SPECS.capacityComparison)), 2);
  assert.equal(barMarks(await renderSvg(SPECS.cost)), 3);
  assert.match(await renderSvg(SPECS.capacityComparison), />128 RCU · 40 items<\/text>/);
  for (const [name, spec] of Object.entries(SPECS)) {
    assert.match(await renderSvg(spec), /^<svg [\s\S]*<\/svg>$/, name);
  }
});

test('mimeBundle holds the spec as a JSON object, the SVG and a one-line text', async () => {
  const spec = SPECS.throttleTimeline;
  const bundle = await mimeBundle(spec);
  assert.deepEqual(Object.keys(bundle).sort(), [VEGA_LITE_MIME, SVG_MIME, TEXT_MIME].sort());
  assert.equal(VEGA_LITE_MIME, 'application/vnd.vegalite.v5+json');
  assert.equal(typeof bundle[VEGA_LITE_MIME], 'object');
  assert.deepEqual(bundle[VEGA_LITE_MIME], JSON.parse(JSON.stringify(spec)));
  assert.notEqual(bundle[VEGA_LITE_MIME], spec, 'a copy: later changes to the spec do not reach a sent output');
  assert.match(String(bundle[SVG_MIME]), /^<svg [\s\S]*Successful vs throttled requests per second[\s\S]*<\/svg>$/);
  assert.equal(typeof bundle[TEXT_MIME], 'string');
  assert.doesNotMatch(String(bundle[TEXT_MIME]), /\n/);
  assert.equal(bundle[TEXT_MIME], '<vega-lite chart: Successful vs throttled requests per second (12 data rows)>');
  assert.equal(chartSummary({ mark: 'point', data: { values: [] } } as TopLevelSpec), '<vega-lite chart: chart (0 data rows)>');
});

test('showChart outside a kernel returns the bundle and sends nothing', async () => {
  assert.equal(tslabWriteDisplayData(), null);
  const bundle = await showChart(SPECS.cost);
  assert.ok(bundle);
  assert.deepEqual(Object.keys(bundle).sort(), [VEGA_LITE_MIME, SVG_MIME, TEXT_MIME].sort());
});

test('showChart sends ONE message with the three MIME types to the sink, and returns nothing once shown', async () => {
  const sent: { bundle: MimeBundle; options: DisplayOptions }[] = [];
  const result = await showChart(SPECS.cost, {
    display: (bundle, options) => {
      sent.push({ bundle, options });
      return true;
    },
  });
  assert.equal(result, undefined, 'nothing for tslab to print under the chart');
  assert.equal(sent.length, 1);
  assert.deepEqual(Object.keys(sent[0].bundle).sort(), [VEGA_LITE_MIME, SVG_MIME, TEXT_MIME].sort());
  assert.deepEqual(sent[0].options, {});
});

test('liveChart: display_data first, then update_display_data with the same id; bursts are coalesced', async () => {
  const sent: { title: string; options: DisplayOptions }[] = [];
  const live = liveChart({
    display: (bundle, options) => {
      sent.push({ title: String(bundle[TEXT_MIME]), options });
      return true;
    },
  });
  const step = (n: number) => throttleTimelineChart(timelineRows.slice(0, n * 2), { title: `step ${n}` });
  await live.update(step(1));
  // Three updates without waiting: the first renders at once, the second is superseded by the third.
  const burst = [live.update(step(2)), live.update(step(3)), live.update(step(4))];
  assert.equal(await burst[2], undefined);
  await Promise.all(burst);
  assert.deepEqual(
    sent.map((s) => [s.title.replace(/ \(.*/, ''), s.options.update, s.options.displayId]),
    [
      ['<vega-lite chart: step 1', false, live.id],
      ['<vega-lite chart: step 2', true, live.id],
      ['<vega-lite chart: step 4', true, live.id],
    ],
  );
  assert.notEqual(liveChart().id, live.id);
});

test('liveChart keeps "first" as display_data until a sink delivers (no kernel yet)', async () => {
  const options: DisplayOptions[] = [];
  let up = false;
  const live = liveChart({
    display: (_b, o) => {
      options.push(o);
      return up;
    },
  });
  await live.update(SPECS.cost);
  up = true;
  await live.update(SPECS.cost);
  await live.update(SPECS.cost);
  assert.deepEqual(
    options.map((o) => o.update),
    [false, false, true],
  );
});

test("kernelSink calls tslab's lastWriteDisplayData with one content and the update flag", async () => {
  // Stand-in for tslab 1.0.22's dist/jupyter.js as the kernel leaves it: in the module cache, with the function set.
  const fakePath = path.join(tmpdir(), 'fake-tslab', 'node_modules', 'tslab', 'dist', 'jupyter.js');
  const calls: [DisplayContent, boolean][] = [];
  const g = globalThis as { __tslab__?: unknown };
  const fake = { exports: { lastWriteDisplayData: (c: DisplayContent, u: boolean) => calls.push([c, u]) } };
  require.cache[fakePath] = fake as unknown as NodeJS.Module;
  g.__tslab__ = {};
  try {
    const bundle = await mimeBundle(SPECS.cost);
    assert.equal(kernelSink(bundle, {}), true);
    assert.equal(kernelSink(bundle, { displayId: 'abc', update: true }), true);
    assert.deepEqual(calls[0], [{ data: bundle, metadata: {}, transient: {} }, false]);
    assert.deepEqual(calls[1], [{ data: bundle, metadata: {}, transient: { display_id: 'abc' } }, true]);
    assert.equal(await showChart(SPECS.cost), undefined);
    assert.equal(calls.length, 3);
  } finally {
    delete require.cache[fakePath];
    delete g.__tslab__;
  }
  assert.equal(kernelSink({}, {}), false);
});

// ---------------------------------------------------------------------------------------------------------------
// The real thing: a tslab kernel (TypeScript 5.0.4 compiling src/observe/charts.ts through the fixture's workshop symlink),
// executed by nbconvert, which applies update_display_data as nbclient does.

const JUPYTER = path.join(REPO, '.venv', 'bin', 'jupyter');
const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const FIXTURE = path.join(REPO, 'tests', 'fixtures', 'charts', 'charts.ipynb');

interface NbOutput {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  text?: string | string[];
}
interface NbCell {
  cell_type: string;
  id: string;
  outputs?: NbOutput[];
}

const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v));

test('in a real tslab kernel: one display_data with the three MIME types; live updates leave the final state', {
  skip: existsSync(JUPYTER) ? false : `no ${JUPYTER} (create the venv from requirements.txt)`,
  timeout: 180_000,
}, () => {
  const out = mkdtempSync(path.join(tmpdir(), 'charts-nb-'));
  try {
    execFileSync(
      JUPYTER,
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        FIXTURE,
        '--output-dir',
        out,
        '--output',
        'executed',
        '--ExecutePreprocessor.timeout=120',
      ],
      { cwd: REPO, stdio: 'pipe' },
    );
    const executedPath = path.join(out, 'executed.ipynb');
    const nb = JSON.parse(readFileSync(executedPath, 'utf8')) as { cells: NbCell[] };
    const cell = (id: string): NbCell => nb.cells.find((c) => c.id === id) ?? assert.fail(`no ${id}`);

    // showChart: exactly one output, a display_data holding all three representations.
    const shown = cell('cell-01').outputs ?? [];
    assert.deepEqual(
      shown.map((o) => o.output_type),
      ['display_data'],
      `cell-01 outputs: ${JSON.stringify(shown).slice(0, 500)}`,
    );
    const data = shown[0].data ?? {};
    assert.deepEqual(Object.keys(data).sort(), [VEGA_LITE_MIME, SVG_MIME, TEXT_MIME].sort());
    const vl = data[VEGA_LITE_MIME] as Record<string, any>;
    assert.equal(typeof vl, 'object', 'vega-lite JSON is stored as an object, not a string');
    assert.equal(vl.$schema, VEGA_LITE_SCHEMA);
    assert.equal(vl.title.text, 'Fixture writes per shard');
    const svg = joined(data[SVG_MIME]);
    assert.match(svg, /^<svg [\s\S]*>Fixture writes per shard<\/text>[\s\S]*<\/svg>$/);
    assert.equal(barMarks(svg), 4);
    assert.equal(joined(data[TEXT_MIME]), '<vega-lite chart: Fixture writes per shard (4 data rows)>');

    // liveChart: updated three times in its cell and once from the next cell: one output, the last state.
    const live = cell('cell-02').outputs ?? [];
    assert.deepEqual(
      live.map((o) => o.output_type),
      ['display_data'],
    );
    const liveData = live[0].data ?? {};
    assert.deepEqual(Object.keys(liveData).sort(), [VEGA_LITE_MIME, SVG_MIME, TEXT_MIME].sort());
    assert.equal((liveData[VEGA_LITE_MIME] as Record<string, any>).title.text, 'Live step 4');
    assert.match(joined(liveData[SVG_MIME]), />Live step 4<\/text>/);
    assert.deepEqual(cell('cell-03').outputs, [], 'the update from a later cell adds no output there');

    // The executed notebook is valid nbformat, and nbconvert's HTML shows the static SVG.
    execFileSync(PYTHON, [
      '-c',
      'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))',
      executedPath,
    ]);
    execFileSync(JUPYTER, ['nbconvert', '--to', 'html', executedPath, '--output-dir', out], { stdio: 'pipe' });
    const html = readFileSync(path.join(out, 'executed.html'), 'utf8');
    const images = [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) =>
      Buffer.from(m[1], 'base64').toString('utf8'),
    );
    assert.equal(images.length, 2);
    assert.match(images[0], />Fixture writes per shard<\/text>/);
    assert.match(images[1], />Live step 4<\/text>/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
