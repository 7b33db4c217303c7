#!/usr/bin/env bash
# Starts JupyterLab for the workshop (the tslab kernel is in the venv). In a Codespace it listens on 8888, which
# the devcontainer forwards privately (GitHub authenticates the port); elsewhere it stays on loopback with a token.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
args=(--no-browser --port "${JUPYTER_PORT:-8888}" --ServerApp.root_dir="$root/notebooks")
if [ "${CODESPACES:-}" = true ]; then
  args+=(--ip 0.0.0.0 --IdentityProvider.token='' --ServerApp.allow_origin='*')
fi
if [ "$(id -u)" = 0 ]; then args+=(--allow-root); fi
# `jupyter lab`, about one second sooner (tools/jupyter_app.py says why)
exec .venv/bin/python tools/jupyter_app.py lab "${args[@]}" "$@"
