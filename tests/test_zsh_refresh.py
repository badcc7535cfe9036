"""Auto-refresh off the foreground, driven by a fake awsprompt: background job, preexec, idle."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from zshell import FakeCommand, ZShell, session_records, strip

pytestmark = pytest.mark.slow


@pytest.fixture
def fake(tmp_path: Path) -> FakeCommand:
    """A fake awsprompt command in tmp_path."""
    return FakeCommand(tmp_path / "fake")


@pytest.fixture
def zsh(tmp_path: Path, fake: FakeCommand) -> Iterator[ZShell]:
    """A zsh whose AWSPROMPT_COMMAND is the fake."""
    with ZShell(tmp_path / "zdot", env={"AWSPROMPT_COMMAND": str(fake.path)}) as shell:
        yield shell


def refresh_calls(fake: FakeCommand) -> list[str]:
    """Calls made by the auto-refresh (they carry --no-prompt)."""
    return [c for c in fake.calls() if "--no-prompt" in c]


def alive(pid: int) -> bool:
    """True while PID exists (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_refreshes_near_expiry_in_the_background(zsh: ZShell, fake: FakeCommand) -> None:
    """Inside the refresh window a background job re-exports with --no-prompt and the options."""
    now = int(time.time())
    fake.reply("dev", *session_records("dev", expires=now + 3600))
    zsh.run("aws-use dev --duration 2h --mfa-token 123456")
    assert refresh_calls(fake) == []
    fake.reply("dev", *session_records("dev", expires=now + 7200, key="ASIAREFRESHED"))
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    zsh.wait_var("AWS_ACCESS_KEY_ID", "ASIAREFRESHED")
    assert refresh_calls(fake) == ["export dev --format zsh --no-prompt --duration 2h"]
    assert zsh.var("AWSPROMPT_EXPIRES") == str(now + 7200)
    assert zsh.var("_awsprompt_state") == "OK"
    assert zsh.var("_awsprompt_job_fd") == ""


def test_result_arrives_while_idle_at_the_prompt(zsh: ZShell, fake: FakeCommand) -> None:
    """zle reads the finished job (zle -F): the prompt updates with no key pressed."""
    now = int(time.time())
    fake.reply("dev", *session_records("dev", expires=now + 3600))
    zsh.run("aws-use dev")
    fake.reply("dev", *session_records("dev", expires=now + 7200 + 30, key="ASIAREFRESHED"))
    fake.slow("dev", 1)
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+150))")
    deadline = time.monotonic() + 15
    while "aws:dev@111111111111 2h00m" not in zsh.screen_lines()[zsh.prompt_line()]:
        assert time.monotonic() < deadline, zsh.screen_lines()
        zsh.settle(0.3)
    assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIAREFRESHED"


def test_a_slow_renewal_never_holds_the_prompt(tmp_path: Path, fake: FakeCommand) -> None:
    """A renewal that hangs is stopped at AWSPROMPT_REFRESH_TIMEOUT; the back-off starts then."""
    now = int(time.time())
    fake.reply("dev", *session_records("dev", expires=now + 3600))
    env = {"AWSPROMPT_COMMAND": str(fake.path)}
    with ZShell(tmp_path / "z", env=env, pre="AWSPROMPT_REFRESH_TIMEOUT=2") as zsh:
        zsh.run("aws-use dev")
        fake.slow("dev", 120)
        # Three prompts in a row, each at once although the renewal hangs.
        for _ in range(3):
            zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))", timeout=3)
        assert len(refresh_calls(fake)) == 1
        hung = fake.pid("dev")
        assert alive(hung)
        zsh.wait_var("_awsprompt_refresh_status", "failed", timeout=10)
        zsh.run("true")
        assert strip(zsh.raw).count("could not refresh") == 1
        assert not alive(hung), "the hung job's process group is stopped"
        # Counted from after the attempt: a full minute from now.
        left = int(zsh.run("print -r -- $(( _awsprompt_refresh_next - EPOCHSECONDS ))"))
        assert left > 50
        zsh.run("true")
        assert len(refresh_calls(fake)) == 1
        assert "not renewed" in zsh.screen_lines()[zsh.prompt_line()]
        assert zsh.var("AWSPROMPT_PROFILE") == "dev"


def test_failed_refresh_marks_prompt_hints_once_and_backs_off(
    zsh: ZShell, fake: FakeCommand
) -> None:
    """Exit 17 (MFA needed): the prompt is marked, one hint, no retry on every prompt."""
    fake.reply("dev", *session_records("dev"))
    zsh.run("aws-use dev")
    fake.reply("dev", rc=17, err="awsprompt: MFA code needed\n")
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    zsh.wait_var("_awsprompt_refresh_status", "mfa")
    for _ in range(3):
        zsh.run("true")
    # Hints are printed before a prompt or a command, never over the line being typed.
    out = strip(zsh.raw)
    assert out.count("could not refresh") == 1, out
    assert "MFA code" in out
    assert "aws-use dev" in out
    assert len(refresh_calls(fake)) == 1
    assert zsh.var("AWSPROMPT_PROFILE") == "dev"
    assert zsh.var("_awsprompt_state") == "CRITICAL"
    zsh.settle()
    assert zsh.screen_lines()[zsh.prompt_line()].rstrip().endswith("1m needs MFA")


