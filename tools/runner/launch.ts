/**
 * How the runner starts Jupyter's Python apps: `python -c` with the app's `main`, instead of `jupyter <app>`.
 *
 * jsonschema (imported by jupyter_events and nbformat) loads every format checker it can, and rfc3987_syntax builds
 * ~35 Lark parsers at import: about 1 s of each app's start-up (jupyter_server 1.5 s → 0.45 s, nbconvert --to html of
 * one notebook 2.1 s → 0.9 s, measured here) for the `iri` format, which no Jupyter schema uses
 * (jupyter-server/jupyter_server#1559). Marking the module absent makes jsonschema skip that one checker, exactly as
 * when the package is not installed. Calling `main` directly also skips `jupyter`'s subcommand dispatch.
 */
import { resolve } from 'node:path';

const APPS = {
  server: 'jupyter_server.serverapp',
  nbconvert: 'nbconvert.nbconvertapp',
} as const;

export type JupyterApp = keyof typeof APPS;

export function launcherCode(app: JupyterApp): string {
  return [
    'import sys',
    "sys.modules.setdefault('rfc3987_syntax', None)",
    `from ${APPS[app]} import main`,
    `sys.argv[0] = 'jupyter-${app}'`,
    'sys.exit(main())',
  ].join('\n');
}

/** The command and leading arguments that run `jupyter <app>` from the venv (absolute: cwd may change). */
export function jupyterApp(venv: string, app: JupyterApp): { command: string; args: string[] } {
  return { command: resolve(venv, 'bin', 'python'), args: ['-c', launcherCode(app)] };
}
