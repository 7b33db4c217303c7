// On-demand prices of Amazon DynamoDB, as data. DynamoDB Standard table class, single-Region tables.
//
// Each entry says where its figures come from, when they were taken, and whether they could be confirmed from a
// stored copy of a public source. An unconfirmed figure is never used silently: `pricesFor` returns it with
// `confirmed: false`, and the cost report (src/cost.ts) repeats the note next to the total.
//
// Background: from 1 Nov 2024 AWS halved on-demand throughput prices (What's New, November 2024:
// https://aws.amazon.com/about-aws/whats-new/2024/11/amazon-dynamo-db-reduces-prices-on-demand-throughput-global-tables/).
// Storage prices did not change. Figures published before that date (e.g. $1.25 / $0.25 per million in us-east-1)
// are out of date.
//
// Must compile under tslab's TypeScript 5.0.4 (non-strict) as well as the repo's strict TS 5.9.

import { WorkshopError } from './errors';

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

const AP_SOUTHEAST_1: OnDemandPrices = {
  region: 'ap-southeast-1',
  regionName: 'Asia Pacific (Singapore)',
  currency: 'USD',
  tableClass: 'STANDARD',
  capacityMode: 'ON_DEMAND',
  writePerMillion: 0.7125,
  readPerMillion: 0.1425,
  storagePerGbMonth: 0.285,
  gsi: { writePerMillion: 0.7125, readPerMillion: 0.1425, storagePerGbMonth: 0.285 },
  freeStorageGbMonth: 25,
  takenOn: '2026-11-25',
  effectiveFrom: '2024-11-01',
  sourceUrl: ON_DEMAND_PRICING_URL,
  confirmed: false,
  evidence: [
    'NOT CONFIRMED: no stored copy of a public source giving the Singapore figures was found (the AWS pricing page ' +
      'renders its per-Region tables in the browser, and the stored copies hold no numbers).',
    'The figures were written from recollection, not read in a source: the pre-Nov-2024 Singapore list prices ' +
      '($1.425 per million WRU, $0.285 per million RRU, $0.285 per GB-month) with the documented 50% on-demand ' +
      'throughput cut applied to WRU and RRU only (storage was not cut). They are 14% above us-east-1.',
  ],
  note:
    'Unconfirmed estimate: check the "Asia Pacific (Singapore)" tab of ' +
    `${ON_DEMAND_PRICING_URL} (or the Price List API, usagetypes APS1-ReadRequestUnits / APS1-WriteRequestUnits / ` +
    'APS1-TimedStorage-ByteHrs) and set confirmed: true once checked.',
};

/** The price table: one entry per Region the workshop runs in. */
export const ON_DEMAND_PRICES: Readonly<Record<string, OnDemandPrices>> = {
  'ap-southeast-1': AP_SOUTHEAST_1,
  'us-east-1': US_EAST_1,
};

export function knownPricingRegions(): string[] {
  return Object.keys(ON_DEMAND_PRICES).sort();
}

/** The on-demand prices of a Region; a clear error for a Region the table does not cover (never a guess). */
export function pricesFor(region: string): OnDemandPrices {
  const p = ON_DEMAND_PRICES[region];
  if (!p) {
    throw new WorkshopError(
      'PRICES_UNKNOWN',
      `No DynamoDB on-demand prices are recorded for region "${region}" (known: ${knownPricingRegions().join(', ')}).`,
      `add an entry to src/pricing.ts from ${ON_DEMAND_PRICING_URL}, or estimate with region ap-southeast-1`,
    );
  }
  return p;
}

/** `$0.625 per million WRU` */
export function describePrice(usd: number, unit: 'WRU' | 'RRU' | 'GB-month'): string {
  return unit === 'GB-month' ? `$${usd} per GB-month` : `$${usd} per million ${unit}`;
}
