"""Account aliases for the prompt: looked up once per account with iam:ListAccountAliases."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from awsprompt import fsutil
from awsprompt.aws.credentials import Credentials
from awsprompt.errors import AwspromptError, EndpointUnreachable

if TYPE_CHECKING:
    from awsprompt.context import Context

RECHECK_SECONDS = 7 * 86400


def _load(ctx: Context) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(fsutil.read_private(ctx.paths.accounts_path()))
        return data if isinstance(data, dict) else {}
    except (FileNotFoundError, ValueError, AwspromptError):
        return {}


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
    folder = fsutil.ensure_private_dir(ctx.paths.state_dir())
    with fsutil.file_lock(folder / "accounts.lock", 10, "account alias cache", ctx.clock):
        data = _load(ctx)
        data[account] = {"alias": alias or "", "checked": int(ctx.clock.time())}
        fsutil.atomic_write(ctx.paths.accounts_path(), json.dumps(data, sort_keys=True).encode())
    return alias
