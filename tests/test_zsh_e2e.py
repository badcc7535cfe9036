"""aws-use end to end: real zsh, real `python -m awsprompt`, moto, the AWS CLI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli
from zshell import ZShell

pytestmark = pytest.mark.slow

AWS = Path(sys.executable).parent / "aws"
CONFIG = """[profile A]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = base
[profile B]
role_arn = arn:aws:iam::333333333333:role/B
source_profile = A
"""
WHOAMI = f"{AWS} sts get-caller-identity --region us-east-1 --query Arn --output text"


@pytest.fixture
def world(sandbox, moto, with_passphrase) -> None:
    """A vault key 'base' and two chained roles A -> B, against moto."""
    added = cli(
        "add",
        "base",
        "--env",
        env={
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
    )
    assert added.returncode == 0, added.stderr
    sandbox.write_config(CONFIG)


@pytest.fixture
def zsh(tmp_path: Path, world: None) -> Iterator[ZShell]:
    """A zsh running the real awsprompt from this repository."""
    with ZShell(tmp_path / "zdot", timeout=60) as shell:
        yield shell


def test_aws_use_switches_current_shell_to_role(zsh: ZShell) -> None:
    """aws-use B: the AWS CLI in the same shell is role B, the prompt shows B."""
    out, status = zsh.run_status("aws-use B")
    assert status == 0, out
    assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)
    assert zsh.var("AWSPROMPT_ACCOUNT") == "333333333333"
    assert zsh.var("AWS_VAULT") == "B"
    zsh.settle()
    line = zsh.screen_lines()[zsh.prompt_line()]
    assert "aws:B@333333333333" in line


def test_two_shells_hold_two_profiles(tmp_path: Path, world: None) -> None:
    """Two shells switch independently (no global state)."""
    with (
        ZShell(tmp_path / "z1", timeout=60) as one,
        ZShell(tmp_path / "z2", timeout=60) as two,
    ):
        assert one.run_status("aws-use A")[1] == 0
        assert two.run_status("aws-use B")[1] == 0
        assert ":111111111111:assumed-role/A/" in one.run(WHOAMI)
        assert ":333333333333:assumed-role/B/" in two.run(WHOAMI)


def test_no_secret_left_and_unuse_clears(zsh: ZShell) -> None:
    """After aws-use only exported AWS variables hold secrets; aws-use -u removes them."""
    before = zsh.run("env | grep AWS | sort")
    zsh.run("aws-use B")
    secret = zsh.var("AWS_SECRET_ACCESS_KEY")
    assert len(secret) > 10
    holders = [ln for ln in zsh.run("set").splitlines() if secret in ln]
    assert holders == [f"AWS_SECRET_ACCESS_KEY={secret}"]
    names = zsh.run("print -rl -- ${(k)parameters} | grep -i secret").split()
    assert names == ["AWS_SECRET_ACCESS_KEY"]
    zsh.run("aws-use -u")
    after = zsh.run("env | grep AWS | sort")
    assert "AWSPROMPT_PROFILE" not in after
    assert "AWS_SECRET_ACCESS_KEY" not in after
    assert "AWS_SESSION_TOKEN" not in after
    assert set(after.splitlines()) <= set(before.splitlines())
    assert secret not in zsh.run("set")


def test_unknown_profile_keeps_current_one(zsh: ZShell) -> None:
    """A failing export (typo) prints one error and keeps the previous profile."""
    zsh.run("aws-use A")
    out, status = zsh.run_status("aws-use Bogus")
    assert status != 0
    assert "Bogus" in out
    assert zsh.var("AWSPROMPT_PROFILE") == "A"
    assert ":111111111111:assumed-role/A/" in zsh.run(WHOAMI)


def test_auto_refresh_without_prompt(zsh: ZShell) -> None:
    """Near expiry precmd refreshes from the cached source session, with no prompt."""
    zsh.run("aws-use B")
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    zsh.wait_for("(( AWSPROMPT_EXPIRES > EPOCHSECONDS + 600 ))", timeout=60)
    assert "could not refresh" not in zsh.raw
    assert zsh.var("_awsprompt_refresh_status") == ""
    assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)


def test_completion_and_picker_see_vault_and_recent(zsh: ZShell, sandbox) -> None:
    """vault.names feeds completion; recent (written by export) orders the picker."""
    shown = zsh.complete("aws-use ")
    for name in ("A", "B", "base"):
        assert name in shown.split(), shown
    zsh.run("aws-use B")
    assert zsh.run("_awsprompt_ranked_names; print -r -- $reply[1]").strip() == "B"
