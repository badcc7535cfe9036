"""botocore's unsigned Identity Center clients, back-off, and SDK failures as awsprompt errors."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from awsprompt.errors import AwsError, AwspromptError, EndpointUnreachable

if TYPE_CHECKING:
    from awsprompt.clock import Clock
    from awsprompt.envvars import Env

T = TypeVar("T")
# The SDK's per-service endpoint variables (botocore honours them too; passing the value
# explicitly makes the Context's environment, not the process's, the one that counts).
ENDPOINT_VARS = {"sso-oidc": "AWS_ENDPOINT_URL_SSO_OIDC", "sso": "AWS_ENDPOINT_URL_SSO"}
THROTTLING = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "Throttling", "SlowDownException", "429"}
)
RETRYABLE = THROTTLING | {"InternalServerException", "500", "502", "503", "504"}
MAX_MESSAGE = 200


@dataclass(frozen=True)
class SdkError:
    """What a failed call said: the error type, a scrubbed one-line message, the status."""

    code: str
    message: str
    status: int | None

    def text(self, action: str, where: str) -> str:
        """`ACTION failed for WHERE: Code: message`."""
        tail = f": {self.message}" if self.message else ""
        return f"{action} failed for {where}: {self.code}{tail}"


def endpoint_url(env: Env, service: str) -> str | None:
    """The endpoint override for SERVICE: AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL."""
    return env.get(ENDPOINT_VARS[service]) or env.get("AWS_ENDPOINT_URL")


def make_client(env: Env, service: str, region: str) -> Any:
    """An unsigned botocore client for SERVICE in REGION (it never retries: we do, on a clock)."""
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config

    # An inherited AWS_PROFILE must not matter (these calls carry a bearer token, no keys).
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    config = Config(
        region_name=region,
        signature_version=UNSIGNED,
        connect_timeout=5,
        read_timeout=20,
        retries={"total_max_attempts": 1},
        user_agent_extra="awsprompt",
    )
    return core.create_client(service, endpoint_url=endpoint_url(env, service), config=config)


def scrub(text: str, secrets: Sequence[str]) -> str:
    """TEXT on one line, at most MAX_MESSAGE characters, with every secret masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "****")
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def parse_client_error(exc: Any, secrets: Sequence[str] = ()) -> SdkError:
    """A botocore ClientError as an SdkError."""
    response = getattr(exc, "response", {}) or {}
    err = response.get("Error", {}) or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    code = str(err.get("Code") or status or "Unknown")
    return SdkError(code, scrub(str(err.get("Message") or ""), secrets), status)


def invoke(
    fn: Callable[[], T],
    *,
    action: str,
    where: str,
    clock: Clock,
    translate: Callable[[SdkError], AwspromptError | None],
    endpoint: str,
    endpoint_hint: str,
    secrets: Sequence[str] = (),
    attempts: int = 1,
    base_delay: float = 1.0,
    max_delay: float = 16.0,
    retry_on: frozenset[str] = RETRYABLE,
) -> T:
    """Run FN; retry RETRY_ON codes with jittered back-off on CLOCK; map failures to errors.

    TRANSLATE turns a service error into an awsprompt error (None: a generic AwsError).
    """
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        HTTPClientError,
    )
    from botocore.exceptions import ConnectionError as BotoConnectionError

    delay = base_delay
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            return fn()
        except ClientError as exc:
            err = parse_client_error(exc, secrets)
            if err.code in retry_on and attempt < attempts:
                clock.sleep(delay * (0.5 + random.random() / 2))  # noqa: S311 - jitter, not a secret
                delay = min(delay * 2, max_delay)
                continue
            mapped = translate(err)
            raise (mapped or AwsError(err.text(action, where))) from None
        except (BotoConnectionError, HTTPClientError) as exc:
            raise EndpointUnreachable(
                f"{action} failed for {where}: cannot reach {endpoint} ({type(exc).__name__})",
                hint=endpoint_hint,
            ) from None
        except BotoCoreError as exc:
            raise AwsError(f"{action} failed for {where}: {type(exc).__name__}") from None
    raise AssertionError("unreachable")  # pragma: no cover
