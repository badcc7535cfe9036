"""The access portal: moto-backed role credentials, pagination, back-off, and every fault."""

from __future__ import annotations

import socket
from collections.abc import Callable

import boto3
import pytest
from conftest import MotoServer, Sandbox
from ssoworld import (  # noqa: F401 - fixtures
    ACCOUNT_A,
    ACCOUNT_B,
    READONLY,
    ROLE,
    START_URL,
    World,
    assert_no_secret,
    clock,
    emu,
    make_world,
    new_emulation,
    world,
)

from awsprompt.aws.sso.config import resolve_session
from awsprompt.aws.sso.login import device_login
from awsprompt.aws.sso.oidc import OidcClient
from awsprompt.aws.sso.portal import Account, Portal, RoleAssignment
from awsprompt.clock import SYSTEM, FakeClock
from awsprompt.emulation.identitycenter import FakeBrowser, IdentityCenter
from awsprompt.envvars import Env
from awsprompt.errors import (
    AccessDenied,
    AwsError,
    AwspromptError,
    EndpointUnreachable,
    ExitCode,
    SsoLoginRequired,
    Throttled,
)


def test_role_credentials_are_real_moto_sts_credentials(sandbox: Sandbox, moto: MotoServer) -> None:
    """GetRoleCredentials gives keys with which moto's STS answers the account and the role."""
    emu = new_emulation(SYSTEM, moto_url=moto.url)
    try:
        w = make_world(sandbox, emu, SYSTEM)  # AWS_ENDPOINT_URL (moto) is overridden per service
        token = w.login()
        creds = w.portal().role_credentials(
            token.access_token, ACCOUNT_B, ROLE, where="profile 'prod'"
        )
        assert creds.is_temporary and creds.seconds_left(SYSTEM.time()) > 3000
        ident = boto3.client(
            "sts",
            endpoint_url=moto.url,
            region_name="us-east-1",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        ).get_caller_identity()
        assert ident["Account"] == ACCOUNT_B
        assert ident["Arn"].endswith(f":assumed-role/{ROLE}/alice@example.com")
    finally:
        emu.stop()


