/**
 * Process-tree helpers for a hard stop. Jupyter starts each kernel in its own session
 * (start_new_session=True), so killing the server's process group does not reach the kernels: their pids are
 * collected from /proc (Linux; elsewhere only the group is signalled).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** All descendants of `pid` (children first-level first), from /proc/<pid>/stat. Empty where /proc is absent. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces and parentheses
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Send a signal, ignoring "no such process". A negative pid addresses a process group. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops a Jupyter Server (JupyterLab included) and its kernels: /api/shutdown first (it stops the kernels),
 * then SIGTERM / SIGKILL to the server's process group, then any kernel left — kernels run in sessions of their
 * own, so the group signal does not reach them. Returns the kernel pids seen before the stop.
 */
export async function stopJupyterProcess(o: {
  pid: number;
  baseUrl: string;
  token: string;
  waitExit: (ms: number) => Promise<boolean>;
}): Promise<number[]> {
  const kernels = descendants(o.pid);
  let asked = false;
  try {
    const res = await fetch(`${o.baseUrl}api/shutdown`, {
      method: 'POST',
      headers: { Authorization: `token ${o.token}` },
      signal: AbortSignal.timeout(3000),
    });
    asked = res.ok;
  } catch {
    // not answering: signals below
  }
  if (!(asked && (await o.waitExit(8000)))) {
    signal(-o.pid, 'SIGTERM');
    if (!(await o.waitExit(3000))) {
      signal(-o.pid, 'SIGKILL');
      await o.waitExit(2000);
    }
  }
  const left = kernels.filter(isAlive);
  for (const p of left) signal(p, 'SIGTERM');
  if (left.length > 0) {
    await new Promise((r) => setTimeout(r, 500));
    for (const p of left.filter(isAlive)) signal(p, 'SIGKILL');
  }
  return kernels;
}

/** Keeps the last `max` non-empty lines a child process printed (for error messages when it fails to start). */
export function outputTail(max: number): { keep: (chunk: Buffer) => void; lines: string[] } {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    if (lines.length > max) lines.splice(0, lines.length - max);
  };
  return { keep, lines };
}
