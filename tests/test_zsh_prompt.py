"""The prompt segment in a real zsh, seen through a pyte screen."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from zshell import COLS, PLUGIN, ZShell

pytestmark = pytest.mark.slow


@pytest.fixture
def zsh(tmp_path: Path) -> Iterator[ZShell]:
    """An interactive zsh with the plugin."""
    with ZShell(tmp_path / "zdot") as shell:
        yield shell


def rprompt(zsh: ZShell) -> tuple[int, str]:
    """(row, right part) of the last prompt line on screen, after the screen settles."""
    zsh.settle()
    row = zsh.prompt_line()
    line = zsh.screen_lines()[row]
    return row, line[len("ZT> ") :].strip()


def show(zsh: ZShell, seconds_left: int | None, profile: str = "dev", extra: str = "") -> None:
    """Set the prompt variables directly, as aws-use would."""
    expires = "" if seconds_left is None else f"AWSPROMPT_EXPIRES=$((EPOCHSECONDS+{seconds_left}))"
    zsh.run(f"AWSPROMPT_PROFILE='{profile}' AWSPROMPT_ACCOUNT=123456789012 {expires} {extra}")


def test_plugin_load_is_silent_and_reads_no_stdin(tmp_path: Path) -> None:
    """Sourcing the plugin prints nothing and leaves stdin unread."""
    proc = subprocess.run(
        ["zsh", "-f", "-c", f"source {PLUGIN}; read -r line; print -r -- got:$line"],
        input="kept\n",
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert proc.stdout == "got:kept\n"
    assert proc.stderr == ""
    with ZShell(tmp_path / "z") as zsh:
        assert zsh.startup.strip() == ""


def test_segment_shows_profile_account_region_countdown(zsh: ZShell) -> None:
    """RPROMPT shows profile@account, a non-default region and the time left, right-aligned."""
    show(zsh, 2 * 3600 + 5 * 60 + 30, extra="AWS_REGION=eu-west-1")
    row, right = rprompt(zsh)
    assert right == "aws:dev@123456789012 eu-west-1 2h05m"
    assert zsh.screen_lines()[row].rstrip().endswith("2h05m")
    assert len(zsh.screen_lines()[row].rstrip()) >= COLS - 2
    show(zsh, 47 * 60 + 30, extra="AWS_REGION=us-east-1 AWSPROMPT_ACCOUNT_ALIAS=acme")
    assert rprompt(zsh)[1] == "aws:dev@acme 47m"
    zsh.run("unset AWSPROMPT_PROFILE")
    assert rprompt(zsh)[1] == ""


@pytest.mark.parametrize(
    ("left", "profile", "state", "colour", "tail"),
    [
        (3630, "dev", "OK", "green", "1h00m"),
        (10 * 60 + 30, "dev", "WARN", "brown", "10m"),  # pyte calls ANSI yellow "brown"
        (4 * 60 + 30, "dev", "CRITICAL", "red", "4m"),
        (30, "dev", "CRITICAL", "red", "<1m"),
        (-5, "dev", "EXPIRED", "ff0000", "expired"),
        (3630, "acme-prod", "PROD", "magenta", "1h00m"),
        (None, "acme-prod", "PROD", "magenta", "acme-prod@123456789012"),
    ],
)
def test_colour_follows_time_left(
    zsh: ZShell, left: int | None, profile: str, state: str, colour: str, tail: str
) -> None:
    """Colours change across the warn/critical/expired thresholds; prod gets its own."""
    show(zsh, left, profile=profile)
    row, right = rprompt(zsh)
    assert right.endswith(tail), right
    assert zsh.var("_awsprompt_state") == state
    line = zsh.screen_lines()[row]
    assert zsh.colour_at(row, line.index("aws:")) == colour


def test_thresholds_and_colours_are_settings(zsh: ZShell) -> None:
    """AWSPROMPT_WARN and AWSPROMPT_COLOR_WARN change the state and colour."""
    zsh.run("AWSPROMPT_WARN=90 AWSPROMPT_COLOR_WARN=blue AWSPROMPT_PROD_PATTERNS='live-*'")
    show(zsh, 3630, profile="live-eu")
    assert zsh.var("_awsprompt_state") == "WARN"
    row, _ = rprompt(zsh)
    assert zsh.colour_at(row, zsh.screen_lines()[row].index("aws:")) == "blue"


def test_hostile_profile_renders_literally(zsh: ZShell, tmp_path: Path) -> None:
    """A profile named %F{red}$(touch pwn) shows literally and creates no file."""
    show(zsh, 3630, profile="%F{red}$(touch pwn)`touch pwn2`")
    row, right = rprompt(zsh)
    assert right == "aws:%F{red}$(touch pwn)`touch pwn2`@123456789012 1h00m"
    assert zsh.colour_at(row, zsh.screen_lines()[row].index("%F")) == "green"
    assert "$(touch pwn)" in zsh.run("print -rn -- $(awsprompt_prompt_info)")
    assert not list(tmp_path.rglob("pwn*"))


def test_segment_survives_theme_setting_rprompt(zsh: ZShell) -> None:
    """A theme replacing RPROMPT after plugin load gets the segment re-added in front."""
    zsh.run("RPROMPT='%F{blue}THEME%f'")
    show(zsh, 3630)
    assert rprompt(zsh)[1] == "aws:dev@123456789012 1h00m THEME"


def test_rprompt_false_leaves_rprompt_alone(tmp_path: Path) -> None:
    """AWSPROMPT_RPROMPT=false: no RPROMPT change; awsprompt_prompt_info still works."""
    with ZShell(tmp_path / "z", pre="AWSPROMPT_RPROMPT=false") as zsh:
        show(zsh, 3630)
        assert zsh.var("RPROMPT") == ""
        assert rprompt(zsh)[1] == ""
        info = zsh.run("print -rn -- $(awsprompt_prompt_info)")
        assert info == "%F{green}aws:dev@123456789012 1h00m%f"
        zsh.run("RPROMPT='$(awsprompt_prompt_info)'")
        assert rprompt(zsh)[1] == "aws:dev@123456789012 1h00m"


def test_live_countdown_redraws_without_touching_the_line(tmp_path: Path) -> None:
    """AWSPROMPT_LIVE=true updates the segment while idle and keeps the typed text."""
    with ZShell(tmp_path / "z", pre="AWSPROMPT_LIVE=true") as zsh:
        zsh.run("AWSPROMPT_PROFILE=dev AWSPROMPT_EXPIRES=$((EPOCHSECONDS+63))")
        assert rprompt(zsh)[1] == "aws:dev 1m"
        zsh.send("print -r typed-text")
        time.sleep(5)
        zsh.settle()
        row = zsh.prompt_line()
        line = zsh.screen_lines()[row]
        assert "aws:dev <1m" in line
        assert "print -r typed-text" in line
        zsh.send("\r")
        zsh.wait_ready()
        assert "typed-text" in "\n".join(zsh.screen_lines())
