/**
 * The workshop's clock: real time in JupyterLab (the wait is the lesson there), virtual time in headless runs and
 * rehearsals (WORKSHOP_CLOCK=virtual), where the throttling emulator's windows, the batch re-drive's backoff and the
 * SDK's retry delays advance simulated time instead of waiting it out.
 */
import { MAXIMUM_RETRY_DELAY, Retry, StandardRetryStrategy } from '@smithy/core/retry';

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

/**
 * Simulated time that runs with real time and skips the waits: `now()` is the real time plus every wait skipped so
 * far. Work in progress (`busy`: the clients' HTTP requests, marked by createClients) runs in real time; when nothing
 * is in progress and every task is asleep, the clock jumps to the earliest sleeper's deadline and wakes it (sleepers
 * with one deadline wake together, in the order they slept).
 *
 * Why a scheduler rather than "each sleep advances the clock by its own ms": four writers backing off 500 ms at once
 * would move a per-sleep clock 2 s while real writers wait 0.5 s, so the emulator's 1 s windows would see a quarter
 * of the requests per second the real run sends, and throttle less. Jumping only when every task waits keeps
 * concurrent waits overlapping as they do in real time, and a request's own latency counted as it is. A sleep whose
 * deadline comes while a request is in progress is woken by a real timer, as on the real clock, so a virtual run is
 * never slower than a real one (a request that never answers delays nothing but itself).
 */
export interface VirtualClock extends WorkshopClock {
  readonly kind: 'virtual';
  /** Milliseconds of waiting skipped so far. */
  skippedMs(): number;
  /** Runs `work` as work in progress: the clock does not jump while any is running. */
  busy<T>(work: () => Promise<T>): Promise<T>;
  /** Runs `work` (a wait inside work in progress, e.g. the SDK's retry delay) as not in progress. */
  idle<T>(work: () => Promise<T>): Promise<T>;
}

interface Sleeper {
  deadline: number;
  seq: number;
  wake: () => void;
}

export function createVirtualClock(realNow: () => number = Date.now): VirtualClock {
  let offset = 0;
  let inProgress = 0;
  let seq = 0;
  const sleepers: Sleeper[] = []; // by deadline, then by order of sleeping
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let checkQueued = false;
  const now = () => realNow() + offset;

  const remove = (s: Sleeper) => {
    const i = sleepers.indexOf(s);
    if (i >= 0) sleepers.splice(i, 1);
  };
  /** Wakes every sleeper whose deadline has come, earliest first. */
  const wakeDue = () => {
    const t = now();
    while (sleepers.length > 0 && sleepers[0].deadline <= t) sleepers.shift()?.wake();
    armTimer();
  };
  /** A real timer for the earliest deadline: it wakes sleepers on time while the clock cannot jump. */
  const armTimer = () => {
    const next = sleepers[0]?.deadline ?? Number.POSITIVE_INFINITY;
    if (next === timerAt) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        wakeDue();
      },
      Math.max(0, next - now()),
    );
  };
  /**
   * After the current turn of the event loop (the tasks just woken or answered have run their synchronous steps and
   * promise continuations, so they are asleep again or have started a request): jump when nothing is in progress.
   */
  const queueCheck = () => {
    if (checkQueued) return;
    checkQueued = true;
    setImmediate(() => {
      checkQueued = false;
      if (inProgress > 0 || sleepers.length === 0) return;
      const gap = sleepers[0].deadline - now();
      if (gap > 0) offset += gap;
      wakeDue();
      if (sleepers.length > 0) queueCheck();
    });
  };

  return {
    kind: 'virtual',
    now,
    skippedMs: () => offset,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const s: Sleeper = { deadline: now() + Math.max(0, ms), seq: seq++, wake: () => finish() };
        const onAbort = () => {
          remove(s);
          armTimer();
          finish();
          queueCheck();
        };
        function finish(): void {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        let i = sleepers.length;
        while (i > 0 && sleepers[i - 1].deadline > s.deadline) i--;
        sleepers.splice(i, 0, s);
        armTimer();
        queueCheck();
      }),
    busy: async (work) => {
      inProgress++;
      try {
        return await work();
      } finally {
        inProgress--;
        queueCheck();
      }
    },
    idle: async (work) => {
      inProgress--;
      queueCheck();
      try {
        return await work();
      } finally {
        inProgress++;
      }
    },
  };
}

