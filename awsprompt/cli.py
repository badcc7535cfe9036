"""Command-line entry point: parse arguments, dispatch, map errors to exit codes (only here)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from awsprompt import __version__
from awsprompt.errors import AwspromptError, ExitCode

if TYPE_CHECKING:
    import argparse

    from awsprompt.context import Context

COMMAND_MODULES = (
    "vaultcmds",
    "credcmds",
    "agentcmds",
    "servecmd",
    "democmd",
    "logincmd",
    "rotatecmd",
    "importcmd",
    "doctorcmd",
    "ssocmds",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every command registered."""
    import argparse
    import importlib

    class Parser(argparse.ArgumentParser):
        """Usage errors as one line, like every other awsprompt error."""

        def error(self, message: str) -> NoReturn:
            hint = f"`{self.prog} --help` lists the options"
            sys.stderr.write(f"awsprompt: error: {message} (hint: {hint})\n")
            raise SystemExit(int(ExitCode.USAGE))

    parser = Parser(
        prog="awsprompt",
        description="Encrypted AWS key vault, MFA and role-chain credentials, zsh prompt.",
        epilog="Run `awsprompt COMMAND --help` for a command's options. --debug shows tracebacks.",
    )
    parser.add_argument("--version", "-V", action="version", version=f"awsprompt {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"awsprompt.commands.{name}").register(sub)
    return parser


def _split_argv(argv: list[str]) -> tuple[list[str], list[str], bool]:
    """Split at the first `--` (the child command) and accept --debug anywhere before it."""
    try:
        stop = argv.index("--")
    except ValueError:
        stop = len(argv)
    head = [a for a in argv[:stop] if a != "--debug"]
    return head, argv[stop + 1 :], len(head) != stop


def report(exc: AwspromptError) -> None:
    """Print one error line (with its hint) on stderr."""
    line = f"awsprompt: error: {exc.message}"
    if exc.hint:
        line += f" (hint: {exc.hint})"
    sys.stderr.write(line + "\n")


def make_context() -> Context:
    """The context of this process: its environment, the terminal and the real clock."""
    import os

    from awsprompt.clock import SYSTEM
    from awsprompt.commands.terminal import TerminalUI
    from awsprompt.context import Context
    from awsprompt.envvars import Env

    ctx = Context(Env(os.environ), TerminalUI(), SYSTEM)
    from awsprompt.commands.agentcmds import offer_agent

    ctx.unlock_hook = lambda key, typed: offer_agent(ctx, key, typed)
    return ctx


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the process exit code."""
    head, tail, debug = _split_argv(list(sys.argv[1:] if argv is None else argv))
    if head[:1] in (["exec"], ["export"]) and not tail and not debug:
        import os

        from awsprompt.clock import SYSTEM
        from awsprompt.envvars import Env
        from awsprompt.shell import fastpath

        answer = fastpath.serve(head, Env(os.environ), SYSTEM)
        if answer is not None:
            sys.stdout.buffer.write(answer)
            sys.stdout.buffer.flush()
            return 0
    parser = build_parser()
    args = parser.parse_args(head)
    if args.command is None:
        parser.print_help()  # `awsprompt` alone: what it can do, on stdout, exit 0
        return 0
    args.debug = debug or args.debug
    args.child_argv = tail
    try:
        return int(args.func(args, make_context()) or 0)
    except AwspromptError as exc:
        if args.debug:
            import traceback

            traceback.print_exc()
        report(exc)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("awsprompt: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.ERROR)
    except Exception as exc:
        if args.debug:
            raise
        sys.stderr.write(
            f"awsprompt: error: unexpected {type(exc).__name__}"
            " (hint: run again with --debug for details, and report it)\n"
        )
        return int(ExitCode.ERROR)
