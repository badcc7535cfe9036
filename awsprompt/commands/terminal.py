"""The terminal UI: prompts on /dev/tty (never stdout, which may be captured), notes on stderr."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import termios
from collections.abc import Iterator
from typing import IO

from awsprompt.errors import NoTerminal


@contextlib.contextmanager
def _open_tty() -> Iterator[IO[str]]:
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise NoTerminal(
            "no terminal to prompt on",
            hint="run it from a terminal, or give the value another way (see --help)",
        ) from None
    # A terminal is not seekable, so open() in "r+" mode refuses it: wrap the raw file
    # (as getpass does).
    with io.TextIOWrapper(io.FileIO(fd, "r+", closefd=True), encoding="utf-8") as tty:
        yield tty


def has_terminal() -> bool:
    """True when /dev/tty can be opened."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def ask(prompt: str, *, secret: bool = False) -> str:
    """Ask on /dev/tty and return the answer without its newline; echo off when SECRET."""
    with _open_tty() as tty:
        tty.write(prompt)
        tty.flush()
        old = None
        if secret:
            try:
                old = termios.tcgetattr(tty.fileno())
                new = termios.tcgetattr(tty.fileno())
                new[3] &= ~termios.ECHO
                termios.tcsetattr(tty.fileno(), termios.TCSAFLUSH, new)
            except termios.error:
                old = None
        try:
            line = tty.readline()
        except KeyboardInterrupt:
            tty.write("\n")
            raise
        finally:
            if old is not None:
                termios.tcsetattr(tty.fileno(), termios.TCSAFLUSH, old)
                tty.write("\n")
                tty.flush()
        if not line:
            raise NoTerminal("no answer: the terminal closed its input")
        return line.rstrip("\r\n")


def confirm(prompt: str, *, default: bool = True) -> bool:
    """Yes/no question on the terminal."""
    suffix = " [Y/n] " if default else " [y/N] "
    answer = ask(prompt + suffix).strip().lower()
    if not answer:
        return default
    return answer in ("y", "yes")


_warned: set[str] = set()


def warn(message: str, *, once_key: str | None = None) -> None:
    """Print 'awsprompt: warning: MESSAGE' on stderr (once per process for ONCE_KEY)."""
    if once_key is not None:
        if once_key in _warned:
            return
        _warned.add(once_key)
    sys.stderr.write(f"awsprompt: warning: {message}\n")
    sys.stderr.flush()


def info(message: str) -> None:
    """Progress or status text for a person: stderr."""
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


class TerminalUI:
    """The `awsprompt.ui.UI` of a real run: /dev/tty for questions, stderr for messages."""

    def __init__(self) -> None:
        self._warned: set[str] = set()

    def has_terminal(self) -> bool:
        """True when /dev/tty can be opened."""
        return has_terminal()

    def ask(self, prompt: str, *, secret: bool = False) -> str:
        """Ask on /dev/tty."""
        return ask(prompt, secret=secret)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        """Yes/no on /dev/tty."""
        return confirm(prompt, default=default)

    def warn(self, message: str, *, once_key: str | None = None) -> None:
        """'awsprompt: warning: MESSAGE' on stderr."""
        warn(message, once_key=once_key)

    def info(self, message: str) -> None:
        """MESSAGE on stderr."""
        info(message)
