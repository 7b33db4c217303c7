/**
 * Every benchmark in one run (`npm run bench`), on the same machine, each against a DynamoDB Local of its own;
 * prints the figures and writes build/bench.md (the table for the README's "Performance" section) and
 * build/bench.json. Benchmarks print figures: they never fail on timing (exit 1 only if a part crashed).
 *
 *   npm run bench                                  # all: footprint, runner, writes, emulator, jupyter (< 10 min)
 *   npm run bench -- writes emulator               # some parts
 *   npm run bench -- --quick                       # smoke run: 1 round, small sizes (~2 min)
 *   npm run bench -- rehearsal                     # optional part: the day rehearsed, 10 and 20 attendees (~25 min)
 *                                                  #   (--attendees 10,20; with --quick 3 attendees, sections 00-01)
 *   npm run bench -- --help                        # every option
 *   options: --rounds 3 --notebooks 00,01,02 --tools runner,nbconvert,nbconvert-each,runner-no-prestart --items 20000
 *            --writers 8 --seconds 10 --no-probe --out build/bench.md
 *   (runner-no-prestart: the runner with --no-prestart, each kernel started only when its notebook comes: what the
 *   default start-ahead of the next kernel saves)
 */
import './lib/env';
import { BENCH_USAGE, BenchUsageError, parseBenchArgs, type Part } from './lib/args';
import { REPO, venvDir } from './lib/cli';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchEmulator } from './emulator-fidelity';
import { benchFootprint, type FootprintResult } from './footprint';
import { benchJupyterStartup } from './jupyter-startup';
import { startEngine, stopAllEngines, type BenchEngine } from './lib/engine';
import { load1, loadavg, machineInfo } from './lib/machine';
import { consoleLog, HEADLINE_HEADER, table, verdict, type Section } from './lib/report';
import { benchRehearsal } from './rehearsal';
import { s } from './lib/stats';
import { allNotebooks, benchRunnerVsNbconvert, notebookPaths, SCRATCH } from './runner-vs-nbconvert';
import { benchWrites } from './writes-vs-boto3';

