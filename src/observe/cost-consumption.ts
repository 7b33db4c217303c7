// Consumption records for the cost, from what the metrics recorder (src/observe/metrics.ts, the one consumption
// observer) measured: `ConsumptionTally` attributes its counts to sections, `costFromRecorder` prices all of it.

import { WorkshopError } from '../errors';
import { type ConsumptionRecord, type CostEstimate, type EstimateOptions, estimateCost } from './cost-estimate';
import { parseConsumedCapacity, type ResourceRow } from './metrics';

// ---------------------------------------------------------------------------------------------------------------
// From the SDK's ConsumedCapacity to request units

/** The SDK's `Capacity` shape. DynamoDB Local reports only CapacityUnits; AWS adds Read/WriteCapacityUnits. */
export interface CapacityLike {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** The SDK's `ConsumedCapacity` shape (TOTAL: the top-level numbers; INDEXES: also Table and per-index). */
export interface ConsumedCapacityLike extends CapacityLike {
  TableName?: string;
  Table?: CapacityLike;
  GlobalSecondaryIndexes?: Record<string, CapacityLike>;
  LocalSecondaryIndexes?: Record<string, CapacityLike>;
}

export type CapacityKind = 'read' | 'write';

export interface ConsumedUnits {
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
}

const READ_COMMANDS = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems', 'Get', 'BatchGet', 'TransactGet'];
const WRITE_COMMANDS = [
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'Put',
  'Update',
  'Delete',
  'BatchWrite',
  'TransactWrite',
];

/** Whether a command reads or writes ("QueryCommand" → read); undefined for others (PartiQL, control plane). */
export function capacityKindOf(commandName: string | undefined): CapacityKind | undefined {
  const base = String(commandName ?? '').replace(/Command$/, '');
  if (READ_COMMANDS.includes(base)) return 'read';
  if (WRITE_COMMANDS.includes(base)) return 'write';
  return undefined;
}

/**
 * Read and write request units from one response's ConsumedCapacity (an object, or an array for batch and
 * transaction calls), read by the metrics recorder's parser (`parseConsumedCapacity`, the one parser). With
 * ReturnConsumedCapacity INDEXES, units on global secondary indexes are kept apart (local secondary indexes count with
 * the table: they share its partitions and bill). Without `kind`, units that do not say read or write are an error.
 */
export function unitsFromConsumedCapacity(
  cc: ConsumedCapacityLike | readonly ConsumedCapacityLike[] | undefined,
  kind?: CapacityKind,
): ConsumedUnits {
  const of = (k: CapacityKind) => {
    const r = consumptionFromCapacityUses('', parseConsumedCapacity(cc, k));
    return { readUnits: r.readUnits, writeUnits: r.writeUnits, gsiReadUnits: r.gsiReadUnits!, gsiWriteUnits: r.gsiWriteUnits! };
  };
  if (kind) return of(kind);
  const asRead = of('read');
  const asWrite = of('write');
  if (asRead.readUnits !== asWrite.readUnits || asRead.gsiReadUnits !== asWrite.gsiReadUnits) {
    const total = asRead.readUnits + asRead.gsiReadUnits - asWrite.readUnits - asWrite.gsiReadUnits;
    throw new WorkshopError(
      'CAPACITY_KIND',
      `ConsumedCapacity has only CapacityUnits (${total}), which does not say read or write.`,
      "pass the kind: unitsFromConsumedCapacity(out.ConsumedCapacity, 'read')  (or 'write'); capacityKindOf('QueryCommand') gives it",
    );
  }
  return asRead;
}

/** Per-resource consumption as a metrics recorder reports it (src/observe/metrics.ts `CapacityUse`): index set = a GSI. */
export interface CapacityUseLike {
  table?: string;
  index?: string;
  readUnits: number;
  writeUnits: number;
}

/**
 * One consumption record for `section` from per-call, per-resource capacity (e.g. every `CallRecord.capacity` of
 * src/observe/metrics.ts flattened): units on an index count as GSI units, the rest as table units.
 */
export function consumptionFromCapacityUses(section: string, uses: readonly CapacityUseLike[]): ConsumptionRecord {
  const r: ConsumptionRecord = { section, readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
  for (const u of uses) {
    if (u.index) {
      r.gsiReadUnits! += u.readUnits;
      r.gsiWriteUnits! += u.writeUnits;
    } else {
      r.readUnits += u.readUnits;
      r.writeUnits += u.writeUnits;
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// From the metrics recorder (the one consumption observer) to cost records

/** What a recorder offers the cost: its per-table / per-GSI consumed units and its call count. */
export interface RecordedConsumption {
  byResource(): readonly ResourceRow[];
  totals(): { calls: number };
}

/** Per-resource rows (the recorder's `byResource()`) as one section record: GSI rows are GSI units. */
export function consumptionFromResources(section: string, rows: readonly ResourceRow[]): ConsumptionRecord {
  return consumptionFromCapacityUses(
    section,
    rows.map((r) => ({
      table: r.table,
      index: r.index || undefined,
      readUnits: r.ConsumedReadCapacityUnits,
      writeUnits: r.ConsumedWriteCapacityUnits,
    })),
  );
}

/** Everything a recorder has recorded, as one section record. */
export function consumptionFromRecorder(recorder: RecordedConsumption, section = 'recorded'): ConsumptionRecord {
  return consumptionFromResources(section, recorder.byResource());
}

/** The cost of everything a recorder has recorded (one section). */
export function costFromRecorder(recorder: RecordedConsumption, options: EstimateOptions = {}): CostEstimate {
  return estimateCost([consumptionFromRecorder(recorder)], options);
}

/**
 * Consumption per section, read from a metrics recorder: `during(section, fn)` attributes what the recorder counted
 * while `fn` ran (calls must not overlap); `addStorage` adds stored bytes; `records()` feeds estimateCost.
 */
export class ConsumptionTally {
  /** Calls the recorder counted inside `during()`. */
  requests = 0;
  private readonly acc = new Map<string, ConsumptionRecord>();

  constructor(readonly recorder: RecordedConsumption) {}

  private get(section: string): ConsumptionRecord {
    let r = this.acc.get(section);
    if (!r) {
      r = { section, readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
      this.acc.set(section, r);
    }
    return r;
  }

  private snapshot(): { units: ConsumptionRecord; calls: number } {
    return { units: consumptionFromRecorder(this.recorder, ''), calls: this.recorder.totals().calls };
  }

  /** Runs `fn`, and adds what the recorder counted meanwhile to `section`. */
  async during<T>(section: string, fn: () => Promise<T>): Promise<T> {
    const before = this.snapshot();
    try {
      return await fn();
    } finally {
      const after = this.snapshot();
      const r = this.get(section);
      r.readUnits += after.units.readUnits - before.units.readUnits;
      r.writeUnits += after.units.writeUnits - before.units.writeUnits;
      r.gsiReadUnits = (r.gsiReadUnits ?? 0) + (after.units.gsiReadUnits ?? 0) - (before.units.gsiReadUnits ?? 0);
      r.gsiWriteUnits = (r.gsiWriteUnits ?? 0) + (after.units.gsiWriteUnits ?? 0) - (before.units.gsiWriteUnits ?? 0);
      this.requests += after.calls - before.calls;
    }
  }

  /** Records stored bytes (table and GSI) kept for `hours`. */
  addStorage(section: string, storageBytes: number, hours: number, gsiStorageBytes = 0): void {
    const r = this.get(section);
    // Storage of one section is one record: replace, so that re-measuring does not double it.
    r.storageBytes = storageBytes;
    r.gsiStorageBytes = gsiStorageBytes;
    r.hours = hours;
  }

  records(): ConsumptionRecord[] {
    return Array.from(this.acc.values()).map((r) => ({ ...r }));
  }

  reset(): void {
    this.acc.clear();
    this.requests = 0;
  }
}
