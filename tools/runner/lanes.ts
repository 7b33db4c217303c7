/**
 * Lanes: the unit the runner runs side by side (`--jobs N`). A lane is a sequence of notebooks run in order, one
 * kernel at a time; lanes run in parallel, at most `jobs` at once, in the order given. Independent notebooks are one
 * lane each (`--jobs N` on the command line); a rehearsal's attendee is one lane of notebooks 00→06 with its own
 * ATTENDEE_ID (tools/rehearse.ts).
 *
 * A lane's own environment reaches its kernels through a kernelspec of its own: a copy of the notebook's kernelspec
 * (argv, env, …, as the server reports it) whose `env` adds the lane's variables, written to a folder on the server's
 * JUPYTER_PATH. Jupyter starts every kernel with the server's environment plus its kernelspec's `env`, and lists
 * kernelspecs afresh on each start, so one server serves every lane.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { UsageError } from './args';
import { kernelPlan } from './execute';
import type { NotebookEntry } from './discover';
import type { JupyterServer } from './server';

export interface Lane {
  /** prefixes its notebooks in progress lines, the summary and JUnit: `[<name>/00_setup.ipynb]` */
  name?: string;
  /** notebook files and/or folders, run in this order (folders: their notebooks in name order) */
  paths: string[];
  /** variables for this lane's kernels only, on top of the run's environment */
  env?: Record<string, string>;
  /** where its executed notebooks go (default: the run's output folder) */
  outputDir?: string;
  /** seconds after the run started before the lane may start (arrivals spread over time) */
  startAt?: number;
}

export interface PlannedLane {
  /** position in the run, also the lane's key for kernels started ahead */
  index: number;
  name?: string;
  entries: NotebookEntry[];
  env?: Record<string, string>;
  outputDir: string;
  startAt: number;
}

/** Label and lane key of each entry; throws UsageError when two notebooks would write the same file. */
export function finishLanes(lanes: PlannedLane[]): PlannedLane[] {
  const names = new Set<string>();
  const outputs = new Map<string, string>();
  const inLanes = new Map<string, number>();
  for (const lane of lanes) for (const e of lane.entries) inLanes.set(e.relPath, (inLanes.get(e.relPath) ?? 0) + 1);
  for (const lane of lanes) {
    if (lane.name !== undefined) {
      if (!/^[\w.@-]+$/.test(lane.name)) throw new UsageError(`lane name "${lane.name}": use letters, digits, _ . @ -`);
      if (names.has(lane.name)) throw new UsageError(`two lanes are named "${lane.name}"`);
      names.add(lane.name);
    }
    for (const e of lane.entries) {
      e.lane = String(lane.index);
      if (lane.name !== undefined) e.label = `${lane.name}/${e.outputName}`;
      // the same folder (the kernel's cwd is the session path's folder), another session
      if ((inLanes.get(e.relPath) ?? 0) > 1) e.sessionPath = `${e.relPath}#lane-${lane.index}`;
      const out = resolve(lane.outputDir, e.outputName);
      const other = outputs.get(out);
      if (other !== undefined) {
        throw new UsageError(`${other} and ${e.path} would both be written to ${out}: give the lanes their own output folders`);
      }
      outputs.set(out, e.path);
    }
  }
  return lanes;
}

export function hasLaneEnv(lanes: readonly PlannedLane[]): boolean {
  return lanes.some((l) => l.env !== undefined && Object.keys(l.env).length > 0);
}

interface KernelSpecModel {
  name: string;
  spec: Record<string, unknown> & { env?: Record<string, string> };
}

/** The folder of lane kernelspecs, to put on the server's JUPYTER_PATH before it starts. */
export class LaneKernelspecs {
  readonly dir: string;

  constructor() {
    // 0700 (mkdtemp): the kernelspecs carry the lanes' variables
    this.dir = mkdtempSync(join(tmpdir(), 'run-notebooks-lanes-'));
    mkdirSync(join(this.dir, 'kernels'));
  }

  /** The server's environment: this folder first on JUPYTER_PATH. */
  serverEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const rest = env.JUPYTER_PATH ? `${delimiter}${env.JUPYTER_PATH}` : '';
    return { ...env, JUPYTER_PATH: `${this.dir}${rest}` };
  }

  /**
   * Write each lane's copies of the kernelspecs its notebooks use (the server's own, as GET /api/kernelspecs returns
   * them) and give each lane its mapping. A kernel the server does not know is left as it is: starting it fails
   * with the server's own message, naming it.
   */
  async write(
    server: JupyterServer,
    lanes: readonly PlannedLane[],
    kernelOverride: string | undefined,
  ): Promise<Map<number, (kernel: string) => string>> {
    const res = await fetch(`${server.baseUrl}api/kernelspecs`, { headers: { Authorization: `token ${server.token}` } });
    if (!res.ok) throw new Error(`GET /api/kernelspecs answered ${res.status}`);
    const specs = ((await res.json()) as { kernelspecs?: Record<string, KernelSpecModel> }).kernelspecs ?? {};
    const mappings = new Map<number, (kernel: string) => string>();
    for (const lane of lanes) {
      if (!lane.env || Object.keys(lane.env).length === 0) continue;
      const names = new Map<string, string>();
      for (const e of lane.entries) {
        const base = kernelPlan(e.path, kernelOverride)?.kernel;
        if (base === undefined || names.has(base) || !specs[base]) continue;
        const own = `${base}--lane-${lane.index}`.toLowerCase();
        const spec = specs[base].spec;
        const copy = {
          ...spec,
          display_name: `${String(spec.display_name ?? base)} (${lane.name ?? `lane ${lane.index}`})`,
          env: { ...(spec.env ?? {}), ...lane.env },
        };
        mkdirSync(join(this.dir, 'kernels', own), { recursive: true });
        writeFileSync(join(this.dir, 'kernels', own, 'kernel.json'), JSON.stringify(copy, null, 1), { mode: 0o600 });
        names.set(base, own);
      }
      mappings.set(lane.index, (kernel) => names.get(kernel) ?? kernel);
    }
    return mappings;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
