"""The AWS access portal: GetRoleCredentials, ListAccounts, ListAccountRoles and Logout.

botocore's `sso` client, unsigned, with the access token in `x-amz-sso_bearer_token`; it
honours AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL. Lists are paginated; throttling (HTTP
429) and server errors are retried with jittered back-off on the injected clock, then end
in one clear error.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from awsprompt.aws.credentials import Credentials
from awsprompt.aws.sso import _sdk
from awsprompt.errors import AccessDenied, AwsError, AwspromptError, SsoLoginRequired, Throttled

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from awsprompt.aws.sso.config import SsoSession
    from awsprompt.clock import Clock
    from awsprompt.envvars import Env

PAGE_SIZE = 100  # the service's maximum max_result


@dataclass(frozen=True, order=True)
class Account:
    """An account the signed-in user may use."""

    account_id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True, order=True)
class RoleAssignment:
    """A role (permission set) the user may use in an account."""

    account_id: str
    role_name: str


class Portal:
    """The portal operations for one session, with errors mapped and throttling retried."""

    def __init__(
        self,
        env: Env,
        session: SsoSession,
        clock: Clock,
        *,
        attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 20.0,
    ) -> None:
        self.env = env
        self.session = session
        self.clock = clock
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay

    @cached_property
    def _client(self) -> Any:
        return _sdk.make_client(self.env, "sso", self.session.region)

    @property
    def endpoint(self) -> str:
        """The portal endpoint the calls go to."""
        return str(self._client.meta.endpoint_url)

    def _call(self, action: str, where: str, fn: Callable[[], Any], access_token: str) -> Any:
        return _sdk.invoke(
            fn,
            action=action,
            where=where,
            clock=self.clock,
            translate=self._translate(action, where),
            endpoint=self.endpoint,
            endpoint_hint=(
                f"check your network, sso_region ({self.session.region}) of"
                f" {self.session.label}, and AWS_ENDPOINT_URL_SSO"
            ),
            secrets=(access_token,),
            attempts=self.attempts,
            base_delay=self.base_delay,
            max_delay=self.max_delay,
        )

    def role_credentials(
        self, access_token: str, account_id: str, role_name: str, *, where: str | None = None
    ) -> Credentials:
        """GetRoleCredentials: temporary keys for ROLE_NAME in ACCOUNT_ID."""
        who = f"{where or self.session.label} (role {role_name} in account {account_id})"
        resp = self._call(
            "GetRoleCredentials",
            who,
            lambda: self._client.get_role_credentials(
                roleName=role_name, accountId=account_id, accessToken=access_token
            ),
            access_token,
        )
        creds = resp.get("roleCredentials") or {}
        try:
            expiration = datetime.fromtimestamp(int(creds["expiration"]) / 1000, timezone.utc)
            return Credentials(
                str(creds["accessKeyId"]),
                str(creds["secretAccessKey"]),
                str(creds["sessionToken"]),
                expiration,
            )
        except (KeyError, TypeError, ValueError):
            raise AwsError(f"GetRoleCredentials for {who} returned no usable credentials") from None

    def accounts(self, access_token: str, *, page_size: int = PAGE_SIZE) -> list[Account]:
        """ListAccounts, every page."""
        out: list[Account] = []
        for page in self._pages(
            "ListAccounts", access_token, page_size, self._client.list_accounts
        ):
            out.extend(
                Account(
                    str(a.get("accountId", "")),
                    str(a.get("accountName", "")),
                    str(a.get("emailAddress", "")),
                )
                for a in page.get("accountList", [])
            )
        return out

    def roles(
        self, access_token: str, account_id: str, *, page_size: int = PAGE_SIZE
    ) -> list[RoleAssignment]:
        """ListAccountRoles of ACCOUNT_ID, every page."""
        out: list[RoleAssignment] = []
        for page in self._pages(
            "ListAccountRoles",
            access_token,
            page_size,
            self._client.list_account_roles,
            accountId=account_id,
        ):
            out.extend(
                RoleAssignment(str(r.get("accountId") or account_id), str(r.get("roleName", "")))
                for r in page.get("roleList", [])
            )
        return out

    def assignments(
        self,
        access_token: str,
        accounts: Iterable[Account] | None = None,
        *,
        workers: int = 8,
    ) -> list[RoleAssignment]:
        """Every (account, role) pair of ACCOUNTS (default: all), sorted; WORKERS in parallel."""
        ids = [
            a.account_id for a in (self.accounts(access_token) if accounts is None else accounts)
        ]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            lists = list(pool.map(lambda acc: self.roles(access_token, acc), ids))
        return sorted(r for roles in lists for r in roles)

    def logout(self, access_token: str) -> None:
        """Logout: end the portal session of ACCESS_TOKEN (the token stops working)."""
        self._call(
            "Logout",
            self.session.label,
            lambda: self._client.logout(accessToken=access_token),
            access_token,
        )

    def _pages(
        self,
        action: str,
        access_token: str,
        page_size: int,
        op: Callable[..., Any],
        **kwargs: Any,
    ) -> Iterable[dict[str, Any]]:
        where = self.session.label
        if "accountId" in kwargs:
            where = f"{where} (account {kwargs['accountId']})"
        token: str | None = None
        seen: set[str] = set()
        while True:
            args = {**kwargs, "accessToken": access_token, "maxResults": page_size}
            if token:
                args["nextToken"] = token
            page = self._call(action, where, functools.partial(op, **args), access_token)
            yield page
            token = page.get("nextToken")
            if not token:
                return
            if token in seen:
                raise AwsError(f"{action} for {where} repeated a page token; stopped")
            seen.add(token)

    def _translate(
        self, action: str, where: str
    ) -> Callable[[_sdk.SdkError], AwspromptError | None]:
        session = self.session
        login = f"run `{session.login_command}`"

        def translate(err: _sdk.SdkError) -> AwspromptError | None:
            text = err.text(action, where)
            code = err.code
            if code in ("UnauthorizedException", "401"):
                return SsoLoginRequired(
                    f"{text} (the token of {session.label} is expired or was revoked)", hint=login
                )
            if code in ("ForbiddenException", "AccessDeniedException", "403"):
                return AccessDenied(
                    text,
                    hint="check sso_account_id and sso_role_name: your Identity Center user may"
                    " not be assigned that role (`awsprompt sso sync` lists what you may use)",
                )
            if code in ("ResourceNotFoundException", "404"):
                return AccessDenied(
                    text, hint="the account or role is not assigned to you (any more)"
                )
            if code in _sdk.THROTTLING:
                return Throttled(
                    f"{text} (still throttled after {self.attempts} attempts)",
                    hint="wait a minute and try again",
                )
            if code == "InvalidRequestException":
                return AwsError(text, hint="check sso_account_id (12 digits) and sso_role_name")
            if code.startswith("5") or code == "InternalServerException":
                return AwsError(text, hint="the access portal had an internal error; try again")
            return None

        return translate
