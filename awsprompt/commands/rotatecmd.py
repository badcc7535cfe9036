"""`rotate`: replace a stored access key (or every old one) without ever losing a working key."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from awsprompt.commands._common import print_table, profile_name, write_stdout
from awsprompt.errors import AwspromptError, RotateIncomplete, UsageError
from awsprompt.names import mask

if TYPE_CHECKING:
    from awsprompt.config.profiles import Source
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add rotate."""
    p = sub.add_parser(
        "rotate",
        help="replace a profile's stored access key (or, with --all, every old one)",
        description="Create a new access key for the IAM user behind PROFILE (following"
        " source_profile to the stored key), store it, verify it, drop cached sessions of the"
        " old key, then delete the old key. On failure you keep a working stored key and the"
        " message says what state AWS and the vault are in.",
    )
    p.add_argument(
        "profile",
        type=profile_name,
        nargs="?",
        help="the profile whose key to rotate (its source_profile's key for a role)",
    )
    p.add_argument("--all", action="store_true", help="rotate every stored key that is old")
    p.add_argument(
        "--older-than",
        type=_days,
        metavar="DAYS",
        help="with --all: keys at least DAYS old (default: rotation_days, 90)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="with --all: list what would rotate; no AWS call, no passphrase",
    )
    p.add_argument(
        "--no-session",
        action="store_true",
        help="call IAM with the long-term key itself, even when the profile has mfa_serial",
    )
    p.add_argument("--json", action="store_true", help="with --all: the summary as JSON")
    p.add_argument("--region", "-r", metavar="R", help="region for the STS/IAM calls")
    p.add_argument(
        "--mfa-token",
        "-t",
        metavar="CODE",
        help="the current MFA code; `-` reads it from stdin (kept out of the process list)",
    )
    p.add_argument(
        "--no-prompt", action="store_true", help="fail instead of asking for an MFA code"
    )
    p.set_defaults(func=cmd_rotate)


def _days(value: str) -> int:
    """argparse type: a whole number of days, 0 or more."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("days cannot be negative")
    return days


def cmd_rotate(args: argparse.Namespace, ctx: Context) -> int:
    """Rotate one profile's key, or every old one with --all."""
    if args.all:
        if args.profile:
            raise UsageError("give a PROFILE or --all, not both")
        return _rotate_all(args, ctx)
    if not args.profile:
        raise UsageError("name the PROFILE whose key to rotate", hint="or pass --all")
    if args.dry_run or args.older_than is not None or args.json:
        raise UsageError("--dry-run, --older-than and --json go with --all")
    return _rotate_one(args, ctx)


def _source_of(ctx: Context, name: str) -> tuple[Source, str | None]:
    """The stored-key source behind profile NAME and the region to call IAM in."""
    from awsprompt.aws.rotate import check_source

    resolver = ctx.resolver
    profile = resolver.resolve(name)
    stored = check_source(profile.source, name, ctx.paths.aws_credentials_path())
    if stored == name:
        return profile.source, profile.region
    own = resolver.resolve(stored)
    if own.source.profile == stored:
        return own.source, own.region or profile.region
    return profile.source, profile.region


def _rotate_one(args: argparse.Namespace, ctx: Context) -> int:
    """`rotate PROFILE`."""
    from awsprompt.aws.mfa import MfaCodes
    from awsprompt.aws.rotate import Rotator, shown_key

    source, region = _source_of(ctx, args.profile)
    if source.profile != args.profile:
        ctx.ui.info(f"Rotating the key of {source.profile!r}, the source of {args.profile!r}.")
    result = Rotator(ctx).rotate(
        source,
        region=args.region or region,
        no_session=args.no_session,
        mfa=MfaCodes(ctx, args.mfa_token, prompt=not args.no_prompt),
    )
    also = [n for n in result.profiles if n != source.profile]
    old_state = "was already gone" if result.old_key_was_gone else "deleted"
    ctx.ui.info(
        f"Rotated {source.profile!r}: {shown_key(result.old_key_id)} ->"
        f" {shown_key(result.new_key_id)}"
        f" (verified and stored; old key {old_state};"
        f" {result.sessions_dropped} cached session(s) dropped)"
        + (f"; also stored for {', '.join(map(repr, also))}" if also else "")
    )
    return 0


