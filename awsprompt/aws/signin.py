"""Console sign-in: federation endpoint, destination URL, sign-in token and login link."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from awsprompt.aws import sts
from awsprompt.aws.credentials import Credentials
from awsprompt.errors import (
    AwsError,
    EndpointUnreachable,
    Throttled,
    TokenInvalid,
    UsageError,
)

if TYPE_CHECKING:
    from awsprompt.aws.plan import Options
    from awsprompt.config.profiles import Profile
    from awsprompt.context import Context

ISSUER = "awsprompt"
DEFAULT_FEDERATION_DURATION = 3600
FEDERATION_URL_ENV = "AWSPROMPT_FEDERATION_URL"
MIN_CONSOLE_SESSION = 900
MAX_CONSOLE_SESSION = 43200
MIN_FEDERATION_TOKEN = 900
MAX_FEDERATION_TOKEN = 129600
MAX_FEDERATED_NAME = 32
MAX_RESPONSE_BYTES = 64 * 1024

# Allows everything; the effective permissions are the intersection with the IAM user's own.
ALLOW_ALL_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
    separators=(",", ":"),
)

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_FED_NAME_BAD = re.compile(r"[^\w+=,.@-]", re.ASCII)


def _partition(region: str | None) -> str:
    """'aws', 'aws-cn' or 'aws-us-gov' for REGION."""
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _check_region(region: str | None) -> str | None:
    """Return REGION, refusing anything that is not shaped like an AWS region."""
    if region is not None and not _REGION.fullmatch(region):
        shown = region.encode("unicode_escape").decode("ascii")
        raise UsageError(f"invalid region {shown!r}", hint="use a region like eu-west-1")
    return region


def console_destination(
    region: str | None, path: str | None = None, service: str | None = None
) -> str:
    """The console URL to land on: home, or a service/path, in REGION's partition."""
    _check_region(region)
    if service is not None and not _SERVICE.fullmatch(service):
        raise UsageError(f"invalid console service name {service!r}", hint="like ec2 or s3")
    if path is not None:
        parts = urlsplit(path)
        if (
            parts.scheme
            or parts.netloc
            or path.startswith("//")
            or any(ch.isspace() or ord(ch) < 0x20 for ch in path)
        ):
            raise UsageError("the console path must be a path like ec2/home#Instances, not a URL")
        rel = path.lstrip("/")
    elif service is not None:
        rel = f"{service}/home"
    else:
        rel = "console/home" if region else ""

    partition = _partition(region)
    if partition == "aws-cn":
        host = "console.amazonaws.cn"
    elif partition == "aws-us-gov":
        host = "console.amazonaws-us-gov.com"
    elif region:
        host = f"{region}.console.aws.amazon.com"
    else:
        host = "console.aws.amazon.com"

    parts = urlsplit(rel)
    query = parts.query
    if region:
        query = f"{query}&region={region}" if query else f"region={region}"
    return urlunsplit(("https", host, "/" + parts.path, query, parts.fragment))


def federation_endpoint(region: str | None = None, override: str | None = None) -> str:
    """The sign-in federation URL for REGION's partition (OVERRIDE, from the environment, wins)."""
    if override:
        if urlsplit(override).scheme not in ("https", "http"):
            raise UsageError(f"{FEDERATION_URL_ENV} must be an http(s) URL")
        return override
    partition = _partition(_check_region(region))
    if partition == "aws-cn":
        return "https://signin.amazonaws.cn/federation"
    if partition == "aws-us-gov":
        return "https://signin.amazonaws-us-gov.com/federation"
    return "https://signin.aws.amazon.com/federation"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never re-send the secret-bearing query string to another location."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        """Refuse every redirect (it then surfaces as an HTTP error)."""
        return None


def get_signin_token(
    creds: Credentials,
    region: str | None = None,
    duration: int | None = None,
    endpoint: str | None = None,
    *,
    timeout: float = 15,
) -> str:
    """Exchange temporary credentials for a console sign-in token (one GET, no boto3)."""
    if not creds.is_temporary:
        raise UsageError(
            "console sign-in needs temporary credentials",
            hint="get a federation token first (federation_credentials)",
        )
    if duration is not None and not MIN_CONSOLE_SESSION <= duration <= MAX_CONSOLE_SESSION:
        raise UsageError(
            f"console session duration must be {MIN_CONSOLE_SESSION} to"
            f" {MAX_CONSOLE_SESSION} seconds, not {duration}"
        )
    endpoint = endpoint or federation_endpoint(region)
    host = _host(endpoint)
    session = json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
        }
    )
    params = {"Action": "getSigninToken", "Session": session}
    if duration is not None:
        params["SessionDuration"] = str(duration)
    if urlsplit(endpoint).scheme not in ("https", "http"):
        raise UsageError("the federation endpoint must be an http(s) URL")
    sep = "&" if urlsplit(endpoint).query else "?"
    # Messages below name the host only: the URL carries the secret key and token.
    try:
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            endpoint + sep + urlencode(params, quote_via=quote),
            headers={"Accept": "application/json", "User-Agent": "awsprompt"},
        )
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as err:
        status = err.code
        err.close()
        raise _http_error(status, host) from None
    except OSError as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, OSError) and reason.strerror:
            reason_text = reason.strerror
        else:
            reason_text = type(reason).__name__
        raise EndpointUnreachable(
            f"could not reach the sign-in endpoint {host} ({reason_text})",
            hint=f"check the network, a proxy, or {FEDERATION_URL_ENV}",
        ) from None
    except (http.client.HTTPException, ValueError) as err:
        raise AwsError(
            f"the sign-in endpoint {host} gave a broken answer ({type(err).__name__})"
        ) from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise AwsError(f"the sign-in endpoint {host} sent an oversized answer")
    try:
        token = json.loads(body).get("SigninToken")
    except (ValueError, AttributeError, UnicodeDecodeError):
        raise AwsError(f"the sign-in endpoint {host} did not answer with JSON") from None
    if not isinstance(token, str) or not token:
        raise AwsError(f"the sign-in endpoint {host} answered without a SigninToken")
    return token


def _host(url: str) -> str:
    """HOST[:PORT] of URL, for messages (never user info, path or query)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "the sign-in endpoint"
    return f"{host}:{port}" if port else host


