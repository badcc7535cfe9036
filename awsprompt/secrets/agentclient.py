"""Talk to the unlock agent: find it, ask it to seal/unseal, start and stop it (stdlib only)."""

from __future__ import annotations

import base64
import json
import os
import socket
from pathlib import Path
from typing import Any

from awsprompt import fsutil
from awsprompt.envvars import Env
from awsprompt.errors import AgentError, AwspromptError
from awsprompt.paths import Paths

MAX_SOCKET_PATH = 107  # AF_UNIX: 108 bytes with the terminating NUL


class AgentClient:
    """The unlock agent of one state: where it listens, and how to ask, start and stop it."""

    def __init__(self, env: Env, paths: Paths | None = None) -> None:
        self.env = env
        self.paths = paths or Paths(env)
        self.enabled = not env.flag("AWSPROMPT_NO_AGENT")

    def socket_path(self) -> Path:
        """Where the agent listens."""
        return self.paths.agent_socket()

    def request(self, message: dict[str, Any], timeout: float = 10.0) -> dict[str, Any] | None:
        """Send one request; None when no agent answers."""
        path = self.socket_path()
        if not path.exists():
            return None
        try:
            fsutil.check_private(path.parent, is_dir=True)
        except AwspromptError:
            return None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect(str(path))
                sock.sendall(json.dumps(message).encode() + b"\n")
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
            except OSError:
                return None
        try:
            reply = json.loads(buf)
        except ValueError:
            return None
        return reply if isinstance(reply, dict) else None

    def status(self) -> dict[str, Any] | None:
        """The agent's status (check value, seconds left), or None when locked or disabled."""
        if not self.enabled:
            return None
        reply = self.request({"op": "status"}, timeout=3.0)
        return reply if reply and reply.get("ok") else None

    def cipher_for(self, check: str) -> AgentCipher | None:
        """An AgentCipher if a running agent holds the key whose check value is CHECK."""
        info = self.status()
        if info is None or not check or info.get("check") != check:
            return None
        return AgentCipher(self)

    def start(self, data_key: bytes, idle: float, absolute: float) -> None:
        """Start a detached agent holding DATA_KEY (passed on a pipe, never argv/env)."""
        import subprocess
        import sys

        folder = fsutil.ensure_private_dir(self.paths.runtime_dir())
        if len(os.fsencode(self.socket_path())) > MAX_SOCKET_PATH:
            raise AgentError(
                f"the agent's socket path {self.socket_path()} is too long for a Unix socket",
                hint="set XDG_RUNTIME_DIR to a shorter folder",
            )
        self.stop()
        # The agent needs no AWS variables and must never see a passphrase.
        env = self.env.child(drop_prefixes=("AWS_", "AWSPROMPT_PASS"))
        # The agent runs in the runtime folder: let it import this same awsprompt (a checkout too).
        package_root = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        proc = subprocess.Popen(
            [sys.executable, "-m", "awsprompt.commands.agentd"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(folder),
            env=env,
            close_fds=True,
        )
        assert proc.stdin is not None and proc.stdout is not None
        setup = {
            "key": base64.b64encode(data_key).decode(),
            "socket": str(self.socket_path()),
            "idle": idle,
            "absolute": absolute,
        }
        proc.stdin.write(json.dumps(setup).encode() + b"\n")
        proc.stdin.close()
        line = proc.stdout.readline()
        proc.stdout.close()
        if line.strip() != b"ready":
            raise AgentError("the agent did not start", hint="run with --debug and report it")
        # Where zsh finds this state's agent (the socket name is a digest it cannot compute).
        pointer = self.paths.agent_pointer()
        fsutil.ensure_private_dir(pointer.parent)
        fsutil.atomic_write(pointer, str(self.socket_path()).encode() + b"\n")

    def stop(self) -> bool:
        """Tell a running agent to wipe its key and exit; True if one was running."""
        reply = self.request({"op": "lock"}, timeout=3.0)
        return bool(reply and reply.get("ok"))


class AgentCipher:
    """A DataCipher whose key lives in the agent."""

    def __init__(self, client: AgentClient) -> None:
        self.client = client

    def seal(self, purpose: str, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Ask the agent to encrypt."""
        reply = self.client.request(
            {
                "op": "seal",
                "purpose": purpose,
                "plaintext": base64.b64encode(plaintext).decode(),
                "aad": base64.b64encode(aad).decode(),
            }
        )
        if not reply or not reply.get("ok"):
            raise AgentError("the agent stopped while in use", hint="run `awsprompt unlock`")
        return base64.b64decode(reply["nonce"]), base64.b64decode(reply["ct"])

    def unseal(self, purpose: str, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
        """Ask the agent to decrypt."""
        reply = self.client.request(
            {
                "op": "unseal",
                "purpose": purpose,
                "nonce": base64.b64encode(nonce).decode(),
                "ct": base64.b64encode(ciphertext).decode(),
                "aad": base64.b64encode(aad).decode(),
            }
        )
        if reply is None:
            raise AgentError("the agent stopped while in use", hint="run `awsprompt unlock`")
        if not reply.get("ok"):
            return None
        return base64.b64decode(reply["plaintext"])
