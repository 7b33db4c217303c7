// The partition model's vocabulary: AWS's per-partition limits, scaled for a laptop; the throttling reasons; what a
// request asks of the model and what it answers; which partition a key lands on. See partitions.ts for the model.

import { hashString } from '../random';

export const AWS_PARTITION_WRITE_UNITS_PER_SECOND = 1000;
export const AWS_PARTITION_READ_UNITS_PER_SECOND = 3000;
export const AWS_BURST_SECONDS = 300;
export const DEFAULT_PARTITIONS = 4;

export type Kind = 'read' | 'write';

export type KeyRangeThrottlingReason =
  | 'TableReadKeyRangeThroughputExceeded'
  | 'TableWriteKeyRangeThroughputExceeded'
  | 'IndexReadKeyRangeThroughputExceeded'
  | 'IndexWriteKeyRangeThroughputExceeded';

export type ProvisionedThrottlingReason =
  | 'TableReadProvisionedThroughputExceeded'
  | 'TableWriteProvisionedThroughputExceeded'
  | 'IndexReadProvisionedThroughputExceeded'
  | 'IndexWriteProvisionedThroughputExceeded';

export type ThrottlingReasonName = KeyRangeThrottlingReason | ProvisionedThrottlingReason;

export function throttlingReason(
  kind: Kind,
  onIndex: boolean,
  limit: 'KeyRangeThroughputExceeded' | 'ProvisionedThroughputExceeded',
): ThrottlingReasonName {
  return `${onIndex ? 'Index' : 'Table'}${kind === 'read' ? 'Read' : 'Write'}${limit}` as ThrottlingReasonName;
}

export interface PartitionModelOptions {
  /** Physical partitions of the table (and of each GSI). Default 4. */
  partitions?: number;
  /** Multiplies every limit, e.g. 0.01 → 10 WCU/s and 30 RCU/s per partition. Default 1. */
  scale?: number;
  /** Per-partition write limit before scaling. Default 1000. */
  writeUnitsPerSecond?: number;
  /** Per-partition read limit before scaling. Default 3000. */
  readUnitsPerSecond?: number;
  /** Provisioned WCU of the table (and of each GSI) before scaling. Unset: only partition limits apply. */
  tableWriteUnitsPerSecond?: number;
  /** Provisioned RCU of the table (and of each GSI) before scaling. Unset: only partition limits apply. */
  tableReadUnitsPerSecond?: number;
  /** Seconds of unused table capacity retained for bursts. Default 300. */
  burstSeconds?: number;
  /** Default true. */
  burst?: boolean;
  /** Probability that a request needing burst capacity gets it (AWS: best effort, not guaranteed). Default 1. */
  burstAvailability?: number;
  /** Seeds the best-effort draws. Default 1. */
  seed?: number;
  /**
   * A request larger than one second of a partition's limit (possible only at a small scale: at AWS's limits no 400 KB
   * item is that large): false (default) refuses it for ever; true admits it on an idle partition and places its units
   * as a debt, one second's limit per second, so the partition stays at its rate in every 1 s window.
   */
  admitOversized?: boolean;
}

export interface ConsumeRequest {
  table: string;
  /** A GSI name: the index's own partitions and throughput are used, and reasons start with `Index`. */
  index?: string;
  /** The partition key VALUE of the item (or of the index entry), e.g. `USER#hotuser#S2`. */
  partitionKey: string;
  kind: Kind;
  units: number;
  nowMs: number;
}

export interface ConsumeResult {
  allowed: boolean;
  partition: number;
  reason?: ThrottlingReasonName;
  /** Units this partition could still take now, after this decision. */
  available: number;
  /** When the same request could first succeed; 0 if allowed, Infinity if it exceeds the limit on its own. */
  retryAfterMs: number;
  /** The request was admitted only thanks to retained (burst) capacity. */
  usedBurst: boolean;
  /** Admitted: what it placed, to settle or release later. */
  ticket?: Ticket;
}

export interface DirectionStats {
  consumedUnits: number;
  requests: number;
  throttledRequests: number;
  throttledUnits: number;
}

export interface PartitionStats {
  partition: number;
  read: DirectionStats;
  write: DirectionStats;
}

export interface ResourceSnapshot {
  table: string;
  index?: string;
  partitions: PartitionStats[];
  /** Retained capacity in the burst pools (provisioned mode only). */
  burstUnits: { read: number; write: number };
}

export interface ModelSnapshot {
  scale: number;
  limits: ScaledLimits;
  resources: ResourceSnapshot[];
}

export interface ScaledLimits {
  writeUnitsPerSecond: number;
  readUnitsPerSecond: number;
  tableWriteUnitsPerSecond?: number;
  tableReadUnitsPerSecond?: number;
}

/** The limits the model enforces, after scaling. */
export function scaledLimits(options: PartitionModelOptions = {}): ScaledLimits {
  const scale = options.scale ?? 1;
  const out: ScaledLimits = {
    writeUnitsPerSecond: (options.writeUnitsPerSecond ?? AWS_PARTITION_WRITE_UNITS_PER_SECOND) * scale,
    readUnitsPerSecond: (options.readUnitsPerSecond ?? AWS_PARTITION_READ_UNITS_PER_SECOND) * scale,
  };
  if (options.tableWriteUnitsPerSecond !== undefined) out.tableWriteUnitsPerSecond = options.tableWriteUnitsPerSecond * scale;
  if (options.tableReadUnitsPerSecond !== undefined) out.tableReadUnitsPerSecond = options.tableReadUnitsPerSecond * scale;
  return out;
}

function formatUnits(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  const [whole, frac] = String(rounded).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** Chart label, e.g. "1/100 of AWS's per-partition limits: 10 WCU/s, 30 RCU/s per partition". */
export function describeScale(scale: number, options: PartitionModelOptions = {}): string {
  const limits = scaledLimits({ ...options, scale });
  const tail = `${formatUnits(limits.writeUnitsPerSecond)} WCU/s, ${formatUnits(limits.readUnitsPerSecond)} RCU/s per partition`;
  if (scale === 1) return `AWS's per-partition limits: ${tail}`;
  const inverse = 1 / scale;
  const label =
    scale < 1 && Math.abs(inverse - Math.round(inverse)) < 1e-9 ? `1/${Math.round(inverse)} of` : `${formatUnits(scale)}×`;
  return `${label} AWS's per-partition limits: ${tail}`;
}

/** Partitions own contiguous ranges of the hashed key space, hence "key range" in the throttling reasons. */
export function partitionOf(partitionKeyValue: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions <= 0)
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return Math.floor((hashString(partitionKeyValue) / 4294967296) * partitions);
}

/**
 * What an admitted request placed in its partition's window: kept so that the emulator can settle it to the charge
 * DynamoDB reports once the engine answered (less: the difference is given back; more: a debt placed like any charge),
 * or release it whole when another part of the same request (a GSI, another transaction item) was refused.
 */
export interface Ticket {
  readonly kind: Kind;
  readonly partition: number;
  /** the units charged, now */
  readonly units: number;
}
