"""A real interactive zsh in a pty (pexpect) with the awsprompt plugin loaded.

Each shell gets its own ZDOTDIR with a .zshrc that sources the plugin and runs
compinit with a dump file; sourcing that .zshrc again (a reload) is safe, also
under `setopt ksh_arrays`.  Synchronisation uses invisible OSC title sequences
printed by a preexec hook (start of a command) and a precmd hook (end, with the
exit status), so echoed input never matches.  Every byte read is also fed to a
pyte screen, for tests that look at the screen as a person would.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sys
import time
from pathlib import Path

import pexpect
import pyte

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "zsh" / "awsprompt.plugin.zsh"
ROWS, COLS = 24, 120
PS1_MARK = "ZT>"
_START = re.compile(r"\x1b\]2;@@START@@\x07")
_READY = re.compile(r"\x1b\]2;@@READY(\d+)@@\x07")
_ANSI = re.compile(
    r"\x1b\[[0-9;?>=]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?"
)

ZSHRC = r"""
PS1='ZT> '
unsetopt prompt_sp
LISTMAX=100000
zstyle ':completion:*' list-prompt ''
zstyle ':completion:*' select-prompt ''
{pre}
{load}
{post}
_t_status() {{ _t_st=$? }}
_t_ready() {{ print -rn -- $'\e]2;@@READY'$_t_st$'@@\a' }}
_t_start() {{ print -rn -- $'\e]2;@@START@@\a' }}
precmd_functions=(_t_status "${{(@)${{(@)precmd_functions[@]:#_t_status}}:#_t_ready}}" _t_ready)
preexec_functions=("${{(@)preexec_functions[@]:#_t_start}}" _t_start)
"""

COMPINIT = "autoload -Uz compinit && compinit -u -d $ZDOTDIR/.zcompdump"


def awsprompt_command() -> str:
    """The AWSPROMPT_COMMAND value that runs the package from this repository."""
    return f"{shlex.quote(sys.executable)} -m awsprompt"


def strip(text: str) -> str:
    """Remove terminal control sequences and carriage returns."""
    return _ANSI.sub("", text).replace("\r", "")


class ZShell:
    """An interactive zsh with the plugin; use as a context manager."""

    def __init__(
        self,
        zdotdir: Path,
        *,
        env: dict[str, str] | None = None,
        pre: str = "",
        post: str = "",
        compinit_first: bool = False,
        timeout: float = 15,
        cwd: Path | None = None,
        plugin: Path | None = PLUGIN,
    ) -> None:
        zdotdir.mkdir(parents=True, exist_ok=True)
        pre_lines = [pre]
        post_lines = [post]
        (pre_lines if compinit_first else post_lines).insert(0, COMPINIT)
        (zdotdir / ".zshrc").write_text(
            ZSHRC.format(
                pre="\n".join(pre_lines),
                post="\n".join(post_lines),
                load=f"source {shlex.quote(str(plugin))}" if plugin else "",
            )
        )
        full_env = dict(os.environ)
        full_env.update(
            {
                "ZDOTDIR": str(zdotdir),
                "TERM": "xterm-256color",
                "PYTHONPATH": str(ROOT),
                "AWSPROMPT_COMMAND": awsprompt_command(),
                "LC_ALL": "C.UTF-8",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            }
        )
        full_env.pop("RPROMPT", None)
        full_env.update(env or {})
        self.timeout = timeout
        self.screen = pyte.Screen(COLS, ROWS)
        # Answer the terminal's status requests (fzf asks where the cursor is) as a
        # terminal would, from the screen model.
        self.screen.write_process_input = self._answer  # type: ignore[method-assign]
        self._stream = pyte.Stream(self.screen)
        self.raw = ""
        self.child = pexpect.spawn(
            "zsh",
            ["-i"],
            env=full_env,
            cwd=str(cwd or zdotdir),
            dimensions=(ROWS, COLS),
            encoding="utf-8",
            codec_errors="replace",
            timeout=timeout,
        )
        self.child.logfile_read = self  # type: ignore[assignment]
        self.startup = ""
        self.child.expect(_READY)
        self.startup = self.child.before

    def _answer(self, data: str) -> None:
        """Send the screen model's reply to a status request (once the shell runs)."""
        self.child.send(data)

    # pexpect logfile protocol: every byte read goes to the pyte screen too.
    def write(self, data: str) -> None:
        """Feed data read from the pty to the screen model."""
        self.raw += data
        self._stream.feed(data)

    def flush(self) -> None:
        """Nothing to flush (logfile protocol)."""

    def __enter__(self) -> ZShell:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Terminate the shell."""
        if self.child.isalive():
            self.child.sendline("exit")
            with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
                self.child.expect(pexpect.EOF, timeout=3)
        self.child.close(force=True)

    def run_status(self, cmd: str, timeout: float | None = None) -> tuple[str, int]:
        """Type CMD and Enter; return (its output without control codes, exit status)."""
        self.child.sendline(cmd)
        self.child.expect(_START, timeout=timeout or self.timeout)
        self.child.expect(_READY, timeout=timeout or self.timeout)
        status = int(self.child.match.group(1))
        return strip(self.child.before), status

    def run(self, cmd: str, timeout: float | None = None) -> str:
        """Type CMD and Enter; return its output (control codes removed)."""
        return self.run_status(cmd, timeout)[0]

    def expect(self, pattern: str, timeout: float | None = None) -> str:
        """Wait for a regex in the output; return the text before it."""
        self.child.expect(pattern, timeout=timeout or self.timeout)
        return self.child.before

    def wait_ready(self, timeout: float | None = None) -> int:
        """Wait for the next prompt; return the last exit status."""
        self.child.expect(_READY, timeout=timeout or self.timeout)
        return int(self.child.match.group(1))

    def send(self, text: str) -> None:
        """Send raw keys."""
        self.child.send(text)

    def settle(self, quiet: float = 0.3, limit: float = 5) -> None:
        """Read until the shell has been silent for QUIET seconds (screen up to date)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                self.child.read_nonblocking(65536, timeout=quiet)
            except pexpect.TIMEOUT:
                return
            except pexpect.EOF:
                return

    def complete(self, line: str) -> str:
        """Clear the screen, type LINE and TAB; return the screen text; then abandon the line."""
        self.child.send("\x0c")  # ^L: clear-screen, so only this completion is visible
        self.settle(0.2)
        self.child.send(line + "\t")
        self.settle()
        shown = "\n".join(row.rstrip() for row in self.screen_lines()).strip("\n")
        self.child.send("\x03")  # ^C: abandon the line, new prompt
        self.wait_ready()
        return shown

    def screen_lines(self) -> list[str]:
        """The current screen as text lines."""
        return list(self.screen.display)

    def prompt_line(self) -> int:
        """Index of the last screen line holding the PS1 marker."""
        lines = self.screen_lines()
        for i in range(len(lines) - 1, -1, -1):
            if PS1_MARK in lines[i]:
                return i
        raise AssertionError("no prompt on screen:\n" + "\n".join(lines))

    def colour_at(self, row: int, col: int) -> str:
        """The foreground colour of one screen cell."""
        return self.screen.buffer[row][col].fg

    def var(self, name: str) -> str:
        """The value of a shell parameter, printed literally."""
        return self.run(f'print -rn -- "${{{name}-}}"')

    def wait_for(self, condition: str, timeout: float = 15) -> None:
        """Run commands until the zsh CONDITION (e.g. `(( X > 1 ))`) holds, or fail."""
        deadline = time.monotonic() + timeout
        while "@@yes@@" not in self.run(f"if {condition}; then print @@yes@@; fi"):
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout}s: {condition}")
            time.sleep(0.2)

    def wait_var(self, name: str, value: str, timeout: float = 15) -> str:
        """Run commands until parameter NAME reads VALUE (a background job may set it).

        Each prompt collects a finished background renewal; returns everything else
        the commands printed on the way (hints), and fails after TIMEOUT seconds.
        """
        printed = ""
        deadline = time.monotonic() + timeout
        while True:
            out = self.run(f'print -r -- "@@{{${{{name}-}}}}@@"')
            match = re.search(r"@@\{(.*)\}@@\n", out, re.S)
            assert match, out
            printed += out[: match.start()] + out[match.end() :]
            if match.group(1) == value:
                return printed
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} is {match.group(1)!r}, not {value!r}: {printed!r}")
            time.sleep(0.2)


