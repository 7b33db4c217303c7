/**
 * Paths the runner writes (failing cells' outputs, progress lines, junit.xml) name files relative to the repository:
 * `/home/alice/ddb-workshop/dist/table.js:55` → `dist/table.js:55`. The same report then reads the same on every
 * machine, and does not show where an attendee or a CI runner keeps the checkout. Pure.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout this runner belongs to: the nearest folder above `start` whose package.json is ddb-workshop's. Found by
 * looking, not by counting `..`: the runner also runs compiled (dist-tools/ -> .dist-tools/<build>/, tools/setup.sh),
 * one folder deeper than its source.
 */
export function findRepoRoot(start: string = __dirname): string {
  let dir = realpathSync(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    try {
      if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'ddb-workshop') return dir;
    } catch {
      // not ours: keep looking upwards
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`run-notebooks: no ddb-workshop checkout above ${start}`);
    dir = up;
  }
}

export const REPO_ROOT = findRepoRoot();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every `<root>/…` (also as a `file://` URL) in `text` made relative to `root`; `<root>2/…` and the bare root untouched. */
export function relativePaths(text: string, root: string = REPO_ROOT): string {
  const base = root.replace(/[\\/]+$/, '');
  if (!base || !text.includes(base)) return text;
  return text.replace(new RegExp(`(?:file://)?${escapeRegExp(base)}[\\\\/]`, 'g'), '');
}
