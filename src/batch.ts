import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clockOf } from './clock';
import { WorkshopError } from './errors';

/**
 * BatchWriteItem / BatchGetItem that lose nothing: chunks of 25 (writes) or 100 (reads), and every
 * UnprocessedItems / UnprocessedKeys re-driven with exponential backoff and full jitter until empty.
 * When a chunk is still unprocessed after `maxRounds` re-drives, the call stops (later chunks are not sent) and
 * throws a BatchUnprocessedError carrying everything not done, ready to pass back to the same function.
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
  /** How the backoff waits. Default: the client's clock (createClients: real, or virtual in headless runs). */
  sleep?: (ms: number) => Promise<void>;
  /** Stop before the next call (e.g. another writer gave up): the call then throws a BatchUnprocessedError. */
  signal?: AbortSignal;
}

/**
 * A batch call that gave up (retries exhausted, or stopped): nothing it was given is unaccounted for. Every item
 * is either done (`written` items stored, or `items` read) or in `unprocessed`, in the shape the same function
 * takes: items for batchWriteAll, keys for batchDeleteAll and batchGetAll.
 */
export class BatchUnprocessedError extends WorkshopError {
  readonly unprocessed: Item[];
  /** Writes and deletes done before giving up. */
  readonly written: number;
  /** batchGetAll: the items read before giving up. */
  readonly items: Item[];

  constructor(problem: string, fix: string, done: { unprocessed: Item[]; written?: number; items?: Item[] }) {
    super('BATCH_UNPROCESSED', problem, fix);
    this.unprocessed = done.unprocessed;
    this.written = done.written ?? 0;
    this.items = done.items ?? [];
  }
}

/**
 * The error for writes not done. `again` names the call that finishes the job (batchWriteAll or batchDeleteAll),
 * shown with the error's own items so that following the message works as printed.
 */
export function unwrittenError(
  tableName: string,
  done: { unprocessed: Item[]; written: number; total: number; why: string },
  again: 'batchWriteAll' | 'batchDeleteAll' = 'batchWriteAll',
): BatchUnprocessedError {
  const n = done.unprocessed.length;
  return new BatchUnprocessedError(
    `${n} of ${done.total} item(s) were not written to ${tableName} (${done.written} written): ${done.why}. ` +
      `err.unprocessed holds all ${n}.`,
    `the table is throttling: wait a few seconds, then write the rest: ` +
      `catch (err) { await ws.${again}(clients.doc, '${tableName}', err.unprocessed) } — or spread the keys (write-sharding)`,
    { unprocessed: done.unprocessed, written: done.written },
  );
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

/** The backoff's wait: the caller's, or the clock createClients gave the client (virtual time skips it). */
function withClock<O extends BatchOptions>(doc: DynamoDBDocumentClient, options: O): O {
  return options.sleep ? options : { ...options, sleep: clockOf(doc).sleep };
}

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

/** Waits `ms`, or less when `signal` stops the call (the caller then sends nothing more). */
function pause(ms: number, sleep: (ms: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    sleep(ms).then(done, done);
  });
}

function isThrottle(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return name === 'ProvisionedThroughputExceededException' || name === 'ThrottlingException' || name === 'RequestLimitExceeded';
}

interface WriteRequest {
  PutRequest?: { Item: Item };
  DeleteRequest?: { Key: Item };
}

/**
 * Writes every item (PutRequest) to `tableName`, re-driving UnprocessedItems until none is left. Throws a
 * BatchUnprocessedError (err.unprocessed: the items not written) when the table kept refusing.
 */
export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Item[],
  options: BatchOptions = {},
): Promise<BatchWriteResult> {
  const keyAttributes = options.keyAttributes ?? ['PK', 'SK'];
  assertUniqueKeys(items, keyAttributes);
  const requests: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
  return sendWrites(doc, tableName, requests, withClock(doc, options), 'batchWriteAll');
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
  return sendWrites(doc, tableName, requests, withClock(doc, options), 'batchDeleteAll');
}

/** How a re-drive ended: `left` is empty when everything was processed. */
interface Redriven<T> {
  redriven: number;
  left: T[];
  /** why `left` is not empty */
  why?: string;
}

