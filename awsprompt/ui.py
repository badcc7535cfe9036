"""How the core talks to a person: prompts, confirmations, warnings and progress.

The core only sees the `UI` protocol; the CLI gives it a terminal implementation
(`awsprompt.commands.terminal`), tests give it a scripted one.
"""

from __future__ import annotations

from typing import Protocol

from awsprompt.errors import NoTerminal


class UI(Protocol):
    """Questions and messages for a person (never on stdout, which carries data)."""

    def has_terminal(self) -> bool:
        """True when a person can be asked."""
        ...

    def ask(self, prompt: str, *, secret: bool = False) -> str:
        """Ask and return the answer without its newline; raise NoTerminal without one."""
        ...

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        """A yes/no question."""
        ...

    def warn(self, message: str, *, once_key: str | None = None) -> None:
        """A warning line (once per run for ONCE_KEY)."""
        ...

    def info(self, message: str) -> None:
        """Progress or status text."""
        ...


class Scripted:
    """A UI with canned answers and recorded messages (tests, and runs with no person)."""

    def __init__(self, answers: list[str] | None = None, *, terminal: bool | None = None) -> None:
        self.answers = list(answers or [])
        self.terminal = bool(self.answers) if terminal is None else terminal
        self.asked: list[str] = []
        self.warnings: list[str] = []
        self.infos: list[str] = []
        self._once: set[str] = set()

    def has_terminal(self) -> bool:
        """Whether answers are available."""
        return self.terminal

    def ask(self, prompt: str, *, secret: bool = False) -> str:
        """The next canned answer."""
        self.asked.append(prompt)
        if not self.terminal or not self.answers:
            raise NoTerminal("no terminal to prompt on")
        return self.answers.pop(0)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        """A canned yes/no ('' is the default)."""
        answer = self.ask(prompt).strip().lower()
        return default if not answer else answer in ("y", "yes")

    def warn(self, message: str, *, once_key: str | None = None) -> None:
        """Record a warning."""
        if once_key is not None:
            if once_key in self._once:
                return
            self._once.add(once_key)
        self.warnings.append(message)

    def info(self, message: str) -> None:
        """Record a message."""
        self.infos.append(message)
