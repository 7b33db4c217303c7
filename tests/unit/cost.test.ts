import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-dynamodb';
import type { SerializeMiddleware } from '@aws-sdk/types';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  BYTES_PER_GB,
  ConsumptionTally,
  HOURS_PER_MONTH,
  capacityKindOf,
  consumptionFromCapacityUses,
  consumptionFromRecorder,
  costFromRecorder,
  costRows,
  costTable,
  estimateCost,
  formatCostReport,
  formatSignificant,
  formatUnits,
  formatUsdPrecise,
  readRequestUnits,
  requestCost,
  roundUsd,
  storageGbMonths,
  unitsFromConsumedCapacity,
  writeRequestUnits,
} from '../../src/observe/cost';
import {
  ON_DEMAND_PRICES,
  UNCONFIRMED_PRICE_REGIONS,
  knownPricingRegions,
  pricesFor,
  pricesForEstimate,
} from '../../src/observe/pricing';
import { WorkshopError } from '../../src/errors';
import { attachRecorder, type ResourceRow } from '../../src/observe/metrics';

const KB = 1024;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WorkshopError, `expected a WorkshopError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a throw');
}

// ---------------------------------------------------------------------------------------------------------------
// The price table

test('the price table holds only confirmed figures, each with region, currency, date, source and evidence', () => {
  assert.deepEqual(knownPricingRegions(), ['us-east-1']);
  for (const [region, p] of Object.entries(ON_DEMAND_PRICES)) {
    assert.equal(p.region, region);
    assert.equal(p.currency, 'USD');
    assert.equal(p.tableClass, 'STANDARD');
    assert.equal(p.capacityMode, 'ON_DEMAND');
    assert.match(p.takenOn, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(!Number.isNaN(Date.parse(p.takenOn)), 'takenOn is a real date');
    assert.equal(p.effectiveFrom, '2024-11-01', 'prices after the Nov 2024 on-demand price cut');
    assert.match(p.sourceUrl, /^https:\/\/aws\.amazon\.com\/dynamodb\/pricing\/on-demand\/$/);
    assert.equal(p.confirmed, true, 'never an invented price: an unconfirmed Region is not in the table');
    assert.ok(p.evidence.length > 0 && p.evidence.every((e) => e.length > 20), 'says where the figures come from');
    assert.ok(p.note.length > 0);
    for (const v of [p.writePerMillion, p.readPerMillion, p.storagePerGbMonth]) assert.ok(v > 0);
    assert.deepEqual(p.gsi, {
      writePerMillion: p.writePerMillion,
      readPerMillion: p.readPerMillion,
      storagePerGbMonth: p.storagePerGbMonth,
    });
    assert.ok(Math.abs(p.writePerMillion - 5 * p.readPerMillion) < 1e-12, 'a WRU costs 5 RRU in both Regions');
  }
});

test('us-east-1 is confirmed at the post-Nov-2024 prices: $0.625 / $0.125 per million, $0.25 per GB-month', () => {
  const p = pricesFor('us-east-1');
  assert.equal(p.confirmed, true);
  assert.deepEqual([p.writePerMillion, p.readPerMillion, p.storagePerGbMonth], [0.625, 0.125, 0.25]);
  assert.match(p.evidence.join(' '), /2024|Price List/);
});

test('ap-southeast-1 has no invented prices: the search for them is recorded, with its date, and no figure', () => {
  const r = UNCONFIRMED_PRICE_REGIONS['ap-southeast-1'];
  assert.match(r.regionName, /Singapore/);
  assert.match(r.checkedOn, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(r.evidence.length > 0);
  assert.equal(ON_DEMAND_PRICES['ap-southeast-1'], undefined);
  assert.doesNotMatch(JSON.stringify(r), /0\.7125|0\.1425/, 'the figures written from recollection are gone');
});

test("a Region without confirmed prices is priced at us-east-1's, said once in a quiet note", () => {
  const choice = pricesForEstimate('ap-southeast-1');
  assert.equal(choice.requested, 'ap-southeast-1');
  assert.equal(choice.prices.region, 'us-east-1');
  assert.equal(choice.standIn, true);
  assert.match(choice.note ?? '', /ap-southeast-1/);
  assert.match(choice.note ?? '', /us-east-1/);
  assert.doesNotMatch(choice.note ?? '', /UNCONFIRMED|!/);
  const own = pricesForEstimate('us-east-1');
  assert.deepEqual([own.standIn, own.note, own.prices.region], [false, undefined, 'us-east-1']);
  assert.equal(pricesForEstimate('eu-west-1').prices.region, 'us-east-1');
});

test('an unknown region is an error naming the known ones, never a guess', () => {
  assert.equal(
    code(() => pricesFor('eu-west-1')),
    'PRICES_UNKNOWN',
  );
  assert.throws(() => pricesFor('eu-west-1'), /known: us-east-1/);
  assert.throws(() => pricesFor('ap-southeast-1'), /not confirmed/);
});

// ---------------------------------------------------------------------------------------------------------------
// Arithmetic

test('request units from sizes: 2.5 KB writes take 3 WRU each; eventually consistent 6 KB reads 1 RRU each', () => {
  assert.equal(writeRequestUnits(1_000_000, 2.5 * KB), 3_000_000);
  assert.equal(readRequestUnits(10_000_000, 6 * KB), 10_000_000);
  assert.equal(readRequestUnits(10_000_000, 6 * KB, { consistent: true }), 20_000_000);
  assert.equal(readRequestUnits(1, 3 * KB), 0.5);
  assert.equal(writeRequestUnits(1, 1 * KB, { transactional: true }), 2);
});

test('exact cost in us-east-1: 3M WRU + 10M RRU = $1.875 + $1.25 = $3.125', () => {
  const e = estimateCost([{ section: 'exercise', writeUnits: 3_000_000, readUnits: 10_000_000 }], { region: 'us-east-1' });
  assert.equal(e.usd, 3.125);
  assert.equal(e.region, 'us-east-1');
  assert.equal(e.pricesConfirmed, true);
  const [w, r] = e.sections[0].lines;
  assert.deepEqual([w.item, w.quantity, w.unit, w.price, w.usd], ['table writes', 3_000_000, 'WRU', 0.625, 1.875]);
  assert.deepEqual([r.item, r.quantity, r.unit, r.price, r.usd], ['table reads', 10_000_000, 'RRU', 0.125, 1.25]);
  assert.equal(w.arithmetic, '3,000,000 WRU × $0.625 / 1,000,000 = $1.875');
  assert.equal(r.arithmetic, '10,000,000 RRU × $0.125 / 1,000,000 = $1.25');
  assert.equal(w.priceLabel, '$0.625 per million WRU');
});

test('the default region (ap-southeast-1) is estimated at confirmed us-east-1 prices: $3.125, never flagged', () => {
  const e = estimateCost([{ section: 'exercise', writeUnits: 3_000_000, readUnits: 10_000_000 }]);
  assert.equal(e.requestedRegion, 'ap-southeast-1');
  assert.equal(e.region, 'us-east-1');
  assert.equal(e.usd, 3.125);
  assert.equal(e.pricesConfirmed, true);
  assert.match(e.priceNote ?? '', /ap-southeast-1/);
  assert.ok(e.notes[0].includes('taken 2026-11-25') && e.notes[0].includes('https://aws.amazon.com/dynamodb/pricing/on-demand/'));
  const report = formatCostReport(e);
  assert.doesNotMatch(report, /UNCONFIRMED/i);
  assert.match(report, /^DynamoDB on-demand cost — US East \(N\. Virginia\) \(us-east-1\)/);
});

test('06_cleanup says once which prices it uses, and never shows "unconfirmed"', () => {
  const nb = JSON.parse(readFileSync(path.join(__dirname, '../../notebooks/06_cleanup.ipynb'), 'utf8')) as {
    cells: { source: string[] }[];
  };
  const text = nb.cells.map((c) => c.source.join('')).join('\n');
  assert.doesNotMatch(text, /prices unconfirmed|UNCONFIRMED|\.confirmed\)? console/);
  assert.equal((text.match(/pricesForEstimate\(config\.region\)/g) ?? []).length, 1, 'one place chooses the prices');
});

test('rounding: single units are exact, float noise never shows, costs keep 1e-12 USD', () => {
  assert.equal(requestCost(1, 0.625), 6.25e-7);
  assert.equal(requestCost(0.5, 0.125), 6.25e-8);
  assert.equal(roundUsd(0.1 + 0.2), 0.3);
  const e = estimateCost(
    [
      { section: 'a', readUnits: 0.1, writeUnits: 0 },
      { section: 'a', readUnits: 0.2, writeUnits: 0 },
    ],
    { region: 'us-east-1' },
  );
  assert.equal(e.sections[0].readUnits, 0.30000000000000004, 'units are added as given');
  assert.equal(e.sections[0].lines[0].usd, 3.75e-8, '0.3 RRU × $0.125 / 1e6, rounded to 1e-12');
  assert.equal(e.sections[0].lines[0].arithmetic, '0.3 RRU × $0.125 / 1,000,000 = 0.0375 µ$');
  // The total is the sum of the (rounded) section costs.
  const many = estimateCost(
    Array.from({ length: 7 }, (_, i) => ({ section: `s${i}`, readUnits: 1, writeUnits: 1 })),
    { region: 'us-east-1' },
  );
  assert.equal(many.usd, 5.25e-6, '7 × $7.5e-7 without the float noise of 7 * 7.5e-7');
  assert.equal(many.total.usd, many.usd);
});

test('per section: records are added up in first-seen order; GSI and storage lines are separate', () => {
  const e = estimateCost(
    [
      { section: '2 · single-table', readUnits: 4, writeUnits: 8, gsiWriteUnits: 5, gsiReadUnits: 1 },
      { section: '1 · fundamentals', readUnits: 100, writeUnits: 1203 },
      { section: '2 · single-table', readUnits: 2, writeUnits: 0 },
      { section: 'storage', readUnits: 0, writeUnits: 0, storageBytes: BYTES_PER_GB, gsiStorageBytes: BYTES_PER_GB / 2 },
    ],
    { region: 'us-east-1' },
  );
  assert.deepEqual(
    e.sections.map((s) => s.section),
    ['2 · single-table', '1 · fundamentals', 'storage'],
  );
  const two = e.sections[0];
  assert.deepEqual([two.readUnits, two.writeUnits, two.gsiReadUnits, two.gsiWriteUnits], [6, 8, 1, 5]);
  assert.deepEqual(
    two.lines.map((l) => l.item),
    ['table writes', 'table reads', 'GSI writes', 'GSI reads'],
  );
  assert.equal(two.usd, roundUsd((8 * 0.625 + 6 * 0.125 + 5 * 0.625 + 1 * 0.125) / 1e6));
  const storage = e.sections[2];
  assert.deepEqual(
    storage.lines.map((l) => [l.item, l.unit, l.usd]),
    [
      ['table storage', 'GB-month', 0.25],
      ['GSI storage', 'GB-month', 0.125],
    ],
  );
  assert.equal(storage.lines[0].arithmetic, '1,073,741,824 B / 2^30 × 730 h / 730 h × $0.25 = $0.25');
  assert.deepEqual(
    costRows(e).map((r) => r.section),
    ['2 · single-table', '1 · fundamentals', 'storage'],
  );
  assert.equal(e.total.writeUnits, 1211);
  assert.equal(e.usd, roundUsd(e.sections.reduce((s, x) => s + x.usd, 0)));
});

test('storage for a few hours: GB × hours / 730 × price', () => {
  assert.equal(HOURS_PER_MONTH, 730);
  assert.equal(storageGbMonths(BYTES_PER_GB, 730), 1);
  assert.equal(storageGbMonths(BYTES_PER_GB * 2, 365), 1);
  const e = estimateCost([{ section: 'workshop', readUnits: 0, writeUnits: 0, storageBytes: 10 * BYTES_PER_GB, hours: 2 }], {
    region: 'us-east-1',
  });
  assert.equal(e.usd, roundUsd((10 * 2 * 0.25) / 730));
});

test('bad input is refused with a clear error', () => {
  assert.equal(
    code(() => estimateCost([{ section: 'x', readUnits: -1, writeUnits: 0 }])),
    'COST_INPUT',
  );
  assert.equal(
    code(() => estimateCost([{ section: 'x', readUnits: Number.NaN, writeUnits: 0 }])),
    'COST_INPUT',
  );
  assert.equal(
    code(() => estimateCost([{ section: ' ', readUnits: 1, writeUnits: 0 }])),
    'COST_INPUT',
  );
  assert.throws(() => estimateCost([{ section: 'x', readUnits: 1, writeUnits: Infinity }]), /writeUnits must be a finite number/);
});

test('formatting: dollars without exponents, units grouped, the report shows prices, arithmetic and notes', () => {
  assert.equal(formatUsdPrecise(0), '$0');
  assert.equal(formatUsdPrecise(3.125), '$3.125');
  assert.equal(formatUsdPrecise(1.5), '$1.50');
  assert.equal(formatUsdPrecise(12), '$12.00');
  assert.equal(formatUsdPrecise(0.000857375), '857.4 µ$', 'below a tenth of a cent: micro-dollars, labelled');
  assert.equal(formatUsdPrecise(1e-7), '0.1 µ$');
  assert.equal(formatUsdPrecise(0.004), '$0.004');
  assert.equal(formatUnits(1234567.5), '1,234,567.5');
  assert.equal(formatUnits(0.5), '0.5');
  assert.equal(formatSignificant(2.98e-9), '0.00000000298');
  assert.equal(formatSignificant(0.001021), '0.00102');
  assert.equal(formatSignificant(1234.5), '1235');
  const e = estimateCost([{ section: '1 · fundamentals', readUnits: 70.5, writeUnits: 1203 }], { region: 'us-east-1' });
  const text = formatCostReport(e);
  assert.match(text, /^DynamoDB on-demand cost — US East \(N\. Virginia\) \(us-east-1\), USD, Standard table class\n/);
  assert.match(text, /prices: \$0\.625 per million WRU · \$0\.125 per million RRU · \$0\.25 per GB-month \(taken 2026-11-25\)/);
  assert.match(text, /table writes {2}1,203 WRU × \$0\.625 \/ 1,000,000 = 751\.9 µ\$/);
  assert.match(text, /total: 760\.7 µ\$/);
  assert.match(text, /µ\$ = a millionth of a US dollar/);
  assert.match(text, /note: Not subtracted: the free tier/);
  assert.doesNotMatch(formatCostReport(e), /UNCONFIRMED/);
  const rows = costTable(e);
  assert.deepEqual(rows[0], {
    section: '1 · fundamentals',
    item: 'table writes',
    units: '1,203 WRU',
    price: '$0.625 per million WRU',
    USD: '751.9 µ$',
  });
  assert.equal(rows[rows.length - 1].section, 'total');
});

// ---------------------------------------------------------------------------------------------------------------
// ConsumedCapacity → request units

test('ConsumedCapacity as DynamoDB Local returns it (CapacityUnits only): the kind decides read or write', () => {
  // Shapes measured on DynamoDB Local 3.3.1 (ReturnConsumedCapacity INDEXES / TOTAL).
  const putWithGsi = {
    TableName: 't',
    CapacityUnits: 4,
    Table: { CapacityUnits: 2 },
    GlobalSecondaryIndexes: { GSI1_Status: { CapacityUnits: 2 } },
  };
  assert.deepEqual(unitsFromConsumedCapacity(putWithGsi, 'write'), {
    readUnits: 0,
    writeUnits: 2,
    gsiReadUnits: 0,
    gsiWriteUnits: 2,
  });
  const gsiQuery = {
    TableName: 't',
    CapacityUnits: 0.5,
    Table: { CapacityUnits: 0 },
    GlobalSecondaryIndexes: { GSI1_Status: { CapacityUnits: 0.5 } },
  };
  assert.deepEqual(unitsFromConsumedCapacity(gsiQuery, 'read'), {
    readUnits: 0,
    writeUnits: 0,
    gsiReadUnits: 0.5,
    gsiWriteUnits: 0,
  });
  assert.deepEqual(unitsFromConsumedCapacity({ TableName: 't', CapacityUnits: 0.5 }, 'read'), {
    readUnits: 0.5,
    writeUnits: 0,
    gsiReadUnits: 0,
    gsiWriteUnits: 0,
  });
  const batch = [
    { TableName: 'a', CapacityUnits: 2, Table: { CapacityUnits: 1 }, GlobalSecondaryIndexes: { G: { CapacityUnits: 1 } } },
    { TableName: 'b', CapacityUnits: 3 },
  ];
  assert.deepEqual(unitsFromConsumedCapacity(batch, 'write'), { readUnits: 0, writeUnits: 4, gsiReadUnits: 0, gsiWriteUnits: 1 });
  assert.equal(
    code(() => unitsFromConsumedCapacity({ TableName: 't', CapacityUnits: 1 })),
    'CAPACITY_KIND',
  );
  assert.deepEqual(unitsFromConsumedCapacity(undefined), { readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 });
  assert.deepEqual(unitsFromConsumedCapacity({ TableName: 't', CapacityUnits: 0 }), {
    readUnits: 0,
    writeUnits: 0,
    gsiReadUnits: 0,
    gsiWriteUnits: 0,
  });
});

test('ConsumedCapacity as AWS returns it (Read/WriteCapacityUnits): no kind needed; LSIs count with the table', () => {
  const aws = {
    TableName: 't',
    CapacityUnits: 6,
    WriteCapacityUnits: 6,
    Table: { CapacityUnits: 3, WriteCapacityUnits: 3 },
    LocalSecondaryIndexes: { L: { CapacityUnits: 1, WriteCapacityUnits: 1 } },
    GlobalSecondaryIndexes: { G: { CapacityUnits: 2, WriteCapacityUnits: 2 } },
  };
  assert.deepEqual(unitsFromConsumedCapacity(aws), { readUnits: 0, writeUnits: 4, gsiReadUnits: 0, gsiWriteUnits: 2 });
  // No Table breakdown: the table's part is the total minus the GSIs.
  const noTable = {
    TableName: 't',
    CapacityUnits: 3,
    ReadCapacityUnits: 3,
    GlobalSecondaryIndexes: { G: { ReadCapacityUnits: 1 } },
  };
  assert.deepEqual(unitsFromConsumedCapacity(noTable), { readUnits: 2, writeUnits: 0, gsiReadUnits: 1, gsiWriteUnits: 0 });
});

test('capacityKindOf knows the low-level and DocumentClient command names', () => {
  assert.equal(capacityKindOf('QueryCommand'), 'read');
  assert.equal(capacityKindOf('BatchGetItemCommand'), 'read');
  assert.equal(capacityKindOf('TransactGetItems'), 'read');
  assert.equal(capacityKindOf('PutItemCommand'), 'write');
  assert.equal(capacityKindOf('BatchWriteCommand'), 'write');
  assert.equal(capacityKindOf('TransactWriteItemsCommand'), 'write');
  assert.equal(capacityKindOf('ExecuteStatementCommand'), undefined);
  assert.equal(capacityKindOf('DescribeTableCommand'), undefined);
  assert.equal(capacityKindOf(undefined), undefined);
});

/** A stand-in recorder: per-resource rows and a call count the test moves by hand. */
function fakeRecorder() {
  const rows: ResourceRow[] = [];
  let calls = 0;
  return {
    byResource: () => rows.map((r) => ({ ...r })),
    totals: () => ({ calls }),
    add(table: string, index: string, read: number, write: number) {
      calls++;
      let r = rows.find((x) => x.table === table && x.index === index);
      if (!r) {
        r = {
          table,
          index,
          ConsumedReadCapacityUnits: 0,
          ConsumedWriteCapacityUnits: 0,
          ReadThrottleEvents: 0,
          WriteThrottleEvents: 0,
        };
        rows.push(r);
      }
      r.ConsumedReadCapacityUnits += read;
      r.ConsumedWriteCapacityUnits += write;
    },
  };
}

test('ConsumptionTally: what the recorder counted during() a section, storage replaced not doubled, records feed estimateCost', async () => {
  const rec = fakeRecorder();
  const tally = new ConsumptionTally(rec);
  rec.add('t', '', 0, 1); // before any section: not attributed
  await tally.during('1', async () => {
    rec.add('t', '', 0, 2);
    rec.add('t', 'G', 0.5, 0);
    rec.add('t', '', 0.5, 0);
  });
  await tally.during('1', async () => rec.add('t', 'G', 0, 1));
  tally.addStorage('storage', 1000, 2);
  tally.addStorage('storage', 2000, 2, 500);
  assert.equal(tally.requests, 4);
  assert.deepEqual(tally.records(), [
    { section: '1', readUnits: 0.5, writeUnits: 2, gsiReadUnits: 0.5, gsiWriteUnits: 1 },
    {
      section: 'storage',
      readUnits: 0,
      writeUnits: 0,
      gsiReadUnits: 0,
      gsiWriteUnits: 0,
      storageBytes: 2000,
      gsiStorageBytes: 500,
      hours: 2,
    },
  ]);
  assert.equal(estimateCost(tally.records(), { region: 'us-east-1' }).sections.length, 2);
  assert.deepEqual(consumptionFromRecorder(rec), {
    section: 'recorded',
    readUnits: 0.5,
    writeUnits: 3,
    gsiReadUnits: 0.5,
    gsiWriteUnits: 1,
  });
  tally.reset();
  assert.deepEqual(tally.records(), []);
});

test('the metrics recorder is what the tally reads: it asks for INDEXES, the tally prices per section (no network)', async () => {
  const ddb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const doc = DynamoDBDocumentClient.from(ddb);
  const sent: { command: string; rcc: unknown }[] = [];
  // Stands in for the service: answers at the serialize step, before anything touches the network.
  const fakeService: SerializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (_next, context) => async (args) => {
    const input = args.input as { ReturnConsumedCapacity?: string };
    sent.push({ command: String(context.commandName), rcc: input.ReturnConsumedCapacity });
    const write = /Put/.test(String(context.commandName));
    return {
      response: {},
      output: {
        $metadata: {},
        ConsumedCapacity: write
          ? { TableName: 't', CapacityUnits: 3, Table: { CapacityUnits: 2 }, GlobalSecondaryIndexes: { G: { CapacityUnits: 1 } } }
          : { TableName: 't', CapacityUnits: 0.5 },
      },
    };
  };
  ddb.middlewareStack.add(fakeService, { step: 'serialize', name: 'fakeService' });
  const recorder = attachRecorder(ddb, { keySchemas: { t: { partitionKey: 'PK', sortKey: 'SK', indexes: {} } } });
  const tally = new ConsumptionTally(recorder);
  await tally.during('writes', () => doc.send(new PutCommand({ TableName: 't', Item: { PK: 'a', SK: 'b' } })));
  await tally.during('reads', () =>
    doc.send(
      new QueryCommand({
        TableName: 't',
        KeyConditionExpression: 'PK = :p',
        ExpressionAttributeValues: { ':p': 'a' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  recorder.detach();
  await doc.send(new PutCommand({ TableName: 't', Item: { PK: 'a', SK: 'c' } }));
  assert.deepEqual(sent, [
    { command: 'PutItemCommand', rcc: 'INDEXES' },
    { command: 'QueryCommand', rcc: 'TOTAL' }, // the caller's own choice is kept
    { command: 'PutItemCommand', rcc: undefined }, // detached: nothing asked any more
  ]);
  assert.deepEqual(tally.records(), [
    { section: 'writes', readUnits: 0, writeUnits: 2, gsiReadUnits: 0, gsiWriteUnits: 1 },
    { section: 'reads', readUnits: 0.5, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 },
  ]);
  assert.equal(tally.requests, 2);
  assert.equal(costFromRecorder(recorder, { region: 'us-east-1' }).usd, roundUsd((2 * 0.625 + 1 * 0.625 + 0.5 * 0.125) / 1e6));
  ddb.destroy();
});

test("consumptionFromCapacityUses: per-resource records (a metrics recorder's) become one section record", () => {
  const r = consumptionFromCapacityUses('2 · single-table', [
    { table: 't', readUnits: 0, writeUnits: 2 },
    { table: 't', index: 'GSI1_Status', readUnits: 0, writeUnits: 2 },
    { table: 't', index: 'GSI1_Status', readUnits: 0.5, writeUnits: 0 },
    { table: 't', readUnits: 1.5, writeUnits: 0 },
  ]);
  assert.deepEqual(r, { section: '2 · single-table', readUnits: 1.5, writeUnits: 2, gsiReadUnits: 0.5, gsiWriteUnits: 2 });
  assert.equal(
    estimateCost([r], { region: 'us-east-1' }).usd,
    roundUsd((2 * 0.625 + 1.5 * 0.125 + 2 * 0.625 + 0.5 * 0.125) / 1e6),
  );
});
