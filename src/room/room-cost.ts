/**
 * The room's cost so far (an estimate: on-demand prices of the Region, request units only): on the local target from
 * the consumption the attendees' kernels metered (src/room/meter.ts), on AWS from CloudWatch.
 */
import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { WorkshopClients } from '../client';
import { TABLE_PREFIX } from '../config';
import { createCloudWatchClient, metricStatQuery, parseMetricData, resourceDimensions } from '../observe/cloudwatch';
import { type ConsumptionRecord, type CostEstimate, estimateCost } from '../observe/cost';
import { type AnyRoomItem, type ConsumedTotals, type UsageItem, compareIds, sectionKey } from './room-items';
import { attendeeTables } from './room-view';

export interface RoomCost {
  estimate: CostEstimate;
  /** where the units come from, in one sentence (shown under the figure) */
  basis: string;
  /** the request units priced (read, write, GSI read, GSI write) */
  units: ConsumedTotals;
}

function totals(records: readonly ConsumptionRecord[]): ConsumedTotals {
  const t: ConsumedTotals = { readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
  for (const r of records) {
    t.readUnits += r.readUnits;
    t.writeUnits += r.writeUnits;
    t.gsiReadUnits += r.gsiReadUnits ?? 0;
    t.gsiWriteUnits += r.gsiWriteUnits ?? 0;
  }
  return t;
}

/**
 * Local target: the room's consumption as the attendees' kernels metered it (ConsumedCapacity, as DynamoDB Local
 * reports it by AWS's on-demand rules), one record per section, priced at `region`'s on-demand prices. A kernel's
 * total reaches the room with its checkpoints and its section-finished item: what it consumed after its last one is
 * not in yet.
 */
export function roomCostFromUsage(items: readonly AnyRoomItem[], region: string): RoomCost {
  const usage = items.filter((i): i is UsageItem => i.kind === 'usage');
  const records: ConsumptionRecord[] = usage.map((u) => ({
    section: `section ${sectionKey(u.section)}`,
    readUnits: Number(u.readUnits) || 0,
    writeUnits: Number(u.writeUnits) || 0,
    gsiReadUnits: Number(u.gsiReadUnits) || 0,
    gsiWriteUnits: Number(u.gsiWriteUnits) || 0,
  }));
  records.sort((a, b) => compareIds(a.section, b.section));
  const attendees = new Set(usage.map((u) => u.attendee)).size;
  return {
    estimate: estimateCost(records, { region }),
    units: totals(records),
    basis:
      `the consumed capacity DynamoDB Local reported to ${usage.length} attendee kernels (${attendees} attendees), ` +
      "as each kernel last reported it with a checkpoint or a finished section; DynamoDB Local counts by AWS's on-demand rules",
  };
}

/** AWS: GetMetricData queries for the Sum of ConsumedRead/WriteCapacityUnits of each table (hourly periods). */
export function consumedCapacityQueries(tables: readonly string[], period = 3600): MetricDataQuery[] {
  return tables.flatMap((t, i) => [
    metricStatQuery({
      id: `r${i}`,
      metricName: 'ConsumedReadCapacityUnits',
      dimensions: resourceDimensions(t),
      period,
      label: `${t} read`,
    }),
    metricStatQuery({
      id: `w${i}`,
      metricName: 'ConsumedWriteCapacityUnits',
      dimensions: resourceDimensions(t),
      period,
      label: `${t} write`,
    }),
  ]);
}

/**
 * AWS: the room's tables' consumption since `start`, from CloudWatch (ConsumedReadCapacityUnits and
 * ConsumedWriteCapacityUnits, Sum), priced at `region`'s on-demand prices. Tables' own metrics: their GSIs' are not
 * included; CloudWatch publishes a few minutes late.
 */
export async function roomCostFromCloudWatch(
  cw: Pick<CloudWatchClient, 'send'>,
  tables: readonly string[],
  options: { start: Date; end?: Date; region: string },
): Promise<RoomCost> {
  const end = options.end ?? new Date();
  const start = new Date(Math.min(options.start.getTime(), end.getTime() - 3_600_000));
  const records: ConsumptionRecord[] = [];
  // GetMetricData takes at most 500 queries: 2 per table
  for (let from = 0; from < tables.length; from += 250) {
    const chunk = tables.slice(from, from + 250);
    const queries = consumedCapacityQueries(chunk);
    const pages = [];
    let token: string | undefined;
    do {
      const page = await cw.send(
        new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, NextToken: token }),
      );
      pages.push(page);
      token = page.NextToken;
    } while (token);
    const series = parseMetricData(pages, queries);
    chunk.forEach((t, i) => {
      const sum = (id: string) => (series.find((s) => s.id === id)?.points ?? []).reduce((a, p) => a + p.value, 0);
      records.push({ section: t, readUnits: sum(`r${i}`), writeUnits: sum(`w${i}`) });
    });
  }
  return {
    estimate: estimateCost(records.length ? records : [{ section: 'no tables', readUnits: 0, writeUnits: 0 }], {
      region: options.region,
    }),
    units: totals(records),
    basis:
      `CloudWatch's ConsumedReadCapacityUnits and ConsumedWriteCapacityUnits (Sum) of ${tables.length} attendee tables ` +
      `since ${start.toISOString().slice(0, 16)} UTC; their GSIs' metrics are not included, and CloudWatch lags a few minutes`,
  };
}

/** The attendees' table names the room knows of: those that exist and those of attendees who reported (maybe deleted). */
export function roomTables(items: readonly AnyRoomItem[], existing: readonly string[]): string[] {
  return [...new Set([...existing, ...items.map((i) => `${TABLE_PREFIX}${i.attendee}`)])].sort(compareIds);
}

/** One line for the notebook: the estimate, the Region whose prices were used, and where the units come from. */
export function roomCostLine(cost: RoomCost): string {
  const u = cost.units;
  const usd = cost.estimate.usd;
  const money = usd < 0.01 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(2)}`;
  return (
    `Room cost so far (estimate): ${money} for ${Math.round(u.readUnits + u.gsiReadUnits)} read and ` +
    `${Math.round(u.writeUnits + u.gsiWriteUnits)} write request units at ${cost.estimate.prices.regionName} ` +
    `(${cost.estimate.region}) on-demand prices${cost.estimate.priceNote ? ` (${cost.estimate.priceNote})` : ''}. ` +
    `Source: ${cost.basis}. Not included: storage, the free tier, CloudWatch, Contributor Insights.`
  );
}

/** The room's cost so far on the clients' target: metered consumption locally, CloudWatch on AWS. */
export async function roomCost(
  clients: WorkshopClients,
  items: readonly AnyRoomItem[],
  options: { cloudWatch?: Pick<CloudWatchClient, 'send'>; now?: Date } = {},
): Promise<RoomCost> {
  const region = clients.config.region;
  if (clients.config.target !== 'aws') return roomCostFromUsage(items, region);
  const times = items.map((i) => Date.parse(i.lastAt)).filter(Number.isFinite);
  const now = options.now ?? new Date();
  const start = new Date(times.length ? Math.min(...times) - 3_600_000 : now.getTime() - 3_600_000);
  const cw = options.cloudWatch ?? createCloudWatchClient(clients.config);
  return roomCostFromCloudWatch(cw, roomTables(items, await attendeeTables(clients.ddb)), { start, end: now, region });
}
