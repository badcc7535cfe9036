"""boto3 STS/IAM clients and the mapping of botocore failures onto awsprompt errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from awsprompt.aws.credentials import Credentials
from awsprompt.errors import (
    AccessDenied,
    AwsError,
    ConfigError,
    EndpointUnreachable,
    MfaFailed,
    Throttled,
    TokenInvalid,
)

if TYPE_CHECKING:
    from awsprompt.context import Context
    from awsprompt.envvars import Env

T = TypeVar("T")
DEFAULT_REGION = "us-east-1"


def effective_region(env: Env, region: str | None) -> str:
    """REGION, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1."""
    return region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def client(ctx: Context, service: str, creds: Credentials, region: str | None = None) -> Any:
    """A boto3 client for SERVICE signed with CREDS (honours AWS_ENDPOINT_URL[_SERVICE])."""
    import boto3
    import botocore.session
    from botocore.config import Config

    # Ignore an inherited AWS_PROFILE/AWS_DEFAULT_PROFILE: the keys are explicit, and a name
    # missing from ~/.aws/config would make botocore raise ProfileNotFound.
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    session = boto3.session.Session(
        botocore_session=core,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        region_name=effective_region(ctx.env, region),
    )
    config = Config(
        connect_timeout=5,
        read_timeout=20,
        retries={"max_attempts": 2, "mode": "standard"},
        user_agent_extra="awsprompt",
    )
    from botocore.exceptions import InvalidRegionError

    try:
        return session.client(service, config=config)
    except InvalidRegionError:
        shown = effective_region(ctx.env, region)
        raise ConfigError(
            f"{shown!r} is not a valid AWS region",
            hint="check `region` in ~/.aws/config, --region and AWS_REGION / AWS_DEFAULT_REGION",
        ) from None


def call(fn: Callable[[], T], action: str, where: str, hint: str | None = None) -> T:
    """Run an AWS call, turning botocore failures into one clear awsprompt error."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )
    from botocore.exceptions import (
        ConnectionError as BotoConnectionError,
    )
    from botocore.parsers import ResponseParserError

    try:
        return fn()
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        message = str(err.get("Message", "")).rstrip(".")
        text = f"{action} failed for {where}: {code}: {message}"
        if "MultiFactorAuthentication" in message or code == "InvalidMfa":
            raise MfaFailed(
                text, hint="check the MFA code (a code can be used only once)"
            ) from None
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            raise AccessDenied(
                text, hint=hint or "check the role's trust policy, external_id and your permissions"
            ) from None
        if code in (
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "UnrecognizedClientException",
            "InvalidAccessKeyId",
        ):
            raise TokenInvalid(
                text, hint="the keys may be deleted, deactivated or mistyped; check them"
            ) from None
        if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests"):
            raise Throttled(text, hint="wait a little and try again") from None
        raise AwsError(text, hint=hint) from None
    except (EndpointConnectionError, BotoConnectionError) as exc:
        raise EndpointUnreachable(
            f"{action} failed for {where}: cannot reach the AWS endpoint ({type(exc).__name__})",
            hint="check your network, proxy and AWS_ENDPOINT_URL",
        ) from None
    except NoCredentialsError:
        raise TokenInvalid(f"{action} failed for {where}: no credentials") from None
    except BotoCoreError as exc:
        raise AwsError(f"{action} failed for {where}: {type(exc).__name__}") from None
    except ResponseParserError:
        raise AwsError(
            f"{action} failed for {where}: the endpoint answered something that is not AWS's"
            " format (a proxy or a captive portal?)",
            hint="check AWS_ENDPOINT_URL and your proxy settings",
        ) from None


def to_credentials(data: dict[str, Any]) -> Credentials:
    """STS's Credentials structure as our Credentials."""
    return Credentials(
        data["AccessKeyId"], data["SecretAccessKey"], data.get("SessionToken"), data["Expiration"]
    )
