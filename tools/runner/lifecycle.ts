/**
 * How a command built on the runner ends (tools/run-notebooks.ts, tools/rehearse.ts): on every path — normal end,
 * failure, SIGINT/SIGTERM/SIGHUP, a closed stdout, a launcher gone, an uncaught exception — everything registered
 * with `registerCleanup` (servers, kernels, engines) is stopped, in order; a second interruption kills it all at
 * once.
 *
 * Exit status: 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP; 143 too when a launcher such as npx is gone),
 * 141 stdout closed (`… | head`).
 */
import { killAllSync, runCleanups } from './cleanup';
import { describeProc, watchLaunchers } from './launchers';
import { isServicesNoise } from './noise';

let exiting = false;

/** Stop everything registered, then leave: @jupyterlab/services keeps the event loop alive otherwise. */
export async function shutdownAndExit(code: number): Promise<never> {
  if (!exiting) {
    exiting = true;
    // never hang on the way out
    setTimeout(() => {
      killAllSync();
      process.exit(code);
    }, 20000).unref();
    await runCleanups();
  }
  process.exit(code);
}

/** A stream the command may still write to: not closed by its reader (EPIPE) or destroyed. */
function writable(stream: NodeJS.WriteStream): boolean {
  return !stream.destroyed && stream.writable;
}

/** Install the handlers; `tool` names the command in its messages (`run-notebooks: stdout closed (EPIPE)…`). */
export function installExitHandlers(tool: string): void {
  /** A signal, a closed stdout or a vanished launcher: stop in order; a second one kills everything at once. */
  const interrupt = (why: string, code: number): void => {
    if (exiting) {
      // second interruption: no more waiting
      killAllSync();
      process.exit(code);
    }
    if (writable(process.stderr)) process.stderr.write(`\n${why}: stopping the Jupyter Server and kernels…\n`);
    void shutdownAndExit(code);
  };
  const onSignal = (sig: NodeJS.Signals, code: number) => process.on(sig, () => interrupt(sig, code));
  /** `… | head -3`: the reader went away; Node ignores SIGPIPE, so the write fails with EPIPE. */
  const onClosed = (stream: NodeJS.WriteStream, name: string) =>
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
        if (!exiting) interrupt(`${tool}: ${name} closed (EPIPE)`, 141);
        return;
      }
      throw e;
    });
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  onSignal('SIGHUP', 129);
  onClosed(process.stdout, 'stdout');
  onClosed(process.stderr, 'stderr');
  // npx → sh → tsx → this process: a TERM to npx kills sh and reaches neither tsx nor us (tools/runner/launchers.ts)
  watchLaunchers((gone) => interrupt(`${tool}: ${describeProc(gone)}, which started this run, is gone`, 143));
  process.on('uncaughtException', (e) => {
    if (writable(process.stderr)) process.stderr.write(`${tool}: uncaught exception: ${e?.stack ?? e}\n`);
    void shutdownAndExit(1);
  });
  process.on('unhandledRejection', (e) => {
    if (isServicesNoise(e)) return; // a dead kernel's connection, already reported as a failed cell
    process.stderr.write(`${tool}: unhandled rejection: ${(e as Error)?.stack ?? e}\n`);
    void shutdownAndExit(1);
  });
  process.on('exit', () => killAllSync());
}
