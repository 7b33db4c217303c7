/**
 * Jupyter start-up, the part every entry point pays (`.venv/bin/jupyter lab`, tools/lab.sh, the runner's server,
 * nbconvert, VS Code's Jupyter on the venv): a fresh Python importing JupyterLab's app (`import jupyterlab.labapp`,
 * which imports Jupyter Server, jupyter_events and jsonschema). With the venv's fast-start line (tools/setup.sh step
 * 2c marks rfc3987_syntax absent, so jsonschema skips building ~35 Lark grammars) against the same import with the
 * line undone in that process. Alternated A B A B, order rotated each round; paired ratios.
 *
 *   npx tsx bench/jupyter-startup.ts [--rounds 5]
 */
import './lib/env';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNumber, venvDir } from './lib/cli';
import { LoadMonitor } from './lib/machine';
import { printSection, table, type Section } from './lib/report';
import { median, pairedRatios, s, x } from './lib/stats';

const IMPORT = 'import jupyterlab.labapp';
/** The import as the venv gives it (fast-start line in effect), and as it was before (the line undone). */
const ARMS = {
  fast: IMPORT,
  plain: `import sys; sys.modules.pop('rfc3987_syntax', None); ${IMPORT}`,
} as const;
type Arm = keyof typeof ARMS;

export interface JupyterStartupOptions {
  python: string;
  rounds: number;
}

function timeImport(python: string, arm: Arm): number {
  const t0 = performance.now();
  const r = spawnSync(python, ['-c', ARMS[arm]], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${python} -c "${ARMS[arm]}" failed: ${r.stderr.split('\n').slice(-4).join(' ')}`);
  return seconds;
}

export async function benchJupyterStartup(o: JupyterStartupOptions): Promise<Section> {
  const t0 = performance.now();
  const load = new LoadMonitor().start();
  const fastStart = fs
    .readdirSync(path.join(path.dirname(o.python), '..', 'lib'), { recursive: true })
    .some((f) => String(f).endsWith('workshop_fast_start.pth'));
  if (!fastStart) throw new Error('the venv has no workshop_fast_start.pth: run bash tools/setup.sh first');
  timeImport(o.python, 'fast'); // warm the disk cache and the bytecode
  timeImport(o.python, 'plain');
  const times: Record<Arm, number[]> = { fast: [], plain: [] };
  for (let round = 0; round < o.rounds; round++) {
    const order: Arm[] = round % 2 === 0 ? ['fast', 'plain'] : ['plain', 'fast'];
    for (const arm of order) times[arm].push(timeImport(o.python, arm));
  }
  const fast = median(times.fast);
  const plain = median(times.plain);
  const ratio = pairedRatios(times.fast, times.plain).median;
  const row = [
    `Jupyter start-up: \`${IMPORT}\` in a fresh Python, median of ${o.rounds}`,
    `venv fast-start line: ${s(fast)}`,
    `without it: ${s(plain)}`,
    x(ratio),
    '—',
    'shipped',
  ];
  return {
    id: 'jupyter',
    title: 'Jupyter start-up (every entry point)',
    body: [
      `Every Jupyter entry point starts with this import. tools/setup.sh puts a one-line .pth in the venv that marks`,
      `rfc3987_syntax absent, so jsonschema skips the ~35 Lark grammars it would build for the \`iri\` format`,
      `(jupyter-server/jupyter_server#1559), for \`.venv/bin/jupyter lab\` as much as for tools/lab.sh and the runner.`,
      '',
      ...table(
        ['arm', 'median', 'runs'],
        (Object.keys(ARMS) as Arm[]).map((arm) => [arm, s(median(times[arm])), times[arm].map((t) => t.toFixed(2)).join(', ')]),
      ),
    ],
    targets: [],
    headline: [row],
    seconds: (performance.now() - t0) / 1000,
    load: load.stop(),
    data: { times, ratio },
  };
}

if (require.main === module) {
  benchJupyterStartup({ python: path.join(venvDir(), 'bin', 'python'), rounds: parseNumber(process.argv, '--rounds', 5) })
    .then(printSection)
    .catch((e) => {
      process.stderr.write(`bench: ${(e as Error)?.stack ?? e}\n`);
      process.exit(1);
    });
}
