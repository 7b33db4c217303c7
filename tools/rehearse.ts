/**
 * Rehearse the day: N simulated attendees, each with their own ATTENDEE_ID (rehearsal-01, rehearsal-02, …), run the
 * section notebooks in order through the headless runner — one lane per attendee, at most `--jobs` kernels' worth of
 * lanes at once, arrivals staggered — against one engine: an in-memory DynamoDB Local this command starts and pins
 * with DDB_ENDPOINT (the default; an engine already named by DDB_ENDPOINT is used as it is), or the AWS stand-in
 * (moto, `--target aws`, with the tenant role deployed, as an attendee's account would have it).
 *
 *   npm run rehearse -- --attendees 20 [--target local|aws] [--jobs 2] [--stagger 5] [--sections 00,01,02,04,06]
 *   bash tools/workshop.sh aws-rehearsal [id ...]     the aws target, attendees one after the other, with HTML
 *
 * Writes build/rehearsal/report.md (and report.json): per section p50/p95 wall time and failing cells, the
 * control-plane answers the cells reported (LimitExceededException retries), the attendees' tables left behind, the
 * room (with WORKSHOP_ROOM set: the room table filled by the attendees' checkpoints, and the instructor's room
 * notebook executed on it) and the estimated cost of the real room on AWS. Executed notebooks: build/rehearsal/<id>/.
 * Exit status: 0 no failing cell and nothing left behind, 1 otherwise, 2 usage error, 130/143 interrupted.
 */
import { ListTablesCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { median, percentile } from '../bench/lib/stats';
import { SCRATCH_PREFIX } from '../src/cleanup';
import { TABLE_PREFIX, validateAttendeeId } from '../src/config';
import { type ConsumptionRecord, estimateCost, formatUsdPrecise } from '../src/observe/cost';
import { ensureLocal, LOCAL_CREDENTIALS, stopLocal } from '../src/local/engine';
import { ROOM_TABLE_DEFAULT } from '../src/room/room';
import { deployTenantRole, startAwsStandin, venvDir } from './aws-standin';
import { registerCleanup } from './runner/cleanup';
import { installExitHandlers, shutdownAndExit } from './runner/lifecycle';
import { joinLines, readNotebookFile } from './runner/nbformat';
import { runNotebooks } from './runner/run';
import { freePort } from './runner/server';
import type { Notebook, NotebookResult, Summary } from './runner/types';

const REPO = resolve(__dirname, '..');
const NOTEBOOKS = join(REPO, 'notebooks');
const ROOM_NOTEBOOK = join(NOTEBOOKS, 'instructor', 'room.ipynb');

export interface RehearsalArgs {
  attendees: string[];
  target: 'local' | 'aws';
  jobs: number;
  stagger: number;
  /** notebook name prefixes (`00`, `01_fundamentals`…); empty: every section notebook */
  sections: string[];
  /** the real room's size, for the cost estimate (default: the rehearsal's) */
  roomSize: number;
  out: string;
  timeout: number;
  html: boolean;
  help: boolean;
  /** how the simulated attendees answer the exercises (WORKSHOP_EXERCISE_ANSWERS in their kernels) */
  answers: 'reference' | 'wrong' | 'mixed' | 'none';
  /** the kernels' clock (WORKSHOP_CLOCK): virtual skips the waits of throttled workloads */
  clock: 'real' | 'virtual';
  /** local target: simultaneous table operations allowed (WORKSHOP_TABLE_OPERATION_LIMIT); 0 = no limit */
  tableOperationLimit: number;
  /** local target: how long one table operation counts as in progress */
  tableOperationSeconds: number;
}

export const USAGE = `Usage: npm run rehearse -- [options] [attendee-id ...]

N simulated attendees run the section notebooks in order, side by side, against one engine.

Options:
  --attendees N       how many (ids rehearsal-01 …; or give the ids)          [default: 3]
  --target T          local (an in-memory DynamoDB Local, or DDB_ENDPOINT's engine) or aws (the AWS stand-in)
                                                                               [default: local]
  --jobs K            attendees running at once (each a tslab kernel of ~300 MiB, and its next one starting)
                                                                               [default: 2]
  --stagger SEC       seconds between two arrivals                            [default: 5]
  --sections LIST     notebooks to run, by prefix: 00,01,02,04,06             [default: all]
  --room-size M       attendees of the real room, for its cost estimate       [default: N]
  --out DIR           report and executed notebooks                           [default: build/rehearsal]
  --timeout SEC       per-cell timeout                                        [default: 300]
  --html              also the HTML of every executed notebook
  --answers MODE      how the attendees answer the exercises: mixed (some fail first, some stay stuck), reference,
                      wrong, or none (left unanswered)                          [default: mixed]
  --clock real|virtual
                      the kernels' clock: virtual skips the waits of throttled workloads (section times are
                      then shorter than a room's); real waits them out               [default: virtual]
  --table-operation-limit N
                      local target: simultaneous table operations allowed, as AWS's account limit (about 500)
                      scaled down to the rehearsal; 0 = none (DynamoDB Local has none)   [default: 1]
  --table-operation-seconds S
                      local target: how long a table operation counts as in progress       [default: 3]
With WORKSHOP_ROOM set, the attendees record their checkpoints in the room table and the instructor's room
notebook runs at the end (<out>/instructor/room.ipynb).`;

export class RehearsalUsageError extends Error {}

function whole(name: string, raw: string | undefined, min: number): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < min) {
    throw new RehearsalUsageError(`${name} expects a whole number ≥ ${min}, got "${raw ?? ''}"`);
  }
  return Number(raw);
}

