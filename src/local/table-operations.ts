/**
 * The account's limit on simultaneous table operations, emulated on the local target (opt-in, for the rehearsal).
 *
 * AWS: "For most purposes, up to 500 simultaneous table operations are allowed per account" (CreateTable,
 * UpdateTable, DeleteTable, UpdateTimeToLive, restores); "when you are creating a table with one or more secondary
 * indexes, you can have up to 250 such requests running at a time"; beyond that DynamoDB answers
 * LimitExceededException ("Too many operations for a given subscriber."). DynamoDB Local has no such limit, and its
 * tables are ACTIVE in the CreateTable answer itself (measured: CreateTable → ACTIVE at once, DeleteTable at once), so
 * counting CREATING/UPDATING/DELETING tables on the engine would always count zero. The emulation therefore models
 * each operation as in progress for a while (`holdMs`, default 5 s, WORKSHOP_TABLE_OPERATION_SECONDS) and keeps
 * the operations in progress on the engine itself, in one bookkeeping item of the table `ws-sim-table-operations`,
 * so that every attendee's kernel (a process each) sees everybody's operations.
 *
 * It stands in front of the HTTP handler (src/model/intercept.ts `wrapHandler`): a refused operation is answered with
 * DynamoDB's own JSON error, so the SDK builds the real LimitExceededException, its retry strategy sees it as it would
 * from AWS, and src/control-plane.ts then waits and retries, saying so in the cell.
 *
 * Opt-in: WORKSHOP_TABLE_OPERATION_LIMIT=N (the rehearsal sets it; nobody else needs it). Local target only.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { WorkshopError } from '../errors';
import { type Uninstall, wrapHandler } from '../model/intercept';
import { bodyText, jsonError } from './wire';

type Env = Record<string, string | undefined>;

export const TABLE_OPERATIONS_TABLE = 'ws-sim-table-operations';
export const TABLE_OPERATION_LIMIT_STEP = 'workshopTableOperationLimit';
/** The operations AWS counts against the limit (the ones the workshop sends; restores are not sent). */
export const TABLE_OPERATIONS: readonly string[] = ['CreateTable', 'UpdateTable', 'DeleteTable', 'UpdateTimeToLive'];
export const LIMIT_EXCEEDED_MESSAGE = 'Too many operations for a given subscriber.';
const BOOK_KEY = 'IN-PROGRESS';

export interface TableOperationLimit {
  /** simultaneous table operations (AWS: about 500 per account) */
  limit: number;
  /** simultaneous creations of tables with secondary indexes (AWS: 250, half the limit); at least 1 */
  indexedLimit: number;
  /** how long one operation counts as in progress */
  holdMs: number;
}

/** WORKSHOP_TABLE_OPERATION_LIMIT (and WORKSHOP_TABLE_OPERATION_SECONDS); undefined when not set (no limit). */
export function tableOperationLimit(env: Env): TableOperationLimit | undefined {
  const raw = (env.WORKSHOP_TABLE_OPERATION_LIMIT ?? '').trim();
  if (!raw || raw === '0') return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new WorkshopError(
      'TABLE_OPERATION_LIMIT_INVALID',
      `WORKSHOP_TABLE_OPERATION_LIMIT="${raw}" is not a whole number.`,
      'unset it (no limit: DynamoDB Local has none), or set e.g. WORKSHOP_TABLE_OPERATION_LIMIT=2 to rehearse the account limit',
    );
  }
  const secondsRaw = (env.WORKSHOP_TABLE_OPERATION_SECONDS ?? '').trim() || '5';
  const seconds = Number(secondsRaw);
  if (!/^\d+(\.\d+)?$/.test(secondsRaw) || seconds <= 0) {
    throw new WorkshopError(
      'TABLE_OPERATION_LIMIT_INVALID',
      `WORKSHOP_TABLE_OPERATION_SECONDS="${secondsRaw}" is not a positive number of seconds.`,
      'unset it (default 5 s per table operation) or set e.g. WORKSHOP_TABLE_OPERATION_SECONDS=3',
    );
  }
  const limit = Number(raw);
  return { limit, indexedLimit: Math.max(1, Math.floor(limit / 2)), holdMs: Math.round(seconds * 1000) };
}

/** One operation in progress: until when, and whether it creates a table with secondary indexes. */
export interface OperationInProgress {
  until: number;
  indexed: boolean;
}

/** Is a request body a CreateTable with secondary indexes (the stricter half of the limit)? */
export function createsIndexedTable(operation: string, body: Record<string, unknown>): boolean {
  if (operation !== 'CreateTable') return false;
  const n = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  return n(body.GlobalSecondaryIndexes) + n(body.LocalSecondaryIndexes) > 0;
}

/**
 * Pure: may one more operation start now, given those in progress? Returns the reason it may not (for the log), or
 * undefined. Expired operations do not count.
 */
