import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { WorkshopError } from './errors';

/**
 * BatchWriteItem / BatchGetItem that lose nothing: chunks of 25 (writes) or 100 (reads), and every
 * UnprocessedItems / UnprocessedKeys re-driven with exponential backoff and full jitter until empty.
 * After `maxRounds` the error carries what is still unwritten, so the caller can retry it.
 */

import type { Item } from './types';

export interface BatchOptions {
  keyAttributes?: string[];
  maxRounds?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each re-drive: how many requests are pending and the delay chosen. */
  onRetry?: (info: { round: number; pending: number; delayMs: number; reason: string }) => void;
  /** Called after each BatchWriteItem call: how many of its requests were written and how many came back. */
  onCall?: (info: { written: number; unprocessed: number; throttledCall: boolean }) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface BatchWriteResult {
  written: number;
  /** BatchWriteItem calls sent, re-drives included. */
  calls: number;
  /** Requests that came back unprocessed (or throttled) at least once and were re-sent. */
  redriven: number;
  /** SDK-level attempts summed over all calls ($metadata.attempts): the SDK's own retries show here. */
  sdkAttempts: number;
}

export const WRITE_CHUNK = 25;
export const READ_CHUNK = 100;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Full-jitter backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function backoffDelay(round: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** round);
  return Math.floor(random() * ceiling);
}

function keyOf(item: Item, keyAttributes: string[]): string {
  return JSON.stringify(keyAttributes.map((k) => item[k]));
}

/** DynamoDB rejects a batch holding the same key twice; say which key before sending anything. */
export function assertUniqueKeys(items: readonly Item[], keyAttributes: string[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    for (const k of keyAttributes) {
      if (item[k] === undefined) {
        throw new WorkshopError(
          'BATCH_KEY_MISSING',
          `An item has no ${k} attribute (key attributes: ${keyAttributes.join(', ')}): ${JSON.stringify(item).slice(0, 200)}`,
          'build keys with the workshop key builders (e.g. ws.orderKey) and spread them into the item',
        );
      }
    }
    const key = keyOf(item, keyAttributes);
    if (seen.has(key)) {
      throw new WorkshopError(
        'BATCH_DUPLICATE_KEY',
        `Two items in one batch write have the same key ${key}; DynamoDB would reject the whole batch.`,
        'remove the duplicate, or write the later version in a separate call',
      );
    }
    seen.add(key);
  }
}

function isThrottle(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return name === 'ProvisionedThroughputExceededException' || name === 'ThrottlingException' || name === 'RequestLimitExceeded';
}

interface WriteRequest {
  PutRequest?: { Item: Item };
  DeleteRequest?: { Key: Item };
}

/** Writes every item (PutRequest) to `tableName`, re-driving UnprocessedItems until none is left. */
export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Item[],
  options: BatchOptions = {},
): Promise<BatchWriteResult> {
  const keyAttributes = options.keyAttributes ?? ['PK', 'SK'];
  assertUniqueKeys(items, keyAttributes);
  const requests: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
  return sendWrites(doc, tableName, requests, options);
}

/** Deletes every key (DeleteRequest), with the same re-drive guarantees. */
export async function batchDeleteAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
  options: BatchOptions = {},
): Promise<BatchWriteResult> {
  const keyAttributes = options.keyAttributes ?? ['PK', 'SK'];
  assertUniqueKeys(keys, keyAttributes);
  const requests: WriteRequest[] = keys.map((k) => ({
    DeleteRequest: { Key: Object.fromEntries(keyAttributes.map((a) => [a, k[a]])) },
  }));
  return sendWrites(doc, tableName, requests, options);
}

/**
 * The one re-drive loop: sends `first`, then whatever came back unprocessed (or the whole batch when the SDK gave
 * up on a throttle), with full-jitter backoff, until nothing is left or `maxRounds` re-drives were not enough.
 */
