"""The executor: look up the source, plan, reuse cached steps, run the rest through STS.

The plan itself is pure (aws/plan.py); the sources are plug-ins (aws/sources/). This module
owns what has effects: the cache, the per-source lock, the STS calls and storing sessions.
"""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from awsprompt import fsutil
from awsprompt.aws import sts
from awsprompt.aws.credentials import Credentials
from awsprompt.aws.mfa import MfaCodes
from awsprompt.aws.plan import Options, Plan, Step, plan
from awsprompt.aws.sources import CredentialSource, open_source
from awsprompt.errors import TokenInvalid
from awsprompt.secrets.sessions import SessionMeta

if TYPE_CHECKING:
    from awsprompt.config.profiles import Profile
    from awsprompt.context import Context
    from awsprompt.envvars import Env


@dataclass(frozen=True)
class Session:
    """The engine's answer: credentials for a profile, with what the prompt shows."""

    profile: Profile
    credentials: Credentials
    account: str
    cached: bool
    key: str = ""  # the cache id of the final step ("" when nothing was cached)

    @property
    def region(self) -> str | None:
        """The profile's region, if configured."""
        return self.profile.region


def default_session_name(env: Env) -> str:
    """awsprompt-<user>, restricted to what AssumeRole accepts (2-64 of [\\w+=,.@-])."""
    # getpass.getuser()'s order, through the declared environment
    user = env.get("LOGNAME") or env.get("USER") or env.get("LNAME") or env.get("USERNAME")
    if not user:
        try:
            user = pwd.getpwuid(os.getuid()).pw_name
        except KeyError:
            user = "user"
    name = "awsprompt-" + re.sub(r"[^\w+=,.@-]", "-", user)
    return name[:64]


def sts_endpoint(env: Env) -> str:
    """The STS endpoint override, part of every cache key ('' for AWS's own)."""
    return env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL") or ""


