"""`awsprompt sso sync NAME`: a profile for every account and role of an sso-session.

The portal lists the accounts and roles the signed-in user may use (`portal.py`). Each
pair becomes a `[profile NAME]` with `sso_session`, `sso_account_id` and `sso_role_name`
(and `region` when one is given), NAME coming from a template. The profiles live in one
marked block of ~/.aws/config per sso-session (`# >>> awsprompt sso sync NAME >>>`), which
every run replaces whole through `config/ini.py`: under the file's lock, atomically, checked
after the edit, with a backup of the previous file. A name that exists outside the block
(config, credentials file or vault) is never generated: that pair is reported as skipped.

Planning (names, the block's text, what changed) is pure; `sync_session` adds the portal
and the file, `sync` the sso-session lookup and the stored token.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from awsprompt.aws.sso.config import (
    is_account_id,
    is_region_name,
    is_role_name,
    resolve_session,
)
from awsprompt.config import ini
from awsprompt.errors import UsageError
from awsprompt.names import ALLOWED, MAX_NAME, is_valid_profile_name

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from awsprompt.aws.sso.config import SsoSession
    from awsprompt.aws.sso.portal import Account, Portal, RoleAssignment
    from awsprompt.context import Context

DEFAULT_TEMPLATE = "{account_name}/{role_name}"
FIELDS = ("account_name", "account_id", "role_name", "sso_session")
MAX_PREFIX = 64
# A run of characters a profile name may not hold, with the hyphens around it.
_UNSAFE = re.compile(r"-*[^A-Za-z0-9._@+=,/:-]+-*")
_TEMPLATE_HINT = "use {" + "}, {".join(FIELDS) + "}, e.g. --template '{account_name}:{role_name}'"


def block_label(session_name: str) -> str:
    """The label of the block that holds SESSION_NAME's profiles."""
    return f"awsprompt sso sync {session_name}"


def check_template(template: str) -> None:
    """Raise UsageError unless TEMPLATE uses only FIELDS, as plain `{field}`s, at least one."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(
            f"--template {template!r} cannot be read: {exc}", hint=_TEMPLATE_HINT
        ) from None
    used = [name for _, name, _, _ in parts if name is not None]
    for _, name, spec, conversion in parts:
        if name is not None and (name not in FIELDS or spec or conversion):
            raise UsageError(
                f"--template {template!r}: {{{name}}} is not a field", hint=_TEMPLATE_HINT
            )
    if not used:
        raise UsageError(
            f"--template {template!r} names no field, so every profile would get one name",
            hint=_TEMPLATE_HINT,
        )


@dataclass(frozen=True)
class SyncOptions:
    """How the generated profiles are named, and their region."""

    template: str = DEFAULT_TEMPLATE
    prefix: str = ""
    region: str | None = None

    def check(self) -> None:
        """Raise UsageError for a bad template, prefix or region."""
        check_template(self.template)
        if self.prefix and (
            len(self.prefix) > MAX_PREFIX or not is_valid_profile_name(self.prefix)
        ):
            raise UsageError(
                f"invalid --prefix {self.prefix!r}",
                hint=f"use {ALLOWED} only, not starting with '-' (at most {MAX_PREFIX} characters)",
            )
        if self.region is not None and not is_region_name(self.region):
            raise UsageError(
                f"--region {self.region!r} is not an AWS region name", hint="such as eu-west-1"
            )


@dataclass(frozen=True, order=True)
class GeneratedProfile:
    """One profile of the block: a role in an account, under its generated name."""

    name: str
    account_id: str
    role_name: str
    account_name: str = ""

    def values(self, session_name: str, region: str | None) -> dict[str, str]:
        """The profile's keys, in the order they are written."""
        out = {
            "sso_session": session_name,
            "sso_account_id": self.account_id,
            "sso_role_name": self.role_name,
        }
        if region:
            out["region"] = region
        return out


@dataclass(frozen=True)
class Skipped:
    """An account and role that got no profile, and why."""

    name: str
    account_id: str
    role_name: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """The JSON form."""
        return {
            "name": self.name,
            "account_id": self.account_id,
            "role_name": self.role_name,
            "reason": self.reason,
        }


@dataclass
class SyncResult:
    """What a sync did (or, with dry_run, would do)."""

    session: str
    path: Path
    accounts: int
    profiles: list[GeneratedProfile]  # the block's profiles afterwards, by name
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # same name, other keys
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    diff: str = ""  # unified diff of the block
    changed: bool = False  # the file changed (dry run: would change)
    dry_run: bool = False
    backup: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The summary as `sso sync --json` prints it."""
        return {
            "sso_session": self.session,
            "config": str(self.path),
            "dry_run": self.dry_run,
            "changed": self.changed,
            "backup": str(self.backup) if self.backup else None,
            "accounts": self.accounts,
            "profiles": len(self.profiles),
            "added": self.added,
            "removed": self.removed,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [s.to_json() for s in self.skipped],
            "diff": self.diff if self.dry_run else None,
        }


# -- names -----------------------------------------------------------------------------------


def sanitise(text: str) -> str:
    """TEXT with accents folded to ASCII and every run of other characters made one `-`."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("-", folded)