export function isVirtualClock(clock: WorkshopClock | undefined): clock is VirtualClock {
  return clock?.kind === 'virtual' && typeof (clock as VirtualClock).busy === 'function';
}

/** The clock a kernel uses, from its environment (WORKSHOP_CLOCK): real unless a headless run asked otherwise. */
export function clockFor(env: Record<string, string | undefined> = process.env): WorkshopClock {
  const kind = (env.WORKSHOP_CLOCK ?? '').trim().toLowerCase();
  if (kind === '' || kind === 'real') return REAL_CLOCK;
  if (kind === 'virtual') return createVirtualClock();
  throw new Error(`WORKSHOP_CLOCK=${env.WORKSHOP_CLOCK} is not a clock: use "real" (the default) or "virtual"`);
}

// The clock of a client (a DynamoDBClient or DocumentClient made by createClients), for helpers that take only a
// client: batchWriteAll's backoff and runWriteWorkload's timing run on it.
const clocks = new WeakMap<object, WorkshopClock>();

export function attachClock(clock: WorkshopClock, ...clients: object[]): void {
  for (const c of clients) clocks.set(c, clock);
}

/** The clock createClients gave this client; the real clock for any other. */
export function clockOf(client: object | undefined): WorkshopClock {
  return (client && clocks.get(client)) || REAL_CLOCK;
}

type RetryToken = Awaited<ReturnType<StandardRetryStrategy['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

/** What the DynamoDB client gives its standard retry strategy (client-dynamodb: defaultMaxAttempts 4, base 25 ms). */
export const DYNAMODB_RETRY = { maxAttempts: 4, baseDelayMs: 25 } as const;

export interface ClockRetryOptions {
  /** the client's resolved max attempts (DynamoDBClient: `client.config.maxAttempts`); default 4, DynamoDB's */
  maxAttempts?: number | (() => Promise<number>);
  /** base of the backoff for errors other than throttling (throttling: the SDK's 1 s); default 25 ms, DynamoDB's */
  baseDelayMs?: number;
  random?: () => number;
}

/**
 * The SDK's standard retry strategy (its retry decisions and retry quota, and the same full-jitter backoff: the
 * client's base, 1 s for throttling, capped at 20 s) with the delay slept on `clock`. The standard strategy sleeps
 * inside refreshRetryTokenForRetry with setTimeout; here its backoff computes 0, and the delay, computed as the
 * standard backoff does, is slept on the clock, outside the request's work in progress.
 */
export function clockRetryStrategy(
  clock: VirtualClock,
  options: ClockRetryOptions = {},
): {
  mode: string;
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
} {
  const baseDelay = options.baseDelayMs ?? DYNAMODB_RETRY.baseDelayMs;
  const given = options.maxAttempts ?? DYNAMODB_RETRY.maxAttempts;
  const random = options.random ?? Math.random;
  let inner: Promise<StandardRetryStrategy> | undefined;
  const strategy = () =>
    (inner ??= (async () =>
      new StandardRetryStrategy({
        maxAttempts: typeof given === 'number' ? given : await given(),
        baseDelay,
        backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined },
      }))());
  let ready: StandardRetryStrategy | undefined;
  return {
    mode: 'standard',
    acquireInitialRetryToken: async (scope) => {
      ready = await strategy();
      return ready.acquireInitialRetryToken(scope);
    },
    recordSuccess: (token) => ready?.recordSuccess(token),
    refreshRetryTokenForRetry: async (token, errorInfo) => {
      const retries = token.getRetryCount();
      const next = await (await strategy()).refreshRetryTokenForRetry(token, errorInfo); // throws when no retry is allowed
      const base = errorInfo.errorType === 'THROTTLING' ? Retry.throttlingDelay() : baseDelay;
      const delay = Math.floor(random() * Math.min(base * 2 ** retries, MAXIMUM_RETRY_DELAY));
      await clock.idle(() => clock.sleep(delay));
      const log = (next as { $retryLog?: { acquisitionDelay: number } }).$retryLog;
      if (log) log.acquisitionDelay = delay;
      return next;
    },
  };
}