def test_aws_endpoint_url_alone_points_both_services(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Without the per-service variables, AWS_ENDPOINT_URL serves sso-oidc and sso."""
    w = make_world(sandbox, emu, clock)
    w.env = Env({"HOME": str(sandbox.home), "AWS_ENDPOINT_URL": emu.url})
    w.tokens.env = w.env
    token = w.login()
    assert w.portal().accounts(token.access_token)
    assert "AWS_ENDPOINT_URL" in w.env.reads and "AWS_ENDPOINT_URL_SSO" in w.env.reads


def test_listing_two_thousand_accounts(world: World, emu: IdentityCenter) -> None:
    """ListAccounts over 2,000+ accounts in pages of 100; ListAccountRoles for each account."""
    for i in range(2000):
        emu.add_account(f"{700000000000 + i}", f"team-{i:04d}", roles=("Developer",))
    token = world.login()
    portal = world.portal()
    accounts = portal.accounts(token.access_token)
    assert len(accounts) == 2002 and len({a.account_id for a in accounts}) == 2002
    assert emu.calls["ListAccounts"] == 21
    assert Account(ACCOUNT_A, "Sandbox", f"aws+{ACCOUNT_A}@example.com") in accounts
    pairs = portal.assignments(token.access_token, accounts, workers=4)
    assert len(pairs) == 2003 and pairs == sorted(pairs)
    assert RoleAssignment(ACCOUNT_A, READONLY) in pairs
    assert emu.calls["ListAccountRoles"] == 2002


def test_role_lists_are_paginated_too(world: World, emu: IdentityCenter) -> None:
    """An account with 150 roles takes two ListAccountRoles pages."""
    for i in range(148):
        emu.assign(ACCOUNT_A, f"Role{i:03d}")
    token = world.login()
    roles = world.portal().roles(token.access_token, ACCOUNT_A)
    assert len(roles) == 150 and emu.calls["ListAccountRoles"] == 2


def test_throttling_is_retried_with_back_off(
    world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Three 429s, then success: the caller sees the list; back-off slept on the fake clock."""
    token = world.login()
    emu.throttle("ListAccounts", times=3)
    start = clock.time()
    assert len(world.portal().accounts(token.access_token)) == 2
    assert emu.calls["ListAccounts"] == 4
    assert clock.time() - start >= (1 + 2 + 4) * 0.5  # jittered exponential back-off


def test_throttling_that_does_not_end_is_one_clear_error(world: World, emu: IdentityCenter) -> None:
    """After the last attempt: Throttled (exit 14) naming the call, the profile and the role."""
    token = world.login()
    emu.throttle("GetRoleCredentials", times=100)
    with pytest.raises(Throttled) as info:
        world.portal().role_credentials(token.access_token, ACCOUNT_A, ROLE, where="profile 'dev'")
    err = info.value
    assert err.message.startswith(
        f"GetRoleCredentials failed for profile 'dev' (role {ROLE} in account {ACCOUNT_A}):"
        " TooManyRequestsException"
    )
    assert "still throttled after 6 attempts" in err.message
    assert emu.calls["GetRoleCredentials"] == 6 and err.exit_code == ExitCode.THROTTLED
    assert_no_secret(err, emu)


def revoked(w: World, token: str) -> None:
    """An administrator ended every session."""
    w.emu.revoke_all()


def unassigned(w: World, token: str) -> None:
    """The role was taken away from the user."""
    w.emu.unassign(ACCOUNT_A, ROLE)


def expired(w: World, token: str) -> None:
    """The access token's lifetime ran out."""
    clock = w.clock
    assert isinstance(clock, FakeClock)
    clock.advance(w.emu.token_ttl + 1)


def forced(error: str) -> Callable[[World, str], None]:
    """The next GetRoleCredentials answers ERROR."""

    def apply(w: World, token: str) -> None:
        w.emu.fail("GetRoleCredentials", error)

    apply.__name__ = error
    return apply


def stopped(w: World, token: str) -> None:
    """The portal is not there at all."""
    w.emu.stop()


FAULTS = [
    (revoked, SsoLoginRequired, "UnauthorizedException", "expired or was revoked"),
    (expired, SsoLoginRequired, "UnauthorizedException", "sso login --sso-session corp"),
    (unassigned, AccessDenied, "ForbiddenException: No access", "awsprompt sso sync"),
    (forced("AccessDeniedException"), AccessDenied, "AccessDeniedException", "sso_role_name"),
    (forced("UnauthorizedException"), SsoLoginRequired, "UnauthorizedException", "sso login"),
    (
        forced("ResourceNotFoundException"),
        AccessDenied,
        "ResourceNotFoundException",
        "not assigned",
    ),
    (forced("InvalidRequestException"), AwsError, "InvalidRequestException", "12 digits"),
    (stopped, EndpointUnreachable, "cannot reach http://127.0.0.1", "AWS_ENDPOINT_URL_SSO"),
]


@pytest.mark.parametrize(
    ("fault", "kind", "in_message", "in_text"), FAULTS, ids=[f[0].__name__ for f in FAULTS]
)
def test_every_get_role_credentials_fault_is_one_clear_error(
    world: World,
    emu: IdentityCenter,
    fault: Callable[[World, str], None],
    kind: type[AwspromptError],
    in_message: str,
    in_text: str,
) -> None:
    """Each fault is exactly its AwspromptError subclass, one line, with no token in it."""
    token = world.login()
    fault(world, token.access_token)
    with pytest.raises(AwspromptError) as info:
        world.portal(attempts=2).role_credentials(
            token.access_token, ACCOUNT_A, ROLE, where="profile 'dev'"
        )
    err = info.value
    assert type(err) is kind
    assert in_message in err.message
    assert in_text in err.message + " " + (err.hint or "")
    assert "profile 'dev'" in err.message and "\n" not in err.message
    assert_no_secret(err, emu)
    assert token.access_token not in repr(info.value.__context__ or "")


def test_a_mistyped_sso_region_cannot_be_reached(sandbox: Sandbox) -> None:
    """No endpoint override and a region that does not exist: EndpointUnreachable naming it."""
    session = resolve_session("corp", {"sso_start_url": START_URL, "sso_region": "us-eats-1"})
    env = Env({"HOME": str(sandbox.home)})
    oidc = OidcClient(env, session, FakeClock(), attempts=1)
    with pytest.raises(EndpointUnreachable) as info:
        oidc.register("t", scopes=("sso:account:access",))
    assert "cannot reach https://oidc.us-eats-1.amazonaws.com" in info.value.message
    assert "sso_region (us-eats-1)" in (info.value.hint or "")
    portal = Portal(env, session, FakeClock(), attempts=1)
    with pytest.raises(EndpointUnreachable, match=r"portal\.sso\.us-eats-1\.amazonaws\.com"):
        portal.accounts("x" * 20)


def test_a_start_url_the_region_does_not_know(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Signing in where the instance is not (wrong sso_region or start URL): a hint on both."""
    w = make_world(sandbox, emu, clock)
    session = resolve_session(
        "corp",
        {"sso_start_url": "https://d-0000000001.awsapps.com/start", "sso_region": "eu-west-1"},
    )
    with pytest.raises(AwsError) as info:
        device_login(
            w.ui, clock, session, OidcClient(w.env, session, clock), open_browser=FakeBrowser()
        )
    err = info.value
    assert type(err) is AwsError and "StartDeviceAuthorization failed" in err.message
    assert "InvalidRequestException" in err.message
    assert "sso_region (eu-west-1)" in (err.hint or "") and "sso_start_url" in (err.hint or "")
    assert_no_secret(err, emu)


def test_an_unreachable_oidc_endpoint_on_sign_in(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Nothing listening: the sign-in fails at RegisterClient with EndpointUnreachable."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    w = make_world(
        sandbox, emu, clock, extra_env={"AWS_ENDPOINT_URL_SSO_OIDC": f"http://127.0.0.1:{port}"}
    )
    with pytest.raises(EndpointUnreachable, match="RegisterClient failed for sso-session 'corp'"):
        w.login(device=True)
    assert emu.calls["RegisterClient"] == 0


@pytest.mark.parametrize(
    ("error", "kind", "text"),
    [
        ("InvalidScopeException", "ConfigError", "sso_registration_scopes"),
        ("InternalServerException", "AwsError", "internal error"),
        ("SlowDownException", "Throttled", "RegisterClient"),
        ("InvalidRequestRegionException", "ConfigError", "sso_region 'us-east-1'"),
        ("UnsupportedGrantTypeException", "AwsError", "refused this client"),
    ],
)
def test_oidc_faults_on_registration(
    world: World, emu: IdentityCenter, error: str, kind: str, text: str
) -> None:
    """RegisterClient errors become their awsprompt error (after retries where it makes sense)."""
    emu.fail("RegisterClient", error, times=10)
    with pytest.raises(AwspromptError) as info:
        world.login(device=True)
    assert type(info.value).__name__ == kind
    assert text in info.value.message + (info.value.hint or "")
    assert_no_secret(info.value, emu)
