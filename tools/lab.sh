#!/usr/bin/env bash
# Starts JupyterLab for the workshop (the tslab kernel is in the venv) on 127.0.0.1, port JUPYTER_PORT (8888):
#   bash tools/lab.sh [--background] [jupyter lab options...]
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
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
background=0
if [ "${1:-}" = --background ]; then
  background=1
  shift
fi
bash tools/setup.sh
port="${JUPYTER_PORT:-8888}"
venv="${WORKSHOP_VENV:-$root/.venv}"

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

args=(--no-browser --ip 127.0.0.1 --port "$port" --ServerApp.port_retries=0 --ServerApp.root_dir="$root/notebooks")
if [ "${CODESPACES:-}" = true ]; then
  forwarded="${CODESPACE_NAME:-codespace}-$port.${GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN:-app.github.dev}"
  args+=(--ServerApp.allow_origin="https://$forwarded" --ServerApp.local_hostnames=localhost
    --ServerApp.local_hostnames="$forwarded")
  if [ -z "${JUPYTER_TOKEN:-}" ]; then args+=(--IdentityProvider.token=''); fi
fi
if [ "$(id -u)" = 0 ]; then args+=(--allow-root); fi
# `jupyter lab`, about one second sooner (tools/jupyter_app.py says why)
cmd=("$venv/bin/python" tools/jupyter_app.py lab "${args[@]}" "$@")

if [ "$background" = 0 ]; then
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
