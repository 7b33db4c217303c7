import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

import type { Item } from './types';

export interface ReadResult {
  items: Item[];
  /** Items DynamoDB read (and charged for) before any FilterExpression. */
  scannedCount: number;
  pages: number;
  /** Read capacity units consumed, summed over pages (ReturnConsumedCapacity TOTAL). */
  capacityUnits: number;
  lastEvaluatedKey?: Item;
}

function units(c: ConsumedCapacity | undefined): number {
  return c?.CapacityUnits ?? 0;
}

interface Page {
  Items?: Record<string, unknown>[];
  ScannedCount?: number;
  ConsumedCapacity?: ConsumedCapacity;
  LastEvaluatedKey?: Record<string, unknown>;
}

/** Follows LastEvaluatedKey page by page (one request each: at most 1 MB), summing counts and capacity. */
async function readPages(
  send: (start: Item | undefined) => Promise<Page>,
  first: Item | undefined,
  options: { maxPages?: number; maxItems?: number },
): Promise<ReadResult> {
  const res: ReadResult = { items: [], scannedCount: 0, pages: 0, capacityUnits: 0 };
  let start = first;
  do {
    const out = await send(start);
    res.pages++;
    res.items.push(...((out.Items ?? []) as Item[]));
    res.scannedCount += out.ScannedCount ?? 0;
    res.capacityUnits += units(out.ConsumedCapacity);
    start = out.LastEvaluatedKey as Item | undefined;
    res.lastEvaluatedKey = start;
    if (options.maxItems !== undefined && res.items.length >= options.maxItems) break;
    if (options.maxPages !== undefined && res.pages >= options.maxPages) break;
  } while (start);
  if (options.maxItems !== undefined) res.items = res.items.slice(0, options.maxItems);
  return res;
}

/**
 * Runs a Query and follows LastEvaluatedKey until the end (or until `maxItems` items), summing consumed capacity.
 */
export function queryAll(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
  options: { maxPages?: number; maxItems?: number } = {},
): Promise<ReadResult> {
  return readPages(
    (start) => doc.send(new QueryCommand({ ReturnConsumedCapacity: 'TOTAL', ...input, ExclusiveStartKey: start })),
    input.ExclusiveStartKey as Item | undefined,
    options,
  );
}

/** Scans the whole table (every page), summing consumed capacity: what a Scan really costs. */
export function scanAll(
  doc: DynamoDBDocumentClient,
  input: ScanCommandInput,
  options: { maxPages?: number } = {},
): Promise<ReadResult> {
  return readPages(
    (start) => doc.send(new ScanCommand({ ReturnConsumedCapacity: 'TOTAL', ...input, ExclusiveStartKey: start })),
    input.ExclusiveStartKey as Item | undefined,
    options,
  );
}
