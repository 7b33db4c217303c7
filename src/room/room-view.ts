/**
 * The instructor's view of the room: attendees × checkpoints, who is stuck, how far each section is (pure), read from
 * the room table and shown in two outputs that refresh in place (notebooks/instructor/room.ipynb).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TopLevelSpec } from 'vega-lite';
import { listAllTables } from '../cleanup';
import type { WorkshopClients } from '../client';
import { TABLE_PREFIX } from '../config';
import { type DisplaySink, type MimeBundle, defaultSink, newDisplayId, tableBundle } from '../display';
import { liveChart } from '../observe/charts';
import { scanAll } from '../reads';
import { type AnyRoomItem, type FinishedItem, type RoomSettings, compareIds, isCheckpointItem, sectionKey } from './room-items';

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
    await sleep(options.everyMs ?? 15_000);
    view = await display.refresh();
  }
  return view;
}
