"""A local stand-in for the console sign-in endpoint (signin.aws.amazon.com/federation).

moto has no sign-in endpoint, so the tests and `awsprompt demo` serve `getSigninToken` from
this small HTTP server on 127.0.0.1 (point AWSPROMPT_FEDERATION_URL at `url`).  It answers
like the real endpoint: a SigninToken for a well-formed request, HTTP 400 otherwise; a test
may force any status or body instead.  Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

SESSION_KEYS = ("sessionId", "sessionKey", "sessionToken")
MIN_SESSION_DURATION, MAX_SESSION_DURATION = 900, 43200


def _valid(query: dict[str, list[str]]) -> bool:
    """A getSigninToken request with temporary credentials and a duration AWS accepts."""
    if query.get("Action") != ["getSigninToken"] or len(query.get("Session", [])) != 1:
        return False
    try:
        session = json.loads(query["Session"][0])
    except ValueError:
        return False
    if not isinstance(session, dict) or not all(
        isinstance(session.get(k), str) and session[k] for k in SESSION_KEYS
    ):
        return False
    durations = query.get("SessionDuration", [])
    if not durations:
        return True
    return (
        len(durations) == 1
        and durations[0].isdigit()
        and MIN_SESSION_DURATION <= int(durations[0]) <= MAX_SESSION_DURATION
    )


@dataclass
class FederationStub:
    """getSigninToken on 127.0.0.1 from a thread; start() it, or use it as a context manager.

    `status` and `body`, when set, replace the answer to every request (GET or POST), so a
    test can play a failing endpoint or another service's error document.
    """

    token: str = "stub-signin-token"  # noqa: S105 - what the stub hands out, not a secret
    status: int | None = None
    body: bytes | None = None
    url: str = ""
    paths: list[str] = field(default_factory=list)
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    posts: list[dict[str, list[str]]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)

    def answer(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        """The status and body for one request."""
        if self.status is not None or self.body is not None:
            body = self.body if self.body is not None else self._token_body()
            return (self.status if self.status is not None else 200), body
        if _valid(query):
            return 200, self._token_body()
        return 400, b'{"message": "invalid getSigninToken request"}'

    def _token_body(self) -> bytes:
        return json.dumps({"SigninToken": self.token}).encode()

    def sessions(self) -> list[dict[str, Any]]:
        """The Session JSON of every GET request that carried one, in order."""
        return [json.loads(q["Session"][0]) for q in self.queries if q.get("Session")]

    def start(self) -> FederationStub:
        """Listen on a free port of 127.0.0.1 and set `url` to the /federation address."""
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, query: dict[str, list[str]]) -> None:
                status, body = stub.answer(query)
                self.send_response(status)
                kind = "text/xml" if body.lstrip().startswith(b"<") else "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                stub.paths.append(parts.path)
                stub.queries.append(query)
                self._reply(query)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                stub.paths.append(urllib.parse.urlsplit(self.path).path)
                stub.posts.append(form)
                self._reply(form)

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet: queries carry (test) credentials."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/federation"
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FederationStub:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
