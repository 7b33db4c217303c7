/**
 * The room's cost so far on the local target: DynamoDB Local publishes no CloudWatch metrics, so each attendee's
 * kernel keeps a running total of what DynamoDB Local reports as consumed (ConsumedCapacity, by the same rules as AWS
 * on-demand), and src/room/room.ts reports it into the room with each checkpoint and section-finished item.
 *
 * The measuring is the metrics recorder's (src/observe/metrics.ts, the one consumption observer that section 5 and
 * the cost of section 6 read too): the meter attaches the clients' recorder (or reuses the one a notebook attached)
 * and, after each call, adds what the recorder's running sums grew by to the kernel's total. The total survives a
 * notebook's `recorder.reset()` (what was counted stays counted) and `detach()` (the next call
 * attaches a recorder again; that one call goes unmeasured: the SDK built its steps before the meter's ran).
 *
 * Installed by createClients only when WORKSHOP_ROOM is set on the local target. The recorder asks every data-plane
 * request for ConsumedCapacity; the meter's step, outside the recorder's, takes it out of the answers whose caller did
 * not ask, so the attendee's code sees exactly the answer it would see without a room.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { consumptionFromRecorder } from '../observe/cost';
import { type MetricsRecorder, attachRecorder, recorderOf } from '../observe/metrics';
import { onEachCall } from '../model/intercept';

export const ROOM_METER_STEP = 'workshopRoomMeter';

export interface MeteredUnits {
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
  /** data-plane calls counted */
  requests: number;
}

const METER_KEY = Symbol.for('ddb-workshop.roomMeter');
const INSTALLED = Symbol.for('ddb-workshop.roomMeterInstalled');

/** This kernel's running total (shared through globalThis, should two copies of the module load). */
export function meteredUnits(): MeteredUnits {
  const g = globalThis as { [METER_KEY]?: MeteredUnits };
  g[METER_KEY] ??= { readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0, requests: 0 };
  return g[METER_KEY];
}

/** The recorder's running sums (they count every call, whatever raw records it keeps). */
function read(recorder: MetricsRecorder): MeteredUnits {
  const u = consumptionFromRecorder(recorder, '');
  return {
    readUnits: u.readUnits,
    writeUnits: u.writeUnits,
    gsiReadUnits: u.gsiReadUnits ?? 0,
    gsiWriteUnits: u.gsiWriteUnits ?? 0,
    requests: recorder.totals().calls,
  };
}

/** What each recorder's sums were when the meter last added them to the kernel's total, and since when it counted. */
const lastRead = new WeakMap<MetricsRecorder, { sums: MeteredUnits; startMs: number }>();
const ZERO: MeteredUnits = { readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0, requests: 0 };

/** Adds what `recorder` counted since the meter last looked to the kernel's total. */
function addRecorded(recorder: MetricsRecorder): void {
  const now = read(recorder);
  const seen = lastRead.get(recorder);
  // A notebook reset() the recorder since (its counting restarted): what it had was added already, so count from 0.
  const restarted = !seen || seen.startMs !== recorder.startMs || now.requests < seen.sums.requests;
  const last = restarted ? ZERO : seen.sums;
  const m = meteredUnits();
  m.readUnits += now.readUnits - last.readUnits;
  m.writeUnits += now.writeUnits - last.writeUnits;
  m.gsiReadUnits += now.gsiReadUnits - last.gsiReadUnits;
  m.gsiWriteUnits += now.gsiWriteUnits - last.gsiWriteUnits;
  m.requests += now.requests - last.requests;
  lastRead.set(recorder, { sums: now, startMs: recorder.startMs });
}

/** Meters every data-plane call of `ddb` (through its metrics recorder) into this kernel's total. Idempotent. */
export function installRoomMeter(ddb: DynamoDBClient): void {
  const marked = ddb as DynamoDBClient & { [INSTALLED]?: boolean };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  // Added before the recorder's step, so it runs outside it: it sees the caller's input and the recorder's answer.
  onEachCall(ddb, ROOM_METER_STEP, async (args, next) => {
    const recorder = recorderOf(ddb) ?? attachRecorder(ddb);
    const asked = (args.input as { ReturnConsumedCapacity?: unknown }).ReturnConsumedCapacity !== undefined;
    try {
      const result = await next(args);
      if (asked || result.output === undefined || !('ConsumedCapacity' in result.output)) return result;
      const { ConsumedCapacity: _added, ...output } = result.output as typeof result.output & { ConsumedCapacity?: unknown };
      return { ...result, output: output as typeof result.output };
    } finally {
      addRecorded(recorder);
    }
  });
  attachRecorder(ddb);
}