def test_preexec_renews_expired_credentials_before_the_command(
    zsh: ZShell, fake: FakeCommand
) -> None:
    """Credentials that expired while the prompt sat there are renewed before the command runs."""
    now = int(time.time())
    window = ("set", "_awsprompt_cfg_refresh", "1")
    fake.reply("dev", *session_records("dev", expires=now + 3), window)
    zsh.run("aws-use dev")
    assert zsh.var("_awsprompt_cfg_refresh") == "1"
    fake.reply("dev", *session_records("dev", expires=now + 3600, key="ASIAFRESH"), window)
    time.sleep(max(0, now + 4 - time.time()))
    # The first command after the break already sees the new keys.
    assert zsh.run("print -r -- $AWS_ACCESS_KEY_ID $(( AWSPROMPT_EXPIRES > EPOCHSECONDS ))") == (
        "ASIAFRESH 1\n"
    )
    assert len(refresh_calls(fake)) == 1


def test_live_countdown_renews_while_idle(tmp_path: Path, fake: FakeCommand) -> None:
    """With AWSPROMPT_LIVE=true the renewal starts when the window opens, with no key pressed."""
    now = int(time.time())
    fake.reply("dev", *session_records("dev", expires=now + 302))
    env = {"AWSPROMPT_COMMAND": str(fake.path)}
    with ZShell(tmp_path / "z", env=env, pre="AWSPROMPT_LIVE=true") as zsh:
        zsh.run("aws-use dev")
        fake.reply("dev", *session_records("dev", expires=now + 7200 + 30, key="ASIAIDLE"))
        deadline = time.monotonic() + 20
        while "2h00m" not in zsh.screen_lines()[zsh.prompt_line()]:
            assert time.monotonic() < deadline, zsh.screen_lines()
            zsh.settle(0.3)
        assert refresh_calls(fake) == ["export dev --format zsh --no-prompt"]
        assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIAIDLE"


def test_refresh_window_is_the_one_python_sent(zsh: ZShell, fake: FakeCommand) -> None:
    """The window comes from Python (`set _awsprompt_cfg_refresh`): outside it, nothing runs."""
    now = int(time.time())
    window = ("set", "_awsprompt_cfg_refresh", "60")
    fake.reply("dev", *session_records("dev", expires=now + 3600), window)
    zsh.run("aws-use dev")
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+200))")  # inside 300 s, outside 60 s
    zsh.run("true")
    time.sleep(1)
    assert refresh_calls(fake) == []
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+50))")
    zsh.wait_var("_awsprompt_job_fd", "")
    assert len(refresh_calls(fake)) == 1


def test_zsh_refresh_setting_is_handed_to_python(tmp_path: Path, fake: FakeCommand) -> None:
    """AWSPROMPT_REFRESH set in zsh reaches Python as its window (AWSPROMPT_MIN_TTL)."""
    fake.path.write_text(
        fake.path.read_text().replace(
            "p=$2\n", 'p=$2\nprintf "%s\\n" "${AWSPROMPT_MIN_TTL-unset}" >> "$d/min_ttl"\n'
        )
    )
    fake.reply("dev", *session_records("dev"))
    env = {"AWSPROMPT_COMMAND": str(fake.path)}
    with ZShell(tmp_path / "z", env=env, pre="AWSPROMPT_REFRESH=900") as zsh:
        zsh.run("aws-use dev")
        assert (fake.dir / "min_ttl").read_text() == "900\n"
        assert zsh.run("print -r -- ${+AWSPROMPT_MIN_TTL}") == "0\n"


def test_no_refresh_for_variables_not_set_by_aws_use(zsh: ZShell, fake: FakeCommand) -> None:
    """Variables set by hand (no aws-use) are displayed but never refreshed."""
    zsh.run("AWSPROMPT_PROFILE=dev AWSPROMPT_EXPIRES=$((EPOCHSECONDS+10))")
    zsh.run("true")
    time.sleep(1)
    assert fake.calls() == []


def test_refresh_can_be_disabled(zsh: ZShell, fake: FakeCommand) -> None:
    """AWSPROMPT_AUTO_REFRESH=false never calls the command from a hook."""
    fake.reply("dev", *session_records("dev"))
    zsh.run("aws-use dev")
    zsh.run("AWSPROMPT_AUTO_REFRESH=false AWSPROMPT_EXPIRES=$((EPOCHSECONDS+10))")
    zsh.run("true")
    time.sleep(1)
    assert refresh_calls(fake) == []
    assert os.path.exists(fake.dir / "calls")