FAKE_COMMAND = """#!/bin/sh
# Fake awsprompt: logs its arguments, then replays DIR/PROFILE.(err,out,rc).
d={dir}
printf '%s\\n' "$*" >> "$d/calls"
p=$2
[ -f "$d/$p.sleep" ] && {{ echo $$ > "$d/$p.pid"; sleep "$(cat "$d/$p.sleep")"; }}
[ -f "$d/$p.err" ] && cat "$d/$p.err" >&2
[ -f "$d/$p.out" ] && cat "$d/$p.out"
[ -f "$d/$p.rc" ] && exit "$(cat "$d/$p.rc")"
exit 0
"""


class FakeCommand:
    """A stand-in for `awsprompt` that prints crafted NUL records per profile."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self.path = directory / "fake-awsprompt"
        self.path.write_text(FAKE_COMMAND.format(dir=shlex.quote(str(directory))))
        self.path.chmod(0o755)

    def reply(self, profile: str, *records: tuple[str, ...], rc: int = 0, err: str = "") -> None:
        """Make `export PROFILE` print RECORDS (tuples of fields), exit RC, print ERR."""
        self.raw(profile, records_bytes(*records), rc=rc, err=err)

    def raw(self, profile: str, out: bytes, rc: int = 0, err: str = "") -> None:
        """Make `export PROFILE` print exactly OUT."""
        (self.dir / f"{profile}.out").write_bytes(out)
        (self.dir / f"{profile}.rc").write_text(str(rc))
        (self.dir / f"{profile}.err").write_text(err)

    def slow(self, profile: str, seconds: float) -> None:
        """Make calls for PROFILE sleep SECONDS first (pid in DIR/PROFILE.pid)."""
        (self.dir / f"{profile}.sleep").write_text(f"{seconds}")

    def pid(self, profile: str) -> int:
        """The pid of the last slow call for PROFILE."""
        return int((self.dir / f"{profile}.pid").read_text())

    def calls(self) -> list[str]:
        """Argument lines of every call so far."""
        path = self.dir / "calls"
        return path.read_text().splitlines() if path.exists() else []


def records_bytes(*records: tuple[str, ...]) -> bytes:
    """Encode protocol records: each field NUL-terminated."""
    return b"".join(field.encode() + b"\0" for record in records for field in record)


def session_records(
    profile: str,
    *,
    account: str = "111111111111",
    expires: int | None = None,
    key: str = "ASIAFAKEKEY",
    secret: str = "SECRETVALUE",  # noqa: S107 - fake test credential
    token: str = "TOKENVALUE",  # noqa: S107 - fake test credential
    region: str | None = None,
) -> list[tuple[str, ...]]:
    """The records a typical successful role switch produces."""
    expires = expires if expires is not None else int(time.time()) + 3600
    recs: list[tuple[str, ...]] = [
        ("unset", "AWS_PROFILE"),
        ("export", "AWS_ACCESS_KEY_ID", key),
        ("export", "AWS_SECRET_ACCESS_KEY", secret),
        ("export", "AWS_SESSION_TOKEN", token),
        (
            "export",
            "AWS_CREDENTIAL_EXPIRATION",
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
        ),
        ("export", "AWS_VAULT", profile),
        ("export", "AWSPROMPT_PROFILE", profile),
        ("export", "AWSPROMPT_ACCOUNT", account),
        ("export", "AWSPROMPT_EXPIRES", str(expires)),
    ]
    if region:
        recs += [("export", "AWS_REGION", region), ("export", "AWS_DEFAULT_REGION", region)]
    return recs


def server_records(
    profile: str,
    pid: int,
    *,
    account: str = "111111111111",
    url: str = "http://127.0.0.1:9/creds",
    token: str = "ENDPOINTTOKEN",  # noqa: S107 - fake test token
) -> list[tuple[str, ...]]:
    """The records a typical successful `serve PROFILE` (aws-use --server) produces."""
    return [
        ("export", "AWS_CONTAINER_CREDENTIALS_FULL_URI", url),
        ("export", "AWS_CONTAINER_AUTHORIZATION_TOKEN", token),
        ("export", "AWS_VAULT", profile),
        ("export", "AWSPROMPT_PROFILE", profile),
        ("export", "AWSPROMPT_ACCOUNT", account),
        ("export", "AWSPROMPT_SERVER_PID", str(pid)),
        ("unset", "AWS_ACCESS_KEY_ID"),
        ("unset", "AWS_SECRET_ACCESS_KEY"),
        ("unset", "AWS_SESSION_TOKEN"),
        ("unset", "AWS_CREDENTIAL_EXPIRATION"),
        ("unset", "AWSPROMPT_EXPIRES"),
    ]
