// What machine the figures come from, and how busy it was: the figures mean little without it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  python: string;
}

export function machineInfo(python?: string): MachineInfo {
  const cpus = os.cpus();
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaLine = `${java.stderr ?? ''}${java.stdout ?? ''}`.split('\n')[0]?.trim() ?? '';
  let py = '';
  if (python && fs.existsSync(python)) {
    const r = spawnSync(python, ['--version'], { encoding: 'utf8' });
    py = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpuModel: (cpus[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim(),
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1073741824) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    java: javaLine,
    python: py,
  };
}

export function loadavg(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** Load average over 1 minute, the number the notes quote. */
export function load1(): number {
  return os.loadavg()[0];
}

/** Collects load samples during a part, so a report can say how busy the machine was meanwhile. */
export class LoadMonitor {
  private readonly samples: number[] = [];
  private timer?: NodeJS.Timeout;

  start(everyMs = 5000): this {
    this.samples.push(load1());
    this.timer = setInterval(() => this.samples.push(load1()), everyMs);
    this.timer.unref();
    return this;
  }

  stop(): { min: number; max: number; mean: number } {
    if (this.timer) clearInterval(this.timer);
    this.samples.push(load1());
    const v = this.samples;
    return { min: Math.min(...v), max: Math.max(...v), mean: v.reduce((a, b) => a + b, 0) / v.length };
  }
}
