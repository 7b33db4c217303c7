// Notebook markdown links a `ws.*` name to the file it comes from (`[`ws.batchWriteAll`](src/batch.ts)`, through the
// link notebooks/src -> ../src), so an attendee in JupyterLab clicks from the lesson into the code. A moved or renamed file must not leave a dead link:
// every relative link (and image) in the markdown of every notebook resolves to an existing file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');

interface Cell {
  cell_type: string;
  source: string | string[];
}

/** Relative targets of the markdown links and images in a text (web addresses, mailto: and #anchors excluded). */
export function relativeLinks(markdown: string): string[] {
  const found: string[] = [];
  for (const m of markdown.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    found.push(target.split('#')[0]);
  }
  return found;
}

const notebooks = (dir: string) =>
  fs
    .readdirSync(path.join(repo, dir))
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(dir, f));

test('relativeLinks finds relative links and images, and leaves web addresses and anchors alone', () => {
  const md = [
    '[`ws.batchWriteAll`](../src/batch.ts) and [a section](../src/keys.ts#L3), ![chart](img/c.png "title")',
    '[AWS](https://docs.aws.amazon.com/) [mail](mailto:x@example.org) [up](#goal) [spaced]( <../README.md> )',
  ].join('\n');
  assert.deepEqual(relativeLinks(md), ['../src/batch.ts', '../src/keys.ts', 'img/c.png', '../README.md']);
});

test('every relative link in notebook markdown resolves to an existing file (from the notebook’s folder)', () => {
  const files = [...notebooks('notebooks'), ...notebooks(path.join('notebooks', 'instructor'))];
  assert.ok(files.length >= 7, `notebooks found: ${files.join(', ')}`);
  const dead: string[] = [];
  let links = 0;
  for (const file of files) {
    const cells = (JSON.parse(fs.readFileSync(path.join(repo, file), 'utf8')) as { cells: Cell[] }).cells;
    cells.forEach((cell, index) => {
      if (cell.cell_type !== 'markdown') return;
      const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
      for (const target of relativeLinks(source)) {
        links++;
        const resolved = path.resolve(repo, path.dirname(file), decodeURI(target));
        if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) dead.push(`${file} cell ${index}: ${target}`);
        // JupyterLab serves the notebooks' folder (my-notebooks/, or notebooks/ when authoring) and opens nothing
        // above it: a link that climbs out of it is dead in the lab even when the file exists.
        if (path.relative(path.join(repo, path.dirname(file)), path.resolve(repo, path.dirname(file), target)).startsWith('..'))
          dead.push(`${file} cell ${index}: ${target} (leaves the folder JupyterLab serves)`);
      }
    });
  }
  assert.ok(links > 0, 'no relative link found in any notebook: the notebooks link each ws.* name to its source file');
  assert.deepEqual(dead, [], `links to files that do not exist, or that JupyterLab cannot open:\n${dead.join('\n')}`);
  assert.equal(fs.readlinkSync(path.join(repo, 'notebooks', 'src')), path.join('..', 'src'), 'notebooks/src links to ../src');
});