def _fit(base: str, suffix: str = "") -> str:
    """BASE cut so that BASE + SUFFIX stays within MAX_NAME characters."""
    return base[: MAX_NAME - len(suffix)] + suffix


def _value(text: str) -> str:
    return sanitise(text.strip()).strip("-")


def profile_name(
    options: SyncOptions,
    session_name: str,
    account_id: str,
    account_name: str,
    role_name: str,
) -> str:
    """The name OPTIONS' template and prefix give a role, sanitised to the profile-name rule."""
    values = {
        "account_name": _value(account_name) or account_id,
        "account_id": account_id,
        "role_name": _value(role_name),
        "sso_session": _value(session_name),
    }
    body = sanitise(options.template.format_map(values)).lstrip("-")
    if not body:
        body = f"{account_id}/{values['role_name']}"
    return _fit(options.prefix + body)


def template_fields(template: str) -> set[str]:
    """The fields TEMPLATE uses (after check_template)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _qualified(
    options: SyncOptions, session_name: str, account_id: str, account_name: str, role: str
) -> str:
    """The name of a role whose plain name collides: its account id added where it helps."""
    fields = template_fields(options.template)
    if "account_id" in fields:  # the collision is inside one account: nothing to add
        return profile_name(options, session_name, account_id, account_name, role)
    if "account_name" in fields:
        named = f"{account_name.strip()}-{account_id}" if account_name.strip() else account_id
        return profile_name(options, session_name, account_id, named, role)
    return _fit(
        profile_name(options, session_name, account_id, account_name, role), f"-{account_id}"
    )


def _order(profile: GeneratedProfile) -> tuple[str, str, str, str]:
    return (profile.name, profile.account_id, profile.role_name, profile.account_name)


def generate(
    session_name: str,
    accounts: Iterable[Account],
    assignments: Iterable[RoleAssignment],
    options: SyncOptions,
) -> tuple[list[GeneratedProfile], list[Skipped]]:
    """One uniquely named profile per valid (account, role), sorted by name; and the invalid.

    Colliding names are made unique without depending on order where possible: when a name
    would go to roles of several accounts, each of them is qualified with its account id
    (`Sandbox-111122223333/Admin` for two accounts named Sandbox); what still collides
    (roles of one account that sanitise alike) gets `-2`, `-3`, ... in (name, account id,
    role) order.
    """
    names = {a.account_id: a.name for a in accounts}
    plain: list[GeneratedProfile] = []
    skipped: list[Skipped] = []
    for pair in sorted(set(assignments), key=lambda p: (p.account_id, p.role_name)):
        account_id, role = pair.account_id, pair.role_name
        if not is_account_id(account_id):
            reason = "the portal gave an account id that is not 12 digits"
        elif not is_role_name(role):
            reason = "the portal gave a role name that sso_role_name cannot hold"
        else:
            account_name = names.get(account_id, "")
            name = profile_name(options, session_name, account_id, account_name, role)
            if is_valid_profile_name(name):  # always, by construction; checked all the same
                plain.append(GeneratedProfile(name, account_id, role, account_name))
                continue
            reason = f"the template gives {name!r}, which is not a valid profile name"
        skipped.append(Skipped("", account_id, role, reason))
    spread: dict[str, set[str]] = {}
    for p in plain:
        spread.setdefault(p.name, set()).add(p.account_id)
    chosen = sorted(
        (
            replace(
                p,
                name=_qualified(options, session_name, p.account_id, p.account_name, p.role_name),
            )
            if len(spread[p.name]) > 1  # the account id tells them apart
            else p
            for p in plain
        ),
        key=_order,
    )
    taken: set[str] = set()
    profiles = []
    for profile in chosen:
        final, n = profile.name, 2
        while final in taken:
            final = _fit(profile.name, f"-{n}")
            n += 1
        taken.add(final)
        profiles.append(replace(profile, name=final))
    return sorted(profiles, key=_order), skipped


# -- the block -------------------------------------------------------------------------------


def render_body(
    session_name: str, profiles: Iterable[GeneratedProfile], region: str | None
) -> bytes:
    """The lines between the block's markers: a note, then one section per profile."""
    out = [
        f"# Written by `awsprompt sso sync {session_name}`: each run replaces this block whole,\n",
        "# so edits made here are lost; profiles outside the markers are never touched.\n",
    ]
    for profile in profiles:
        title = ini.section_title(profile.name, config=True)
        out.append(f"\n[{title}]\n")
        out.extend(f"{k} = {v}\n" for k, v in profile.values(session_name, region).items())
    return "".join(out).encode()


def block_diff(path: Path, old: bytes, new: bytes) -> str:
    """A unified diff of the block (empty when it does not change)."""
    import difflib

    before = old.decode("utf-8").splitlines(keepends=True)
    after = new.decode("utf-8").splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(before, after, fromfile=f"{path} (before)", tofile=f"{path} (after)")
    )