export function rehearsalIds(n: number): string[] {
  const width = Math.max(2, String(n).length);
  return Array.from({ length: n }, (_, i) => `rehearsal-${String(i + 1).padStart(width, '0')}`);
}

export function parseRehearsalArgs(argv: string[], cwd = process.cwd()): RehearsalArgs {
  let count: number | undefined;
  let roomSize: number | undefined;
  const ids: string[] = [];
  const a: RehearsalArgs = {
    attendees: [],
    target: 'local',
    jobs: 2,
    stagger: 5,
    sections: [],
    roomSize: 0,
    out: resolve(REPO, 'build', 'rehearsal'),
    timeout: 300,
    html: false,
    help: false,
    answers: 'mixed',
    clock: 'virtual',
    tableOperationLimit: 1,
    tableOperationSeconds: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    if (name === '-h' || name === '--help') a.help = true;
    else if (name === '--html') a.html = true;
    else if (name === '--attendees') count = whole(name, value(), 1);
    else if (name === '--jobs') a.jobs = whole(name, value(), 1);
    else if (name === '--stagger') {
      const v = value();
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v))
        throw new RehearsalUsageError(`--stagger expects seconds, got "${v ?? ''}"`);
      a.stagger = Number(v);
    } else if (name === '--timeout') a.timeout = whole(name, value(), 1);
    else if (name === '--room-size') roomSize = whole(name, value(), 1);
    else if (name === '--table-operation-limit') a.tableOperationLimit = whole(name, value(), 0);
    else if (name === '--table-operation-seconds') {
      const v = value();
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0)
        throw new RehearsalUsageError(`--table-operation-seconds expects seconds > 0, got "${v ?? ''}"`);
      a.tableOperationSeconds = Number(v);
    } else if (name === '--clock') {
      const v = (value() ?? '').toLowerCase();
      if (v !== 'real' && v !== 'virtual') throw new RehearsalUsageError(`--clock is real or virtual, got "${v}"`);
      a.clock = v;
    } else if (name === '--answers') {
      const v = (value() ?? '').toLowerCase();
      if (v !== 'mixed' && v !== 'reference' && v !== 'wrong' && v !== 'none')
        throw new RehearsalUsageError(`--answers is mixed, reference, wrong or none, got "${v}"`);
      a.answers = v;
    } else if (name === '--out') {
      const v = value();
      if (!v) throw new RehearsalUsageError('--out needs a folder');
      a.out = resolve(cwd, v);
    } else if (name === '--target') {
      const v = (value() ?? '').toLowerCase();
      if (v !== 'local' && v !== 'aws') throw new RehearsalUsageError(`--target is local or aws, got "${v}"`);
      a.target = v;
    } else if (name === '--sections') {
      const v = value() ?? '';
      a.sections = v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      if (a.sections.length === 0) throw new RehearsalUsageError('--sections needs a list, e.g. 00,01,02');
    } else if (arg.startsWith('-')) throw new RehearsalUsageError(`unknown option ${arg}`);
    else ids.push(arg);
  }
  if (ids.length > 0 && count !== undefined && count !== ids.length) {
    throw new RehearsalUsageError(`--attendees ${count} but ${ids.length} ids given`);
  }
  try {
    a.attendees = ids.length > 0 ? ids.map((id) => validateAttendeeId(id)) : rehearsalIds(count ?? 3);
  } catch (e) {
    throw new RehearsalUsageError((e as Error).message);
  }
  if (new Set(a.attendees.map((id) => id.toLowerCase())).size !== a.attendees.length) {
    throw new RehearsalUsageError(
      'attendee ids must differ (and not only by case: DynamoDB Local compares table names without it)',
    );
  }
  a.roomSize = roomSize ?? a.attendees.length;
  return a;
}

