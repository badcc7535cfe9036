"""IAM Identity Center: role credentials from GetRoleCredentials, with a token from sign-in.

The token comes from awsprompt's encrypted store or the AWS CLI's cache, refreshed with
its refresh token when it can be; a sign-in (browser or device code) runs only when a
person can be asked. The role credentials are a session like any STS step's: the planner
gives them a cache key (account, role, portal endpoint) and the engine caches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from awsprompt.errors import ConfigError

if TYPE_CHECKING:
    from awsprompt.aws.credentials import Credentials
    from awsprompt.aws.sso.config import SsoConfig
    from awsprompt.config.profiles import Source
    from awsprompt.context import Context


@dataclass(frozen=True)
class SsoRole:
    """A permission set in an account, reached through an sso-session (or a legacy profile)."""

    source: Source
    config: SsoConfig
    endpoint: str  # the portal endpoint override ('' for AWS's own): part of the cache key

    @classmethod
    def open(cls, ctx: Context, source: Source) -> SsoRole:
        """Name the role from the resolved settings (no token, no network)."""
        if source.sso is None:
            raise ConfigError(f"profile {source.profile!r} has no IAM Identity Center settings")
        endpoint = ctx.env.get("AWS_ENDPOINT_URL_SSO") or ctx.env.get("AWS_ENDPOINT_URL") or ""
        return cls(source, source.sso, endpoint)

    @property
    def fingerprint(self) -> str:
        """The sign-in's digest: every role of one sso-session shares one lock and one login."""
        return self.config.session.fingerprint

    @property
    def can_get_session_token(self) -> bool:
        """Role credentials are temporary: GetSessionToken refuses them."""
        return False

    @property
    def step_label(self) -> str:
        """The portal call whose answer is cached."""
        return f"GetRoleCredentials {self.config.role_name} in {self.config.account_id}"

    @property
    def step_material(self) -> dict[str, object]:
        """Which role, through which portal, the cached session is."""
        return {
            "op": "sso",
            "account": self.config.account_id,
            "role": self.config.role_name,
            "region": self.config.session.region,
            "ep": self.endpoint,
        }

    def credentials(self, ctx: Context, *, prompt: bool = True) -> Credentials:
        """GetRoleCredentials with a valid token; a sign-in only when PROMPT and a terminal."""
        from awsprompt.aws.sso import login as sso_login
        from awsprompt.aws.sso.portal import Portal
        from awsprompt.aws.sso.refresh import tokens_for

        session = self.config.session
        tokens = tokens_for(ctx, write_cli_cache=ctx.settings.sso_write_cli_cache)
        flow = None
        if prompt and ctx.ui.has_terminal():
            flow = sso_login.make_flow(
                ctx.ui, ctx.clock, session, tokens.oidc(session), open_browser=ctx.open_browser
            )
        token = tokens.get(session, login=flow)
        portal = Portal(ctx.env, session, ctx.clock)
        return portal.role_credentials(
            token.access_token,
            self.config.account_id,
            self.config.role_name,
            where=f"profile {self.source.profile!r}",
        )

    @property
    def account(self) -> str:
        """The account the role credentials belong to."""
        return self.config.account_id
