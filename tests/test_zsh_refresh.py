"""Auto-refresh in precmd, driven by a fake awsprompt."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from zshell import FakeCommand, ZShell, session_records

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


def test_refreshes_near_expiry_without_prompting(zsh: ZShell, fake: FakeCommand) -> None:
    """Inside the refresh window precmd re-exports with --no-prompt and the last options."""
    now = int(time.time())
    fake.reply("dev", *session_records("dev", expires=now + 3600))
    zsh.run("aws-use dev --duration 2h --mfa-token 123456")
    assert refresh_calls(fake) == []
    fake.reply("dev", *session_records("dev", expires=now + 7200, key="ASIAREFRESHED"))
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    assert refresh_calls(fake) == ["export dev --format zsh --no-prompt --duration 2h"]
    assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIAREFRESHED"
    assert zsh.var("AWSPROMPT_EXPIRES") == str(now + 7200)
    assert zsh.var("_awsprompt_state") == "OK"


def test_failed_refresh_hints_once_and_backs_off(zsh: ZShell, fake: FakeCommand) -> None:
    """Exit 17 (MFA needed): one hint, no retry on every prompt, old values kept."""
    fake.reply("dev", *session_records("dev"))
    zsh.run("aws-use dev")
    fake.reply("dev", rc=17, err="awsprompt: MFA code needed\n")
    outputs = [zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")]
    outputs += [zsh.run("true") for _ in range(3)]
    joined = "".join(outputs)
    assert joined.count("could not refresh") == 1, joined
    assert "MFA code" in joined
    assert "aws-use dev" in joined
    assert len(refresh_calls(fake)) == 1
    assert zsh.var("AWSPROMPT_PROFILE") == "dev"
    assert zsh.var("_awsprompt_state") == "CRITICAL"


def test_no_refresh_for_variables_not_set_by_aws_use(zsh: ZShell, fake: FakeCommand) -> None:
    """Variables set by hand (no aws-use) are displayed but never refreshed."""
    zsh.run("AWSPROMPT_PROFILE=dev AWSPROMPT_EXPIRES=$((EPOCHSECONDS+10))")
    zsh.run("true")
    assert fake.calls() == []


def test_refresh_can_be_disabled(zsh: ZShell, fake: FakeCommand) -> None:
    """AWSPROMPT_AUTO_REFRESH=false never calls the command from precmd."""
    fake.reply("dev", *session_records("dev"))
    zsh.run("aws-use dev")
    zsh.run("AWSPROMPT_AUTO_REFRESH=false AWSPROMPT_EXPIRES=$((EPOCHSECONDS+10))")
    zsh.run("true")
    assert refresh_calls(fake) == []
