// The rehearsal of the day at room scale (tools/rehearse.ts): N attendees (default 10 and 20), each running every
// section notebook in order, 2 at once on this machine, each on an in-memory DynamoDB Local of the rehearsal's own.
// Figures: wall time, p50/p95 per section, peak memory of the whole process tree (sum of RSS, sampled), the most
// tslab kernels alive at once, failing cells (must be 0). An optional part of `npm run bench` (`-- rehearsal`): about
// 25 minutes for 10 + 20 attendees on 2 cores.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { descendants } from '../tools/runner/procs';
import type { RehearsalReport } from '../tools/rehearse';
import { REPO } from './lib/cli';
import { classify, rssBytes } from './lib/procs';
import type { Section } from './lib/report';
import { table } from './lib/report';
import { mib, s } from './lib/stats';

export interface RehearsalBenchOptions {
  attendees: number[];
  jobs: number;
  stagger: number;
  /** notebook prefixes; empty: all */
  sections: string[];
  log: (line: string) => void;
}

interface Measured {
  attendees: number;
  code: number | null;
  wall: number;
  peakTreeRss: number;
  peakKernels: number;
  report?: RehearsalReport;
}

/** Sum of the tree's RSS and its tslab kernels, sampled every `everyMs`; the maxima. */
function sampleTree(root: number, everyMs = 500) {
  let peakRss = 0;
  let peakKernels = 0;
  const timer = setInterval(() => {
    let rss = 0;
    let kernels = 0;
    for (const pid of [root, ...descendants(root)]) {
      const r = rssBytes(pid);
      if (!Number.isFinite(r)) continue;
      rss += r;
      let cmd = '';
      try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        // gone
      }
      if (classify(cmd) === 'tslab-kernel') kernels++;
    }
    peakRss = Math.max(peakRss, rss);
    peakKernels = Math.max(peakKernels, kernels);
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peakRss, peakKernels };
    },
  };
}

async function rehearse(n: number, o: RehearsalBenchOptions): Promise<Measured> {
  const out = path.join(REPO, 'build', 'bench-rehearsal', String(n));
  const args = ['--attendees', String(n), '--jobs', String(o.jobs), '--stagger', String(o.stagger), '--out', out];
  if (o.sections.length > 0) args.push('--sections', o.sections.join(','));
  const env = { ...process.env };
  for (const k of ['DDB_ENDPOINT', 'ATTENDEE_ID', 'WORKSHOP_TARGET', 'WORKSHOP_ROOM']) delete env[k];
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'tools', 'rehearse.ts'), ...args], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sampler = sampleTree(child.pid as number);
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const wall = (performance.now() - t0) / 1000;
  const peaks = sampler.stop();
  const file = path.join(out, 'report.json');
  const report = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as RehearsalReport) : undefined;
  if (!report) o.log(`bench: rehearsal of ${n} wrote no report (exit ${code}):\n${tail}`);
  return { attendees: n, code, wall, peakTreeRss: peaks.peakRss, peakKernels: peaks.peakKernels, report };
}

export async function benchRehearsal(o: RehearsalBenchOptions): Promise<Section> {
  const t0 = performance.now();
  const runs: Measured[] = [];
  for (const n of o.attendees) {
    o.log(`bench: rehearsal of ${n} attendees, ${o.jobs} at once…`);
    const m = await rehearse(n, o);
    o.log(`bench: ${n} attendees in ${s(m.wall, 0)}, ${m.report?.failingCells ?? '?'} failing cells, peak ${mib(m.peakTreeRss)}`);
    runs.push(m);
  }
  const failures = (m: Measured) => (m.report ? m.report.failingCells : Number.NaN);
  const body: string[] = [
    `\`tools/rehearse.ts --attendees N --jobs ${o.jobs} --stagger ${o.stagger}\`` +
      `${o.sections.length ? ` --sections ${o.sections.join(',')}` : ''}: N attendees, each every section notebook in ` +
      `order, ${o.jobs} at once, on one in-memory DynamoDB Local. Peak memory: the whole process tree (rehearsal, ` +
      'Jupyter Server, kernels, DynamoDB Local), RSS summed every 0.5 s.',
    '',
    ...table(
      ['attendees', 'wall time', 'failing cells', 'peak memory', 'kernels at once (max)', 'exit'],
      runs.map((m) => [m.attendees, s(m.wall, 0), String(failures(m)), mib(m.peakTreeRss), m.peakKernels, String(m.code)]),
    ),
    '',
  ];
  const sectionNames = [...new Set(runs.flatMap((m) => m.report?.sectionStats.map((x) => x.section) ?? []))];
  body.push(
    ...table(
      ['section', ...runs.flatMap((m) => [`p50 (${m.attendees})`, `p95 (${m.attendees})`])],
      sectionNames.map((name) => [
        name,
        ...runs.flatMap((m) => {
          const st = m.report?.sectionStats.find((x) => x.section === name);
          return st ? [s(st.p50, 1), s(st.p95, 1)] : ['n/a', 'n/a'];
        }),
      ]),
    ),
  );
  return {
    id: 'rehearsal',
    title: 'Rehearsal of the day',
    body,
    targets: runs.map((m) => ({
      what: `rehearsal of ${m.attendees} attendees: failing cells`,
      target: '0',
      measured: String(failures(m)),
      met: m.report ? m.report.failingCells === 0 && m.code === 0 : undefined,
    })),
    headline: runs.map((m) => [
      `rehearsal, ${m.attendees} attendees (${o.jobs} at once): wall time`,
      s(m.wall, 0),
      `peak ${mib(m.peakTreeRss)}`,
      '',
      '0 failing cells',
      m.report ? (m.report.failingCells === 0 ? 'met' : `missed: ${m.report.failingCells}`) : 'not measured',
    ]),
    seconds: (performance.now() - t0) / 1000,
    data: runs.map(({ report, ...m }) => ({ ...m, sectionStats: report?.sectionStats, cost: report?.cost })),
  };
}
