"""The segment under the real powerlevel10k (vendored, gitstatus disabled), seen through pyte."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from zshell import ZShell

pytestmark = pytest.mark.slow

VENDOR = Path(os.environ.get("AWSPROMPT_VENDOR", ROOT.parent / "shared" / "vendor"))
THEME = VENDOR / "powerlevel10k" / "powerlevel10k.zsh-theme"
INSTANT = (
    '[[ -r "${XDG_CACHE_HOME:-$HOME/.cache}/p10k-instant-prompt-${(%):-%n}.zsh" ]] && '
    'source "${XDG_CACHE_HOME:-$HOME/.cache}/p10k-instant-prompt-${(%):-%n}.zsh"'
)


def p10k_zshrc(extra: str = "") -> str:
    """Lines that load the real powerlevel10k after the plugin, with only `awsprompt` on the
    right (the test's left segment draws the ZT> marker the harness looks for)."""
    return f"""
POWERLEVEL9K_DISABLE_GITSTATUS=true
POWERLEVEL9K_DISABLE_CONFIGURATION_WIZARD=true
POWERLEVEL9K_MODE=ascii
prompt_zt() {{ p10k segment -t 'ZT>' }}
instant_prompt_zt() {{ prompt_zt }}
POWERLEVEL9K_LEFT_PROMPT_ELEMENTS=(zt)
POWERLEVEL9K_RIGHT_PROMPT_ELEMENTS=(awsprompt)
{extra}
source {THEME}
"""


@pytest.fixture
def p10k(tmp_path: Path) -> Iterator[ZShell]:
    """A zsh with the plugin and the real powerlevel10k (its default, rainbow-like style)."""
    with ZShell(tmp_path / "zdot", post=p10k_zshrc()) as shell:
        yield shell


def segment(zsh: ZShell) -> tuple[str, str, str]:
    """(text from `aws:` to the end of the line, foreground, background) of the segment."""
    zsh.settle()
    row = zsh.prompt_line()
    line = zsh.screen_lines()[row]
    col = line.index("aws:")
    cell = zsh.screen.buffer[row][col]
    return line[col:].rstrip(), cell.fg, cell.bg


def show(zsh: ZShell, seconds_left: int | None, profile: str = "dev") -> None:
    """Set the prompt variables directly, as aws-use would."""
    expires = "" if seconds_left is None else f"AWSPROMPT_EXPIRES=$((EPOCHSECONDS+{seconds_left}))"
    zsh.run(f"AWSPROMPT_PROFILE='{profile}' AWSPROMPT_ACCOUNT=123456789012 {expires}")


def test_theme_is_the_real_powerlevel10k(p10k: ZShell) -> None:
    """The shell runs the vendored p10k (not a stand-in), and the plugin left RPROMPT to it."""
    assert THEME.is_file()
    assert p10k.run("print -r -- ${+functions[_p9k_precmd]}").splitlines()[0] == "1"
    assert "_awsprompt_rprompt" not in p10k.var("RPROMPT")


@pytest.mark.parametrize("style", ["default", "lean"])
@pytest.mark.parametrize(
    ("left", "profile", "colour", "tail"),
    [
        (3630, "dev", "green", "1h00m"),
        (10 * 60 + 30, "dev", "brown", "10m"),  # pyte calls ANSI yellow "brown"
        (4 * 60 + 30, "dev", "red", "4m"),
        (-5, "dev", "ff0000", "expired"),
        (3630, "acme-prod", "magenta", "1h00m"),
    ],
)
def test_each_state_renders_in_its_colour(
    tmp_path: Path, style: str, left: int, profile: str, colour: str, tail: str
) -> None:
    """Adding `awsprompt` to the elements is enough: every state has a colour, never black."""
    extra = "POWERLEVEL9K_BACKGROUND=" if style == "lean" else ""
    with ZShell(tmp_path / "z", post=p10k_zshrc(extra)) as zsh:
        show(zsh, left, profile)
        text, fg, bg = segment(zsh)
        assert re.match(rf"aws:{profile}@123456789012 {tail}( aws)?$", text), text
        assert fg == colour
        assert fg != bg
        assert bg == ("default" if style == "lean" else "black")


def test_state_styling_and_hostile_names(p10k: ZShell, tmp_path: Path) -> None:
    """POWERLEVEL9K_AWSPROMPT_<STATE>_FOREGROUND restyles a state; names show literally."""
    p10k.run("POWERLEVEL9K_AWSPROMPT_OK_FOREGROUND=blue; p10k reload")
    show(p10k, 3630, profile="%F{red}$(touch pwn)")
    text, fg, _ = segment(p10k)
    assert text.startswith("aws:%F{red}$(touch pwn)@123456789012 1h00m"), text
    assert fg == "blue"
    assert not list(tmp_path.rglob("pwn"))
    p10k.run("unset AWSPROMPT_PROFILE")
    p10k.settle()
    assert "aws:" not in p10k.screen_lines()[p10k.prompt_line()]


def test_live_countdown_and_colour_update_under_p10k(tmp_path: Path) -> None:
    """AWSPROMPT_LIVE=true: the countdown and its colour change while idle under p10k."""
    with ZShell(tmp_path / "z", pre="AWSPROMPT_LIVE=true", post=p10k_zshrc()) as zsh:
        zsh.run("AWSPROMPT_PROFILE=dev AWSPROMPT_EXPIRES=$((EPOCHSECONDS+5*60+3))")
        text, fg, _ = segment(zsh)
        assert (text.split()[1], fg) == ("5m", "brown")  # WARN
        deadline = time.monotonic() + 15
        while segment(zsh)[0].split()[1] != "4m":
            assert time.monotonic() < deadline, segment(zsh)
            zsh.settle(0.5)
        assert segment(zsh)[1] == "red"  # CRITICAL, with no key pressed


def test_instant_prompt_makes_the_same_calls_whatever_the_environment(tmp_path: Path) -> None:
    """The instant prompt p10k saves is the same with and without a profile in the
    environment (no stale segment), and shows a profile a new shell inherits."""
    work = tmp_path / "work"  # p10k keeps one instant prompt per directory
    work.mkdir()
    extra = "POWERLEVEL9K_INSTANT_PROMPT=quiet"
    prod = {"AWSPROMPT_PROFILE": "acme-prod", "AWSPROMPT_ACCOUNT": "333333333333"}

    def shell(home: Path, name: str, env: dict[str, str]) -> ZShell:
        full = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), **env}
        return ZShell(home / name, env=full, pre=INSTANT, post=p10k_zshrc(extra), cwd=work)

    def saved(home: Path, env: dict[str, str]) -> str:
        with shell(home, "z", env) as zsh:
            zsh.run("true")
        files = sorted((home / ".cache").glob("p10k-*/prompt-*"))
        assert files, "p10k saved no instant prompt"
        return "".join(f.read_text() for f in files).replace(str(home), "HOME")

    with_prod, without = saved(tmp_path / "prod", prod), saved(tmp_path / "none", {})
    assert "acme-prod" not in with_prod
    assert with_prod == without

    # A new shell shows an inherited profile in the instant prompt (before ~/.zshrc
    # loads the plugin); one without shows no segment.
    with shell(tmp_path / "none", "again", prod) as zsh:
        assert "aws:acme-prod@333333333333" in zsh.startup
    with shell(tmp_path / "none", "bare", {}) as zsh:
        assert "ZT>" in zsh.startup
        assert "aws:" not in zsh.startup
