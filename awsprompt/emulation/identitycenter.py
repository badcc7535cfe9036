"""A local IAM Identity Center: the sso-oidc service and the access portal on one loopback port.

moto implements neither `sso` nor `sso-oidc`, so tests and the demo run against this. It
follows botocore's service models (`botocore/data/sso-oidc`, `botocore/data/sso`): the
paths, the JSON field names, the `x-amz-sso_bearer_token` header, the error type in
`x-amzn-ErrorType` with the modelled status codes. Point a client at it with
AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO (see `IdentityCenter.env`).

What it checks, as the real service does: client secrets and registration expiry; the
device code's interval (polling too early gets SlowDownException and a 5 s longer
interval), approval and expiry; the authorization code's single use, redirect URI and
PKCE S256 verifier; refresh tokens (rotated on use); bearer tokens on every portal call;
role assignments. Role credentials come from moto's AssumeRole when a moto URL is given,
so `sts get-caller-identity` with them answers that account and role.

Knobs for tests: `add_account`, `assign`/`unassign`, `fail` (the next calls of an operation
answer an error), `throttle`, `deny_sign_ins`, `revoke_all`, `expire_registrations`, and
`calls` / `grants` (counters). `FakeBrowser` plays the person at the browser.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import re
import secrets
import socket
import socketserver
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from awsprompt.clock import SYSTEM, Clock

if TYPE_CHECKING:
    from types import TracebackType

DEFAULT_START_URL = "https://d-9067000000.awsapps.com/start"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP = 5
MAX_PAGE = 100
DEFAULT_PAGE = 20

# Error type -> (HTTP status, OAuth error code) as botocore's models say.
OIDC_ERRORS: dict[str, tuple[int, str]] = {
    "AccessDeniedException": (400, "access_denied"),
    "AuthorizationPendingException": (400, "authorization_pending"),
    "ExpiredTokenException": (400, "expired_token"),
    "InternalServerException": (500, "server_error"),
    "InvalidClientException": (401, "invalid_client"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidScopeException": (400, "invalid_scope"),
    "SlowDownException": (400, "slow_down"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
}
PORTAL_ERRORS: dict[str, int] = {
    "InvalidRequestException": 400,
    "UnauthorizedException": 401,
    "ForbiddenException": 403,  # what the real portal answers for "No access"
    "ResourceNotFoundException": 404,
    "TooManyRequestsException": 429,
    "InternalServerException": 500,
}
OIDC_OPERATIONS = ("RegisterClient", "StartDeviceAuthorization", "CreateToken", "Authorize")
PORTAL_OPERATIONS = ("GetRoleCredentials", "ListAccounts", "ListAccountRoles", "Logout")
_SCOPE = re.compile(r"[a-z0-9_-]+:[a-z0-9_:*.-]+")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


class _Fault(Exception):
    """An error answer (raised inside a handler, turned into a response)."""

    def __init__(self, error: str, message: str = "", status: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.message = message or error
        self.status = status


@dataclass
class _Client:
    client_id: str
    secret: str
    expires_at: float
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    issuer: str


@dataclass
class _Device:
    client_id: str
    user_code: str
    expires_at: float
    interval: int
    last_poll: float
    approved: bool = False
    denied: bool = False


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    expires_at: float
    used: bool = False


@dataclass
class _Grant:
    client_id: str
    scopes: tuple[str, ...]
    session: str
    expires_at: float = 0.0
    revoked: bool = False


@dataclass
class _Account:
    account_id: str
    name: str
    email: str
    roles: list[str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class IdentityCenter:
    """The emulated service: state, knobs, and the HTTP server around them."""

    def __init__(
        self,
        *,
        start_url: str = DEFAULT_START_URL,
        region: str = "us-east-1",
        clock: Clock = SYSTEM,
        moto_url: str | None = None,
        user: str = "alice@example.com",
        token_ttl: int = 8 * 3600,
        registration_ttl: int = 90 * 86400,
        device_ttl: int = 600,
        interval: int = 1,
        code_ttl: int = 600,
        rotate_refresh_tokens: bool = True,
    ) -> None:
        self.start_url = start_url
        self.region = region
        self.clock = clock
        self.moto_url = moto_url
        self.user = user
        self.token_ttl = token_ttl
        self.registration_ttl = registration_ttl
        self.device_ttl = device_ttl
        self.interval = interval
        self.code_ttl = code_ttl
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.deny_sign_ins = False
        self.calls: Counter[str] = Counter()
        self.grants: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self._lock = threading.RLock()
        self._clients: dict[str, _Client] = {}
        self._devices: dict[str, _Device] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._accounts: dict[str, _Account] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._sts: Any = None
        self._server: _Server | None = None
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> IdentityCenter:
        """Listen on 127.0.0.1 on a free port, in a background thread."""
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            # Kept-alive connections would go on being served: cut them, as a dead host would.
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._connections.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> IdentityCenter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None, "not started"
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        """The endpoint of both services."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The SDK's endpoint variables pointing at this emulation."""
        return {"AWS_ENDPOINT_URL_SSO_OIDC": self.url, "AWS_ENDPOINT_URL_SSO": self.url}

    # -- knobs ---------------------------------------------------------------------------
    def add_account(
        self, account_id: str, name: str, email: str = "", roles: tuple[str, ...] = ()
    ) -> None:
        """Make ACCOUNT_ID visible to the user, with ROLES assigned."""
        with self._lock:
            acc = self._accounts.setdefault(
                account_id, _Account(account_id, name, email or f"aws+{account_id}@example.com")
            )
            acc.name = name
            for role in roles:
                if role not in acc.roles:
                    acc.roles.append(role)

    def assign(self, account_id: str, role_name: str) -> None:
        """Assign ROLE_NAME in ACCOUNT_ID to the user (the account must exist)."""
        with self._lock:
            acc = self._accounts[account_id]
            if role_name not in acc.roles:
                acc.roles.append(role_name)

    def unassign(self, account_id: str, role_name: str) -> None:
        """Take ROLE_NAME in ACCOUNT_ID away from the user."""
        with self._lock:
            acc = self._accounts.get(account_id)
            if acc and role_name in acc.roles:
                acc.roles.remove(role_name)

    def fail(
        self,
        operation: str,
        error: str,
        *,
        times: int = 1,
        status: int | None = None,
        message: str = "",
    ) -> None:
        """Answer the next TIMES calls of OPERATION with ERROR (an SDK error type)."""
        if operation not in OIDC_OPERATIONS + PORTAL_OPERATIONS:
            raise ValueError(f"unknown operation {operation}")
        with self._lock:
            self._faults.setdefault(operation, []).extend(
                _Fault(error, message, status) for _ in range(times)
            )

    def throttle(self, operation: str, times: int = 1) -> None:
        """Answer the next TIMES calls of a portal OPERATION with HTTP 429."""
        self.fail(operation, "TooManyRequestsException", times=times, message="Too many requests")

    def revoke_all(self) -> None:
        """Invalidate every access and refresh token (an administrator ended the sessions)."""
        with self._lock:
            for grant in [*self._access.values(), *self._refresh.values()]:
                grant.revoked = True

    def expire_registrations(self) -> None:
        """Make every client registration expired."""
        with self._lock:
            for client in self._clients.values():
                client.expires_at = self.clock.time() - 1

    def approve(self, user_code: str, *, deny: bool = False) -> bool:
        """The user confirms (or denies) USER_CODE on the verification page."""
        with self._lock:
            for device in self._devices.values():
                if hmac.compare_digest(device.user_code, user_code):
                    device.approved, device.denied = not deny, deny
                    return True
        return False

    def access_tokens(self) -> list[str]:
        """Every access token issued so far (tests look for them in files and output)."""
        with self._lock:
            return list(self._access)

    def refresh_tokens(self) -> list[str]:
        """Every refresh token issued so far."""
        with self._lock:
            return list(self._refresh)

    def client_secrets(self) -> list[str]:
        """Every client secret issued so far."""
        with self._lock:
            return [c.secret for c in self._clients.values()]

    # -- HTTP ----------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        center = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "IdentityCenterEmulation/1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def setup(self) -> None:
                super().setup()
                with center._lock:
                    center._connections.add(self.connection)

            def finish(self) -> None:
                with center._lock:
                    center._connections.discard(self.connection)
                super().finish()

            def log_message(self, format: str, *args: Any) -> None:
                """Silent (request lines carry codes)."""

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if not raw.strip():
                    return {}
                try:
                    data = json.loads(raw)
                except ValueError:
                    raise _Fault("InvalidRequestException", "the body is not JSON") from None
                if not isinstance(data, dict):
                    raise _Fault("InvalidRequestException", "the body is not an object")
                return data

            def _send(
                self, status: int, body: bytes, content_type: str, headers: dict[str, str]
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, data: dict[str, Any], status: int = 200) -> None:
                self._send(status, json.dumps(data).encode(), "application/json", {})

            def _error(self, fault: _Fault, portal: bool) -> None:
                with center._lock:
                    center.errors[fault.error] += 1
                if portal:
                    status = fault.status or PORTAL_ERRORS.get(fault.error, 400)
                    body: dict[str, Any] = {"message": fault.message}
                else:
                    status, oauth = OIDC_ERRORS.get(fault.error, (400, "invalid_request"))
                    status = fault.status or status
                    body = {"error": oauth, "error_description": fault.message}
                self._send(
                    status,
                    json.dumps(body).encode(),
                    "application/json",
                    {"x-amzn-ErrorType": f"{fault.error}:"},
                )

            def _route(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
                route = {
                    ("POST", "/client/register"): ("RegisterClient", False),
                    ("POST", "/device_authorization"): ("StartDeviceAuthorization", False),
                    ("POST", "/token"): ("CreateToken", False),
                    ("GET", "/federation/credentials"): ("GetRoleCredentials", True),
                    ("GET", "/assignment/accounts"): ("ListAccounts", True),
                    ("GET", "/assignment/roles"): ("ListAccountRoles", True),
                    ("POST", "/logout"): ("Logout", True),
                }.get((method, parts.path))
                if method == "GET" and parts.path == "/authorize":
                    center._authorize(self, query)
                    return
                if method == "GET" and parts.path == "/device":
                    center._device_page(self, query)
                    return
                if route is None:
                    self._error(_Fault("UnknownOperationException", "no such operation", 404), True)
                    return
                operation, portal = route
                try:
                    body = {} if method == "GET" else self._body()
                    bearer = self.headers.get("x-amz-sso_bearer_token", "")
                    result = center._dispatch(operation, body, query, bearer)
                except _Fault as fault:
                    self._error(fault, portal)
                    return
                except Exception as exc:
                    self._error(_Fault("InternalServerException", type(exc).__name__), portal)
                    return
                self._json(result)

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

        return Handler

    def _dispatch(
        self, operation: str, body: dict[str, Any], query: dict[str, str], bearer: str
    ) -> dict[str, Any]:
        with self._lock:
            self.calls[operation] += 1
            queued = self._faults.get(operation)
            if queued:
                fault = queued.pop(0)
                device = self._devices.get(str(body.get("deviceCode", "")))
                if fault.error == "SlowDownException" and device is not None:
                    # RFC 8628: the interval grows by 5 s for this and every later poll.
                    device.interval += SLOW_DOWN_STEP
                    device.last_poll = self.clock.time()
                raise fault
            if operation == "RegisterClient":
                return self._register(body)
            if operation == "StartDeviceAuthorization":
                return self._start_device(body)
            if operation == "CreateToken":
                return self._create_token(body, query)
            grant = self._bearer(bearer)
            if operation == "ListAccounts":
                return self._list(
                    "accountList",
                    [
                        {"accountId": a.account_id, "accountName": a.name, "emailAddress": a.email}
                        for a in self._accounts.values()
                        if a.roles
                    ],
                    query,
                )
            if operation == "ListAccountRoles":
                account = query.get("account_id", "")
                if not account:
                    raise _Fault("InvalidRequestException", "account_id is required")
                roles = self._roles_of(account)
                if not roles:
                    raise _Fault("ForbiddenException", "No access")
                return self._list(
                    "roleList", [{"roleName": r, "accountId": account} for r in roles], query
                )
            if operation == "Logout":
                for g in [*self._access.values(), *self._refresh.values()]:
                    if g.session == grant.session:
                        g.revoked = True
                return {}
            account, role = query.get("account_id", ""), query.get("role_name", "")
            if not account or not role:
                raise _Fault("InvalidRequestException", "account_id and role_name are required")
            if role not in self._roles_of(account):
                raise _Fault("ForbiddenException", "No access")
        # GetRoleCredentials, outside the lock (moto is a network call).
        return {"roleCredentials": self._role_credentials(account, role)}

    # -- sso-oidc ------------------------------------------------------------------------
    def _client(self, body: dict[str, Any]) -> _Client:
        client = self._clients.get(str(body.get("clientId", "")))
        secret = str(body.get("clientSecret", ""))
        if client is None or not hmac.compare_digest(client.secret, secret):
            raise _Fault("InvalidClientException", "Invalid client")
        if client.expires_at <= self.clock.time():
            raise _Fault("InvalidClientException", "The client registration has expired")
        return client

    def _register(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("clientType") != "public":
            raise _Fault("InvalidClientMetadataException", "clientType must be public")
        if not body.get("clientName"):
            raise _Fault("InvalidRequestException", "clientName is required")
        scopes = tuple(str(s) for s in body.get("scopes") or ())
        for scope in scopes:
            if not _SCOPE.fullmatch(scope):
                raise _Fault("InvalidScopeException", f"Invalid scope: {scope}")
        grant_types = tuple(str(g) for g in body.get("grantTypes") or ())
        for grant in grant_types:
            if grant not in ("authorization_code", "refresh_token", DEVICE_GRANT):
                raise _Fault("UnsupportedGrantTypeException", f"Unsupported grant: {grant}")
        redirects = tuple(str(u) for u in body.get("redirectUris") or ())
        issuer = str(body.get("issuerUrl") or "")
        if "authorization_code" in grant_types:
            if not redirects or not all(_loopback(u) for u in redirects):
                raise _Fault("InvalidRedirectUriException", "redirectUris must be loopback URIs")
            if issuer != self.start_url:
                raise _Fault("InvalidRequestException", "issuerUrl is not this instance's")
        now = self.clock.time()
        client = _Client(
            client_id="cid-" + secrets.token_urlsafe(16),
            secret="csec-" + secrets.token_urlsafe(48),
            expires_at=int(now) + self.registration_ttl,
            scopes=scopes,
            grant_types=grant_types,
            redirect_uris=redirects,
            issuer=issuer,
        )
        self._clients[client.client_id] = client
        return {
            "clientId": client.client_id,
            "clientSecret": client.secret,
            "clientIdIssuedAt": int(now),
            "clientSecretExpiresAt": int(client.expires_at),
        }

    def _start_device(self, body: dict[str, Any]) -> dict[str, Any]:
        client = self._client(body)
        if body.get("startUrl") != self.start_url:
            raise _Fault(
                "InvalidRequestException",
                f"the start URL is not an Identity Center instance in {self.region}",
            )
        code = "dc-" + secrets.token_urlsafe(32)
        user_code = "-".join(
            "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(4)) for _ in range(2)
        )
        now = self.clock.time()
        self._devices[code] = _Device(
            client.client_id, user_code, now + self.device_ttl, self.interval, last_poll=now
        )
        return {
            "deviceCode": code,
            "userCode": user_code,
            "verificationUri": f"{self.url}/device",
            "verificationUriComplete": f"{self.url}/device?{urlencode({'user_code': user_code})}",
            "expiresIn": self.device_ttl,
            "interval": self.interval,
        }

    def _create_token(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        if "aws_iam" in query:
            raise _Fault("InvalidRequestException", "CreateTokenWithIAM is not emulated")
        grant_type = str(body.get("grantType", ""))
        short = {DEVICE_GRANT: "device_code"}.get(grant_type, grant_type)
        self.grants[short] += 1
        client = self._client(body)
        now = self.clock.time()
        if grant_type == DEVICE_GRANT:
            return self._device_grant(client, body, now)
        if grant_type == "authorization_code":
            return self._code_grant(client, body, now)
        if grant_type == "refresh_token":
            return self._refresh_grant(client, body)
        raise _Fault("UnsupportedGrantTypeException", f"Unsupported grant type: {grant_type}")

    def _device_grant(self, client: _Client, body: dict[str, Any], now: float) -> dict[str, Any]:
        device = self._devices.get(str(body.get("deviceCode", "")))
        if device is None or device.client_id != client.client_id:
            raise _Fault("InvalidGrantException", "Invalid device code")
        if now >= device.expires_at:
            raise _Fault("ExpiredTokenException", "The device code has expired")
        if now - device.last_poll < device.interval:
            device.interval += SLOW_DOWN_STEP
            device.last_poll = now
            raise _Fault("SlowDownException", "Client is polling too fast")
        device.last_poll = now
        if device.denied:
            raise _Fault("AccessDeniedException", "The user denied the request")
        if not device.approved:
            raise _Fault("AuthorizationPendingException", "Authorization is pending")
        del self._devices[str(body["deviceCode"])]
        return self._issue(client, client.scopes, uuid.uuid4().hex)

    def _code_grant(self, client: _Client, body: dict[str, Any], now: float) -> dict[str, Any]:
        if "authorization_code" not in client.grant_types:
            raise _Fault("UnauthorizedClientException", "Client is not registered for codes")
        code = self._codes.get(str(body.get("code", "")))
        if code is None or code.used or code.client_id != client.client_id:
            raise _Fault("InvalidGrantException", "Invalid authorization code")
        code.used = True  # single use, even when the exchange fails
        if now >= code.expires_at:
            raise _Fault("InvalidGrantException", "The authorization code has expired")
        if str(body.get("redirectUri", "")) != code.redirect_uri:
            raise _Fault("InvalidGrantException", "redirectUri does not match")
        verifier = str(body.get("codeVerifier", ""))
        if not _VERIFIER.fullmatch(verifier):
            raise _Fault("InvalidRequestException", "Invalid code_verifier")
        if not hmac.compare_digest(_s256(verifier), code.challenge):
            raise _Fault("InvalidGrantException", "code_verifier does not match the challenge")
        return self._issue(client, code.scopes, uuid.uuid4().hex)

    def _refresh_grant(self, client: _Client, body: dict[str, Any]) -> dict[str, Any]:
        if client.grant_types and "refresh_token" not in client.grant_types:
            raise _Fault("UnauthorizedClientException", "Client may not refresh")
        old_token = str(body.get("refreshToken", ""))
        old = self._refresh.get(old_token)
        if old is None or old.revoked or old.client_id != client.client_id:
            raise _Fault("InvalidGrantException", "Invalid refresh token")
        if self.rotate_refresh_tokens:
            old.revoked = True
        issued = self._issue(client, old.scopes, old.session)
        if not self.rotate_refresh_tokens:
            issued.pop("refreshToken", None)
        return issued

    def _issue(self, client: _Client, scopes: tuple[str, ...], session: str) -> dict[str, Any]:
        now = self.clock.time()
        access = "aoa-" + secrets.token_urlsafe(48)
        self._access[access] = _Grant(client.client_id, scopes, session, now + self.token_ttl)
        out: dict[str, Any] = {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": self.token_ttl,
        }
        if scopes:  # no scopes (legacy registrations): no refresh token
            refresh = "aor-" + secrets.token_urlsafe(48)
            self._refresh[refresh] = _Grant(client.client_id, scopes, session)
            out["refreshToken"] = refresh
        return out

    def _authorize(self, req: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        """GET /authorize, as a browser makes it: redirect with `code` and `state`."""
        with self._lock:
            self.calls["Authorize"] += 1
            client = self._clients.get(query.get("client_id", ""))
            redirect = query.get("redirect_uri", "")
            if (
                client is None
                or client.expires_at <= self.clock.time()
                or "authorization_code" not in client.grant_types
                or not _redirect_allowed(redirect, client.redirect_uris)
            ):
                # Never redirect to an unverified URI: show the error instead.
                _page(req, 400, "invalid client or redirect_uri")
                return
            state = query.get("state", "")
            fault = self._faults.get("Authorize")
            error = ""
            if fault:
                error = OIDC_ERRORS.get(fault.pop(0).error, (400, "invalid_request"))[1]
            elif self.deny_sign_ins:
                error = "access_denied"
            elif query.get("response_type") != "code":
                error = "unsupported_response_type"
            elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                error = "invalid_request"
            if error:
                _redirect(req, redirect, {"error": error, "state": state})
                return
            code = "code-" + secrets.token_urlsafe(32)
            scopes = tuple(query.get("scopes", "").split()) or client.scopes
            self._codes[code] = _Code(
                client.client_id,
                redirect,
                query["code_challenge"],
                scopes,
                self.clock.time() + self.code_ttl,
            )
        _redirect(req, redirect, {"code": code, "state": state})

    def _device_page(self, req: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        """GET /device?user_code=...: the user confirms the code (or denies, when told to)."""
        code = query.get("user_code", "")
        if not code:
            _page(req, 200, "enter the code shown in your terminal")
            return
        if not self.approve(code, deny=self.deny_sign_ins):
            _page(req, 404, "unknown code")
            return
        _page(req, 200, "denied" if self.deny_sign_ins else "approved")

    # -- the portal ----------------------------------------------------------------------
    def _bearer(self, token: str) -> _Grant:
        grant = self._access.get(token) if token else None
        if grant is None or grant.revoked or grant.expires_at <= self.clock.time():
            raise _Fault("UnauthorizedException", "Session token not found or invalid")
        return grant

    def _roles_of(self, account_id: str) -> list[str]:
        acc = self._accounts.get(account_id)
        return list(acc.roles) if acc else []

    def _list(self, key: str, items: list[dict[str, str]], query: dict[str, str]) -> dict[str, Any]:
        try:
            size = int(query.get("max_result") or DEFAULT_PAGE)
            start = int(_unb64(query["next_token"])) if query.get("next_token") else 0
        except (ValueError, KeyError):
            raise _Fault("InvalidRequestException", "Invalid next_token or max_result") from None
        if not 1 <= size <= MAX_PAGE or not 0 <= start <= len(items):
            raise _Fault("InvalidRequestException", "Invalid next_token or max_result")
        out: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            out["nextToken"] = _b64(str(start + size))
        return out

    def _role_credentials(self, account_id: str, role_name: str) -> dict[str, Any]:
        if self.moto_url is None:
            return {
                "accessKeyId": "ASIA"
                + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
                "secretAccessKey": secrets.token_urlsafe(30),
                "sessionToken": "IQoJ" + secrets.token_urlsafe(96),
                "expiration": int((self.clock.time() + 3600) * 1000),
            }
        try:
            resp = self._moto().assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}",
                RoleSessionName=self.user,
                DurationSeconds=3600,
            )
        except Exception as exc:
            raise _Fault("InternalServerException", f"moto: {type(exc).__name__}") from None
        creds = resp["Credentials"]
        return {
            "accessKeyId": creds["AccessKeyId"],
            "secretAccessKey": creds["SecretAccessKey"],
            "sessionToken": creds["SessionToken"],
            "expiration": int(creds["Expiration"].timestamp() * 1000),
        }

    def _moto(self) -> Any:
        with self._lock:
            if self._sts is None:
                import boto3
                import botocore.session

                core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
                session = boto3.session.Session(
                    botocore_session=core,
                    aws_access_key_id="AKIAIDENTITYCENTER00",
                    aws_secret_access_key="emulation",  # noqa: S106 - moto takes any key
                    region_name="us-east-1",
                )
                self._sts = session.client("sts", endpoint_url=self.moto_url)
            return self._sts


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text.encode()).decode()


def _loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _redirect_allowed(uri: str, registered: tuple[str, ...]) -> bool:
    """URI matches a registered loopback redirect, any port (RFC 8252, 7.3)."""
    parts = urlsplit(uri)
    if not _loopback(uri) or parts.query or parts.fragment:
        return False
    for reg in registered:
        want = urlsplit(reg)
        if want.hostname == parts.hostname and want.path == parts.path:
            return True
    return False


def _redirect(req: BaseHTTPRequestHandler, uri: str, params: dict[str, str]) -> None:
    parts = urlsplit(uri)
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))
    req.send_response(302)
    req.send_header("Location", location)
    req.send_header("Content-Length", "0")
    req.end_headers()


