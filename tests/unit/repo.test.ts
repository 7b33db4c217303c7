// Promises the repository makes to its users, checked on the files themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
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

test("README's Quickstart holds exactly two commands, and .ci/run runs the second", () => {
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
  assert.match(read('.ci/run'), new RegExp(`^${commands[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
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
