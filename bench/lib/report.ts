// What every benchmark hands back: a markdown section (tables and notes) and the targets it checked.

export interface TargetCheck {
  what: string;
  target: string;
  measured: string;
  /** undefined: not measured (the part failed or was skipped) */
  met?: boolean;
}

export interface Section {
  id: string;
  title: string;
  /** markdown lines (tables, notes) */
  body: string[];
  targets: TargetCheck[];
  seconds: number;
  /** machine load (1-min average) during the part */
  load?: { min: number; max: number; mean: number };
  /** rows of the summary table: [what, ours, anchor / configured, ratio, target, verdict] */
  headline: string[][];
  /** raw figures, for build/bench.json */
  data?: unknown;
}

export const HEADLINE_HEADER = ['benchmark', 'ours', 'anchor', 'ratio', 'target', 'verdict'];

export function table(headers: string[], rows: (string | number)[][]): string[] {
  const esc = (c: string | number) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

export function verdict(met: boolean | undefined): string {
  return met === undefined ? 'not measured' : met ? 'met' : 'MISSED';
}

export type Log = (line: string) => void;

export const consoleLog: Log = (line) => process.stdout.write(`${line}\n`);

/** Prints a section for a standalone run of one benchmark. */
export function printSection(sec: Section, log: Log = consoleLog): void {
  log('');
  log(`## ${sec.title}`);
  log('');
  for (const l of sec.body) log(l);
  if (sec.targets.length) {
    log('');
    for (const t of sec.targets) log(`- ${t.what}: target ${t.target}, measured ${t.measured} → ${verdict(t.met)}`);
  }
  log('');
  log(`(${sec.seconds.toFixed(0)} s${sec.load ? `, load ${sec.load.min.toFixed(1)}–${sec.load.max.toFixed(1)}` : ''})`);
}
