"""`awsprompt init zsh`: the ~/.zshrc lines that load the zsh plugin."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from awsprompt.commands._common import write_stdout

if TYPE_CHECKING:
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add init."""
    p = sub.add_parser(
        "init",
        help="print the ~/.zshrc line that loads the zsh plugin",
        description="Print the line to put in ~/.zshrc: `source` of the zsh plugin installed"
        " with this awsprompt. It is a fixed path, so a new shell starts no Python process."
        " When the `awsprompt` found on PATH is not this one, an AWSPROMPT_COMMAND line"
        " pointing at this one comes first.",
        epilog="Example: awsprompt init zsh >> ~/.zshrc (once), then open a new shell.",
    )
    p.add_argument("shell", choices=["zsh"], help="the shell to set up (zsh)")
    p.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    """Print the lines."""
    from awsprompt.shell import plugin

    lines = plugin.zshrc_lines(sys.argv[0], sys.executable, ctx.env.get("PATH", os.defpath))
    write_stdout("".join(line + "\n" for line in lines))
    return 0
