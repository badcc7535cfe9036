"""The live countdown never disturbs typing: menus, autosuggestions, continuation prompts."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from zshell import ZShell

pytestmark = pytest.mark.slow

AUTOSUGGEST = Path("/usr/share/zsh-autosuggestions/zsh-autosuggestions.zsh")
HIGHLIGHT = Path("/usr/share/zsh-syntax-highlighting/zsh-syntax-highlighting.zsh")
# A countdown at 1m whose next tick (the minute boundary) comes about 3 s later.
SOON = "AWSPROMPT_PROFILE=dev AWSPROMPT_EXPIRES=$((EPOCHSECONDS+63))"


def lines(zsh: ZShell) -> list[str]:
    """The screen, settled, without trailing blanks."""
    zsh.settle()
    return [line.rstrip() for line in zsh.screen_lines()]


def until(zsh: ZShell, check: Callable[[list[str]], bool], timeout: float = 15) -> None:
    """Read the shell until CHECK(screen lines) holds."""
    deadline = time.monotonic() + timeout
    while not check(lines(zsh)):
        assert time.monotonic() < deadline, "\n".join(lines(zsh))
        zsh.settle(0.3)


def test_tick_keeps_an_open_menu_selection(tmp_path: Path) -> None:
    """A tick while menu selection is open leaves the menu alone; the redraw comes after."""
    pre = "AWSPROMPT_LIVE=true\nzstyle ':completion:*' menu select"
    with ZShell(tmp_path / "z", pre=pre) as zsh:
        zsh.run("mkdir -p dir/alpha1 dir/alpha2 dir/alpha3")
        zsh.run(SOON)
        zsh.send("ls dir/al\t")
        time.sleep(0.3)
        zsh.send("\t")
        time.sleep(0.3)
        zsh.send("\t")  # menu selection: the first match highlighted
        until(zsh, lambda s: any("alpha1/  alpha2/  alpha3/" in line for line in s))
        row = next(i for i, line in enumerate(lines(zsh)) if "alpha2/" in line)
        assert zsh.screen.buffer[row][0].reverse
        time.sleep(5)  # the tick has come and gone
        screen = lines(zsh)
        assert any("alpha1/  alpha2/  alpha3/" in line for line in screen), screen
        assert zsh.screen.buffer[row][0].reverse
        # Leaving the menu (accept the match, type on): the countdown catches up.
        zsh.send("\r x")
        until(zsh, lambda s: "aws:dev <1m" in s[zsh.prompt_line()])
        line = lines(zsh)[zsh.prompt_line()]
        assert "ls dir/alpha1" in line and " x " in line + " ", line


def test_tick_keeps_an_autosuggestion(tmp_path: Path) -> None:
    """With zsh-autosuggestions and zsh-syntax-highlighting, a suggestion keeps its style."""
    assert AUTOSUGGEST.is_file() and HIGHLIGHT.is_file(), "apt-get install zsh-autosuggestions"
    post = f"source {AUTOSUGGEST}\nsource {HIGHLIGHT}"
    with ZShell(tmp_path / "z", pre="AWSPROMPT_LIVE=true", post=post) as zsh:
        zsh.run("echo hello-suggestion")
        zsh.run(SOON)
        zsh.send("echo hel")
        until(zsh, lambda s: "echo hello-suggestion" in s[zsh.prompt_line()])
        row = zsh.prompt_line()
        col = lines(zsh)[row].index("lo-suggestion")
        suggested = zsh.screen.buffer[row][col].fg
        assert suggested != "default"
        time.sleep(5)  # the tick has come and gone
        assert "echo hello-suggestion" in lines(zsh)[row]
        assert zsh.screen.buffer[row][col].fg == suggested
        # Accepting the suggestion and running it brings the new countdown.
        zsh.send("\x05\r")  # end-of-line accepts it
        zsh.wait_ready()
        assert "aws:dev <1m" in lines(zsh)[zsh.prompt_line()]


def test_tick_keeps_a_continuation_prompt(tmp_path: Path) -> None:
    """In a `for>` continuation the prompt is not redrawn (it would read `cmdand>`)."""
    with ZShell(tmp_path / "z", pre="AWSPROMPT_LIVE=true") as zsh:
        zsh.run(SOON)
        zsh.send("for x in 1\r")
        until(zsh, lambda s: s[-1].startswith("for>") or any(x.startswith("for>") for x in s))
        time.sleep(5)  # the tick has come and gone
        screen = lines(zsh)
        assert any(line.startswith("for>") for line in screen), screen
        assert not any("cmdand" in line for line in screen), screen
        zsh.send("do print -r -- got-$x; done\r")
        zsh.wait_ready()
        assert any("got-1" in line for line in lines(zsh))


def test_tick_redraws_an_idle_line_in_place(tmp_path: Path) -> None:
    """At an ordinary prompt the tick redraws the segment and keeps the typed text."""
    with ZShell(tmp_path / "z", pre="AWSPROMPT_LIVE=true") as zsh:
        zsh.run(SOON)
        zsh.send("print -r typed-text")
        until(zsh, lambda s: "aws:dev <1m" in s[zsh.prompt_line()])
        assert "print -r typed-text" in lines(zsh)[zsh.prompt_line()]
