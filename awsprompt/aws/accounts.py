"""Account aliases for the prompt: looked up once per account with iam:ListAccountAliases."""

from __future__ import annotations

import json
import time

from awsprompt import fsutil, paths
from awsprompt.aws.credentials import Credentials
from awsprompt.errors import AwspromptError, EndpointUnreachable

RECHECK_SECONDS = 7 * 86400


def _load() -> dict[str, dict[str, object]]:
    try:
        data = json.loads(fsutil.read_private(paths.accounts_path()))
        return data if isinstance(data, dict) else {}
    except (FileNotFoundError, ValueError, AwspromptError):
        return {}


def cached_alias(account: str) -> tuple[bool, str | None]:
    """(known, alias) from the local cache; no network."""
    entry = _load().get(account)
    if (
        not isinstance(entry, dict)
        or time.time() - float(str(entry.get("checked", 0))) > RECHECK_SECONDS
    ):
        return False, None
    alias = entry.get("alias")
    return True, (str(alias) if alias else None)


def alias_for(account: str, creds: Credentials, region: str | None) -> str | None:
    """The account's alias, asking IAM only when not cached; None when there is none or denied."""
    known, alias = cached_alias(account)
    if known:
        return alias
    from awsprompt.aws import sts

    try:
        iam = sts.client("iam", creds, region)
        found = sts.call(iam.list_account_aliases, "ListAccountAliases", f"account {account}")
        names = found.get("AccountAliases") or []
        alias = str(names[0]) if names else None
    except EndpointUnreachable:
        return None  # try again next time
    except AwspromptError:
        alias = None  # denied: remember that, show the id
    folder = fsutil.ensure_private_dir(paths.state_dir())
    with fsutil.file_lock(folder / "accounts.lock", 10, "account alias cache"):
        data = _load()
        data[account] = {"alias": alias or "", "checked": int(time.time())}
        fsutil.atomic_write(paths.accounts_path(), json.dumps(data, sort_keys=True).encode())
    return alias
