"""A local moto server (STS and IAM over real HTTP) for the tests, the demo and bench/run.

moto runs as its own process, `python -m moto.server`, bound to 127.0.0.1 on a port the
kernel picks: the port is read from the server's start-up line, so parallel test workers
never race for one.  moto is an optional dependency (the `demo` extra).
"""

from __future__ import annotations

import collections
import importlib.util
import re
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Mapping
from types import TracebackType
from typing import IO

from awsprompt.errors import ConfigError

_RUNNING = re.compile(rb"Running on http://127\.0\.0\.1:(\d+)")


def available() -> bool:
    """True when moto and its server dependencies can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("moto", "flask"))


class MotoServer:
    """A moto server subprocess on 127.0.0.1; stop() it, or use it as a context manager."""

    port: int
    url: str

    def __init__(
        self,
        extra_env: Mapping[str, str] | None = None,
        *,
        base_env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        timeout: float = 60,
    ) -> None:
        if not available():
            raise ConfigError(
                "the local AWS emulation (moto) is not installed",
                hint="run ./install.sh (it installs awsprompt[demo])"
                " or pip install 'awsprompt[demo]'",
            )
        # The caller's environment (tests, demo, bench pass theirs), minus any AWS settings.
        env = {k: v for k, v in (base_env or {}).items() if not k.startswith("AWS")}
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._log: collections.deque[bytes] = collections.deque(maxlen=40)
        self._port: int | None = None
        self._ready = threading.Event()
        assert self.proc.stderr is not None
        # The reader keeps draining stderr (one line per request) so the server never blocks.
        threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True).start()
        if not self._ready.wait(timeout) or self._port is None:
            self.stop()
            raise RuntimeError(f"moto server did not start: {self.log_tail()}")
        self.port = self._port
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._log.append(line)
            if self._port is None and (match := _RUNNING.search(line)):
                self._port = int(match.group(1))
                self._ready.set()
        stream.close()
        self._ready.set()  # the server exited: stop waiting

    def log_tail(self) -> str:
        """The last lines the server printed (for error messages)."""
        return b"".join(self._log).decode(errors="replace").strip()

    def _post(self, path: str, data: bytes | None = None, content_type: str | None = None) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        req = urllib.request.Request(  # noqa: S310 - always our own http://127.0.0.1 URL
            self.url + path, data=data, method="POST", headers=headers
        )
        with urllib.request.urlopen(req, timeout=10):  # noqa: S310
            pass

    def reset(self) -> None:
        """Forget all state (users, keys, roles)."""
        self._post("/moto-api/reset")

    def enable_auth(self) -> None:
        """Switch on IAM authentication: unknown keys and wrong secrets are refused from now on."""
        # moto wants the count as a raw body; a form-encoded one gives HTTP 500.
        self._post("/moto-api/reset-auth", b"0", "application/octet-stream")

    def stop(self) -> None:
        """Terminate the server (idempotent)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