async function redrive<T>(
  first: T[],
  send: (pending: T[]) => Promise<T[]>,
  giveUp: (pending: T[], maxRounds: number) => WorkshopError,
  options: BatchOptions,
  reason: string,
): Promise<number> {
  const maxRounds = options.maxRounds ?? 12;
  const sleep = options.sleep ?? defaultSleep;
  let redriven = 0;
  let pending = first;
  for (let round = 0; pending.length > 0; round++) {
    if (round > maxRounds) {
      const err = giveUp(pending, maxRounds);
      (err as WorkshopError & { unprocessed: T[] }).unprocessed = pending;
      throw err;
    }
    const unprocessed = await send(pending);
    if (unprocessed.length > 0) {
      redriven += unprocessed.length;
      const delayMs = backoffDelay(round, options.baseDelayMs ?? 50, options.maxDelayMs ?? 2_000, options.random ?? Math.random);
      options.onRetry?.({ round: round + 1, pending: unprocessed.length, delayMs, reason });
      await sleep(delayMs);
    }
    pending = unprocessed;
  }
  return redriven;
}

async function sendWrites(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
  options: BatchOptions,
): Promise<BatchWriteResult> {
  const result: BatchWriteResult = { written: 0, calls: 0, redriven: 0, sdkAttempts: 0 };
  const send = async (pending: WriteRequest[]): Promise<WriteRequest[]> => {
    let unprocessed: WriteRequest[];
    let throttledCall = false;
    try {
      result.calls++;
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      result.sdkAttempts += out.$metadata.attempts ?? 1;
      unprocessed = (out.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    } catch (err) {
      if (!isThrottle(err)) throw err;
      result.sdkAttempts += (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      unprocessed = pending; // the SDK gave up on the whole batch: nothing of it was written
      throttledCall = true;
    }
    result.written += pending.length - unprocessed.length;
    options.onCall?.({ written: pending.length - unprocessed.length, unprocessed: unprocessed.length, throttledCall });
    return unprocessed;
  };
  const giveUp = (pending: WriteRequest[], maxRounds: number) =>
    new WorkshopError(
      'BATCH_UNPROCESSED',
      `${pending.length} write request(s) to ${tableName} were still unprocessed after ${maxRounds} re-drives ` +
        `(${result.written} written so far).`,
      'the table is throttling: wait a few seconds and call again with err.unprocessed, or spread the keys (write-sharding)',
    );
  for (const part of chunk(requests, WRITE_CHUNK)) {
    result.redriven += await redrive(part, send, giveUp, options, 'UnprocessedItems');
  }
  return result;
}

export interface BatchGetResult {
  items: Item[];
  calls: number;
  redriven: number;
}

/** Reads every key, re-driving UnprocessedKeys; items come back in no particular order (as in DynamoDB). */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
  options: BatchOptions & { consistentRead?: boolean; projection?: string } = {},
): Promise<BatchGetResult> {
  const keyAttributes = options.keyAttributes ?? ['PK', 'SK'];
  assertUniqueKeys(keys, keyAttributes);
  const result: BatchGetResult = { items: [], calls: 0, redriven: 0 };
  const send = async (pending: Item[]): Promise<Item[]> => {
    try {
      result.calls++;
      const out = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ConsistentRead: options.consistentRead, ProjectionExpression: options.projection },
          },
        }),
      );
      result.items.push(...((out.Responses?.[tableName] ?? []) as Item[]));
      return (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
    } catch (err) {
      if (!isThrottle(err)) throw err;
      return pending;
    }
  };
  const giveUp = (pending: Item[], maxRounds: number) =>
    new WorkshopError(
      'BATCH_UNPROCESSED',
      `${pending.length} key(s) of ${tableName} were still unprocessed after ${maxRounds} re-drives.`,
      'the table is throttling reads: wait a few seconds and call again with err.unprocessed',
    );
  for (const part of chunk(keys, READ_CHUNK)) {
    const pending = part.map((k) => Object.fromEntries(keyAttributes.map((a) => [a, k[a]])));
    result.redriven += await redrive(pending, send, giveUp, options, 'UnprocessedKeys');
  }
  return result;
}
