"""The token keeper: refresh before expiry without a browser, the CLI cache, logout, faults."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from botocore.tokens import _sso_json_dumps
from botocore.utils import JSONFileCache, SSOTokenLoader
from conftest import Sandbox
from ssoworld import (  # noqa: F401 - fixtures
    ACCOUNT_A,
    ROLE,
    SESSION,
    START_URL,
    World,
    assert_no_secret,
    clock,
    emu,
    live_emu,
    make_world,
    world,
)

from awsprompt.aws.sso.config import resolve_session
from awsprompt.aws.sso.refresh import REFRESH_WINDOW, is_fresh
from awsprompt.aws.sso.tokens import cli_cache_path, read_cli_token
from awsprompt.clock import SYSTEM, FakeClock
from awsprompt.emulation.identitycenter import IdentityCenter
from awsprompt.errors import EndpointUnreachable, SsoLoginRequired, VaultDamaged


def to_left(clock: FakeClock, expires_at_ts: float, left: float) -> None:
    """Move the clock so that LEFT seconds remain before EXPIRES_AT_TS."""
    clock.advance(expires_at_ts - clock.time() - left)


def test_refresh_before_expiry_without_a_browser(
    world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Under 15 minutes left, get() refreshes with the refresh token; no browser, no login."""
    first = world.login()
    to_left(clock, first.expires_at.timestamp(), 10 * 60)
    renewed = world.tokens.get(world.session)
    assert renewed.access_token != first.access_token
    assert renewed.refresh_token != first.refresh_token  # rotated, and kept
    assert renewed.seconds_left(clock.time()) == emu.token_ttl
    assert emu.grants["refresh_token"] == 1 and emu.calls["Authorize"] == 1
    # stored: another process gets the renewed token without refreshing again
    assert world.fresh_tokens().get(world.session) == renewed
    assert emu.grants["refresh_token"] == 1


def test_the_refresh_window_edge(world: World, emu: IdentityCenter, clock: FakeClock) -> None:
    """15 minutes and one second left: no refresh; one second under 15 minutes: refresh."""
    token = world.login()
    to_left(clock, token.expires_at.timestamp(), REFRESH_WINDOW + 1)
    assert world.tokens.get(world.session) == token and emu.grants["refresh_token"] == 0
    clock.advance(2)
    assert world.tokens.get(world.session) != token and emu.grants["refresh_token"] == 1


def test_one_sign_in_lasts_days(world: World, emu: IdentityCenter, clock: FakeClock) -> None:
    """Five 8-hour tokens in a row from one sign-in: 40 hours without a browser."""
    token = world.login()
    for _ in range(5):
        to_left(clock, token.expires_at.timestamp(), 60 * 5)
        token = world.tokens.get(world.session)
        assert token.access_token in emu.access_tokens()
    assert emu.grants["refresh_token"] == 5 and emu.calls["Authorize"] == 1


