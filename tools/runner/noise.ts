/**
 * @jupyterlab/services was written for the browser console: it logs every websocket it opens, every kernel
 * status change and every reconnect attempt, and a kernel that dies (auto-restart → reconnect) or a connection
 * disposed while reconnecting leaves a rejected promise nobody awaits. This module keeps that noise out of the
 * runner's log and tells the CLI's unhandledRejection handler which rejections are harmless.
 */

const QUIET: Record<'debug' | 'warn' | 'log', RegExp> = {
  debug: /^(Starting WebSocket: |Kernel: )/,
  warn: /^Connection lost, reconnecting in /,
  log: /^Server selected unknown kernel wire protocol/,
};

let installed = false;

/** Drop the library's own chatter from console.debug / console.warn / console.log (idempotent). */
export function quietServicesConsole(): void {
  if (installed) return;
  installed = true;
  for (const level of Object.keys(QUIET) as (keyof typeof QUIET)[]) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && QUIET[level].test(args[0])) return;
      original(...args);
    };
  }
}

/** Rejections @jupyterlab/services leaves unhandled when a kernel dies or a connection is disposed. */
export function isServicesNoise(reason: unknown): boolean {
  const message = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  return /^(Kernel connection disconnected|Canceled future for .* before replies were done|Poll \(.*\) is disposed\.?|Kernel connection is disposed)$/.test(
    message,
  );
}
