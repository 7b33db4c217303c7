import { workshopEnv } from './config';
import { inTslab } from './display';
import { WorkshopError } from './errors';
import { recordCheckpoint } from './room/room';

/**
 * Checkpoint exercises. The attendee's answer starts as `undefined` (a TODO); until they fill it in, the check
 * cell proves the check itself against the reference solution, so a "Run all" never stops on an exercise and
 * the check cannot silently pass a wrong answer.
 *
 * What the room sees is a short block on stdout: `✓` passed, `○` not attempted, `✗` not yet (what was wrong, then the
 * one hint). A wrong or malformed answer does not fail the cell: it is feedback, not a crash. tslab prints a thrown
 * value with its stack and own properties (an SDK error's `$metadata`), and a failed cell makes Jupyter abort the
 * cells queued after it; a ✗ line is what the attendee needs. Only a reference that fails its own check (a bug in
 * the workshop) throws.
 */
export interface CheckContext {
  /** True for the attendee's answer; false while the check proves itself on the reference. */
  attempted: boolean;
  /** A line shown under the result of an attempt (e.g. "your keys: 3 throttled"); not shown for the reference. */
  note(line: string): void;
}

export interface Checkpoint<T> {
  id: string;
  /** The attendee's answer; undefined while the exercise is not attempted. */
  attempt: T | undefined;
  reference: T;
  /** Problems with an answer; an empty list means it passes. May throw: a thrown error is a problem too. */
  check: (answer: T, ctx: CheckContext) => string[] | Promise<string[]>;
  /** Shown only after a failed attempt. Guides; does not give the answer away. */
  hint: string;
  /**
   * The variable the exercise cell declares. Default: read from the check cell (`attempt: myAnswer`). Used to tell
   * when the exercise cell's latest run failed (e.g. did not compile), so the answer in memory is a stale one.
   */
  answerVariable?: string;
}

export type CheckpointStatus = 'not-attempted' | 'passed' | 'failed' | 'exercise-cell-failed';

export interface CheckpointResult {
  id: string;
  status: CheckpointStatus;
  attempted: boolean;
  passed: boolean;
  problems: string[];
  notes: string[];
}

export interface EvaluateOptions {
  log?: (s: string) => void;
  /** The kernel's cell runs, oldest first, the running check cell last (default: what the recorder saw). */
  cellRuns?: readonly CellRun[];
}

/**
 * Runs a checkpoint's check cell: prints ✓ / ○ / ✗, and with WORKSHOP_ROOM set shares an attempt's result with the
 * instructor's room view (never the reference's). Returns nothing, so tslab prints no value after the block.
 */
export async function checkpoint<T>(
  cp: Checkpoint<T>,
  log: (s: string) => void = console.log,
  env: Record<string, string | undefined> = workshopEnv(),
): Promise<void> {
  const mode = rehearsalAnswerMode(env);
  if (mode && cp.attempt === undefined && exerciseCellState(cellRuns(), cp.answerVariable) !== 'failed') {
    await rehearsedCheckpoint(cp, mode, env.ATTENDEE_ID ?? '', log);
    return;
  }
  const result = await evaluateCheckpoint(cp, { log });
  if (result.status !== 'not-attempted') await recordCheckpoint(cp.id, result.status, { log });
}

// ---------------------------------------------------------------------------------------------------------------
// Rehearsed attendees answer (tools/rehearse.ts sets WORKSHOP_EXERCISE_ANSWERS; an attendee never does): an exercise
// left unanswered is answered by the simulated attendee — with the reference solution, a wrong answer, or a mix in
// which some attendees fail first (or stay stuck) — so the rehearsal fills the room with every checkpoint.

export type RehearsalAnswerMode = 'reference' | 'wrong' | 'mixed';
/** One simulated attempt: the reference solution (checked for real), or a wrong answer (a simulated ✗). */
export type RehearsedAttempt = 'reference' | 'wrong';

