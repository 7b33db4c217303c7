// Checkpoints as the room sees them: a short ✓ / ○ / ✗ block on stdout, never a stack trace, the hint only after a
// failed attempt, and no grading of a stale answer when the exercise cell's last run failed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  answerVariableOf,
  type CellRun,
  type Checkpoint,
  describeCheckError,
  evaluateCheckpoint,
  exerciseCellState,
  queryInputProblems,
  recordCellRuns,
  checkpoint,
  rehearsalAnswerMode,
  rehearsedAttempts,
  SIMULATED_WRONG_ANSWER,
} from '../../src/exercises';

const HINT = 'constrain the sort key in the key condition';

function capture(): { lines: string[]; log: (s: string) => void; text: () => string } {
  const lines: string[] = [];
  return { lines, log: (s) => lines.push(s), text: () => lines.join('\n') };
}

function cp(attempt: number | undefined, check: Checkpoint<number>['check']): Checkpoint<number> {
  return { id: 'n · a number', attempt, reference: 42, hint: HINT, check };
}

// What the AWS SDK throws for a malformed Query: a long message, $metadata, a deep stack.
function validationException(message: string): Error {
  const err = new Error(message) as Error & Record<string, unknown>;
  err.name = 'ValidationException';
  err.$fault = 'client';
  err.$metadata = { httpStatusCode: 400, requestId: 'abc', attempts: 1, totalRetryDelay: 0 };
  err.stack = `ValidationException: ${message}\n    at ProtocolLib.getErrorSchemaOrThrowBaseException (x.js:79:67)\n    at async y.js:1:1`;
  return err;
}

describe('evaluateCheckpoint', () => {
  it('not attempted: proves the check on the reference, prints one ○ line, no hint, no notes', async () => {
    const out = capture();
    let sawReference = false;
    const r = await evaluateCheckpoint(
      cp(undefined, (n, ctx) => {
        sawReference = n === 42 && !ctx.attempted;
        ctx.note(`your keys: ${n}`);
        return [];
      }),
      { log: out.log, cellRuns: [] },
    );
    assert.equal(r.status, 'not-attempted');
    assert.ok(sawReference, 'the check ran on the reference with attempted=false');
    assert.match(out.text(), /^○ n · a number: not attempted yet/);
    assert.doesNotMatch(out.text(), /hint/i, 'the hint is shown only after a failed attempt');
    assert.doesNotMatch(out.text(), /your keys/, "the reference's measurements are not shown as the attendee's");
  });

  it('a reference that fails its own check is a workshop bug: it throws', async () => {
    await assert.rejects(
      evaluateCheckpoint(
        cp(undefined, () => ['broken']),
        { log: () => {}, cellRuns: [] },
      ),
      /reference solution fails its own check: broken/,
    );
  });

  it('a wrong answer: a ✗ block with what was wrong and the one hint, no throw', async () => {
    const out = capture();
    const r = await evaluateCheckpoint(
      cp(7, (n) => (n === 42 ? [] : ['the orders come back oldest first'])),
      { log: out.log, cellRuns: [] },
    );
    assert.equal(r.status, 'failed');
    assert.equal(out.text(), `✗ n · a number: not yet\n  - the orders come back oldest first\n  hint: ${HINT}`);
  });

  it('a right answer: ✓ and the notes the check recorded', async () => {
    const out = capture();
    const r = await evaluateCheckpoint(
      cp(42, (_n, ctx) => {
        ctx.note('your keys: 0 throttled');
        return [];
      }),
      { log: out.log, cellRuns: [] },
    );
    assert.equal(r.status, 'passed');
    assert.equal(out.text(), '✓ n · a number: passed\n  your keys: 0 throttled');
  });

  it('an answer DynamoDB rejects: one line saying why, the hint, no stack and no $metadata', async () => {
    const out = capture();
    const r = await evaluateCheckpoint(
      cp(7, () => {
        throw validationException('Filter Expression can only contain non-primary key attributes: Primary key attribute: SK');
      }),
      { log: out.log, cellRuns: [] },
    );
    assert.equal(r.status, 'failed');
    const text = out.text();
    assert.match(text, /^✗ n · a number: not yet\n {2}- .*FilterExpression.*SK.*key condition/);
    assert.match(text, /\n {2}hint: /);
    assert.doesNotMatch(text, /^\s+at /m);
    assert.doesNotMatch(text, /\$metadata|requestId|ProtocolLib/);
    assert.ok(out.lines.length <= 4, text);
  });

  it('an answer that throws (not DynamoDB): says the answer threw, no stack', async () => {
    const out = capture();
    await evaluateCheckpoint(
      cp(7, () => {
        throw new TypeError("Cannot read properties of undefined (reading 'map')");
      }),
      { log: out.log, cellRuns: [] },
    );
    assert.match(out.text(), /- your answer threw TypeError: Cannot read properties of undefined \(reading 'map'\)/);
    assert.doesNotMatch(out.text(), /^\s+at /m);
  });

  it("the exercise cell's last run failed: says so and grades nothing", async () => {
    const out = capture();
    let graded = false;
    const runs: CellRun[] = [
      { code: 'const myAnswer: number | undefined = 7;', ok: true },
      { code: 'const myAnswer: number | undefined = 7 +;', ok: false },
      { code: 'await ws.checkpoint({\n  id: "n",\n  attempt: myAnswer,\n  reference: 42,\n})' },
    ];
    const r = await evaluateCheckpoint(
      cp(7, () => {
        graded = true;
        return ['wrong'];
      }),
      { log: out.log, cellRuns: runs },
    );
    assert.equal(r.status, 'exercise-cell-failed');
    assert.equal(graded, false);
    assert.match(out.text(), /^✗ n · a number: your exercise cell \(myAnswer\) stopped on an error/);
    assert.match(out.text(), /nothing was graded/i);
    assert.doesNotMatch(out.text(), /hint/);
  });

  it('the exercise cell failed, then ran again without error: graded as usual', async () => {
    const out = capture();
    const runs: CellRun[] = [
      { code: 'const myAnswer = 7 +;', ok: false },
      { code: 'const myAnswer: number | undefined = 42;', ok: true },
      { code: 'await ws.checkpoint({ attempt: myAnswer })' },
    ];
    const r = await evaluateCheckpoint(
      cp(42, () => []),
      { log: out.log, cellRuns: runs },
    );
    assert.equal(r.status, 'passed');
  });
});

