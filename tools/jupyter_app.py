"""Starts a Jupyter app from its main: `python tools/jupyter_app.py server|nbconvert|lab [args...]`.

The same as `jupyter <app> [args...]`, about one second sooner. jsonschema (imported by jupyter_events and nbformat)
loads every format checker it can, and rfc3987_syntax builds ~35 Lark parsers at import: ~1 s of each app's start-up
for the `iri` format, which no Jupyter schema uses (jupyter-server/jupyter_server#1559). Marked absent here, jsonschema
skips that one checker, exactly as when the package is not installed. Used by the notebook runner (server, HTML export)
and tools/lab.sh (JupyterLab).
"""
import importlib
import os
import sys

APPS = {
    "server": "jupyter_server.serverapp",
    "nbconvert": "nbconvert.nbconvertapp",
    "lab": "jupyterlab.labapp",
}

# this file's folder is not a package folder: keep it off the import path
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

if len(sys.argv) < 2 or sys.argv[1] not in APPS:
    sys.exit(f"usage: python {sys.argv[0]} {'|'.join(APPS)} [args...]")


def stop_with_parent(pid):
    """Headless runs: end (as on SIGTERM: kernels shut down) when the process that started us is gone, even by
    SIGKILL, which no handler of its own can see. Started only when the runner sets JUPYTER_APP_PARENT_PID."""
    import signal
    import threading
    import time

    def watch():
        while True:
            time.sleep(1)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            except PermissionError:
                pass  # alive, another user's: cannot be ours, but keep waiting

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


parent = os.environ.pop("JUPYTER_APP_PARENT_PID", "")
if parent.isdigit():
    stop_with_parent(int(parent))
app = sys.argv.pop(1)
sys.argv[0] = f"jupyter-{app}"
sys.modules.setdefault("rfc3987_syntax", None)
sys.exit(importlib.import_module(APPS[app]).main())
