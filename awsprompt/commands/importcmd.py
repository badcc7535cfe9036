"""`import`: move plaintext keys (or aws-vault's file vault) into the awsprompt vault."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from awsprompt.commands._common import print_table, profile_name
from awsprompt.errors import UsageError
from awsprompt.names import mask

if TYPE_CHECKING:
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the import command to the parser."""
    p = sub.add_parser(
        "import",
        help="move long-term keys from ~/.aws/credentials (or aws-vault) into the vault",
        description="Move every profile's long-term keys from the credentials file into the"
        " vault in one write, point the profile at awsprompt with credential_process, and"
        " remove the plaintext keys (the old file is zeroed). With --from-aws-vault, read"
        " aws-vault's encrypted file vault instead.",
    )
    p.add_argument(
        "--profile",
        "-p",
        action="append",
        type=profile_name,
        metavar="NAME",
        help="import only this profile (repeatable)",
    )
    p.add_argument("--dry-run", "-n", action="store_true", help="show the plan, change nothing")
    p.add_argument(
        "--keep-backup",
        action="store_true",
        help="keep the original credentials file as a 0600 backup (it still holds the keys)",
    )
    p.add_argument(
        "--from-aws-vault",
        nargs="?",
        const="",
        metavar="DIR",
        help="import aws-vault's file vault (default $AWS_VAULT_FILE_DIR or ~/.awsvault/keys)",
    )
    p.set_defaults(func=cmd_import)


def _table(rows: list[tuple[str, str, str, str]]) -> None:
    """Print the PROFILE/KEY/FROM/RESULT table on stdout."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("PROFILE", "KEY", "FROM", "RESULT"):
        table.add_column(col)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    print_table(table)


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    """Run the import (from the credentials file or from aws-vault)."""
    if args.from_aws_vault is not None:
        if args.keep_backup:
            raise UsageError("--keep-backup applies to the credentials file, not to aws-vault")
        return _from_aws_vault(args, ctx)
    return _from_credentials(args, ctx)


def _from_credentials(args: argparse.Namespace, ctx: Context) -> int:
    from awsprompt.importers import credfile

    vault = ctx.vault
    command = credfile.self_command(ctx.env.get("AWSPROMPT_SELF"))
    plan = credfile.plan_import(vault.index(), ctx.files, set(args.profile or ()), command)
    for skip in plan.skipped:
        ctx.ui.warn(f"skipped profile {skip.profile!r}: {skip.reason}")
    if plan.empty:
        ctx.ui.info(f"Nothing to import: no long-term keys to move in {plan.source}.")
        return 0
    for name, old in plan.replaced_process.items():
        ctx.ui.warn(f"profile {name!r}: replacing credential_process = {old}")
    verb = "would move" if args.dry_run else "moved"
    rows = [
        (
            m.profile,
            mask(m.key_id),
            "credentials file",
            "already in vault" if m.already else verb,
        )
        for m in plan.moves
    ]
    if args.dry_run:
        _table(rows)
        for m in plan.moves:
            ctx.ui.info(
                f"would set in [{m.profile}]: credential_process = {plan.process_lines[m.profile]}"
            )
        what = "delete" if plan.remaining is None else "rewrite without the keys"
        ctx.ui.info(f"Dry run: would {what} {plan.source}. Nothing was changed.")
        return 0
    config = ctx.paths.aws_config_path()
    result = credfile.apply_import(plan, vault, config, ctx.utcnow(), keep_backup=args.keep_backup)
    _table(rows)
    ctx.ui.info(f"Stored {len(plan.moves)} key(s) in {vault.where} and checked them.")
    ctx.ui.info("Profiles now get credentials through `credential_process` (awsprompt exec -j).")
    if result.credentials_removed:
        ctx.ui.info(f"Deleted {plan.source}: nothing but the moved keys was in it.")
    else:
        ctx.ui.info(f"Removed the moved keys from {plan.source}; its other content is unchanged.")
    if result.backup is not None:
        ctx.ui.warn(
            f"the backup {result.backup} (mode 600) still holds plaintext keys;"
            " delete it once you are satisfied"
        )
    if not result.shredded:
        ctx.ui.warn(
            f"the old bytes of {plan.source} were not zeroed (read-only or hard-linked file)"
        )
    return 0


def _aws_vault_passphrase(ctx: Context) -> str:
    value = ctx.env.get("AWS_VAULT_FILE_PASSPHRASE")
    if value:
        return value
    return ctx.ui.ask("Passphrase of the aws-vault file vault: ", secret=True)


def _from_aws_vault(args: argparse.Namespace, ctx: Context) -> int:
    from awsprompt.importers import awsvault, credfile

    directory = Path(args.from_aws_vault).expanduser() if args.from_aws_vault else None
    directory = directory or awsvault.default_dir(
        ctx.env.get("AWS_VAULT_FILE_DIR"), ctx.paths.home()
    )
    if not directory.is_dir():
        raise UsageError(
            f"no aws-vault file vault at {directory}",
            hint="pass its folder: --from-aws-vault DIR (aws-vault's AWS_VAULT_FILE_DIR)",
        )
    found = awsvault.read_aws_vault(directory, _aws_vault_passphrase(ctx))
    keys = dict(found.keys)
    if args.profile:
        missing = [n for n in args.profile if n not in keys]
        for name in missing:
            ctx.ui.warn(f"profile {name!r} has no master keys in {directory}")
        keys = {n: k for n, k in keys.items() if n in args.profile}
    vault = ctx.vault
    plan = credfile.plan_aws_vault(keys, found.unusable, found.skipped, vault.index(), ctx.files)
    if plan.sessions:
        ctx.ui.info(f"Skipped {len(plan.sessions)} cached session item(s) (not long-term keys).")
    for skip in plan.skipped:
        ctx.ui.warn(f"skipped aws-vault item {skip.profile!r}: {skip.reason}")
    if not plan.moves:
        ctx.ui.info(f"Nothing to import from {directory}.")
        return 0
    verb = "would move" if args.dry_run else "moved"
    rows = [
        (m.profile, mask(m.key_id), "aws-vault", "already in vault" if m.already else verb)
        for m in plan.moves
    ]
    if args.dry_run:
        _table(rows)
        for name in plan.new_sections:
            ctx.ui.info(f"would add [profile {name}] to the AWS config")
        ctx.ui.info("Dry run: nothing was changed.")
        return 0
    credfile.apply_aws_vault(plan, vault, ctx.paths.aws_config_path())
    _table(rows)
    ctx.ui.info(f"Stored {len(plan.moves)} key(s) in {vault.where} and checked them.")
    for name in plan.new_sections:
        ctx.ui.info(f"Added [profile {name}] to the AWS config.")
    ctx.ui.info(f"aws-vault's files in {directory} were not changed.")
    return 0
