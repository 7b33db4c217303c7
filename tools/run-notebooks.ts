/**
 * Headless notebook runner: executes notebooks like `jupyter nbconvert --to notebook --execute`, through one
 * Jupyter Server for the whole run. Usage: `npx tsx tools/run-notebooks.ts --help`.
 *
 * Exit status: 0 every notebook passed, 1 a notebook failed (or the run could not start), 2 usage error,
 * 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP; 143 too when a launcher such as npx is gone), 141 stdout closed
 * (`… | head`). The server and its kernels are stopped on every path.
 */
import { resolve } from 'node:path';
import { parseArgs, UsageError, USAGE } from './runner/args';
import { killAllSync, runCleanups } from './runner/cleanup';
import { describeProc, watchLaunchers } from './runner/launchers';
import { isServicesNoise } from './runner/noise';
import { runNotebooks } from './runner/run';

const REPO_ROOT = resolve(__dirname, '..');

let exiting = false;

/** Stop the server and kernels, then leave: @jupyterlab/services keeps the event loop alive otherwise. */
async function shutdownAndExit(code: number): Promise<never> {
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

/** A stream the runner may still write to: not closed by its reader (EPIPE) or destroyed. */
function writable(stream: NodeJS.WriteStream): boolean {
  return !stream.destroyed && stream.writable;
}

/** A signal, a closed stdout or a vanished launcher: stop in order; a second one kills everything at once. */
function interrupt(why: string, code: number): void {
  if (exiting) {
    // second interruption: no more waiting
    killAllSync();
    process.exit(code);
  }
  if (writable(process.stderr)) process.stderr.write(`\n${why}: stopping the Jupyter Server and kernels…\n`);
  void shutdownAndExit(code);
}

function onSignal(sig: NodeJS.Signals, code: number) {
  process.on(sig, () => interrupt(sig, code));
}

/** `… run-notebooks.ts nb | head -3`: the reader went away; Node ignores SIGPIPE, so the write fails with EPIPE. */
function onClosed(stream: NodeJS.WriteStream, name: string) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      if (!exiting) interrupt(`run-notebooks: ${name} closed (EPIPE)`, 141);
      return;
    }
    throw e;
  });
}

async function main(): Promise<void> {
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  onSignal('SIGHUP', 129);
  onClosed(process.stdout, 'stdout');
  onClosed(process.stderr, 'stderr');
  // npx → sh → tsx → this process: a TERM to npx kills sh and reaches neither tsx nor us (tools/runner/launchers.ts)
  watchLaunchers((gone) => interrupt(`run-notebooks: ${describeProc(gone)}, which started this run, is gone`, 143));
  process.on('uncaughtException', (e) => {
    if (writable(process.stderr)) process.stderr.write(`run-notebooks: uncaught exception: ${e?.stack ?? e}\n`);
    void shutdownAndExit(1);
  });
  process.on('unhandledRejection', (e) => {
    if (isServicesNoise(e)) return; // a dead kernel's connection, already reported as a failed cell
    process.stderr.write(`run-notebooks: unhandled rejection: ${(e as Error)?.stack ?? e}\n`);
    void shutdownAndExit(1);
  });
  process.on('exit', () => killAllSync());

  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(process.argv.slice(2), { cwd: process.cwd(), repoRoot: REPO_ROOT, env: process.env });
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`run-notebooks: ${e.message}\n\n${USAGE}\n`);
      return shutdownAndExit(2);
    }
    throw e;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return shutdownAndExit(0);
  }
  try {
    const summary = await runNotebooks({
      paths: opts.paths,
      outputDir: opts.outputDir,
      kernel: opts.kernel,
      timeout: opts.timeout,
      allowErrors: opts.allowErrors,
      html: opts.html,
      junit: opts.junit,
      venv: opts.venv,
      startupTimeout: opts.startupTimeout,
      prestart: opts.prestart,
    });
    return shutdownAndExit(summary.ok ? 0 : 1);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`run-notebooks: ${e.message}\n`);
      return shutdownAndExit(2);
    }
    process.stderr.write(`run-notebooks: ${(e as Error)?.message ?? e}\n`);
    return shutdownAndExit(1);
  }
}

void main();
