/**
 * Watching the room (opt-in): with WORKSHOP_ROOM=<name> set, each checkpoint result an attendee gets is recorded as
 * one small item in the room table (ws-room), so the instructor's notebook (notebooks/instructor/room.ipynb) shows
 * who is where and who is stuck. Nothing is recorded unless the room is set, and a failure to record never fails
 * the attendee's cell. On AWS attendees may write only their own items: roomPolicy() keys IAM's dynamodb:LeadingKeys
 * on the AttendeeId session tag that the instructor's IAM Identity Center setup passes (attributes for access
 * control); the local target proves the same policy with the workshop's IAM evaluator.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TopLevelSpec } from 'vega-lite';
import { type PolicyDocument, POLICY_VERSION } from '../tenancy/policy';
import { createClients, type WorkshopClients } from '../client';
import { TABLE_PREFIX, loadConfig, workshopEnv } from '../config';
import { WorkshopError, explainError } from '../errors';
import { scanAll } from '../reads';
import { listAllTables } from '../cleanup';
import { liveChart } from '../observe/charts';
import { type DisplaySink, type MimeBundle, defaultSink, newDisplayId, tableBundle } from '../display';
import type { WorkshopConfig } from '../config';
import { type CostEstimate, type ConsumptionRecord, estimateCost } from '../observe/cost';
import { meteredUnits } from './meter';
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { createCloudWatchClient, metricStatQuery, parseMetricData, resourceDimensions } from '../observe/cloudwatch';

type Env = Record<string, string | undefined>;

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
  const set = [
    '#attendee = :attendee',
    '#room = :room',
    '#section = :section',
    '#checkpoint = :checkpoint',
    '#result = :result',
    '#lastAt = :at',
    '#firstAt = if_not_exists(#firstAt, :at)',
  ];
  const names: Record<string, string> = {
    '#attendee': 'attendee',
    '#room': 'room',
    '#section': 'section',
    '#checkpoint': 'checkpoint',
    '#result': 'result',
    '#lastAt': 'lastAt',
    '#firstAt': 'firstAt',
    '#attempts': 'attempts',
  };
  if (ev.result === 'passed') {
    set.push('#passedAt = if_not_exists(#passedAt, :at)');
    names['#passedAt'] = 'passedAt';
  }
  return {
    TableName: table,
    Key: { PK: roomPk(ev.attendeeId, ev.room), SK: `CHECKPOINT#${ev.checkpoint}` },
    UpdateExpression: `SET ${set.join(', ')} ADD #attempts :one`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: {
      ':attendee': ev.attendeeId,
      ':room': ev.room,
      ':section': ev.section,
      ':checkpoint': ev.checkpoint,
      ':result': ev.result,
      ':at': ev.at.toISOString(),
      ':one': 1,
    },
  };
}

/** Which room item: a checkpoint result, a section finished, or a kernel's consumption (local target). */
export type RoomItemKind = 'checkpoint' | 'finished' | 'usage';

/** One UpdateItem when an attendee finishes a section notebook: first and last time, how many runs. */
export function finishedUpdate(
  table: string,
  ev: { attendeeId: string; room: string; section: string; at: Date },
): UpdateCommandInput {
  return {
    TableName: table,
    Key: { PK: roomPk(ev.attendeeId, ev.room), SK: `SECTION#${ev.section}` },
    UpdateExpression:
      'SET #kind = :kind, #attendee = :attendee, #room = :room, #section = :section, #lastAt = :at, ' +
      '#finishedAt = if_not_exists(#finishedAt, :at) ADD #runs :one',
    ExpressionAttributeNames: {
      '#kind': 'kind',
      '#attendee': 'attendee',
      '#room': 'room',
      '#section': 'section',
      '#lastAt': 'lastAt',
      '#finishedAt': 'finishedAt',
      '#runs': 'runs',
    },
    ExpressionAttributeValues: {
      ':kind': 'finished',
      ':attendee': ev.attendeeId,
      ':room': ev.room,
      ':section': ev.section,
      ':at': ev.at.toISOString(),
      ':one': 1,
    },
  };
}

