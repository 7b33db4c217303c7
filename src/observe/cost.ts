// The workshop's cost, from recorded consumption, at on-demand prices (src/observe/pricing.ts).
//
// Pure arithmetic, with every step exposed (units × price = cost), so a notebook can show how the bill is built.
// On an on-demand table DynamoDB bills exactly the capacity units it reports as consumed:
//   - a read of up to 4 KB: 1 RRU strongly consistent, 0.5 RRU eventually consistent, 2 RRU transactional;
//   - a write of up to 1 KB: 1 WRU (2 WRU transactional); larger items take more, rounded up per item;
//   - a write to an item that a GSI indexes also consumes WRUs on that index ("write amplification").
// (https://aws.amazon.com/dynamodb/pricing/on-demand/ "Key terms", and src/model/capacity.ts for the sizing rules.)
// So `ConsumedCapacity.CapacityUnits` of a read is RRUs and of a write is WRUs: no conversion factor.
//
// Input: a list of consumption records, one or more per section, from the metrics recorder (src/observe/metrics.ts, the one
// consumption observer: `ConsumptionTally` attributes its counts to sections, `costFromRecorder` prices all of it)
// or written by hand.

import { type ReadOptions, type WriteOptions, readUnits, writeUnits } from '../model/capacity';
import { WorkshopError } from '../errors';
import { formatMicroUsd } from './charts';
import { type OnDemandPrices, describePrice, pricesForEstimate } from './pricing';
import { parseConsumedCapacity, type ResourceRow } from './metrics';

/** What one section consumed. Several records for the same section are added up. */
export interface ConsumptionRecord {
  section: string;
  /** Read request units on the base table (and its local secondary indexes). */
  readUnits: number;
  /** Write request units on the base table (and its local secondary indexes). */
  writeUnits: number;
  /** Read request units on global secondary indexes. */
  gsiReadUnits?: number;
  /** Write request units on global secondary indexes (the write amplification of a GSI). */
  gsiWriteUnits?: number;
  /** Stored bytes (item data + 100 bytes of overhead per item), kept for `hours`. */
  storageBytes?: number;
  /** Stored bytes of global secondary indexes, kept for `hours`. */
  gsiStorageBytes?: number;
  /** How long the bytes are stored. Default: a month (730 h), the unit the price is quoted in. */
  hours?: number;
}

/** AWS bills storage per GB-month; the GB of its bills is 2^30 bytes. */
export const BYTES_PER_GB = 1024 * 1024 * 1024;
/** AWS's month for monthly prices: 730 hours (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
/** DynamoDB adds 100 bytes of indexing overhead to every stored item (table and index items alike). */
export const STORAGE_OVERHEAD_BYTES_PER_ITEM = 100;

export type CostUnit = 'WRU' | 'RRU' | 'GB-month';

/** One line of the bill: quantity × price = usd, with the arithmetic spelled out. */
export interface CostLine {
  item: string;
  quantity: number;
  unit: CostUnit;
  /** USD per million request units, or per GB-month for storage. */
  price: number;
  priceLabel: string;
  usd: number;
  arithmetic: string;
  /** Storage lines: the bytes stored and for how many hours (what people read, rather than GB-months). */
  bytes?: number;
  hours?: number;
}

export interface SectionCost {
  section: string;
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
  storageGbMonths: number;
  gsiStorageGbMonths: number;
  lines: CostLine[];
  usd: number;
}

export interface CostEstimate {
  /** The Region whose prices were used (us-east-1 when the requested Region has none confirmed). */
  region: string;
  /** The Region asked for. */
  requestedRegion: string;
  /** Set when `region` is not `requestedRegion`: one sentence saying whose prices these are. */
  priceNote?: string;
  currency: 'USD';
  prices: OnDemandPrices;
  sections: SectionCost[];
  total: SectionCost;
  usd: number;
  /** false when the Region's prices are not confirmed from a source (see prices.note). */
  pricesConfirmed: boolean;
  notes: string[];
}

