/**
 * The room table's items (pure): where a room is set (WORKSHOP_ROOM), the UpdateItem of each kind an attendee writes
 * (a checkpoint result, a section finished, a kernel's consumption), the items as the instructor reads them, and the
 * attendees' IAM policy: on AWS attendees may write only their own items, keyed by IAM's dynamodb:LeadingKeys on the
 * AttendeeId session tag that the instructor's IAM Identity Center setup passes (attributes for access control); the
 * local target proves the same policy with the workshop's IAM evaluator.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { workshopEnv } from '../config';
import { WorkshopError } from '../errors';
import { POLICY_VERSION, type PolicyDocument } from '../tenancy/policy';

export type Env = Record<string, string | undefined>;

export const ROOM_TABLE_DEFAULT = 'ws-room';
export const ATTENDEE_TAG_KEY = 'AttendeeId';
/** The policy variable (single quotes: inside a TS template literal `${…}` would be interpolated). */
export const ATTENDEE_TAG_VARIABLE = '${aws:PrincipalTag/AttendeeId}';
const ROOM_NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface RoomSettings {
  room: string;
  table: string;
}

/** WORKSHOP_ROOM (and WORKSHOP_ROOM_TABLE, default ws-room); undefined when no room is set: nothing is recorded. */
export function roomSettings(env: Env = workshopEnv()): RoomSettings | undefined {
  const room = (env.WORKSHOP_ROOM ?? '').trim();
  if (!room) return undefined;
  if (!ROOM_NAME_RE.test(room)) {
    throw new WorkshopError(
      'ROOM_INVALID',
      `WORKSHOP_ROOM="${room}" is not a room name: use 1-64 of A-Z a-z 0-9 _ . -`,
      'run: export WORKSHOP_ROOM=sg-2026-12   (the name your instructor gave), or unset it to record nothing',
    );
  }
  return { room, table: (env.WORKSHOP_ROOM_TABLE ?? '').trim() || ROOM_TABLE_DEFAULT };
}

/** An attendee's items in a room: the partition key starts with the attendee, so IAM can fence it (LeadingKeys). */
export function roomPk(attendeeId: string, room: string): string {
  return `ATTENDEE#${attendeeId}#ROOM#${room}`;
}

export type ProgressResult = 'passed' | 'failed' | 'exercise-cell-failed';

export interface ProgressEvent {
  attendeeId: string;
  room: string;
  /** "1" for section 1 (a checkpoint id starts with its section: "1 · orders only, newest first") */
  section: string;
  checkpoint: string;
  result: ProgressResult;
  at: Date;
}

/** The section a checkpoint id belongs to: its leading number. */
export function sectionOf(checkpointId: string): string {
  return /^\s*(\d+)/.exec(checkpointId)?.[1] ?? '?';
}

/** One UpdateItem per result: attempts counted, first and last time kept, the first pass remembered. */
export function progressUpdate(table: string, ev: ProgressEvent): UpdateCommandInput {
  return roomUpdate(table, ev, `CHECKPOINT#${ev.checkpoint}`, {
    set: { checkpoint: ev.checkpoint, result: ev.result },
    firstTime: ev.result === 'passed' ? ['firstAt', 'passedAt'] : ['firstAt'],
    count: 'attempts',
  });
}

/** Which room item: a checkpoint result, a section finished, or a kernel's consumption (local target). */
export type RoomItemKind = 'checkpoint' | 'finished' | 'usage';

/** One UpdateItem when an attendee finishes a section notebook: first and last time, how many runs. */
export function finishedUpdate(
  table: string,
  ev: { attendeeId: string; room: string; section: string; at: Date },
): UpdateCommandInput {
  return roomUpdate(table, ev, `SECTION#${ev.section}`, { kind: 'finished', firstTime: ['finishedAt'], count: 'runs' });
}

