"""`doctor`: check the setup for problems and say how to fix each one."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from awsprompt.commands._common import print_table, write_stdout
from awsprompt.errors import ProblemsFound

if TYPE_CHECKING:
    from awsprompt.context import Context

_STYLE = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the doctor command to the parser."""
    p = sub.add_parser(
        "doctor",
        help="check the setup for problems and suggest fixes",
        description="Check plaintext keys, permissions, profiles, MFA, key age,"
        " credential_process commands, the zsh plugin, the environment and the agent."
        " Exit 20 when a check fails (warnings alone exit 0).",
    )
    p.add_argument("--json", action="store_true", help="print the findings as a JSON array")
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> int:
    """Run every check, print a table (or JSON), exit 20 on failures."""
    from awsprompt import doctor

    results = doctor.run(ctx)
    if args.json:
        write_stdout(json.dumps([r.to_json() for r in results], indent=2) + "\n")
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, header_style="bold", pad_edge=False)
        fixes = any(r.fix for r in results)  # the FIX column only when something needs one
        for col in ("CHECK", "STATUS", "FINDING", *(("FIX",) if fixes else ())):
            table.add_column(col)
        for r in results:
            cells: list[Text | str] = [Text(r.name), _STYLE[r.status], Text(r.message)]
            table.add_row(*cells, *([Text(r.fix)] if fixes else []))
        print_table(table)
    fails = sum(r.status == "fail" for r in results)
    if fails:
        raise ProblemsFound(
            f"doctor found {fails} problem{'s' if fails != 1 else ''}",
            hint="each FIX column says what to do",
        )
    return 0