function failedSection(id: string, title: string, e: unknown, seconds: number): Section {
  const msg = ((e as Error)?.message ?? String(e)).split('\n').slice(0, 6).join(' ');
  return {
    id,
    title,
    body: [`**This part failed:** ${msg}`],
    targets: [{ what: title, target: '—', measured: 'failed', met: undefined }],
    headline: [[title, 'failed', '', '', '', 'not measured']],
    seconds,
  };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseBenchArgs>;
  try {
    args = parseBenchArgs(process.argv.slice(2), { repo: REPO, cwd: process.cwd() });
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n\n${BENCH_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const log = consoleLog;
  const t0 = performance.now();
  const venv = venvDir();
  const python = path.join(venv, 'bin', 'python');
  const machine = machineInfo(python);
  const loadStart = loadavg();
  log(
    `bench: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${loadStart}; parts: ${args.parts.join(', ')}`,
  );
  const sections: Section[] = [];
  let crashed = false;
  const want = (p: Part) => args.parts.includes(p);
  const attempt = async (id: string, title: string, f: () => Promise<Section>) => {
    const ts = performance.now();
    try {
      const sec = await f();
      sections.push(sec);
      log(`bench: ${title} done in ${s(sec.seconds, 0)} (load ${loadavg()})`);
    } catch (e) {
      crashed = true;
      log(`bench: ${title} FAILED: ${(e as Error)?.stack ?? e}`);
      sections.push(failedSection(id, title, e, (performance.now() - ts) / 1000));
    }
  };

  let fp: FootprintResult | undefined;
  const footprintNotebooks = args.quick ? notebookPaths(args.notebooks, allNotebooks()) : allNotebooks();
  if (want('footprint') || want('runner')) {
    let engine: BenchEngine | undefined;
    try {
      engine = await startEngine('nb');
      const eng = engine;
      if (want('footprint')) {
        // the whole suite once: also warms the disk cache and tsx's compile cache for the timed runs below
        await attempt('footprint', 'Footprint (peak RSS)', async () => {
          fp = await benchFootprint({ engine: eng, notebooks: footprintNotebooks, venv });
          return fp.section;
        });
      }
      if (want('runner')) {
        await attempt('runner', 'Runner vs nbconvert', () =>
          benchRunnerVsNbconvert({
            engine: eng,
            notebooks: notebookPaths(args.notebooks, allNotebooks()),
            rounds: args.rounds,
            tools: args.tools,
            venv,
            probe: args.probe,
            wholeSuite: fp ? { seconds: fp.run.seconds, notebooks: footprintNotebooks.length, ok: fp.run.ok } : undefined,
          }),
        );
        fp?.addEngine('DynamoDB Local, after the runner-vs-nbconvert rounds too', 'after the rounds too', eng.peakRss());
      }
    } catch (e) {
      crashed = true;
      log(`bench: could not start DynamoDB Local: ${(e as Error)?.message ?? e}`);
    } finally {
      await engine?.stop();
    }
  }
  if (want('writes')) {
    await attempt('writes', "Writes and fan-out reads vs the guide's boto3", async () => {
      const engine = await startEngine('writes');
      try {
        const sec = await benchWrites({ engine, items: args.items, rounds: args.rounds, writers: args.writers, python });
        const written = `${((args.rounds * 3 + 1) * args.items).toLocaleString('en-US')}+ items`;
        fp?.addEngine(`DynamoDB Local, after the writes bench (${written})`, `after ${written} written`, engine.peakRss());
        return sec;
      } finally {
        await engine.stop();
      }
    });
  }
  if (want('emulator')) {
    await attempt('emulator', 'Emulator fidelity', async () => {
      const engine = await startEngine('emu');
      try {
        return await benchEmulator({ engine, seconds: args.seconds, concurrency: 8 });
      } finally {
        await engine.stop();
      }
    });
  }

  if (want('rehearsal')) {
    await attempt('rehearsal', 'Rehearsal of the day', () =>
      benchRehearsal({ attendees: args.attendees, jobs: 2, stagger: 5, sections: args.quick ? ['00', '01'] : [], log }),
    );
  }

  if (want('jupyter')) {
    await attempt('jupyter', 'Jupyter start-up (every entry point)', () =>
      benchJupyterStartup({ python, rounds: args.quick ? 2 : 5 }),
    );
  }

  fs.rmSync(SCRATCH, { recursive: true, force: true });
  const total = (performance.now() - t0) / 1000;
  const order = ['runner', 'jupyter', 'writes', 'emulator', 'footprint', 'rehearsal'];
  sections.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const md: string[] = [];
  md.push(`## Performance (${machine.date.slice(0, 10)})`);
  md.push('');
  md.push(
    `Measured ${machine.date} on ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}; ` +
      `Node ${machine.node}, ${machine.java}, ${machine.python}. Load average (1/5/15 min) at start ${loadStart}, at end ${loadavg()}` +
      ` — a shared machine: ratios come from runs alternated A B A B (order rotated each round), absolute seconds mean little. ` +
      `\`npm run bench${args.quick ? ' -- --quick' : ''}\` took ${s(total, 0)}.`,
  );
  md.push('');
  md.push(
    ...table(
      HEADLINE_HEADER,
      sections.flatMap((sec) => sec.headline),
    ),
  );
  md.push('');
  for (const sec of sections) {
    md.push(`### ${sec.title}`);
    md.push('');
    md.push(...sec.body);
    md.push('');
    md.push(
      `_${s(sec.seconds, 0)}${sec.load ? `, load average ${sec.load.min.toFixed(1)}–${sec.load.max.toFixed(1)} during this part` : ''}._`,
    );
    md.push('');
  }
  md.push('### Targets');
  md.push('');
  md.push(
    ...table(
      ['what', 'target', 'measured', 'verdict'],
      sections.flatMap((sec) => sec.targets.map((t) => [t.what, t.target, t.measured, verdict(t.met)])),
    ),
  );
  md.push('');

  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, md.join('\n'));
  const json = `${args.out.replace(/\.md$/, '')}.json`;
  fs.writeFileSync(json, JSON.stringify({ machine, args, totalSeconds: total, load1AtEnd: load1(), sections }, null, 2));
  log('');
  log(md.join('\n'));
  log(`bench: wrote ${path.relative(process.cwd(), args.out)} and ${path.relative(process.cwd(), json)} in ${s(total, 0)}`);
  return crashed ? 1 : 0;
}

for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, stopping DynamoDB Local…\n`);
    void stopAllEngines().finally(() => process.exit(code));
  });
}

main()
  .then((code) => process.exit(code))
  .catch(async (e) => {
    process.stderr.write(`bench: ${(e as Error)?.stack ?? e}\n`);
    await stopAllEngines();
    process.exit(1);
  });
