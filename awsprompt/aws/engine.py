"""The credentials engine: plan the STS steps for a profile, reuse cached ones, run the rest."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shlex
import subprocess
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from awsprompt import fsutil
from awsprompt.aws.credentials import Credentials
from awsprompt.aws.mfa import MfaCodes
from awsprompt.config.profiles import Profile, RoleHop, Source
from awsprompt.config.settings import Settings
from awsprompt.envvars import Env
from awsprompt.errors import ConfigError, CredentialProcessFailed, NotInVault
from awsprompt.secrets.sessions import SessionMeta, cache_key
from awsprompt.secrets.vault.base import key_fingerprint

if TYPE_CHECKING:
    from awsprompt.context import Context

CHAIN_CAP = 3600
StepKind = Literal["GetSessionToken", "AssumeRole"]


@dataclass(frozen=True)
class Options:
    """What the user asked for on the command line."""

    duration: int | None = None
    region: str | None = None
    mfa_token: str | None = None
    no_session: bool = False
    prompt: bool = True


@dataclass(frozen=True)
class Step:
    """One STS call in a chain; each step's input is the previous step's output."""

    kind: StepKind
    key: str
    profile: str
    duration: int
    mfa_serial: str | None
    mfa_process: str | None
    hop: RoleHop | None
    label: str
    # Not part of the cache key: they only name profiles in messages.
    mfa_profile: str = ""  # the profile whose mfa_process (else mfa_serial) this step uses
    requested: str = ""  # the profile the user asked for (what to re-run in a terminal)

    @property
    def account(self) -> str:
        """The account this step's credentials belong to, when the ARN says."""
        return self.hop.account if self.hop else ""


@dataclass(frozen=True)
class Plan:
    """The steps that turn a profile's source into its final credentials."""

    profile: Profile
    source_fp: str
    steps: tuple[Step, ...]
    capped: bool = False


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


def source_fingerprint(profile: Profile, vault_fp: str | None) -> str:
    """Identify the source credentials without reading secrets (changes on rotation)."""
    src = profile.source
    if src.kind == "vault" and vault_fp:
        return vault_fp
    if src.kind == "file" and src.static is not None:
        return key_fingerprint(src.static.access_key_id)
    blob = f"{src.profile}|{src.credential_process}"
    return "process-" + hashlib.sha256(blob.encode()).hexdigest()[:16]


def _mfa_profile(hop: RoleHop, src: Source, first: bool) -> str:
    """The profile whose MFA setting HOP's step uses: that of its mfa_process, else mfa_serial."""
    if hop.mfa_process:
        return hop.profile
    if src.mfa_process:
        return src.profile
    if first and not hop.mfa_serial:
        return src.profile
    return hop.profile


def plan(
    profile: Profile,
    source_fp: str,
    settings: Settings,
    opts: Options,
    endpoint: str = "",
    session_name: str = "awsprompt",
) -> Plan:
    """Decide the STS steps (pure: no I/O), following aws-vault's MFA-sharing rules."""
    src = profile.source
    can_get_session = src.kind == "vault" or (
        src.kind == "file" and src.static is not None and not src.static.is_temporary
    )
    steps: list[Step] = []
    capped = False

    if not profile.hops:
        if opts.no_session or not can_get_session:
            return Plan(profile, source_fp, ())
        duration = opts.duration or src.duration_seconds or settings.session_duration
        material: dict[str, object] = {
            "op": "gst",
            "src": source_fp,
            "mfa": src.mfa_serial,
            "dur": duration,
        }
        steps.append(
            Step(
                "GetSessionToken",
                cache_key({**material, "ep": endpoint}),
                src.profile,
                duration,
                src.mfa_serial,
                src.mfa_process,
                None,
                "GetSessionToken",
                src.profile,
                profile.name,
            )
        )
        return Plan(profile, source_fp, tuple(steps))

    parent = source_fp
    used_mfa: str | None = None
    last = len(profile.hops) - 1
    for index, hop in enumerate(profile.hops):
        duration = hop.duration_seconds or settings.role_duration
        if index == last and opts.duration:
            duration = opts.duration
        mfa_serial = hop.mfa_serial or (src.mfa_serial if index == 0 else None)
        mfa_process = hop.mfa_process or src.mfa_process
        mfa_profile = _mfa_profile(hop, src, index == 0)
        send_mfa: str | None = None
        if index == 0:
            if mfa_serial and can_get_session and duration <= CHAIN_CAP:
                # One MFA session per source, shared by every role assumed from it.
                gst_duration = settings.chain_session_duration
                material = {"op": "gst", "src": source_fp, "mfa": mfa_serial, "dur": gst_duration}
                gst_key = cache_key({**material, "ep": endpoint})
                steps.append(
                    Step(
                        "GetSessionToken",
                        gst_key,
                        src.profile,
                        gst_duration,
                        mfa_serial,
                        mfa_process,
                        None,
                        "GetSessionToken",
                        mfa_profile,
                        profile.name,
                    )
                )
                parent = gst_key
            else:
                # Longer than the chaining cap (or no MFA): straight from the source keys.
                send_mfa = mfa_serial
            used_mfa = mfa_serial
        else:
            if duration > CHAIN_CAP:
                duration, capped = CHAIN_CAP, True
            if hop.mfa_serial and hop.mfa_serial != used_mfa:
                send_mfa = hop.mfa_serial
                used_mfa = hop.mfa_serial
        material = {
            "op": "ar",
            "parent": parent,
            "role": hop.role_arn,
            "ext": hop.external_id,
            "name": hop.role_session_name or session_name,
            "dur": duration,
            "mfa": send_mfa,
            "tags": hop.session_tags,
            "ttags": hop.transitive_session_tags,
            "sid": hop.source_identity,
            "ep": endpoint,
        }
        key = cache_key(material)
        steps.append(
            Step(
                "AssumeRole",
                key,
                hop.profile,
                duration,
                send_mfa,
                mfa_process,
                hop,
                f"AssumeRole {hop.role_arn}",
                mfa_profile,
                profile.name,
            )
        )
        parent = key
    return Plan(profile, source_fp, tuple(steps), capped)


