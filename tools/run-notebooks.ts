/**
 * Headless notebook runner: executes notebooks like `jupyter nbconvert --to notebook --execute`, through one
 * Jupyter Server for the whole run. Usage: `npx tsx tools/run-notebooks.ts --help`.
 *
 * Exit status: 0 every notebook passed, 1 a notebook failed (or the run could not start), 2 usage error,
 * 130/143 interrupted. The server and its kernels are stopped on every path.
 */
import { resolve } from 'node:path';
import { parseArgs, UsageError, USAGE } from './runner/args';
import { killAllSync, runCleanups } from './runner/cleanup';
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

function onSignal(sig: NodeJS.Signals, code: number) {
  process.on(sig, () => {
    if (exiting) {
      // second signal: no more waiting
      killAllSync();
      process.exit(code);
    }
    process.stderr.write(`\n${sig}: stopping the Jupyter Server and kernels…\n`);
    void shutdownAndExit(code);
  });
}

async function main(): Promise<void> {
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  onSignal('SIGHUP', 129);
  process.on('uncaughtException', (e) => {
    process.stderr.write(`run-notebooks: uncaught exception: ${e?.stack ?? e}\n`);
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
