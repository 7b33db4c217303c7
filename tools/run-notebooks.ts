/**
 * Headless notebook runner: executes notebooks like `jupyter nbconvert --to notebook --execute`, through one
 * Jupyter Server for the whole run. Usage: `npx tsx tools/run-notebooks.ts --help`.
 *
 * Exit status: 0 every notebook passed, 1 a notebook failed (or the run could not start), 2 usage error,
 * 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP; 143 too when a launcher such as npx is gone), 141 stdout closed
 * (`… | head`). The server and its kernels are stopped on every path.
 */
import { parseArgs, UsageError, USAGE } from './runner/args';
import { installExitHandlers, shutdownAndExit } from './runner/lifecycle';
import { REPO_ROOT } from './runner/paths';
import { runNotebooks } from './runner/run';

async function main(): Promise<void> {
  installExitHandlers('run-notebooks');

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
      jobs: opts.jobs,
      apart: opts.apart,
      clock: opts.clock,
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
