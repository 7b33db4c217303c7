/** Argument parsing and notebook discovery (pure / file-system only; no server). */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../tools/runner/args';
import { commonRoot, expandPaths, planNotebooks } from '../../tools/runner/discover';
import { apartLanes } from '../../tools/runner/run';

const defaults = { cwd: '/work/x', repoRoot: '/repo', env: {} as NodeJS.ProcessEnv };

describe('parseArgs', () => {
  it('applies the defaults', () => {
    const o = parseArgs(['a.ipynb'], defaults);
    assert.deepEqual(o, {
      paths: ['a.ipynb'],
      outputDir: '/work/x/build/notebooks',
      timeout: 120,
      allowErrors: false,
      html: false,
      venv: '/repo/.venv',
      startupTimeout: 60,
      prestart: true,
      jobs: 1,
      apart: [],
      help: false,
    });
  });

  it('reads every option, in both --opt value and --opt=value forms', () => {
    const o = parseArgs(
      [
        '--output-dir',
        'out',
        '--timeout=30',
        '--allow-errors',
        '--kernel',
        'jslab',
        '--html',
        '--junit=r/j.xml',
        '--venv',
        '/v',
        '--startup-timeout',
        '90',
        '--no-prestart',
        '--jobs=3',
        'nb',
        'b.ipynb',
      ],
      defaults,
    );
    assert.equal(o.outputDir, '/work/x/out');
    assert.equal(o.timeout, 30);
    assert.equal(o.allowErrors, true);
    assert.equal(o.kernel, 'jslab');
    assert.equal(o.html, true);
    assert.equal(o.junit, '/work/x/r/j.xml');
    assert.equal(o.venv, '/v');
    assert.equal(o.startupTimeout, 90);
    assert.equal(o.prestart, false);
    assert.equal(o.jobs, 3);
    assert.deepEqual(o.paths, ['nb', 'b.ipynb']);
  });

  it('--timeout -1 (or 0) means no timeout', () => {
    assert.equal(parseArgs(['--timeout', '-1', 'a.ipynb'], defaults).timeout, undefined);
    assert.equal(parseArgs(['--timeout=0', 'a.ipynb'], defaults).timeout, undefined);
    assert.equal(parseArgs(['--timeout', '2.5', 'a.ipynb'], defaults).timeout, 2.5);
  });

  it('takes the venv from WORKSHOP_VENV unless --venv is given', () => {
    const env = { WORKSHOP_VENV: 'venvs/py' } as NodeJS.ProcessEnv;
    assert.equal(parseArgs(['a.ipynb'], { ...defaults, env }).venv, '/work/x/venvs/py');
    assert.equal(parseArgs(['--venv', '/other', 'a.ipynb'], { ...defaults, env }).venv, '/other');
  });

  it('treats everything after -- as paths', () => {
    assert.deepEqual(parseArgs(['--', '--odd-name.ipynb'], defaults).paths, ['--odd-name.ipynb']);
  });

  it('rejects usage errors', () => {
    const bad: string[][] = [
      [],
      ['--bogus', 'a.ipynb'],
      ['--timeout', 'soon', 'a.ipynb'],
      ['--timeout'],
      ['--output-dir', '--html', 'a.ipynb'],
      ['--html=yes', 'a.ipynb'],
      ['--no-prestart=1', 'a.ipynb'],
      ['--startup-timeout', '0', 'a.ipynb'],
      ['--kernel='],
      ['--jobs', '0', 'a.ipynb'],
      ['--jobs', '1.5', 'a.ipynb'],
      ['--jobs', 'all', 'a.ipynb'],
      ['--lane', '03.ipynb', 'a.ipynb'],
      ['--lane', 'bad id:03.ipynb', 'a.ipynb'],
      ['--lane', 'hot:', 'a.ipynb'],
      ['--lane', 'hot:nbs/03.ipynb', 'a.ipynb'],
    ];
    for (const argv of bad) assert.throws(() => parseArgs(argv, defaults), UsageError, argv.join(' '));
  });

  it('says what is wrong in its own words', () => {
    const message = (argv: string[]) => {
      try {
        parseArgs(argv, defaults);
      } catch (e) {
        assert.ok(e instanceof UsageError, argv.join(' '));
        return e.message;
      }
      assert.fail(`no usage error for ${argv.join(' ')}`);
    };
    assert.equal(message([]), 'no notebook or folder given');
    assert.equal(message(['--bogus', 'a.ipynb']), 'unknown option --bogus');
    assert.equal(message(['-x', 'a.ipynb']), 'unknown option -x');
    assert.equal(message(['--timeout']), '--timeout needs a value');
    assert.equal(message(['--output-dir', '--html', 'a.ipynb']), '--output-dir needs a value');
    assert.equal(message(['--kernel=']), '--kernel needs a value');
    assert.equal(message(['--html=yes', 'a.ipynb']), '--html takes no value');
    assert.equal(message(['--timeout', 'soon', 'a.ipynb']), '--timeout expects a number of seconds, got "soon"');
    assert.equal(message(['--startup-timeout', '0', 'a.ipynb']), '--startup-timeout must be positive, got "0"');
    assert.equal(message(['--jobs', '1.5', 'a.ipynb']), '--jobs expects a whole number ≥ 1, got "1.5"');
    assert.match(message(['--lane', 'hot:', 'a.ipynb']), /^--lane expects ATTENDEE_ID:NOTEBOOK\[,NOTEBOOK\.\.\.\] .*got "hot:"$/);
  });

  it('a value may start with a dash when attached (--kernel=-k) or when it is a number (--timeout -1)', () => {
    assert.equal(parseArgs(['--kernel=-k', 'a.ipynb'], defaults).kernel, '-k');
    assert.equal(parseArgs(['--timeout', '-1', 'a.ipynb'], defaults).timeout, undefined);
    assert.deepEqual(parseArgs(['-', 'a.ipynb'], defaults).paths, ['-', 'a.ipynb']);
  });

  it('--lane ID:NB[,NB] takes notebooks apart as another attendee (repeatable)', () => {
    const o = parseArgs(['--jobs', '2', '--lane', 'demo-hot:03_hot', '--lane=x.y:a.ipynb,b.ipynb', 'nbs'], defaults);
    assert.deepEqual(o.apart, [
      { attendeeId: 'demo-hot', notebooks: ['03_hot'] },
      { attendeeId: 'x.y', notebooks: ['a.ipynb', 'b.ipynb'] },
    ]);
  });

  it('--help needs no paths', () => {
    assert.equal(parseArgs(['--help'], defaults).help, true);
    assert.equal(parseArgs(['-h'], defaults).help, true);
  });
});