/** WORKSHOP_EXERCISE_ANSWERS: undefined unless a rehearsal set it. */
export function rehearsalAnswerMode(env: Record<string, string | undefined>): RehearsalAnswerMode | undefined {
  const raw = (env.WORKSHOP_EXERCISE_ANSWERS ?? '').trim().toLowerCase();
  if (!raw) return undefined;
  if (raw === 'reference' || raw === 'wrong' || raw === 'mixed') return raw;
  throw new WorkshopError(
    'EXERCISE_ANSWERS_INVALID',
    `WORKSHOP_EXERCISE_ANSWERS="${raw}" is not reference, wrong or mixed.`,
    'unset it: it is for rehearsals only (npm run rehearse -- --answers mixed)',
  );
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The attempts a simulated attendee makes at a checkpoint, in order (pure, the same every run). 'mixed': per
 * attendee and checkpoint, 6 in 10 pass at once, 2 fail once first, 1 fails twice first, 1 fails three times and
 * stays stuck.
 */
export function rehearsedAttempts(mode: RehearsalAnswerMode, attendeeId: string, checkpointId: string): RehearsedAttempt[] {
  if (mode === 'reference') return ['reference'];
  if (mode === 'wrong') return ['wrong'];
  const bucket = hash(`${attendeeId}\u0000${checkpointId}`) % 10;
  if (bucket < 6) return ['reference'];
  if (bucket < 8) return ['wrong', 'reference'];
  if (bucket < 9) return ['wrong', 'wrong', 'reference'];
  return ['wrong', 'wrong', 'wrong'];
}

export const SIMULATED_WRONG_ANSWER = '(rehearsal) a simulated wrong answer';

async function rehearsedCheckpoint<T>(
  cp: Checkpoint<T>,
  mode: RehearsalAnswerMode,
  attendeeId: string,
  log: (s: string) => void,
): Promise<void> {
  log(`(rehearsal: WORKSHOP_EXERCISE_ANSWERS=${mode}: the simulated attendee answers ${cp.id})`);
  for (const attempt of rehearsedAttempts(mode, attendeeId, cp.id)) {
    let status: CheckpointStatus;
    if (attempt === 'reference') {
      // the reference solution as the attendee's answer: the real check, as an attempt
      status = (await evaluateCheckpoint({ ...cp, attempt: cp.reference }, { log, cellRuns: [] })).status;
    } else {
      // no made-up value of T is run through the check (it could do anything): the failure is simulated
      log([`✗ ${cp.id}: not yet`, `  - ${SIMULATED_WRONG_ANSWER}`, `  hint: ${cp.hint}`].join('\n'));
      status = 'failed';
    }
    if (status !== 'not-attempted') await recordCheckpoint(cp.id, status, { log });
  }
}

export async function evaluateCheckpoint<T>(cp: Checkpoint<T>, options: EvaluateOptions = {}): Promise<CheckpointResult> {
  const log = options.log ?? console.log;
  const runs = options.cellRuns ?? cellRuns();
  const result = (status: CheckpointStatus, problems: string[] = [], notes: string[] = []): CheckpointResult => ({
    id: cp.id,
    status,
    attempted: status !== 'not-attempted',
    passed: status === 'passed',
    problems,
    notes,
  });

  if (exerciseCellState(runs, cp.answerVariable) === 'failed') {
    const name = cp.answerVariable ?? answerVariableOf(runs[runs.length - 1]?.code ?? '');
    log(
      `✗ ${cp.id}: your exercise cell (${name}) stopped on an error — see the message under it.\n` +
        '  Fix it and run it again, then run this check. Nothing was graded: the answer in memory is an older one.',
    );
    return result('exercise-cell-failed');
  }

  if (cp.attempt === undefined) {
    const problems = await cp.check(cp.reference, { attempted: false, note: () => {} });
    if (problems.length > 0) {
      throw new WorkshopError(
        'CHECKPOINT_REFERENCE_FAILS',
        `Checkpoint ${cp.id}: the reference solution fails its own check: ${problems.join('; ')}`,
        'the reference in notebooks/solutions/ and the check in notebooks/checks/ disagree: fix the one that is wrong',
      );
    }
    log(`○ ${cp.id}: not attempted yet — write your answer in the cell above, run it, then run this cell.`);
    return result('not-attempted');
  }

  const notes: string[] = [];
  let problems: string[];
  try {
    problems = await cp.check(cp.attempt, { attempted: true, note: (line) => notes.push(line) });
  } catch (err) {
    problems = [describeCheckError(err)];
  }
  if (problems.length === 0) {
    log([`✓ ${cp.id}: passed`, ...notes.map((n) => `  ${n}`)].join('\n'));
    return result('passed', problems, notes);
  }
  log(
    [`✗ ${cp.id}: not yet`, ...problems.map((p) => `  - ${p}`), ...notes.map((n) => `  ${n}`), `  hint: ${cp.hint}`].join('\n'),
  );
  return result('failed', problems, notes);
}

// ---------------------------------------------------------------------------------------------------------------
// Did the exercise cell's latest run succeed? Only the kernel knows: a cell that fails to compile runs none of its
// code, so no marker it would set can tell. The recorder wraps the step of tslab's handler that runs one cell.

/** One cell execution: its source and whether it ran without error (undefined while it runs). */
export interface CellRun {
  code: string;
  ok?: boolean;
}

const MAX_RUNS = 500;
const RUNS_KEY = Symbol.for('ddb-workshop.cellRuns');
const WRAPPED = Symbol.for('ddb-workshop.cellRunRecorder');
const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** The identifier passed as `attempt:` in a check cell (`attempt: myKeys,`), or undefined (e.g. `config.name`). */
export function answerVariableOf(checkCellCode: string): string | undefined {
  const m = /\battempt\s*:\s*([A-Za-z_$][\w$]*)\s*(?=[,}\n])/.exec(checkCellCode);
  return m ? m[1] : undefined;
}

