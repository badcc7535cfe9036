"""The Identity Center emulation, checked with the real botocore clients (so it cannot drift)."""

from __future__ import annotations

import base64
import hashlib
import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import MotoServer
from ssoworld import ACCOUNT_A, ACCOUNT_B, READONLY, ROLE, START_URL, new_emulation

from awsprompt.clock import FakeClock
from awsprompt.emulation.identitycenter import DEVICE_GRANT, FakeBrowser, IdentityCenter

REDIRECT = "http://127.0.0.1/oauth/callback"


@pytest.fixture
def center() -> Iterator[IdentityCenter]:
    """An emulation on a fake clock (advanced by `later`)."""
    emu = new_emulation(FakeClock())
    yield emu
    emu.stop()


def later(emu: IdentityCenter, seconds: float) -> None:
    """Move EMU's fake clock forward."""
    clock = emu.clock
    assert isinstance(clock, FakeClock)
    clock.advance(seconds)


def clients(emu: IdentityCenter) -> tuple[Any, Any]:
    """boto3's sso-oidc and sso clients, unsigned, pointed at EMU."""
    cfg = Config(
        signature_version=UNSIGNED, region_name="us-east-1", retries={"total_max_attempts": 1}
    )
    oidc = boto3.client("sso-oidc", endpoint_url=emu.url, config=cfg)
    sso = boto3.client("sso", endpoint_url=emu.url, config=cfg)
    return oidc, sso


def code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    """The error type botocore parsed and the HTTP status."""
    resp = exc.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


def device_token(emu: IdentityCenter, oidc: Any, scopes: list[str] | None = None) -> dict[str, Any]:
    """A whole device-code sign-in through boto3: register, start, approve, CreateToken."""
    reg = oidc.register_client(
        clientName="t", clientType="public", scopes=scopes or ["sso:account:access"]
    )
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
    )
    assert emu.approve(auth["userCode"])
    later(emu, auth["interval"])
    tok = oidc.create_token(
        grantType=DEVICE_GRANT,
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        deviceCode=auth["deviceCode"],
    )
    return {**tok, **reg}


def test_device_flow_through_boto3(center: IdentityCenter) -> None:
    """botocore parses every field of RegisterClient, StartDeviceAuthorization and CreateToken."""
    oidc, _ = clients(center)
    reg = oidc.register_client(clientName="t", clientType="public", scopes=["sso:account:access"])
    assert (
        reg["clientId"]
        and reg["clientSecret"]
        and reg["clientSecretExpiresAt"] > reg["clientIdIssuedAt"]
    )
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
    )
    assert auth["verificationUriComplete"].endswith(auth["userCode"])
    assert auth["expiresIn"] == 600 and auth["interval"] == 1
    poll = {
        "grantType": DEVICE_GRANT,
        "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"],
        "deviceCode": auth["deviceCode"],
    }
    with pytest.raises(oidc.exceptions.SlowDownException):  # polled before the interval
        oidc.create_token(**poll)
    later(center, 10)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException) as pending:
        oidc.create_token(**poll)
    assert code(pending) == ("AuthorizationPendingException", 400)
    assert pending.value.response["error"] == "authorization_pending"
    FakeBrowser(background=False)(auth["verificationUriComplete"])  # the person confirms
    later(center, 10)
    tok = oidc.create_token(**poll)
    assert tok["tokenType"] == "Bearer" and tok["expiresIn"] == 8 * 3600
    assert tok["accessToken"] in center.access_tokens()
    assert tok["refreshToken"] in center.refresh_tokens()
    with pytest.raises(oidc.exceptions.InvalidGrantException):  # a device code works once
        oidc.create_token(**poll)


def test_device_code_expires(center: IdentityCenter) -> None:
    """After expiresIn an unapproved device code answers ExpiredTokenException."""
    oidc, _ = clients(center)
    reg = oidc.register_client(clientName="t", clientType="public")
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
    )
    later(center, auth["expiresIn"])
    with pytest.raises(oidc.exceptions.ExpiredTokenException):
        oidc.create_token(
            grantType=DEVICE_GRANT,
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            deviceCode=auth["deviceCode"],
        )


