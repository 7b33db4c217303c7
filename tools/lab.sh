#!/usr/bin/env bash
# Starts JupyterLab for the workshop (the tslab kernel is in the venv) on 127.0.0.1, port JUPYTER_PORT (8888):
#   bash tools/lab.sh [--background] [--authoring] [jupyter lab options...]
# In the foreground by default (Ctrl-C stops it). --background detaches it (setsid + nohup, output appended to
# build/jupyterlab.log or JUPYTER_LAB_LOG) and returns once it answers, so it outlives the command that started it:
# the devcontainer's postStartCommand runs this once per container start.
# One server per port: when a Jupyter server already answers on the port, this prints its address and exits 0
# (running it again is harmless); when something else holds the port, it says so and exits 1. Jupyter's
# port_retries=0: never a quiet second server on the next port.
#
# Who can reach it matters: whoever does runs code holding the attendee's AWS session.
# - It listens on loopback only, never 0.0.0.0: no other machine or container on the network reaches it. Codespaces
#   (and VS Code's port forwarding) forward loopback ports.
# - Outside Codespaces it asks for a token (in the printed URL; JUPYTER_TOKEN chooses it).
# - In a Codespace it asks for none: the only way in from outside the container is the Codespace's forwarded port,
#   which is private by default (GitHub lets only the codespace's owner through, signed in), so a token would add a
#   prompt and no protection. Making port 8888 public would remove that protection: keep it private, or set
#   JUPYTER_TOKEN to keep a token in the Codespace too.
# - No wildcard CORS origin: the only other origin trusted is the Codespace's own forwarded address, also accepted as
#   a Host name; Jupyter's Host check (against DNS rebinding) stays on for every other name.
#
# Attendees work in a git-ignored working copy, my-notebooks/ (WORKSHOP_WORK_DIR moves it), never in notebooks/.
# JupyterLab saves (autosave every 2 minutes) whatever a notebook holds: outputs, execution counts, kernel metadata
# and the attendee's answers. Written into the committed notebooks/, every `git pull` of a fix mid-workshop stopped
# with "your local changes would be overwritten" or a merge conflict. Stripping outputs on save (a pre_save_hook)
# would not be enough: the answers and the metadata still change the tracked file, and the attendee's charts would be
# gone on reopening. So Lab serves my-notebooks/: each start (and each run while Lab already runs, e.g. after a
# `git pull`) copies a notebook of notebooks/ (and notebooks/instructor/) that is not there yet, and links checks/,
# solutions/ and workshop/ (the compiled library) back to the checkout, so the copies import what the originals do.
# A copy is never overwritten once Lab saved it: when notebooks/ has a newer version, a copy still as copied is
# replaced by it, an edited one is kept and the new version is offered beside it as NN_topic.new.ipynb (delete or
# rename your copy and run this again to take it). my-notebooks/.upstream/ keeps the version each copy started from.
# --authoring serves notebooks/ itself, for writing the workshop's notebooks (clear outputs before committing).
#
# Only the TypeScript (tslab) kernel is offered: the venv also holds tslab's JavaScript kernel (jslab) and Python's;
# Lab's kernel picker (after Run All in a notebook without a kernel, or for a new notebook) must not offer them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
background=0
authoring=0
while [ $# -gt 0 ]; do
  case "$1" in
    --background) background=1 ;;
    --authoring) authoring=1 ;;
    *) break ;;
  esac
  shift
done
bash tools/setup.sh
port="${JUPYTER_PORT:-8888}"
venv="${WORKSHOP_VENV:-$root/.venv}"
work="${WORKSHOP_WORK_DIR:-$root/my-notebooks}"

