// On-demand prices of Amazon DynamoDB, as data. DynamoDB Standard table class, single-Region tables.
//
// Each entry says where its figures come from and when they were taken; only figures confirmed from a public source
// are kept. A Region whose prices could not be confirmed (UNCONFIRMED_PRICE_REGIONS) holds no figure: its costs are
// estimated at us-east-1's confirmed prices (`pricesForEstimate`), and the notebook says so once.
//
// Background: from 1 Nov 2024 AWS halved on-demand throughput prices (What's New, November 2024:
// https://aws.amazon.com/about-aws/whats-new/2024/11/amazon-dynamo-db-reduces-prices-on-demand-throughput-global-tables/).
// Storage prices did not change. Figures published before that date (e.g. $1.25 / $0.25 per million in us-east-1)
// are out of date.
//

import { WorkshopError } from '../errors';

/** Prices for one kind of resource (the base table, or its global secondary indexes). */
export interface UnitPrices {
  /** USD per million write request units (1 WRU = one standard write of up to 1 KB). */
  writePerMillion: number;
  /** USD per million read request units (1 RRU = one strongly consistent read of up to 4 KB). */
  readPerMillion: number;
  /** USD per GB-month of stored data (item data + 100 bytes of overhead per item). */
  storagePerGbMonth: number;
}

export interface OnDemandPrices extends UnitPrices {
  /** AWS Region code, e.g. "ap-southeast-1". */
  region: string;
  /** The Region's name on the pricing page, e.g. "Asia Pacific (Singapore)". */
  regionName: string;
  currency: 'USD';
  tableClass: 'STANDARD';
  capacityMode: 'ON_DEMAND';
  /**
   * Global secondary indexes on an on-demand table are billed per request and per GB like the table (the pricing
   * page has no separate GSI line: index writes consume WRUs, index reads RRUs, index storage GB-months).
   */
  gsi: UnitPrices;
  /** Always-free storage per account and Region (DynamoDB Standard). Not subtracted by the cost report. */
  freeStorageGbMonth: number;
  /** The date these figures were taken (ISO yyyy-mm-dd). */
  takenOn: string;
  /** The first day the figures apply (the Nov 2024 on-demand price cut). */
  effectiveFrom: string;
  /** The page that publishes them. */
  sourceUrl: string;
  /** true only when every figure was read in a stored copy of a public source (listed in `evidence`). */
  confirmed: boolean;
  /** Where the figures were read, or why they could not be confirmed. */
  evidence: string[];
  note: string;
}

export const ON_DEMAND_PRICING_URL = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
export const PRICE_CUT_2024_URL =
  'https://aws.amazon.com/about-aws/whats-new/2024/11/amazon-dynamo-db-reduces-prices-on-demand-throughput-global-tables/';

const US_EAST_1: OnDemandPrices = {
  region: 'us-east-1',
  regionName: 'US East (N. Virginia)',
  currency: 'USD',
  tableClass: 'STANDARD',
  capacityMode: 'ON_DEMAND',
  writePerMillion: 0.625,
  readPerMillion: 0.125,
  storagePerGbMonth: 0.25,
  gsi: { writePerMillion: 0.625, readPerMillion: 0.125, storagePerGbMonth: 0.25 },
  freeStorageGbMonth: 25,
  takenOn: '2026-11-25',
  effectiveFrom: '2024-11-01',
  sourceUrl: ON_DEMAND_PRICING_URL,
  confirmed: true,
  evidence: [
    `${ON_DEMAND_PRICING_URL} (us-east-1, DynamoDB Standard): $0.625 per million WRU, $0.125 per million RRU, $0.25 per ` +
      'GB-month after the first 25 GB, as quoted by several stored public documents that cite that page, one ' +
      '"verified 2026-08-01" against it',
    'AWS Price List API figures for US West (Oregon), read 2026-09-06 and quoted in a stored public document: the same ' +
      '$0.125 per million RRU and $0.625 per million WRU, and storage $0.25 per GB-month beyond the free tier',
    `${PRICE_CUT_2024_URL}: on-demand throughput -50% from 1 Nov 2024 (the old $1.25 / $0.25 per million, halved)`,
  ],
  note: 'First 25 GB-month of Standard-class storage per account and Region is free; this estimate does not subtract it.',
};

/** A Region whose prices were looked for and could not be confirmed: no figure is kept, only the search. */
export interface UnconfirmedPriceRegion {
  regionName: string;
  /** The date of the last search (ISO yyyy-mm-dd). */
  checkedOn: string;
  evidence: string[];
}