/** This kernel's consumption so far (its running total replaces the previous one: SET, not ADD). */
export function usageUpdate(
  table: string,
  ev: { attendeeId: string; room: string; kernel: string; section: string; at: Date; units: ConsumedTotals },
): UpdateCommandInput {
  return {
    TableName: table,
    Key: { PK: roomPk(ev.attendeeId, ev.room), SK: `USAGE#${ev.kernel}` },
    UpdateExpression:
      'SET #kind = :kind, #attendee = :attendee, #room = :room, #section = :section, #lastAt = :at, ' +
      '#r = :r, #w = :w, #gr = :gr, #gw = :gw',
    ExpressionAttributeNames: {
      '#kind': 'kind',
      '#attendee': 'attendee',
      '#room': 'room',
      '#section': 'section',
      '#lastAt': 'lastAt',
      '#r': 'readUnits',
      '#w': 'writeUnits',
      '#gr': 'gsiReadUnits',
      '#gw': 'gsiWriteUnits',
    },
    ExpressionAttributeValues: {
      ':kind': 'usage',
      ':attendee': ev.attendeeId,
      ':room': ev.room,
      ':section': ev.section,
      ':at': ev.at.toISOString(),
      ':r': ev.units.readUnits,
      ':w': ev.units.writeUnits,
      ':gr': ev.units.gsiReadUnits,
      ':gw': ev.units.gsiWriteUnits,
    },
  };
}

export interface ConsumedTotals {
  readUnits: number;
  writeUnits: number;
  gsiReadUnits: number;
  gsiWriteUnits: number;
}

/** This kernel, for its usage item: one per process (a section notebook runs in a kernel of its own). */
const KERNEL_RUN = `${process.pid}-${Date.now().toString(36)}`;

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
// Recording, from a checkpoint (I/O at the edge; never fails the attendee's cell)

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
  const log = options.log ?? console.log;
  let settings: RoomSettings | undefined;
  try {
    settings = roomSettings(options.env);
  } catch (err) {
    return once(log, 'invalid', { recorded: false, why: explainError(err) });
  }
  if (!settings) return undefined;
  try {
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
    return { recorded: true };
  } catch (err) {
    const why = `room ${settings.room}: progress not recorded (${explainError(err).split('\n')[0]}); your work is not affected`;
    return once(log, `fail:${settings.room}`, { recorded: false, why });
  }
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
  const log = options.log ?? console.log;
  let settings: RoomSettings | undefined;
  try {
    settings = roomSettings(options.env);
  } catch (err) {
    return once(log, 'invalid', { recorded: false, why: explainError(err) });
  }
  if (!settings) return undefined;
  const id = String(section).trim();
  try {
    const at = options.now ?? new Date();
    await clients.doc.send(
      new UpdateCommand(finishedUpdate(settings.table, { attendeeId: config.attendeeId, room: settings.room, section: id, at })),
    );
    await reportUsage(clients.doc, settings, config.attendeeId, sectionOf(id), at);
    log(`  (room ${settings.room}: section ${id} finished — the instructor sees it)`);
    return { recorded: true };
  } catch (err) {
    const why = `room ${settings.room}: section ${id} not recorded as finished (${explainError(err).split('\n')[0]}); your work is not affected`;
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

// ---------------------------------------------------------------------------------------------------------------
// The instructor's view (pure), and reading it

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

function isCheckpointItem(i: AnyRoomItem): i is RoomItem {
  return i.kind === undefined || i.kind === 'checkpoint';
}

/** Sections are "0", "1"… in checkpoint ids and "00", "01"… in notebook names: one id for both. */
export function sectionKey(section: string): string {
  return /^\d+$/.test(section.trim()) ? String(Number(section)) : section.trim();
}

export type CellState = 'passed' | 'failing' | 'not reached';

export interface RoomView {
  attendees: string[];
  checkpoints: string[];
  cells: { attendee: string; checkpoint: string; state: CellState; attempts: number }[];
  /** failing on one checkpoint after `stuckAfter` attempts or more, most attempts first */
  stuck: { attendee: string; checkpoint: string; attempts: number; since: string }[];
  /** per section: how many attendees reached a checkpoint of it, passed all its checkpoints seen, finished it */
  sections: { section: string; reached: number; passed: number; finished: number; attendees: number }[];
}

function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function roomView(all: readonly AnyRoomItem[], options: { stuckAfter?: number; attendees?: string[] } = {}): RoomView {
  const stuckAfter = options.stuckAfter ?? 3;
  const items = all.filter(isCheckpointItem);
  const finishedItems = all.filter((i): i is FinishedItem => i.kind === 'finished');
  const attendees = [
    ...new Set([...(options.attendees ?? []), ...items.map((i) => i.attendee), ...finishedItems.map((i) => i.attendee)]),
  ].sort(compareIds);
  const checkpoints = [...new Set(items.map((i) => i.checkpoint))].sort(compareIds);
  const byKey = new Map(items.map((i) => [`${i.attendee}\u0000${i.checkpoint}`, i]));
  const cells = attendees.flatMap((attendee) =>
    checkpoints.map((checkpoint) => {
      const it = byKey.get(`${attendee}\u0000${checkpoint}`);
      const state: CellState = !it ? 'not reached' : it.passedAt || it.result === 'passed' ? 'passed' : 'failing';
      return { attendee, checkpoint, state, attempts: it?.attempts ?? 0 };
    }),
  );
  const stuck = items
    .filter((i) => !i.passedAt && i.result !== 'passed' && i.attempts >= stuckAfter)
    .map((i) => ({ attendee: i.attendee, checkpoint: i.checkpoint, attempts: i.attempts, since: i.firstAt }))
    .sort((a, b) => b.attempts - a.attempts || compareIds(a.attendee, b.attendee));
  const sectionIds = [
    ...new Set([...items.map((i) => sectionKey(i.section)), ...finishedItems.map((i) => sectionKey(i.section))]),
  ].sort(compareIds);
  const sections = sectionIds.map((section) => {
    const inSection = items.filter((i) => sectionKey(i.section) === section);
    const finishedBy = new Set(finishedItems.filter((i) => sectionKey(i.section) === section).map((i) => i.attendee));
    const reachedBy = new Set([...inSection.map((i) => i.attendee), ...finishedBy]);
    const passedBy = [...new Set(inSection.map((i) => i.attendee))].filter((a) =>
      inSection.filter((i) => i.attendee === a).every((i) => i.passedAt || i.result === 'passed'),
    );
    return {
      section,
      reached: reachedBy.size,
      passed: passedBy.length,
      finished: finishedBy.size,
      attendees: attendees.length,
    };
  });
  return { attendees, checkpoints, cells, stuck, sections };
}

const STATE_COLOURS: Record<CellState, string> = { passed: '#2e7d32', failing: '#c62828', 'not reached': '#d0d0d0' };

/** Attendees × checkpoints, one square each: passed, failing, not reached — readable from the back of the room. */
export function roomHeatmapSpec(view: RoomView, opts: { title?: string } = {}): TopLevelSpec {
  const states = Object.keys(STATE_COLOURS) as CellState[];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? `The room: ${view.attendees.length} attendees × ${view.checkpoints.length} checkpoints`,
    data: { values: view.cells },
    mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
    width: Math.max(160, 90 * view.checkpoints.length),
    height: Math.max(60, 22 * view.attendees.length),
    encoding: {
      x: {
        field: 'checkpoint',
        type: 'nominal',
        sort: view.checkpoints,
        axis: { labelAngle: -25, labelAlign: 'right', labelLimit: 0 },
        title: null,
      },
      y: { field: 'attendee', type: 'nominal', sort: view.attendees, title: null },
      color: {
        field: 'state',
        type: 'nominal',
        scale: { domain: states, range: states.map((s) => STATE_COLOURS[s]) },
        legend: { title: null, orient: 'bottom' },
      },
      tooltip: [
        { field: 'attendee', type: 'nominal' },
        { field: 'checkpoint', type: 'nominal' },
        { field: 'state', type: 'nominal' },
        { field: 'attempts', type: 'quantitative' },
      ],
    },
  } as TopLevelSpec;
}

