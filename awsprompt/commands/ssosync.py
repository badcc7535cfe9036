"""`sso sync NAME`: one profile per account and role of an sso-session, in ~/.aws/config."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from awsprompt.commands._common import print_table, write_stdout

if TYPE_CHECKING:
    from awsprompt.aws.sso.sync import SyncResult
    from awsprompt.context import Context

SHOWN = 3  # profile names listed per row of the summary table


def register(sso_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sync` to the `sso` group."""
    from awsprompt.aws.sso.sync import DEFAULT_TEMPLATE, FIELDS

    p = sso_sub.add_parser(
        "sync",
        help="write a profile for every account and role into ~/.aws/config",
        description="List every account and role the sso-session NAME may use and write one"
        " profile per pair into a marked block of ~/.aws/config, which each run replaces"
        " (atomically, with a backup). Needs a valid sign-in (`awsprompt sso login`).",
    )
    p.add_argument("name", metavar="NAME", help="the [sso-session NAME] of ~/.aws/config")
    p.add_argument(
        "--template",
        default=DEFAULT_TEMPLATE,
        metavar="T",
        help="profile names, from the fields {" + "}, {".join(FIELDS) + "}"
        " (default: %(default)s); sanitised to the profile-name rule",
    )
    p.add_argument("--prefix", default="", metavar="P", help="put P before every name")
    p.add_argument("--region", "-r", metavar="R", help="region = R in every generated profile")
    p.add_argument(
        "--dry-run",
        "-n",
        action="store_true",
        help="print the diff of the block instead of writing it",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_sync)


def cmd_sync(args: argparse.Namespace, ctx: Context) -> int:
    """Sync, then print the summary table, the diff (--dry-run) or JSON."""
    from awsprompt.aws.sso.sync import SyncOptions, sync

    options = SyncOptions(template=args.template, prefix=args.prefix, region=args.region)
    result = sync(ctx, args.name, options, dry_run=args.dry_run)
    for skip in result.skipped:
        shown = f"{skip.name!r} " if skip.name else ""
        ctx.ui.warn(
            f"skipped {shown}(role {skip.role_name} in account {skip.account_id}): {skip.reason}"
        )
    if args.json:
        write_stdout(json.dumps(result.to_json(), indent=2) + "\n")
    elif args.dry_run:
        write_stdout(result.diff)
    else:
        print_table(_summary(result))
    ctx.ui.info(_outcome(result))
    return 0


def _outcome(result: SyncResult) -> str:
    counts = (
        f"{len(result.added)} added, {len(result.removed)} removed,"
        f" {len(result.updated)} updated, {len(result.unchanged)} unchanged,"
        f" {len(result.skipped)} skipped"
    )
    if result.dry_run:
        verb = "would change" if result.changed else "would leave"
        return f"Dry run: {counts}; {verb} {result.path} (nothing written)."
    if not result.changed:
        return f"{counts}; {result.path} is already up to date."
    backup = f" (previous file: {result.backup})" if result.backup else ""
    return f"{counts}; wrote {len(result.profiles)} profiles to {result.path}{backup}."


def _summary(result: SyncResult) -> object:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("CHANGE", "PROFILES", "NAMES"):
        table.add_column(col)
    rows = [
        ("added", result.added),
        ("removed", result.removed),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
        ("skipped", [s.name or f"{s.account_id}:{s.role_name}" for s in result.skipped]),
    ]
    for change, names in rows:
        shown = ", ".join(names[:SHOWN])
        if len(names) > SHOWN:
            shown += f", ... ({len(names) - SHOWN} more)"
        table.add_row(change, str(len(names)), Text(shown))
    return table