def test_client_secret_and_start_url_are_checked(center: IdentityCenter) -> None:
    """A wrong secret is InvalidClientException (401); an unknown start URL is refused."""
    oidc, _ = clients(center)
    reg = oidc.register_client(clientName="t", clientType="public")
    with pytest.raises(oidc.exceptions.InvalidClientException) as bad:
        oidc.start_device_authorization(
            clientId=reg["clientId"], clientSecret="wrong", startUrl=START_URL
        )
    assert code(bad) == ("InvalidClientException", 401)
    with pytest.raises(oidc.exceptions.InvalidRequestException):
        oidc.start_device_authorization(
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            startUrl="https://elsewhere.awsapps.com/start",
        )
    with pytest.raises(oidc.exceptions.InvalidClientMetadataException):
        oidc.register_client(clientName="t", clientType="confidential")
    with pytest.raises(oidc.exceptions.InvalidScopeException):
        oidc.register_client(clientName="t", clientType="public", scopes=["bogus"])
    center.expire_registrations()
    with pytest.raises(oidc.exceptions.InvalidClientException):
        oidc.start_device_authorization(
            clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
        )


def pkce_register(oidc: Any) -> dict[str, Any]:
    """RegisterClient as the AWS CLI does for the authorization-code grant."""
    return oidc.register_client(
        clientName="t",
        clientType="public",
        scopes=["sso:account:access"],
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=[REDIRECT],
        issuerUrl=START_URL,
    )


