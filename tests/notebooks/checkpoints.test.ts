// Checkpoints as an attendee meets them: copies of notebooks 01, 02, 03 and 05 with wrong, malformed and stale answers
// (the exercise cell failed after a good run), run through the headless runner against a DynamoDB Local of this
// test's own. The feedback must be visible as a short ✗ block, with no stack frame and no failing check cell. The
// full 03 run also checks the fan-out read (exactly the newest events written) and that the fan-out latency
// lines say what the chart shows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTable } from '../../src/table';
import { startTestLocal, type TestLocal } from '../helpers/local';
import { runNotebooks } from '../../tools/runner/index';
import type { Cell, CodeCell, Notebook, Output, Summary } from '../../tools/runner/index';

const repo = path.resolve(__dirname, '..', '..');
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
const ATTENDEE = 'ckpt';

const read = (name: string): Notebook => JSON.parse(fs.readFileSync(path.join(repo, 'notebooks', name), 'utf8')) as Notebook;
const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const lines = (s: string) => s.split(/(?<=\n)/);
const isCode = (c: Cell): c is CodeCell => c.cell_type === 'code';
const textOf = (o: Output): string =>
  o.output_type === 'stream'
    ? Array.isArray(o.text)
      ? o.text.join('')
      : o.text
    : o.output_type === 'error'
      ? `${o.ename}: ${o.evalue}\n${o.traceback.join('\n')}`
      : JSON.stringify(o.data);
const cellText = (c: CodeCell) => c.outputs.map(textOf).join('');

