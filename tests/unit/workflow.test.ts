// The README's commands, .ci/run, the npm scripts and the GitHub Actions workflow run the same entry points (they
// cannot drift apart), and the workflow follows the Node policy (.nvmrc, engines) and GitHub's conventions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const read = (p: string) => fs.readFileSync(path.join(repo, p), 'utf8');

function quickstartCommands(): string[] {
  const section = read('README.md').split(/^## Quickstart\s*$/m)[1] ?? '';
  const block = /```(?:bash|sh)?\n([\s\S]*?)```/.exec(section);
  return (block ? block[1] : '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** The `run:` commands of the workflow's steps (a small reader for this file's block style; no YAML dependency). */
function runCommands(yaml: string): string[] {
  const out: string[] = [];
  const lines = yaml.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?run:\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    if (m[2] === '|' || m[2] === '>') {
      const indent = m[1].length;
      for (let j = i + 1; j < lines.length && (lines[j].trim() === '' || lines[j].search(/\S/) > indent); j++) {
        if (lines[j].trim()) out.push(lines[j].trim());
      }
    } else out.push(m[2].trim());
  }
  return out;
}

test("the workflow runs the README's two commands, in order, and uploads build/", () => {
  const yaml = read('.github/workflows/notebooks.yml');
  const wanted = quickstartCommands();
  assert.equal(wanted.length, 2);
  const runs = runCommands(yaml);
  assert.deepEqual(runs, wanted, 'the run steps are the README commands and nothing else (set-up is theirs)');
  assert.match(yaml, /python-version: '3\.12'/);
  assert.match(yaml, /java-version: '17'/);
  assert.match(yaml, /uses: actions\/upload-artifact@v\d+[\s\S]*path: build\//);
  assert.match(yaml, /if: always\(\)/, 'build/ is kept even when a step failed');
});

test('the workflow: current action majors, read-only token, one run per branch or pull request', () => {
  const yaml = read('.github/workflows/notebooks.yml');
  // majors current when this was written; dependabot (github-actions) keeps them moving
  const floor: Record<string, number> = {
    'actions/checkout': 6,
    'actions/setup-node': 6,
    'actions/setup-python': 6,
    'actions/setup-java': 5,
    'actions/upload-artifact': 7,
  };
  const uses = [...yaml.matchAll(/uses: ([\w-]+\/[\w-]+)@v(\d+)/g)].map((m) => [m[1], Number(m[2])] as const);
  assert.deepEqual(uses.map((u) => u[0]).sort(), Object.keys(floor).sort());
  for (const [action, major] of uses) assert.ok(major >= floor[action], `${action}@v${major}: current is v${floor[action]}`);
  assert.match(yaml, /^permissions:\s*\n\s+contents: read\s*$/m);
  assert.match(yaml, /^concurrency:\s*\n\s+group: .*github\.event\.pull_request\.number \|\| github\.ref/m);
  // push + pull_request on every branch runs a branch's pull request twice: pushes run on main only
  assert.match(yaml, /^on:\s*\n\s+push:\s*\n\s+branches: \[main\]\s*\n\s+pull_request:/m);
});

test('Node policy: .nvmrc (22) drives setup-node, the matrix adds the engines floor (20), @types/node matches', () => {
  const yaml = read('.github/workflows/notebooks.yml');
  const pkg = JSON.parse(read('package.json'));
  const nvmrc = read('.nvmrc').trim();
  assert.equal(nvmrc, '22');
  assert.match(yaml, /node-version-file: \$\{\{ matrix\.node-version-file \}\}/);
  assert.match(yaml, /- node-version-file: \.nvmrc/);
  const floor = /^>=(\d+)$/.exec(pkg.engines.node)?.[1];
  assert.ok(floor, `engines.node is ">=N": ${pkg.engines.node}`);
  assert.match(yaml, new RegExp(`- node-version: '${floor}'`), 'the workflow runs on the oldest Node the engines accept');
  assert.ok(Number(nvmrc) >= Number(floor));
  assert.equal(/(\d+)\./.exec(pkg.devDependencies['@types/node'])?.[1], nvmrc, '@types/node follows .nvmrc');
  const lock = JSON.parse(read('package-lock.json'));
  assert.equal(lock.packages['node_modules/@types/node'].version.split('.')[0], nvmrc, 'package-lock.json updated');
  assert.match(read('.devcontainer/devcontainer.json'), new RegExp(`typescript-node:[^"]*-${nvmrc}-`), 'Codespaces too');
});

test('npm scripts call the README entry points: test, notebooks, lab, typecheck, lint, bench', () => {
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
  const [notebooks, testCmd] = quickstartCommands();
  assert.equal(scripts.test, testCmd);
  assert.equal(scripts.notebooks, notebooks);
  assert.equal(scripts.lab, 'bash tools/lab.sh');
  assert.match(read('README.md'), /`bash tools\/lab\.sh`/, 'the README names the same Lab command');
  // typecheck and lint: set-up, then exactly the steps the test command runs
  const workshop = read('tools/workshop.sh');
  const testSection = workshop.slice(workshop.indexOf('  test)'), workshop.indexOf('  aws-rehearsal)'));
  const steps = testSection.split('\n').map((l) => l.trim());
  for (const name of ['typecheck', 'lint']) {
    const parts = scripts[name].split(' && ');
    assert.equal(parts[0], 'bash tools/setup.sh', `${name} does its set-up first`);
    for (const p of parts.slice(1)) assert.ok(steps.includes(p), `${name}: "${p}" is a step of the test command`);
  }
  assert.match(scripts.bench, /^WORKSHOP_DEV=1 bash tools\/setup\.sh && tsx bench\/run\.ts$/);
  for (const s of Object.values(scripts)) {
    for (const f of s.match(/(?:tools|bench)\/[\w./-]+\.(?:sh|ts)/g) ?? []) assert.ok(fs.existsSync(path.join(repo, f)), f);
  }
});

test("the SDK's Node-version warning is silenced for kernels only, not by the library", () => {
  const name = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  for (const f of fs.readdirSync(path.join(repo, 'src'), { recursive: true }) as string[]) {
    if (f.endsWith('.ts')) assert.ok(!read(`src/${f}`).includes(name), `src/${f} sets it for every program`);
  }
  const setup = read('tools/setup.sh');
  assert.match(setup, new RegExp(`spec\\.setdefault\\("env", \\{\\}\\)\\["${name}"\\] = "true"`), 'the tslab kernelspec env');
  const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
  const spec = path.join(venv, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  if (fs.existsSync(spec)) assert.equal(JSON.parse(fs.readFileSync(spec, 'utf8')).env?.[name], 'true', spec);
});

test('dependabot watches npm and pip', () => {
  const yaml = read('.github/dependabot.yml');
  assert.match(yaml, /package-ecosystem: npm/);
  assert.match(yaml, /package-ecosystem: pip/);
});

test('the main job runs the runner compiled by set-up (node dist-tools/run-notebooks.js), built from the runner sources', () => {
  const workshop = read('tools/workshop.sh');
  assert.match(workshop, /\n\s*node dist-tools\/run-notebooks\.js /, 'workshop.sh notebooks runs the compiled runner');
  assert.doesNotMatch(workshop, /tsx tools\/run-notebooks\.ts/, 'not through tsx (about 1 s more of start-up)');
  const setup = read('tools/setup.sh');
  assert.match(setup, /build_swapped dist-tools tsconfig\.tools\.json/, 'set-up builds dist-tools/ from tsconfig.tools.json');
  assert.match(setup, /find tools\/runner tools\/run-notebooks\.ts -name '\*\.ts'/, 'rebuilt when a runner source changes');
  // what set-up built (the test command runs it first): every runner source compiled, and the runner starts
  for (const f of fs.readdirSync(path.join(repo, 'tools', 'runner')).filter((n) => n.endsWith('.ts'))) {
    const js = path.join(repo, 'dist-tools', 'runner', f.replace(/\.ts$/, '.js'));
    assert.ok(fs.existsSync(js), `tools/runner/${f} compiled to dist-tools/runner/ (run bash tools/setup.sh)`);
  }
  const help = spawnSync(process.execPath, [path.join(repo, 'dist-tools', 'run-notebooks.js'), '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: /);
  const config = JSON.parse(read('tsconfig.tools.json')) as { include: string[]; compilerOptions: { rootDir: string } };
  assert.deepEqual(config.include.sort(), ['tools/run-notebooks.ts', 'tools/runner']);
  assert.equal(config.compilerOptions.rootDir, 'tools');
  const ignored = read('.gitignore');
  assert.match(ignored, /^dist-tools$/m);
  assert.match(ignored, /^\.dist-tools\/$/m);
});
