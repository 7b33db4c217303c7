// The repository's GitHub Actions workflow runs exactly the README's two Quickstart commands (they cannot drift).
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
  const found = runs.filter((r) => wanted.includes(r));
  assert.deepEqual(found, wanted, `workflow run steps: ${JSON.stringify(runs)}`);
  assert.match(yaml, /^on:\s*\n\s+push:\s*\n\s+pull_request:/m, 'on push and pull request');
  assert.match(yaml, /node-version: 22/);
  assert.match(yaml, /python-version: '3\.12'/);
  assert.match(yaml, /java-version: '17'/);
  assert.match(yaml, /uses: actions\/upload-artifact@v\d+[\s\S]*path: build\//);
  assert.match(yaml, /if: always\(\)/, 'build/ is kept even when a step failed');
});

test('dependabot watches npm and pip', () => {
  const yaml = read('.github/dependabot.yml');
  assert.match(yaml, /package-ecosystem: npm/);
  assert.match(yaml, /package-ecosystem: pip/);
});
