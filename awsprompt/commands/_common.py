"""Helpers shared by command modules: argument types and engine construction."""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any

from awsprompt.durations import parse_duration
from awsprompt.errors import AwspromptError
from awsprompt.names import ALLOWED, is_valid_profile_name


def profile_name(value: str) -> str:
    """argparse type: a valid profile name."""
    if not is_valid_profile_name(value):
        shown = value.encode("unicode_escape").decode("ascii")
        raise argparse.ArgumentTypeError(
            f"invalid profile name {shown!r}: use {ALLOWED} only, not starting with '-'"
        )
    return value


def duration(value: str) -> int:
    """argparse type: a duration such as 15m, 1h or 3600, within STS limits."""
    try:
        seconds = parse_duration(value)
    except AwspromptError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    if not 900 <= seconds <= 129600:
        raise argparse.ArgumentTypeError(f"{value!r} is outside 15m..36h")
    return seconds


def add_session_options(parser: argparse.ArgumentParser) -> None:
    """--duration, --region, --mfa-token, --no-prompt."""
    parser.add_argument("--duration", "-d", type=duration, metavar="D", help="e.g. 15m, 1h, 8h")
    parser.add_argument("--region", "-r", metavar="R", help="region for the credentials")
    parser.add_argument(
        "--mfa-token",
        "-t",
        metavar="CODE",
        help="the current MFA code; `-` reads it from stdin (kept out of the process list)",
    )
    parser.add_argument(
        "--no-prompt",
        action="store_true",
        help="fail (exit 17) instead of asking for an MFA code",
    )


def write_stdout(text: str | bytes) -> None:
    """Data to stdout, flushed."""
    if isinstance(text, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def print_table(table: Any) -> None:
    """A rich table on stdout: fitted to a terminal, or whole lines (no cut, no wrap) when piped.

    Piped output keeps every value in full (paths and fixes stay copyable) and has no
    colour or trailing spaces.
    """
    from rich.console import Console

    if sys.stdout.isatty():
        Console(highlight=False, soft_wrap=False).print(table)
        return
    buffer = io.StringIO()
    Console(file=buffer, width=100_000, highlight=False, soft_wrap=False).print(table)
    write_stdout("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