class Engine:
    """Gets credentials for resolved profiles using the vault, the cache and STS."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vault = ctx.vault
        self.settings = ctx.settings
        self.cache = ctx.sessions

    def source_of(self, profile: Profile) -> CredentialSource:
        """PROFILE's credential source (named, not yet asked for credentials)."""
        return open_source(self.ctx, profile.source)

    def plan_for(self, profile: Profile, opts: Options) -> Plan:
        """The plan for PROFILE with its source fingerprint filled in."""
        return self._plan(profile, self.source_of(profile), opts)

    def _plan(self, profile: Profile, source: CredentialSource, opts: Options) -> Plan:
        env = self.ctx.env
        return plan(
            profile, source, self.settings, opts, sts_endpoint(env), default_session_name(env)
        )

    def _cache_usable(self) -> bool:
        # The cache is sealed with the vault key; with no vault there is nothing to seal with.
        return self.vault.exists()

    def cached(self, profile: Profile, opts: Options) -> Session | None:
        """The final session from the cache, or None (no STS, no lock)."""
        the_plan = self.plan_for(profile, opts)
        if not the_plan.steps or not self._cache_usable():
            return None
        return self._from_cache(the_plan)

    def _from_cache(self, the_plan: Plan) -> Session | None:
        final = the_plan.steps[-1]
        creds = self.cache.get(final.key, self.settings.min_ttl)
        if creds is None:
            return None
        meta = self.cache.peek(final.key)
        account = (meta.account if meta else "") or final.account
        return Session(the_plan.profile, creds, account, cached=True, key=final.key)

    def get(self, profile: Profile, opts: Options) -> Session:
        """Credentials for PROFILE: from the cache when fresh, else through STS."""
        source = self.source_of(profile)
        the_plan = self._plan(profile, source, opts)
        if the_plan.capped:
            self.ctx.ui.warn(
                "roles assumed with role credentials last at most 1h (AWS's chaining cap)"
            )
        if not the_plan.steps:
            creds = source.credentials(self.ctx, prompt=opts.prompt)
            return Session(profile, creds, profile.account or "", cached=False)
        use_cache = self._cache_usable()
        if not use_cache:
            self.ctx.ui.warn(
                f"sessions for {profile.name!r} are not cached: its keys are in plaintext in"
                f" {self.ctx.paths.aws_credentials_path()}; `awsprompt import` moves them into"
                " the vault",
                once_key="no-cache",
            )
        else:
            hit = self._from_cache(the_plan)
            if hit is not None:
                return hit
        lock_dir = fsutil.ensure_private_dir(self.ctx.paths.sessions_dir())
        lock = lock_dir / f".lock-{the_plan.source_fp}"
        what = f"session for {profile.name}"
        ui = self.ctx.ui

        def waiting() -> None:
            # Usually another terminal waiting for its MFA code (aws-use there, say).
            ui.info(f"awsprompt: waiting for the MFA code asked in another terminal… ({what})")

        with fsutil.file_lock(lock, self.settings.lock_timeout, what, self.ctx.clock, waiting):
            return self._run(the_plan, source, opts, use_cache)

    def _run(
        self, the_plan: Plan, source: CredentialSource, opts: Options, use_cache: bool
    ) -> Session:
        profile = the_plan.profile
        steps = the_plan.steps
        creds: Credentials | None = None
        account = ""
        start = 0
        if use_cache:
            # Reuse the deepest step that is still fresh (another process may have just run).
            for i in range(len(steps) - 1, -1, -1):
                hit = self.cache.get(steps[i].key, self.settings.min_ttl)
                if hit is not None:
                    meta = self.cache.peek(steps[i].key)
                    creds, account, start = hit, (meta.account if meta else ""), i + 1
                    break
        if start == len(steps) and creds is not None:
            account = account or steps[-1].account
            return Session(profile, creds, account, cached=True, key=steps[-1].key)
        if creds is None and steps[0].kind != "Source":
            creds = source.credentials(self.ctx, prompt=opts.prompt)
        mfa = MfaCodes(self.ctx, opts.mfa_token, prompt=opts.prompt)
        region = opts.region or profile.region
        for index in range(start, len(steps)):
            step = steps[index]
            if step.kind == "Source":
                # The source's own session (GetRoleCredentials): asked for, then cached.
                creds = source.credentials(self.ctx, prompt=opts.prompt)
                account = getattr(source, "account", "")
            else:
                assert creds is not None
                try:
                    creds, account = self._call(step, creds, mfa, region, index, len(steps))
                except TokenInvalid as exc:
                    if index != start or start == 0 or not use_cache:
                        raise
                    # A cached session that AWS refuses (clock skew, a revoked session):
                    # forget it and start again from the source, once.
                    for older in steps[:start]:
                        self.cache.drop(older.key)
                    self.ctx.ui.warn(
                        f"AWS refused the cached session of {steps[start - 1].label}"
                        f" ({exc.message.rsplit(': ', 2)[-2]}); dropped it, starting again"
                        " from the source"
                    )
                    return self._run(the_plan, source, opts, use_cache)
            if creds.expiration is not None and creds.seconds_left(self.ctx.clock.time()) <= 0:
                raise TokenInvalid(
                    f"{step.label} for profile {step.profile!r} returned credentials that"
                    f" already expired at {creds.expiration_rfc3339()}",
                    hint="check this machine's clock (it may be ahead of AWS's)",
                )
            if use_cache and creds.expiration is not None:
                meta = SessionMeta(
                    key=step.key,
                    profile=step.profile,
                    kind=step.kind,
                    expires=int(creds.expiration.timestamp()),
                    account=account,
                    arn=step.hop.role_arn if step.hop else "",
                    source_fp=the_plan.source_fp,
                )
                self.cache.put(meta, creds)
        assert creds is not None  # the loop ran at least the last step
        return Session(
            profile, creds, account, cached=False, key=steps[-1].key if use_cache else ""
        )

    def _call(
        self,
        step: Step,
        creds: Credentials,
        mfa: MfaCodes,
        region: str | None,
        index: int,
        total: int,
    ) -> tuple[Credentials, str]:
        """Call STS for STEP with CREDS; return the new credentials and their account id."""
        where = f"profile {step.profile!r} (step {index + 1} of {total}: {step.label})"
        client = sts.client(self.ctx, "sts", creds, region)
        params: dict[str, Any] = {"DurationSeconds": step.duration}
        if step.mfa_serial:
            params["SerialNumber"] = step.mfa_serial
            params["TokenCode"] = mfa.code(
                step.mfa_serial,
                step.mfa_process,
                step.mfa_profile or step.profile,
                step.requested or step.profile,
            )
        if step.kind == "GetSessionToken":
            response = sts.call(
                lambda: client.get_session_token(**params), "GetSessionToken", where
            )
            new = sts.to_credentials(response["Credentials"])
            account = ""
            if index == total - 1:
                ident = sts.call(
                    lambda: sts.client(self.ctx, "sts", new, region).get_caller_identity(),
                    "GetCallerIdentity",
                    where,
                )
                account = str(ident.get("Account", ""))
            return new, account
        hop = step.hop
        assert hop is not None
        params["RoleArn"] = hop.role_arn
        params["RoleSessionName"] = step.session_name
        if hop.external_id:
            params["ExternalId"] = hop.external_id
        if hop.session_tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in hop.session_tags]
        if hop.transitive_session_tags:
            params["TransitiveTagKeys"] = list(hop.transitive_session_tags)
        if hop.source_identity:
            params["SourceIdentity"] = hop.source_identity
        response = sts.call(lambda: client.assume_role(**params), "AssumeRole", where)
        return sts.to_credentials(response["Credentials"]), hop.account
