"""The unlock agent: holds the vault's data key in memory and seals/unseals on request.

Its process entry point is `python -m awsprompt.commands.agentd`; the key arrives on stdin
(never argv or environment).
Modelled on ssh-agent: a 0600 socket in a 0700 folder, the peer's uid checked on every
connection, idle and absolute time-outs, no core dumps, and the key never leaves this process.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import resource
import select
import socket
import struct
import sys
from pathlib import Path
from typing import Any

from awsprompt.clock import SYSTEM, Clock

MAX_REQUEST = 1 << 20
PR_SET_DUMPABLE = 4


def harden() -> None:
    """Refuse core dumps and ptrace-style reads of this process's memory."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def peer_uid(conn: socket.socket) -> int:
    """The connecting process's uid (SO_PEERCRED on Linux, getpeereid elsewhere)."""
    if hasattr(socket, "SO_PEERCRED"):
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", creds)[1])
    uid, _gid = conn.getpeereid()  # type: ignore[attr-defined]
    return int(uid)


class Agent:
    """The key holder and its request loop."""

    def __init__(
        self, key: bytes, sock_path: Path, idle: float, absolute: float, clock: Clock = SYSTEM
    ) -> None:
        self._key = bytearray(key)
        self.sock_path = sock_path
        self.idle = idle
        self.clock = clock
        self.started = clock.monotonic()
        self.deadline = self.started + absolute
        self.last_used = self.started
        from awsprompt.secrets.vault.base import key_check

        self.check = key_check(bytes(self._key))

    def wipe(self) -> None:
        """Overwrite the key in memory."""
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray()

    def seconds_left(self) -> tuple[float, float]:
        """(idle seconds left, absolute seconds left)."""
        now = self.clock.monotonic()
        return self.last_used + self.idle - now, self.deadline - now

    def expired(self) -> bool:
        """True once the idle or the absolute time-out has passed (or the key is wiped)."""
        return not self._key or min(self.seconds_left()) <= 0

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one request."""
        from awsprompt.secrets import crypto

        if self.expired():
            self.wipe()
            return {"ok": False, "error": "locked"}
        op = request.get("op")
        idle_left, abs_left = self.seconds_left()
        if op == "status":
            return {"ok": True, "check": self.check, "idle_left": idle_left, "abs_left": abs_left}
        if op == "lock":
            self.wipe()
            return {"ok": True}
        if op == "zsh-export":
            self.last_used = self.clock.monotonic()
            return self.zsh_export(request)
        purpose = str(request.get("purpose", ""))
        if purpose not in ("vault", "session-cache"):
            return {"ok": False, "error": "unknown purpose"}
        sub = crypto.subkey(bytes(self._key), purpose)
        aad = base64.b64decode(request.get("aad", ""))
        self.last_used = self.clock.monotonic()
        if op == "seal":
            nonce, ct = crypto.seal(sub, base64.b64decode(request["plaintext"]), aad)
            return {"ok": True, "nonce": crypto.b64e(nonce), "ct": crypto.b64e(ct)}
        if op == "unseal":
            plain = crypto.unseal(
                sub, base64.b64decode(request["nonce"]), base64.b64decode(request["ct"]), aad
            )
            if plain is None:
                return {"ok": False, "error": "authentication failed"}
            return {"ok": True, "plaintext": crypto.b64e(plain)}
        return {"ok": False, "error": "unknown op"}

    def zsh_export(self, request: dict[str, Any]) -> dict[str, Any]:
        """`export PROFILE --format zsh` from the cache, for the zsh plugin (no process started).

        The request names the profile and the values of the fast path's inputs in the
        shell's environment; the answer comes from the same memo, session record and
        rules as the fast path (awsprompt.shell.fastpath), decrypted here with the key
        this agent holds: the key never leaves, only the records the plugin applies
        (after checking them against its allowlist). Anything unexpected: not ok, and the
        plugin runs awsprompt instead.
        """
        from awsprompt.envvars import FAST_INPUTS, Env
        from awsprompt.names import is_valid_profile_name
        from awsprompt.secrets.vault.base import LocalCipher
        from awsprompt.shell import fastpath

        profile = request.get("profile")
        given = request.get("env")
        if not isinstance(profile, str) or not is_valid_profile_name(profile):
            return {"ok": False, "error": "bad profile"}
        if not isinstance(given, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in given.items()
        ):
            return {"ok": False, "error": "bad env"}
        env = Env({k: v for k, v in given.items() if k in FAST_INPUTS})
        key = bytes(self._key)

        def own_cipher(_paths: object, check: str) -> LocalCipher | None:
            return LocalCipher(key) if check == self.check else None

        answer = fastpath.answer_from_cache(env, "zsh", profile, self.clock.time(), own_cipher)
        if answer is None:
            return {"ok": False, "error": "not cached"}
        out, record_use = answer
        return {"ok": True, "raw": out, "after": record_use}

    def serve(self, server: socket.socket, wake: socket.socket | None = None) -> None:
        """Answer requests until the key is wiped or a time-out passes (WAKE: signal fd)."""
        while self._key:
            if self.expired():
                self.wipe()
                break
            wait = min(self.seconds_left())
            watched = [server, wake] if wake is not None else [server]
            ready, _, _ = select.select(watched, [], [], min(wait, 60.0))
            if wake is not None and wake in ready:
                wake.recv(512)  # drain: the signal's handler has run by now
            if server not in ready:
                continue
            conn, _ = server.accept()
            after = None
            with conn:
                conn.settimeout(5)
                if peer_uid(conn) != os.getuid():
                    continue  # another user: close without a word
                try:
                    request = _read_message(conn)
                    reply = self.handle(request)
                except (OSError, ValueError, KeyError, TypeError):
                    reply = {"ok": False, "error": "bad request"}
                # zsh-export: a header line, then the records as they are (zsh reads
                # them without a JSON parser); what it records afterwards waits.
                raw, after = reply.pop("raw", None), reply.pop("after", None)
                if raw is not None:
                    reply["length"] = len(raw)
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps(reply).encode() + b"\n" + (raw or b""))
            if after is not None:
                with contextlib.suppress(Exception):
                    after()


def _read_message(conn: socket.socket) -> dict[str, Any]:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
        if len(buf) > MAX_REQUEST:
            raise ValueError("request too large")
    data = json.loads(buf)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data
