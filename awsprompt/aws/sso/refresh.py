"""A valid access token for an sso-session: the store, the CLI cache, refresh, one login.

`AccessTokens.get` is what a credential source calls. It takes the freshest token of the
encrypted store and the AWS CLI's cache; refreshes it with the refresh token when under 15
minutes remain (botocore's rule) while its client registration lasts; uses an unrefreshable
token until it expires; and otherwise either runs the given sign-in flow or raises
SsoLoginRequired. Refresh and sign-in happen under the session's lock, and every waiter
re-reads the store once it has the lock, so parallel callers share one refresh or one login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from awsprompt.aws.sso import tokens as _tokens
from awsprompt.aws.sso.oidc import OidcClient
from awsprompt.aws.sso.tokens import Registration, SsoRecord, SsoToken, TokenMeta, TokenStore
from awsprompt.errors import (
    AwsError,
    AwspromptError,
    SsoLoginFailed,
    SsoLoginRequired,
    VaultDamaged,
)

if TYPE_CHECKING:
    from pathlib import Path

    from awsprompt.aws.sso.config import SsoSession
    from awsprompt.aws.sso.portal import Portal
    from awsprompt.clock import Clock
    from awsprompt.context import Context
    from awsprompt.envvars import Env

REFRESH_WINDOW = 15 * 60
DEFAULT_MIN_TTL = 60.0
# Callers that may sign in wait this long for another process's sign-in to finish.
DEFAULT_LOGIN_WAIT = 11 * 60.0

LoginFlow = Callable[[Registration | None], SsoToken]


def is_fresh(token: SsoToken, now: float, min_ttl: float = DEFAULT_MIN_TTL) -> bool:
    """True when TOKEN needs no refresh: 15 minutes left, or unrefreshable with MIN_TTL left."""
    left = token.seconds_left(now)
    return left >= REFRESH_WINDOW or (left > min_ttl and not token.can_refresh(now))


def refresh_token(oidc: OidcClient, session: SsoSession, token: SsoToken, now: float) -> SsoToken:
    """TOKEN renewed with its refresh token (CreateToken, grant refresh_token; no browser)."""
    reg = token.registration
    if reg is None or not token.refresh_token or reg.seconds_left(now) <= 0:
        raise SsoLoginRequired(
            f"the token of {session.label} cannot be refreshed"
            " (no refresh token, or the client registration expired)",
            hint=f"run `{session.login_command}`",
        )
    grant = oidc.refresh(reg, token.refresh_token)
    return grant.to_token(session, reg, now, previous_refresh=token.refresh_token)


class AccessTokens:
    """Access tokens of Identity Center sessions, kept in STORE (and the CLI cache if asked)."""

    def __init__(
        self,
        store: TokenStore,
        env: Env,
        clock: Clock,
        *,
        cli_cache: Path | None = None,
        write_cli_cache: bool = False,
        lock_timeout: float = 300.0,
        login_wait: float = DEFAULT_LOGIN_WAIT,
        oidc: Callable[[SsoSession], OidcClient] | None = None,
    ) -> None:
        self.store = store
        self.env = env
        self.clock = clock
        self.cli_cache = cli_cache
        self.write_cli_cache = write_cli_cache and cli_cache is not None
        self.lock_timeout = lock_timeout
        self.login_wait = login_wait
        self._oidc_factory = oidc
        self._oidc: dict[str, OidcClient] = {}

    def oidc(self, session: SsoSession) -> OidcClient:
        """The OIDC client of SESSION (one per session and process)."""
        if session.key not in self._oidc:
            factory = self._oidc_factory
            self._oidc[session.key] = (
                factory(session) if factory else OidcClient(self.env, session, self.clock)
            )
        return self._oidc[session.key]

    def status(self, session: SsoSession) -> TokenMeta | None:
        """The plaintext facts of SESSION's stored token (no passphrase needed)."""
        return self.store.peek(session)

    # -- reading ---------------------------------------------------------------------------
    def _candidates(
        self, session: SsoSession, record: SsoRecord | None, *, tolerate_damage: bool = False
    ) -> tuple[SsoToken | None, bool, str | None]:
        """(the freshest usable token, whether it came from the CLI cache, a region mismatch).

        The AWS CLI's file is read only when the store has no fresh token; a damaged one is
        an error only when nothing else can help (no token of ours, no sign-in to run).
        """
        found: list[tuple[SsoToken, bool]] = []
        mismatch = None
        stored = record.token if record else None
        if stored is not None and stored.start_url == session.start_url:
            if stored.region == session.region:
                found.append((stored, False))
            else:
                mismatch = stored.region
        now = self.clock.time()
        if self.cli_cache is not None and not (found and is_fresh(found[0][0], now)):
            try:
                cli = _tokens.read_cli_token(self.cli_cache, session)
            except VaultDamaged:
                if not found and not tolerate_damage:
                    raise
                cli = None
            if cli is not None:
                found.append((_complete(cli, session), True))
        if not found:
            return None, False, mismatch
        token, from_cli = max(found, key=lambda pair: (pair[0].expires_at, not pair[1]))
        return token, from_cli, mismatch

    def _load(self, session: SsoSession, *, tolerate_damage: bool = False) -> SsoRecord | None:
        try:
            return self.store.load(session)
        except VaultDamaged:
            if tolerate_damage:
                return None
            raise

    def cached(self, session: SsoSession, *, min_ttl: float = DEFAULT_MIN_TTL) -> SsoToken | None:
        """A token that needs neither refresh nor login right now (no network), or None."""
        token, _, _ = self._candidates(session, self._load(session), tolerate_damage=True)
        now = self.clock.time()
        return token if token is not None and is_fresh(token, now, min_ttl) else None

    def get(
        self,
        session: SsoSession,
        *,
        login: LoginFlow | None = None,
        min_ttl: float = DEFAULT_MIN_TTL,
    ) -> SsoToken:
        """A token with more than MIN_TTL seconds left: cached, refreshed, or from LOGIN.

        Without LOGIN (no person to sign in), a missing or dead token raises SsoLoginRequired.
        """
        tolerate = login is not None
        record = self._load(session, tolerate_damage=tolerate)
        token, from_cli, mismatch = self._candidates(session, record, tolerate_damage=tolerate)
        now = self.clock.time()
        if token is not None and is_fresh(token, now, min_ttl) and not from_cli:
            return token
        if token is None and login is None:
            raise self._required(session, mismatch)
        wait = self.login_wait if login is not None else self.lock_timeout
        with self.store.lock(session, wait, self.clock):
            record = self._load(session, tolerate_damage=tolerate)
            token, from_cli, mismatch = self._candidates(session, record, tolerate_damage=tolerate)
            now = self.clock.time()
            if token is not None and is_fresh(token, now, min_ttl):
                if from_cli:
                    self._save(session, token, record, to_cli=False)
                return token
            reason = ""
            if token is not None and token.can_refresh(now):
                try:
                    renewed = refresh_token(self.oidc(session), session, token, now)
                except SsoLoginRequired as exc:
                    reason = exc.message
                    token = replace(token, refresh_token=None)
                    self._save(session, token, record, to_cli=False)
                except AwsError:
                    # Unreachable or throttled: a token that still works is good enough.
                    if token.seconds_left(self.clock.time()) > min_ttl:
                        return token
                    raise
                else:
                    self._save(session, renewed, record)
                    return renewed
            if token is not None and token.seconds_left(self.clock.time()) > min_ttl:
                return token
            if login is not None:
                return self._run_login(session, record, login)
            raise self._required(session, mismatch, expired=token is not None, reason=reason)

    def _required(
        self, session: SsoSession, mismatch: str | None, *, expired: bool = False, reason: str = ""
    ) -> SsoLoginRequired:
        hint = f"run `{session.login_command}`"
        if mismatch is not None:
            return SsoLoginRequired(
                f"the token of {session.label} was issued in region {mismatch},"
                f" but sso_region is now {session.region}",
                hint=f"fix sso_region, or {hint} to sign in again in {session.region}",
            )
        if reason:
            return SsoLoginRequired(reason, hint=hint)
        if expired:
            return SsoLoginRequired(
                f"the IAM Identity Center token of {session.label} has expired", hint=hint
            )
        return SsoLoginRequired(f"not signed in to {session.label}", hint=hint)

    # -- writing ---------------------------------------------------------------------------
    def login(self, session: SsoSession, flow: LoginFlow, *, force: bool = True) -> SsoToken:
        """Run FLOW under SESSION's lock and store its token (FORCE=False: keep a good one)."""
        with self.store.lock(session, self.login_wait, self.clock):
            record = self._load(session, tolerate_damage=True)
            if not force:
                token, from_cli, _ = self._candidates(session, record, tolerate_damage=True)
                if token is not None and is_fresh(token, self.clock.time()):
                    if from_cli:
                        self._save(session, token, record, to_cli=False)
                    return token
            return self._run_login(session, record, flow)

    def _run_login(
        self, session: SsoSession, record: SsoRecord | None, flow: LoginFlow
    ) -> SsoToken:
        registration = record.registration if record else None
        try:
            token = flow(registration)
        except (SsoLoginFailed, SsoLoginRequired):
            if record is not None and registration is not None:
                # The next sign-in registers afresh, in case this client was the problem.
                now = self.clock.time()
                self.store.save(session, SsoRecord(token=record.token, registration=None), now)
            raise
        self._save(session, token, record)
        return token

    def _save(
        self, session: SsoSession, token: SsoToken, record: SsoRecord | None, *, to_cli: bool = True
    ) -> None:
        registration = token.registration or (record.registration if record else None)
        self.store.save(
            session, SsoRecord(token=token, registration=registration), self.clock.time()
        )
        if to_cli and self.write_cli_cache and self.cli_cache is not None:
            _tokens.write_cli_token(self.cli_cache, session, token)

    def save(self, session: SsoSession, token: SsoToken) -> None:
        """Store TOKEN for SESSION (under its lock), and in the CLI cache if asked."""
        with self.store.lock(session, self.lock_timeout, self.clock):
            self._save(session, token, self._load(session, tolerate_damage=True))

    def logout(self, session: SsoSession, portal: Portal | None = None) -> tuple[bool, bool]:
        """Revoke (through PORTAL) and forget SESSION's token: (forgotten, revoked)."""
        with self.store.lock(session, self.lock_timeout, self.clock):
            record = self._load(session, tolerate_damage=True)
            token = record.token if record else None
            revoked = False
            if token is not None and portal is not None:
                try:
                    portal.logout(token.access_token)
                    revoked = True
                except AwspromptError:
                    revoked = False
            forgotten = self.store.delete(session)
            if self.cli_cache is not None and token is not None:
                # The AWS CLI's copy of the same token goes too (a token of its own stays).
                removed = _tokens.remove_cli_token(self.cli_cache, session, token.access_token)
                forgotten = removed or forgotten
            return forgotten, revoked


def _complete(token: SsoToken, session: SsoSession) -> SsoToken:
    """A CLI cache token with the start URL and region filled in when the file lacked them."""
    if token.start_url and token.region:
        return token
    return replace(
        token, start_url=token.start_url or session.start_url, region=token.region or session.region
    )


def tokens_for(ctx: Context, *, write_cli_cache: bool = False) -> AccessTokens:
    """The AccessTokens of CTX: sealed with the vault's key in the state folder's `sso/`."""
    store = TokenStore(ctx.vault.cipher, ctx.paths.state_dir() / "sso")
    return AccessTokens(
        store,
        ctx.env,
        ctx.clock,
        cli_cache=_tokens.cli_cache_dir(ctx.paths),
        write_cli_cache=write_cli_cache,
        lock_timeout=ctx.settings.lock_timeout,
    )