def authorize(emu: IdentityCenter, client_id: str, challenge: str, **extra: str) -> dict[str, str]:
    """GET /authorize as a browser would, without following the redirect: its query."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": "http://127.0.0.1:43210/oauth/callback",
        "state": "st-1",
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": challenge,
        **extra,
    }
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("GET", "/authorize?" + urlencode(params))
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 302, resp.status
    location = urlsplit(resp.getheader("Location") or "")
    assert (location.hostname, location.port, location.path) == (
        "127.0.0.1",
        43210,
        "/oauth/callback",
    )
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of VERIFIER."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def test_pkce_verifier_is_checked(center: IdentityCenter) -> None:
    """The code exchanges only with the verifier of its challenge, once, at its redirect URI."""
    oidc, _ = clients(center)
    reg = pkce_register(oidc)
    verifier = "v" * 64
    got = authorize(center, reg["clientId"], s256(verifier))
    assert got["state"] == "st-1" and got["code"]
    args = {
        "grantType": "authorization_code",
        "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"],
        "code": got["code"],
        "redirectUri": "http://127.0.0.1:43210/oauth/callback",
    }
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**args, codeVerifier="w" * 64)
    # the failed attempt used the code up
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**args, codeVerifier=verifier)
    got = authorize(center, reg["clientId"], s256(verifier))
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(
            **{**args, "code": got["code"], "redirectUri": REDIRECT}, codeVerifier=verifier
        )
    got = authorize(center, reg["clientId"], s256(verifier))
    tok = oidc.create_token(**{**args, "code": got["code"]}, codeVerifier=verifier)
    assert tok["accessToken"] in center.access_tokens() and tok["refreshToken"]


def test_authorize_refuses_bad_requests(center: IdentityCenter) -> None:
    """A plain challenge method is an error redirect; an unregistered redirect gets no redirect."""
    oidc, _ = clients(center)
    reg = pkce_register(oidc)
    got = authorize(center, reg["clientId"], "x" * 43, code_challenge_method="plain")
    assert got == {"error": "invalid_request", "state": "st-1"}
    center.deny_sign_ins = True
    assert authorize(center, reg["clientId"], "x" * 43)["error"] == "access_denied"
    conn = http.client.HTTPConnection("127.0.0.1", center.port, timeout=5)
    conn.request(
        "GET",
        "/authorize?"
        + urlencode({"client_id": reg["clientId"], "redirect_uri": "http://evil.example/cb"}),
    )
    resp = conn.getresponse()
    assert resp.status == 400 and resp.getheader("Location") is None
    conn.close()
    with pytest.raises(oidc.exceptions.InvalidRedirectUriException):
        oidc.register_client(
            clientName="t",
            clientType="public",
            grantTypes=["authorization_code"],
            redirectUris=["https://evil.example/cb"],
            issuerUrl=START_URL,
        )


def test_refresh_tokens_rotate(center: IdentityCenter) -> None:
    """A refresh token gives a new access token and a new refresh token, and works once."""
    oidc, sso = clients(center)
    tok = device_token(center, oidc)
    args = {
        "grantType": "refresh_token",
        "clientId": tok["clientId"],
        "clientSecret": tok["clientSecret"],
    }
    new = oidc.create_token(**args, refreshToken=tok["refreshToken"])
    assert new["accessToken"] != tok["accessToken"] and new["refreshToken"] != tok["refreshToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**args, refreshToken=tok["refreshToken"])
    assert center.grants["refresh_token"] == 2
    # the old access token stays valid until it expires; both work on the portal
    for access in (tok["accessToken"], new["accessToken"]):
        assert sso.list_accounts(accessToken=access)["accountList"]


def test_no_scopes_no_refresh_token(center: IdentityCenter) -> None:
    """A registration without scopes (legacy) gets no refresh token, as the real service."""
    oidc, _ = clients(center)
    reg = oidc.register_client(clientName="t", clientType="public")
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
    )
    center.approve(auth["userCode"])
    later(center, 10)
    tok = oidc.create_token(
        grantType=DEVICE_GRANT,
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        deviceCode=auth["deviceCode"],
    )
    assert "refreshToken" not in tok


def test_portal_through_boto3(center: IdentityCenter) -> None:
    """ListAccounts, ListAccountRoles, GetRoleCredentials and Logout with the bearer header."""
    oidc, sso = clients(center)
    access = device_token(center, oidc)["accessToken"]
    accounts = sso.list_accounts(accessToken=access)["accountList"]
    assert {a["accountId"] for a in accounts} == {ACCOUNT_A, ACCOUNT_B}
    assert {a["accountName"] for a in accounts} == {"Sandbox", "Production"}
    roles = sso.list_account_roles(accessToken=access, accountId=ACCOUNT_A)["roleList"]
    assert sorted(r["roleName"] for r in roles) == sorted([ROLE, READONLY])
    creds = sso.get_role_credentials(accessToken=access, accountId=ACCOUNT_A, roleName=ROLE)
    rc = creds["roleCredentials"]
    assert rc["accessKeyId"].startswith("ASIA") and rc["sessionToken"]
    assert rc["expiration"] > 10**12  # epoch milliseconds
    with pytest.raises(ClientError) as denied:
        sso.get_role_credentials(accessToken=access, accountId=ACCOUNT_B, roleName=READONLY)
    assert code(denied) == ("ForbiddenException", 403)
    sso.logout(accessToken=access)
    with pytest.raises(sso.exceptions.UnauthorizedException) as gone:
        sso.list_accounts(accessToken=access)
    assert code(gone) == ("UnauthorizedException", 401)
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken="not-a-token")


def test_pagination_through_the_boto3_paginator(center: IdentityCenter) -> None:
    """botocore's own paginator walks 2,000 accounts in pages of 100 (nextToken / max_result)."""
    for i in range(2000):
        center.add_account(f"{900000000000 + i}", f"acct-{i}", roles=("R",))
    oidc, sso = clients(center)
    access = device_token(center, oidc)["accessToken"]
    before = center.calls["ListAccounts"]
    pages = sso.get_paginator("list_accounts").paginate(
        accessToken=access, PaginationConfig={"PageSize": 100}
    )
    ids = [a["accountId"] for page in pages for a in page["accountList"]]
    assert len(ids) == 2002 and len(set(ids)) == 2002
    assert center.calls["ListAccounts"] - before == 21


def test_forced_faults_and_throttling(center: IdentityCenter) -> None:
    """fail() and throttle() answer the SDK's error types with the modelled status codes."""
    oidc, sso = clients(center)
    access = device_token(center, oidc)["accessToken"]
    center.throttle("ListAccounts", times=1)
    with pytest.raises(sso.exceptions.TooManyRequestsException) as slow:
        sso.list_accounts(accessToken=access)
    assert code(slow) == ("TooManyRequestsException", 429)
    assert sso.list_accounts(accessToken=access)["accountList"]
    center.fail("GetRoleCredentials", "ResourceNotFoundException")
    with pytest.raises(sso.exceptions.ResourceNotFoundException):
        sso.get_role_credentials(accessToken=access, accountId=ACCOUNT_A, roleName=ROLE)
    center.fail("RegisterClient", "InternalServerException")
    with pytest.raises(oidc.exceptions.InternalServerException) as boom:
        oidc.register_client(clientName="t", clientType="public")
    assert code(boom) == ("InternalServerException", 500)
    assert center.calls["RegisterClient"] == 2 and center.calls["GetRoleCredentials"] == 1
    with pytest.raises(ValueError, match="unknown operation"):
        center.fail("Nope", "X")


