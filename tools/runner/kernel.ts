/**
 * Kernels through @jupyterlab/services: one session per notebook (its path relative to the server root, so the
 * kernel's cwd is the notebook's folder), and execution of one cell with a timeout, an interrupt on timeout and
 * detection of a dying kernel.
 *
 * Uses the REST helpers (SessionAPI) and a bare KernelConnection rather than SessionManager/KernelManager:
 * the managers poll the server in the background, and a poll in flight when they are disposed rejects with
 * "Poll … is disposed" as an unhandled rejection.
 */
import { KernelConnection, ServerConnection, SessionAPI } from '@jupyterlab/services';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { delay, raceDelay } from './delay';
import { quietServicesConsole } from './noise';
import type { JupyterServer } from './server';
import type { JsonObject, KernelMsg } from './types';

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const r = await raceDelay(p, ms, TIMED_OUT);
  if (r === TIMED_OUT) throw new Error(`${what} timed out after ${ms / 1000}s`);
  return r as T;
}

export interface ExecuteHandlers {
  /** return true for the message that completes the cell (its `idle` status) */
  iopub(msg: KernelMsg): boolean;
  reply(msg: KernelMsg): void;
}

export interface ExecuteOutcome {
  /** reply status, or what happened instead of a reply */
  status: 'ok' | 'error' | 'abort' | 'timeout' | 'dead';
  reply?: KernelMsg;
}

export class KernelSession {
  private dead = false;
  private deadListeners = new Set<() => void>();

  constructor(
    private readonly sessionId: string,
    readonly kernel: Kernel.IKernelConnection,
    readonly languageInfo: JsonObject | undefined,
    private readonly settings: ServerConnection.ISettings,
    private readonly onClosed: () => void = () => {},
  ) {
    kernel.statusChanged.connect((_, status) => {
      if (status === 'dead' || status === 'autorestarting' || status === 'restarting') this.markDead();
    });
  }

  private markDead() {
    this.dead = true;
    for (const l of this.deadListeners) l();
  }

  /**
   * Execute one cell. Resolves after the reply and the idle status (nbclient waits for both; for idle at most
   * `iopubGraceMs` after the reply), or on timeout (after interrupting the kernel and waiting `interruptGraceMs`
   * for the interrupted cell's reply and output), or when the kernel dies.
   */
  async execute(
    code: string,
    handlers: ExecuteHandlers,
    opts: { timeoutMs?: number; stopOnError: boolean; iopubGraceMs?: number; interruptGraceMs?: number },
  ): Promise<ExecuteOutcome> {
    if (this.dead) return { status: 'dead' };
    const future = this.kernel.requestExecute({
      code,
      silent: false,
      store_history: true,
      allow_stdin: false,
      stop_on_error: opts.stopOnError,
    });
    const msgId = future.msg.header.msg_id;
    let reply: KernelMsg | undefined;
    let gotIdle = false;
    let onReply: () => void = () => {};
    let onIdle: () => void = () => {};
    const replied = new Promise<'reply'>((r) => (onReply = () => r('reply')));
    const idle = new Promise<'idle'>((r) => (onIdle = () => r('idle')));
    // The raw iopub stream, not future.onIOPub: the future only sees what @jupyterlab/services routes to it,
    // and it re-routes display_id messages (an update_display_data goes to the futures of the cells that
    // created the display, not to the running cell) — nbclient sees every message with this cell's parent.
    const onIopub = (_: unknown, msg: KernelMessage.IIOPubMessage) => {
      if (gotIdle || (msg.parent_header as { msg_id?: string })?.msg_id !== msgId) return;
      if (handlers.iopub(msg as unknown as KernelMsg)) {
        gotIdle = true;
        onIdle();
      }
    };
    this.kernel.iopubMessage.connect(onIopub);
    future.onReply = (msg: KernelMessage.IExecuteReplyMsg) => {
      reply = msg as unknown as KernelMsg;
      handlers.reply(reply);
      onReply();
    };
    future.done.catch(() => undefined); // disposal rejects it; the outcome comes from reply/idle/dead
    let onDead: () => void = () => {};
    const died = new Promise<'dead'>((r) => (onDead = () => r('dead')));
    this.deadListeners.add(onDead);
    const timer = opts.timeoutMs !== undefined ? delay(opts.timeoutMs, 'timeout' as const) : undefined;
    const timedOut = timer ? timer.promise : new Promise<'timeout'>(() => {});
    const bothDone = Promise.all([replied, idle]).then(() => 'done' as const);
    try {
      const first = await Promise.race([replied, died, timedOut]);
      if (first === 'dead') return { status: 'dead', reply };
      if (first === 'timeout') {
        await this.kernel.interrupt().catch(() => undefined);
        // let the interrupted cell report (tslab answers with an error and "Interrupted asynchronously")
        await raceDelay(Promise.race([bothDone, died]), opts.interruptGraceMs ?? 5000, 'late');
        return { status: 'timeout', reply };
      }
      // reply received: wait for the idle status (all outputs), at most nbclient's iopub_timeout
      const after = await raceDelay(Promise.race([idle, died]), opts.iopubGraceMs ?? 4000, 'late' as const);
      if (after === 'dead') return { status: 'dead', reply };
      const status = (reply?.content?.status ?? 'error') as string;
      return { status: status === 'ok' || status === 'abort' ? status : 'error', reply };
    } finally {
      timer?.clear();
      this.deadListeners.delete(onDead);
      this.kernel.iopubMessage.disconnect(onIopub);
      if (!future.isDisposed) future.dispose();
    }
  }

