// Memory of a process tree, from /proc (Linux): VmHWM is the kernel's own peak-RSS record of a process, so a
// sampler only has to see each process once before it exits (it samples every few hundred ms).
import * as fs from 'node:fs';
import { descendants } from '../../tools/runner/procs';

export type ProcKind = 'tslab-kernel' | 'jupyter-server' | 'nbconvert' | 'runner' | 'dynamodb-local' | 'other';

export interface ProcPeak {
  pid: number;
  kind: ProcKind;
  cmd: string;
  /** VmHWM, bytes */
  peakRss: number;
  firstSeenMs: number;
  lastSeenMs: number;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** VmHWM of a live process, bytes (NaN if gone or not Linux). */
export function peakRssBytes(pid: number): number {
  const st = readText(`/proc/${pid}/status`);
  const m = st ? /^VmHWM:\s+(\d+)\s+kB/m.exec(st) : null;
  return m ? Number(m[1]) * 1024 : NaN;
}

export function rssBytes(pid: number): number {
  const st = readText(`/proc/${pid}/status`);
  const m = st ? /^VmRSS:\s+(\d+)\s+kB/m.exec(st) : null;
  return m ? Number(m[1]) * 1024 : NaN;
}

export function classify(cmd: string): ProcKind {
  if (/tslab/.test(cmd) && /\bkernel\b/.test(cmd)) return 'tslab-kernel';
  if (/nbconvert/.test(cmd)) return 'nbconvert';
  // `jupyter server …`, `jupyter-server …`, or the runner's `python tools/jupyter_app.py server …`
  if (/jupyter[- ]server\b|jupyter_app\.py server\b|jupyter_server\.serverapp/.test(cmd)) return 'jupyter-server';
  if (/run-notebooks/.test(cmd)) return 'runner';
  if (/DynamoDBLocal/.test(cmd)) return 'dynamodb-local';
  return 'other';
}

/** Samples the peak RSS of every process under `root` (itself included) until stopped. */
export class TreeSampler {
  private readonly peaks = new Map<number, ProcPeak>();
  private timer?: NodeJS.Timeout;
  private readonly t0 = performance.now();

  constructor(
    private readonly root: number,
    private readonly everyMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    const now = performance.now() - this.t0;
    for (const pid of [this.root, ...descendants(this.root)]) {
      const hwm = peakRssBytes(pid);
      if (!Number.isFinite(hwm)) continue;
      // re-read the command line each time: a kernel is first seen as a fork of the server, before its exec
      const cmd = (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
      let p = this.peaks.get(pid);
      if (!p) {
        p = { pid, kind: classify(cmd), cmd, peakRss: 0, firstSeenMs: now, lastSeenMs: now };
        this.peaks.set(pid, p);
      } else if (cmd && cmd !== p.cmd) {
        // after an exec the old image's peak no longer counts (VmHWM restarts with the new image)
        p.cmd = cmd;
        p.kind = classify(cmd);
        p.peakRss = 0;
      }
      p.peakRss = Math.max(p.peakRss, hwm);
      p.lastSeenMs = now;
    }
  }

  stop(): ProcPeak[] {
    if (this.timer) clearInterval(this.timer);
    return [...this.peaks.values()];
  }
}

export function peaksOf(peaks: readonly ProcPeak[], kind: ProcKind): number[] {
  return peaks.filter((p) => p.kind === kind).map((p) => p.peakRss);
}

/** CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat (NaN if gone). */
export function cpuSeconds(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return NaN;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields after comm: state(0) ppid(1) … utime(11) stime(12), in clock ticks (USER_HZ = 100 on Linux)
  return (Number(f[11]) + Number(f[12])) / 100;
}
