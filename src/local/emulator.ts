import type { HttpRequest } from '@smithy/core/protocols';
import type { WorkshopClients } from '../client';
import { WorkshopError } from '../errors';
import { type Uninstall, wrapHandler } from '../model/intercept';
import { describeScale, PartitionModel, type PartitionModelOptions } from '../model/partitions';
import { keyConditionPartitionKey } from '../model/request';
import { schemaCacheOf } from '../model/schema-cache';
import { DEFAULT_DECISION_LOG_SIZE, type Decision, DecisionLog, type KeyStat, type SecondStat } from './decision-log';
import { type Handler, type Json, PARTIQL } from './emulator-answers';
import { type Meter, Metering, UnknownTable } from './emulator-metering';
import { partiql } from './emulator-partiql';
import { batchGet, read, transactGet } from './emulator-reads';
import { batchWrite, itemWrite, transactWrite } from './emulator-writes';
import { bodyText, type HandlerOutput } from './wire';

export { DEFAULT_DECISION_LOG_SIZE, type Decision, DecisionLog, type KeyStat, type SecondStat } from './decision-log';

/**
 * Throttling you can see on a laptop. DynamoDB Local never throttles; this emulator sits where the network would
 * be (it wraps the client's HTTP request handler), applies the partition model to each request and, when a
 * partition is over its limit, answers the way AWS does: an HTTP 400 ProvisionedThroughputExceededException
 * with ThrottlingReasons, UnprocessedItems/UnprocessedKeys for the throttled part of a batch, a
 * TransactionCanceledException with ThrottlingError reasons for a transaction. Everything above the handler — the
 * SDK's deserializer, its retry strategy, $metadata.attempts — behaves exactly as against AWS.
 *
 * What is charged is what DynamoDB charges (tests/connected/emulator-capacity.test.ts measures it against DynamoDB
 * Local's own ConsumedCapacity, TOTAL and INDEXES, for items of 0.5–400 KB and every operation), and how:
 * - Reads have no side effect, so they are decided AFTER the engine answered, on the exact charge: the request is
 *   sent (asking DynamoDB Local for its ConsumedCapacity, stripped again if the caller did not ask), and when the
 *   partition cannot take what it consumed, the answer is dropped and a throttle returned instead. Nothing is ever
 *   estimated for a read, so concurrent large Queries cannot slip under an estimate.
 * - Writes change data, so they must be decided BEFORE they are sent. The charge needs the item as it was (a put over
 *   a bigger item, an update, a delete cost the larger of old and new): the emulator reads the old items first with
 *   an uncounted, strongly consistent BatchGetItem on the engine (the engine's work, not the attendee's: nothing is
 *   charged for it), computes the new item (PutItem: the request's; UpdateItem: `updatedItem`, the update
 *   expression applied), and admits on that charge — table and every GSI the write reaches, all or nothing, so a
 *   write a GSI refuses consumes nothing on the table (reason `IndexWriteKeyRangeThroughputExceeded`). The write is
 *   sent with ReturnConsumedCapacity INDEXES and the reservation is settled to what DynamoDB Local reports (a
 *   concurrent write to the same item, or an update expression not followed exactly, can make them differ): less is
 *   given back, more becomes a debt placed in the next windows, so no partition exceeds its rate in any 1 s window.
 * - PartiQL: DynamoDB Local reports no capacity for it, so the charge is computed with the same rules from the
 *   statement (table, index and key read out of its WHERE clause or VALUE) and the items.
 * - At a small scale one request can exceed a partition's whole second (a 100 KB put at 20 WCU/s): it is admitted
 *   on an idle partition and its units are placed as a debt, one second's limit per second (the model's
 *   `admitOversized`), so the rate holds over every 1 s window.
 *
 * Files: this one (the emulator, its options, its place on the client), emulator-metering.ts (what every operation
 * shares), emulator-writes.ts, emulator-reads.ts, emulator-partiql.ts (one function per operation),
 * emulator-answers.ts (AWS's answers), decision-log.ts (what it decided: exact aggregates, a bounded raw log).
 */

export interface EmulatorOptions extends PartitionModelOptions {
  /**
   * Milliseconds clock; injectable so tests can drive time. Default: the clients' clock (`clients.clock`, read when
   * the emulator is installed; src/clock.ts), else Date.now.
   */
  clock?: () => number;
  /**
   * How many raw decisions `decisions` keeps (a ring: the most recent ones); the counts, `keyStats()` and
   * `perSecond()` stay exact over every decision whatever this is. Default 10,000 (~1.7 MB).
   */
  decisionLogSize?: number;
}

