/**
 * The room's cost so far on the local target: DynamoDB Local publishes no CloudWatch metrics, so each attendee's
 * kernel meters what DynamoDB Local reports as consumed (ConsumedCapacity, by the same rules as AWS on-demand), and
 * src/room/room.ts reports the kernel's running total into the room with each checkpoint and section-finished item.
 *
 * Installed by createClients only when WORKSHOP_ROOM is set on the local target. It stands right in front of the
 * HTTP handler (after every other step of the client): it asks DynamoDB Local for ConsumedCapacity when the request
 * did not, and takes it out of the answer again, so the attendee's code, the metrics recorder and the cost tally see
 * exactly the answer they would see without it. Refused requests (a throttle, AccessDenied) consume nothing.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ConsumedCapacityLike, capacityKindOf, unitsFromConsumedCapacity } from '../observe/cost';
import { wrapHandler } from '../model/intercept';
import { DATA_PLANE_OPERATIONS } from '../model/operations';
import { bodyText, cloneRequest, readBody, withBody } from '../local/wire';

export const ROOM_METER_STEP = 'workshopRoomMeter';

export interface MeteredUnits {
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
  /** answers counted */
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

/** Meters every data-plane answer of `ddb` into this kernel's total. Idempotent per client. */
export function installRoomMeter(ddb: DynamoDBClient): void {
  const marked = ddb as DynamoDBClient & { [INSTALLED]?: boolean };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  wrapHandler(ddb, ROOM_METER_STEP, async (request, forward) => {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.split('.')[1] ?? '';
    const kind = capacityKindOf(operation);
    const text = bodyText(request.body);
    if (!DATA_PLANE_OPERATIONS.includes(operation) || !kind || text === undefined) return forward(request);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return forward(request);
    }
    const asked = body.ReturnConsumedCapacity !== undefined && body.ReturnConsumedCapacity !== 'NONE';
    const sent = asked ? request : cloneRequest(request, JSON.stringify({ ...body, ReturnConsumedCapacity: 'INDEXES' }));
    const answer = await forward(sent);
    if (answer.response.statusCode !== 200) return answer;
    const raw = await readBody(answer.response.body);
    let out: Record<string, unknown>;
    try {
      out = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { response: withBody(answer.response, raw) };
    }
    const cc = out.ConsumedCapacity as ConsumedCapacityLike | ConsumedCapacityLike[] | undefined;
    if (cc !== undefined) {
      const u = unitsFromConsumedCapacity(cc, kind);
      const m = meteredUnits();
      m.readUnits += u.readUnits;
      m.writeUnits += u.writeUnits;
      m.gsiReadUnits += u.gsiReadUnits;
      m.gsiWriteUnits += u.gsiWriteUnits;
      m.requests++;
    }
    if (asked) return { response: withBody(answer.response, raw) };
    const { ConsumedCapacity: _dropped, ...rest } = out;
    return { response: withBody(answer.response, JSON.stringify(rest)) };
  });
}
