// The recorder: two middlewares on a DynamoDB client's stack (see metrics.ts for where they sit and what they see),
// each finished call turned into records (record-builder.ts) and added to running aggregates (aggregates.ts).
//
// Memory stays flat: the aggregates grow with the distinct keys, seconds, tenants and resources, not with the calls;
// the raw records (`calls`, `attempts`, `throttles`: ~4.5 KB for a 25-item batch call) are kept for the last
// `maxCalls` calls only (DEFAULT_MAX_CALLS, settable), a ring. The aggregations read the running sums, so their
// numbers are exact whatever the bound; only the raw log is trimmed.

import { DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { HandlerExecutionContext } from '@aws-sdk/types';
import { HttpResponse } from '@smithy/core/protocols';
import type { WorkshopClock } from '../clock';
import { WorkshopError } from '../errors';
import {
  type AttemptArgs,
  type AttemptOutput,
  type CallArgs,
  type CallOutput,
  onEachAttempt,
  onEachCall,
  type Uninstall,
} from '../model/intercept';
import { type SchemaCache, schemaCacheOf, type TableSchema, tableSchemaOf } from '../model/schema-cache';
import type {
  KeyRow,
  OperationRow,
  PerSecondOptions,
  ReasonRow,
  ResourceRow,
  SecondRow,
  TenantRow,
  TopKeysOptions,
  TotalsRow,
} from './aggregate-rows';
import { RunningAggregates } from './aggregates';
import { DEFAULT_KEY_SCHEMA, type Json, type TableKeySchema, keySchemaOf, tablesOf } from './call-anatomy';
import { CAPACITY_OPERATIONS } from './metric-names';
import { type BuiltRecords, type ObservedCall, buildRecords } from './record-builder';
import type { AttemptRecord, CallRecord, CapacityMode, MetricsData, ThrottleEvent } from './records';

/**
 * How many calls' raw records a recorder keeps by default (with their attempts and throttle events): about 4.5 MiB
 * of 25-item batch calls. A workshop section makes a few hundred calls; the bench's 200,000 items are 8,000.
 */
export const DEFAULT_MAX_CALLS = 1_000;

/** `maxCalls` checked: a whole number ≥ 0, or Infinity (keep every call). */
function checkMaxCalls(n: number): number {
  if (n === Number.POSITIVE_INFINITY || (Number.isInteger(n) && n >= 0)) return n;
  throw new WorkshopError(
    'RECORDER_LOG_BOUND',
    `maxCalls ${n} is not a whole number of calls.`,
    'give an integer >= 0 (0 keeps no raw records), or Infinity to keep them all.',
  );
}

export interface RecorderOptions {
  /** Milliseconds clock; injectable so tests drive time. Default: the clients' clock (virtual in headless runs), else Date.now. */
  clock?: () => number;
  /** Key schemas by table name: skips DescribeTable for these tables. */
  keySchemas?: Record<string, TableKeySchema>;
  /** Where key schemas come from. Default: the recorded client's shared cache (`schemaCacheOf(client)`). */
  schemas?: SchemaCache;
  /** Raw records kept for the last this-many calls (default DEFAULT_MAX_CALLS; Infinity keeps all). Aggregates are exact regardless. */
  maxCalls?: number;
}

/** Either a WorkshopClients (`{ ddb, doc, … }`) or the DynamoDBClient itself. */
export type RecordableClients = { ddb: DynamoDBClient } | DynamoDBClient;

const CALL_MIDDLEWARE = 'workshopMetricsCall';
const ATTEMPT_MIDDLEWARE = 'workshopMetricsAttempt';
const CALL_KEY = '__workshopMetricsCall';

const recorders = new WeakMap<DynamoDBClient, MetricsRecorder>();

function clientOf(c: RecordableClients): DynamoDBClient {
  return c instanceof DynamoDBClient ? c : (c as { ddb: DynamoDBClient }).ddb;
}

/** The key schema of a DescribeTable answer. */
export function keySchemaFromDescription(t: TableDescription): TableKeySchema {
  return keySchemaOf(tableSchemaOf(t));
}

/**
 * Records what a DynamoDB client does, per call and per attempt, and aggregates it under CloudWatch's names.
 * Create it with `attachRecorder(clients)`.
 */
export class MetricsRecorder {
  /** The raw log: the last `maxCalls` calls' records, oldest first (a ring: `head` is the oldest slot once full). */
  private log: BuiltRecords[] = [];
  private head = 0;
  private bound: number;
  private aggregates = new RunningAggregates();
  /** Set false to pause recording (calls pass through untouched). */
  enabled = true;
  private readonly clock: () => number;
  /** Key schemas given in the options (they win over the cache). */
  private readonly seeded = new Map<string, TableKeySchema>();
  private readonly views = new WeakMap<TableSchema, TableKeySchema>();
  private schemaCache?: SchemaCache;
  private client?: DynamoDBClient;
  private uninstallSteps?: Uninstall;
  private seq = 0;
  private startedMs: number;

  constructor(options: RecorderOptions = {}) {
    this.clock = options.clock ?? Date.now;
    for (const t of Object.keys(options.keySchemas ?? {})) this.seeded.set(t, options.keySchemas![t]);
    this.schemaCache = options.schemas;
    this.bound = checkMaxCalls(options.maxCalls ?? DEFAULT_MAX_CALLS);
    this.startedMs = this.clock();
  }

  /** How many calls' raw records are kept (the aggregations count every call whatever this is). */
  get maxCalls(): number {
    return this.bound;
  }

  /** Changes the bound; lowering it drops the oldest records at once. */
  set maxCalls(n: number) {
    this.bound = checkMaxCalls(n);
    const kept = this.retained();
    this.log = kept.slice(Math.max(0, kept.length - this.bound));
    this.head = 0;
  }

  /** The raw call records kept (the last `maxCalls` calls), oldest first: a fresh array on each read. */
  get calls(): CallRecord[] {
    return this.retained().map((r) => r.call);
  }

  /** The attempts of the calls kept, in the order their calls finished. */
  get attempts(): AttemptRecord[] {
    return this.retained().flatMap((r) => r.attempts);
  }

  /** The throttle events of the calls kept, in the order their calls finished. */
  get throttles(): ThrottleEvent[] {
    return this.retained().flatMap((r) => r.throttles);
  }

  /** When recording (re)started: the origin of `perSecond()` unless told otherwise. */
  get startMs(): number {
    return this.startedMs;
  }

  /** Puts the two middlewares on the client's stack (the DocumentClient built from it shares the stack). */
  attach(clients: RecordableClients): this {
    const client = clientOf(clients);
    if (this.client === client) return this;
    if (this.client)
      throw new WorkshopError(
        'RECORDER_ATTACHED',
        'This recorder is attached to another client.',
        'detach() it first, or create a new one.',
      );
    if (recorders.has(client))
      throw new WorkshopError(
        'RECORDER_ATTACHED',
        'This client already has a recorder.',
        'use attachRecorder(clients) to get it.',
      );
    this.client = client;
    this.schemaCache ??= schemaCacheOf(client);
    recorders.set(client, this);
    const offCall = onEachCall(client, CALL_MIDDLEWARE, (args, next, context) => this.onCall(next, context, args));
    // Deserialize step, outside the deserializer: once per attempt (inside the retry loop), parsed errors visible.
    const offAttempt = onEachAttempt(client, ATTEMPT_MIDDLEWARE, (args, next, context) => this.onAttempt(next, context, args));
    this.uninstallSteps = () => {
      offCall();
      offAttempt();
    };
    return this;
  }

  /** Takes the middlewares off the client again. */
  detach(): void {
    if (!this.client) return;
    this.uninstallSteps?.();
    this.uninstallSteps = undefined;
    recorders.delete(this.client);
    this.client = undefined;
  }

  /** Forgets everything recorded: start a new experiment. */
  reset(): void {
    this.log = [];
    this.head = 0;
    this.aggregates = new RunningAggregates();
    this.startedMs = this.clock();
  }

  /**
   * The raw records kept (the last `maxCalls` calls), for the pure aggregations or a test. Past the bound they cover
   * only those calls: the recorder's own methods below count every call.
   */
  data(): MetricsData {
    const kept = this.retained();
    return {
      calls: kept.map((r) => r.call),
      attempts: kept.flatMap((r) => r.attempts),
      throttles: kept.flatMap((r) => r.throttles),
    };
  }

  totals(): TotalsRow {
    return this.aggregates.totals();
  }

  byResource(): ResourceRow[] {
    return this.aggregates.byResource();
  }

  byOperation(): OperationRow[] {
    return this.aggregates.byOperation();
  }

  byKey(): KeyRow[] {
    return this.aggregates.byKey();
  }

  topKeys(options: TopKeysOptions = {}): KeyRow[] {
    return this.aggregates.topKeys(options);
  }

  byTenant(): TenantRow[] {
    return this.aggregates.byTenant();
  }

  perSecond(options: PerSecondOptions = {}): SecondRow[] {
    return this.aggregates.bySecond({ fromMs: this.startedMs, ...options });
  }

  throttleReasons(): ReasonRow[] {
    return this.aggregates.throttleReasons();
  }

  /** The retained records, oldest first. */
  private retained(): BuiltRecords[] {
    return this.head === 0 ? this.log.slice() : this.log.slice(this.head).concat(this.log.slice(0, this.head));
  }

  /** Counts one call's records, and keeps them in the ring. */
  private keep(built: BuiltRecords): void {
    this.aggregates.add(built);
    if (this.bound === 0) return;
    if (this.log.length < this.bound) {
      this.log.push(built);
      return;
    }
    this.log[this.head] = built;
    this.head = (this.head + 1) % this.log.length;
  }

  /**
   * The key schema the recorder uses for a table (after a call to it, or from options). An unknown table
   * (schema-cache.ts's rule) reads as the workshop's layout, and is asked about again on the next call.
   */
  schemaFor(table: string): TableKeySchema {
    const seeded = this.seeded.get(table);
    if (seeded) return seeded;
    const s = this.schemaCache?.peek(table);
    if (!s) return DEFAULT_KEY_SCHEMA;
    let v = this.views.get(s);
    if (!v) {
      v = keySchemaOf(s);
      this.views.set(s, v);
    }
    return v;
  }

  private async learnSchemas(tables: string[]): Promise<void> {
    for (const t of tables) if (!this.seeded.has(t)) await this.schemaCache?.get(t);
  }

  private async onCall(
    next: (args: CallArgs) => Promise<CallOutput>,
    context: HandlerExecutionContext,
    args: CallArgs,
  ): Promise<CallOutput> {
    const commandName = String(context?.commandName || '');
    const operation = commandName.replace(/Command$/, '');
    if (!this.enabled || CAPACITY_OPERATIONS.indexOf(operation) < 0) return next(args);
    const input = (args.input ?? {}) as Json;
    const explicit = input.ReturnConsumedCapacity as CapacityMode | undefined;
    const call: ObservedCall = {
      id: ++this.seq,
      operation,
      input,
      capacityMode: explicit ?? 'INDEXES',
      capacitySetBy: explicit === undefined ? 'recorder' : 'caller',
      startMs: this.clock(),
      endMs: 0,
      attempts: [],
    };
    context[CALL_KEY] = call;
    const sent = explicit === undefined ? { ...args, input: { ...input, ReturnConsumedCapacity: 'INDEXES' } } : args;
    try {
      const result = await next(sent);
      call.output = result.output === undefined ? undefined : { ...result.output };
      return result;
    } catch (err) {
      call.error = err;
      throw err;
    } finally {
      call.endMs = this.clock();
      await this.finish(call);
    }
  }

  private async onAttempt(
    next: (args: AttemptArgs) => Promise<AttemptOutput>,
    context: HandlerExecutionContext,
    args: AttemptArgs,
  ): Promise<AttemptOutput> {
    const call = context ? (context[CALL_KEY] as ObservedCall | undefined) : undefined;
    if (!call) return next(args);
    const startMs = this.clock();
    try {
      const result = await next(args);
      const status = HttpResponse.isInstance(result.response) ? result.response.statusCode : undefined;
      call.attempts.push(
        status === undefined
          ? { startMs, endMs: this.clock(), ok: true }
          : { startMs, endMs: this.clock(), ok: true, httpStatus: status },
      );
      return result;
    } catch (err) {
      call.attempts.push({ startMs, endMs: this.clock(), ok: false, error: err });
      throw err;
    }
  }

  private async finish(call: ObservedCall): Promise<void> {
    try {
      await this.learnSchemas(tablesOf(call.operation, call.input));
      // An error before any HTTP attempt (credentials, validation in the client): one failed attempt, no status.
      if (call.attempts.length === 0 && call.error !== undefined)
        call.attempts.push({ startMs: call.startMs, endMs: call.endMs, ok: false, error: call.error });
      this.keep(buildRecords(call, (t) => this.schemaFor(t)));
    } catch {
      // Recording must never break the call it observes.
    }
  }
}

/**
 * Attaches a metrics recorder to the clients (idempotent: the same client always gets the same recorder, so a
 * notebook cell can run again). Every data-plane call then returns ConsumedCapacity per table and GSI.
 */
export function attachRecorder(clients: RecordableClients, options: RecorderOptions = {}): MetricsRecorder {
  const existing = recorders.get(clientOf(clients));
  if (existing) return existing;
  // The recorder's seconds are the clients' seconds: on a virtual clock (headless runs) its per-second rows line up
  // with the emulator's windows instead of the few real seconds the run took.
  const clock = 'ddb' in clients ? (clients as { clock?: WorkshopClock }).clock : undefined;
  return new MetricsRecorder({ ...(clock ? { clock: () => clock.now() } : {}), ...options }).attach(clients);
}

/** The recorder attached to these clients, if any. */
export function recorderOf(clients: RecordableClients): MetricsRecorder | undefined {
  return recorders.get(clientOf(clients));
}
