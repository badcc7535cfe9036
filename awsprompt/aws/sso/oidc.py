"""The OIDC side of Identity Center: RegisterClient, StartDeviceAuthorization and CreateToken.

Every call goes through botocore's `sso-oidc` client, unsigned (these operations take no
AWS keys), which honours AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL. Each SDK error type
becomes one awsprompt error with a one-line message and a hint; no token is ever in it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from awsprompt.aws.sso import _sdk
from awsprompt.aws.sso.tokens import Registration, SsoToken, expiry_from_now
from awsprompt.errors import (
    AwsError,
    AwspromptError,
    ConfigError,
    SsoLoginFailed,
    SsoLoginRequired,
    Throttled,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from awsprompt.aws.sso.config import SsoSession
    from awsprompt.clock import Clock
    from awsprompt.envvars import Env

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CODE_GRANT = "authorization_code"
REFRESH_GRANT = "refresh_token"


class Poll(enum.Enum):
    """What a device-code poll said instead of a token."""

    PENDING = "pending"
    SLOW_DOWN = "slow_down"


class RegistrationRejected(SsoLoginRequired):
    """The OIDC service no longer knows the client registration (expired or revoked)."""


class _PollSignal(AwspromptError):
    """AuthorizationPending / SlowDown, carried out of the error mapping (never escapes)."""

    def __init__(self, poll: Poll) -> None:
        super().__init__(poll.value)
        self.poll = poll


@dataclass(frozen=True)
class DeviceAuthorization:
    """A started device-code sign-in: the code to show and the one to poll with."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class TokenGrant:
    """CreateToken's answer."""

    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)

    def to_token(
        self,
        session: SsoSession,
        registration: Registration,
        now: float,
        previous_refresh: str | None = None,
    ) -> SsoToken:
        """The token record, expiring EXPIRES_IN seconds after NOW."""
        return SsoToken(
            start_url=session.start_url,
            region=session.region,
            access_token=self.access_token,
            expires_at=expiry_from_now(now, self.expires_in),
            refresh_token=self.refresh_token or previous_refresh,
            registration=registration,
        )


def client_name(session: SsoSession, now: float) -> str:
    """The clientName to register (per session; a timestamp for legacy profiles, as the CLI)."""
    return f"awsprompt-{session.name}" if session.name else f"awsprompt-legacy-{int(now)}"


