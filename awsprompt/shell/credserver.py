"""A local credentials endpoint speaking the container credential provider protocol.

SDKs read AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN, send
`GET <uri>` with `Authorization: <token>` and expect
`{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`. The endpoint binds 127.0.0.1 only,
answers 403 to a missing or wrong token (compared in constant time) and to a Host header that
is not this loopback address (DNS rebinding), and asks a provider (the engine) for credentials
on every request, so sessions are refreshed without user interaction while the source is valid.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from awsprompt.aws.credentials import Credentials
from awsprompt.clock import Clock
from awsprompt.errors import AwspromptError

Provider = Callable[[], Credentials]
HOST = "127.0.0.1"
TOKEN_BYTES = 32  # 256 bits, well above the 128-bit floor
# Request handling never waits longer than this for a slow client.
CLIENT_TIMEOUT = 10.0


class _Handler(BaseHTTPRequestHandler):
    """One request: check Host and token, then ask the provider."""

    server: _HttpServer
    server_version = "awsprompt"
    sys_version = ""
    timeout = CLIENT_TIMEOUT

    def do_GET(self) -> None:
        if not self.server.owner.allowed(self.headers.get_all("Host"), self.headers):
            self._send(403, {"message": "forbidden"})
            return
        try:
            creds = self.server.owner.credentials()
        except AwspromptError as exc:
            self._send(500, {"message": exc.message})
            return
        except Exception as exc:  # the SDK shows this; never a traceback or a secret
            self._send(
                500, {"message": f"awsprompt could not get credentials ({type(exc).__name__})"}
            )
            return
        if creds.session_token is None or creds.expiration is None:
            self._send(500, {"message": "awsprompt serves temporary credentials only"})
            return
        doc = {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.session_token,
            "Expiration": creds.expiration_rfc3339(),
        }
        if self.server.owner.account:
            doc["AccountId"] = self.server.owner.account  # read by newer SDKs
        self._send(200, doc)

    def _refuse(self) -> None:
        self._send(405, {"message": "only GET is supported"})

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

    def _send(self, status: int, doc: dict[str, Any]) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: no request lines, and never a header."""


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, owner: CredentialServer) -> None:
        self.owner = owner
        super().__init__((HOST, 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken connection is the client's business: print nothing."""


class CredentialServer:
    """The endpoint: bound on creation, served from a thread after start()."""

    def __init__(self, provider: Provider, token: str | None = None, account: str = "") -> None:
        self.token = token or secrets.token_urlsafe(TOKEN_BYTES)
        self.account = account
        self._provider = provider
        self._lock = threading.Lock()
        self._httpd = _HttpServer(self)
        self._thread: threading.Thread | None = None
        self.port = int(self._httpd.server_address[1])
        self._hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}

    @property
    def url(self) -> str:
        """The value for AWS_CONTAINER_CREDENTIALS_FULL_URI."""
        return f"http://{HOST}:{self.port}/"

    @property
    def address(self) -> tuple[str, int]:
        """The listening socket's local address."""
        host, port = self._httpd.socket.getsockname()[:2]
        return str(host), int(port)

    def allowed(self, hosts: list[str] | None, headers: Any) -> bool:
        """True for exactly one loopback Host header and the right token."""
        if not hosts or len(hosts) != 1 or hosts[0].strip().lower() not in self._hosts:
            return False
        given = headers.get_all("Authorization") or []
        if len(given) != 1:
            return False
        return hmac.compare_digest(
            given[0].strip().encode("utf-8", "replace"), self.token.encode("ascii")
        )

    def credentials(self) -> Credentials:
        """The provider's answer; one call at a time (the engine is not thread-safe)."""
        with self._lock:
            return self._provider()

    def start(self) -> None:
        """Serve requests from a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="awsprompt-credserver", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket (later connections are refused)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def close_socket(self) -> None:
        """Close this process's copy of the socket without stopping a forked server."""
        self._httpd.server_close()


def container_vars(
    url: str, token: str, profile: str, account: str, region: str | None
) -> dict[str, str]:
    """What a child or shell gets with --server: the endpoint and token, never keys."""
    from awsprompt.shell.formats import profile_vars

    return {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
        **profile_vars(profile, account, region),
    }


def run_child(server: CredentialServer, command: list[str], env: dict[str, str]) -> int:
    """Serve while COMMAND runs; forward SIGINT/SIGTERM; return its exit status (shell style)."""
    import subprocess

    server.start()
    try:
        child = subprocess.Popen(command, env=env)  # the user's own command
    except OSError:
        server.stop()
        raise

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    return 128 - status if status < 0 else status


def _start_time(pid: int) -> str | None:
    """The process's start time from /proc (None where /proc is unavailable or it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; state is the first, starttime the 20th.
    fields = stat[stat.rfind(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def process_alive(pid: int, start: str | None = None) -> bool:
    """True while PID runs (a zombie, or a new process reusing the pid, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if Path("/proc/self/stat").exists():
        now = _start_time(pid)
        return now is not None and (start is None or now == start)
    return True


class _Stop(Exception):
    """Raised by the SIGTERM handler to leave the serving loop at once."""


def _raise_stop(_signum: int, _frame: object) -> None:
    raise _Stop


def detach(server: CredentialServer, parent_pid: int, clock: Clock, poll: float = 1.0) -> int:
    """Fork a background process serving until PARENT_PID is gone or SIGTERM; return its pid.

    The child starts a new session (no terminal), points its stdio at /dev/null (so a
    `$(...)` reading our stdout ends), refuses core dumps, and never execs: the token and
    the unlocked vault stay in its memory, never in argv or the environment.
    """
    start = _start_time(parent_pid)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        server.close_socket()
        return pid
    code = 1
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        os.chdir("/")
        from awsprompt.secrets.agent import harden

        harden()
        signal.signal(signal.SIGTERM, _raise_stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        server.start()
        try:
            while process_alive(parent_pid, start):
                clock.sleep(poll)
        except _Stop:
            pass
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.stop()
        code = 0
    finally:
        os._exit(code)