function exerciseIndex(nb: Notebook, variable: string): number {
  const i = nb.cells.findIndex((c) => isCode(c) && new RegExp(`const ${variable}\\b`).test(src(c)));
  assert.ok(i >= 0, `exercise cell declaring ${variable}`);
  return i;
}
function withAnswer(nb: Notebook, variable: string, code: string): Notebook {
  const copy = structuredClone(nb);
  copy.cells[exerciseIndex(copy, variable)].source = lines(code);
  return copy;
}
function checkCell(nb: Notebook): CodeCell {
  const c = nb.cells.find((x) => isCode(x) && /ws\.checkpoint\(/.test(src(x)));
  assert.ok(c && isCode(c), 'a check cell');
  return c;
}

const ORDERS_IMPORT = "import { QueryCommandInput } from '@aws-sdk/lib-dynamodb';\n";
const ORDERS_DECL = 'const myOrdersNewestFirst: ((tableName: string, userId: string) => QueryCommandInput) | undefined =';
const answer01 = (body: string) =>
  `${ORDERS_IMPORT}${ORDERS_DECL} (tableName, userId) => ({\n  TableName: tableName,\n${body}\n});`;

// 02: the reference design's keys, written out as an attendee would; `ordering` is the customer query's last line.
const LATEST = "KeyConditionExpression: 'PK = :pk AND begins_with(SK, :c)'";
const LATEST_TYPO = "KeyConditionExpresion: 'PK = :pk AND begins_with(SK, :c)'";
const answer02 = (ordering: string) =>
  "import type { TicketDesign } from './solutions/02_single_table';\n" +
  'const myDesign: TicketDesign | undefined = {\n' +
  '  ticketKeys: (t) => ({\n' +
  '    PK: `TICKET#${t.ticketId}`, SK: `TICKET#${t.ticketId}`, GSI1PK: `CUSTOMER#${t.customerId}`, GSI1SK: `${t.created}#${t.ticketId}`,\n' +
  '  }),\n' +
  '  commentKeys: (c) => ({ PK: `TICKET#${c.ticketId}`, SK: `COMMENT#${c.created}#${c.commentId}` }),\n' +
  '  ticketWithComments: (tableName, ticketId) => ({\n' +
  "    TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}` },\n" +
  '  }),\n' +
  '  customerTickets: (tableName, customerId) => ({\n' +
  "    TableName: tableName, IndexName: ws.GSI1, KeyConditionExpression: 'GSI1PK = :c',\n" +
  "    ExpressionAttributeValues: { ':c': `CUSTOMER#${customerId}` },\n" +
  `${ordering}\n` +
  '  }),\n' +
  '  latestComment: (tableName, ticketId) => ({\n' +
  `    TableName: tableName, ${LATEST},\n` +
  "    ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}`, ':c': 'COMMENT#' }, ScanIndexForward: false, Limit: 1,\n" +
  '  }),\n' +
  '};';
/** 02's setup, GSI1, exercise and check cells: what its checkpoint needs. */
function trimmed02(nb: Notebook): Notebook {
  const keep = nb.cells.filter((c) => isCode(c) && /ws\.loadConfig|ws\.ensureGsi|const myDesign|ws\.checkpoint\(/.test(src(c)));
  assert.equal(keep.length, 4, 'the cells 02 check needs');
  return { ...nb, cells: keep };
}
const ANSWER05_DECL =
  "import type { ObservabilityAnswer } from './solutions/05_observability';\nconst myAnswer: ObservabilityAnswer | undefined = ";

const variants: Record<string, () => Notebook> = {
  // valid but wrong: the whole collection, oldest first
  '01_wrong.ipynb': () =>
    withAnswer(
      read('01_fundamentals.ipynb'),
      'myOrdersNewestFirst',
      answer01("  KeyConditionExpression: 'PK = :pk',\n  ExpressionAttributeValues: { ':pk': ws.userPk(userId) },"),
    ),
  // malformed: a typo in a parameter name (TypeScript lets it through, the SDK drops it)
  '01_typo.ipynb': () =>
    withAnswer(
      read('01_fundamentals.ipynb'),
      'myOrdersNewestFirst',
      answer01(
        "  KeyConditionExpresion: 'PK = :pk AND begins_with(SK, :o)',\n  ExpressionAttributeValues: { ':pk': ws.userPk(userId), ':o': 'ORDER#' },\n  ScanIndexForward: false,",
      ),
    ),
  // malformed: a filter on the sort key (DynamoDB answers ValidationException)
  '01_filter.ipynb': () =>
    withAnswer(
      read('01_fundamentals.ipynb'),
      'myOrdersNewestFirst',
      answer01(
        "  KeyConditionExpression: 'PK = :pk',\n  FilterExpression: 'begins_with(SK, :o)',\n  ExpressionAttributeValues: { ':pk': ws.userPk(userId), ':o': 'ORDER#' },",
      ),
    ),
  // stale: a good run of the exercise cell, then an edit that does not compile, then the check
  '01_stale.ipynb': () => {
    const nb = withAnswer(
      read('01_fundamentals.ipynb'),
      'myOrdersNewestFirst',
      answer01("  KeyConditionExpression: 'PK = :pk',\n  ExpressionAttributeValues: { ':pk': ws.userPk(userId) },"),
    );
    const i = exerciseIndex(nb, 'myOrdersNewestFirst');
    const broken: CodeCell = {
      cell_type: 'code',
      id: 'stale-edit',
      metadata: { tags: ['raises-exception'] },
      source: lines(`${ORDERS_IMPORT}${ORDERS_DECL} (tableName, userId) => ({ TableName: tableName, Limit: 'ten' });`),
      outputs: [],
      execution_count: null,
    };
    nb.cells.splice(i + 1, 0, broken);
    return nb;
  },
  '01_untouched.ipynb': () => read('01_fundamentals.ipynb'),
  // 02 wrong: a customer's tickets oldest first (no ScanIndexForward: false). 02 trimmed to what its check needs (its
  // demonstration of the request AWS rejects prints a ValidationException on purpose).
  '02_wrong.ipynb': () => trimmed02(withAnswer(read('02_single_table.ipynb'), 'myDesign', answer02(''))),
  // 02 malformed: a misspelt parameter in one of the three Query inputs
  '02_typo.ipynb': () =>
    trimmed02(
      withAnswer(read('02_single_table.ipynb'), 'myDesign', answer02('  ScanIndexForward: false,').replace(LATEST, LATEST_TYPO)),
    ),
  // 03 unattempted, trimmed to what its check needs: setup, emulator, exercise, check
  '03_untouched_check.ipynb': () => {
    const nb = read('03_hot_partitions.ipynb');
    const keep = nb.cells.filter(
      (c) => isCode(c) && /ws\.loadConfig|ws\.emulateThrottling|const myKeys|ws\.checkpoint\(/.test(src(c)),
    );
    assert.equal(keep.length, 4, 'the cells 03 check needs');
    return { ...nb, cells: keep };
  },
  // 03 in full, with a wrong answer: orders written to 8 shards, readKeys() lists 4
  '03_wrong.ipynb': () =>
    withAnswer(
      read('03_hot_partitions.ipynb'),
      'myKeys',
      "import type { DailyOrdersKeys } from './solutions/03_hot_partitions';\n" +
        'const myKeys: DailyOrdersKeys | undefined = {\n' +
        "  writeKey: (orderId) => ws.shardedPk('ORDERS#2025-09-28', ws.hashShard(orderId, 8)),\n" +
        "  readKeys: () => ws.allShardPks('ORDERS#2025-09-28', 4),\n" +
        '};',
    ),
  // 05 wrong: a shard instead of the hot key, and the table's series instead of the GSI's
  '05_wrong.ipynb': () =>
    withAnswer(
      read('05_observability.ipynb'),
      'myAnswer',
      `${ANSWER05_DECL}{\n  hottestKey: 'TENANT#globex#EVENTS#S0',\n  reason: 'none',\n  gsiWriteThrottles: {\n` +
        "    Id: 'wte',\n    MetricStat: {\n      Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'WriteThrottleEvents', " +
        "Dimensions: [{ Name: 'TableName', Value: TABLE }] },\n      Period: 60,\n      Stat: 'Sum',\n    },\n  },\n};",
    ),
  // 05 malformed: the right key and reason, and a query that is not a MetricDataQuery
  '05_malformed.ipynb': () =>
    withAnswer(
      read('05_observability.ipynb'),
      'myAnswer',
      `${ANSWER05_DECL}{\n  hottestKey: rec.topKeys({ by: 'throttled', n: 1 })[0].partitionKey,\n` +
        "  reason: rec.topKeys({ by: 'throttled', n: 1 })[0].topReason,\n  gsiWriteThrottles: { Id: 'GSI wte' },\n};",
    ),
};

let t: TestLocal;
let dir: string;
let summary: Summary;
const out: Record<string, Notebook> = {};

before(async () => {
  t = await startTestLocal(ATTENDEE);
  await ensureTable(t.clients);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-ckpt-'));
  // The copies import what the committed notebooks import, laid out the same way, with src/ compiled here: the test
  // checks the sources as they are, whatever state (or rebuild in progress) the shared dist/ is in.
  const tsc = spawnSync(
    process.execPath,
    [
      path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      path.join(repo, 'tsconfig.build.json'),
      '--outDir',
      path.join(dir, 'dist'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, `compiling src/: ${tsc.stdout}${tsc.stderr}`);
  fs.symlinkSync(path.join(dir, 'dist'), path.join(dir, 'workshop'));
  for (const d of ['solutions', 'checks']) fs.cpSync(path.join(repo, 'notebooks', d), path.join(dir, d), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [name, make] of Object.entries(variants)) {
    fs.writeFileSync(path.join(dir, name), `${JSON.stringify(make(), null, 1)}\n`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATTENDEE_ID: ATTENDEE,
    WORKSHOP_TARGET: 'local',
    DDB_LOCAL_PORT: String(t.local.port),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.DDB_ENDPOINT;
  const log: string[] = [];
  summary = await runNotebooks({
    paths: Object.keys(variants).map((n) => path.join(dir, n)),
    outputDir: path.join(dir, 'out'),
    venv,
    timeout: 300,
    env,
    log: (l) => log.push(l),
    printSummary: false,
  });
  for (const name of Object.keys(variants)) {
    const file = path.join(dir, 'out', name);
    if (fs.existsSync(file)) out[name] = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  }
  if (!summary.ok) console.log(log.join('\n'));
});

after(async () => {
  await t?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('checkpoints in the room', { timeout: 15 * 60_000 }, () => {
  it('every copy runs with no failing check cell (a wrong answer is feedback, not an error)', () => {
    const failed = summary.notebooks.filter((n) => !n.ok).map((n) => n.path);
    assert.deepEqual(failed, []);
  });

  it('no stack frame, no SDK error dump, no error output anywhere', () => {
    for (const [name, nb] of Object.entries(out)) {
      for (const c of nb.cells.filter(isCode)) {
        if (c.id === 'stale-edit') continue; // the attendee's own compile error: tslab's one-line diagnostic
        for (const o of c.outputs) {
          assert.notEqual(o.output_type, 'error', `${name}: an error output in ${src(c).slice(0, 60)}`);
          assert.doesNotMatch(textOf(o), /^ {4}at /m, `${name}: a stack frame`);
          assert.doesNotMatch(textOf(o), /\$metadata|ValidationException/, `${name}: an SDK error dump`);
        }
      }
    }
  });

  const feedback = (name: string) => {
    const nb = out[name];
    assert.ok(nb, `${name} ran`);
    const c = checkCell(nb);
    assert.ok(
      c.outputs.every((o) => o.output_type === 'stream' && o.name === 'stdout'),
      `${name}: feedback on stdout`,
    );
    return cellText(c);
  };

  it('a wrong answer: ✗, what was wrong, the hint — without the expected answer', () => {
    const text = feedback('01_wrong.ipynb');
    assert.match(text, /^✗ 1 · orders only, newest first: not yet\n/);
    assert.match(text, /also holds PROFILE#u123/);
    assert.match(text, /oldest first/);
    assert.match(text, /\n {2}hint: /);
    assert.doesNotMatch(text, /expected|ORDER#20250928#o2.*ORDER#20250927#o1/);
    assert.ok(text.trim().split('\n').length <= 6, text);
  });

  it('a misspelt parameter: named, with the right spelling', () => {
    const text = feedback('01_typo.ipynb');
    assert.match(text, /^✗ /);
    assert.match(text, /KeyConditionExpresion \(did you mean KeyConditionExpression\?\)/);
    assert.match(text, /hint: /);
  });

  it("a request DynamoDB rejects: its complaint in one line, and the check's hint", () => {
    const text = feedback('01_filter.ipynb');
    assert.match(text, /^✗ /);
    assert.match(text, /FilterExpression cannot use the key attribute SK/);
    assert.match(text, /hint: /);
    assert.ok(text.trim().split('\n').length <= 4, text);
  });

  it('the exercise cell failed after a good run: the check says so instead of grading the older answer', () => {
    const text = feedback('01_stale.ipynb');
    assert.match(text, /^✗ 1 · orders only, newest first: your exercise cell \(myOrdersNewestFirst\) stopped on an error/);
    assert.doesNotMatch(text, /PROFILE#u123|oldest first|hint/);
  });

  it('not attempted: one ○ line, no hint, no measurements of the reference shown as "your" numbers', () => {
    for (const name of ['01_untouched.ipynb', '03_untouched_check.ipynb']) {
      const text = feedback(name);
      assert.match(text, /^○ .*: not attempted yet/, name);
      assert.doesNotMatch(text, /hint|your keys/i, name);
      assert.equal(text.trim().split('\n').length, 1, `${name}: ${text}`);
    }
  });

  it("03 with a wrong answer: ✗, the orders readKeys() misses, the attendee's own measurements", () => {
    const text = feedback('03_wrong.ipynb');
    assert.match(text, /^✗ 3 · spread a hot daily key: not yet\n/);
    assert.match(text, /orders go to keys readKeys\(\) does not list/);
    assert.match(text, /your keys: \d+ throttled/);
    assert.match(text, /hint: /);
  });

  it('02 with a wrong answer: ✗, the question it got wrong, the hint', () => {
    const text = feedback('02_wrong.ipynb');
    assert.match(text, /^✗ 2 · help-desk keys: not yet\n/);
    assert.match(text, /Q2 \(customer chk-c1's tickets, newest first\) returned \["chk-t1","chk-t2"\]/);
    assert.doesNotMatch(text, /Q1|Q3/);
    assert.match(text, /\n {2}hint: /);
  });

  it('02 with a misspelt parameter in one query: that question named, the others still asked', () => {
    const text = feedback('02_typo.ipynb');
    assert.match(text, /^✗ /);
    assert.match(text, /Q3: .*KeyConditionExpresion \(did you mean KeyConditionExpression\?\)/);
    assert.doesNotMatch(text, /Q1|Q2/);
  });

  it("05 with a wrong answer: ✗, the key is not the hottest, the GSI's dimension is missing", () => {
    const text = feedback('05_wrong.ipynb');
    assert.match(text, /^✗ 5 · the hot key, its reason, and its CloudWatch series: not yet\n/);
    assert.match(text, /hottestKey "TENANT#globex#EVENTS#S0" is not the key with the most throttle events/);
    assert.match(text, /dimension GlobalSecondaryIndexName is missing/);
    assert.match(text, /\n {2}hint: /);
  });

  it('05 with a malformed query: what is wrong with it, nothing about the right key and reason', () => {
    const text = feedback('05_malformed.ipynb');
    assert.match(text, /^✗ /);
    assert.match(text, /Id "GSI wte" is not valid/);
    assert.match(text, /MetricStat\.Metric is missing/);
    assert.doesNotMatch(text, /hottestKey|reason "/);
  });

  it("03's fan-out read is exactly the newest 50 events written (every shard read)", () => {
    const nb = out['03_wrong.ipynb'];
    const c = nb.cells.filter(isCode).find((x) => /limit: 50/.test(src(x)));
    assert.ok(c, 'the fan-out read cell');
    assert.match(cellText(c), /fetched 50 events across 8 shards/);
    const checked = nb.cells.filter(isCode).find((x) => /checkNewestRead\(/.test(src(x)));
    assert.ok(checked, 'the cell checking the read against what was written');
    assert.match(cellText(checked), /✓ exactly the newest 50 of the \d+ events written, newest first/);
  });

  it("03's latency lines say what the chart shows", () => {
    const nb = out['03_wrong.ipynb'];
    const c = nb.cells.filter(isCode).find((x) => /fanoutLatencyChart/.test(src(x)));
    assert.ok(c, 'the latency cell');
    const chart = c.outputs.find((o) => o.output_type === 'display_data');
    assert.ok(chart && chart.output_type === 'display_data', 'a chart');
    const spec = chart.data['application/vnd.vegalite.v5+json'] as {
      data: { values: { shards: number; mode: string; ms: number }[] };
    };
    const printed = c.outputs
      .filter((o) => o.output_type === 'stream')
      .map(textOf)
      .join('');
    const said = [...printed.matchAll(/^(\d+) shards?: parallel ([\d.]+) ms, sequential ([\d.]+) ms — (.*)$/gm)];
    assert.equal(said.length, 4, printed);
    for (const [, shards, p, s, verdict] of said) {
      const at = (mode: string) => spec.data.values.find((v) => v.shards === Number(shards) && v.mode === mode)?.ms;
      const par = at('parallel');
      const seq = at('sequential');
      assert.ok(par !== undefined && seq !== undefined, `chart values for ${shards} shards`);
      assert.equal(par.toFixed(1), p);
      assert.equal(seq.toFixed(1), s);
      if (/parallel .* faster/.test(verdict)) assert.ok(par < seq, verdict);
      else if (/sequential .* faster/.test(verdict)) assert.ok(seq < par, verdict);
      else assert.match(verdict, /the same within noise|one Query either way: noise/);
    }
  });
});
