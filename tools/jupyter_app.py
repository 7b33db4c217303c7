"""Starts a Jupyter app from its main: `python tools/jupyter_app.py server|nbconvert|lab [args...]`.

The same as `jupyter <app> [args...]`, about one second sooner. jsonschema (imported by jupyter_events and nbformat)
loads every format checker it can, and rfc3987_syntax builds ~35 Lark parsers at import: ~1 s of each app's start-up
for the `iri` format, which no Jupyter schema uses (jupyter-server/jupyter_server#1559). Marked absent here, jsonschema
skips that one checker, exactly as when the package is not installed. Used by the notebook runner (server, HTML export)
and tools/lab.sh (JupyterLab).

The server also answers the front ends' `history_request` to a tslab kernel itself (an empty history): tslab does not
implement it and writes "unknown msg_type: history_request" to stderr, which tslab sends as a stream of its last
execute_request, so it landed as a red stderr box under the last cell run, and dirtied that notebook (its autosave
then conflicted with any other view of the file, e.g. RISE's slideshow). JupyterLab asks at every kernel connection
(the notebook's kernel history; RISE's deck is a second connection to the same kernel).
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


def answer_history_requests(kernel_names=("tslab",)):
    """A history_request from a websocket to one of these kernels is answered here (busy, an empty history_reply,
    idle: what a kernel without history would send) and not passed on to the kernel."""
    import json

    from jupyter_server.services.kernels.connection import channels

    conn = channels.ZMQChannelsWebsocketConnection
    handle = conn.handle_incoming_message

    def send(self, channel, msg):
        if self.subprotocol == "v1.kernel.websocket.jupyter.org":
            self.write_message(channels.serialize_msg_to_ws_v1(msg, channel, self.session.pack), binary=True)
        else:
            self.write_message(json.dumps({**msg, "channel": channel}, default=channels.json_default))

    def handle_incoming_message(self, incoming_msg):
        try:
            if self.channels and getattr(self.kernel_manager, "kernel_name", None) in kernel_names:
                if self.subprotocol == "v1.kernel.websocket.jupyter.org":
                    channel, msg_list = channels.deserialize_msg_from_ws_v1(incoming_msg)
                    header = self.session.unpack(msg_list[0])
                else:
                    if isinstance(incoming_msg, bytes):
                        msg = channels.deserialize_binary_message(incoming_msg)
                    else:
                        msg = json.loads(incoming_msg)
                    channel, header = msg.get("channel"), msg["header"]
                if channel in (None, "shell") and header.get("msg_type") == "history_request":
                    send(self, "iopub", self.session.msg("status", {"execution_state": "busy"}, parent=header))
                    send(self, "shell", self.session.msg("history_reply", {"status": "ok", "history": []}, parent=header))
                    send(self, "iopub", self.session.msg("status", {"execution_state": "idle"}, parent=header))
                    return None
        except Exception as e:  # anything unexpected: the message goes to the kernel, as without this
            self.log.debug("history_request shim: %r", e)
        return handle(self, incoming_msg)

    conn.handle_incoming_message = handle_incoming_message


parent = os.environ.pop("JUPYTER_APP_PARENT_PID", "")
if parent.isdigit():
    stop_with_parent(int(parent))
app = sys.argv.pop(1)
sys.argv[0] = f"jupyter-{app}"
sys.modules.setdefault("rfc3987_syntax", None)
if app in ("server", "lab"):
    answer_history_requests()
sys.exit(importlib.import_module(APPS[app]).main())