function declares(code: string, name: string): boolean {
  const escaped = name.replace(/\$/g, '\\$');
  return new RegExp(`\\b(?:const|let|var)\\s+${escaped}(?![\\w$])`).test(code);
}

/**
 * 'failed' when the latest run of the cell declaring the answer variable failed; 'ran' when it succeeded (or is the
 * running cell itself); 'unknown' without a record of it (the recorder started later, or no variable to look for).
 * The last run is the running check cell.
 */
export function exerciseCellState(runs: readonly CellRun[], answerVariable?: string): 'ran' | 'failed' | 'unknown' {
  if (runs.length === 0) return 'unknown';
  const name = answerVariable ?? answerVariableOf(runs[runs.length - 1].code);
  if (!name) return 'unknown';
  for (let i = runs.length - 1; i >= 0; i--) {
    if (!declares(runs[i].code, name)) continue;
    return runs[i].ok === false ? 'failed' : 'ran';
  }
  return 'unknown';
}

type ExecuteImpl = (this: unknown, req: { code?: unknown }, ...rest: unknown[]) => Promise<unknown>;

/**
 * Wraps `handleExecuteImpl` on a handler prototype (tslab 1.0.22's `JupyterHandlerImpl`, which runs one cell and
 * throws when it fails) so that each run is appended to `runs`. Idempotent; false when there is nothing to wrap.
 */
export function recordCellRuns(proto: object, runs: CellRun[]): boolean {
  const target = proto as { handleExecuteImpl?: unknown; [WRAPPED]?: boolean };
  if (target[WRAPPED]) return true;
  const original = target.handleExecuteImpl;
  if (typeof original !== 'function') return false;
  const impl = original as ExecuteImpl;
  const wrapped: ExecuteImpl = async function (this: unknown, req, ...rest) {
    const run: CellRun = { code: typeof req?.code === 'string' ? req.code : '' };
    runs.push(run);
    if (runs.length > MAX_RUNS) runs.splice(0, runs.length - MAX_RUNS);
    try {
      const value = await impl.call(this, req, ...rest);
      run.ok = true;
      return value;
    } catch (err) {
      run.ok = false;
      throw err;
    }
  };
  target.handleExecuteImpl = wrapped;
  target[WRAPPED] = true;
  return true;
}

/** The runs the recorder saw in this kernel (shared through globalThis, should two copies of this module load). */
export function cellRuns(): CellRun[] {
  const g = globalThis as { [RUNS_KEY]?: CellRun[] };
  if (!g[RUNS_KEY]) g[RUNS_KEY] = [];
  return g[RUNS_KEY];
}

/** Starts recording cell runs when running in a tslab kernel; false outside one (or if tslab's internals moved). */
export function installCellRunRecorder(): boolean {
  if (!inTslab()) return false;
  for (const key of Object.keys(require.cache)) {
    if (!JUPYTER_MODULE.test(key)) continue;
    const handler = (require.cache[key]?.exports as { JupyterHandlerImpl?: { prototype: object } } | undefined)
      ?.JupyterHandlerImpl;
    if (handler && recordCellRuns(handler.prototype, cellRuns())) return true;
  }
  return false;
}