describe('notebook discovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runner-discover-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'nbs', '.ipynb_checkpoints'), { recursive: true });
  mkdirSync(join(dir, 'nbs', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'other'), { recursive: true });
  mkdirSync(join(dir, 'empty'), { recursive: true });
  for (const f of [
    'nbs/10_b.ipynb',
    'nbs/02_a.ipynb',
    'nbs/notes.md',
    'nbs/.ipynb_checkpoints/02_a-checkpoint.ipynb',
    'nbs/sub/deep.ipynb',
    'other/02_a.ipynb',
  ]) {
    writeFileSync(join(dir, f), '{}');
  }

  it('expands a folder to its own *.ipynb, sorted, without checkpoints or subfolders', () => {
    assert.deepEqual(expandPaths(['nbs'], dir), [join(dir, 'nbs/02_a.ipynb'), join(dir, 'nbs/10_b.ipynb')]);
  });

  it('keeps files as given and drops duplicates', () => {
    assert.deepEqual(expandPaths(['nbs/10_b.ipynb', 'nbs', join(dir, 'nbs/10_b.ipynb')], dir), [
      join(dir, 'nbs/10_b.ipynb'),
      join(dir, 'nbs/02_a.ipynb'),
    ]);
  });

  it('rejects missing paths, non-notebooks and empty folders with a clear message', () => {
    assert.throws(() => expandPaths(['nope.ipynb'], dir), /no such notebook or folder: nope\.ipynb/);
    assert.throws(() => expandPaths(['nbs/notes.md'], dir), /not a notebook/);
    assert.throws(() => expandPaths(['empty'], dir), /no \*\.ipynb in folder/);
  });

  it('roots the server at the deepest common folder and names clashing outputs by relative path', () => {
    const files = expandPaths(['nbs', 'other', 'nbs/sub/deep.ipynb'], dir);
    const root = commonRoot(files);
    assert.equal(root, dir);
    const plan = planNotebooks(files, root);
    assert.deepEqual(
      plan.map((p) => [p.relPath, p.outputName]),
      [
        ['nbs/02_a.ipynb', 'nbs__02_a.ipynb'],
        ['nbs/10_b.ipynb', '10_b.ipynb'],
        ['other/02_a.ipynb', 'other__02_a.ipynb'],
        ['nbs/sub/deep.ipynb', 'deep.ipynb'],
      ],
    );
    assert.equal(commonRoot([join(dir, 'nbs/02_a.ipynb')]), join(dir, 'nbs'));
  });
});

describe('--lane: notebooks apart from the one lane', () => {
  const entry = (name: string) => ({ path: `/nbs/${name}`, relPath: name, outputName: name });
  const entries = ['00_setup.ipynb', '01_a.ipynb', '03_hot.ipynb', '06_cleanup.ipynb'].map(entry);

  it("the others stay one lane in order, with the run's attendee; the named ones a lane each with theirs", () => {
    const lanes = apartLanes(entries, [{ attendeeId: 'demo-hot', notebooks: ['03_hot'] }], '/out');
    assert.deepEqual(
      lanes.map((l) => ({ index: l.index, names: l.entries.map((e) => e.outputName), env: l.env, out: l.outputDir })),
      [
        { index: 0, names: ['00_setup.ipynb', '01_a.ipynb', '06_cleanup.ipynb'], env: undefined, out: '/out' },
        { index: 1, names: ['03_hot.ipynb'], env: { ATTENDEE_ID: 'demo-hot' }, out: '/out' },
      ],
    );
  });

  it('names a notebook that is not there, or one in two lanes', () => {
    assert.throws(
      () => apartLanes(entries, [{ attendeeId: 'x', notebooks: ['04_nope.ipynb'] }], '/out'),
      /no notebook 04_nope\.ipynb/,
    );
    assert.throws(
      () =>
        apartLanes(
          entries,
          [
            { attendeeId: 'x', notebooks: ['03_hot.ipynb'] },
            { attendeeId: 'y', notebooks: ['03_hot'] },
          ],
          '/out',
        ),
      /in two lanes/,
    );
  });
});