/**
 * The one re-drive loop: sends `first`, then whatever came back unprocessed (or the whole batch when the SDK gave
 * up on a throttle), with full-jitter backoff, until nothing is left, `maxRounds` re-drives were not enough, or
 * `signal` stopped it. It never throws for those: the caller turns `left` into an error that accounts for everything.
 */
async function redrive<T>(
  first: T[],
  send: (pending: T[]) => Promise<T[]>,
  options: BatchOptions,
  reason: string,
): Promise<Redriven<T>> {
  const maxRounds = options.maxRounds ?? 12;
  const sleep = options.sleep ?? clockOf(undefined).sleep;
  let redriven = 0;
  let pending = first;
  for (let round = 0; pending.length > 0; round++) {
    if (options.signal?.aborted) return { redriven, left: pending, why: 'stopped' };
    if (round > maxRounds) return { redriven, left: pending, why: `still unprocessed after ${maxRounds} re-drives` };
    const unprocessed = await send(pending);
    if (unprocessed.length > 0) {
      redriven += unprocessed.length;
      const delayMs = backoffDelay(round, options.baseDelayMs ?? 50, options.maxDelayMs ?? 2_000, options.random ?? Math.random);
      options.onRetry?.({ round: round + 1, pending: unprocessed.length, delayMs, reason });
      await pause(delayMs, sleep, options.signal);
    }
    pending = unprocessed;
  }
  return { redriven, left: [] };
}

/** What a re-drive left, plus every chunk after it (never sent), and why, for the error message. */
function leftOver<T>(r: Redriven<T>, later: T[][]): { left: T[]; why: string } {
  const notSent = later.reduce((n, c) => n + c.length, 0);
  return {
    left: [...r.left, ...later.flat()],
    why: `${r.left.length} ${r.why}${notSent > 0 ? `, ${notSent} never sent` : ''}`,
  };
}

function writeRequestItem(r: WriteRequest): Item {
  return (r.PutRequest?.Item ?? r.DeleteRequest?.Key) as Item;
}

async function sendWrites(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
  options: BatchOptions,
  again: 'batchWriteAll' | 'batchDeleteAll',
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
  const parts = chunk(requests, WRITE_CHUNK);
  for (let i = 0; i < parts.length; i++) {
    const r = await redrive(parts[i], send, options, 'UnprocessedItems');
    result.redriven += r.redriven;
    if (r.left.length > 0) {
      // Stop here: sending later chunks to a table that keeps refusing would only spread the loss.
      const { left, why } = leftOver(r, parts.slice(i + 1));
      throw unwrittenError(
        tableName,
        { unprocessed: left.map(writeRequestItem), written: result.written, total: requests.length, why },
        again,
      );
    }
  }
  return result;
}

export interface BatchGetResult {
  items: Item[];
  calls: number;
  redriven: number;
}

/**
 * Reads every key, re-driving UnprocessedKeys; items come back in no particular order (as in DynamoDB). Throws a
 * BatchUnprocessedError (err.unprocessed: the keys not read, err.items: the items read) when the table kept refusing.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
  given: BatchOptions & { consistentRead?: boolean; projection?: string } = {},
): Promise<BatchGetResult> {
  const options = withClock(doc, given);
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
  const parts = chunk(
    keys.map((k) => Object.fromEntries(keyAttributes.map((a) => [a, k[a]]))),
    READ_CHUNK,
  );
  for (let i = 0; i < parts.length; i++) {
    const r = await redrive(parts[i], send, options, 'UnprocessedKeys');
    result.redriven += r.redriven;
    if (r.left.length > 0) {
      const { left, why } = leftOver(r, parts.slice(i + 1));
      throw new BatchUnprocessedError(
        `${left.length} of ${keys.length} key(s) of ${tableName} were not read (${result.items.length} read, in err.items): ` +
          `${why}. err.unprocessed holds all ${left.length}.`,
        `the table is throttling reads: wait a few seconds, then read the rest: ` +
          `catch (err) { const rest = await ws.batchGetAll(clients.doc, '${tableName}', err.unprocessed) } and use err.items too`,
        { unprocessed: left, items: result.items },
      );
    }
  }
  return result;
}
