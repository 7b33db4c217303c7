// The workshop's cost, from recorded consumption, at on-demand prices (src/observe/pricing.ts): the estimate.
//
// Pure arithmetic, with every step exposed (units × price = cost), so a notebook can show how the bill is built.
// On an on-demand table DynamoDB bills exactly the capacity units it reports as consumed:
//   - a read of up to 4 KB: 1 RRU strongly consistent, 0.5 RRU eventually consistent, 2 RRU transactional;
//   - a write of up to 1 KB: 1 WRU (2 WRU transactional); larger items take more, rounded up per item;
//   - a write to an item that a GSI indexes also consumes WRUs on that index ("write amplification").
// (https://aws.amazon.com/dynamodb/pricing/on-demand/ "Key terms", and src/model/capacity.ts for the sizing rules.)
// So `ConsumedCapacity.CapacityUnits` of a read is RRUs and of a write is WRUs: no conversion factor.

import { type ReadOptions, type WriteOptions, readUnits, writeUnits } from '../model/capacity';
import { WorkshopError } from '../errors';
import { formatUnits, formatUsdPrecise } from './number-format';
import { type OnDemandPrices, describePrice, pricesForEstimate } from './pricing';

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
