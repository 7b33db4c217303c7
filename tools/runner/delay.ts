/**
 * Timers for races. A plain `sleep` left pending after the race is decided keeps Node's event loop alive
 * (a 4–8 s grace timer would hold a finished run open): `delay` can be cleared once it lost.
 */

export interface Delay<T> {
  promise: Promise<T>;
  clear(): void;
}

export function delay<T>(ms: number, value: T): Delay<T> {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<T>((r) => {
    timer = setTimeout(() => r(value), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/** Race `p` against a timer; the timer is cleared whichever wins. */
export async function raceDelay<T, U>(p: Promise<T>, ms: number, value: U): Promise<T | U> {
  const d = delay(ms, value);
  try {
    return await Promise.race([p, d.promise]);
  } finally {
    d.clear();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const since = (t: number) => (performance.now() - t) / 1000;