def taken_elsewhere(ctx: Context) -> dict[str, str]:
    """Profile name -> where it exists outside ~/.aws/config: the credentials file, the vault."""
    where = {name: "the vault" for name in ctx.vault.index()}
    credentials = str(ctx.paths.aws_credentials_path())
    where.update(dict.fromkeys(ctx.files.credentials_sections, credentials))
    return where


def write_profiles(
    ctx: Context,
    session: SsoSession,
    accounts: list[Account],
    assignments: list[RoleAssignment],
    options: SyncOptions,
    *,
    dry_run: bool = False,
) -> SyncResult:
    """Put a profile for each of ASSIGNMENTS into SESSION's block (DRY_RUN: only compute it)."""
    options.check()
    if session.name is None:
        raise UsageError("sso sync works on an [sso-session NAME], not a legacy SSO profile")
    name = session.name
    path = ctx.paths.aws_config_path()
    generated, invalid = generate(name, accounts, assignments, options)
    elsewhere = taken_elsewhere(ctx)
    state: dict[str, Any] = {}

    def render(view: ini.BlockView) -> bytes:
        kept, skipped = [], []
        for profile in generated:
            where = elsewhere.get(profile.name)
            if profile.name in view.outside.profiles:
                where = f"{path}, outside the block"
            if where is None:
                kept.append(profile)
                continue
            skipped.append(
                Skipped(
                    profile.name,
                    profile.account_id,
                    profile.role_name,
                    f"a profile of that name exists in {where}",
                )
            )
        state.update(kept=kept, skipped=skipped, old=view.inside.profiles)
        return render_body(name, kept, options.region)

    label = block_label(name)
    if dry_run:
        edit = ini.plan_block(path, label, render)
    else:
        edit = ini.replace_block(
            path,
            label,
            render,
            backup=lambda real, data: _backup(ctx, real, data),
        )
        ctx.forget_files()
        from awsprompt.aws.accounts import remember_names

        remember_names(ctx, {a.account_id: a.name for a in accounts})
    kept: list[GeneratedProfile] = state["kept"]
    old: dict[str, ini.Section] = state["old"]
    result = SyncResult(
        session=name,
        path=path,
        accounts=len(accounts),
        profiles=kept,
        skipped=[*invalid, *state["skipped"]],
        diff=block_diff(path, edit.old, edit.new),
        changed=edit.changed,
        dry_run=dry_run,
        backup=edit.backup,
    )
    for profile in kept:
        before = old.get(profile.name)
        if before is None:
            result.added.append(profile.name)
        elif before.values == profile.values(name, options.region):
            result.unchanged.append(profile.name)
        else:
            result.updated.append(profile.name)
    now = {p.name for p in kept}
    result.removed = sorted(n for n in old if n not in now)
    return result


def _backup(ctx: Context, real: Path, data: bytes) -> Path:
    """A 0600 copy of DATA beside REAL, stamped with CTX's time."""
    from awsprompt import fsutil

    return fsutil.write_backup(real, data, ctx.utcnow())


# -- with the portal -------------------------------------------------------------------------


def session_named(ctx: Context, name: str) -> SsoSession:
    """The `[sso-session NAME]` of ~/.aws/config (ConfigError when missing or incomplete)."""
    section = ctx.files.config.sso_sessions.get(name)
    return resolve_session(
        name, section.values if section else None, where=str(ctx.paths.aws_config_path())
    )


def sync_session(
    ctx: Context,
    session: SsoSession,
    access_token: str,
    options: SyncOptions,
    *,
    dry_run: bool = False,
    portal: Portal | None = None,
) -> SyncResult:
    """List every account and role ACCESS_TOKEN may use and write them as SESSION's block."""
    from awsprompt.aws.sso.portal import Portal

    options.check()
    portal = portal or Portal(ctx.env, session, ctx.clock)
    ctx.ui.info(f"Listing the accounts of {session.label} ({session.start_url})...")
    accounts = portal.accounts(access_token)
    ctx.ui.info(f"{len(accounts)} accounts; listing the roles of each...")
    assignments = portal.assignments(access_token, accounts)
    return write_profiles(ctx, session, accounts, assignments, options, dry_run=dry_run)


def sync(
    ctx: Context, name: str, options: SyncOptions | None = None, *, dry_run: bool = False
) -> SyncResult:
    """`awsprompt sso sync NAME`: the stored token of sso-session NAME, then sync_session.

    Without a valid token (none, expired, unrefreshable) this raises SsoLoginRequired: it
    never signs in by itself.
    """
    from awsprompt.aws.sso.refresh import tokens_for

    opts = options or SyncOptions()
    opts.check()
    session = session_named(ctx, name)
    token = tokens_for(ctx).get(session, login=None)
    return sync_session(ctx, session, token.access_token, opts, dry_run=dry_run)