/** The section notebooks to run, in order: notebooks/NN_*.ipynb, filtered by the prefixes given. */
export function sectionNotebooks(prefixes: readonly string[], dir = NOTEBOOKS): string[] {
  const all = readdirSync(dir)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .sort();
  if (prefixes.length === 0) return all.map((f) => join(dir, f));
  const picked = all.filter((f) => prefixes.some((p) => f.startsWith(p)));
  const unknown = prefixes.filter((p) => !all.some((f) => f.startsWith(p)));
  if (unknown.length > 0)
    throw new RehearsalUsageError(`no section notebook starts with ${unknown.join(', ')} (have ${all.join(', ')})`);
  return picked.map((f) => join(dir, f));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the executed notebooks (pure)

/** Every stream text and text/plain of a notebook's outputs, one string per output. */
export function outputTexts(nb: Notebook): string[] {
  const out: string[] = [];
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const o of cell.outputs) {
      if (o.output_type === 'stream') out.push(joinLines(o.text));
      else if (o.output_type === 'display_data' || o.output_type === 'execute_result') {
        const t = o.data['text/plain'];
        if (typeof t === 'string' || Array.isArray(t)) out.push(joinLines(t as string | string[]));
      }
    }
  }
  return out;
}

export interface ControlPlaneCount {
  /** "AWS is busy …; retrying in N s" lines: LimitExceededException answered and waited out */
  limitExceededRetries: number;
  /** "AWS still refuses after N tries": LimitExceededException the cell gave up on */
  limitExceededGaveUp: number;
}

/** The control-plane answers the cells reported (src/control-plane.ts says each in the cell). */
export function controlPlaneAnswers(texts: readonly string[]): ControlPlaneCount {
  let limitExceededRetries = 0;
  let limitExceededGaveUp = 0;
  for (const t of texts) {
    limitExceededRetries += (t.match(/AWS is busy with other table operations in this account \(LimitExceededException\)/g) ?? [])
      .length;
    limitExceededGaveUp += (t.match(/AWS still refuses after \d+ tries/g) ?? []).length;
  }
  return { limitExceededRetries, limitExceededGaveUp };
}

const num = (s: string) => Number(s.replace(/,/g, ''));

/**
 * What one attendee's notebook 06 measured: its table "request units per section" (the replay of sections 1-3 on a
 * scratch table, as DynamoDB reported the consumed capacity) and its storage line. Undefined when absent.
 */
export function consumptionFrom06(texts: readonly string[]): ConsumptionRecord[] | undefined {
  const table = [...texts].reverse().find((t) => t.startsWith('request units per section\n'));
  if (!table) return undefined;
  const lines = table.split('\n');
  const dashes = lines[2] ?? '';
  // column spans from the dashes line (src/display.ts tableText: widths joined by two spaces)
  const spans: [number, number][] = [];
  for (const m of dashes.matchAll(/-+/g)) spans.push([m.index ?? 0, (m.index ?? 0) + m[0].length]);
  const header = spans.map(([a, b]) => (lines[1] ?? '').slice(a, b).trim());
  const records: ConsumptionRecord[] = [];
  for (const line of lines.slice(3)) {
    if (!line.trim()) continue;
    const cells = spans.map(([a, b], i) => (i === spans.length - 1 ? line.slice(a) : line.slice(a, b)).trim());
    const get = (name: string) => {
      const i = header.indexOf(name);
      return i >= 0 && cells[i] ? num(cells[i]) : 0;
    };
    records.push({
      section: cells[header.indexOf('section')] ?? '?',
      readUnits: get('readUnits'),
      writeUnits: get('writeUnits'),
      gsiReadUnits: get('gsiReadUnits'),
      gsiWriteUnits: get('gsiWriteUnits'),
    });
  }
  const storage = texts
    .map((t) => /([\d,]+) bytes in the table, ([\d,]+) bytes in \S+, kept (\d+(?:\.\d+)?) hours/.exec(t))
    .find(Boolean);
  if (storage) {
    records.push({
      section: `storage · ${storage[3]} h`,
      readUnits: 0,
      writeUnits: 0,
      storageBytes: num(storage[1]),
      gsiStorageBytes: num(storage[2]),
      hours: Number(storage[3]),
    });
  }
  return records.length > 0 ? records : undefined;
}

