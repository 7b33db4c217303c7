/**
 * Recording the attendee's progress (I/O at the edge): with WORKSHOP_ROOM=<name> set, each checkpoint result and each
 * section finished becomes one small item in the room table (ws-room), with the kernel's metered consumption (the
 * local target, src/room/meter.ts). Nothing is recorded unless the room is set, and a failure to record never fails
 * the attendee's cell.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type WorkshopClients, createClients } from '../client';
import { type WorkshopConfig, loadConfig, workshopEnv } from '../config';
import { explainError } from '../errors';
import { meteredUnits } from './meter';
import {
  type Env,
  type ProgressResult,
  type RoomSettings,
  finishedUpdate,
  progressUpdate,
  roomSettings,
  sectionOf,
  usageUpdate,
} from './room-items';

/** This kernel, for its usage item: one per process (a section notebook runs in a kernel of its own). */
const KERNEL_RUN = `${process.pid}-${Date.now().toString(36)}`;

let roomClients: Promise<WorkshopClients> | undefined;
const said = new Set<string>();

export type RecordOutcome = { recorded: true } | { recorded: false; why: string };

/**
 * Records a checkpoint result in the room when WORKSHOP_ROOM is set. Says once per kernel that results are shared
 * (or why they could not be), and never throws: the room is the instructor's view, not the attendee's problem.
 */
export async function recordCheckpoint(
  checkpoint: string,
  result: ProgressResult,
  options: { env?: Env; doc?: DynamoDBDocumentClient; log?: (s: string) => void; now?: Date } = {},
): Promise<RecordOutcome | undefined> {
  return recordInRoom(options, 'progress not recorded', async (settings, log) => {
    const config = loadConfig(options.env ?? workshopEnv());
    const doc = options.doc ?? (await (roomClients ??= createClients(config))).doc;
    const at = options.now ?? new Date();
    await doc.send(
      new UpdateCommand(
        progressUpdate(settings.table, {
          attendeeId: config.attendeeId,
          room: settings.room,
          section: sectionOf(checkpoint),
          checkpoint,
          result,
          at,
        }),
      ),
    );
    await reportUsage(doc, settings, config.attendeeId, sectionOf(checkpoint), at);
    if (!said.has(`on:${settings.room}`)) {
      said.add(`on:${settings.room}`);
      log(`  (room ${settings.room}: your checkpoint results are shared with the instructor)`);
    }
  });
}

/** The kernel's metered consumption into the room (local target with a room: createClients installed the meter). */
async function reportUsage(
  doc: DynamoDBDocumentClient,
  settings: RoomSettings,
  attendeeId: string,
  section: string,
  at: Date,
): Promise<void> {
  const m = meteredUnits();
  if (m.requests === 0) return;
  await doc.send(
    new UpdateCommand(
      usageUpdate(settings.table, { attendeeId, room: settings.room, kernel: KERNEL_RUN, section, at, units: m }),
    ),
  );
}

/**
 * The last cell of a section notebook: records that this attendee finished section `section` ("01"), with the
 * kernel's consumption so far, when WORKSHOP_ROOM is set; nothing otherwise (undefined). Never throws.
 */
export async function sectionFinished(
  config: WorkshopConfig,
  clients: Pick<WorkshopClients, 'doc'>,
  section: string,
  options: { env?: Env; log?: (s: string) => void; now?: Date } = {},
): Promise<RecordOutcome | undefined> {
  const id = String(section).trim();
  return recordInRoom(options, `section ${id} not recorded as finished`, async (settings, log) => {
    const at = options.now ?? new Date();
    await clients.doc.send(
      new UpdateCommand(finishedUpdate(settings.table, { attendeeId: config.attendeeId, room: settings.room, section: id, at })),
    );
    await reportUsage(clients.doc, settings, config.attendeeId, sectionOf(id), at);
    log(`  (room ${settings.room}: section ${id} finished — the instructor sees it)`);
  });
}

/**
 * What every record shares: nothing when no room is set (undefined); an invalid room said once; `write` in the room
 * set, and a failure to write said once per room (`notRecorded` says what was lost) and returned, never thrown.
 */
async function recordInRoom(
  options: { env?: Env; log?: (s: string) => void },
  notRecorded: string,
  write: (settings: RoomSettings, log: (s: string) => void) => Promise<void>,
): Promise<RecordOutcome | undefined> {
  const log = options.log ?? console.log;
  let settings: RoomSettings | undefined;
  try {
    settings = roomSettings(options.env);
  } catch (err) {
    return once(log, 'invalid', { recorded: false, why: explainError(err) });
  }
  if (!settings) return undefined;
  try {
    await write(settings, log);
    return { recorded: true };
  } catch (err) {
    const why = `room ${settings.room}: ${notRecorded} (${explainError(err).split('\n')[0]}); your work is not affected`;
    return once(log, `fail:${settings.room}`, { recorded: false, why });
  }
}

function once(log: (s: string) => void, key: string, out: { recorded: false; why: string }): RecordOutcome {
  if (!said.has(key)) {
    said.add(key);
    log(`  (${out.why})`);
  }
  return out;
}
