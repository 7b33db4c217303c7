// Money and tiny numbers as a room reads them (issue 14 item 7): no `$2.9e-07`, no `0.00000000298 GB-month`.
// Every formatter a person reads is run over the same range, from nothing to a million dollars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costChart, formatMicroUsd, formatUsd, renderSvg } from '../../src/observe/charts';
import { BYTES_PER_GB, costTable, estimateCost, formatBytes, formatCostReport, formatUsdPrecise } from '../../src/observe/cost';

const RANGE = [0, 1e-12, 1e-9, 2.9e-7, 0.000857375, 0.004, 0.01, 0.0234, 1.5, 12.3456, 1e6];

/** Readable: no exponent, and no run of four zeros after a decimal point (0.0000…). */
function assertReadable(s: string, what: string): void {
  assert.doesNotMatch(s, /\d[eE][+-]?\d/, `${what}: exponent in ${s}`);
  assert.doesNotMatch(s, /\.0000/, `${what}: a run of zeros in ${s}`);
}

test('formatUsd (charts, totals): dollars an audience reads; under a cent is "< $0.01"', () => {
  assert.deepEqual(
    RANGE.map((n) => formatUsd(n)),
    ['$0', '< $0.01', '< $0.01', '< $0.01', '< $0.01', '< $0.01', '$0.01', '$0.02', '$1.50', '$12.35', '$1,000,000.00'],
  );
  assert.equal(formatUsd(-2.5), '-$2.50');
  for (const n of RANGE) assertReadable(formatUsd(n), `formatUsd(${n})`);
});

test('formatMicroUsd: millionths of a dollar, labelled µ$', () => {
  assert.deepEqual(
    RANGE.map((n) => formatMicroUsd(n)),
    [
      '0 µ$',
      '< 0.001 µ$',
      '0.001 µ$',
      '0.29 µ$',
      '857 µ$',
      '4,000 µ$',
      '10,000 µ$',
      '23,400 µ$',
      '1,500,000 µ$',
      '12,345,600 µ$',
      '1,000,000,000,000 µ$',
    ],
  );
  for (const n of RANGE) assertReadable(formatMicroUsd(n), `formatMicroUsd(${n})`);
});

test("formatUsdPrecise (the bill's arithmetic): 4 significant digits from a tenth of a cent, µ$ below", () => {
  assert.deepEqual(
    RANGE.map((n) => formatUsdPrecise(n)),
    ['$0', '< 0.001 µ$', '0.001 µ$', '0.29 µ$', '857.4 µ$', '$0.004', '$0.01', '$0.0234', '$1.50', '$12.35', '$1,000,000.00'],
  );
  assert.equal(formatUsdPrecise(3.125), '$3.125');
  assert.equal(formatUsdPrecise(3.5625), '$3.563');
  for (const n of RANGE) assertReadable(formatUsdPrecise(n), `formatUsdPrecise(${n})`);
});

test('storage reads as bytes for hours, not as a GB-month with nine zeros', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(400_000), '390.6 KB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3 MB');
  assert.equal(formatBytes(BYTES_PER_GB * 1.5), '1.5 GB');
  const e = estimateCost(
    [{ section: 'storage · 2 h', readUnits: 0, writeUnits: 0, storageBytes: 1_500, gsiStorageBytes: 400_000, hours: 2 }],
    { region: 'us-east-1' },
  );
  const rows = costTable(e);
  const units = rows.map((r) => String(r.units));
  assert.ok(units.includes('1.5 KB for 2 h'), JSON.stringify(units));
  assert.ok(units.includes('390.6 KB for 2 h'), JSON.stringify(units));
  for (const r of rows) for (const v of Object.values(r)) assertReadable(String(v), 'cost table');
  const report = formatCostReport(e);
  assertReadable(report, 'report');
  assert.match(report, /µ\$ = a millionth of a US dollar/, 'µ$ is explained where it is used');
});

test('the cost chart of a workshop (fractions of a cent): micro-dollars, labelled, no exponent on bars or axis', async () => {
  const rows = [
    { section: '1 · fundamentals', usd: 0.000752 },
    { section: '2 · single-table', usd: 2.9e-7 },
    { section: '3 · hot partitions', usd: 0.0006 },
  ];
  const built = costChart(rows);
  const spec = built as Record<string, any>;
  assert.deepEqual(
    spec.data.values.map((v: { label: string }) => v.label),
    ['752 µ$', '0.29 µ$', '600 µ$'],
  );
  assert.match(spec.encoding.x.title, /µ\$/);
  assert.equal(spec.title.subtitle, 'total < $0.01 (1,352 µ$)');
  const svg = await renderSvg(built);
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const t of texts) assertReadable(t, 'cost chart SVG');
});
