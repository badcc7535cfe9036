"""`add`, `remove` and `list`: the vault's own commands."""

from __future__ import annotations

import argparse
import json
import re
from typing import TYPE_CHECKING

from awsprompt.commands._common import print_table, profile_name, write_stdout
from awsprompt.config import ini
from awsprompt.durations import format_left
from awsprompt.errors import UsageError
from awsprompt.names import mask

if TYPE_CHECKING:
    from awsprompt.context import Context

_KEY_ID = re.compile(r"[A-Z0-9]{16,128}")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the vault commands to the parser."""
    p = sub.add_parser("add", help="store a profile's long-term keys in the vault")
    p.add_argument(
        "profile",
        type=profile_name,
        help="the profile to store keys for (a [profile NAME] section is added if missing)",
    )
    p.add_argument(
        "--env",
        action="store_true",
        help="read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of prompting",
    )
    p.add_argument("--force", "-f", action="store_true", help="replace stored keys without asking")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="delete a profile's keys from the vault")
    p.add_argument("profile", type=profile_name, help="the profile whose stored keys to delete")
    p.add_argument("--force", "-f", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("list", aliases=["ls"], help="profiles, where their keys are, sessions")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=cmd_list)


def _read_keys(ctx: Context, use_env: bool) -> tuple[str, str]:
    if use_env:
        key_id = ctx.env.get("AWS_ACCESS_KEY_ID") or ""
        secret = ctx.env.get("AWS_SECRET_ACCESS_KEY") or ""
        if not key_id or not secret:
            raise UsageError(
                "--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"
            )
    else:
        key_id = ctx.ui.ask("Access key ID: ").strip()
        secret = ctx.ui.ask("Secret access key: ", secret=True).strip()
    if key_id.startswith("ASIA"):
        raise UsageError(
            "that is a temporary (ASIA) key; the vault stores long-term (AKIA) keys only",
            hint="temporary keys come from `awsprompt exec`, not from the vault",
        )
    if not _KEY_ID.fullmatch(key_id):
        raise UsageError("the access key ID is malformed (expected 16+ capitals and digits)")
    if not secret or any(c.isspace() for c in secret):
        raise UsageError("the secret access key is empty or contains spaces")
    return key_id, secret


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    """Store keys for a profile, creating the vault on first use."""
    from awsprompt.secrets.vault import LongTermKey

    name = args.profile
    files = ctx.files
    raw = files.raw(name) or {}
    for key in ("source_profile", "role_arn"):
        if raw.get(key):
            raise UsageError(
                f"profile {name!r} has {key}: it gets credentials from another profile",
                hint="add keys to the profile named by its source_profile instead",
            )
    vault = ctx.vault
    stored = vault.index().get(name)
    replacing = stored is not None
    if stored is not None and not args.force:
        question = f"Replace the keys of {name!r} ({mask(stored.key_id_tail)}) in {vault.where}?"
        if not ctx.ui.has_terminal():
            raise UsageError(
                f"profile {name!r} already has keys in {vault.where}"
                f" ({mask(stored.key_id_tail)}); nothing was changed",
                hint="pass --force to replace them",
            )
        if not ctx.ui.confirm(question, default=False):
            ctx.ui.info("Nothing changed.")
            return 0
    key_id, secret = _read_keys(ctx, args.env)
    vault.put(name, LongTermKey(key_id, secret, ctx.utcnow()))
    ini.ensure_section(ctx.paths.aws_config_path(), name)
    verb = "Replaced" if replacing else "Added"
    ctx.ui.info(f"{verb} keys for {name!r} ({mask(key_id)}) in {vault.where}")
    if files.credentials_sections.get(name, {}).get("aws_access_key_id"):
        ctx.ui.warn(
            f"{ctx.paths.aws_credentials_path()} still holds plaintext keys for {name!r};"
            " `awsprompt import` removes them"
        )
    return 0


def cmd_remove(args: argparse.Namespace, ctx: Context) -> int:
    """Delete a profile's keys from the vault and drop its sessions."""
    from awsprompt.errors import NotInVault

    vault = ctx.vault
    info = vault.index().get(args.profile)
    if info is None:
        raise NotInVault(f"no keys for profile {args.profile!r} in the vault")
    if not args.force:
        if not ctx.ui.has_terminal():
            raise UsageError("no terminal to confirm on", hint="pass --force")
        if not ctx.ui.confirm(
            f"Delete the keys of {args.profile!r} ({mask(info.key_id_tail)}) from the vault?",
            default=False,
        ):
            ctx.ui.info("Nothing removed.")
            return 0
    vault.delete(args.profile)
    ctx.sessions.clear(source_fp=info.fingerprint)
    # The empty [profile NAME] that `add` created goes too; anything the user wrote stays.
    ini.remove_empty_section(ctx.paths.aws_config_path(), args.profile)
    ctx.ui.info(
        f"Removed keys for {args.profile!r} from {vault.where} (AWS still has the key itself)."
    )
    return 0


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    """Show profiles as a table or JSON."""
    from awsprompt.listing import profile_rows

    rows = profile_rows(ctx)
    if args.json:
        write_stdout(json.dumps(rows, indent=2) + "\n")
        return 0
    from rich.markup import escape
    from rich.table import Table

    rotation = ctx.settings.rotation_days
    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("PROFILE", "TYPE", "ACCOUNT", "SOURCE", "KEYS", "KEY AGE", "SESSION"):
        table.add_column(col)
    for row in rows:
        if row["error"]:
            table.add_row(
                escape(row["name"]),
                "[red]error[/]",
                "",
                f"[red]{escape(row['error'])}[/]",
                "",
                "",
                "",
            )
            continue
        source = row["source_profile"] or ""
        keys = {
            "vault": f"vault {row['key_id']}",
            "plaintext": "[yellow]plaintext[/]",
            "credential_process": "process",
        }.get(row["credentials"] or "", "")
        age = ""
        if row["key_age_days"] is not None:
            age = f"{row['key_age_days']}d"
            if row["key_age_days"] >= rotation:
                age = f"[bold red]{age} rotate[/]"
        left = max((s["seconds_left"] for s in row["sessions"]), default=None)
        session = format_left(left) if left is not None else ""
        account = row["account"] or ""
        if row["account_name"]:
            account = f"{account} ({row['account_name']})" if account else row["account_name"]
        table.add_row(row["name"], row["type"] or "", escape(account), source, keys, age, session)
    if not rows:
        ctx.ui.info("No profiles yet: `awsprompt add NAME` stores keys.")
        return 0
    print_table(table)
    return 0
