"""The unlock agent's process: read the key from stdin, bind the socket, serve until locked.

Started by `AgentClient.start` as `python -m awsprompt.commands.agentd`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

from awsprompt.secrets import agent as agent_mod


def main() -> int:
    """Entry point of the agent process."""
    agent_mod.harden()
    setup = json.loads(sys.stdin.readline())
    key = base64.b64decode(setup["key"])
    sock_path = Path(setup["socket"])
    old = os.umask(0o177)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with contextlib.suppress(FileNotFoundError):
            sock_path.unlink()
        server.bind(str(sock_path))
        bound = os.stat(sock_path).st_ino
    finally:
        os.umask(old)
    server.listen(128)
    agent = agent_mod.Agent(key, sock_path, float(setup["idle"]), float(setup["absolute"]))
    del key, setup

    def on_term(*_: object) -> None:
        agent.wipe()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # A SIGTERM landing just before select() would otherwise wait out its time-out.
    wake, wake_w = socket.socketpair()
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdout.close()
    try:
        agent.serve(server, wake)
    finally:
        agent.wipe()
        server.close()
        # Only our own socket: a new agent may already have bound the same path.
        with contextlib.suppress(FileNotFoundError):
            if os.stat(sock_path).st_ino == bound:
                sock_path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
