// Chart labels where the label is the point (issue 14 item 6): the throttling reasons and the top keys. The static
// SVG is rendered in Node, where vega estimates text width (no canvas) and cut every key of 05 to the same
// "TENANT#globex#EVEN…"; JupyterLab measures text and cut the reasons. Every label must tell its bar apart, in the
// spec (what JupyterLab draws) and in the SVG (what the HTML export and GitHub show), and no reason may be cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type TopLevelSpec, renderSvg } from '../../src/observe/charts';
import { UNPROCESSED_ITEMS_REASON, keyBars, shortLabels, throttleReasonsChart, topKeysChart } from '../../src/observe/metrics';

/** The y-axis labels vega drew: the text of the axis-label mark group(s). */
function axisLabels(svg: string): string[] {
  const labels: string[] = [];
  for (const g of svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>([\s\S]*?)<\/g>/g)) {
    for (const t of g[1].matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)) labels.push(unescapeXml(t[1]));
  }
  return labels;
}
function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
/** Labels on the band (y) axis only: the quantitative axis labels are numbers. */
const bandLabels = (svg: string): string[] => axisLabels(svg).filter((l) => !/^[\d,.\s$µ-]+$/.test(l));

// 05's run: the hot key, then the same load on 8 shards — eight keys that differ only in their last characters.
const KEYS_05 = ['TENANT#acme#EVENTS', ...[2, 0, 6, 5, 4, 1, 3].map((s) => `TENANT#globex#EVENTS#S${s}`)];
const REASONS = [
  { reason: 'TableWriteKeyRangeThroughputExceeded', resource: 'ws-att-h6', kind: 'write' as const, events: 451 },
  { reason: UNPROCESSED_ITEMS_REASON, resource: 'ws-att-h6', kind: 'write' as const, events: 120 },
  { reason: 'IndexWriteKeyRangeThroughputExceeded', resource: 'ws-att-h6 / GSI1_Status', kind: 'write' as const, events: 3 },
  { reason: 'TableReadMaxOnDemandThroughputExceeded', resource: 'ws-att-h6', kind: 'read' as const, events: 1 },
];

async function labelsOf(spec: TopLevelSpec): Promise<string[]> {
  return bandLabels(await renderSvg(spec));
}

test('top keys (05: one hot key + 7 shards): every bar label in the static SVG is distinct and not cut', async () => {
  for (const metric of ['ConsumedThroughputUnits', 'ThrottleCount'] as const) {
    const spec = topKeysChart(
      KEYS_05.map((key, i) => ({ key, value: 360 - 40 * i })),
      { metric, scaleLabel: 'scaled: 1/50' },
    );
    const labels = await labelsOf(spec);
    assert.equal(labels.length, KEYS_05.length, `${metric}: ${JSON.stringify(labels)}`);
    assert.equal(new Set(labels).size, KEYS_05.length, `${metric}: labels repeat: ${JSON.stringify(labels)}`);
    assert.deepEqual(labels, KEYS_05, 'these keys are short enough to show whole');
  }
});

test('top keys with a GSI suffix and long keys: labels shortened from the middle stay distinct, suffix kept', async () => {
  const long = Array.from({ length: 6 }, (_, i) => `TENANT#initech-industries-worldwide#ORDERS#2025-09-28#REGION-${i}`);
  const bars = keyBars(
    long.map((partitionKey, i) => ({
      table: 't',
      index: i % 2 ? 'GSI1_Status' : '',
      partitionKey,
      tenant: 'initech',
      items: 1,
      readUnits: 0,
      writeUnits: 1,
      ConsumedThroughputUnits: 10 - i,
      ThrottleCount: 0,
      reasons: {},
      topReason: '',
    })),
  );
  const labels = await labelsOf(topKeysChart(bars));
  assert.equal(new Set(labels).size, long.length, JSON.stringify(labels));
  labels.forEach((l, i) => {
    assert.ok(l.endsWith(i % 2 ? `REGION-${i} (GSI1_Status)` : `REGION-${i}`), `${l} keeps the distinguishing end`);
    assert.ok(l.startsWith('TENANT…#'), `${l} keeps the start`);
  });
});

test('throttling reasons: every reason whole and distinct, in the SVG and in the spec (no label limit to cut it)', async () => {
  const spec = throttleReasonsChart(REASONS, { scaleLabel: 'scaled: 1/50' });
  const labels = await labelsOf(spec);
  assert.deepEqual(
    labels,
    REASONS.map((r) => r.reason),
  );
  const y = (spec as { encoding: { y: { axis?: { labelLimit?: number } } } }).encoding.y;
  assert.equal(y.axis?.labelLimit, 0, 'JupyterLab measures text: no limit, or it cuts the reason there too');
});

test('shortLabels: unchanged when short, distinct and ending as the original when cut', () => {
  assert.deepEqual(shortLabels(['a', 'b']), ['a', 'b']);
  const keys = ['TENANT#globex#EVENTS#S1', 'TENANT#globex#EVENTS#S2'];
  assert.deepEqual(shortLabels(keys, 12), ['TENANT…#S1', 'TENANT…#S2'], 'the start to the first #, the end from a #');
  const same = shortLabels([`${'x'.repeat(50)}A`, `${'x'.repeat(50)}B`, `${'y'.repeat(50)}A`], 20);
  assert.equal(new Set(same).size, 3);
  for (const s of same) assert.ok(s.length <= 20, s);
  const dup = shortLabels(['k', 'k']);
  assert.equal(new Set(dup).size, 2, 'even equal inputs get distinct labels');
});
