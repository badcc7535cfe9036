"""`awsprompt demo`: try everything in a sandbox, without an AWS account."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from awsprompt.commands._common import write_stdout

if TYPE_CHECKING:
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add demo."""
    p = sub.add_parser(
        "demo",
        help="a sandbox with a local AWS emulation: try everything in a minute",
        description="Start a throw-away HOME, vault and local AWS emulation, then an"
        " interactive zsh with the plugin loaded. Nothing of your real setup is touched.",
    )
    p.add_argument(
        "--script", action="store_true", help="run the tour non-interactively and print results"
    )
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace, ctx: Context) -> int:
    """Run the demo."""
    from awsprompt import demo

    ctx.ui.info("Starting the demo sandbox (a local AWS emulation on 127.0.0.1)…")
    with demo.sandbox(ctx.env.child(), ctx.utcnow()) as box:
        if not args.script:
            return demo.interactive(box)
        steps = demo.script(box)
        for number, step in enumerate(steps, 1):
            mark = "ok" if step.ok else "FAILED"
            write_stdout(f"\n[{number}] {step.title}: {mark}\n$ {step.command}\n")
            if step.output:
                write_stdout("".join(f"  {line}\n" for line in step.output.splitlines()))
        failed = [s.title for s in steps if not s.ok]
        write_stdout(f"\n{len(steps) - len(failed)} of {len(steps)} steps ok\n")
        return 1 if failed else 0
