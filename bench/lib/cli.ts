// What every benchmark script shares as a command: the repository, the venv, its flags, and how it runs alone.
import * as path from 'node:path';
import { type BenchEngine, startEngine, stopAllEngines } from './engine';

export const REPO = path.resolve(__dirname, '..', '..');

/** The Python venv with Jupyter (and boto3): WORKSHOP_VENV or <repo>/.venv, as tools/setup.sh makes it. */
export function venvDir(): string {
  return process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(REPO, '.venv');
}

export function parseList(argv: string[], name: string): string[] | undefined {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1].split(',').filter(Boolean) : undefined;
}

export function parseNumber(argv: string[], name: string, dflt: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
  return v;
}

/** Runs one benchmark script on its own: its own DynamoDB Local, stopped on every path; exit 1 on failure. */
export function runStandalone(engineName: string, body: (engine: BenchEngine, argv: string[]) => Promise<void>): void {
  (async () => {
    const engine = await startEngine(engineName);
    try {
      await body(engine, process.argv.slice(2));
    } finally {
      await engine.stop();
    }
  })().catch(async (e) => {
    process.stderr.write(`bench: ${(e as Error)?.stack ?? e}\n`);
    await stopAllEngines();
    process.exit(1);
  });
}
