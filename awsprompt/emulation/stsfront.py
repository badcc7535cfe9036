"""A loopback front for moto's STS that behaves like the real one where moto does not.

moto accepts any MFA code and never refuses a session; the real STS does both. The front
forwards every request to moto and, when asked, refuses a wrong TokenCode the way STS does
(AccessDenied, "MultiFactorAuthentication failed"), answers ExpiredToken to requests
signed with a given access key id, or rewrites Expiration into the past (clock skew).
The demo uses it so that its MFA code really is the only one that works.
"""

from __future__ import annotations

import http.server
import re
import threading
import urllib.parse
import urllib.request
from typing import Any

_EXPIRED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
    b"<Message>The security token included in the request is expired</Message></Error>"
    b"<RequestId>1</RequestId></ErrorResponse>"
)
_BAD_MFA = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
    b"<Message>MultiFactorAuthentication failed with invalid MFA one time pass code."
    b"</Message></Error><RequestId>1</RequestId></ErrorResponse>"
)


class StsFront:
    """Forward STS to UPSTREAM (moto), with the real STS's refusals switched on as asked."""

    def __init__(
        self,
        upstream: str,
        *,
        mfa_code: str | None = None,
        reject_key: str | None = None,
        expire: bool = False,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.mfa_code = mfa_code
        self.reject_key = reject_key
        self.expire = expire
        self.refused = 0
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, content_type, data = front.answer(
                    dict(self.headers.items()), body, self.path
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, headers: dict[str, str], body: bytes, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request."""
        if self.reject_key and self.reject_key in headers.get("Authorization", ""):
            self.refused += 1
            return 400, "text/xml", _EXPIRED
        code = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("TokenCode")
        if self.mfa_code is not None and code and code[0] != self.mfa_code:
            self.refused += 1
            return 403, "text/xml", _BAD_MFA
        forwarded = {k: v for k, v in headers.items() if k.lower() != "host"}
        url = self.upstream + path
        req = urllib.request.Request(url, body, forwarded, method="POST")  # noqa: S310 - loopback
        with urllib.request.urlopen(req, timeout=30) as reply:  # noqa: S310 - loopback moto
            data = reply.read()
            status, content_type = reply.status, reply.headers.get("Content-Type", "text/xml")
        if self.expire:
            data = re.sub(
                rb"<Expiration>[^<]*</Expiration>",
                b"<Expiration>2001-01-01T00:00:00Z</Expiration>",
                data,
            )
        return status, content_type, data

    def start(self) -> StsFront:
        """Serve in a background thread."""
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
