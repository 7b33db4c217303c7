/**
 * Process-wide registry of things to stop (the Jupyter Server, its kernels) so every exit path — normal end,
 * failure, SIGINT/SIGTERM, uncaught exception — can stop them. `runCleanups` is idempotent per entry.
 */

export interface Stoppable {
  /** graceful, asynchronous stop */
  stop(): Promise<void>;
  /** last resort when only synchronous code can run (process 'exit') */
  killSync(): void;
}

const registry = new Set<Stoppable>();

export function registerCleanup(item: Stoppable): () => void {
  registry.add(item);
  return () => registry.delete(item);
}

/** Stop everything registered, most recent first (kernel connections before the server), each at most once; never throws. */
export async function runCleanups(): Promise<void> {
  const items = [...registry].reverse();
  for (const item of items) {
    if (stopping.has(item)) continue;
    stopping.add(item);
    await item.stop().catch(() => undefined);
    // dropped only once stopped: a second Ctrl-C meanwhile still finds it for killAllSync
    registry.delete(item);
    stopping.delete(item);
  }
}

const stopping = new Set<Stoppable>();

export function killAllSync(): void {
  for (const i of registry) {
    try {
      i.killSync();
    } catch {
      // nothing more can be done synchronously
    }
  }
  registry.clear();
}

export function pendingCleanups(): number {
  return registry.size;
}