/** The instructor reads the whole room (their role may Scan; the attendees' may not). */
export async function readRoom(doc: DynamoDBDocumentClient, settings: RoomSettings): Promise<AnyRoomItem[]> {
  const out = await scanAll(doc, {
    TableName: settings.table,
    FilterExpression: '#room = :room',
    ExpressionAttributeNames: { '#room': 'room' },
    ExpressionAttributeValues: { ':room': settings.room },
  });
  return out.items as unknown as AnyRoomItem[];
}

/** The attendees' own tables that exist now (ws-att-<id>): who has set up, and what cleanup still has to remove. */
export async function attendeeTables(ddb: DynamoDBClient): Promise<string[]> {
  return (await listAllTables(ddb)).filter((n) => n.startsWith(TABLE_PREFIX)).sort(compareIds);
}

/** The room at a glance, in two outputs that refresh in place (no scrolling): the heat map, then who is stuck and
 * how far each section is, with the attendees' tables that exist. */
export interface RoomDisplay {
  refresh(): Promise<RoomView>;
}

export function roomDisplay(
  clients: WorkshopClients,
  settings: RoomSettings,
  options: { display?: DisplaySink } = {},
): RoomDisplay {
  const chart = liveChart({ display: options.display });
  const tableId = newDisplayId('room');
  let shown = false;
  return {
    async refresh() {
      const [items, tables] = await Promise.all([readRoom(clients.doc, settings), attendeeTables(clients.ddb)]);
      const withTables = tables.map((n) => n.slice(TABLE_PREFIX.length));
      const view = roomView(items, { attendees: withTables });
      const at = new Date().toISOString().slice(11, 19);
      await chart.update(
        roomHeatmapSpec(view, { title: `Room ${settings.room} at ${at} UTC: ${view.attendees.length} attendees` }),
      );
      const stuck = tableBundle(
        view.stuck.length
          ? view.stuck.map((s) => ({
              attendee: s.attendee,
              checkpoint: s.checkpoint,
              attempts: s.attempts,
              since: s.since.slice(11, 19),
            }))
          : [{ attendee: '—', checkpoint: 'nobody is stuck', attempts: '', since: '' }],
        { title: 'Stuck: failing the same checkpoint 3 times or more' },
      );
      const sections = tableBundle(
        view.sections.map((s) => ({
          section: s.section,
          reached: `${s.reached} of ${s.attendees}`,
          'passed all': `${s.passed} of ${s.attendees}`,
          finished: `${s.finished} of ${s.attendees}`,
        })),
        { title: 'How far the room is, per section' },
      );
      const own = tableBundle(
        [
          {
            'attendee tables that exist': tables.length ? tables.join(', ') : 'none',
            'without any result yet':
              withTables.filter((id) => !items.some((i) => i.kind !== 'usage' && i.attendee === id)).join(', ') || '—',
          },
        ],
        { title: 'Tables (cleanup still has these to delete)' },
      );
      const bundle: MimeBundle = {
        'text/html': [stuck, sections, own].map((b) => b['text/html']).join('\n'),
        'text/plain': [stuck, sections, own].map((b) => b['text/plain']).join('\n\n'),
      };
      (options.display ?? defaultSink)(bundle, { displayId: tableId, update: shown });
      shown = true;
      return view;
    },
  };
}

