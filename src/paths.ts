import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest folder above this module whose package.json is ddb-workshop's. */
export function repoRoot(start: string = __dirname): string {
  let dir = fs.realpathSync(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'ddb-workshop') return dir;
      } catch {
        // not ours; keep looking upwards
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where DynamoDB Local keeps its files and its pid/port record (git-ignored). */
export function localStateDir(root: string = repoRoot()): string {
  return process.env.DDB_LOCAL_DIR ? path.resolve(process.env.DDB_LOCAL_DIR) : path.join(root, '.ddb-local');
}