class OidcClient:
    """The sso-oidc operations for one session, with errors mapped and throttling retried."""

    def __init__(self, env: Env, session: SsoSession, clock: Clock, *, attempts: int = 4) -> None:
        self.env = env
        self.session = session
        self.clock = clock
        self.attempts = attempts

    @cached_property
    def _client(self) -> Any:
        return _sdk.make_client(self.env, "sso-oidc", self.session.region)

    @property
    def endpoint(self) -> str:
        """The OIDC endpoint the calls go to."""
        return str(self._client.meta.endpoint_url)

    def _call(
        self,
        action: str,
        fn: Callable[[], Any],
        translate: Callable[[_sdk.SdkError], AwspromptError | None],
        secrets: Sequence[str] = (),
        retry_on: frozenset[str] = _sdk.RETRYABLE,
    ) -> Any:
        return _sdk.invoke(
            fn,
            action=action,
            where=self.session.label,
            clock=self.clock,
            translate=translate,
            endpoint=self.endpoint,
            endpoint_hint=(
                f"check your network, sso_region ({self.session.region}) of"
                f" {self.session.label}, and AWS_ENDPOINT_URL_SSO_OIDC"
            ),
            secrets=secrets,
            attempts=self.attempts,
            retry_on=retry_on,
        )

    # -- the operations ------------------------------------------------------------------
    def register(
        self,
        name: str,
        *,
        scopes: Sequence[str] = (),
        grant_types: Sequence[str] = (),
        redirect_uris: Sequence[str] = (),
        issuer_url: str | None = None,
    ) -> Registration:
        """RegisterClient: a public client (for PKCE: grant types, redirect URIs, issuer)."""
        kwargs: dict[str, Any] = {"clientName": name, "clientType": "public"}
        if scopes:
            kwargs["scopes"] = list(scopes)
        if grant_types:
            kwargs["grantTypes"] = list(grant_types)
        if redirect_uris:
            kwargs["redirectUris"] = list(redirect_uris)
        if issuer_url:
            kwargs["issuerUrl"] = issuer_url
        resp = self._call(
            "RegisterClient", lambda: self._client.register_client(**kwargs), self._translate("reg")
        )
        return Registration(
            client_id=str(resp["clientId"]),
            client_secret=str(resp["clientSecret"]),
            expires_at=datetime.fromtimestamp(int(resp["clientSecretExpiresAt"]), timezone.utc),
            scopes=tuple(scopes),
            grant_types=tuple(grant_types),
            issuer_url=issuer_url or "",
        )

    def start_device_authorization(self, reg: Registration) -> DeviceAuthorization:
        """StartDeviceAuthorization for the session's start URL."""
        resp = self._call(
            "StartDeviceAuthorization",
            lambda: self._client.start_device_authorization(
                clientId=reg.client_id,
                clientSecret=reg.client_secret,
                startUrl=self.session.start_url,
            ),
            self._translate("start"),
            secrets=(reg.client_secret,),
        )
        return DeviceAuthorization(
            device_code=str(resp["deviceCode"]),
            user_code=str(resp.get("userCode", "")),
            verification_uri=str(resp.get("verificationUri", "")),
            verification_uri_complete=str(
                resp.get("verificationUriComplete") or resp.get("verificationUri", "")
            ),
            expires_in=int(resp.get("expiresIn", 600)),
            interval=int(resp.get("interval") or 5),
        )

    def poll_device_token(self, reg: Registration, device_code: str) -> TokenGrant | Poll:
        """One CreateToken poll of the device-code grant: a token, or PENDING / SLOW_DOWN."""
        try:
            resp = self._call(
                "CreateToken",
                lambda: self._client.create_token(
                    grantType=DEVICE_GRANT,
                    clientId=reg.client_id,
                    clientSecret=reg.client_secret,
                    deviceCode=device_code,
                ),
                self._translate("device"),
                secrets=(reg.client_secret, device_code),
                retry_on=_sdk.RETRYABLE - {"SlowDownException"},
            )
        except _PollSignal as signal:
            return signal.poll
        return _grant(resp)

    def exchange_code(
        self, reg: Registration, code: str, verifier: str, redirect_uri: str
    ) -> TokenGrant:
        """CreateToken with an authorization code and its PKCE code verifier."""
        resp = self._call(
            "CreateToken",
            lambda: self._client.create_token(
                grantType=CODE_GRANT,
                clientId=reg.client_id,
                clientSecret=reg.client_secret,
                code=code,
                codeVerifier=verifier,
                redirectUri=redirect_uri,
            ),
            self._translate("code"),
            secrets=(reg.client_secret, code, verifier),
        )
        return _grant(resp)

    def refresh(self, reg: Registration, refresh_token: str) -> TokenGrant:
        """CreateToken with the refresh token (no browser)."""
        resp = self._call(
            "CreateToken",
            lambda: self._client.create_token(
                grantType=REFRESH_GRANT,
                clientId=reg.client_id,
                clientSecret=reg.client_secret,
                refreshToken=refresh_token,
            ),
            self._translate("refresh"),
            secrets=(reg.client_secret, refresh_token),
        )
        return _grant(resp)

    def authorize_base(self) -> str:
        """The endpoint the browser's `/authorize` request goes to (resolved as botocore does)."""
        from botocore.awsrequest import AWSResponse

        seen: dict[str, str] = {}

        def capture(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
            seen["url"] = str(params["url"])
            return AWSResponse(None, 200, {}, None), {}

        event = "before-call.sso-oidc.RegisterClient"
        self._client.meta.events.register_first(event, capture, unique_id="awsprompt-authorize")
        try:
            self._client.register_client(clientName="awsprompt", clientType="public")
        finally:
            self._client.meta.events.unregister(event, unique_id="awsprompt-authorize")
        parts = urlsplit(seen["url"])
        path = parts.path
        if path.endswith("/client/register"):
            path = path[: -len("/client/register")]
        return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))

    # -- errors --------------------------------------------------------------------------
    def _translate(self, step: str) -> Callable[[_sdk.SdkError], AwspromptError | None]:
        session = self.session
        label = session.label
        again = f"run `{session.login_command}`"

        def translate(err: _sdk.SdkError) -> AwspromptError | None:
            action = {"reg": "RegisterClient", "start": "StartDeviceAuthorization"}.get(
                step, "CreateToken"
            )
            text = err.text(action, label)
            code = err.code
            if step == "device" and code == "AuthorizationPendingException":
                return _PollSignal(Poll.PENDING)
            if step == "device" and code == "SlowDownException":
                return _PollSignal(Poll.SLOW_DOWN)
            if code == "InvalidClientException":
                return RegistrationRejected(
                    f"{text} (the client registration is expired or unknown)", hint=again
                )
            if step == "refresh" and code in (
                "InvalidGrantException",
                "ExpiredTokenException",
                "AccessDeniedException",
                "UnauthorizedClientException",
            ):
                return SsoLoginRequired(
                    f"the refresh token of {label} was refused ({code}): sign in again", hint=again
                )
            if code == "ExpiredTokenException":
                return SsoLoginFailed(
                    f"the sign-in to {label} expired before it was approved", hint=again
                )
            if code == "InvalidGrantException":
                what = "authorization code or PKCE code verifier" if step == "code" else "grant"
                return SsoLoginFailed(f"{text} (the {what} was refused)", hint=again)
            if code == "AccessDeniedException":
                return SsoLoginFailed(f"{text} (the sign-in was denied)", hint=again)
            if code == "InvalidScopeException":
                return ConfigError(
                    f"{text} (sso_registration_scopes {','.join(session.scopes)!r})",
                    hint=f"fix sso_registration_scopes of {label} (default sso:account:access)",
                )
            if code == "InvalidRequestRegionException":
                return ConfigError(
                    f"{text} (sso_region {session.region!r})",
                    hint=f"set sso_region of {label} to the Identity Center instance's region",
                )
            if code in _sdk.THROTTLING:
                return Throttled(text, hint="wait a little and try again")
            if code == "InvalidRequestException":
                return AwsError(
                    text,
                    hint=f"check sso_start_url ({session.start_url}) and sso_region"
                    f" ({session.region}) of {label}: the start URL must belong to an"
                    " Identity Center instance in that region",
                )
            if code in (
                "UnauthorizedClientException",
                "UnsupportedGrantTypeException",
                "InvalidClientMetadataException",
                "InvalidRedirectUriException",
            ):
                return AwsError(text, hint=f"Identity Center refused this client; {again}")
            if code.startswith("5") or code == "InternalServerException":
                return AwsError(text, hint="Identity Center had an internal error; try again")
            return None

        return translate


def _grant(resp: dict[str, Any]) -> TokenGrant:
    refresh = resp.get("refreshToken")
    return TokenGrant(
        access_token=str(resp["accessToken"]),
        expires_in=int(resp.get("expiresIn") or 3600),
        refresh_token=str(refresh) if refresh else None,
    )
