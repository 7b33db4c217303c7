// The workshop's cost, from recorded consumption, at on-demand prices (src/pricing.ts).
//
// Pure arithmetic, with every step exposed (units × price = cost), so a notebook can show how the bill is built.
// On an on-demand table DynamoDB bills exactly the capacity units it reports as consumed:
//   - a read of up to 4 KB: 1 RRU strongly consistent, 0.5 RRU eventually consistent, 2 RRU transactional;
//   - a write of up to 1 KB: 1 WRU (2 WRU transactional); larger items take more, rounded up per item;
//   - a write to an item that a GSI indexes also consumes WRUs on that index ("write amplification").
// (https://aws.amazon.com/dynamodb/pricing/on-demand/ "Key terms", and src/capacity.ts for the sizing rules.)
// So `ConsumedCapacity.CapacityUnits` of a read is RRUs and of a write is WRUs: no conversion factor.
//
// Input: a list of consumption records, one or more per section, simple enough to be fed by a metrics recorder,
// a per-notebook tally (ConsumptionTally below) or by hand.
//
// The one non-arithmetic helper is `trackConsumedCapacity`, which only attaches a middleware to a client you pass
// (it asks every data-plane request for ReturnConsumedCapacity and adds what comes back to a tally); it does no I/O
// of its own.
//
// Must compile under tslab's TypeScript 5.0.4 (non-strict) as well as the repo's strict TS 5.9.

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ReadOptions, type WriteOptions, readUnits, writeUnits } from './capacity';
import { WorkshopError } from './errors';
import { formatMicroUsd } from './charts';
import { type OnDemandPrices, describePrice, pricesForEstimate } from './pricing';
import { DATA_PLANE_OPERATIONS } from './operations';

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

function split(c: CapacityLike | undefined, kind: CapacityKind | undefined, where: string): { r: number; w: number } {
  if (!c) return { r: 0, w: 0 };
  if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
    return { r: c.ReadCapacityUnits ?? 0, w: c.WriteCapacityUnits ?? 0 };
  }
  const units = c.CapacityUnits ?? 0;
  if (units === 0) return { r: 0, w: 0 };
  if (!kind) {
    throw new WorkshopError(
      'CAPACITY_KIND',
      `ConsumedCapacity for ${where} has only CapacityUnits (${units}), which does not say read or write.`,
      "pass the kind: unitsFromConsumedCapacity(out.ConsumedCapacity, 'read')  (or 'write'); capacityKindOf('QueryCommand') gives it",
    );
  }
  return kind === 'read' ? { r: units, w: 0 } : { r: 0, w: units };
}

/**
 * Read and write request units from one response's ConsumedCapacity (an object, or an array for batch and
 * transaction calls). With ReturnConsumedCapacity INDEXES, units on global secondary indexes are kept apart
 * (local secondary indexes count with the table: they share its partitions and bill).
 */