/** Refreshes the room every `everyMs` for `rounds` rounds (live JupyterLab); the outputs keep the last state. */
export async function watchRoom(display: RoomDisplay, options: { rounds?: number; everyMs?: number } = {}): Promise<RoomView> {
  const rounds = options.rounds ?? 120;
  let view = await display.refresh();
  for (let i = 1; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, options.everyMs ?? 15_000));
    view = await display.refresh();
  }
  return view;
}

// ---------------------------------------------------------------------------------------------------------------
// The room's cost so far (an estimate: on-demand prices of the Region, request units only)

export interface RoomCost {
  estimate: CostEstimate;
  /** where the units come from, in one sentence (shown under the figure) */
  basis: string;
  /** the request units priced (read, write, GSI read, GSI write) */
  units: ConsumedTotals;
}

function totals(records: readonly ConsumptionRecord[]): ConsumedTotals {
  const t: ConsumedTotals = { readUnits: 0, writeUnits: 0, gsiReadUnits: 0, gsiWriteUnits: 0 };
  for (const r of records) {
    t.readUnits += r.readUnits;
    t.writeUnits += r.writeUnits;
    t.gsiReadUnits += r.gsiReadUnits ?? 0;
    t.gsiWriteUnits += r.gsiWriteUnits ?? 0;
  }
  return t;
}

/**
 * Local target: the room's consumption as the attendees' kernels metered it (ConsumedCapacity, as DynamoDB Local
 * reports it by AWS's on-demand rules), one record per section, priced at `region`'s on-demand prices. A kernel's
 * total reaches the room with its checkpoints and its section-finished item: what it consumed after its last one is
 * not in yet.
 */
export function roomCostFromUsage(items: readonly AnyRoomItem[], region: string): RoomCost {
  const usage = items.filter((i): i is UsageItem => i.kind === 'usage');
  const records: ConsumptionRecord[] = usage.map((u) => ({
    section: `section ${sectionKey(u.section)}`,
    readUnits: Number(u.readUnits) || 0,
    writeUnits: Number(u.writeUnits) || 0,
    gsiReadUnits: Number(u.gsiReadUnits) || 0,
    gsiWriteUnits: Number(u.gsiWriteUnits) || 0,
  }));
  records.sort((a, b) => compareIds(a.section, b.section));
  const attendees = new Set(usage.map((u) => u.attendee)).size;
  return {
    estimate: estimateCost(records, { region }),
    units: totals(records),
    basis:
      `the consumed capacity DynamoDB Local reported to ${usage.length} attendee kernels (${attendees} attendees), ` +
      "as each kernel last reported it with a checkpoint or a finished section; DynamoDB Local counts by AWS's on-demand rules",
  };
}

