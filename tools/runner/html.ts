/**
 * HTML for instructors: one `jupyter nbconvert --to html` call for all executed notebooks, written beside them
 * (`outputDir` when they share one; without it nbconvert writes each beside its notebook).
 */
import { spawn } from 'node:child_process';
import { jupyterApp } from './launch';

export interface HtmlResult {
  ok: boolean;
  error?: string;
}

export function convertToHtml(
  venv: string,
  notebooks: string[],
  outputDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HtmlResult> {
  if (notebooks.length === 0) return Promise.resolve({ ok: true });
  return runNbconvert(venv, ['--to', 'html', ...(outputDir ? ['--output-dir', outputDir] : []), ...notebooks], env);
}

/** One `jupyter nbconvert` call through the fast launcher; the last 4 KB of its output on failure. */
export function runNbconvert(venv: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<HtmlResult> {
  const nbconvert = jupyterApp(venv, 'nbconvert');
  return new Promise((resolveResult) => {
    const child = spawn(nbconvert.command, [...nbconvert.args, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (b: Buffer) => {
      log = (log + b.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => resolveResult({ ok: false, error: `${nbconvert.command}: ${e.message}` }));
    child.on('exit', (code, sig) => {
      if (code === 0) resolveResult({ ok: true });
      else
        resolveResult({ ok: false, error: `jupyter nbconvert ${args[0]} ${args[1]} exited with ${sig ?? code}:\n${log.trim()}` });
    });
  });
}
