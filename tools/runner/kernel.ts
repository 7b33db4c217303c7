/**
 * Kernels through @jupyterlab/services: one SessionManager per server, one session per notebook (its path
 * relative to the server root, so the kernel's cwd is the notebook's folder), and execution of one cell with
 * a timeout, an interrupt on timeout and detection of a dying kernel.
 */
import { KernelManager, ServerConnection, SessionManager } from '@jupyterlab/services';
import type { Kernel, KernelMessage, Session } from '@jupyterlab/services';
import type { JupyterServer } from './server';
import type { JsonObject, KernelMsg } from './types';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000}s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface ExecuteHandlers {
  iopub(msg: KernelMsg): void;
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
    readonly session: Session.ISessionConnection,
    readonly kernel: Kernel.IKernelConnection,
    readonly languageInfo: JsonObject | undefined,
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
    let reply: KernelMsg | undefined;
    let onReply: () => void = () => {};
    const replied = new Promise<void>((r) => (onReply = r));
    future.onIOPub = (msg: KernelMessage.IIOPubMessage) => handlers.iopub(msg as unknown as KernelMsg);
    future.onReply = (msg: KernelMessage.IExecuteReplyMsg) => {
      reply = msg as unknown as KernelMsg;
      handlers.reply(reply);
      onReply();
    };
    const done = future.done.then(
      () => 'done' as const,
      () => 'done' as const, // disposed (kernel gone): handled through `dead`
    );
    let onDead: () => void = () => {};
    const died = new Promise<'dead'>((r) => (onDead = () => r('dead')));
    this.deadListeners.add(onDead);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      if (opts.timeoutMs !== undefined) timer = setTimeout(() => r('timeout'), opts.timeoutMs);
    });
    try {
      const first = await Promise.race([replied.then(() => 'reply' as const), died, timedOut]);
      if (first === 'dead') return { status: 'dead', reply };
      if (first === 'timeout') {
        await this.kernel.interrupt().catch(() => undefined);
        // let the interrupted cell report (tslab answers with an error and "Interrupted asynchronously")
        await Promise.race([done, died, sleep(opts.interruptGraceMs ?? 5000)]);
        return { status: 'timeout', reply };
      }
      // reply received: wait for the idle status (all outputs) like nbclient's iopub_timeout
      const after = await Promise.race([done, died, sleep(opts.iopubGraceMs ?? 4000).then(() => 'late' as const)]);
      if (after === 'dead') return { status: 'dead', reply };
      const status = (reply?.content?.status ?? 'error') as string;
      return { status: status === 'ok' || status === 'abort' ? status : 'error', reply };
    } finally {
      clearTimeout(timer);
      this.deadListeners.delete(onDead);
      if (!future.isDisposed) future.dispose();
    }
  }

  async shutdown(timeoutMs = 10000): Promise<void> {
    try {
      await withTimeout(this.session.shutdown(), timeoutMs, 'session shutdown');
    } catch {
      // the server's own shutdown stops whatever is left
    }
    if (!this.session.isDisposed) this.session.dispose();
  }
}

/** The @jupyterlab/services side of one Jupyter Server. */
export class KernelClient {
  private readonly kernelManager: KernelManager;
  private readonly sessionManager: SessionManager;

  constructor(server: JupyterServer) {
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: server.baseUrl,
      wsUrl: server.wsUrl,
      token: server.token,
      appendToken: true,
    });
    this.kernelManager = new KernelManager({ serverSettings });
    this.sessionManager = new SessionManager({ kernelManager: this.kernelManager, serverSettings });
  }

  /** Start a kernel for the notebook at `relPath` (relative to the server root); waits for kernel_info. */
  async startSession(relPath: string, kernelName: string, timeoutMs = 60000): Promise<KernelSession> {
    const name = relPath.split('/').pop() ?? relPath;
    const session = await withTimeout(
      this.sessionManager.startNew({ path: relPath, type: 'notebook', name, kernel: { name: kernelName } }),
      timeoutMs,
      `starting kernel "${kernelName}"`,
    );
    const kernel = session.kernel;
    if (!kernel) {
      await session.shutdown().catch(() => undefined);
      throw new Error(`the server started no kernel for ${relPath}`);
    }
    try {
      const info = await withTimeout(kernel.info, timeoutMs, `kernel "${kernelName}" kernel_info`);
      return new KernelSession(session, kernel, info.language_info as unknown as JsonObject | undefined);
    } catch (e) {
      await session.shutdown().catch(() => undefined);
      throw e;
    }
  }

  dispose(): void {
    this.sessionManager.dispose();
    this.kernelManager.dispose();
  }
}
