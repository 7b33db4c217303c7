/**
 * The rehearsal of the day (tools/rehearse.ts): its pure parts, then 3 attendees on the local target, 2 at once, on
 * a DynamoDB Local of the test's own (pinned with DDB_ENDPOINT, so the test can look at what is left), with a room.
 * Sections 00, 01, 02, 04, 06: 03's ~90 s of deliberate throttling per attendee is for the benchmark
 * (bench/rehearsal.ts), not the test command.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  consumptionFrom06,
  controlPlaneAnswers,
  parseRehearsalArgs,
  RehearsalUsageError,
  type RehearsalReport,
  rehearsalEnv,
  rehearsalIds,
  scaleRecords,
  sectionNotebooks,
  sectionStats,
  tablesOf,
} from '../../tools/rehearse';
import { startTestLocal, type TestLocal } from '../helpers/local';

const REPO = resolve(__dirname, '../..');
const VENV = process.env.WORKSHOP_VENV ? resolve(process.env.WORKSHOP_VENV) : join(REPO, '.venv');
const haveVenv = existsSync(join(VENV, 'bin', 'jupyter'));

describe('rehearse: arguments and reading the executed notebooks', () => {
  it('defaults: 3 attendees rehearsal-01…03, local, 2 at once, every section', () => {
    const a = parseRehearsalArgs([]);
    assert.deepEqual(a.attendees, ['rehearsal-01', 'rehearsal-02', 'rehearsal-03']);
    assert.equal(a.target, 'local');
    assert.equal(a.jobs, 2);
    assert.equal(a.roomSize, 3);
    assert.deepEqual(a.sections, []);
    assert.equal(sectionNotebooks([]).length >= 7, true);
    assert.equal(rehearsalIds(120)[0], 'rehearsal-001');
  });

  it('reads every option; ids may be given instead of a count', () => {
    const a = parseRehearsalArgs([
      '--attendees=20',
      '--target',
      'AWS',
      '--jobs',
      '4',
      '--stagger',
      '0.5',
      '--sections',
      '00,06',
      '--room-size',
      '200',
      '--html',
    ]);
    assert.equal(a.attendees.length, 20);
    assert.equal(a.target, 'aws');
    assert.equal(a.jobs, 4);
    assert.equal(a.stagger, 0.5);
    assert.equal(a.roomSize, 200);
    assert.equal(a.html, true);
    assert.deepEqual(
      sectionNotebooks(a.sections).map((p) => p.split('/').pop()),
      ['00_setup.ipynb', '06_cleanup.ipynb'],
    );
    assert.deepEqual(parseRehearsalArgs(['ann', 'bob']).attendees, ['ann', 'bob']);
  });

  it('refuses what it cannot rehearse', () => {
    for (const argv of [
      ['--attendees', '0'],
      ['--jobs', 'x'],
      ['--target', 'gcp'],
      ['--bogus'],
      ['--attendees', '3', 'a', 'b'],
      ['a', 'A'],
      ['bad id'],
    ]) {
      assert.throws(() => parseRehearsalArgs(argv), RehearsalUsageError, argv.join(' '));
    }
    assert.throws(() => sectionNotebooks(['99']), /no section notebook starts with 99/);
  });

  it('the kernels answer the exercises and meet the emulated limit; --answers none and --table-operation-limit 0 turn them off', () => {
    const a = parseRehearsalArgs([]);
    assert.equal(a.answers, 'mixed');
    assert.deepEqual(rehearsalEnv(a), {
      WORKSHOP_CLOCK: 'virtual',
      WORKSHOP_EXERCISE_ANSWERS: 'mixed',
      WORKSHOP_TABLE_OPERATION_LIMIT: '1',
      WORKSHOP_TABLE_OPERATION_SECONDS: '3',
    });
    const off = parseRehearsalArgs(['--answers', 'none', '--table-operation-limit', '0']);
    assert.deepEqual(rehearsalEnv(off), { WORKSHOP_CLOCK: 'virtual' });
    assert.deepEqual(rehearsalEnv(parseRehearsalArgs(['--target', 'aws', '--clock', 'real'])), {
      WORKSHOP_CLOCK: 'real',
      WORKSHOP_EXERCISE_ANSWERS: 'mixed',
    });
    assert.throws(() => parseRehearsalArgs(['--clock', 'fast']), /--clock is real or virtual, got "fast"/);
    assert.equal(
      parseRehearsalArgs(['--table-operation-limit', '250', '--table-operation-seconds', '0.5']).tableOperationSeconds,
      0.5,
    );
    assert.throws(() => parseRehearsalArgs(['--answers', 'all']), RehearsalUsageError);
    assert.throws(() => parseRehearsalArgs(['--table-operation-seconds', '0']), RehearsalUsageError);
  });

  it("counts the control plane's answers from the cells' own lines", () => {
    const retry =
      'ensureTable ws-att-1: AWS is busy with other table operations in this account (LimitExceededException); retrying in 2 s (1/7)';
    assert.deepEqual(controlPlaneAnswers([`${retry}\n${retry}\n`, 'x: AWS still refuses after 8 tries — …']), {
      limitExceededRetries: 2,
      limitExceededGaveUp: 1,
    });
  });

  it("reads 06's request units per section and its storage line, and scales them to a room", () => {
    const texts = [
      'request units so far\nsection  readUnits\n-------  ---------\nignored          1',
      [
        'request units per section',
        'section               readUnits  writeUnits  gsiReadUnits  gsiWriteUnits',
        '--------------------  ---------  ----------  ------------  -------------',
        '1 · fundamentals          124.5       1,503             0              0',
        '3 · hot partitions           12         960             0              0',
      ].join('\n'),
      '1211 items: 401,220 bytes in the table, 1,040 bytes in GSI1, kept 2 hours\nscratch table deleted: true\n',
    ];
    const records = consumptionFrom06(texts);
    assert.deepEqual(records, [
      { section: '1 · fundamentals', readUnits: 124.5, writeUnits: 1503, gsiReadUnits: 0, gsiWriteUnits: 0 },
      { section: '3 · hot partitions', readUnits: 12, writeUnits: 960, gsiReadUnits: 0, gsiWriteUnits: 0 },
      { section: 'storage · 2 h', readUnits: 0, writeUnits: 0, storageBytes: 401220, gsiStorageBytes: 1040, hours: 2 },
    ]);
    assert.equal(scaleRecords(records ?? [], 10)[0].writeUnits, 15030);
    assert.equal(consumptionFrom06(['nothing here']), undefined);
  });

  it('percentiles, failing cells and tables per attendee', () => {
    const result = (seconds: number, failed = false) => ({
      path: '/x/00_setup.ipynb',
      name: 'a/00_setup.ipynb',
      kernel: 'tslab',
      cells: 2,
      failed: failed ? 1 : 0,
      allowedErrors: 0,
      seconds,
      kernelStartSeconds: 0,
      ok: !failed,
      cellResults: failed
        ? [{ index: 4, status: 'error' as const, seconds: 1, error: { ename: 'Error', evalue: 'boom\nmore', traceback: [] } }]
        : [],
    });
    const stats = sectionStats([
      { attendee: 'a', results: [result(1)], texts: new Map() },
      { attendee: 'b', results: [result(3, true)], texts: new Map() },
    ]);
    assert.equal(stats.length, 1);
    assert.equal(stats[0].p50, 2);
    assert.equal(stats[0].p95, 3);
    assert.deepEqual(stats[0].failingCells, [{ attendee: 'b', cell: 5, error: 'Error: boom' }]);
    assert.deepEqual(tablesOf('a', ['ws-att-a', 'ws-att-ab', 'ws-cost-a', 'demo.a', 'ws-shared']), [
      'ws-att-a',
      'ws-cost-a',
      'demo.a',
    ]);
  });
});

describe('rehearse: 3 attendees on the local target, 2 at once, with a room', {
  skip: !haveVenv && `no Jupyter in ${VENV}`,
}, () => {
  let local: TestLocal;
  let out: string;
  let run: { code: number | null; stdout: string; stderr: string };

  before(async () => {
    local = await startTestLocal('rehearsal-test');
    out = mkdtempSync(join(tmpdir(), 'ws-rehearsal-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DDB_ENDPOINT: local.local.endpoint, WORKSHOP_ROOM: 'rehearsal-test' };
    delete env.ATTENDEE_ID;
    delete env.WORKSHOP_TARGET;
    const args = [
      '--attendees',
      '3',
      '--jobs',
      '2',
      '--stagger',
      '2',
      '--sections',
      '00,01,02,04,06',
      '--timeout',
      '120',
      '--out',
      out,
    ];
    run = await new Promise((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tools/rehearse.ts'), ...args], {
        cwd: REPO,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('error', fail);
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });
  });
  after(async () => {
    await local?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('runs with zero failing cells and writes the report with its sections', () => {
    assert.equal(run.code, 0, `${run.stdout.slice(-6000)}\n${run.stderr}`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RehearsalReport;
    assert.equal(report.failingCells, 0);
    assert.deepEqual(
      report.sectionStats.map((s) => [s.section, s.runs, s.failedNotebooks]),
      ['00_setup', '01_fundamentals', '02_single_table', '04_multitenancy', '06_cleanup'].map((s) => [`${s}.ipynb`, 3, 0]),
    );
    for (const s of report.sectionStats) assert.ok(s.p95 >= s.p50 && s.p50 > 0, s.section);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const h of ['## Sections', '## Control plane', '## Left behind', '## The room', '## Cost on AWS'])
      assert.ok(md.includes(h), h);
    assert.match(md, /\| 06_cleanup\.ipynb \| 3 \| [\d.]+ s \| [\d.]+ s \|/);
    // the local target emulates the account's limit (scaled to 1 at a time): retries may show, none may give up
    assert.match(md, /LimitExceededException: \d+ retries waited out, 0 given up/);
    assert.match(md, /this rehearsal emulated one of 1 \(WORKSHOP_TABLE_OPERATION_LIMIT/);
    assert.match(md, /A room of 3: about \S+ \(\S+ per attendee/);
    for (const id of ['rehearsal-01', 'rehearsal-02', 'rehearsal-03']) {
      for (const nb of ['00_setup', '01_fundamentals', '02_single_table', '04_multitenancy', '06_cleanup']) {
        assert.ok(existsSync(join(out, id, `${nb}.ipynb`)), `${id}/${nb}`);
      }
    }
    assert.ok(report.cost && report.cost.perAttendeeUsd > 0, JSON.stringify(report.cost ?? report.costMissing));
  });

  it("leaves no attendee's table: each attendee's own 06 deleted its own", async () => {
    const tables = (await local.clients.ddb.send(new ListTablesCommand({}))).TableNames ?? [];
    assert.deepEqual(
      tables.filter((t) => /rehearsal-0\d/.test(t)),
      [],
    );
    assert.ok(tables.includes('ws-room'), tables.join(', '));
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RehearsalReport;
    assert.deepEqual(report.leftBehind, { 'rehearsal-01': [], 'rehearsal-02': [], 'rehearsal-03': [] });
  });

  it("fills the room: each attendee's checkpoints, and the instructor's view ran on them", async () => {
    const items = (await local.clients.ddb.send(new ScanCommand({ TableName: 'ws-room' }))).Items ?? [];
    // the rehearsed attendees answer (WORKSHOP_EXERCISE_ANSWERS=mixed): a checkpoint of every section rehearsed
    // reaches the room, with its kernel's metered consumption (usage items)
    const finishing = ['00', '01', '02', '04', '06'].filter((nn) =>
      readFileSync(sectionNotebooks([nn])[0], 'utf8').includes('ws.sectionFinished('),
    );
    // sections rehearsed that hold a checkpoint (06 prices a workload since the cost lesson got one)
    const withCheckpoint = ['00', '01', '02', '04', '06']
      .filter((nn) => readFileSync(sectionNotebooks([nn])[0], 'utf8').includes('ws.checkpoint('))
      .map((nn) => String(Number(nn)));
    assert.ok(withCheckpoint.length >= 4, withCheckpoint.join(', '));
    for (const id of ['rehearsal-01', 'rehearsal-02', 'rehearsal-03']) {
      const mine = items.filter((i) => i.attendee?.S === id && i.room?.S === 'rehearsal-test');
      const checkpoints = mine.filter((i) => i.kind === undefined);
      assert.deepEqual(
        [...new Set(checkpoints.map((i) => i.section?.S))].sort(),
        withCheckpoint,
        `${id}: ${checkpoints.map((i) => i.checkpoint?.S).join(', ')}`,
      );
      assert.ok(
        mine.some((i) => i.kind?.S === 'usage' && Number(i.writeUnits?.N) > 0),
        `${id}: usage reported`,
      );
      // sections whose last cell calls ws.sectionFinished (the cell is appended to the section notebooks separately)
      const finished = mine.filter((i) => i.kind?.S === 'finished').map((i) => i.section?.S);
      for (const nn of finishing) assert.ok(finished.includes(nn), `${id} finished ${nn}`);
      assert.ok(mine.every((i) => i.PK?.S === `ATTENDEE#${id}#ROOM#rehearsal-test`));
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RehearsalReport;
    assert.equal(report.room?.viewOk, true);
    assert.match(report.room?.view ?? '', /^3 attendees, ([2-9]|\d\d+) checkpoints seen so far, \d+ stuck/);
    assert.match(
      report.room?.cost ?? '',
      /^Room cost so far \(estimate\): \$[\d.]+ for \d+ read and [1-9]\d* write request units/,
    );
    assert.ok(existsSync(join(out, 'instructor', 'room.ipynb')));
  });
});