def _rotate_all(args: argparse.Namespace, ctx: Context) -> int:
    """`rotate --all`: every stored key at least --older-than days old."""
    from awsprompt.aws.rotate import due_for_rotation

    days = ctx.settings.rotation_days if args.older_than is None else args.older_than
    index = ctx.vault.index()
    now = ctx.utcnow()
    due = due_for_rotation(index, days, now)
    if args.dry_run:
        rows = [
            {
                "profile": info.name,
                "old_key": mask(info.key_id_tail),
                "age_days": info.age_days(now),
                "result": "would rotate",
            }
            for info in due
        ]
        _print_rows(rows, args.json, ("profile", "old_key", "age_days", "result"))
        ctx.ui.info(
            f"{len(rows)} of {len(index)} stored key(s) are {days}+ days old;"
            " nothing was changed (--dry-run)."
        )
        return 0
    if not due:
        ctx.ui.info(f"No stored key is {days}+ days old; nothing to rotate.")
        _print_rows([], args.json, ("profile", "old_key", "new_key", "result"))
        return 0

    rows, errors = _run_all(args, ctx, due)
    _print_rows(rows, args.json, ("profile", "old_key", "new_key", "result"))
    for _name, exc in errors:
        ctx.ui.warn(exc.message + (f" (hint: {exc.hint})" if exc.hint else ""))
    if errors:
        raise RotateIncomplete(
            f"{len(errors)} of {len(rows)} rotation(s) failed; the warnings above say what"
            " state each is in",
        )
    return 0


def _run_all(
    args: argparse.Namespace, ctx: Context, due: list[Any]
) -> tuple[list[dict[str, Any]], list[tuple[str, AwspromptError]]]:
    """Rotate each distinct key in DUE with a progress bar on stderr; rows and failures."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from awsprompt.aws.mfa import MfaCodes
    from awsprompt.aws.rotate import Rotator, shown_key

    # One rotation per distinct key: profiles sharing a key get the new one together.
    seen: set[str] = set()
    todo = []
    for info in due:
        if info.fingerprint not in seen:
            seen.add(info.fingerprint)
            todo.append(info)
    vault = ctx.vault
    rotator = Rotator(ctx)
    rows: list[dict[str, Any]] = []
    errors: list[tuple[str, AwspromptError]] = []
    token = args.mfa_token
    # Redrawn by hand (no refresh thread) so an MFA prompt on the terminal is not overdrawn.
    progress = Progress(
        TextColumn("rotating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        auto_refresh=False,
        transient=True,
    )
    with progress:
        task = progress.add_task("", total=len(todo))
        for info in todo:
            progress.update(task, description=info.name)
            progress.refresh()
            row = {"profile": info.name, "old_key": mask(info.key_id_tail), "new_key": ""}
            try:
                source, region = _source_of(ctx, info.name)
                # A fresh code per source: AWS refuses a code that was already used.
                mfa = MfaCodes(ctx, token, prompt=not args.no_prompt)
                token = None
                result = rotator.rotate(
                    source, region=args.region or region, no_session=args.no_session, mfa=mfa
                )
            except AwspromptError as exc:
                now = vault.index().get(info.name)
                if now is not None and now.fingerprint != info.fingerprint:
                    row["new_key"] = mask(now.key_id_tail)
                incomplete = isinstance(exc, RotateIncomplete)
                row["result"] = "INCOMPLETE" if incomplete else "failed (unchanged)"
                rows.append(row)
                errors.append((info.name, exc))
            else:
                for name in result.profiles:
                    rows.append(
                        {
                            "profile": name,
                            "old_key": shown_key(result.old_key_id),
                            "new_key": shown_key(result.new_key_id),
                            "result": "rotated",
                        }
                    )
            progress.advance(task)
            progress.refresh()
    return rows, errors


def _print_rows(rows: list[dict[str, Any]], as_json: bool, columns: tuple[str, ...]) -> None:
    """The summary on stdout: JSON, or a table."""
    if as_json:
        write_stdout(json.dumps(rows, indent=2) + "\n")
        return
    if not rows:
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in columns:
        table.add_column(col.replace("_", " ").upper(), no_wrap=True)
    for row in rows:
        table.add_row(*(str(row.get(col, "")) for col in columns))
    print_table(table)
