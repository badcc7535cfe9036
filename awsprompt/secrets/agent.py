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
import functools
import json
import os
import resource
import select
import socket
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from awsprompt.clock import SYSTEM, Clock

MAX_REQUEST = 1 << 20  # the whole vault payload is sealed through the agent
MAX_CLIENTS = 256  # connections served at once; more are closed at once
REQUEST_SECONDS = 5.0
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
        self._lock = threading.Lock()
        # A handler thread that wipes the key (lock) wakes the accept loop through this pair.
        self._stopped, self._stop_signal = socket.socketpair()
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
        if purpose not in ("vault", "session-cache", "sso-token"):
            return {"ok": False, "error": "unknown purpose"}
        sub = crypto.subkey(bytes(self._key), purpose)
        aad = base64.b64decode(request.get("aad", ""), validate=True)
        self.last_used = self.clock.monotonic()
        if op == "seal":
            nonce, ct = crypto.seal(sub, base64.b64decode(request["plaintext"], validate=True), aad)
            return {"ok": True, "nonce": crypto.b64e(nonce), "ct": crypto.b64e(ct)}
        if op == "unseal":
            plain = crypto.unseal(
                sub,
                base64.b64decode(request["nonce"], validate=True),
                base64.b64decode(request["ct"], validate=True),
                aad,
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
        """Answer requests until the key is wiped or a time-out passes (WAKE: signal fd).

        A request that is already complete when its connection is accepted (every real
        client sends at once) is answered right here; any other connection is served on
        a thread of its own with its own deadline, so one slow, idle or hostile client
        never delays the others. Past MAX_CLIENTS such threads, new connections are
        closed at once rather than queued.
        """
        slots = threading.BoundedSemaphore(MAX_CLIENTS)
        while self._key:
            if self.expired():
                with self._lock:
                    self.wipe()
                break
            wait = min(self.seconds_left())
            watched = [server, self._stopped] + ([wake] if wake is not None else [])
            ready, _, _ = select.select(watched, [], [], min(wait, 60.0))
            if wake is not None and wake in ready:
                wake.recv(512)  # drain: the signal's handler has run by now
            if server not in ready:
                continue
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            if peer_uid(conn) != os.getuid():
                conn.close()  # another user: close without a word
                continue
            early = _waiting(conn)
            if early.endswith(b"\n"):
                with conn:
                    self._answer(conn, functools.partial(parse_request, early))
                continue
            if not slots.acquire(blocking=False):
                conn.close()
                continue
            threading.Thread(target=self._serve_one, args=(conn, slots, early), daemon=True).start()

    def _answer(self, conn: socket.socket, read: Callable[[], dict[str, Any]]) -> None:
        """Read one request with READ, answer it on CONN (bad input gets 'bad request')."""
        try:
            request = read()
            with self._lock:
                reply = self.handle(request)
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            reply = {"ok": False, "error": "bad request"}
        # zsh-export: a header line, then the records as they are (zsh reads them without
        # a JSON parser); what it records afterwards waits until the answer is out.
        raw, after = reply.pop("raw", None), reply.pop("after", None)
        if raw is not None:
            reply["length"] = len(raw)
        with contextlib.suppress(OSError):
            conn.settimeout(REQUEST_SECONDS)
            conn.sendall(json.dumps(reply).encode() + b"\n" + (raw or b""))
        if after is not None:
            with contextlib.suppress(Exception):
                after()

    def _serve_one(
        self, conn: socket.socket, slots: threading.BoundedSemaphore, early: bytes
    ) -> None:
        """A connection whose request was not complete at once, on its own thread."""
        try:
            with conn:
                deadline = self.clock.monotonic() + REQUEST_SECONDS
                self._answer(conn, lambda: read_request(conn, deadline, self.clock, early))
            if not self._key:
                # Locked by this request: the answer is out, now the accept loop may end.
                with contextlib.suppress(OSError):
                    self._stop_signal.send(b"x")
        finally:
            slots.release()


def _waiting(conn: socket.socket) -> bytes:
    """What CONN has already sent (without waiting at all)."""
    conn.setblocking(False)
    try:
        return conn.recv(MAX_REQUEST + 1)
    except (BlockingIOError, InterruptedError):
        return b""
    except OSError:
        return b""
    finally:
        conn.setblocking(True)


def read_request(
    conn: socket.socket, deadline: float, clock: Clock = SYSTEM, buf: bytes = b""
) -> dict[str, Any]:
    """One newline-terminated request: at most MAX_REQUEST bytes, by DEADLINE, one object.

    BUF is what was already read from CONN.
    """
    while not buf.endswith(b"\n"):
        left = deadline - clock.monotonic()
        if left <= 0:
            raise ValueError("request too slow")
        conn.settimeout(left)
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
        if len(buf) > MAX_REQUEST:
            raise ValueError("request too large")
    return parse_request(buf)


MAX_DEPTH = 2  # {"op": ..., "env": {...}}: an object of strings, one object deep at most


def _depth(buf: bytes) -> int:
    """How deep objects and arrays nest in the JSON text BUF (strings skipped), cheaply."""
    if b"[" not in buf and buf.count(b"{") <= 1:
        return buf.count(b"{")  # the usual flat request (a vault payload too): no scan
    depth = deepest = 0
    in_string = escaped = False
    for byte in buf:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif byte in (0x7D, 0x5D):  # } ]
            depth -= 1
    return deepest


def parse_request(buf: bytes) -> dict[str, Any]:
    """A request's bytes as a JSON object, refusing deep nesting before parsing.

    Requests are objects of strings and numbers (zsh-export: one object of strings inside),
    so anything nested deeper is refused before
    the parser sees it (a deeply nested document would otherwise exhaust its stack).
    """
    if len(buf) > MAX_REQUEST:
        raise ValueError("request too large")
    if _depth(buf) > MAX_DEPTH:
        raise ValueError("nested too deep")
    data = json.loads(buf)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data
