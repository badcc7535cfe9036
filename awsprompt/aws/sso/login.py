"""The two sign-in flows: authorization code with PKCE (the default) and the device code.

PKCE, as the AWS CLI does since 2.22: register a public client for the authorization-code
grant, send the browser to `/authorize` with an S256 challenge and a random `state`, catch
the redirect on a one-shot listener on 127.0.0.1 (random port, `/oauth/callback`), check
`state`, then exchange the code with the verifier. The wait is bounded; the port is freed.

Device code: show the user code and the verification URL (AWS's page asks the user to
confirm the code), poll at the given interval, add 5 s on SlowDown, stop at expiry.

Both sleep through the injected clock, talk to the person through the UI, and open the
browser through an injected callable; neither stores anything (`refresh.AccessTokens` does).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import socketserver
import string
import threading
import uuid
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from awsprompt.aws.sso.config import DEFAULT_SCOPES
from awsprompt.aws.sso.oidc import OidcClient, Poll, RegistrationRejected, TokenGrant, client_name
from awsprompt.aws.sso.tokens import AUTH_CODE_GRANTS, Registration, SsoToken
from awsprompt.errors import SsoLoginFailed

if TYPE_CHECKING:
    from types import TracebackType

    from awsprompt.aws.sso.config import SsoSession
    from awsprompt.aws.sso.refresh import AccessTokens, LoginFlow
    from awsprompt.clock import Clock
    from awsprompt.context import Context
    from awsprompt.ui import UI

REDIRECT_PATH = "/oauth/callback"
# Registered without a port: loopback redirects may use any port (RFC 8252, 7.3).
REGISTERED_REDIRECT = "http://127.0.0.1/oauth/callback"
DEFAULT_TIMEOUT = 600.0
SLOW_DOWN_STEP = 5
DEFAULT_INTERVAL = 5
# A registration is reused while more than this is left (the AWS CLI's window).
REUSE_WINDOW = 15 * 60
VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"

BrowserOpener = Callable[[str], bool]

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>awsprompt</title></head>"
    "<body style='font-family:sans-serif'><h2>{title}</h2><p>{text}</p></body></html>"
)


def pkce_pair() -> tuple[str, str]:
    """A PKCE (verifier, S256 challenge): 64 unreserved characters, base64url without `=`."""
    verifier = "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(64))
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    """base64url(SHA-256(VERIFIER)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorize_url(
    base: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    scopes: Sequence[str],
) -> str:
    """The browser's `/authorize` URL for the authorization-code grant with PKCE."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge_method": "S256",
            "scopes": " ".join(scopes or DEFAULT_SCOPES),
            "code_challenge": challenge,
        },
        quote_via=quote,
    )
    return f"{base.rstrip('/')}/authorize?{query}"


class _LoopbackServer(HTTPServer):
    """An HTTPServer that does not look its own name up (no DNS on the way to a sign-in)."""

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class CallbackListener:
    """A one-shot HTTP listener on 127.0.0.1 (random port) for the sign-in redirect."""

    def __init__(self, clock: Clock, *, step: float = 0.5) -> None:
        self.clock = clock
        self.step = step
        self._result: dict[str, str] | None = None
        self._done = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != REDIRECT_PATH or listener._done.is_set():
                    self.send_error(404)
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
                ok = "code" in query and "error" not in query
                title = "Signed in" if ok else "Sign-in failed"
                text = (
                    "You can close this tab and return to the terminal."
                    if ok
                    else "Return to the terminal for details."
                )
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
                listener._result = query
                listener._done.set()

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: the request line carries the authorization code."""

        self._server = _LoopbackServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._closed = False

    @property
    def port(self) -> int:
        """The port the listener is bound to."""
        return int(self._server.server_port)

    @property
    def redirect_uri(self) -> str:
        """The redirect URI for this listener (with its port)."""
        return f"http://127.0.0.1:{self.port}{REDIRECT_PATH}"

    def wait(self, timeout: float, expected_state: str, label: str, hint: str) -> str:
        """The authorization code of the first redirect; SsoLoginFailed on time-out or bad state."""
        deadline = self.clock.monotonic() + timeout
        try:
            # A brief real wait yields to the listener's thread; the clock paces the loop
            # (so a test's fake clock runs the whole wait without really waiting).
            while not self._done.wait(0.005):
                if self.clock.monotonic() >= deadline:
                    raise SsoLoginFailed(
                        f"the sign-in to {label} timed out after {timeout:g}s without a"
                        " redirect from the browser",
                        hint=f"{hint}, and finish the sign-in in the browser",
                    )
                self.clock.sleep(self.step)
        finally:
            self.close()
        result = self._result or {}
        if "error" in result:
            reason = result["error"][:64]
            raise SsoLoginFailed(
                f"the sign-in to {label} was refused in the browser ({reason})", hint=hint
            )
        if not hmac.compare_digest(result.get("state", "").encode(), expected_state.encode()):
            raise SsoLoginFailed(
                f"the sign-in redirect for {label} carried the wrong state; refused",
                hint=f"{hint} (a redirect this sign-in did not start was ignored)",
            )
        code = result.get("code", "")
        if not code:
            raise SsoLoginFailed(f"the sign-in redirect for {label} carried no code", hint=hint)
        return code

    def close(self) -> None:
        """Stop listening and free the port."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _open(url: str, open_browser: BrowserOpener | None, no_browser: bool) -> bool:
    """True when a browser was started on URL."""
    if no_browser or open_browser is None:
        return False
    try:
        return bool(open_browser(url))
    except Exception:
        return False


def reusable_for_code(reg: Registration | None, session: SsoSession, now: float) -> bool:
    """True when REG can serve another PKCE sign-in for SESSION."""
    return (
        reg is not None
        and reg.for_code_flow
        and set(reg.scopes) == set(session.scopes or DEFAULT_SCOPES)
        and reg.issuer_url == session.start_url
        and reg.seconds_left(now) > REUSE_WINDOW
    )


def reusable_for_device(reg: Registration | None, session: SsoSession, now: float) -> bool:
    """True when REG can serve another device-code sign-in for SESSION."""
    return (
        reg is not None
        and not reg.for_code_flow
        and set(reg.scopes) == set(session.scopes)
        and reg.seconds_left(now) > REUSE_WINDOW
    )


def pkce_login(
    ui: UI,
    clock: Clock,
    session: SsoSession,
    oidc: OidcClient,
    registration: Registration | None = None,
    *,
    open_browser: BrowserOpener | None = None,
    no_browser: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> SsoToken:
    """Sign SESSION in with the authorization-code grant and PKCE (REGISTRATION reused if fit)."""
    hint = f"run `{session.login_command}` again"
    scopes = session.scopes or DEFAULT_SCOPES
    reg = registration if reusable_for_code(registration, session, clock.time()) else None
    if reg is None:
        reg = oidc.register(
            client_name(session, clock.time()),
            scopes=scopes,
            grant_types=AUTH_CODE_GRANTS,
            redirect_uris=(REGISTERED_REDIRECT,),
            issuer_url=session.start_url,
        )
    verifier, challenge = pkce_pair()
    state = str(uuid.uuid4())
    with CallbackListener(clock) as listener:
        url = authorize_url(
            oidc.authorize_base(),
            client_id=reg.client_id,
            redirect_uri=listener.redirect_uri,
            state=state,
            challenge=challenge,
            scopes=scopes,
        )
        if _open(url, open_browser, no_browser):
            ui.info(f"Signing in to {session.label} in your browser. If it did not open, visit:")
        else:
            ui.info(f"To sign in to {session.label}, open this URL in a browser on this machine:")
        ui.info(url)
        ui.info("(On another device? Use the device code flow instead.)")
        code = listener.wait(timeout, state, session.label, hint)
    grant = oidc.exchange_code(reg, code, verifier, listener.redirect_uri)
    return grant.to_token(session, reg, clock.time())


def device_login(
    ui: UI,
    clock: Clock,
    session: SsoSession,
    oidc: OidcClient,
    registration: Registration | None = None,
    *,
    open_browser: BrowserOpener | None = None,
    no_browser: bool = False,
    timeout: float | None = None,
) -> SsoToken:
    """Sign SESSION in with the device-code grant (REGISTRATION reused if fit)."""
    hint = f"run `{session.login_command}` again"
    reused = reusable_for_device(registration, session, clock.time())
    reg = (
        registration
        if reused and registration is not None
        else _register_device(oidc, session, clock)
    )
    try:
        auth = oidc.start_device_authorization(reg)
    except RegistrationRejected:
        if not reused:
            raise
        reg = _register_device(oidc, session, clock)
        auth = oidc.start_device_authorization(reg)
    ui.info(
        f"To sign in to {session.label}, open {auth.verification_uri} and confirm the code:"
        f" {auth.user_code}"
    )
    if _open(auth.verification_uri_complete, open_browser, no_browser):
        ui.info("Your browser was opened on that page; check that it shows the same code.")
    elif auth.verification_uri_complete:
        ui.info(f"Or open this URL, which fills the code in: {auth.verification_uri_complete}")
    interval = max(auth.interval, 1) if auth.interval else DEFAULT_INTERVAL
    limit = float(auth.expires_in) if timeout is None else min(float(auth.expires_in), timeout)
    started = clock.monotonic()
    while True:
        clock.sleep(interval)
        if clock.monotonic() - started > limit:
            raise SsoLoginFailed(
                f"the sign-in to {session.label} expired after {limit:g}s before it was approved",
                hint=hint,
            )
        result = oidc.poll_device_token(reg, auth.device_code)
        if isinstance(result, TokenGrant):
            return result.to_token(session, reg, clock.time())
        if result is Poll.SLOW_DOWN:
            interval += SLOW_DOWN_STEP


def _register_device(oidc: OidcClient, session: SsoSession, clock: Clock) -> Registration:
    return oidc.register(client_name(session, clock.time()), scopes=session.scopes)


def make_flow(
    ui: UI,
    clock: Clock,
    session: SsoSession,
    oidc: OidcClient,
    *,
    device_code: bool = False,
    no_browser: bool = False,
    open_browser: BrowserOpener | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> LoginFlow:
    """The sign-in to run for SESSION: PKCE, or the device code when asked or for legacy."""
    run = device_login if device_code or session.legacy else pkce_login

    def flow(registration: Registration | None) -> SsoToken:
        return run(
            ui,
            clock,
            session,
            oidc,
            registration,
            open_browser=open_browser,
            no_browser=no_browser,
            timeout=timeout,
        )

    return flow


def login(
    ctx: Context,
    session: SsoSession,
    tokens: AccessTokens,
    *,
    device_code: bool = False,
    no_browser: bool = False,
    open_browser: BrowserOpener | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    force: bool = True,
) -> SsoToken:
    """Sign SESSION in and store the token (FORCE=False: keep a token that is still good)."""
    flow = make_flow(
        ctx.ui,
        ctx.clock,
        session,
        tokens.oidc(session),
        device_code=device_code,
        no_browser=no_browser,
        open_browser=open_browser,
        timeout=timeout,
    )
    return tokens.login(session, flow, force=force)