/**
 * Regions without confirmed prices. Their costs are estimated at `CONFIRMED_PRICE_REGION`'s prices, and the notebook
 * says so once. Never invent a figure: add a Region to ON_DEMAND_PRICES only with a source that shows its numbers.
 */
export const UNCONFIRMED_PRICE_REGIONS: Readonly<Record<string, UnconfirmedPriceRegion>> = {
  'ap-southeast-1': {
    regionName: 'Asia Pacific (Singapore)',
    checkedOn: '2026-12-02',
    evidence: [
      `${ON_DEMAND_PRICING_URL} renders its per-Region tables in the browser: the stored copies of the page hold the ` +
        'key terms but no Singapore figure.',
      'No stored public document quotes the AWS Price List offer for ap-southeast-1 (usage types ' +
        'APS1-WriteRequestUnits, APS1-ReadRequestUnits, APS1-TimedStorage-ByteHrs); documents that quote the offers ' +
        'of nearby Regions (Sydney, Mumbai, Tokyo: $0.71 to $0.715 per million WRU) show that a Region cannot be ' +
        'inferred from its neighbours, nor from pre-Nov-2024 list prices halved.',
      'The figures this table held for Singapore until 2026-12-02 were written from recollection, never read in a ' +
        'source: they were removed.',
    ],
  },
};

/** The Region whose confirmed prices stand in for a Region without any. */
export const CONFIRMED_PRICE_REGION = 'us-east-1';

/** The price table: one entry per Region the workshop runs in. */
export const ON_DEMAND_PRICES: Readonly<Record<string, OnDemandPrices>> = {
  'us-east-1': US_EAST_1,
};

export function knownPricingRegions(): string[] {
  return Object.keys(ON_DEMAND_PRICES).sort();
}

/** The on-demand prices of a Region; a clear error for a Region the table does not cover (never a guess). */
export function pricesFor(region: string): OnDemandPrices {
  const p = ON_DEMAND_PRICES[region];
  if (!p) {
    const unconfirmed = UNCONFIRMED_PRICE_REGIONS[region];
    throw new WorkshopError(
      'PRICES_UNKNOWN',
      unconfirmed
        ? `DynamoDB on-demand prices for ${region} (${unconfirmed.regionName}) are not confirmed from a public source ` +
            `(checked ${unconfirmed.checkedOn}), so none are recorded (known: ${knownPricingRegions().join(', ')}).`
        : `No DynamoDB on-demand prices are recorded for region "${region}" (known: ${knownPricingRegions().join(', ')}).`,
      `estimate with pricesForEstimate('${region}') (it uses ${CONFIRMED_PRICE_REGION}'s confirmed prices and says ` +
        `so), or add an entry to src/observe/pricing.ts with its source from ${ON_DEMAND_PRICING_URL}`,
    );
  }
  return p;
}

/** The prices an estimate for `requested` uses: its own when confirmed, else the confirmed stand-in's. */
export interface PriceChoice {
  requested: string;
  prices: OnDemandPrices;
  /** true when `prices` are another Region's. */
  standIn: boolean;
  /** One quiet sentence saying whose prices these are, when they are not the requested Region's. */
  note?: string;
}

/**
 * The prices to estimate `region`'s costs with. A Region without confirmed prices (the workshop's own, ap-southeast-1,
 * at the time of writing) gets us-east-1's, with one sentence saying so: an estimate in confirmed dollars of another
 * Region is honest, an invented price is not.
 */
export function pricesForEstimate(region: string): PriceChoice {
  const own = ON_DEMAND_PRICES[region];
  if (own?.confirmed) return { requested: region, prices: own, standIn: false };
  const prices = pricesFor(CONFIRMED_PRICE_REGION);
  const name = UNCONFIRMED_PRICE_REGIONS[region]?.regionName;
  return {
    requested: region,
    prices,
    standIn: true,
    note:
      `Costs are shown at ${prices.region} (${prices.regionName}) prices, confirmed from AWS's public pricing ` +
      `(taken ${prices.takenOn}); ${region}${name ? ` (${name})` : ''} prices could not be confirmed here.`,
  };
}

/** `$0.625 per million WRU` */
export function describePrice(usd: number, unit: 'WRU' | 'RRU' | 'GB-month'): string {
  return unit === 'GB-month' ? `$${usd} per GB-month` : `$${usd} per million ${unit}`;
}