/** The same consumption `times` over (a room of attendees doing the same). */
export function scaleRecords(records: readonly ConsumptionRecord[], times: number): ConsumptionRecord[] {
  const m = (v: number | undefined) => (v === undefined ? undefined : v * times);
  return records.map((r) => ({
    ...r,
    readUnits: r.readUnits * times,
    writeUnits: r.writeUnits * times,
    gsiReadUnits: m(r.gsiReadUnits),
    gsiWriteUnits: m(r.gsiWriteUnits),
    storageBytes: m(r.storageBytes),
    gsiStorageBytes: m(r.gsiStorageBytes),
  }));
}

export interface SectionStats {
  section: string;
  runs: number;
  p50: number;
  p95: number;
  max: number;
  failedNotebooks: number;
  failingCells: { attendee: string; cell: number; error: string }[];
  controlPlane: ControlPlaneCount;
}

export interface AttendeeRun {
  attendee: string;
  /** the notebooks' results, in order */
  results: NotebookResult[];
  /** output texts of each executed notebook, by notebook file name */
  texts: Map<string, string[]>;
}

/** Per section notebook: wall-time percentiles over attendees, failing cells, control-plane answers. Pure. */
export function sectionStats(runs: readonly AttendeeRun[]): SectionStats[] {
  const bySection = new Map<string, SectionStats & { secs: number[] }>();
  for (const run of runs) {
    for (const r of run.results) {
      const section = basename(r.path);
      let s = bySection.get(section);
      if (!s) {
        s = {
          section,
          runs: 0,
          p50: 0,
          p95: 0,
          max: 0,
          failedNotebooks: 0,
          failingCells: [],
          controlPlane: { limitExceededRetries: 0, limitExceededGaveUp: 0 },
          secs: [],
        };
        bySection.set(section, s);
      }
      s.runs++;
      s.secs.push(r.seconds);
      if (!r.ok) s.failedNotebooks++;
      for (const c of r.cellResults) {
        if (c.status !== 'error' && c.status !== 'timeout') continue;
        const error = c.error ? `${c.error.ename}: ${c.error.evalue}`.split('\n')[0] : c.status;
        s.failingCells.push({ attendee: run.attendee, cell: c.index + 1, error });
      }
      if (r.error && r.cellResults.length === 0)
        s.failingCells.push({ attendee: run.attendee, cell: 0, error: r.error.split('\n')[0] });
      const cp = controlPlaneAnswers(run.texts.get(section) ?? []);
      s.controlPlane.limitExceededRetries += cp.limitExceededRetries;
      s.controlPlane.limitExceededGaveUp += cp.limitExceededGaveUp;
    }
  }
  return [...bySection.values()]
    .sort((a, b) => a.section.localeCompare(b.section))
    .map(({ secs, ...s }) => ({ ...s, p50: median(secs), p95: percentile(secs, 95), max: Math.max(...secs) }));
}

// ---------------------------------------------------------------------------------------------------------------
// The engine

/**
 * What the rehearsal adds to every kernel's environment: the clock, the attendees answer; the local target has the
 * limit.
 */
export function rehearsalEnv(
  args: Pick<RehearsalArgs, 'answers' | 'target' | 'tableOperationLimit' | 'tableOperationSeconds'> &
    Partial<Pick<RehearsalArgs, 'clock'>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (args.clock) env.WORKSHOP_CLOCK = args.clock;
  if (args.answers !== 'none') env.WORKSHOP_EXERCISE_ANSWERS = args.answers;
  if (args.target === 'local' && args.tableOperationLimit > 0) {
    env.WORKSHOP_TABLE_OPERATION_LIMIT = String(args.tableOperationLimit);
    env.WORKSHOP_TABLE_OPERATION_SECONDS = String(args.tableOperationSeconds);
  }
  return env;
}