export function refusal(
  inProgress: readonly OperationInProgress[],
  indexed: boolean,
  limit: TableOperationLimit,
  now: number,
): string | undefined {
  const live = inProgress.filter((o) => o.until > now);
  if (live.length >= limit.limit) return `${live.length} table operations in progress (limit ${limit.limit})`;
  const liveIndexed = live.filter((o) => o.indexed).length;
  if (indexed && liveIndexed >= limit.indexedLimit)
    return `${liveIndexed} creations of tables with indexes in progress (limit ${limit.indexedLimit})`;
  return undefined;
}

type Book = Record<string, OperationInProgress>;

/** The bookkeeping on the engine: one item, updated with an optimistic version check (kernels are processes). */
export class OperationBook {
  private ready: Promise<void> | undefined;
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly table = TABLE_OPERATIONS_TABLE,
  ) {}

  private ensureTable(): Promise<void> {
    this.ready ??= this.ddb
      .send(
        new CreateTableCommand({
          TableName: this.table,
          KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      )
      .then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof ResourceInUseException) return;
          this.ready = undefined;
          throw err;
        },
      );
    return this.ready;
  }

  private async read(): Promise<{ book: Book; version: number }> {
    let out: GetItemCommandOutput;
    try {
      out = await this.ddb.send(
        new GetItemCommand({ TableName: this.table, Key: { PK: { S: BOOK_KEY } }, ConsistentRead: true }),
      );
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
      this.ready = undefined;
      await this.ensureTable();
      return { book: {}, version: 0 };
    }
    const item = out.Item;
    if (!item) return { book: {}, version: 0 };
    return { book: JSON.parse(item.ops?.S ?? '{}') as Book, version: Number(item.version?.N ?? '0') };
  }

  private async write(book: Book, version: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { PK: { S: BOOK_KEY }, ops: { S: JSON.stringify(book) }, version: { N: String(version + 1) } },
          ...(version === 0
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': { N: String(version) } } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Starts an operation when the limit allows: its id, or the reason it may not start. */
  async begin(
    id: string,
    indexed: boolean,
    limit: TableOperationLimit,
    now: () => number = Date.now,
  ): Promise<{ started: true } | { started: false; why: string }> {
    await this.ensureTable();
    for (let round = 0; round < 50; round++) {
      const { book, version } = await this.read();
      const t = now();
      for (const [k, o] of Object.entries(book)) if (o.until <= t) delete book[k];
      const why = refusal(Object.values(book), indexed, limit, t);
      if (why) return { started: false, why };
      book[id] = { until: t + limit.holdMs, indexed };
      if (await this.write(book, version)) return { started: true };
    }
    throw new WorkshopError(
      'TABLE_OPERATION_BOOK_BUSY',
      `The emulated table-operation limit could not update ${this.table} after 50 tries (too many kernels at once).`,
      'unset WORKSHOP_TABLE_OPERATION_LIMIT, or run fewer attendees at once (--jobs)',
    );
  }

  /** An operation the engine refused (e.g. ResourceInUse) was never in progress: take it off the book. */
  async cancel(id: string): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const { book, version } = await this.read();
      if (!(id in book)) return;
      delete book[id];
      if (await this.write(book, version)) return;
    }
  }

  /** Removes the bookkeeping table (tests). */
  async drop(): Promise<void> {
    await this.ddb.send(new DeleteItemCommand({ TableName: this.table, Key: { PK: { S: BOOK_KEY } } })).catch(() => undefined);
  }
}

let opCounter = 0;

/**
 * Installs the limit on a client: each CreateTable / UpdateTable / DeleteTable / UpdateTimeToLive attempt first takes
 * a place on the engine's book (kept by `bookClient`, a client WITHOUT this step), and is answered
 * LimitExceededException (HTTP 400, DynamoDB's JSON) when the book is full.
 */
export function addTableOperationLimit(ddb: DynamoDBClient, limit: TableOperationLimit, bookClient: DynamoDBClient): Uninstall {
  const book = new OperationBook(bookClient);
  return wrapHandler(ddb, TABLE_OPERATION_LIMIT_STEP, async (request, forward) => {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.split('.')[1] ?? '';
    if (!TABLE_OPERATIONS.includes(operation)) return forward(request);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(bodyText(request.body) ?? '{}') as Record<string, unknown>;
    } catch {
      // unreadable: counted as a plain operation
    }
    if (body.TableName === TABLE_OPERATIONS_TABLE) return forward(request);
    const id = `${process.pid}-${Date.now()}-${++opCounter}`;
    const began = await book.begin(id, createsIndexedTable(operation, body), limit);
    if (!began.started) {
      return jsonError(
        {
          __type: 'com.amazonaws.dynamodb.v20120810#LimitExceededException',
          message: `${LIMIT_EXCEEDED_MESSAGE} (emulated on the local target: ${began.why}; WORKSHOP_TABLE_OPERATION_LIMIT)`,
        },
        `EMULATED-LIMIT-${id}`,
      );
    }
    const answer = await forward(request);
    if (answer.response.statusCode >= 300) await book.cancel(id).catch(() => undefined);
    return answer;
  });
}
