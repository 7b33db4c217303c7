/**
 * The processes that launched this runner, watched so that the run stops when they go.
 *
 * The README's command is `npx tsx tools/run-notebooks.ts …`: npm exec → `sh -c tsx …` → tsx → node (the runner).
 * `kill -TERM <npx pid>` reaches only npm, which forwards it to `sh`, which dies of it: tsx (which would relay a
 * TERM) and the runner never receive a signal, and the run went on to its end (measured: ~100 s for the suite).
 * Every launcher in that chain carries the runner's script on its command line, which is how they are told from
 * whatever started them (a terminal's shell, workshop.sh, a test): the runner watches those, and stops as on SIGTERM
 * when one of them is gone. Linux reads /proc; elsewhere `ps`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** the command line, arguments joined by spaces */
  args: string;
  /** the arguments (where only `ps` answers: split at spaces) */
  argv: string[];
  /** Linux: start time in clock ticks since boot (pid reuse check); undefined elsewhere */
  start?: number;
  zombie: boolean;
}

/** One process's parent, command line and start time; undefined when it is gone. */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid … field 22 is starttime; comm may hold spaces and parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, ppid: Number(rest[1]), args: argv.join(' '), argv, start: Number(rest[19]), zombie: rest[0] === 'Z' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || existsProc()) return undefined;
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,stat=,args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const m = /^(\d+)\s+(\S+)\s+(.*)$/.exec(out);
    return m ? { pid, ppid: Number(m[1]), args: m[3], argv: m[3].split(/\s+/), zombie: m[2].startsWith('Z') } : undefined;
  } catch {
    return undefined;
  }
}

let procMounted: boolean | undefined;
function existsProc(): boolean {
  if (procMounted === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procMounted = true;
    } catch {
      procMounted = false;
    }
  }
  return procMounted;
}

/**
 * The ancestors of `pid` that launched it: walking up from its parent, each one whose command line names `script`
 * (the runner's file name), up to the first that does not.
 */
export function launchers(pid: number, script: string): ProcInfo[] {
  const out: ProcInfo[] = [];
  let info = procInfo(pid);
  while (info && info.ppid > 1) {
    const parent = procInfo(info.ppid);
    if (!parent?.args.includes(script)) break;
    out.push(parent);
    info = parent;
  }
  return out;
}

/** Gone: no such process, a zombie (dead, not yet reaped), or another process under the same pid. */
export function isGone(p: ProcInfo): boolean {
  const now = procInfo(p.pid);
  return !now || now.zombie || (p.start !== undefined && now.start !== p.start);
}

/**
 * Calls `onGone` once when a launcher of this process is gone; returns a stop function. The timer does not keep
 * the process alive.
 */
export function watchLaunchers(
  onGone: (gone: ProcInfo) => void,
  opts: { pid?: number; script?: string; intervalMs?: number } = {},
): { watched: ProcInfo[]; stop: () => void } {
  const watched = launchers(opts.pid ?? process.pid, opts.script ?? basename(process.argv[1] ?? 'run-notebooks.ts'));
  if (watched.length === 0) return { watched, stop: () => undefined };
  const timer = setInterval(() => {
    const gone = watched.find(isGone);
    if (gone) {
      clearInterval(timer);
      onGone(gone);
    }
  }, opts.intervalMs ?? 500);
  timer.unref();
  return { watched, stop: () => clearInterval(timer) };
}

/** `sh (pid 123)`: a launcher as the message names it. */
export function describeProc(p: ProcInfo): string {
  const first = p.args.split(' ')[0] ?? '';
  return `${basename(first) || '?'} (pid ${p.pid})`;
}
