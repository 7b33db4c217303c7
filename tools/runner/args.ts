/**
 * Command-line parsing for tools/run-notebooks.ts. Pure: returns options or a usage error, never exits.
 */
import { isAbsolute, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs as parseArgv } from 'node:util';

export interface CliOptions {
  /** notebook files or folders, as given */
  paths: string[];
  outputDir: string;
  /** kernel name overriding the notebooks' metadata.kernelspec.name */
  kernel?: string;
  /** per-cell timeout in seconds; undefined = none */
  timeout?: number;
  allowErrors: boolean;
  html: boolean;
  junit?: string;
  /** the Python venv holding jupyter (bin/jupyter) */
  venv: string;
  /** seconds to wait for the Jupyter Server to answer */
  startupTimeout: number;
  /** start the next notebook's kernel while the current one runs */
  prestart: boolean;
  /** notebooks run side by side, each in a kernel of its own */
  jobs: number;
  /** `--lane ATTENDEE_ID:NAME[,NAME…]`: these notebooks in a lane of their own, as that attendee */
  apart: ApartLane[];
  /** `--clock`: the kernels' WORKSHOP_CLOCK (src/clock.ts); undefined = as the environment says (real by default) */
  clock?: 'real' | 'virtual';
  help: boolean;
}

export class UsageError extends Error {}

/** Notebooks (by file name) taken out of the run's one lane into a lane of their own, with an attendee of its own. */
export interface ApartLane {
  attendeeId: string;
  /** file names (`03_hot_partitions.ipynb`, or without `.ipynb`) among the notebooks given */
  notebooks: string[];
}

export const USAGE = `Usage: npx tsx tools/run-notebooks.ts [options] <notebook.ipynb | folder>...

Executes notebooks like \`jupyter nbconvert --to notebook --execute\`, through one Jupyter Server
for the whole run, and writes the executed notebooks to the output folder.

Options:
  --output-dir DIR       where executed notebooks (and HTML) go        [default: build/notebooks]
  --timeout SECONDS      per-cell timeout; -1 or 0 for none            [default: 120]
  --allow-errors         run every cell even after a failure (exit 0 unless a timeout)
  --kernel NAME          kernel to use instead of metadata.kernelspec.name (fallback: tslab)
  --html                 also convert each executed notebook to HTML (jupyter nbconvert --to html)
  --junit FILE           write JUnit XML: one <testsuite> per notebook, one <testcase> per code cell
  --venv DIR             Python venv with jupyter-server  [default: $WORKSHOP_VENV or <repo>/.venv]
  --startup-timeout SEC  how long to wait for the Jupyter Server        [default: 60]
  --no-prestart          start each kernel only when its notebook's turn comes (default: the next
                         notebook's kernel starts and warms up while the current notebook runs)
  --jobs N               run up to N notebooks side by side, each in its own kernel, on one server
                         (for independent notebooks; outputs, summary and JUnit as with --jobs 1;
                         with prestart about 2N kernels are alive at once)              [default: 1]
  --lane ID:NB[,NB...]   with --jobs: run the notebooks named NB (file names among those given) in a
                         lane of their own with ATTENDEE_ID=ID, beside one lane of all the others in
                         order. For notebooks that share an attendee's table (00 -> 06): a notebook
                         that needs none of the others' data runs beside them as another attendee.
                         Repeatable. Without --lane, --jobs N runs every notebook in a lane of its own.
  --clock real|virtual   the kernels' clock (WORKSHOP_CLOCK): virtual skips the waits of throttled
                         workloads (backoff, SDK retries, the emulator's seconds) and reports simulated
                         time as such; real waits them out as in JupyterLab  [default: $WORKSHOP_CLOCK or real]
  -h, --help             show this help

Cell tags: \`skip-execution\` (not run), \`raises-exception\` (an error is expected; continue).
Exit status: 0 all notebooks passed, 1 a notebook failed, 2 usage error.`;

