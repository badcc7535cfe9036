"""What awsprompt knows about accounts, for the prompt and `list` (not secret).

`accounts.json` in the state folder maps each account id to an entry: its IAM alias
(looked up once per account with iam:ListAccountAliases, `alias` and `checked`) and its
IAM Identity Center name (`name`, learned by `awsprompt sso sync`). Written 0600,
atomically, under one lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from awsprompt import fsutil
from awsprompt.aws.credentials import Credentials
from awsprompt.errors import AwspromptError, EndpointUnreachable

if TYPE_CHECKING:
    from awsprompt.context import Context

RECHECK_SECONDS = 7 * 86400

_Entries = dict[str, dict[str, object]]


def _load(ctx: Context) -> _Entries:
    try:
        data = json.loads(fsutil.read_private(ctx.paths.accounts_path()))
    except (FileNotFoundError, ValueError, AwspromptError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)}


def _update(ctx: Context, change: Callable[[_Entries], None]) -> None:
    """Apply CHANGE to the entries under the lock; write only when something changed."""
    folder = fsutil.ensure_private_dir(ctx.paths.state_dir())
    with fsutil.file_lock(folder / "accounts.lock", 10, "account alias cache", ctx.clock):
        data = _load(ctx)
        before = json.dumps(data, sort_keys=True)
        change(data)
        after = json.dumps(data, sort_keys=True)
        if after != before:
            fsutil.atomic_write(ctx.paths.accounts_path(), after.encode())


def cached_alias(ctx: Context, account: str) -> tuple[bool, str | None]:
    """(known, alias) from the local cache; no network."""
    entry = _load(ctx).get(account)
    if (
        not isinstance(entry, dict)
        or ctx.clock.time() - float(str(entry.get("checked", 0))) > RECHECK_SECONDS
    ):
        return False, None
    alias = entry.get("alias")
    return True, (str(alias) if alias else None)


def alias_for(ctx: Context, account: str, creds: Credentials, region: str | None) -> str | None:
    """The account's alias, asking IAM only when not cached; None when there is none or denied."""
    known, alias = cached_alias(ctx, account)
    if known:
        return alias
    from awsprompt.aws import sts

    try:
        iam = sts.client(ctx, "iam", creds, region)
        found = sts.call(iam.list_account_aliases, "ListAccountAliases", f"account {account}")
        names = found.get("AccountAliases") or []
        alias = str(names[0]) if names else None
    except EndpointUnreachable:
        return None  # try again next time
    except AwspromptError:
        alias = None  # denied: remember that, show the id

    def store(data: _Entries) -> None:
        entry = data.setdefault(account, {})  # the account's name, if known, stays
        entry.update(alias=alias or "", checked=int(ctx.clock.time()))

    _update(ctx, store)
    return alias


def account_names(ctx: Context) -> dict[str, str]:
    """Account id -> the name Identity Center gives it, as `sso sync` last saw it."""
    return {
        account: str(entry["name"])
        for account, entry in _load(ctx).items()
        if isinstance(entry.get("name"), str) and entry["name"]
    }


def remember_names(ctx: Context, names: Mapping[str, str]) -> None:
    """Store NAMES (account id -> Identity Center account name) beside the aliases."""

    def store(data: _Entries) -> None:
        for account, name in names.items():
            if name:
                data.setdefault(account, {})["name"] = name

    if any(names.values()):
        _update(ctx, store)