interface Engine {
  /** the environment every kernel gets (target, endpoint or profile) */
  env: NodeJS.ProcessEnv;
  describe: string;
  /** a client on the engine, for the tables left behind and the room */
  client(): DynamoDBClient;
  stop(): Promise<void>;
}

async function startEngine(target: 'local' | 'aws', log: (l: string) => void): Promise<Engine> {
  if (target === 'aws') {
    const standin = await startAwsStandin();
    const unregister = registerCleanup({ stop: () => standin.stop(), killSync: () => undefined });
    const roleArn = deployTenantRole(standin.env);
    return {
      env: { ...standin.env, WORKSHOP_TENANT_ROLE_ARN: roleArn },
      describe: `the AWS stand-in (moto) at ${standin.endpoint}, profile dynamodb-workshop pointing at it, tenant role deployed`,
      client: () =>
        new DynamoDBClient({
          region: standin.env.AWS_REGION,
          endpoint: standin.endpoint,
          credentials: { accessKeyId: 'standin', secretAccessKey: 'standin' },
        }),
      stop: async () => {
        await standin.stop();
        unregister();
      },
    };
  }
  const base: NodeJS.ProcessEnv = { ...process.env, WORKSHOP_TARGET: 'local' };
  delete base.ATTENDEE_ID;
  const client = (endpoint: string) => () =>
    new DynamoDBClient({ region: 'ap-southeast-1', endpoint, credentials: LOCAL_CREDENTIALS });
  const pinned = process.env.DDB_ENDPOINT?.trim();
  if (pinned) {
    return { env: base, describe: `the engine DDB_ENDPOINT names (${pinned})`, client: client(pinned), stop: async () => {} };
  }
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), 'ws-rehearsal-ddb-'));
  const stop = async () => {
    await stopLocal({ stateDir }).catch(() => false);
    rmSync(stateDir, { recursive: true, force: true });
  };
  const unregister = registerCleanup({ stop, killSync: () => undefined });
  const local = await ensureLocal({ port, inMemory: true, stateDir });
  log(`DynamoDB Local (in memory) on ${local.endpoint}, pinned with DDB_ENDPOINT`);
  return {
    env: { ...base, DDB_ENDPOINT: local.endpoint, DDB_LOCAL_PORT: String(port) },
    describe: `one in-memory DynamoDB Local (${local.endpoint}), pinned with DDB_ENDPOINT`,
    client: client(local.endpoint),
    stop: async () => {
      await stop();
      unregister();
    },
  };
}

async function listTables(ddb: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const r = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(r.TableNames ?? []));
    start = r.LastEvaluatedTableName;
  } while (start);
  return names;
}

/** The room table's items per attendee (the instructor's read: a Scan). */
async function roomItems(ddb: DynamoDBClient, table: string, room: string): Promise<Map<string, number>> {
  const per = new Map<string, number>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const r = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of r.Items ?? []) {
      if (item.room?.S !== room) continue;
      const who = item.attendee?.S ?? '?';
      per.set(who, (per.get(who) ?? 0) + 1);
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return per;
}

/** An attendee's tables, by the names the workshop gives them. */
export function tablesOf(attendee: string, tables: readonly string[]): string[] {
  const own = new Set([`${TABLE_PREFIX}${attendee}`, `${SCRATCH_PREFIX}${attendee}`, `demo.${attendee}`]);
  return tables.filter((t) => own.has(t));
}

// ---------------------------------------------------------------------------------------------------------------
// The report

export interface RehearsalReport {
  attendees: string[];
  target: string;
  engine: string;
  jobs: number;
  stagger: number;
  sections: string[];
  /** WORKSHOP_EXERCISE_ANSWERS, and the emulated table-operation limit (local) */
  answers?: string;
  /** the kernels' clock: 'virtual' means section times skipped the throttled waits */
  clock?: 'real' | 'virtual';
  tableOperationLimit?: number;
  seconds: number;
  sectionStats: SectionStats[];
  failingCells: number;
  leftBehind: Record<string, string[]>;
  room?: {
    name: string;
    table: string;
    itemsPerAttendee: Record<string, number>;
    view?: string;
    viewOk: boolean;
    /** the room notebook's "Room cost so far (estimate)" line */
    cost?: string;
  };
  cost?: {
    roomSize: number;
    perAttendeeUsd: number;
    roomUsd: number;
    region: string;
    priceNote?: string;
    attendeesMeasured: number;
    spread: string;
  };
  costMissing?: string;
}

