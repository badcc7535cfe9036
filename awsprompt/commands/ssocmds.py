"""`sso`: IAM Identity Center commands (one subcommand module each)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from awsprompt.commands import ssosync

if TYPE_CHECKING:
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `sso` group and its subcommands."""
    p = sub.add_parser(
        "sso",
        help="IAM Identity Center (AWS SSO): generate profiles",
        description="IAM Identity Center (AWS SSO) commands. Run `awsprompt sso COMMAND --help`.",
    )
    sso_sub = p.add_subparsers(dest="sso_command", metavar="COMMAND")
    ssosync.register(sso_sub)

    def show_help(args: argparse.Namespace, ctx: Context) -> int:
        p.print_help()  # `awsprompt sso` alone: its commands, on stdout, exit 0
        return 0

    p.set_defaults(func=show_help)
