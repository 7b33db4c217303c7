/**
 * Table operations at room scale. AWS runs about 500 simultaneous table operations per account (250 while tables
 * with indexes are being created), then answers LimitExceededException: 200 attendees creating their tables and
 * GSIs in the same minute can meet it. The workshop's CreateTable / UpdateTable / DeleteTable calls wait and retry,
 * saying so in the cell, instead of failing the room's first cell.
 */
import { backoffDelay } from './batch';
import { WorkshopError } from './errors';

export interface ControlPlaneRetryOptions {
  /** tries in all (default 8: about two minutes of waiting at most) */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: (line: string) => void;
}

function errName(err: unknown): string {
  return (err as { name?: string } | undefined)?.name ?? '';
}

export async function withControlPlaneRetry<T>(
  what: string,
  call: () => Promise<T>,
  options: ControlPlaneRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  const base = options.baseMs ?? 2_000;
  const max = options.maxMs ?? 30_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = options.log ?? console.log;
  for (let round = 0; ; round++) {
    try {
      return await call();
    } catch (err) {
      if (errName(err) !== 'LimitExceededException') throw err;
      if (round + 1 >= attempts) {
        throw new WorkshopError(
          'CONTROL_PLANE_BUSY',
          `${what}: AWS still refuses after ${attempts} tries — too many table operations at once in this account (LimitExceededException).`,
          'wait a minute and re-run this cell; instructors: stagger the room (half starts 00_setup now, half in two minutes)',
          { cause: err },
        );
      }
      // at least the base: full jitter alone could retry at once into the same crowd
      const ms = Math.max(base, backoffDelay(round + 1, base, max, options.random));
      log(
        `${what}: AWS is busy with other table operations in this account (LimitExceededException); ` +
          `retrying in ${Math.round(ms / 1000)} s (${round + 1}/${attempts - 1})`,
      );
      await sleep(ms);
    }
  }
}