class Engine:
    """Gets credentials for resolved profiles using the vault, the cache and STS."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vault = ctx.vault
        self.settings = ctx.settings
        self.cache = ctx.sessions

    def plan_for(self, profile: Profile, opts: Options) -> Plan:
        """The plan for PROFILE with its source fingerprint filled in."""
        vault_fp = None
        if profile.source.kind == "vault":
            info = self.vault.index().get(profile.source.profile)
            if info is None:
                raise NotInVault(f"no keys for profile {profile.source.profile!r} in the vault")
            vault_fp = info.fingerprint
        return plan(
            profile,
            source_fingerprint(profile, vault_fp),
            self.settings,
            opts,
            sts_endpoint(self.ctx.env),
            default_session_name(self.ctx.env),
        )

    def _cache_usable(self, profile: Profile) -> bool:
        # The cache is sealed with the vault key; with no vault there is nothing to seal with.
        return self.vault.exists()

    def cached(self, profile: Profile, opts: Options) -> Session | None:
        """The final session from the cache, or None (no STS, no lock)."""
        the_plan = self.plan_for(profile, opts)
        if not the_plan.steps or not self._cache_usable(profile):
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
        the_plan = self.plan_for(profile, opts)
        if the_plan.capped:
            self.ctx.ui.warn(
                "roles assumed with role credentials last at most 1h (AWS's chaining cap)"
            )
        if not the_plan.steps:
            creds = self._source_credentials(profile)
            return Session(profile, creds, profile.account or "", cached=False)
        use_cache = self._cache_usable(profile)
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
            return self._run(the_plan, opts, use_cache)

    def _run(self, the_plan: Plan, opts: Options, use_cache: bool) -> Session:
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
        if creds is None:
            creds = self._source_credentials(profile)
        from awsprompt.aws import stsflow

        mfa = MfaCodes(self.ctx.ui, opts.mfa_token, prompt=opts.prompt)
        region = opts.region or profile.region
        for index in range(start, len(steps)):
            step = steps[index]
            creds, account = stsflow.run_step(self.ctx, step, creds, mfa, region, index, len(steps))
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
        return Session(
            profile, creds, account, cached=False, key=steps[-1].key if use_cache else ""
        )

    def _source_credentials(self, profile: Profile) -> Credentials:
        src = profile.source
        if src.kind == "vault":
            key = self.vault.get(src.profile)
            return Credentials(key.access_key_id, key.secret_access_key)
        if src.kind == "file":
            assert src.static is not None
            self.ctx.ui.warn(
                f"profile {src.profile!r} uses plaintext keys from"
                f" {self.ctx.paths.aws_credentials_path()};"
                " `awsprompt import` moves them into the encrypted vault",
                once_key="plaintext",
            )
            return src.static
        if src.credential_process:
            return run_credential_process(self.ctx.env, src.credential_process, src.profile)
        raise ConfigError(f"profile {src.profile!r} has no usable source of credentials")


def run_credential_process(env: Env, command: str, profile: str) -> Credentials:
    """Run a profile's own credential_process and parse its JSON."""
    depth = int(env.get("AWSPROMPT_DEPTH") or 0)
    if depth >= 3:
        raise CredentialProcessFailed(
            f"credential_process of profile {profile!r} calls awsprompt for itself",
            hint="a profile whose keys are in the vault must not also point at awsprompt",
        )
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise CredentialProcessFailed(
            f"credential_process of profile {profile!r} cannot be parsed: {exc}"
        ) from None
    try:
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=env.child(AWSPROMPT_DEPTH=str(depth + 1)),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CredentialProcessFailed(
            f"credential_process of profile {profile!r} could not run: {type(exc).__name__}",
            hint="check the command in ~/.aws/config",
        ) from None
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [""])[-1][:200]
        raise CredentialProcessFailed(
            f"credential_process of profile {profile!r} exited with status {result.returncode}"
            + (f": {last}" if last else "")
        )
    try:
        data = json.loads(result.stdout)
        if data.get("Version") != 1:
            raise ValueError("Version")
        expiration = data.get("Expiration")
        return Credentials(
            str(data["AccessKeyId"]),
            str(data["SecretAccessKey"]),
            data.get("SessionToken"),
            datetime.fromisoformat(expiration.replace("Z", "+00:00")) if expiration else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CredentialProcessFailed(
            f"credential_process of profile {profile!r} printed no valid credentials JSON",
            hint='it must print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}',
        ) from None