describe('exerciseCellState', () => {
  const check = 'await ws.checkpoint({\n  id: "x",\n  attempt: myKeys,\n  reference: dailyOrdersKeys,\n});';
  it('reads the answer variable from the check cell', () => {
    assert.equal(answerVariableOf(check), 'myKeys');
    assert.equal(answerVariableOf('ws.checkpoint({ attempt: config.tableName, reference: x })'), undefined);
    assert.equal(answerVariableOf('nothing here'), undefined);
  });
  it('failed when the latest run of the cell declaring it failed; ran otherwise; unknown without history', () => {
    const decl = (ok: boolean): CellRun => ({ code: 'import { X } from "./s";\nconst myKeys: X | undefined = undefined;', ok });
    assert.equal(exerciseCellState([decl(true), { code: check }]), 'ran');
    assert.equal(exerciseCellState([decl(true), decl(false), { code: 'console.log(1)', ok: true }, { code: check }]), 'failed');
    assert.equal(exerciseCellState([decl(false), decl(true), { code: check }]), 'ran');
    assert.equal(exerciseCellState([{ code: check }]), 'unknown', 'the exercise ran before the recorder: grade it');
    assert.equal(exerciseCellState([]), 'unknown');
    // a variable whose name merely starts the same is another variable
    assert.equal(exerciseCellState([{ code: 'const myKeysOld = 1;', ok: false }, { code: check }]), 'unknown');
    // the explicit name wins over the check cell's text
    assert.equal(exerciseCellState([{ code: 'let other = 1', ok: false }, { code: check }], 'other'), 'failed');
  });
});

describe('recordCellRuns', () => {
  it("wraps a tslab-like handler's execute step: each cell's code and whether it ran", async () => {
    class Handler {
      async handleExecuteImpl(req: { code: string }): Promise<string> {
        if (req.code.includes('+;')) throw new Error('compile error');
        return 'count';
      }
    }
    const runs: CellRun[] = [];
    assert.equal(recordCellRuns(Handler.prototype, runs), true);
    assert.equal(recordCellRuns(Handler.prototype, runs), true, 'idempotent');
    const h = new Handler();
    assert.equal(await h.handleExecuteImpl({ code: 'const a = 1;' }), 'count');
    await assert.rejects(h.handleExecuteImpl({ code: 'const a = 1 +;' }));
    assert.deepEqual(runs, [
      { code: 'const a = 1;', ok: true },
      { code: 'const a = 1 +;', ok: false },
    ]);
    assert.equal(recordCellRuns({}, runs), false, 'nothing to wrap');
  });
});