/** AWS: GetMetricData queries for the Sum of ConsumedRead/WriteCapacityUnits of each table (hourly periods). */
export function consumedCapacityQueries(tables: readonly string[], period = 3600): MetricDataQuery[] {
  return tables.flatMap((t, i) => [
    metricStatQuery({
      id: `r${i}`,
      metricName: 'ConsumedReadCapacityUnits',
      dimensions: resourceDimensions(t),
      period,
      label: `${t} read`,
    }),
    metricStatQuery({
      id: `w${i}`,
      metricName: 'ConsumedWriteCapacityUnits',
      dimensions: resourceDimensions(t),
      period,
      label: `${t} write`,
    }),
  ]);
}

/**
 * AWS: the room's tables' consumption since `start`, from CloudWatch (ConsumedReadCapacityUnits and
 * ConsumedWriteCapacityUnits, Sum), priced at `region`'s on-demand prices. Tables' own metrics: their GSIs' are not
 * included; CloudWatch publishes a few minutes late.
 */
export async function roomCostFromCloudWatch(
  cw: Pick<CloudWatchClient, 'send'>,
  tables: readonly string[],
  options: { start: Date; end?: Date; region: string },
): Promise<RoomCost> {
  const end = options.end ?? new Date();
  const start = new Date(Math.min(options.start.getTime(), end.getTime() - 3_600_000));
  const records: ConsumptionRecord[] = [];
  // GetMetricData takes at most 500 queries: 2 per table
  for (let from = 0; from < tables.length; from += 250) {
    const chunk = tables.slice(from, from + 250);
    const queries = consumedCapacityQueries(chunk);
    const pages = [];
    let token: string | undefined;
    do {
      const page = await cw.send(
        new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, NextToken: token }),
      );
      pages.push(page);
      token = page.NextToken;
    } while (token);
    const series = parseMetricData(pages, queries);
    chunk.forEach((t, i) => {
      const sum = (id: string) => (series.find((s) => s.id === id)?.points ?? []).reduce((a, p) => a + p.value, 0);
      records.push({ section: t, readUnits: sum(`r${i}`), writeUnits: sum(`w${i}`) });
    });
  }
  return {
    estimate: estimateCost(records.length ? records : [{ section: 'no tables', readUnits: 0, writeUnits: 0 }], {
      region: options.region,
    }),
    units: totals(records),
    basis:
      `CloudWatch's ConsumedReadCapacityUnits and ConsumedWriteCapacityUnits (Sum) of ${tables.length} attendee tables ` +
      `since ${start.toISOString().slice(0, 16)} UTC; their GSIs' metrics are not included, and CloudWatch lags a few minutes`,
  };
}

/** The attendees' table names the room knows of: those that exist and those of attendees who reported (maybe deleted). */
export function roomTables(items: readonly AnyRoomItem[], existing: readonly string[]): string[] {
  return [...new Set([...existing, ...items.map((i) => `${TABLE_PREFIX}${i.attendee}`)])].sort(compareIds);
}

/** One line for the notebook: the estimate, the Region whose prices were used, and where the units come from. */
export function roomCostLine(cost: RoomCost): string {
  const u = cost.units;
  const usd = cost.estimate.usd;
  const money = usd < 0.01 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(2)}`;
  return (
    `Room cost so far (estimate): ${money} for ${Math.round(u.readUnits + u.gsiReadUnits)} read and ` +
    `${Math.round(u.writeUnits + u.gsiWriteUnits)} write request units at ${cost.estimate.prices.regionName} ` +
    `(${cost.estimate.region}) on-demand prices${cost.estimate.priceNote ? ` (${cost.estimate.priceNote})` : ''}. ` +
    `Source: ${cost.basis}. Not included: storage, the free tier, CloudWatch, Contributor Insights.`
  );
}

/** The room's cost so far on the clients' target: metered consumption locally, CloudWatch on AWS. */
export async function roomCost(
  clients: WorkshopClients,
  items: readonly AnyRoomItem[],
  options: { cloudWatch?: Pick<CloudWatchClient, 'send'>; now?: Date } = {},
): Promise<RoomCost> {
  const region = clients.config.region;
  if (clients.config.target !== 'aws') return roomCostFromUsage(items, region);
  const times = items.map((i) => Date.parse(i.lastAt)).filter(Number.isFinite);
  const now = options.now ?? new Date();
  const start = new Date(times.length ? Math.min(...times) - 3_600_000 : now.getTime() - 3_600_000);
  const cw = options.cloudWatch ?? createCloudWatchClient(clients.config);
  return roomCostFromCloudWatch(cw, roomTables(items, await attendeeTables(clients.ddb)), { start, end: now, region });
}