const secsText = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} s` : 'n/a');

export function reportMarkdown(r: RehearsalReport): string {
  const L: string[] = [];
  L.push('# Rehearsal of the day', '');
  L.push(
    `${r.attendees.length} attendees (${r.attendees[0]} … ${r.attendees[r.attendees.length - 1]}), target ${r.target}: ` +
      `${r.engine}. At most ${r.jobs} attendees at once, arrivals ${r.stagger} s apart; sections ${r.sections.join(', ')}. ` +
      `Wall time ${secsText(r.seconds)}.`,
    '',
  );
  if (r.clock === 'virtual')
    L.push(
      'Kernels ran on the virtual clock (--clock virtual): the waits of throttled workloads were skipped, so section ' +
        "times are shorter than a room's; --clock real waits them out.",
      '',
    );
  L.push('## Sections', '');
  L.push('| section | runs | p50 | p95 | max | failed notebooks | failing cells | LimitExceeded retries | gave up |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.sectionStats) {
    L.push(
      `| ${s.section} | ${s.runs} | ${secsText(s.p50)} | ${secsText(s.p95)} | ${secsText(s.max)} | ${s.failedNotebooks} | ` +
        `${s.failingCells.length} | ${s.controlPlane.limitExceededRetries} | ${s.controlPlane.limitExceededGaveUp} |`,
    );
  }
  L.push('', `Failing cells: ${r.failingCells}.`);
  for (const s of r.sectionStats) {
    for (const c of s.failingCells) L.push(`- ${c.attendee} ${s.section} cell ${c.cell}: ${c.error}`);
  }
  L.push('', '## Control plane', '');
  const retries = r.sectionStats.reduce((a, s) => a + s.controlPlane.limitExceededRetries, 0);
  const gaveUp = r.sectionStats.reduce((a, s) => a + s.controlPlane.limitExceededGaveUp, 0);
  L.push(
    `LimitExceededException: ${retries} retries waited out, ${gaveUp} given up (counted from the cells' own lines: ` +
      '"AWS is busy with other table operations" / "AWS still refuses after"). ' +
      (r.target === 'local'
        ? r.tableOperationLimit
          ? `DynamoDB Local has no limit on simultaneous table operations; this rehearsal emulated one of ${r.tableOperationLimit} ` +
            '(WORKSHOP_TABLE_OPERATION_LIMIT, src/local/table-operations.ts: AWS allows about 500 per account, 250 creating tables with indexes), ' +
            'so the retries above are the ones a crowded account would cause.'
          : 'DynamoDB Local has no limit on simultaneous table operations and none was emulated (--table-operation-limit 0), so none is expected.'
        : 'The stand-in (moto) does not enforce the limit either; on AWS about 500 simultaneous table operations per account (250 with indexes) are allowed.'),
  );
  L.push('', '## Left behind', '');
  const left = Object.entries(r.leftBehind).filter(([, t]) => t.length > 0);
  const cleaned = r.sections.some((s) => s.startsWith('06'));
  if (left.length === 0) L.push("No attendee's table is left: each attendee's 06_cleanup deleted its own.");
  else {
    L.push(
      cleaned
        ? "Attendees' tables their 06_cleanup did not delete:"
        : '06_cleanup was not rehearsed, so these tables stay (on an engine this command started, until it stops):',
    );
    for (const [a, t] of left) L.push(`- ${a}: ${t.join(', ')}`);
  }
  if (r.room) {
    L.push('', '## The room', '');
    const items = Object.entries(r.room.itemsPerAttendee);
    L.push(
      `Room ${r.room.name} in ${r.room.table}: ${items.reduce((a, [, n]) => a + n, 0)} items (checkpoints, sections finished, usage) from ${items.length} attendees ` +
        `(${items.map(([a, n]) => `${a} ${n}`).join(', ')}).`,
    );
    L.push(`The instructor's room notebook ${r.room.viewOk ? 'ran' : 'FAILED'}: ${r.room.view ?? 'no summary line'}.`);
    if (r.room.cost) L.push(r.room.cost);
    L.push(
      r.answers && r.answers !== 'none'
        ? `The rehearsed attendees answer every exercise (WORKSHOP_EXERCISE_ANSWERS=${r.answers}` +
            (r.answers === 'mixed' ? ': some fail first, some stay stuck' : '') +
            '), so every checkpoint reaches the room.'
        : 'A checkpoint is recorded once it is attempted: the rehearsed attendees left the exercises unanswered (--answers none), so only ' +
            'the checkpoints that check themselves (0 · table ready) reach the room.',
    );
  }
  L.push('', '## Cost on AWS', '');
  if (r.cost) {
    L.push(
      `A room of ${r.cost.roomSize}: about ${formatUsdPrecise(r.cost.roomUsd)} (${formatUsdPrecise(r.cost.perAttendeeUsd)} per attendee, ` +
        `${r.cost.region} on-demand prices${r.cost.priceNote ? `; ${r.cost.priceNote}` : ''}).`,
      '',
      `How: each attendee's 06_cleanup replays the main operations of sections 1-3 on a scratch table and shows the ` +
        `request units DynamoDB reported as consumed, plus two hours of storage; ${r.cost.attendeesMeasured} attendees' ` +
        `figures (${r.cost.spread}) are averaged, multiplied by ${r.cost.roomSize} and priced with src/observe/cost.ts ` +
        `(estimateCost). Not counted: sections 4-5 (the shared table, CloudWatch, Contributor Insights), the free tier, ` +
        'and re-runs. ' +
        (r.target === 'aws'
          ? 'On the stand-in every request reports 1.0 unit (moto does not meter), so this figure counts requests, not AWS units.'
          : 'DynamoDB Local reports consumed capacity by the same rules as AWS on-demand (DESIGN.md, "Capacity as DynamoDB Local reports it").'),
    );
  } else {
    L.push(`No estimate: ${r.costMissing}.`);
  }
  L.push('');
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  installExitHandlers('rehearse');
  let args: RehearsalArgs;
  let sections: string[];
  try {
    args = parseRehearsalArgs(process.argv.slice(2));
    sections = sectionNotebooks(args.sections);
  } catch (e) {
    if (e instanceof RehearsalUsageError) {
      process.stderr.write(`rehearse: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string) => {
    if (!process.stdout.destroyed && process.stdout.writable) process.stdout.write(`${line}\n`);
  };
  const t0 = performance.now();
  rmSync(args.out, { recursive: true, force: true });
  mkdirSync(args.out, { recursive: true });
  const started = await startEngine(args.target, log);
  const engine: Engine = { ...started, env: { ...started.env, ...rehearsalEnv(args) } };
  const room = process.env.WORKSHOP_ROOM?.trim() || undefined;
  const roomTable = process.env.WORKSHOP_ROOM_TABLE?.trim() || ROOM_TABLE_DEFAULT;
  const instructor = { ATTENDEE_ID: 'instructor' };
  try {
    log(`Rehearsal: ${args.attendees.length} attendees on ${engine.describe}; ${args.jobs} at once, ${args.stagger} s apart`);
    if (room) {
      // the room table exists before the first checkpoint: the instructor's notebook creates it
      log(`room ${room}: the instructor opens it (notebooks/instructor/room.ipynb)`);
      await runNotebooks({
        paths: [],
        lanes: [
          { name: 'instructor', paths: [ROOM_NOTEBOOK], env: instructor, outputDir: join(args.out, 'instructor', 'opening') },
        ],
        outputDir: args.out,
        venv: venvDir,
        timeout: args.timeout,
        env: engine.env,
        log,
        printSummary: false,
      });
    }
    const summary: Summary = await runNotebooks({
      paths: [],
      lanes: args.attendees.map((id, i) => ({
        name: id,
        paths: sections,
        env: { ATTENDEE_ID: id },
        outputDir: join(args.out, id),
        startAt: i * args.stagger,
      })),
      jobs: args.jobs,
      outputDir: args.out,
      venv: venvDir,
      timeout: args.timeout,
      html: args.html,
      junit: join(args.out, 'junit.xml'),
      env: engine.env,
      log,
    });
    let roomReport: RehearsalReport['room'];
    if (room) {
      const view = await runNotebooks({
        paths: [],
        lanes: [{ name: 'instructor', paths: [ROOM_NOTEBOOK], env: instructor, outputDir: join(args.out, 'instructor') }],
        outputDir: args.out,
        venv: venvDir,
        timeout: args.timeout,
        html: args.html,
        env: engine.env,
        log,
        printSummary: false,
      });
      const executed = view.notebooks[0]?.outputPath;
      const texts = executed ? outputTexts(readNotebookFile(executed)) : [];
      const line = texts.find((t) => /attendees, \d+ checkpoints seen/.test(t));
      const costLine = texts.find((t) => t.startsWith('Room cost so far (estimate)'));
      const ddb = engine.client();
      try {
        roomReport = {
          name: room,
          table: roomTable,
          itemsPerAttendee: Object.fromEntries(
            [...(await roomItems(ddb, roomTable, room))].sort(([a], [b]) => a.localeCompare(b)),
          ),
          view: line?.trim(),
          viewOk: view.ok,
          ...(costLine ? { cost: costLine.trim() } : {}),
        };
      } finally {
        ddb.destroy();
      }
    }
    const ddb = engine.client();
    let tables: string[];
    try {
      tables = await listTables(ddb);
    } finally {
      ddb.destroy();
    }

    const runs: AttendeeRun[] = args.attendees.map((attendee) => {
      const results = summary.notebooks.filter((n) => n.name.startsWith(`${attendee}/`));
      const texts = new Map<string, string[]>();
      for (const r of results) if (r.outputPath) texts.set(basename(r.path), outputTexts(readNotebookFile(r.outputPath)));
      return { attendee, results, texts };
    });
    const stats = sectionStats(runs);
    const report: RehearsalReport = {
      attendees: args.attendees,
      target: args.target,
      engine: engine.describe,
      jobs: args.jobs,
      stagger: args.stagger,
      sections: sections.map((s) => basename(s, '.ipynb')),
      answers: args.answers,
      clock: args.clock,
      ...(args.target === 'local' ? { tableOperationLimit: args.tableOperationLimit } : {}),
      seconds: 0,
      sectionStats: stats,
      failingCells: stats.reduce((a, s) => a + s.failingCells.length, 0),
      leftBehind: Object.fromEntries(args.attendees.map((a) => [a, tablesOf(a, tables)])),
      room: roomReport,
    };
    const measured = runs
      .map((r) => [...r.texts.entries()].find(([name]) => name.startsWith('06'))?.[1])
      .map((texts) => texts && consumptionFrom06(texts))
      .filter((x): x is ConsumptionRecord[] => x !== undefined);
    if (measured.length > 0) {
      const each = measured.map((m) => estimateCost(m).usd);
      const mean = each.reduce((a, b) => a + b, 0) / each.length;
      // the room: every record of every measured attendee, scaled so that they stand for the real room's size
      const roomEstimate = estimateCost(scaleRecords(measured.flat(), args.roomSize / measured.length));
      report.cost = {
        roomSize: args.roomSize,
        perAttendeeUsd: mean,
        roomUsd: roomEstimate.usd,
        region: roomEstimate.region,
        priceNote: roomEstimate.priceNote,
        attendeesMeasured: measured.length,
        spread:
          Math.min(...each) === Math.max(...each)
            ? `all ${formatUsdPrecise(mean)}`
            : `${formatUsdPrecise(Math.min(...each))} to ${formatUsdPrecise(Math.max(...each))}`,
      };
    } else {
      report.costMissing = sections.some((s) => basename(s).startsWith('06'))
        ? 'no attendee\'s 06_cleanup showed its "request units per section" table'
        : 'notebook 06 was not among the sections rehearsed';
    }
    report.seconds = (performance.now() - t0) / 1000;
    writeFileSync(join(args.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    const md = reportMarkdown(report);
    writeFileSync(join(args.out, 'report.md'), md);
    log('');
    log(md);
    log(`report: ${relative(process.cwd(), join(args.out, 'report.md'))}`);
    // tables are left behind by design when 06_cleanup is not among the sections
    const left = report.sections.some((x) => x.startsWith('06')) && Object.values(report.leftBehind).some((t) => t.length > 0);
    return report.failingCells === 0 && summary.ok && !left && (roomReport?.viewOk ?? true) ? 0 : 1;
  } finally {
    await engine.stop();
  }
}

if (require.main === module) {
  main().then(
    (code) => shutdownAndExit(code),
    (err: unknown) => {
      process.stderr.write(`rehearse: ${err instanceof Error ? err.message : String(err)}\n`);
      return shutdownAndExit(1);
    },
  );
}