/** The emulator's step on the client's stack (see intercept.ts): right before the HTTP handler. */
const EMULATOR_STEP = 'workshopThrottleEmulator';

/** Each data-plane operation's metering; anything else goes to the engine unmetered. */
const METERS: Record<string, Meter> = {
  PutItem: itemWrite,
  UpdateItem: itemWrite,
  DeleteItem: itemWrite,
  BatchWriteItem: batchWrite,
  TransactWriteItems: transactWrite,
  GetItem: read,
  Query: read,
  Scan: read,
  BatchGetItem: batchGet,
  TransactGetItems: transactGet,
  ...Object.fromEntries([...PARTIQL].map((op) => [op, partiql])),
};

export class ThrottleEmulator {
  readonly model: PartitionModel;
  /** What the emulator decided: exact counts and aggregates, and the most recent raw decisions (see DecisionLog). */
  readonly decisions: DecisionLog;
  readonly scaleLabel: string;
  private readonly metering: Metering;
  private clock: () => number;
  private readonly clockGiven: boolean;
  private installed?: { uninstall: Uninstall };
  enabled = true;

  constructor(options: EmulatorOptions = {}) {
    this.model = new PartitionModel({ admitOversized: true, ...options });
    this.clockGiven = options.clock !== undefined;
    this.clock = options.clock ?? Date.now;
    this.decisions = new DecisionLog(options.decisionLogSize ?? DEFAULT_DECISION_LOG_SIZE);
    this.metering = new Metering(this.model, () => this.clock(), this.decisions);
    this.scaleLabel = describeScale(this.model.scale, options);
  }

  /**
   * Puts the emulator in front of the clients' engine, on the clients' clock unless `options.clock` was given.
   * Refuses the aws target: there, throttling is real.
   */
  install(clients: WorkshopClients): this {
    if (clients.config.target === 'aws') {
      throw new WorkshopError(
        'EMULATOR_AWS_TARGET',
        'The throttling emulator is for the local target only: on AWS, throttling is real.',
        'skip emulateThrottling() when config.target is "aws" (the notebooks do: `if (config.target === "local")`)',
      );
    }
    if (this.installed) return this;
    const clock = clients.clock;
    if (!this.clockGiven && clock) this.clock = () => clock.now();
    const uninstall = wrapHandler(clients.ddb, EMULATOR_STEP, (request, forward) => this.handle({ handle: forward }, request));
    this.metering.schemas = schemaCacheOf(clients.ddb);
    this.installed = { uninstall };
    return this;
  }

  /** Restores the plain handler (requests go straight to the engine again). */
  uninstall(): void {
    if (!this.installed) return;
    this.installed.uninstall();
    this.installed = undefined;
  }

  /** Forgets counters, windows and decisions: start a new experiment. */
  reset(): void {
    this.model.reset();
    this.decisions.clear();
  }

  /** Calls `listener` with every decision from now on; returns the unsubscribe (see DecisionLog). */
  onDecision(listener: (d: Decision) => void): () => void {
    return this.decisions.onDecision(listener);
  }

  private async handle(inner: Handler, request: HttpRequest): Promise<HandlerOutput> {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.split('.')[1] ?? '';
    const text = bodyText(request.body);
    if (!this.enabled || text === undefined) return inner.handle(request);
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return inner.handle(request);
    }
    if (operation === 'UpdateTable' || operation === 'DeleteTable') {
      // GSIs can be added while the emulator runs: forget the cached schema
      this.metering.schemas?.forget(String(body.TableName));
      return inner.handle(request);
    }
    const meter = METERS[operation];
    if (!meter) return inner.handle(request);
    try {
      return await meter(this.metering, inner, request, operation, body);
    } catch (err) {
      if (err instanceof UnknownTable) return inner.handle(request);
      throw err;
    }
  }

  /** Totals per partition key (what Contributor Insights' "most throttled keys" shows), exact since `reset()`. */
  keyStats(): KeyStat[] {
    return this.decisions.keyStats();
  }

  /** Admitted and throttled decisions per whole second since `sinceMs` (default: the first decision). */
  perSecond(sinceMs?: number): SecondStat[] {
    return this.decisions.perSecond(sinceMs);
  }
}

/** Creates an emulator and installs it on the clients (local target only). */
export function emulateThrottling(clients: WorkshopClients, options: EmulatorOptions = {}): ThrottleEmulator {
  return new ThrottleEmulator(options).install(clients);
}

/** The partition key value a Query pins (either operand order, legacy KeyConditions): the shared request reader. */
export const queryPartitionKey = keyConditionPartitionKey;
