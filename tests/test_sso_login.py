"""Both sign-in flows end to end against the emulation: PKCE (default) and the device code."""

from __future__ import annotations

import base64
import hashlib
import http.client
import inspect
import re
import threading
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from conftest import Sandbox
from ssoworld import (  # noqa: F401 - fixtures
    START_URL,
    PersonUI,
    World,
    assert_no_secret,
    clock,
    emu,
    live_emu,
    make_world,
    world,
)

from awsprompt.aws.sso import login as login_mod
from awsprompt.aws.sso.login import (
    REGISTERED_REDIRECT,
    CallbackListener,
    authorize_url,
    pkce_challenge,
    pkce_pair,
)
from awsprompt.clock import SYSTEM, FakeClock
from awsprompt.emulation.identitycenter import FakeBrowser, IdentityCenter
from awsprompt.errors import SsoLoginFailed, SsoLoginRequired


def query_of(url: str) -> dict[str, str]:
    """URL's query as a flat dict."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    """URL with some query parameters replaced."""
    parts = urlsplit(url)
    query = {**query_of(url), **changes}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def refused(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:PORT."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/oauth/callback")
    except ConnectionRefusedError:
        return True
    finally:
        conn.close()
    return False


def test_pkce_pair_follows_rfc_7636() -> None:
    """64 unreserved characters, and the challenge is base64url(SHA-256) without padding."""
    verifier, challenge = pkce_pair()
    assert re.fullmatch(r"[A-Za-z0-9._~-]{64}", verifier)
    assert challenge == pkce_challenge(verifier) and len(challenge) == 43 and "=" not in challenge
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert pkce_pair()[0] != verifier


def test_authorize_url_has_the_cli_parameters() -> None:
    """response_type, client_id, redirect_uri, state, S256, space-separated scopes, challenge."""
    url = authorize_url(
        "https://oidc.us-east-1.amazonaws.com/",
        client_id="cid",
        redirect_uri="http://127.0.0.1:5555/oauth/callback",
        state="st",
        challenge="ch",
        scopes=("sso:account:access", "x:y"),
    )
    assert url.startswith("https://oidc.us-east-1.amazonaws.com/authorize?")
    assert query_of(url) == {
        "response_type": "code",
        "client_id": "cid",
        "redirect_uri": "http://127.0.0.1:5555/oauth/callback",
        "state": "st",
        "code_challenge_method": "S256",
        "scopes": "sso:account:access x:y",
        "code_challenge": "ch",
    }
    assert "%20" in url and "+" not in url


def test_pkce_sign_in_end_to_end(world: World, emu: IdentityCenter) -> None:
    """The browser is sent to /authorize, the redirect is caught, the code exchanged and stored."""
    browser = FakeBrowser()
    token = world.login(browser=browser)
    assert token.access_token in emu.access_tokens()
    assert token.refresh_token in emu.refresh_tokens()
    assert emu.calls["Authorize"] == 1 and emu.grants["authorization_code"] == 1
    (url,) = browser.opened
    q = query_of(url)
    assert url.startswith(f"{emu.url}/authorize?")
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert uuid.UUID(q["state"]).version == 4
    redirect = urlsplit(q["redirect_uri"])
    assert (redirect.hostname, redirect.path) == ("127.0.0.1", "/oauth/callback")
    # registered as the AWS CLI does: no port, both grants, the start URL as issuer
    (client,) = emu._clients.values()
    assert client.redirect_uris == (REGISTERED_REDIRECT,)
    assert client.grant_types == ("authorization_code", "refresh_token")
    assert client.issuer == START_URL and client.scopes == ("sso:account:access",)
    # the listener is gone; the token is in the store
    assert refused(redirect.port or 0)
    assert world.tokens.cached(world.session) == token
    for line in world.ui.infos:
        assert_no_secret(line, emu)


def test_a_redirect_with_the_wrong_state_is_refused(world: World, emu: IdentityCenter) -> None:
    """A forged `state` on the redirect ends the sign-in; the code is never exchanged."""

    def forge(url: str) -> str:
        if urlsplit(url).path == "/oauth/callback":
            return with_query(url, state=str(uuid.uuid4()))
        return url

    with pytest.raises(SsoLoginFailed, match="wrong state; refused") as info:
        world.login(browser=FakeBrowser(rewrite=forge))
    assert emu.grants["authorization_code"] == 0
    assert world.store_is_empty()
    assert_no_secret(info.value, emu)
    assert info.value.exit_code == 22


def test_a_code_bound_to_another_challenge_is_refused(world: World, emu: IdentityCenter) -> None:
    """If /authorize saw another challenge, our verifier does not match: InvalidGrant, no token."""

    def swap(url: str) -> str:
        if urlsplit(url).path == "/authorize":
            return with_query(url, code_challenge=pkce_pair()[1])
        return url

    with pytest.raises(SsoLoginFailed, match="PKCE code verifier was refused") as info:
        world.login(browser=FakeBrowser(rewrite=swap))
    assert emu.grants["authorization_code"] == 1 and emu.errors["InvalidGrantException"] == 1
    assert world.store_is_empty()
    assert_no_secret(info.value, emu)


def test_a_closed_browser_times_out_and_frees_the_port(world: World, emu: IdentityCenter) -> None:
    """With no redirect, the listener gives up after the bounded wait and its port is free."""
    opened: list[str] = []
    with pytest.raises(SsoLoginFailed, match="timed out after 60s") as info:
        world.login(browser=lambda url: bool(opened.append(url)) or True, timeout=60)
    port = urlsplit(query_of(opened[0])["redirect_uri"]).port
    assert port and refused(port)
    assert world.store_is_empty()
    assert "sso login --sso-session corp" in (info.value.hint or "")


def test_the_wait_is_a_parameter(world: World, emu: IdentityCenter, clock: FakeClock) -> None:
    """timeout= bounds the wait (on the injected clock: no real waiting); 10 minutes by default."""
    for fn in (login_mod.pkce_login, login_mod.make_flow, login_mod.login):
        assert inspect.signature(fn).parameters["timeout"].default == 600
    start = clock.monotonic()
    with pytest.raises(SsoLoginFailed, match="timed out after 30s"):
        world.login(browser=lambda url: True, timeout=30)
    assert 30 <= clock.monotonic() - start < 31


def test_a_sign_in_denied_in_the_browser_fails(world: World, emu: IdentityCenter) -> None:
    """An error redirect (access_denied) ends the sign-in with its reason."""
    emu.deny_sign_ins = True
    with pytest.raises(SsoLoginFailed, match=r"refused in the browser \(access_denied\)"):
        world.login()
    assert world.store_is_empty()


def test_no_browser_prints_the_url_for_the_person(sandbox: Sandbox, emu: IdentityCenter) -> None:
    """--no-browser never calls the opener; the person opens the printed URL and it completes."""
    w = make_world(sandbox, emu, emu.clock)
    w.ui = PersonUI(emu, browse=True)
    never: list[str] = []
    token = w.login(browser=lambda url: bool(never.append(url)), no_browser=True)
    assert never == []
    assert "open this URL in a browser on this machine" in " ".join(w.ui.infos)
    (url,) = w.ui.urls()
    assert url.startswith(f"{emu.url}/authorize?") and token.access_token in emu.access_tokens()


def test_a_browser_that_cannot_start_falls_back_to_printing(
    sandbox: Sandbox, emu: IdentityCenter
) -> None:
    """An opener that raises (headless machine) is treated as no browser: the URL is printed."""
    w = make_world(sandbox, emu, emu.clock)
    w.ui = PersonUI(emu, browse=True)

    def broken(url: str) -> bool:
        raise OSError("no display")

    w.login(browser=broken)
    assert "open this URL in a browser" in " ".join(w.ui.infos)


def test_listener_ignores_other_paths_and_answers_the_browser() -> None:
    """A favicon request gets 404 and does not end the wait; the callback gets a page."""
    listener = CallbackListener(SYSTEM)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
        conn.request("GET", "/favicon.ico")
        assert conn.getresponse().status == 404
        conn.close()
        done: dict[str, str] = {}
        thread = threading.Thread(
            target=lambda: done.update(code=listener.wait(10, "s1", "x", "h")), daemon=True
        )
        thread.start()
        conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
        conn.request("GET", "/oauth/callback?code=abc&state=s1")
        resp = conn.getresponse()
        assert resp.status == 200 and b"close this tab" in resp.read()
        conn.close()
        thread.join(10)
        assert done == {"code": "abc"}
    finally:
        listener.close()
    assert refused(listener.port)


# -- the device code ------------------------------------------------------------------------


def test_device_flow_end_to_end(world: World, emu: IdentityCenter) -> None:
    """The user code and the verification URL are always shown, even with a browser opened."""
    browser = FakeBrowser(background=False)
    token = world.login(device=True, browser=browser)
    assert token.access_token in emu.access_tokens() and token.refresh_token
    text = "\n".join(world.ui.infos)
    code = re.search(r"confirm the code: ([A-Z]{4}-[A-Z]{4})", text)
    assert code and f"open {emu.url}/device " in text
    assert browser.opened == [f"{emu.url}/device?user_code={code.group(1)}"]
    assert emu.calls["StartDeviceAuthorization"] == 1 and emu.errors["SlowDownException"] == 0
    assert world.tokens.cached(world.session) == token


def test_device_flow_without_a_browser(world: World, emu: IdentityCenter) -> None:
    """--no-browser: the person reads the code on the terminal and confirms it."""
    token = world.login(device=True, no_browser=True)
    assert token.access_token in emu.access_tokens()
    assert any("which fills the code in" in m for m in world.ui.infos)
    assert emu.errors["AuthorizationPendingException"] == 0  # approved before the first poll


def test_slow_down_adds_five_seconds(world: World, emu: IdentityCenter) -> None:
    """After each SlowDown the poll interval grows by 5 s (the emulation enforces it)."""
    emu.fail("CreateToken", "SlowDownException", times=2)
    world.login(device=True, no_browser=True)
    assert emu.calls["CreateToken"] == 3
    assert emu.errors["SlowDownException"] == 2  # only the forced ones: never too early


def test_ignoring_slow_down_would_fail(
    world: World, emu: IdentityCenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: a client that does not add 5 s keeps being slowed down until the code expires."""
    monkeypatch.setattr(login_mod, "SLOW_DOWN_STEP", 0)
    emu.fail("CreateToken", "SlowDownException", times=1)
    with pytest.raises(SsoLoginFailed, match="expired"):
        world.login(device=True, no_browser=True)
    assert emu.errors["SlowDownException"] > 2


