// Licence audit: every production dependency (npm and the Python requirements) must be compatible with the
// project's own licence (AGPL-3.0-or-later, chosen because the IAM evaluator of section 4 is AGPL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');

/** Licences a work under AGPL-3.0-or-later may include (permissive, weak copyleft, GPL-3 family). */
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
  'WTFPL',
  'MPL-2.0',
  'LGPL-2.1-or-later',
  'LGPL-3.0-or-later',
  'LGPL-3.0-only',
  'GPL-3.0-or-later',
  'GPL-3.0-only',
  'AGPL-3.0-or-later',
  'AGPL-3.0-only',
  'CC-BY-4.0',
  'CC-BY-3.0',
  'HPND',
];
/** Known not to combine with AGPL-3.0 (or not free at all). */
const INCOMPATIBLE = /GPL-2\.0-only|GPL-2\.0$|SSPL|BUSL|Commons-Clause|CC-BY-NC|proprietary|UNLICENSED|Elastic-2\.0|JSON\b/i;

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

function npmProductionTree(): Map<string, { version: string; licence: string }> {
  const seen = new Map<string, { version: string; licence: string }>();
  const visit = (name: string, from: string, optional: boolean) => {
    const dir = resolveDir(name, from);
    if (!dir) {
      assert.ok(optional, `production dependency ${name} is not installed`);
      return;
    }
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const id = `${name}@${p.version}`;
    if (seen.has(id)) return;
    seen.set(id, { version: p.version, licence: npmLicence(dir) });
    for (const d of Object.keys(p.dependencies ?? {})) visit(d, dir, false);
    for (const d of Object.keys(p.optionalDependencies ?? {})) visit(d, dir, true);
    for (const d of Object.keys(p.peerDependencies ?? {})) visit(d, dir, true);
  };
  for (const d of Object.keys(pkg.dependencies)) visit(d, repo, false);
  return seen;
}

test('the project licence is AGPL-3.0-or-later and LICENSE holds its text', () => {
  assert.equal(pkg.license, 'AGPL-3.0-or-later');
  assert.match(fs.readFileSync(path.join(repo, 'LICENSE'), 'utf8'), /GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3/);
});

test('npm production dependencies: every licence is compatible', () => {
  const tree = npmProductionTree();
  const rows = Array.from(tree.entries()).map(([id, v]) => ({ package: id, licence: v.licence }));
  const byLicence = new Map<string, number>();
  for (const r of rows) byLicence.set(r.licence, (byLicence.get(r.licence) ?? 0) + 1);
  console.log(`npm production tree: ${rows.length} packages`);
  console.table(Array.from(byLicence.entries()).map(([licence, packages]) => ({ licence, packages })));
  const bad = rows.filter((r) => INCOMPATIBLE.test(r.licence) || !compatible(r.licence));
  assert.deepEqual(bad, [], 'licences not known to be compatible with AGPL-3.0-or-later');
});

test('Python requirements (and their dependencies): every licence is compatible', () => {
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
  assert.deepEqual(bad, [], 'licences not known to be compatible with AGPL-3.0-or-later');
});

test('the audit itself: refuses what AGPL-3.0 cannot include, reads SPDX OR/AND', () => {
  for (const bad of ['GPL-2.0-only', 'SSPL-1.0', 'BUSL-1.1', 'UNLICENSED', 'UNKNOWN', 'CC-BY-NC-4.0', 'MIT AND SSPL-1.0']) {
    assert.equal(compatible(bad) && !INCOMPATIBLE.test(bad), false, bad);
  }
  for (const good of ['MIT', '(MIT OR GPL-2.0-only)', 'Apache-2.0 AND BSD-3-Clause', 'GPL-3.0+', 'AGPL-3.0-or-later']) {
    assert.equal(compatible(good), true, good);
  }
});
