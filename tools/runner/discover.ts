/**
 * Which notebooks a run covers: files as given, folders expanded to their own `*.ipynb` (not recursive, so
 * `.ipynb_checkpoints/` and symlinked source folders are never entered), sorted by name, duplicates dropped.
 * Also the server root (the deepest common folder) and each notebook's output name.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './args';

export interface NotebookEntry {
  /** absolute path */
  path: string;
  /** path relative to the server root, with `/` separators (the session path) */
  relPath: string;
  /** file name of the executed notebook in the output folder */
  outputName: string;
  /** how progress lines, the summary and JUnit name it (default: outputName; `<lane>/<outputName>` in a named lane) */
  label?: string;
  /** the lane (tools/runner/lanes.ts) it runs in: a kernel started ahead is that lane's */
  lane?: string;
  /**
   * the kernel session's path when it is not relPath: Jupyter Server hands the existing session (and its kernel) to
   * a second request for the same path, so a notebook run in several lanes at once gets a path of its own per lane
   */
  sessionPath?: string;
}

function isNotebookFile(name: string): boolean {
  return name.endsWith('.ipynb');
}

/** Expand files and folders to notebook paths; throws UsageError for anything missing or not a notebook. */
export function expandPaths(paths: string[], cwd: string): string[] {
  const found: string[] = [];
  for (const given of paths) {
    const abs = isAbsolute(given) ? given : resolve(cwd, given);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs);
    } catch {
      throw new UsageError(`no such notebook or folder: ${given}`);
    }
    if (st.isDirectory()) {
      const names = readdirSync(abs)
        .filter((n) => isNotebookFile(n) && !n.startsWith('.'))
        .filter((n) => statSync(join(abs, n)).isFile())
        .sort();
      if (names.length === 0) throw new UsageError(`no *.ipynb in folder: ${given}`);
      found.push(...names.map((n) => join(abs, n)));
    } else if (st.isFile()) {
      if (!isNotebookFile(abs)) throw new UsageError(`not a notebook (*.ipynb): ${given}`);
      found.push(abs);
    } else {
      throw new UsageError(`not a file or folder: ${given}`);
    }
  }
  return [...new Set(found)];
}

/** The deepest folder containing every notebook (the Jupyter Server's root_dir). */
export function commonRoot(files: string[]): string {
  if (files.length === 0) throw new Error('commonRoot of nothing');
  let root = dirname(files[0]);
  for (const f of files.slice(1)) {
    while (relative(root, f).startsWith('..') || isAbsolute(relative(root, f))) {
      const up = dirname(root);
      if (up === root) break;
      root = up;
    }
  }
  return root;
}

/** Session paths and output names; a clash of file names falls back to the relative path joined by `__`. */
export function planNotebooks(files: string[], root: string): NotebookEntry[] {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(basename(f), (counts.get(basename(f)) ?? 0) + 1);
  return files.map((path) => {
    const relPath = relative(root, path).split(sep).join('/');
    const name = basename(path);
    const outputName = (counts.get(name) ?? 0) > 1 ? relPath.split('/').join('__') : name;
    return { path, relPath, outputName };
  });
}