// Notebooks import this module in their first cell, before any exercise cell runs.
installCellRunRecorder();

// ---------------------------------------------------------------------------------------------------------------
// Feedback for an answer that throws: one line that says what was wrong, not the SDK's dump.

function firstLine(s: string): string {
  const line = (s.split('\n')[0] || '').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

const DYNAMODB_MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [
    /KeyConditions or KeyConditionExpression parameter must be specified|KeyConditionExpression are null|KeyConditionExpression must be specified/i,
    () => 'the request has no KeyConditionExpression: a Query needs one (check the spelling of the parameter names)',
  ],
  [
    /Filter Expression can only contain non-primary key attributes: Primary key attribute: ([\w.-]+)/i,
    (m) => `a FilterExpression cannot use the key attribute ${m[1]}: conditions on the keys belong in the key condition`,
  ],
  [
    /expression attribute value used in expression is not defined; attribute value: (:[\w-]+)/i,
    (m) => `the expression uses ${m[1]}, but ExpressionAttributeValues does not define it`,
  ],
  [
    /expression attribute name used in expression is not defined; attribute name: (#[\w-]+)/i,
    (m) => `the expression uses ${m[1]}, but ExpressionAttributeNames does not define it`,
  ],
  [
    /Value provided in ExpressionAttributeValues unused in expressions: keys: \{\s*([^}]*)\}/i,
    (m) => `ExpressionAttributeValues defines ${m[1].trim()}, which no expression uses`,
  ],
  [
    /Value provided in ExpressionAttributeNames unused in expressions: keys: \{\s*([^}]*)\}/i,
    (m) => `ExpressionAttributeNames defines ${m[1].trim()}, which no expression uses`,
  ],
  [
    /Query key condition not supported/i,
    () => 'this key condition is not supported: the partition key takes =, the sort key one of = < <= > >= BETWEEN begins_with',
  ],
  [/Invalid (\w+Expression): Syntax error; token: "([^"]*)"/i, (m) => `syntax error in the ${m[1]} near "${m[2]}"`],
  [/Requested resource not found/i, () => 'DynamoDB found no such table or index: check TableName and IndexName'],
];

/** A DynamoDB (SDK) error carries `$metadata`; anything else thrown by a check comes from the answer's own code. */
function isServiceError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && '$metadata' in err;
}

/** One line for a check that threw: DynamoDB's complaint in plain words, or what the answer's code threw. */
export function describeCheckError(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  if (isServiceError(err)) {
    for (const [pattern, say] of DYNAMODB_MESSAGES) {
      const m = pattern.exec(message);
      if (m) return `DynamoDB rejected the request: ${say(m)}`;
    }
    return `DynamoDB rejected the request: ${name}: ${firstLine(message)}`;
  }
  return `your answer threw ${name}: ${firstLine(message)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Query inputs: TypeScript does not catch a misspelt parameter in an object literal an arrow function returns, and
// the SDK drops unknown members without a word — so say which name is not a Query parameter.

const QUERY_PARAMETERS = [
  'TableName',
  'IndexName',
  'Select',
  'AttributesToGet',
  'Limit',
  'ConsistentRead',
  'KeyConditions',
  'QueryFilter',
  'ConditionalOperator',
  'ScanIndexForward',
  'ExclusiveStartKey',
  'ReturnConsumedCapacity',
  'ProjectionExpression',
  'FilterExpression',
  'KeyConditionExpression',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** Problems with the shape of a Query input: not an object, or parameter names the Query API does not have. */
export function queryInputProblems(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [`the answer is not a Query input object (got ${input === null ? 'null' : typeof input})`];
  }
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (QUERY_PARAMETERS.includes(key)) continue;
    const near = QUERY_PARAMETERS.map((p) => ({ p, d: editDistance(key.toLowerCase(), p.toLowerCase()) })).sort(
      (x, y) => x.d - y.d,
    )[0];
    problems.push(
      `unknown Query parameter ${key}${near && near.d <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean ${near.p}?)` : ''}`,
    );
  }
  return problems;
}
