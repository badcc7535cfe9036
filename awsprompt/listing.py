"""What `list` shows: one row per profile, from the files, the vault index and the cache.

Account names come from what `sso sync` learned (aws/accounts.py): by the resolved account,
or by an SSO profile's own `sso_account_id`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from awsprompt.errors import AwspromptError
from awsprompt.names import mask

if TYPE_CHECKING:
    from awsprompt.context import Context


def profile_rows(ctx: Context) -> list[dict[str, Any]]:
    """One dict per profile for `list` (no passphrase, no network)."""
    from awsprompt.aws.accounts import account_names

    settings = ctx.settings
    index = ctx.vault.index()
    files = ctx.files
    resolver = ctx.resolver
    now = ctx.clock.time()
    utcnow = ctx.utcnow()
    known = account_names(ctx)
    sessions: dict[str, list[dict[str, Any]]] = {}
    for meta in ctx.sessions.entries():
        left = meta.seconds_left(now)
        if left > 0:
            sessions.setdefault(meta.profile, []).append(
                {"kind": meta.kind, "expires": meta.expires, "seconds_left": int(left)}
            )
    rows = []
    for name in sorted(set(files.names()) | set(index)):
        row: dict[str, Any] = {
            "name": name,
            "type": None,
            "credentials": None,
            "has_credentials": name in index,
            "key_id": None,
            "key_age_days": None,
            "key_needs_rotation": False,
            "role_arn": None,
            "source_profile": None,
            "region": None,
            "account": None,
            "account_name": None,
            "sessions": sessions.get(name, []),
            "error": None,
        }
        if name in index:
            info = index[name]
            row["credentials"] = "vault"
            row["key_id"] = mask(info.key_id_tail)
            row["key_age_days"] = info.age_days(utcnow)
            row["key_needs_rotation"] = row["key_age_days"] >= settings.rotation_days
        # An SSO profile names its account even where it cannot be resolved.
        sso_account = (files.raw(name) or {}).get("sso_account_id")
        row["account_name"] = known.get(sso_account or "")
        try:
            prof = resolver.resolve(name)
        except AwspromptError as exc:
            row["error"] = exc.message
            rows.append(row)
            continue
        row["type"] = prof.kind
        row["region"] = prof.region
        row["account"] = prof.account
        if prof.account:
            row["account_name"] = known.get(prof.account)
        if prof.hops:
            row["role_arn"] = prof.hops[-1].role_arn
            row["source_profile"] = resolver.settings(name).get("source_profile")
        elif prof.source.kind == "file":
            row["credentials"] = "plaintext"
        elif prof.source.kind == "process":
            row["credentials"] = "credential_process"
        rows.append(row)
    return rows