/** This kernel's consumption so far (its running total replaces the previous one: SET, not ADD). */
export function usageUpdate(
  table: string,
  ev: { attendeeId: string; room: string; kernel: string; section: string; at: Date; units: ConsumedTotals },
): UpdateCommandInput {
  const { readUnits, writeUnits, gsiReadUnits, gsiWriteUnits } = ev.units;
  return roomUpdate(table, ev, `USAGE#${ev.kernel}`, {
    kind: 'usage',
    set: { readUnits, writeUnits, gsiReadUnits, gsiWriteUnits },
  });
}

/** What a room item's UpdateItem writes besides who, where, which section and when (always SET). */
interface RoomUpdateFields {
  /** The item's kind (absent on checkpoint items, the first kind there was). */
  kind?: RoomItemKind;
  /** More attributes, SET to these values on every write. */
  set?: Record<string, string | number>;
  /** Attributes SET to the time on the first write only (if_not_exists). */
  firstTime?: string[];
  /** A counter ADDed one on every write. */
  count?: string;
}

/**
 * The UpdateItem of one room item: SET [#kind,] #attendee, #room, #section, the `set` attributes and #lastAt, the
 * `firstTime` attributes once, then ADD one to the `count`; every attribute by a #name, every value by a :value.
 */
function roomUpdate(
  table: string,
  ev: { attendeeId: string; room: string; section: string; at: Date },
  sk: string,
  fields: RoomUpdateFields,
): UpdateCommandInput {
  const set: Record<string, string | number> = {
    ...(fields.kind ? { kind: fields.kind } : {}),
    attendee: ev.attendeeId,
    room: ev.room,
    section: ev.section,
    ...fields.set,
  };
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [attribute, value] of Object.entries(set)) {
    clauses.push(`#${attribute} = :${attribute}`);
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
  }
  clauses.push('#lastAt = :at');
  names['#lastAt'] = 'lastAt';
  values[':at'] = ev.at.toISOString();
  for (const attribute of fields.firstTime ?? []) {
    clauses.push(`#${attribute} = if_not_exists(#${attribute}, :at)`);
    names[`#${attribute}`] = attribute;
  }
  let expression = `SET ${clauses.join(', ')}`;
  if (fields.count) {
    expression += ` ADD #${fields.count} :one`;
    names[`#${fields.count}`] = fields.count;
    values[':one'] = 1;
  }
  return {
    TableName: table,
    Key: { PK: roomPk(ev.attendeeId, ev.room), SK: sk },
    UpdateExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export interface ConsumedTotals {
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
}

/**
 * What the attendees' permission set adds for the room: write and read their OWN items only (the partition key
 * starts with their AttendeeId session tag); no Scan, no Query, no Delete. The instructor reads the room with
 * their own (admin) role.
 */
export function roomPolicy(opts: { tableArn: string }): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'OwnRoomProgressOnly',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: [opts.tableArn],
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`ATTENDEE#${ATTENDEE_TAG_VARIABLE}#*`] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The items as the instructor reads them

export interface RoomItem {
  /** absent on checkpoint items (the first kind there was) */
  kind?: RoomItemKind;
  attendee: string;
  room: string;
  section: string;
  checkpoint: string;
  result: ProgressResult;
  attempts: number;
  firstAt: string;
  lastAt: string;
  passedAt?: string;
}

/** A section finished (kind 'finished'). */
export interface FinishedItem {
  kind: 'finished';
  attendee: string;
  room: string;
  section: string;
  finishedAt: string;
  lastAt: string;
  runs: number;
}

/** A kernel's consumption so far (kind 'usage'). */
export interface UsageItem extends ConsumedTotals {
  kind: 'usage';
  attendee: string;
  room: string;
  section: string;
  lastAt: string;
}

export type AnyRoomItem = RoomItem | FinishedItem | UsageItem;

export function isCheckpointItem(i: AnyRoomItem): i is RoomItem {
  return i.kind === undefined || i.kind === 'checkpoint';
}

/** Sections are "0", "1"… in checkpoint ids and "00", "01"… in notebook names: one id for both. */
export function sectionKey(section: string): string {
  return /^\d+$/.test(section.trim()) ? String(Number(section)) : section.trim();
}

/** Ids in reading order: "att-2" before "att-10". */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