  /** Delete the session (the server shuts the kernel down) and close the connection. */
  async shutdown(timeoutMs = 10000): Promise<void> {
    this.deadListeners.clear();
    // close our websocket first: no reconnect attempts while the kernel goes away
    if (!this.kernel.isDisposed) this.kernel.dispose();
    try {
      await withTimeout(SessionAPI.shutdownSession(this.sessionId, this.settings), timeoutMs, 'session shutdown');
    } catch {
      // the server's own shutdown stops whatever is left
    }
    this.onClosed();
  }
}

/** A kernel started ahead belongs to one notebook of one lane (two lanes may run the same notebook). */
function aheadKey(relPath: string, kernelName: string, lane: string): string {
  return `${lane}\u0000${kernelName}\u0000${relPath}`;
}

/** The @jupyterlab/services side of one Jupyter Server. */
export class KernelClient {
  private readonly settings: ServerConnection.ISettings;
  private readonly open = new Set<KernelSession>();
  private readonly closing = new Set<Promise<void>>();
  /** kernels started ahead of their notebook, by kernel name + path */
  private readonly ahead = new Map<string, Promise<KernelSession>>();

  constructor(server: JupyterServer) {
    quietServicesConsole();
    this.settings = ServerConnection.makeSettings({
      baseUrl: server.baseUrl,
      wsUrl: server.wsUrl,
      token: server.token,
      appendToken: true,
    });
  }

  /**
   * Start the kernel of a notebook that runs later, while the current one runs, so that kernel start-up leaves the
   * critical path; `startSession` for the same notebook then returns it. With `warmCode` (the notebook's first code
   * cell) the kernel is also sent a complete_request for it: nothing runs (no execution count, no output), but tslab
   * loads and type-checks the program once, which is most of a first cell's time. `lane` names the sequence the
   * notebook belongs to (tools/runner/lanes.ts): only that lane's `startSession` takes the kernel.
   */
  startAhead(relPath: string, kernelName: string, warmCode: string | undefined, timeoutMs = 60000, lane = ''): void {
    const key = aheadKey(relPath, kernelName, lane);
    if (this.ahead.has(key)) return;
    const started = this.startNew(relPath, kernelName, timeoutMs).then(async (session) => {
      if (warmCode !== undefined && warmCode.trim() !== '') {
        const warm = session.kernel.requestComplete({ code: warmCode, cursor_pos: warmCode.length });
        // a warm-up that fails or takes too long only costs its time: the cell compiles when it runs
        await withTimeout(warm, timeoutMs, 'warm-up').catch(() => undefined);
      }
      return session;
    });
    started.catch(() => undefined); // reported when the notebook asks for its kernel
    this.ahead.set(key, started);
  }

  /**
   * The kernel for the notebook at `relPath` (relative to the server root): the one started ahead for it, else a new
   * one. Waits for kernel_info. A kernel started ahead that failed is started again once, now on the critical path.
   */
  async startSession(relPath: string, kernelName: string, timeoutMs = 60000, lane = ''): Promise<KernelSession> {
    const key = aheadKey(relPath, kernelName, lane);
    const started = this.ahead.get(key);
    if (started) {
      this.ahead.delete(key);
      const session = await started.catch(() => undefined);
      if (session) return session;
    }
    return this.startNew(relPath, kernelName, timeoutMs);
  }

  private async startNew(relPath: string, kernelName: string, timeoutMs: number): Promise<KernelSession> {
    const name = relPath.split('/').pop() ?? relPath;
    const model = await withTimeout(
      SessionAPI.startSession({ path: relPath, type: 'notebook', name, kernel: { name: kernelName } }, this.settings),
      timeoutMs,
      `starting kernel "${kernelName}"`,
    );
    const deleteSession = () => SessionAPI.shutdownSession(model.id, this.settings).catch(() => undefined);
    if (!model.kernel) {
      await deleteSession();
      throw new Error(`the server started no kernel for ${relPath}`);
    }
    const kernel = new KernelConnection({ model: model.kernel, serverSettings: this.settings, handleComms: false });
    try {
      const info = await withTimeout(kernel.info, timeoutMs, `kernel "${kernelName}" kernel_info`);
      const session: KernelSession = new KernelSession(
        model.id,
        kernel,
        info.language_info as unknown as JsonObject | undefined,
        this.settings,
        () => this.open.delete(session),
      );
      this.open.add(session);
      return session;
    } catch (e) {
      kernel.dispose();
      await deleteSession();
      throw e;
    }
  }

  /**
   * Shut a session down in the background, so the next notebook's kernel starts meanwhile (a kernel with
   * pending timers ignores shutdown_request: the server waits shutdown_wait_time/2 = 2.5 s, then SIGTERMs it).
   */
  release(session: KernelSession): void {
    const p = session.shutdown().finally(() => this.closing.delete(p));
    this.closing.add(p);
  }

  /** Shut down kernels started ahead and never asked for, then wait for background shutdowns (bounded). */
  async drain(): Promise<void> {
    const unused = [...this.ahead.values()];
    this.ahead.clear();
    for (const session of await Promise.all(unused.map((p) => p.catch(() => undefined)))) {
      if (session) this.release(session);
    }
    await Promise.all([...this.closing]);
  }

  /** Close every kernel connection still open (the server shutdown stops the kernels themselves). */
  dispose(): void {
    for (const s of this.open) if (!s.kernel.isDisposed) s.kernel.dispose();
    this.open.clear();
  }
}
