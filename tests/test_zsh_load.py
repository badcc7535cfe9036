"""Loading the plugin: a second load (`source ~/.zshrc`) changes nothing; ksh_arrays is fine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_zsh_e2e import WHOAMI, world  # noqa: F401 - fixture
from zshell import FakeCommand, ZShell, session_records

pytestmark = pytest.mark.slow

RELOAD = "source $ZDOTDIR/.zshrc"


@pytest.fixture
def fake(tmp_path: Path) -> FakeCommand:
    """A fake awsprompt command in tmp_path."""
    return FakeCommand(tmp_path / "fake")


@pytest.fixture
def zsh(tmp_path: Path, fake: FakeCommand) -> Iterator[ZShell]:
    """A zsh whose AWSPROMPT_COMMAND is the fake."""
    with ZShell(tmp_path / "zdot", env={"AWSPROMPT_COMMAND": str(fake.path)}) as shell:
        yield shell


def reload(zsh: ZShell) -> None:
    """Source the shell's .zshrc again, which loads the plugin a second time."""
    out, status = zsh.run_status(RELOAD)
    assert (out.strip(), status) == ("", 0)


def prompt_line(zsh: ZShell) -> str:
    """The last prompt line on screen, once the screen has settled."""
    zsh.settle()
    return zsh.screen_lines()[zsh.prompt_line()]


def test_reload_keeps_yaml_settings_state_and_hooks(zsh: ZShell, fake: FakeCommand) -> None:
    """After a reload the YAML warn value still wins, hooks run once, nothing is reset."""
    expires = int(time.time()) + 25 * 60 + 30
    yaml_warn = ("set", "_awsprompt_cfg_warn", "30")
    fake.reply("one", *session_records("one", expires=expires), yaml_warn)
    fake.reply("two", *session_records("two", expires=expires), yaml_warn)
    assert zsh.run_status("aws-use one")[1] == 0
    assert zsh.run_status("aws-use two --duration 2h")[1] == 0
    assert zsh.var("_awsprompt_state") == "WARN"  # 25 min left < 30 (YAML), not < 15
    reload(zsh)
    reload(zsh)
    assert zsh.var("_awsprompt_state") == "WARN"
    assert zsh.var("AWSPROMPT_WARN") == "15"
    assert zsh.run("print -r -- ${(k)_awsprompt_user_set}").strip() == ""
    assert zsh.var("_awsprompt_prev_profile") == "one"
    assert zsh.run("print -r -- $_awsprompt_last_opts").strip() == "--duration 2h"
    assert "AWS_ACCESS_KEY_ID" in zsh.run("print -r -- $_awsprompt_exported")
    assert zsh.run("print -rl -- $precmd_functions | grep -c awsprompt").strip() == "1"
    assert zsh.run("print -rl -- $zshexit_functions | grep -c awsprompt").strip() == "1"
    assert zsh.run("print -r -- ${(q)RPROMPT}").strip() == r"\$\{_awsprompt_rprompt\}"
    assert zsh.run("[[ -o prompt_subst ]] && print set").strip() == "set"
    assert prompt_line(zsh).rstrip().endswith("aws:two@111111111111 25m")

    # Auto-refresh is still on, with the options of the last switch.
    fake.reply("two", *session_records("two", expires=expires + 3600, key="ASIAREFRESHED"))
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    zsh.wait_var("AWS_ACCESS_KEY_ID", "ASIAREFRESHED")
    assert [c for c in fake.calls() if "--no-prompt" in c] == [
        "export two --format zsh --no-prompt --duration 2h"
    ]
    # And `aws-use -` still goes back.
    assert zsh.run_status("aws-use -")[1] == 0
    assert zsh.var("AWSPROMPT_PROFILE") == "one"


def test_reload_keeps_the_users_own_settings(tmp_path: Path, fake: FakeCommand) -> None:
    """A zsh setting made before the first load, or changed before a reload, still wins."""
    expires = int(time.time()) + 25 * 60 + 30
    fake.reply(
        "dev",
        *session_records("dev", expires=expires),
        ("set", "_awsprompt_cfg_warn", "30"),
        ("set", "_awsprompt_cfg_critical", "28"),
    )
    env = {"AWSPROMPT_COMMAND": str(fake.path)}
    with ZShell(tmp_path / "z", env=env, pre="AWSPROMPT_WARN=10") as zsh:
        zsh.run("aws-use dev")
        assert zsh.var("_awsprompt_state") == "CRITICAL"  # 25 min < 28 (YAML critical)
        reload(zsh)
        assert zsh.run("print -r -- ${(ok)_awsprompt_user_set}").strip() == "WARN"
        assert zsh.var("AWSPROMPT_WARN") == "10"
        assert zsh.var("_awsprompt_state") == "CRITICAL"
        zsh.run("AWSPROMPT_CRITICAL=3")  # as if added to ~/.zshrc before the reload
        reload(zsh)
        assert zsh.run("print -r -- ${(ok)_awsprompt_user_set}").strip() == "CRITICAL WARN"
        assert zsh.var("AWSPROMPT_CRITICAL") == "3"
        assert zsh.var("_awsprompt_state") == "OK"  # 25 min: neither < 10 nor < 3


def test_reload_with_real_awsprompt_and_yaml_settings(tmp_path: Path, world: None, sandbox) -> None:
    """End to end: warn_minutes 30 from config.yaml survives a reload; refresh and - work."""
    (sandbox.state / "config.yaml").write_text("prompt:\n  warn_minutes: 30\n")
    with ZShell(tmp_path / "zdot", timeout=60) as zsh:
        assert zsh.run_status("aws-use A")[1] == 0
        assert zsh.run_status("aws-use B")[1] == 0
        assert zsh.var("_awsprompt_cfg_warn") == "30"
        zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+25*60+30))")
        assert zsh.var("_awsprompt_state") == "WARN"
        reload(zsh)
        assert zsh.var("_awsprompt_state") == "WARN"
        zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
        zsh.wait_for("(( AWSPROMPT_EXPIRES > EPOCHSECONDS + 600 ))", timeout=60)
        assert "could not refresh" not in zsh.raw
        assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)
        assert zsh.run_status("aws-use -")[1] == 0
        assert ":111111111111:assumed-role/A/" in zsh.run(WHOAMI)


def test_plugin_works_under_ksh_arrays(tmp_path: Path, world: None) -> None:
    """With `setopt ksh_arrays` before loading: aws-use, the prompt, completion and -u work."""
    with ZShell(tmp_path / "zdot", pre="setopt ksh_arrays", timeout=60) as zsh:
        assert zsh.startup.strip() == ""
        assert zsh.run("[[ -o ksh_arrays ]] && print still").strip() == "still"
        assert int(zsh.run("print -r -- ${#fpath[@]}")) > 2
        out, status = zsh.run_status("aws-use B")
        assert status == 0, out
        assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)
        assert "aws:B@333333333333" in prompt_line(zsh)
        assert zsh.var("_awsprompt_state") == "OK"
        shown = zsh.complete("aws-use ")
        for name in ("A", "B", "base"):
            assert name in shown.split(), shown
        assert "eu-west-1" in zsh.complete("aws-use B --region eu-")
        zsh.run("export AWSUME_PROFILE=x")
        assert zsh.run_status("aws-use -u")[1] == 0
        env = zsh.run("env | grep -E '^AWS' | sort")
        for name in ("AWSPROMPT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert f"{name}=" not in env
        assert "AWS_SESSION_TOKEN=" not in env
        assert "AWSUME_PROFILE=" not in env
        assert "aws:" not in prompt_line(zsh)