def test_role_credentials_are_moto_sts_credentials(moto: MotoServer) -> None:
    """With a moto URL, GetRoleCredentials hands out AssumeRole keys that moto's STS knows."""
    emu = new_emulation(FakeClock(), moto_url=moto.url)
    try:
        oidc, sso = clients(emu)
        access = device_token(emu, oidc)["accessToken"]
        rc = sso.get_role_credentials(accessToken=access, accountId=ACCOUNT_B, roleName=ROLE)[
            "roleCredentials"
        ]
        sts = boto3.client(
            "sts",
            endpoint_url=moto.url,
            region_name="us-east-1",
            aws_access_key_id=rc["accessKeyId"],
            aws_secret_access_key=rc["secretAccessKey"],
            aws_session_token=rc["sessionToken"],
        )
        ident = sts.get_caller_identity()
        assert ident["Account"] == ACCOUNT_B
        assert ident["Arn"] == f"arn:aws:sts::{ACCOUNT_B}:assumed-role/{ROLE}/alice@example.com"
    finally:
        emu.stop()


def test_stop_frees_the_port() -> None:
    """After stop() nothing listens on the port any more."""
    emu = new_emulation()
    port = emu.port
    emu.stop()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    with pytest.raises(ConnectionRefusedError):
        conn.request("GET", "/")


def model_errors(service: str) -> dict[str, int]:
    """Every error shape of SERVICE's botocore model with its modelled HTTP status."""
    from botocore.loaders import Loader

    shapes = Loader().load_service_model(service, "service-2")["shapes"]
    return {
        name: int(shape["error"]["httpStatusCode"])
        for name, shape in shapes.items()
        if shape.get("exception")
    }


def test_emulated_error_statuses_are_the_models() -> None:
    """Each error type the emulation answers has the status code botocore's model gives it."""
    from awsprompt.emulation.identitycenter import OIDC_ERRORS, PORTAL_ERRORS

    oidc, portal = model_errors("sso-oidc"), model_errors("sso")
    for name, (status, _) in OIDC_ERRORS.items():
        assert oidc[name] == status, name
    for name, status in PORTAL_ERRORS.items():
        # Not modelled: the real portal's "No access" (403), and a server error (500).
        if name not in ("ForbiddenException", "InternalServerException"):
            assert portal[name] == status, name
    assert set(oidc) - set(OIDC_ERRORS) <= {"InvalidRequestRegionException"}
    assert set(portal) <= set(PORTAL_ERRORS)


def test_every_modelled_error_maps_to_an_awsprompt_error(sandbox: object) -> None:
    """No SDK error type of either model falls through to the generic AwsError without a hint."""
    from awsprompt.aws.sso._sdk import SdkError
    from awsprompt.aws.sso.config import resolve_session
    from awsprompt.aws.sso.oidc import OidcClient, _PollSignal
    from awsprompt.aws.sso.portal import Portal
    from awsprompt.envvars import Env
    from awsprompt.errors import AwspromptError

    session = resolve_session("corp", {"sso_start_url": START_URL, "sso_region": "us-east-1"})
    oidc = OidcClient(Env({}), session, FakeClock())
    portal = Portal(Env({}), session, FakeClock())
    for code_, status in model_errors("sso-oidc").items():
        for step in ("reg", "start", "device", "code", "refresh"):
            err = oidc._translate(step)(SdkError(code_, "m", status))
            if code_ == "AuthorizationPendingException" and step != "device":
                continue  # never answered outside polling
            assert isinstance(err, AwspromptError), (code_, step)
            if not isinstance(err, _PollSignal):
                assert err.hint, (code_, step)
    for code_, status in model_errors("sso").items():
        err = portal._translate("GetRoleCredentials", "profile 'p'")(SdkError(code_, "m", status))
        assert isinstance(err, AwspromptError) and err.hint, code_
        assert code_ in err.message and "profile 'p'" in err.message
