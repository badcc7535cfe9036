"""The pure planner: which GetSessionToken/AssumeRole steps turn a profile into credentials.

Data in, data out: no I/O, no Context, no boto3. The executor (aws/engine.py) looks up the
source, the endpoint and the session name, calls `plan()`, then runs or reuses the steps.
The rules are aws-vault's, so one MFA code serves as many roles as AWS allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from awsprompt.secrets.sessions import cache_key

if TYPE_CHECKING:
    from awsprompt.config.profiles import Profile, RoleHop, Source
    from awsprompt.config.settings import Settings

CHAIN_CAP = 3600  # AWS caps a role assumed with role credentials at 1 h
# "Source": the source's own call (IAM Identity Center's GetRoleCredentials), cached like STS.
StepKind = Literal["GetSessionToken", "AssumeRole", "Source"]


class SourceFacts(Protocol):
    """What the planner needs to know about a profile's source (aws/sources implements it)."""

    @property
    def fingerprint(self) -> str:
        """Names the source's credentials in cache keys without revealing them."""
        ...

    @property
    def can_get_session_token(self) -> bool:
        """True when the first credentials are long-term keys (GetSessionToken accepts them)."""
        ...

    @property
    def step_label(self) -> str | None:
        """For a source whose credentials are a session worth caching, the call's name."""
        ...

    @property
    def step_material(self) -> dict[str, object]:
        """What names that session in its cache key, besides the fingerprint (not secret)."""
        ...


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
    session_name: str = ""  # RoleSessionName of an AssumeRole step (part of its key)

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


def mfa_profile(hop: RoleHop, src: Source, first: bool) -> str:
    """The profile whose MFA setting HOP's step uses: that of its mfa_process, else mfa_serial."""
    if hop.mfa_process:
        return hop.profile
    if src.mfa_process:
        return src.profile
    if first and not hop.mfa_serial:
        return src.profile
    return hop.profile


def _session_step(
    profile: Profile,
    source_fp: str,
    mfa: tuple[str | None, str | None, str],
    duration: int,
    endpoint: str,
) -> Step:
    """GetSessionToken on the source keys; MFA is (serial, mfa_process, profile naming them).

    Its key depends on the source, the MFA serial, the duration and the endpoint only, so
    every role assumed from the source shares it, whichever profile was asked for.
    """
    serial, process, named = mfa
    material = {"op": "gst", "src": source_fp, "mfa": serial, "dur": duration, "ep": endpoint}
    return Step(
        "GetSessionToken",
        cache_key(material),
        profile.source.profile,
        duration,
        serial,
        process,
        None,
        "GetSessionToken",
        named,
        profile.name,
    )


def plan(
    profile: Profile,
    source: SourceFacts,
    settings: Settings,
    opts: Options,
    endpoint: str = "",
    session_name: str = "awsprompt",
) -> Plan:
    """Decide the STS steps for PROFILE, following aws-vault's MFA-sharing rules.

    ENDPOINT (the STS endpoint override, '' for AWS's own) and SESSION_NAME (the default
    RoleSessionName) are part of the cache keys, so they are parameters, not lookups.
    """
    src = profile.source
    source_fp = source.fingerprint
    can_get_session = source.can_get_session_token
    first: list[Step] = []
    if source.step_label:
        material = {"op": "src", "src": source_fp, **source.step_material}
        first.append(
            Step(
                "Source",
                cache_key(material),
                src.profile,
                0,
                None,
                None,
                None,
                source.step_label,
                src.profile,
                profile.name,
            )
        )

    if not profile.hops:
        if opts.no_session or not can_get_session:
            return Plan(profile, source_fp, tuple(first))
        duration = opts.duration or src.duration_seconds or settings.session_duration
        mfa = (src.mfa_serial, src.mfa_process, src.profile)
        only = _session_step(profile, source_fp, mfa, duration, endpoint)
        return Plan(profile, source_fp, (only,))

    steps: list[Step] = list(first)
    capped = False
    parent = first[0].key if first else source_fp
    used_mfa: str | None = None
    last = len(profile.hops) - 1
    for index, hop in enumerate(profile.hops):
        duration = hop.duration_seconds or settings.role_duration
        if index == last and opts.duration:
            duration = opts.duration
        mfa_serial = hop.mfa_serial or (src.mfa_serial if index == 0 else None)
        mfa_process = hop.mfa_process or src.mfa_process
        named = mfa_profile(hop, src, index == 0)
        send_mfa: str | None = None
        if index == 0:
            if mfa_serial and can_get_session and duration <= CHAIN_CAP:
                # One MFA session per source, shared by every role assumed from it.
                mfa = (mfa_serial, mfa_process, named)
                duration_gst = settings.chain_session_duration
                gst = _session_step(profile, source_fp, mfa, duration_gst, endpoint)
                steps.append(gst)
                parent = gst.key
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
        name = hop.role_session_name or session_name
        material = {
            "op": "ar",
            "parent": parent,
            "role": hop.role_arn,
            "ext": hop.external_id,
            "name": name,
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
                named,
                profile.name,
                name,
            )
        )
        parent = key
    return Plan(profile, source_fp, tuple(steps), capped)