/**
 * The options node:util's parseArgs knows. It runs non-strict, with tokens: strict mode would refuse
 * `--timeout -1` (a value that starts with a dash) and word its errors its own way, so the checks below
 * walk its tokens and say what is wrong in this tool's words.
 */
const OPTIONS = {
  'output-dir': { type: 'string' },
  timeout: { type: 'string' },
  kernel: { type: 'string' },
  junit: { type: 'string' },
  venv: { type: 'string' },
  'startup-timeout': { type: 'string' },
  jobs: { type: 'string' },
  lane: { type: 'string', multiple: true },
  clock: { type: 'string' },
  'allow-errors': { type: 'boolean' },
  html: { type: 'boolean' },
  'no-prestart': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

function parseSeconds(name: string, raw: string, allowNone: boolean): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) throw new UsageError(`${name} expects a number of seconds, got "${raw}"`);
  const n = Number(raw);
  if (allowNone && n <= 0) return undefined;
  if (n <= 0) throw new UsageError(`${name} must be positive, got "${raw}"`);
  return n;
}

export interface ParseDefaults {
  /** resolve relative paths against this folder */
  cwd: string;
  /** the repository root (default venv is <repo>/.venv) */
  repoRoot: string;
  env: NodeJS.ProcessEnv;
}

export function parseArgs(argv: string[], defaults: ParseDefaults): CliOptions {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(defaults.cwd, p));
  const envVenv = defaults.env.WORKSHOP_VENV?.trim();
  const opts: CliOptions = {
    paths: [],
    outputDir: abs('build/notebooks'),
    timeout: 120,
    allowErrors: false,
    html: false,
    venv: envVenv ? abs(envVenv) : resolve(defaults.repoRoot, '.venv'),
    startupTimeout: 60,
    prestart: true,
    jobs: 1,
    apart: [],
    help: false,
  };
  const { tokens } = parseArgv({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      opts.paths.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const name = token.rawName;
    const option = Object.hasOwn(OPTIONS, token.name) ? OPTIONS[token.name as keyof typeof OPTIONS] : undefined;
    if (!option) throw new UsageError(`unknown option ${name}`);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${name} takes no value`);
      if (name === '--allow-errors') opts.allowErrors = true;
      else if (name === '--html') opts.html = true;
      else if (name === '--no-prestart') opts.prestart = false;
      else opts.help = true;
      continue;
    }
    const value = token.value;
    // a negative number is a value (--timeout -1); any other dash-word after the option means its value is missing
    if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('-') && !/^-\d/.test(value)))
      throw new UsageError(`${name} needs a value`);
    switch (name) {
      case '--output-dir':
        opts.outputDir = abs(value);
        break;
      case '--timeout':
        opts.timeout = parseSeconds(name, value, true);
        break;
      case '--kernel':
        opts.kernel = value;
        break;
      case '--junit':
        opts.junit = abs(value);
        break;
      case '--venv':
        opts.venv = abs(value);
        break;
      case '--startup-timeout':
        opts.startupTimeout = parseSeconds(name, value, false) as number;
        break;
      case '--jobs':
        if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
          throw new UsageError(`--jobs expects a whole number ≥ 1, got "${value}"`);
        opts.jobs = Number(value);
        break;
      case '--clock':
        if (value !== 'real' && value !== 'virtual') throw new UsageError(`--clock expects real or virtual, got "${value}"`);
        opts.clock = value;
        break;
      case '--lane': {
        const m = /^([A-Za-z0-9_.-]+):(.+)$/.exec(value.trim());
        const notebooks = m ? m[2].split(',').map((n) => n.trim()) : [];
        if (!m || notebooks.some((n) => n === '' || /[\\/]/.test(n)))
          throw new UsageError(
            `--lane expects ATTENDEE_ID:NOTEBOOK[,NOTEBOOK...] (file names, no folders), e.g. --lane demo-hot:03_hot_partitions.ipynb; got "${value}"`,
          );
        opts.apart.push({ attendeeId: m[1], notebooks });
        break;
      }
    }
  }
  if (!opts.help && opts.paths.length === 0) throw new UsageError('no notebook or folder given');
  return opts;
}