def test_device_code_expiry_stops_polling(sandbox: Sandbox, emu: IdentityCenter) -> None:
    """Never approved: polling stops at expiry (fake time), nothing is stored."""
    w = make_world(sandbox, emu, emu.clock)
    w.ui = PersonUI(emu, approve=False)
    with pytest.raises(SsoLoginFailed, match="expired") as info:
        w.login(device=True, no_browser=True)
    polls = emu.grants["device_code"]
    assert 500 <= polls <= 601  # every second for ten minutes, then stop
    assert w.store_is_empty()
    assert_no_secret(info.value, emu)


def test_device_code_denied(sandbox: Sandbox, emu: IdentityCenter) -> None:
    """The person denies the request: AccessDeniedException, one clear error."""
    w = make_world(sandbox, emu, emu.clock)
    w.ui = PersonUI(emu, deny=True)
    with pytest.raises(SsoLoginFailed, match="the sign-in was denied"):
        w.login(device=True, no_browser=True)


def test_registrations_are_reused_until_they_expire(
    world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """A second sign-in reuses the client; past its expiry (less 15 min) a new one registers."""
    world.login(device=True, no_browser=True)
    world.login(device=True, no_browser=True)
    assert emu.calls["RegisterClient"] == 1 and emu.calls["StartDeviceAuthorization"] == 2
    clock.advance(emu.registration_ttl - 10 * 60)
    world.login(device=True, no_browser=True)
    assert emu.calls["RegisterClient"] == 2
    # PKCE needs another kind of registration: one more, then reused
    world.login()
    world.login()
    assert emu.calls["RegisterClient"] == 3 and emu.calls["Authorize"] == 2


def test_a_rejected_registration_is_replaced(world: World, emu: IdentityCenter) -> None:
    """If the service forgot the stored client (InvalidClient), the device flow registers anew."""
    world.login(device=True, no_browser=True)
    emu.fail("StartDeviceAuthorization", "InvalidClientException")
    token = world.login(device=True, no_browser=True)
    assert emu.calls["RegisterClient"] == 2 and token.access_token in emu.access_tokens()


def test_legacy_profiles_use_the_device_flow(sandbox: Sandbox, emu: IdentityCenter) -> None:
    """As the AWS CLI: a legacy profile signs in with the device code, without scopes."""
    from awsprompt.aws.sso.config import resolve_profile

    w = make_world(sandbox, emu, emu.clock)
    w.config = resolve_profile(
        "old",
        {
            "sso_start_url": START_URL,
            "sso_region": "us-east-1",
            "sso_account_id": "111122223333",
            "sso_role_name": "R",
        },
        {},
    )
    token = w.login(browser=FakeBrowser(background=False))
    assert emu.calls["Authorize"] == 0 and emu.calls["StartDeviceAuthorization"] == 1
    assert token.refresh_token is None  # no scopes, no refresh token


def test_twenty_parallel_callers_start_one_sign_in(
    sandbox: Sandbox, live_emu: IdentityCenter
) -> None:
    """Twenty callers without a token (each its own store object, as processes) share one login."""
    base = make_world(sandbox, live_emu, SYSTEM)
    browsers: list[FakeBrowser] = []
    results: list[str] = []
    errors: list[BaseException] = []

    def caller() -> None:
        tokens = base.fresh_tokens()
        browser = FakeBrowser()
        browsers.append(browser)
        flow = login_mod.make_flow(
            base.ui, SYSTEM, base.session, tokens.oidc(base.session), open_browser=browser
        )
        try:
            results.append(tokens.get(base.session, login=flow).access_token)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(results) == 20 and len(set(results)) == 1
    assert live_emu.calls["Authorize"] == 1 and live_emu.calls["RegisterClient"] == 1
    assert sum(len(b.opened) for b in browsers) == 1  # one browser tab


def test_login_through_a_context(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """login(ctx, ...) takes the environment, UI and clock from the Context and stores the token."""
    from conftest import app

    for name, value in emu.env().items():
        monkeypatch.setenv(name, value)
    w = make_world(sandbox, emu, clock)
    ui = PersonUI(emu)
    ctx = app(ui=ui, clock=clock)
    token = login_mod.login(ctx, w.session, w.tokens, open_browser=FakeBrowser())
    assert token.access_token in emu.access_tokens() and emu.calls["Authorize"] == 1
    assert ui.infos and w.tokens.get(w.session) == token
    device = login_mod.login(ctx, w.session, w.tokens, device_code=True, no_browser=True)
    assert device.access_token != token.access_token and emu.calls["StartDeviceAuthorization"] == 1
    kept = login_mod.login(ctx, w.session, w.tokens, force=False)
    assert kept == device and emu.calls["RegisterClient"] == 2


def test_a_failed_sign_in_forgets_the_reused_registration(
    world: World, emu: IdentityCenter
) -> None:
    """A reused client refused at the code exchange: that sign-in fails, the next registers anew."""
    world.login()
    emu.fail("CreateToken", "InvalidClientException")
    with pytest.raises(SsoLoginRequired, match="client registration is expired or unknown"):
        world.login()
    assert emu.calls["RegisterClient"] == 1
    world.login()
    assert emu.calls["RegisterClient"] == 2 and emu.calls["Authorize"] == 3