def _http_error(status: int, host: str) -> AwsError:
    """An awsprompt error for an HTTP status from the federation endpoint."""
    if status in (400, 401, 403):
        return TokenInvalid(
            f"the sign-in endpoint {host} refused the credentials (HTTP {status})",
            hint="the session may be expired, or was made with GetSessionToken"
            " (the console accepts role or federation credentials only)",
        )
    if status == 429:
        return Throttled(f"the sign-in endpoint {host} throttled the request (HTTP 429)")
    return AwsError(f"the sign-in endpoint {host} failed (HTTP {status})", hint="try again")


def login_url(
    token: str, destination: str, endpoint: str | None = None, issuer: str = ISSUER
) -> str:
    """The console login link (a bearer secret: never log it)."""
    endpoint = endpoint or federation_endpoint(None)
    params = {
        "Action": "login",
        "Issuer": issuer,
        "Destination": destination,
        "SigninToken": token,
    }
    sep = "&" if urlsplit(endpoint).query else "?"
    return endpoint + sep + urlencode(params, quote_via=quote)


def federated_name(user_name: str) -> str:
    """A GetFederationToken Name: 2-32 of [\\w+=,.@-], derived from the IAM user name."""
    name = _FED_NAME_BAD.sub("-", user_name)[:MAX_FEDERATED_NAME]
    return name if len(name) >= 2 else ISSUER


def federation_credentials(
    long_term: Credentials,
    user_name: str,
    duration: int,
    sts_client: Any,
) -> Credentials:
    """Turn an IAM user's long-term keys into federation credentials usable for sign-in."""
    if long_term.is_temporary:
        raise UsageError(
            "GetFederationToken needs long-term keys",
            hint="temporary (role) credentials can sign in directly",
        )
    if not MIN_FEDERATION_TOKEN <= duration <= MAX_FEDERATION_TOKEN:
        raise UsageError(
            f"federation token duration must be {MIN_FEDERATION_TOKEN} to"
            f" {MAX_FEDERATION_TOKEN} seconds, not {duration}"
        )
    name = federated_name(user_name)
    answer = sts.call(
        lambda: sts_client.get_federation_token(
            Name=name, Policy=ALLOW_ALL_POLICY, DurationSeconds=duration
        ),
        "GetFederationToken",
        f"IAM user {name}",
        hint="the IAM user needs permission for sts:GetFederationToken",
    )
    try:
        return sts.to_credentials(answer["Credentials"])
    except (KeyError, TypeError):
        raise AwsError("GetFederationToken answered without credentials") from None


def iam_user_name(ctx: Context, creds: Credentials, region: str | None, profile: str) -> str:
    """The IAM user name behind long-term CREDS (caller ARN, else iam:GetUser)."""
    from awsprompt.aws.rotate import user_from_arn

    where = f"profile {profile!r}"
    ident = sts.call(
        lambda: sts.client(ctx, "sts", creds, region).get_caller_identity(),
        "GetCallerIdentity",
        where,
    )
    name = user_from_arn(str(ident.get("Arn", "")))
    if name:
        return name
    try:
        user = sts.call(lambda: sts.client(ctx, "iam", creds, region).get_user(), "GetUser", where)
        return str(user["User"]["UserName"])
    except (AwsError, KeyError, TypeError):
        # Root keys have no user name; any valid federated name will do.
        return ISSUER


def console_credentials(
    ctx: Context, profile: Profile, opts: Options, duration: int | None
) -> tuple[Credentials, int | None]:
    """Temporary credentials for the console and the SessionDuration to ask for (roles only)."""
    from dataclasses import replace

    from awsprompt.aws.engine import Engine

    engine = Engine(ctx)
    region = opts.region or profile.region
    if profile.hops:
        # The engine's role session (cached when fresh); DURATION sets the console session.
        return engine.get(profile, opts).credentials, duration
    creds = engine.get(profile, replace(opts, no_session=True, mfa_token=None)).credentials
    if creds.is_temporary:
        # A credential_process that already hands out temporary credentials.
        return creds, None
    user = iam_user_name(ctx, creds, region, profile.name)
    fed = sts.client(ctx, "sts", creds, region)
    return federation_credentials(creds, user, duration or DEFAULT_FEDERATION_DURATION, fed), None
