// The command line of `npm run bench` (bench/run.ts), on node:util's parseArgs. Pure: returns the arguments or throws
// a BenchUsageError saying what was wrong; run.ts prints it with the usage and exits 2.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SUBSET } from '../runner-vs-nbconvert';
import type { Tool } from './notebooks';

export const PARTS = ['footprint', 'runner', 'writes', 'emulator', 'jupyter'] as const;
/** parts run only when asked for (`npm run bench -- rehearsal`): long */
export const OPTIONAL_PARTS = ['rehearsal'] as const;
export type Part = (typeof PARTS)[number] | (typeof OPTIONAL_PARTS)[number];
export const TOOLS: readonly Tool[] = ['runner', 'nbconvert', 'nbconvert-each', 'runner-no-prestart'];

export interface BenchArgs {
  parts: Part[];
  rounds: number;
  notebooks: string[];
  tools: Tool[];
  items: number;
  writers: number;
  seconds: number;
  probe: boolean;
  out: string;
  quick: boolean;
  /** rehearsal: attendees per run */
  attendees: number[];
  help: boolean;
}

export class BenchUsageError extends Error {}

export const BENCH_USAGE = `Usage: npm run bench -- [part...] [options]

Every benchmark, each against a DynamoDB Local of its own; prints the figures and writes build/bench.md and
build/bench.json. Benchmarks never fail on timing (exit 1 only if a part crashed).

Parts: ${PARTS.join(', ')} (default: all of them); optional: ${OPTIONAL_PARTS.join(', ')} (10 and 20 attendees, ~25 min)

Options:
  --quick              smoke run: 1 round, small sizes, notebook 00, runner and nbconvert (~2 min)
  --rounds N           alternated rounds per comparison                              [default: 3]
  --notebooks NN,...   notebooks the runner-vs-nbconvert rounds time                [default: ${DEFAULT_SUBSET.join(',')}]
  --tools T,...        among ${TOOLS.join(', ')}   [default: all]
  --items N            items the writes bench writes                                 [default: 20000]
  --writers N          concurrent writers                                            [default: 8]
  --seconds N          seconds per emulator-fidelity run                             [default: 10]
  --no-probe           skip the runner's per-cell probe
  --attendees N,...    rehearsal: attendees per run                                  [default: 10,20]
  --out FILE           the Markdown report (JSON beside it)                          [default: build/bench.md]
  -h, --help           show this help`;

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new BenchUsageError(`${name} needs a positive number`);
  return n;
}

/** `argv` without the node and script names; relative --out against `cwd`, the default one in `repo`/build. */
export function parseBenchArgs(argv: string[], where: { repo: string; cwd: string }): BenchArgs {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        quick: { type: 'boolean' },
        rounds: { type: 'string' },
        notebooks: { type: 'string' },
        tools: { type: 'string' },
        items: { type: 'string' },
        writers: { type: 'string' },
        seconds: { type: 'string' },
        'no-probe': { type: 'boolean' },
        out: { type: 'string' },
        attendees: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    parsed = parse();
  } catch (e) {
    // node's own wording names the option and how to pass a value that starts with a dash: keep it, as a usage error
    throw new BenchUsageError((e as Error).message);
  }
  const v = parsed.values;
  const quick = v.quick === true;
  const a: BenchArgs = {
    parts: [],
    rounds: quick ? 1 : 3,
    notebooks: quick ? ['00'] : DEFAULT_SUBSET,
    tools: quick ? ['runner', 'nbconvert'] : [...TOOLS],
    items: quick ? 2_000 : 20_000,
    writers: 8,
    seconds: quick ? 3 : 10,
    probe: !quick && v['no-probe'] !== true,
    out: path.join(where.repo, 'build', 'bench.md'),
    quick,
    attendees: quick ? [3] : [10, 20],
    help: v.help === true,
  };
  if (v.rounds !== undefined) a.rounds = positive('--rounds', v.rounds);
  if (v.notebooks !== undefined) a.notebooks = v.notebooks.split(',');
  if (v.tools !== undefined) a.tools = v.tools.split(',') as Tool[];
  if (v.items !== undefined) a.items = positive('--items', v.items);
  if (v.writers !== undefined) a.writers = positive('--writers', v.writers);
  if (v.seconds !== undefined) a.seconds = positive('--seconds', v.seconds);
  if (v.out !== undefined) a.out = path.resolve(where.cwd, v.out);
  if (v.attendees !== undefined) {
    a.attendees = v.attendees.split(',').map(Number);
    if (a.attendees.some((n) => !Number.isInteger(n) || n < 1))
      throw new BenchUsageError(`--attendees needs whole numbers ≥ 1, comma-separated, got "${v.attendees}"`);
  }
  const known: readonly string[] = [...PARTS, ...OPTIONAL_PARTS];
  for (const p of parsed.positionals) {
    if (!known.includes(p))
      throw new BenchUsageError(`unknown argument ${p} (parts: ${PARTS.join(', ')}; optional: ${OPTIONAL_PARTS.join(', ')})`);
    a.parts.push(p as Part);
  }
  if (a.parts.length === 0) a.parts = [...PARTS];
  for (const t of a.tools) if (!TOOLS.includes(t)) throw new BenchUsageError(`unknown tool ${t}`);
  return a;
}