describe('describeCheckError', () => {
  const cases: [string, RegExp][] = [
    [
      'ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null',
      /no KeyConditionExpression/,
    ],
    [
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
      /no KeyConditionExpression/,
    ],
    [
      'Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :prefix',
      /:prefix.*ExpressionAttributeValues/,
    ],
    ['Value provided in ExpressionAttributeValues unused in expressions: keys: {:order}', /:order.*no expression uses/],
    ['Query key condition not supported', /key condition/],
  ];
  for (const [message, want] of cases) {
    it(message.slice(0, 60), () => {
      const d = describeCheckError(validationException(message));
      assert.match(d, want);
      assert.doesNotMatch(d, /\n/);
    });
  }
  it('keeps an unknown DynamoDB error to its first line', () => {
    const d = describeCheckError(validationException('Something odd\nsecond line'));
    assert.equal(d, 'DynamoDB rejected the request: ValidationException: Something odd');
  });
});

describe('queryInputProblems', () => {
  it('names a misspelt parameter and suggests the right one', () => {
    assert.deepEqual(queryInputProblems({ TableName: 't', KeyConditionExpresion: 'PK = :pk', ExpressionAttributeValues: {} }), [
      'unknown Query parameter KeyConditionExpresion (did you mean KeyConditionExpression?)',
    ]);
    assert.deepEqual(queryInputProblems({ TableName: 't', KeyConditionExpression: 'PK = :pk', ScanIndexForward: false }), []);
    assert.deepEqual(queryInputProblems(undefined), ['the answer is not a Query input object (got undefined)']);
  });
});

describe('rehearsed attendees answer (WORKSHOP_EXERCISE_ANSWERS, set only by the rehearsal)', () => {
  const cp: Checkpoint<number> = {
    id: '3 · shards',
    attempt: undefined,
    reference: 4,
    hint: 'more shards',
    check: (n) => (n === 4 ? [] : ['not 4']),
  };

  it('unset: an unanswered exercise stays "not attempted"; a bad mode is refused with what to do', async () => {
    assert.equal(rehearsalAnswerMode({}), undefined);
    assert.throws(
      () => rehearsalAnswerMode({ WORKSHOP_EXERCISE_ANSWERS: 'all' }),
      /not reference, wrong or mixed[\s\S]*unset it/,
    );
    const c = capture();
    await checkpoint(cp, c.log, { ATTENDEE_ID: 'r1' });
    assert.match(c.text(), /○ 3 · shards: not attempted yet/);
  });

  it('reference: the reference answer is checked as an attempt (✓); wrong: a simulated ✗ with the hint', async () => {
    const ok = capture();
    await checkpoint(cp, ok.log, { ATTENDEE_ID: 'r1', WORKSHOP_EXERCISE_ANSWERS: 'reference' });
    assert.match(ok.text(), /✓ 3 · shards: passed/);
    const bad = capture();
    await checkpoint(cp, bad.log, { ATTENDEE_ID: 'r1', WORKSHOP_EXERCISE_ANSWERS: 'wrong' });
    assert.match(
      bad.text(),
      new RegExp(`✗ 3 · shards: not yet[\\s\\S]*${SIMULATED_WRONG_ANSWER.replace(/[()]/g, '\\$&')}[\\s\\S]*hint: more shards`),
    );
    // an answer the attendee gave is graded as always, whatever the mode
    const own = capture();
    await checkpoint({ ...cp, attempt: 3 }, own.log, { ATTENDEE_ID: 'r1', WORKSHOP_EXERCISE_ANSWERS: 'reference' });
    assert.match(own.text(), /✗ 3 · shards: not yet\n {2}- not 4/);
  });

  it('mixed: the same plan every run; most pass at once, some fail first, about one in ten stays stuck', () => {
    const plans = Array.from({ length: 200 }, (_, i) => rehearsedAttempts('mixed', `rehearsal-${i}`, '1 · q').join(','));
    assert.deepEqual(
      plans,
      Array.from({ length: 200 }, (_, i) => rehearsedAttempts('mixed', `rehearsal-${i}`, '1 · q').join(',')),
    );
    const count = (p: string) => plans.filter((x) => x === p).length;
    assert.ok(count('reference') > 90 && count('reference') < 150, `pass at once: ${count('reference')}`);
    assert.ok(count('wrong,reference') > 20, 'fail once, then pass');
    assert.ok(count('wrong,wrong,reference') > 5, 'fail twice, then pass');
    assert.ok(count('wrong,wrong,wrong') > 5, 'stuck: three failures');
    assert.deepEqual(rehearsedAttempts('reference', 'x', 'y'), ['reference']);
    assert.deepEqual(rehearsedAttempts('wrong', 'x', 'y'), ['wrong']);
  });
});