def test_a_revoked_refresh_token_asks_for_a_sign_in(
    world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Refresh refused (InvalidGrant) and the token expired: SsoLoginRequired with the hint."""
    token = world.login()
    emu.revoke_all()
    clock.advance(token.seconds_left(clock.time()) + 1)
    with pytest.raises(SsoLoginRequired) as info:
        world.tokens.get(world.session)
    err = info.value
    assert "refresh token of sso-session 'corp' was refused (InvalidGrantException)" in err.message
    assert err.hint == "run `awsprompt sso login --sso-session corp`"
    assert err.exit_code == 12
    assert_no_secret(err, emu)
    # the refusal is remembered: no refresh attempt on the next call
    calls = emu.grants["refresh_token"]
    with pytest.raises(SsoLoginRequired, match="has expired"):
        world.tokens.get(world.session)
    assert emu.grants["refresh_token"] == calls


def test_a_still_valid_token_survives_a_refused_refresh(
    world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """With 10 minutes left and the refresh refused, the token is used until it expires."""
    token = world.login()
    emu.fail("CreateToken", "InvalidGrantException")
    to_left(clock, token.expires_at.timestamp(), 600)
    assert world.tokens.get(world.session) == replace(token, refresh_token=None)


def test_an_expired_registration_means_a_new_sign_in(
    world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Past the client registration's expiry nothing can refresh; a sign-in registers anew."""
    world.login()
    clock.advance(emu.registration_ttl + 1)
    with pytest.raises(SsoLoginRequired, match="has expired"):
        world.tokens.get(world.session)
    assert emu.grants["refresh_token"] == 0
    token = world.tokens.get(world.session, login=world.flow())
    assert token.access_token in emu.access_tokens() and emu.calls["RegisterClient"] == 2


def test_min_ttl_and_unrefreshable_tokens(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """A token without a refresh token is used while more than min_ttl is left, then refused."""
    w = make_world(sandbox, emu, clock)
    token = w.login()
    clock.advance(token.seconds_left(clock.time()) - 30)
    stripped = replace(token, refresh_token=None)
    w.tokens.save(w.session, stripped)
    assert w.tokens.get(w.session, min_ttl=10) == stripped
    with pytest.raises(SsoLoginRequired):
        w.tokens.get(w.session, min_ttl=60)
    assert is_fresh(stripped, clock.time(), 10) and not is_fresh(stripped, clock.time(), 60)


def test_not_signed_in_is_one_clear_error(world: World, emu: IdentityCenter) -> None:
    """No token anywhere and no sign-in allowed (no terminal): SsoLoginRequired at once."""
    with pytest.raises(SsoLoginRequired, match="not signed in to sso-session 'corp'") as info:
        world.tokens.get(world.session)
    assert "sso login --sso-session corp" in (info.value.hint or "")
    assert sum(emu.calls.values()) == 0


def botocore_wrote(world: World, token_dict: dict[str, object]) -> None:
    """Save TOKEN_DICT as the AWS CLI v2 (botocore) does."""
    cache = JSONFileCache(str(world.cli_cache), dumps_func=_sso_json_dumps)
    SSOTokenLoader(cache).save_token(START_URL, token_dict, session_name=SESSION)


def test_a_token_the_aws_cli_wrote_is_used_without_a_second_login(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """A valid token in ~/.aws/sso/cache serves awsprompt without a sign-in, and is sealed in."""
    cli_side = make_world(sandbox, emu, clock)
    token = cli_side.login()
    cli_side.tokens.store.delete(cli_side.session)
    reg = token.registration
    assert reg is not None
    botocore_wrote(
        cli_side,
        {
            "startUrl": START_URL,
            "region": "us-east-1",
            "accessToken": token.access_token,
            "expiresAt": token.expires_at,
            "clientId": reg.client_id,
            "clientSecret": reg.client_secret,
            "registrationExpiresAt": reg.expires_at,
            "refreshToken": token.refresh_token,
        },
    )
    ours = make_world(sandbox, emu, clock)
    before = dict(emu.calls)
    got = ours.tokens.get(ours.session)
    assert got.access_token == token.access_token
    assert dict(emu.calls) == before
    assert ours.tokens.status(ours.session) is not None  # imported, sealed
    creds = ours.portal().role_credentials(got.access_token, ACCOUNT_A, ROLE)
    assert creds.access_key_id.startswith("ASIA")


def test_refreshing_a_cli_token_writes_back_only_when_asked(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """A near-expiry CLI token is refreshed into our store; the CLI file changes only by opt-in."""
    cli_side = make_world(sandbox, emu, clock)
    token = cli_side.login()
    cli_side.tokens.store.delete(cli_side.session)
    reg = token.registration
    assert reg is not None
    record = {
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": token.access_token,
        "expiresAt": token.expires_at - timedelta(hours=7, minutes=55),
        "clientId": reg.client_id,
        "clientSecret": reg.client_secret,
        "registrationExpiresAt": reg.expires_at,
        "refreshToken": token.refresh_token,
    }
    botocore_wrote(cli_side, record)
    path = cli_cache_path(cli_side.cli_cache, cli_side.session)
    before = path.read_bytes()
    ours = make_world(sandbox, emu, clock)
    renewed = ours.tokens.get(ours.session)
    assert renewed.access_token != token.access_token and emu.grants["refresh_token"] == 1
    assert path.read_bytes() == before
    # with the opt-in, the next refresh goes back where botocore reads it
    opted = ours.fresh_tokens(write_cli_cache=True)
    clock.advance(renewed.seconds_left(clock.time()) - 60)
    again = opted.get(ours.session)
    assert again.access_token != renewed.access_token and emu.grants["refresh_token"] == 2
    on_disk = read_cli_token(ours.cli_cache, ours.session)
    assert on_disk is not None and on_disk.access_token == again.access_token


def test_a_changed_sso_region_is_explained(world: World, emu: IdentityCenter) -> None:
    """A token signed in for us-east-1 is not sent to eu-west-1; the message says why."""
    world.login()
    moved = resolve_session(SESSION, {"sso_start_url": START_URL, "sso_region": "eu-west-1"})
    with pytest.raises(SsoLoginRequired) as info:
        world.tokens.get(moved)
    assert "issued in region us-east-1, but sso_region is now eu-west-1" in info.value.message
    assert "fix sso_region" in (info.value.hint or "")


def test_an_unreachable_endpoint_during_refresh(
    world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """OIDC down: a token that still works is used; once expired, EndpointUnreachable."""
    token = world.login()
    emu.stop()
    to_left(clock, token.expires_at.timestamp(), 600)
    assert world.tokens.get(world.session) == token
    clock.advance(601)
    with pytest.raises(EndpointUnreachable) as info:
        world.tokens.get(world.session)
    assert (
        "CreateToken failed for sso-session 'corp': cannot reach http://127.0.0.1:"
        in info.value.message
    )
    assert "AWS_ENDPOINT_URL_SSO_OIDC" in (info.value.hint or "")
    assert_no_secret(info.value, emu)


def test_logout_revokes_and_forgets(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Logout ends the portal session, deletes the sealed record and our CLI copy."""
    w = make_world(sandbox, emu, clock, write_cli_cache=True)
    token = w.login()
    assert cli_cache_path(w.cli_cache, w.session).exists()
    assert w.tokens.logout(w.session, w.portal()) == (True, True)
    assert w.store_is_empty() and not cli_cache_path(w.cli_cache, w.session).exists()
    assert emu.calls["Logout"] == 1
    with pytest.raises(SsoLoginRequired):
        w.portal().role_credentials(token.access_token, ACCOUNT_A, ROLE)
    with pytest.raises(SsoLoginRequired):
        w.tokens.get(w.session)


def test_logout_without_the_portal_still_forgets(world: World, emu: IdentityCenter) -> None:
    """If the portal cannot be reached, the local token is forgotten anyway (revoked=False)."""
    world.login()
    portal = world.portal(attempts=1)
    emu.stop()
    assert world.tokens.logout(world.session, portal) == (True, False)
    assert world.store_is_empty()


def test_a_damaged_store_is_an_error_until_a_sign_in_replaces_it(world: World) -> None:
    """A broken sealed record: VaultDamaged for callers; a sign-in writes a good one."""
    world.login()
    world.tokens.store.path(world.session).write_bytes(b"garbage")
    with pytest.raises(VaultDamaged, match="damaged"):
        world.tokens.get(world.session)
    token = world.tokens.get(world.session, login=world.flow())
    assert world.tokens.get(world.session) == token


def test_parallel_callers_share_one_refresh(sandbox: Sandbox, live_emu: IdentityCenter) -> None:
    """Twenty callers with a token in the refresh window: exactly one CreateToken refresh."""
    live_emu.token_ttl = 600  # inside the window from the start
    base = make_world(sandbox, live_emu, SYSTEM)
    base.login()
    live_emu.token_ttl = 8 * 3600
    got: list[str] = []
    errors: list[BaseException] = []

    def caller() -> None:
        try:
            got.append(base.fresh_tokens().get(base.session).access_token)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(got) == 20 and len(set(got)) == 1
    assert live_emu.grants["refresh_token"] == 1
