// Promises the repository makes to its users, checked on the files themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const read = (p: string) => fs.readFileSync(path.join(repo, p), 'utf8');

test('committed notebooks carry no outputs or execution counts, have cell ids and the tslab kernel', () => {
  const nbs = fs.readdirSync(path.join(repo, 'notebooks')).filter((f) => f.endsWith('.ipynb'));
  assert.ok(nbs.length >= 4);
  for (const f of nbs) {
    const nb = JSON.parse(read(`notebooks/${f}`));
    assert.equal(nb.nbformat, 4, f);
    assert.ok(nb.nbformat_minor >= 5, `${f}: nbformat 4.5 (cell ids)`);
    assert.equal(nb.metadata.kernelspec.name, 'tslab', f);
    const ids = new Set<string>();
    for (const c of nb.cells) {
      assert.ok(c.id && !ids.has(c.id), `${f}: every cell has a unique id`);
      ids.add(c.id);
      if (c.cell_type === 'code') {
        assert.deepEqual(c.outputs, [], `${f}: a code cell has outputs — executed copies belong in build/`);
        assert.equal(c.execution_count, null, `${f}: a code cell has an execution count`);
      }
    }
  }
});

test("README's Quickstart holds exactly two commands, and .ci/run is the second and nothing else", () => {
  const readme = read('README.md');
  const section = readme.split(/^## Quickstart\s*$/m)[1];
  assert.ok(section, 'a ## Quickstart section');
  const block = /```(?:bash|sh)?\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'a code block in Quickstart');
  const commands = block[1]
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(commands.length, 2, `two commands: ${commands.join(' | ')}`);
  // .ci/run: shell options, the repository root, CI=true, then exactly the README's test command.
  const ci = read('.ci/run')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .filter((l) => l !== 'set -euo pipefail' && l !== 'cd "$(dirname "$0")/.."' && l !== 'export CI="${CI:-true}"');
  assert.deepEqual(ci, [commands[1]], ".ci/run runs the README test command and nothing else (set-up is the command's)");
});

/** Runs tools/setup.sh --system-only with fake `id`, `apt-get` and `sudo` first on PATH; returns what apt-get got. */
function systemSetup(o: { uid: number; env?: Record<string, string> }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-setup-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const calls = path.join(dir, 'apt-calls');
    const script = (name: string, body: string) =>
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    script('id', `[ "$1" = -u ] && echo ${o.uid} && exit 0; exec /usr/bin/id "$@"`);
    script('apt-get', `echo "$*" >> '${calls}'`);
    script('sudo', 'exit 1');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...o.env };
    delete env.CI;
    const r = spawnSync('bash', ['tools/setup.sh', '--system-only'], { cwd: repo, encoding: 'utf8', env, timeout: 30_000 });
    const apt = fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : [];
    return { status: r.status, out: r.stdout + r.stderr, apt };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("the test command's set-up installs Chromium and shellcheck as root (apt-get update first)", () => {
  const r = systemSetup({ uid: 0, env: { WORKSHOP_DEV: '1', WORKSHOP_TEST_TOOLS: '1', CHROMIUM_PATH: '/nonexistent/chromium' } });
  assert.equal(r.status, 0, r.out);
  assert.match(r.apt[0] ?? '', /^update\b/, `apt-get update runs first: ${JSON.stringify(r.apt)}`);
  assert.equal(r.apt.length, 2, `one update, one install: ${JSON.stringify(r.apt)}`);
  assert.match(r.apt[1], /^install -y .*\bchromium\b/);
});

test('without root the set-up prints the exact command and fails; the notebooks command and the aws rehearsal need no Chromium', () => {
  const r = systemSetup({
    uid: 1000,
    env: { WORKSHOP_DEV: '1', WORKSHOP_TEST_TOOLS: '1', CHROMIUM_PATH: '/nonexistent/chromium' },
  });
  assert.equal(r.status, 1, r.out);
  assert.deepEqual(r.apt, [], 'nothing installed');
  assert.match(r.out, /sudo sh -c 'apt-get update && apt-get install -y [^']*\bchromium\b[^']*'/);
  const notebooks = systemSetup({
    uid: 1000,
    env: { WORKSHOP_DEV: '1', WORKSHOP_TEST_TOOLS: '0', CHROMIUM_PATH: '/nonexistent/chromium' },
  });
  assert.doesNotMatch(notebooks.out, /chromium/);
  assert.ok(!notebooks.apt.some((l) => /chromium/.test(l)));
});

test('the devcontainer names Node 22, Python, Java 17, the AWS CLI and the shared install script', () => {
  const dc = JSON.parse(read('.devcontainer/devcontainer.json'));
  assert.match(dc.image, /typescript-node:.*22/);
  const features = Object.keys(dc.features).join(' ');
  assert.match(features, /features\/python/);
  assert.match(features, /features\/java/);
  assert.equal(dc.features[Object.keys(dc.features).find((k) => k.includes('/java'))!].version, '17');
  assert.match(features, /features\/aws-cli/);
  assert.equal(dc.postCreateCommand, 'bash tools/setup.sh', 'the same install step as the README');
  assert.ok(read('tools/workshop.sh').includes('bash tools/setup.sh'));
  assert.ok(dc.forwardPorts.includes(8888));
  assert.ok(dc.portsAttributes['8888'].label);
  assert.ok(dc.customizations.vscode.extensions.includes('ms-toolsai.jupyter'));
});

test('the devcontainer starts JupyterLab once per container start, detached, and lands attendees on it', () => {
  const dc = JSON.parse(read('.devcontainer/devcontainer.json'));
  assert.equal(dc.postAttachCommand, undefined, 'not on every attach');
  const start = Object.values<string>(dc.postStartCommand ?? {}).join(' ');
  assert.match(start, /^bash tools\/lab\.sh --background$/, 'postStartCommand: lab.sh detaches (it outlives the command)');
  for (const f of dc.customizations.codespaces.openFiles as string[]) {
    assert.ok(!f.includes('#') && fs.existsSync(path.join(repo, f)), `openFiles takes file paths: ${f}`);
  }
  assert.ok(!('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED' in (dc.containerEnv ?? {})), 'kernels only (kernelspec)');
  // tslab in VS Code's notebook editor fails to start (yunabe/tslab#101): the landing text and the README send
  // attendees to the JupyterLab tab.
  const landing = dc.customizations.codespaces.openFiles.map(read).join('\n');
  for (const text of [
    landing,
    read('README.md')
      .split(/^## Attendee setup\s*$/m)[1]
      ?.split(/^## /m)[0] ?? '',
  ]) {
    assert.match(text, /tslab\/issues\/101|tslab#101/);
    assert.match(text, /Ports/);
  }
});

test('every Jupyter entry point on the venv skips the rfc3987_syntax grammar build (the fast-start .pth)', (t) => {
  const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
  const python = path.join(venv, 'bin', 'python');
  if (!fs.existsSync(python)) return t.skip('no venv: bash tools/setup.sh');
  // a plain `python` of the venv, as `.venv/bin/jupyter lab` or VS Code starts it: jsonschema's format checkers load
  // without building the grammars (the iri checker is skipped as if rfc3987_syntax were not installed)
  const r = spawnSync(python, ['-c', "import sys, jsonschema._format; print(sys.modules.get('rfc3987_syntax', 'absent'))"], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'None', 'rfc3987_syntax was imported: the .pth of tools/setup.sh step 2c is missing');
});

test('the docs cite only what the repository ships, and the README says where to look when something fails', () => {
  const readme = read('README.md');
  const contributing = read('CONTRIBUTING.md');
  for (const [name, text] of [
    ['README.md', readme],
    ['CONTRIBUTING.md', contributing],
  ]) {
    for (const m of text.matchAll(/\b([A-Z][A-Z_]+\.md)\b/g))
      assert.ok(fs.existsSync(path.join(repo, m[1])), `${name} cites ${m[1]}`);
    assert.doesNotMatch(text, /`duplicates\b/, `${name}: no duplicates tool in the repository`);
    // code-block lines that run something the repository does not ship
    for (const line of text.split('\n')) {
      assert.doesNotMatch(line, /^\s*\.venv\/bin\/jupyter lab\b/, `${name}: .venv/bin/jupyter lab refuses root; tools/lab.sh`);
    }
  }
  assert.doesNotMatch(readme, /on\s+GitHub\.\s*$/m, 'committed notebooks carry no outputs: charts are in the artifact');
  assert.match(readme, /workflow's\s+artifact/);
  const quickstart = readme.split(/^## Quickstart\s*$/m)[1].split(/^## /m)[0];
  assert.match(quickstart, /\]\(#troubleshooting\)/, 'Quickstart links to Troubleshooting');
  assert.match(quickstart, /8765/);
  const trouble = readme.split(/^## Troubleshooting\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  for (const topic of [/port is taken/i, /Java is missing/i, /SSO session expired/i, /Kernel .* not found/i, /cell is stuck/i]) {
    assert.match(trouble, topic);
  }
});

test('no AWS credentials committed anywhere in the tree', () => {
  const skip = new Set(['node_modules', '.git', '.venv', 'build', '.ddb-local']);
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      if (skip.has(e.name)) return [];
      const p = path.join(dir, e.name);
      if (e.isSymbolicLink()) return [];
      return e.isDirectory() ? walk(p) : [p];
    });
  for (const f of walk(repo)) {
    const text = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /(AKIA|ASIA)[A-Z0-9]{16}/, f);
    assert.doesNotMatch(text, /aws_secret_access_key\s*=\s*[A-Za-z0-9/+]{30,}/, f);
  }
});