# The working copy (see the top of this file): copies what is missing, replaces copies Lab never saved, offers a
# newer notebook beside an edited copy; never deletes or overwrites a file an attendee may have changed.
sync_work() {
  "$venv/bin/python" - "$root/notebooks" "$work" <<'PY'
import filecmp, os, shutil, sys

src, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
record = os.path.join(work, ".upstream")  # the notebooks/ version each copy started from (hidden in Lab)
shown = lambda p: os.path.relpath(p) if not os.path.relpath(p).startswith("..") else p
same = lambda a, b: os.path.isfile(a) and os.path.isfile(b) and filecmp.cmp(a, b, shallow=False)
copied, updated, notes = [], [], []


def put(source, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".tmp"
    shutil.copyfile(source, tmp)
    os.replace(tmp, dest)  # whole or not at all: Lab never reads a half-written notebook


def link(target, at):
    rel = os.path.relpath(target, os.path.dirname(at))
    if os.path.islink(at):
        if os.readlink(at) == rel:
            return
        os.remove(at)
    elif os.path.exists(at):
        notes.append(f"{shown(at)} is not a link to {shown(target)}: left as it is")
        return
    os.symlink(rel, at)


def notebook(up, mine, base):
    offer, offered = mine[: -len(".ipynb")] + ".new.ipynb", base + ".offered"
    if not os.path.exists(mine):
        put(up, mine)
        put(up, base)
        copied.append(mine)
    elif same(mine, up):
        if not same(base, up):
            put(up, base)
    elif same(base, up):
        pass  # notebooks/ did not change since the copy was made: the copy is the attendee's
    elif same(mine, base):
        put(up, mine)  # never saved by Lab: nothing of the attendee's to keep
        put(up, base)
        updated.append(mine)
    else:
        if not os.path.exists(offer) or same(offer, offered):
            put(up, offer)
            put(up, offered)
        if same(offer, up):
            notes.append(
                f"{shown(up)} changed since your copy {shown(mine)} was made; your copy is kept, the new version is "
                f"{shown(offer)} (to switch: delete or rename your copy, then run bash tools/lab.sh again)"
            )
        else:
            notes.append(f"{shown(up)} changed; your {shown(mine)} and {shown(offer)} are both edited: compare by hand")
    # an offer taken (the copy is now the new version): tidy it away if it was not edited
    if same(mine, up) and same(offer, offered):
        os.remove(offer)
        os.remove(offered)


def folder(rel):
    s, w, b = os.path.join(src, rel), os.path.join(work, rel), os.path.join(record, rel)
    os.makedirs(w, exist_ok=True)
    for name in sorted(os.listdir(s)):
        if name.startswith("."):
            continue
        sp, wp = os.path.join(s, name), os.path.join(w, name)
        if os.path.islink(sp):  # workshop -> ../dist (the compiled library), src -> ../src (the sources links open)
            # one level only: dist is itself a link swapped at each build, and the copy must follow that swap
            link(os.path.normpath(os.path.join(os.path.dirname(sp), os.readlink(sp))), wp)
        elif os.path.isdir(sp):
            if any(f.endswith(".ipynb") for f in os.listdir(sp)):
                folder(os.path.join(rel, name))  # instructor/: notebooks of its own
            else:
                link(sp, wp)  # checks/, solutions/: read from the checkout, as the originals do
        elif name.endswith(".ipynb"):
            notebook(sp, wp, os.path.join(b, name))


folder("")
# a working copy outside the checkout (WORKSHOP_WORK_DIR): cells import packages (@aws-sdk/...) from node_modules,
# which tslab looks for in the notebook's folder and above it
checkout = os.path.dirname(src)
if os.path.commonpath([work, checkout]) != checkout:
    link(os.path.join(checkout, "node_modules"), os.path.join(work, "node_modules"))
if copied:
    print(f"[lab.sh] working copy {shown(work)}/: {len(copied)} notebook(s) copied from notebooks/ (git-ignored: "
          "Lab saves there, notebooks/ stays as committed, git pull never conflicts)")
for p in updated:
    print(f"[lab.sh] {shown(p)}: replaced by the newer version in notebooks/ (you had not changed it)")
for n in notes:
    print(f"[lab.sh] {n}")
PY
}
if [ "$authoring" = 1 ]; then
  serve="$root/notebooks"
  echo "[lab.sh] --authoring: Lab serves notebooks/ itself; clear outputs before committing (CONTRIBUTING.md)"
else
  serve="$work"
  sync_work
fi

# 0: a Jupyter server answers on the port; 1: nothing listens there; 2: something else holds it.
probe() {
  node -e '
    fetch("http://127.0.0.1:" + process.argv[1] + "/api", { signal: AbortSignal.timeout(3000) })
      .then(async (r) => process.exit(r.ok && (await r.json().catch(() => ({}))).version ? 0 : 2))
      .catch((e) => process.exit(e?.cause?.code === "ECONNREFUSED" ? 1 : 2));
  ' "$port"
}
# The address of the server on the port, with its token (from Jupyter's runtime files).
address() {
  "$venv/bin/python" - "$port" <<'PY'
import glob, json, os, sys
from jupyter_core.paths import jupyter_runtime_dir
port = int(sys.argv[1])
for path in sorted(glob.glob(os.path.join(jupyter_runtime_dir(), "jpserver-*.json"))):
    try:
        with open(path) as f:
            info = json.load(f)
    except (OSError, ValueError):
        continue
    if info.get("port") == port:
        token = info.get("token")
        print(f"http://127.0.0.1:{port}/lab" + (f"?token={token}" if token else "") + f" (pid {info.get('pid')})")
        break
else:
    print(f"http://127.0.0.1:{port}/lab")
PY
}
where() {
  if [ "${CODESPACES:-}" = true ]; then
    echo "In the Codespace: Ports tab -> port $port (\"JupyterLab (workshop notebooks)\") -> Open in Browser."
  fi
}

rc=0
probe || rc=$?
if [ "$rc" = 0 ]; then
  echo "JupyterLab already runs on port $port: $(address)"
  where
  exit 0
elif [ "$rc" = 2 ]; then
  echo "Port $port is taken by something that is not a Jupyter server. Free it, or use another port:" >&2
  echo "  JUPYTER_PORT=8889 bash tools/lab.sh" >&2
  exit 1
fi

args=(--no-browser --ip 127.0.0.1 --port "$port" --ServerApp.port_retries=0 --ServerApp.root_dir="$serve"
  --KernelSpecManager.allowed_kernelspecs=tslab --MappingKernelManager.default_kernel_name=tslab)
if [ "${CODESPACES:-}" = true ]; then
  forwarded="${CODESPACE_NAME:-codespace}-$port.${GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN:-app.github.dev}"
  args+=(--ServerApp.allow_origin="https://$forwarded" --ServerApp.local_hostnames=localhost
    --ServerApp.local_hostnames="$forwarded")
  if [ -z "${JUPYTER_TOKEN:-}" ]; then args+=(--IdentityProvider.token=''); fi
fi
if [ "$(id -u)" = 0 ]; then args+=(--allow-root); fi
# `jupyter lab`, about one second sooner (tools/jupyter_app.py says why)
# Live kernels wait in real time (the wait is the lesson): a WORKSHOP_CLOCK=virtual left exported by a headless run
# must not reach them.
export WORKSHOP_CLOCK=real
cmd=("$venv/bin/python" tools/jupyter_app.py lab "${args[@]}" "$@")

# DynamoDB Local, started while JupyterLab starts, so the day's first cell on the local target finds it ready instead
# of waiting 3-7 s for the JVM (src/local/engine.ts localEnginePlan: the engine createClients would start, on DDB_LOCAL_PORT
# with its data in .ddb-local/; none on the aws target or with DDB_ENDPOINT set). Its keeper (tools/local-ddb.ts
# with-lab) watches JupyterLab's pid and stops the engine once JupyterLab is gone: nothing is left running. An engine
# already running is not ours: left alone. Its own session (double fork), so Ctrl-C at Lab's prompt is Lab's alone.
# Output: the terminal in the foreground, Lab's log with --background.
engine() {
  local keeper=("$root/node_modules/.bin/tsx" tools/local-ddb.ts with-lab --pid "$1")
  if command -v setsid >/dev/null 2>&1; then keeper=(setsid "${keeper[@]}"); fi
  if [ -n "${2:-}" ]; then
    ( "${keeper[@]}" >>"$2" 2>&1 </dev/null & )
  else
    ( "${keeper[@]}" </dev/null & )
  fi
}

if [ "$background" = 0 ]; then
  engine "$$" # exec keeps this pid: the keeper watches JupyterLab itself
  exec "${cmd[@]}"
fi
log="${JUPYTER_LAB_LOG:-$root/build/jupyterlab.log}"
mkdir -p "$(dirname "$log")"
printf '\n[lab.sh] %s: starting JupyterLab on port %s\n' "$(date '+%F %T')" "$port" >>"$log"
if command -v setsid >/dev/null 2>&1; then
  setsid nohup "${cmd[@]}" >>"$log" 2>&1 </dev/null &
else
  nohup "${cmd[@]}" >>"$log" 2>&1 </dev/null &
fi
pid=$!
engine "$pid" "$log"
for _ in $(seq 240); do # up to 2 minutes
  if probe; then
    echo "JupyterLab runs in the background on port $port: $(address); log: $log"
    where
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "JupyterLab did not start (log: $log):" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "JupyterLab (pid $pid) did not answer on port $port within 2 minutes; log: $log" >&2
exit 1