export function unitsFromConsumedCapacity(
  cc: ConsumedCapacityLike | readonly ConsumedCapacityLike[] | undefined,
  kind?: CapacityKind,
): ConsumedUnits {
  const out: ConsumedUnits = { readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
  const list: readonly ConsumedCapacityLike[] = cc === undefined ? [] : Array.isArray(cc) ? cc : [cc as ConsumedCapacityLike];
  for (const c of list) {
    const where = c.TableName ?? 'a table';
    const gsis = Object.entries(c.GlobalSecondaryIndexes ?? {});
    const lsis = Object.entries(c.LocalSecondaryIndexes ?? {});
    let gr = 0;
    let gw = 0;
    for (const [name, g] of gsis) {
      const s = split(g, kind, `${where} index ${name}`);
      gr += s.r;
      gw += s.w;
    }
    let tr = 0;
    let tw = 0;
    if (c.Table || gsis.length > 0 || lsis.length > 0) {
      if (c.Table) {
        const s = split(c.Table, kind, where);
        tr = s.r;
        tw = s.w;
        for (const [name, l] of lsis) {
          const ls = split(l, kind, `${where} index ${name}`);
          tr += ls.r;
          tw += ls.w;
        }
      } else {
        // No Table breakdown: the table's part is the total minus the global secondary indexes.
        const s = split(c, kind, where);
        tr = Math.max(0, s.r - gr);
        tw = Math.max(0, s.w - gw);
      }
    } else {
      const s = split(c, kind, where);
      tr = s.r;
      tw = s.w;
    }
    out.readUnits += tr;
    out.writeUnits += tw;
    out.gsiReadUnits += gr;
    out.gsiWriteUnits += gw;
  }
  return out;
}

/** Per-resource consumption as a metrics recorder reports it (src/metrics.ts `CapacityUse`): index set = a GSI. */
export interface CapacityUseLike {
  table?: string;
  index?: string;
  readUnits: number;
  writeUnits: number;
}

/**
 * One consumption record for `section` from per-call, per-resource capacity (e.g. every `CallRecord.capacity` of
 * src/metrics.ts flattened): units on an index count as GSI units, the rest as table units.
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
// A tally per section

/** Adds up consumption per section, in first-seen order; `records()` feeds estimateCost. */
export class ConsumptionTally {
  /** The section new consumption is attributed to when none is given. */
  section = 'unattributed';
  /** Responses counted (those that carried ConsumedCapacity). */
  requests = 0;
  private readonly acc = new Map<string, ConsumptionRecord>();

  private get(section: string): ConsumptionRecord {
    let r = this.acc.get(section);
    if (!r) {
      r = { section, readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
      this.acc.set(section, r);
    }
    return r;
  }

  /** Adds request units (e.g. from unitsFromConsumedCapacity) to a section (default: the current one). */
  addUnits(units: Partial<ConsumedUnits>, section: string = this.section): void {
    const r = this.get(section);
    r.readUnits += units.readUnits ?? 0;
    r.writeUnits += units.writeUnits ?? 0;
    r.gsiReadUnits = (r.gsiReadUnits ?? 0) + (units.gsiReadUnits ?? 0);
    r.gsiWriteUnits = (r.gsiWriteUnits ?? 0) + (units.gsiWriteUnits ?? 0);
  }

  /** Adds one response's ConsumedCapacity. */
  addConsumedCapacity(
    cc: ConsumedCapacityLike | readonly ConsumedCapacityLike[] | undefined,
    kind?: CapacityKind,
    section: string = this.section,
  ): void {
    if (cc === undefined) return;
    this.requests++;
    this.addUnits(unitsFromConsumedCapacity(cc, kind), section);
  }

  /** Records stored bytes (table and GSI) kept for `hours`. */
  addStorage(section: string, storageBytes: number, hours: number, gsiStorageBytes = 0): void {
    const r = this.get(section);
    // Storage of one section is one record: replace, so that re-measuring does not double it.
    r.storageBytes = storageBytes;
    r.gsiStorageBytes = gsiStorageBytes;
    r.hours = hours;
  }

  /** Runs `fn` with `section` as the current section (calls must not overlap). */
  async during<T>(section: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.section;
    this.section = section;
    try {
      return await fn();
    } finally {
      this.section = previous;
    }
  }

  records(): ConsumptionRecord[] {
    return Array.from(this.acc.values()).map((r) => ({ ...r }));
  }

  reset(): void {
    this.acc.clear();
    this.requests = 0;
  }
}

const RETURN_CAPACITY_COMMANDS: readonly string[] = DATA_PLANE_OPERATIONS;

let trackerCount = 0;

/**
 * Counts every data-plane request of `client` into `tally`: asks for ReturnConsumedCapacity (INDEXES, unless the
 * request already asks for something) and adds the response's ConsumedCapacity to the tally's current section.
 * A DocumentClient built on the client shares its middleware stack, so its calls are counted too.
 * Returns a function that stops counting.
 */
export function trackConsumedCapacity(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tally: ConsumptionTally,
  options: { mode?: 'TOTAL' | 'INDEXES' } = {},
): () => void {
  trackerCount += 1;
  const name = `workshopCostTally${trackerCount}`;
  const mode = options.mode ?? 'INDEXES';
  const stack = client.middlewareStack as unknown as {
    add(mw: unknown, opts: Record<string, unknown>): void;
    remove(name: string): boolean;
  };
  stack.add(
    // biome-ignore lint/suspicious/noExplicitAny: untyped boundary (SDK middleware / vega view internals)
    (next: (args: any) => Promise<any>, context: { commandName?: string }) => async (args: any) => {
      const base = String(context.commandName ?? '').replace(/Command$/, '');
      if (RETURN_CAPACITY_COMMANDS.includes(base) && args.input && args.input.ReturnConsumedCapacity === undefined) {
        args.input.ReturnConsumedCapacity = mode;
      }
      const result = await next(args);
      const cc = result?.output ? result.output.ConsumedCapacity : undefined;
      if (cc !== undefined) tally.addConsumedCapacity(cc, capacityKindOf(base));
      return result;
    },
    { step: 'initialize', name, priority: 'low' },
  );
  return () => {
    stack.remove(name);
  };
}
