/**
 * Paths the runner writes (failing cells' outputs, progress lines, junit.xml) name files relative to the repository:
 * `/home/alice/ddb-workshop/dist/table.js:55` → `dist/table.js:55`. The same report then reads the same on every
 * machine, and does not show where an attendee or a CI runner keeps the checkout. Pure.
 */
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every `<root>/…` (also as a `file://` URL) in `text` made relative to `root`; `<root>2/…` and the bare root untouched. */
export function relativePaths(text: string, root: string = REPO_ROOT): string {
  const base = root.replace(/[\\/]+$/, '');
  if (!base || !text.includes(base)) return text;
  return text.replace(new RegExp(`(?:file://)?${escapeRegExp(base)}[\\\\/]`, 'g'), '');
}
