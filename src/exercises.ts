import { WorkshopError } from './errors';

/**
 * Checkpoint exercises. The attendee's answer starts as `undefined` (a TODO); until they fill it in, the check
 * cell proves the check itself against the reference solution, so a "Run all" never stops on an exercise and
 * the check cannot silently pass a wrong answer.
 */
export interface Checkpoint<T> {
  id: string;
  /** The attendee's answer; undefined while the exercise is not attempted. */
  attempt: T | undefined;
  reference: T;
  /** Problems with an answer; an empty list means it passes. */
  check: (answer: T) => string[] | Promise<string[]>;
  hint: string;
}

export interface CheckpointResult {
  id: string;
  attempted: boolean;
  passed: boolean;
  problems: string[];
}

/** Runs a checkpoint's check cell: prints ✓ / ○ and throws with the hint when an attempted answer is wrong. */
export async function checkpoint<T>(cp: Checkpoint<T>, log: (s: string) => void = console.log): Promise<void> {
  await evaluateCheckpoint(cp, log);
}

export async function evaluateCheckpoint<T>(
  cp: Checkpoint<T>,
  log: (s: string) => void = console.log,
): Promise<CheckpointResult> {
  if (cp.attempt === undefined) {
    const problems = await cp.check(cp.reference);
    if (problems.length > 0) {
      throw new Error(`Checkpoint ${cp.id}: the reference solution fails its own check: ${problems.join('; ')}`);
    }
    log(`○ ${cp.id}: not attempted yet. The reference solution passes this check; write your answer above and re-run.`);
    log(`  hint: ${cp.hint}`);
    return { id: cp.id, attempted: false, passed: false, problems: [] };
  }
  const problems = await cp.check(cp.attempt);
  if (problems.length > 0) {
    throw new WorkshopError(
      'CHECKPOINT_FAILED',
      `✗ ${cp.id}: not yet.\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      `hint: ${cp.hint}`,
    );
  }
  log(`✓ ${cp.id}: passed.`);
  return { id: cp.id, attempted: true, passed: true, problems };
}