def _page(req: BaseHTTPRequestHandler, status: int, text: str) -> None:
    body = f"<!doctype html><title>IAM Identity Center</title><p>{text}</p>".encode()
    req.send_response(status)
    req.send_header("Content-Type", "text/html")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


class FakeBrowser:
    """Plays the person at the browser: opens a URL and follows redirects, as a browser does.

    Used as the `open_browser` callable of a sign-in. REWRITE may alter every URL before
    it is requested (to play an attacker: a forged `state`, another code challenge).
    """

    def __init__(
        self,
        *,
        background: bool = True,
        rewrite: Callable[[str], str] | None = None,
        hops: int = 5,
    ) -> None:
        self.background = background
        self.rewrite = rewrite
        self.hops = hops
        self.opened: list[str] = []
        self.visited: list[tuple[str, int]] = []
        self.errors: list[str] = []
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        """Open URL (in the background unless told otherwise); True, as a started browser."""
        self.opened.append(url)
        if self.background:
            thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
            self._threads.append(thread)
            thread.start()
        else:
            self._visit(url)
        return True

    def _visit(self, url: str) -> None:
        for _ in range(self.hops):
            if self.rewrite is not None:
                url = self.rewrite(url)
            parts = urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
            try:
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                conn.request("GET", target or "/", headers={"Connection": "close"})
                resp = conn.getresponse()
                resp.read()
                self.visited.append((url, resp.status))
                location = resp.getheader("Location")
            except OSError as exc:
                self.errors.append(f"{url}: {type(exc).__name__}")
                return
            finally:
                conn.close()
            if resp.status not in (301, 302, 303, 307, 308) or not location:
                return
            url = location

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for the pages opened in the background."""
        for thread in self._threads:
            thread.join(timeout)