/** Float noise (0.1 + 0.2) would show in exposed arithmetic: costs are kept to 1e-12 USD. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e12) / 1e12;
}

function checkQuantity(name: string, v: number | undefined, section: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new WorkshopError(
      'COST_INPUT',
      `Consumption record "${section}": ${name} must be a finite number >= 0 (got ${String(v)}).`,
      'pass capacity units as numbers, e.g. { section: "1", readUnits: 12.5, writeUnits: 3 }',
    );
  }
  return v;
}

/** USD of `units` request units at `pricePerMillion`. */
export function requestCost(units: number, pricePerMillion: number): number {
  return roundUsd((units * pricePerMillion) / 1_000_000);
}

/** GB-months of `bytes` stored for `hours`. */
export function storageGbMonths(bytes: number, hours: number = HOURS_PER_MONTH): number {
  return (bytes / BYTES_PER_GB) * (hours / HOURS_PER_MONTH);
}

/** Request units of `count` writes of `itemBytes` each (1 WRU per KB, rounded up per item). */
export function writeRequestUnits(count: number, itemBytes: number, options: WriteOptions = {}): number {
  return count * writeUnits(itemBytes, options);
}

/** Request units of `count` single-item reads of `itemBytes` each (eventually consistent unless told). */
export function readRequestUnits(count: number, itemBytes: number, options: ReadOptions = {}): number {
  return count * readUnits(itemBytes, options);
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

/**
 * The bill's arithmetic: `$3.125`, `$12.35`, `$1,000,000.00`, `$0.004` (4 significant digits, cents always shown)
 * from a tenth of a cent up; below that micro-dollars, labelled (`857.4 µ$`, `0.29 µ$`), never an exponent or a row of
 * zeros.
 */
export function formatUsdPrecise(usd: number, significant = 4): string {
  if (usd === 0) return '$0';
  const a = Math.abs(usd);
  if (a < 0.001) return formatMicroUsd(usd, significant);
  const sign = usd < 0 ? '-' : '';
  const decimals = Math.min(12, Math.max(2, significant - 1 - Math.floor(Math.log10(a))));
  const [int, frac = ''] = a.toFixed(decimals).split('.');
  // Trailing zeros go, but cents stay: $3.125, $1.50, $0.004.
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${sign}$${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${trimmed}`;
}

/** What `µ$` means, once under a report that uses it. */
export const MICRO_USD_LEGEND = 'µ$ = a millionth of a US dollar ($1 = 1,000,000 µ$).';

/** 400000 → "390.6 KB" (1 KB = 1,024 B, as AWS counts GB: 2^30 bytes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toLocaleString('en-US', { maximumFractionDigits: 1 })} ${units[u]}`;
}

/** 0.00000298 → "0.00000298" (3 significant digits, never an exponent). */
export function formatSignificant(n: number, significant = 3): string {
  if (n === 0) return '0';
  const decimals = Math.min(15, Math.max(0, significant - 1 - Math.floor(Math.log10(Math.abs(n)))));
  const s = n.toFixed(decimals);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** 1234567.5 → "1,234,567.5" */
export function formatUnits(n: number): string {
  const [int, frac] = String(Math.round(n * 1e6) / 1e6).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

function requestLine(item: string, units: number, unit: 'WRU' | 'RRU', pricePerMillion: number): CostLine {
  const usd = requestCost(units, pricePerMillion);
  return {
    item,
    quantity: units,
    unit,
    price: pricePerMillion,
    priceLabel: describePrice(pricePerMillion, unit),
    usd,
    arithmetic: `${formatUnits(units)} ${unit} × $${pricePerMillion} / 1,000,000 = ${formatUsdPrecise(usd)}`,
  };
}

function storageLine(item: string, bytes: number, hours: number, pricePerGbMonth: number): CostLine {
  const gbMonths = storageGbMonths(bytes, hours);
  const usd = roundUsd(gbMonths * pricePerGbMonth);
  return {
    item,
    quantity: gbMonths,
    unit: 'GB-month',
    price: pricePerGbMonth,
    priceLabel: describePrice(pricePerGbMonth, 'GB-month'),
    usd,
    bytes,
    hours,
    arithmetic:
      `${formatUnits(bytes)} B / 2^30 × ${formatUnits(hours)} h / ${HOURS_PER_MONTH} h × $${pricePerGbMonth} ` +
      `= ${formatUsdPrecise(usd)}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The estimate

interface SectionAcc {
  section: string;
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
  storage: { bytes: number; hours: number; gsi: boolean }[];
}

function priceSection(acc: SectionAcc, p: OnDemandPrices): SectionCost {
  const lines: CostLine[] = [];
  if (acc.writeUnits > 0) lines.push(requestLine('table writes', acc.writeUnits, 'WRU', p.writePerMillion));
  if (acc.readUnits > 0) lines.push(requestLine('table reads', acc.readUnits, 'RRU', p.readPerMillion));
  if (acc.gsiWriteUnits > 0) lines.push(requestLine('GSI writes', acc.gsiWriteUnits, 'WRU', p.gsi.writePerMillion));
  if (acc.gsiReadUnits > 0) lines.push(requestLine('GSI reads', acc.gsiReadUnits, 'RRU', p.gsi.readPerMillion));
  let storageGb = 0;
  let gsiStorageGb = 0;
  for (const s of acc.storage) {
    if (s.bytes <= 0) continue;
    const price = s.gsi ? p.gsi.storagePerGbMonth : p.storagePerGbMonth;
    lines.push(storageLine(s.gsi ? 'GSI storage' : 'table storage', s.bytes, s.hours, price));
    if (s.gsi) gsiStorageGb += storageGbMonths(s.bytes, s.hours);
    else storageGb += storageGbMonths(s.bytes, s.hours);
  }
  return {
    section: acc.section,
    readUnits: acc.readUnits,
    writeUnits: acc.writeUnits,
    gsiReadUnits: acc.gsiReadUnits,
    gsiWriteUnits: acc.gsiWriteUnits,
    storageGbMonths: storageGb,
    gsiStorageGbMonths: gsiStorageGb,
    lines,
    usd: roundUsd(lines.reduce((sum, l) => sum + l.usd, 0)),
  };
}

export interface EstimateOptions {
  /**
   * Region whose prices to use (default ap-southeast-1, the workshop's Region). A Region without confirmed prices is
   * estimated at us-east-1's (see `pricesForEstimate`; the estimate's `priceNote` says so).
   */
  region?: string;
  /** Explicit prices (e.g. a what-if), instead of the table's entry for `region`. */
  prices?: OnDemandPrices;
}

/**
 * The on-demand cost of the recorded consumption: per section (in first-seen order) and in total, each with its
 * lines (table/GSI writes and reads, storage) as units × price = USD.
 */
export function estimateCost(records: readonly ConsumptionRecord[], options: EstimateOptions = {}): CostEstimate {
  const requestedRegion = options.prices ? options.prices.region : (options.region ?? 'ap-southeast-1');
  const choice = options.prices ? undefined : pricesForEstimate(requestedRegion);
  const prices = options.prices ?? choice!.prices;
  const order: string[] = [];
  const bySection = new Map<string, SectionAcc>();
  const total: SectionAcc = { section: 'total', readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0, storage: [] };
  for (const r of records) {
    const section = String(r.section ?? '').trim();
    if (!section) {
      throw new WorkshopError(
        'COST_INPUT',
        'A consumption record has no section name.',
        'give every record a section, e.g. "1 · fundamentals"',
      );
    }
    let acc = bySection.get(section);
    if (!acc) {
      acc = { section, readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0, storage: [] };
      bySection.set(section, acc);
      order.push(section);
    }
    const add = {
      readUnits: checkQuantity('readUnits', r.readUnits, section),
      writeUnits: checkQuantity('writeUnits', r.writeUnits, section),
      gsiReadUnits: checkQuantity('gsiReadUnits', r.gsiReadUnits, section),
      gsiWriteUnits: checkQuantity('gsiWriteUnits', r.gsiWriteUnits, section),
    };
    const storageBytes = checkQuantity('storageBytes', r.storageBytes, section);
    const gsiStorageBytes = checkQuantity('gsiStorageBytes', r.gsiStorageBytes, section);
    const hours = r.hours === undefined ? HOURS_PER_MONTH : checkQuantity('hours', r.hours, section);
    for (const a of [acc, total]) {
      a.readUnits += add.readUnits;
      a.writeUnits += add.writeUnits;
      a.gsiReadUnits += add.gsiReadUnits;
      a.gsiWriteUnits += add.gsiWriteUnits;
      if (storageBytes > 0) a.storage.push({ bytes: storageBytes, hours, gsi: false });
      if (gsiStorageBytes > 0) a.storage.push({ bytes: gsiStorageBytes, hours, gsi: true });
    }
  }
  const sections = order.map((s) => priceSection(bySection.get(s)!, prices));
  const usd = roundUsd(sections.reduce((sum, s) => sum + s.usd, 0));
  const totalCost = priceSection(total, prices);
  // The total's own lines merge the sections' units; its usd is the sum of the sections' (rounded) costs.
  totalCost.usd = usd;
  const notes: string[] = [
    `Prices: ${prices.regionName} (${prices.region}), ${prices.currency}, DynamoDB Standard, on-demand, ` +
      `taken ${prices.takenOn} from ${prices.sourceUrl}.`,
  ];
  if (!prices.confirmed) notes.push(`UNCONFIRMED PRICES for ${prices.region}: ${prices.note}`);
  notes.push(
    `Not subtracted: the free tier (${prices.freeStorageGbMonth} GB-month of storage per account and Region). ` +
      'Not included: backups/PITR, streams, data transfer, CloudWatch.',
  );
  return {
    region: prices.region,
    requestedRegion,
    ...(choice?.note === undefined ? {} : { priceNote: choice.note }),
    currency: prices.currency,
    prices,
    sections,
    total: totalCost,
    usd,
    pricesConfirmed: prices.confirmed,
    notes,
  };
}

/** Rows for charts.costChart: `{ section, usd }` per section. */
export function costRows(estimate: CostEstimate): { section: string; usd: number }[] {
  return estimate.sections.map((s) => ({ section: s.section, usd: s.usd }));
}

/** One row per bill line, for console.table: section, item, units, price, USD, and the arithmetic. */
export function costTable(estimate: CostEstimate): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (const s of [...estimate.sections, estimate.total]) {
    for (const l of s.lines) {
      rows.push({
        section: s.section,
        item: l.item,
        units:
          l.unit === 'GB-month'
            ? l.bytes !== undefined && l.hours !== undefined
              ? `${formatBytes(l.bytes)} for ${formatUnits(l.hours)} h`
              : `${formatUnits(l.quantity)} GB-month`
            : `${formatUnits(l.quantity)} ${l.unit}`,
        price: l.priceLabel,
        USD: formatUsdPrecise(l.usd),
      });
    }
    if (s.lines.length === 0) rows.push({ section: s.section, item: '(nothing consumed)', units: '', price: '', USD: '$0' });
  }
  return rows;
}

/** The estimate as text: the prices, each section's lines with their arithmetic, the total and the notes. */
export function formatCostReport(estimate: CostEstimate): string {
  const p = estimate.prices;
  const out: string[] = [];
  out.push(
    `DynamoDB on-demand cost — ${p.regionName} (${p.region}), ${p.currency}, Standard table class` +
      (estimate.pricesConfirmed ? '' : '  [prices UNCONFIRMED]'),
  );
  out.push(
    `prices: ${describePrice(p.writePerMillion, 'WRU')} · ${describePrice(p.readPerMillion, 'RRU')} · ` +
      `${describePrice(p.storagePerGbMonth, 'GB-month')} (taken ${p.takenOn})`,
  );
  for (const s of estimate.sections) {
    out.push(`${s.section}: ${formatUsdPrecise(s.usd)}`);
    if (s.lines.length === 0) out.push('    nothing consumed');
    for (const l of s.lines) out.push(`    ${l.item.padEnd(13)} ${l.arithmetic}`);
  }
  out.push(`total: ${formatUsdPrecise(estimate.usd)}`);
  for (const n of estimate.notes) out.push(`note: ${n}`);
  if (out.some((l) => l.includes('µ$'))) out.push(MICRO_USD_LEGEND);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// From the SDK's ConsumedCapacity to request units

/** The SDK's `Capacity` shape. DynamoDB Local reports only CapacityUnits; AWS adds Read/WriteCapacityUnits. */
export interface CapacityLike {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** The SDK's `ConsumedCapacity` shape (TOTAL: the top-level numbers; INDEXES: also Table and per-index). */
export interface ConsumedCapacityLike extends CapacityLike {
  TableName?: string;
  Table?: CapacityLike;
  GlobalSecondaryIndexes?: Record<string, CapacityLike>;
  LocalSecondaryIndexes?: Record<string, CapacityLike>;
}

export type CapacityKind = 'read' | 'write';

export interface ConsumedUnits {
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
}

const READ_COMMANDS = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems', 'Get', 'BatchGet', 'TransactGet'];
const WRITE_COMMANDS = [
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'Put',
  'Update',
  'Delete',
  'BatchWrite',
  'TransactWrite',
];

/** Whether a command reads or writes ("QueryCommand" → read); undefined for others (PartiQL, control plane). */
export function capacityKindOf(commandName: string | undefined): CapacityKind | undefined {
  const base = String(commandName ?? '').replace(/Command$/, '');
  if (READ_COMMANDS.includes(base)) return 'read';
  if (WRITE_COMMANDS.includes(base)) return 'write';
  return undefined;
}

/**
 * Read and write request units from one response's ConsumedCapacity (an object, or an array for batch and
 * transaction calls), read by the metrics recorder's parser (`parseConsumedCapacity`, the one parser). With
 * ReturnConsumedCapacity INDEXES, units on global secondary indexes are kept apart (local secondary indexes count with
 * the table: they share its partitions and bill). Without `kind`, units that do not say read or write are an error.
 */
export function unitsFromConsumedCapacity(
  cc: ConsumedCapacityLike | readonly ConsumedCapacityLike[] | undefined,
  kind?: CapacityKind,
): ConsumedUnits {
  const of = (k: CapacityKind) => {
    const r = consumptionFromCapacityUses('', parseConsumedCapacity(cc, k));
    return { readUnits: r.readUnits, writeUnits: r.writeUnits, gsiReadUnits: r.gsiReadUnits!, gsiWriteUnits: r.gsiWriteUnits! };
  };
  if (kind) return of(kind);
  const asRead = of('read');
  const asWrite = of('write');
  if (asRead.readUnits !== asWrite.readUnits || asRead.gsiReadUnits !== asWrite.gsiReadUnits) {
    const total = asRead.readUnits + asRead.gsiReadUnits - asWrite.readUnits - asWrite.gsiReadUnits;
    throw new WorkshopError(
      'CAPACITY_KIND',
      `ConsumedCapacity has only CapacityUnits (${total}), which does not say read or write.`,
      "pass the kind: unitsFromConsumedCapacity(out.ConsumedCapacity, 'read')  (or 'write'); capacityKindOf('QueryCommand') gives it",
    );
  }
  return asRead;
}

/** Per-resource consumption as a metrics recorder reports it (src/observe/metrics.ts `CapacityUse`): index set = a GSI. */
export interface CapacityUseLike {
  table?: string;
  index?: string;
  readUnits: number;
  writeUnits: number;
}

/**
 * One consumption record for `section` from per-call, per-resource capacity (e.g. every `CallRecord.capacity` of
 * src/observe/metrics.ts flattened): units on an index count as GSI units, the rest as table units.
 */
export function consumptionFromCapacityUses(section: string, uses: readonly CapacityUseLike[]): ConsumptionRecord {
  const r: ConsumptionRecord = { section, readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
  for (const u of uses) {
    if (u.index) {
      r.gsiReadUnits! += u.readUnits;
      r.gsiWriteUnits! += u.writeUnits;
    } else {
      r.readUnits += u.readUnits;
      r.writeUnits += u.writeUnits;
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// From the metrics recorder (the one consumption observer) to cost records

/** What a recorder offers the cost: its per-table / per-GSI consumed units and its call count. */
export interface RecordedConsumption {
  byResource(): readonly ResourceRow[];
  totals(): { calls: number };
}

/** Per-resource rows (the recorder's `byResource()`) as one section record: GSI rows are GSI units. */
export function consumptionFromResources(section: string, rows: readonly ResourceRow[]): ConsumptionRecord {
  return consumptionFromCapacityUses(
    section,
    rows.map((r) => ({
      table: r.table,
      index: r.index || undefined,
      readUnits: r.ConsumedReadCapacityUnits,
      writeUnits: r.ConsumedWriteCapacityUnits,
    })),
  );
}

/** Everything a recorder has recorded, as one section record. */
export function consumptionFromRecorder(recorder: RecordedConsumption, section = 'recorded'): ConsumptionRecord {
  return consumptionFromResources(section, recorder.byResource());
}

/** The cost of everything a recorder has recorded (one section). */
export function costFromRecorder(recorder: RecordedConsumption, options: EstimateOptions = {}): CostEstimate {
  return estimateCost([consumptionFromRecorder(recorder)], options);
}

/**
 * Consumption per section, read from a metrics recorder: `during(section, fn)` attributes what the recorder counted
 * while `fn` ran (calls must not overlap); `addStorage` adds stored bytes; `records()` feeds estimateCost.
 */
export class ConsumptionTally {
  /** Calls the recorder counted inside `during()`. */
  requests = 0;
  private readonly acc = new Map<string, ConsumptionRecord>();

  constructor(readonly recorder: RecordedConsumption) {}

  private get(section: string): ConsumptionRecord {
    let r = this.acc.get(section);
    if (!r) {
      r = { section, readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
      this.acc.set(section, r);
    }
    return r;
  }

  private snapshot(): { units: ConsumptionRecord; calls: number } {
    return { units: consumptionFromRecorder(this.recorder, ''), calls: this.recorder.totals().calls };
  }

  /** Runs `fn`, and adds what the recorder counted meanwhile to `section`. */
  async during<T>(section: string, fn: () => Promise<T>): Promise<T> {
    const before = this.snapshot();
    try {
      return await fn();
    } finally {
      const after = this.snapshot();
      const r = this.get(section);
      r.readUnits += after.units.readUnits - before.units.readUnits;
      r.writeUnits += after.units.writeUnits - before.units.writeUnits;
      r.gsiReadUnits = (r.gsiReadUnits ?? 0) + (after.units.gsiReadUnits ?? 0) - (before.units.gsiReadUnits ?? 0);
      r.gsiWriteUnits = (r.gsiWriteUnits ?? 0) + (after.units.gsiWriteUnits ?? 0) - (before.units.gsiWriteUnits ?? 0);
      this.requests += after.calls - before.calls;
    }
  }

  /** Records stored bytes (table and GSI) kept for `hours`. */
  addStorage(section: string, storageBytes: number, hours: number, gsiStorageBytes = 0): void {
    const r = this.get(section);
    // Storage of one section is one record: replace, so that re-measuring does not double it.
    r.storageBytes = storageBytes;
    r.gsiStorageBytes = gsiStorageBytes;
    r.hours = hours;
  }

  records(): ConsumptionRecord[] {
    return Array.from(this.acc.values()).map((r) => ({ ...r }));
  }

  reset(): void {
    this.acc.clear();
    this.requests = 0;
  }
}
