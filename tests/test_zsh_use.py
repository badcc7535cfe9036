"""aws-use / aws-unuse in a real zsh, driven by a fake awsprompt printing crafted records."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from zshell import FakeCommand, ZShell, session_records, strip

pytestmark = pytest.mark.slow

OURS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_VAULT",
    "AWSPROMPT_PROFILE",
    "AWSPROMPT_ACCOUNT",
    "AWSPROMPT_EXPIRES",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture
def fake(tmp_path: Path) -> FakeCommand:
    """A fake awsprompt command in tmp_path."""
    return FakeCommand(tmp_path / "fake")


@pytest.fixture
def zsh(tmp_path: Path, fake: FakeCommand) -> Iterator[ZShell]:
    """A zsh whose AWSPROMPT_COMMAND is the fake."""
    with ZShell(tmp_path / "zdot", env={"AWSPROMPT_COMMAND": str(fake.path)}) as shell:
        yield shell


def test_aws_use_applies_records(zsh: ZShell, fake: FakeCommand) -> None:
    """A clean record stream is applied: exports are exported, unsets unset."""
    fake.reply("dev", *session_records("dev", account="222222222222", region="eu-west-1"))
    zsh.run("export AWS_PROFILE=old")
    out, status = zsh.run_status("aws-use dev --duration 2h --region eu-west-1")
    assert status == 0, out
    assert fake.calls() == ["export dev --format zsh --duration 2h --region eu-west-1"]
    env = zsh.run("env | grep -E '^AWS' | sort")
    assert "AWSPROMPT_PROFILE=dev" in env
    assert "AWSPROMPT_ACCOUNT=222222222222" in env
    assert "AWS_SECRET_ACCESS_KEY=SECRETVALUE" in env
    assert "AWS_REGION=eu-west-1" in env
    assert "AWS_PROFILE=" not in env


def test_command_with_words_is_split(tmp_path: Path, fake: FakeCommand) -> None:
    """AWSPROMPT_COMMAND may be a string of words or an array."""
    fake.reply("dev", *session_records("dev"))
    with ZShell(tmp_path / "z1", env={"AWSPROMPT_COMMAND": f"/bin/sh {fake.path}"}) as zsh:
        assert zsh.run_status("aws-use dev")[1] == 0
        assert zsh.var("AWSPROMPT_PROFILE") == "dev"
    with ZShell(tmp_path / "z2", pre=f"AWSPROMPT_COMMAND=(/bin/sh '{fake.path}')") as zsh:
        assert zsh.run_status("aws-use dev")[1] == 0
        assert zsh.var("AWSPROMPT_PROFILE") == "dev"


@pytest.mark.parametrize(
    "bad",
    [
        ("export", "PATH", "/tmp/evil"),
        ("export", "LD_PRELOAD", "/tmp/evil.so"),
        ("set", "PROMPT", "pwned"),
        ("unset", "HOME"),
        ("eval", "touch pwn"),
        ("set", "_awsprompt_cfg_warn", "$(touch pwn)"),
        ("export", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_refuses_names_outside_allowlist(
    zsh: ZShell, fake: FakeCommand, tmp_path: Path, bad: tuple[str, ...]
) -> None:
    """One record outside the allowlist rejects the whole output and keeps the old state."""
    fake.reply("good", *session_records("good", key="ASIAGOOD"))
    assert zsh.run_status("aws-use good")[1] == 0
    recs = session_records("evil", key="ASIAEVIL")
    fake.reply("evil", *recs[:3], bad, *recs[3:])
    out, status = zsh.run_status("aws-use evil")
    assert status != 0
    assert "refused" in out
    assert zsh.var("AWSPROMPT_PROFILE") == "good"
    assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIAGOOD"
    assert zsh.var("HOME") != ""
    assert "/tmp/evil" not in zsh.var("PATH")
    assert zsh.run("print -r -- ${+LD_PRELOAD}").strip() == "0"
    assert not list(tmp_path.rglob("pwn"))


@pytest.mark.parametrize(
    "raw",
    [
        b"export\0AWSPROMPT_PROFILE\0x",  # no final NUL
        b"export\0AWSPROMPT_PROFILE\0",  # truncated record
        b"",  # nothing at all
        b"export\0AWS_ACCESS_KEY_ID\0ASIAX\0",  # no profile
    ],
)
def test_refuses_malformed_output(zsh: ZShell, fake: FakeCommand, raw: bytes) -> None:
    """Malformed or incomplete output changes nothing."""
    fake.reply("good", *session_records("good"))
    zsh.run("aws-use good")
    fake.raw("bad", raw)
    assert zsh.run_status("aws-use bad")[1] != 0
    assert zsh.var("AWSPROMPT_PROFILE") == "good"
    assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIAFAKEKEY"


def test_failing_command_keeps_previous_profile(zsh: ZShell, fake: FakeCommand) -> None:
    """A non-zero exit keeps the previous profile even if stdout had records."""
    fake.reply("good", *session_records("good"))
    zsh.run("aws-use good")
    fake.reply("broken", *session_records("broken"), rc=4, err="awsprompt: no such profile\n")
    out, status = zsh.run_status("aws-use broken")
    assert status == 4
    assert "no such profile" in out
    assert zsh.var("AWSPROMPT_PROFILE") == "good"


def test_values_are_not_evaluated(zsh: ZShell, fake: FakeCommand, tmp_path: Path) -> None:
    """Values with quotes, $(...), newlines and backticks are stored literally."""
    nasty = "a'b\"c$(touch pwn)`touch pwn2`\nline2 %F{red}"
    recs = session_records("dev")
    recs.append(("export", "AWSPROMPT_ACCOUNT_ALIAS", nasty))
    fake.reply("dev", *recs)
    assert zsh.run_status("aws-use dev")[1] == 0
    (tmp_path / "zdot" / "alias").write_text(nasty)
    assert zsh.run('[[ $AWSPROMPT_ACCOUNT_ALIAS == "$(<alias)" ]] && print same') == "same\n"
    assert not list(tmp_path.rglob("pwn*"))


def test_no_secret_left_in_shell_variables(zsh: ZShell, fake: FakeCommand) -> None:
    """After aws-use only the exported AWS variables hold the secret and token."""
    fake.reply("dev", *session_records("dev", secret="S3CR3T-SENTINEL", token="T0KEN-SENTINEL"))
    zsh.run("aws-use dev")
    lines = zsh.run("set").splitlines()
    assert [ln for ln in lines if "S3CR3T-SENTINEL" in ln] == [
        "AWS_SECRET_ACCESS_KEY=S3CR3T-SENTINEL"
    ]
    assert [ln for ln in lines if "T0KEN-SENTINEL" in ln] == ["AWS_SESSION_TOKEN=T0KEN-SENTINEL"]
    names = zsh.run("print -rl -- ${(k)parameters} | grep -i -e secret -e token").split()
    assert sorted(names) == ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]


@pytest.mark.parametrize("command", ["aws-use -u", "aws-unuse"])
def test_unuse_clears_everything(zsh: ZShell, fake: FakeCommand, command: str) -> None:
    """aws-use -u / aws-unuse remove every variable aws-use set, and the segment."""
    recs = session_records("dev", region="eu-west-1")
    recs += [
        ("export", "AWSPROMPT_ACCOUNT_ALIAS", "acme"),
        ("export", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x"),
        ("export", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "CONTAINERSECRET"),
        ("set", "_awsprompt_cfg_warn", "20"),
    ]
    fake.reply("dev", *recs)
    before = zsh.run("env | grep AWS | sort")
    zsh.run("aws-use dev")
    zsh.run("export AWS_PROFILE=x AWSUME_PROFILE=y AWS_SECURITY_TOKEN=z")
    assert zsh.run_status(command)[1] == 0
    assert zsh.run("env | grep AWS | sort") == before
    assert "AWSPROMPT_PROFILE" not in before
    assert "SECRETVALUE" not in zsh.run("set")
    assert zsh.var("_awsprompt_cfg_warn") == ""
    assert zsh.var("_awsprompt_prompt") == ""


def test_switch_drops_variables_of_previous_session(zsh: ZShell, fake: FakeCommand) -> None:
    """Switching from a role session to static keys drops the old session token."""
    fake.reply("role", *session_records("role"))
    fake.reply(
        "static",
        ("export", "AWS_ACCESS_KEY_ID", "AKIASTATIC"),
        ("export", "AWS_SECRET_ACCESS_KEY", "STATICSECRET"),
        ("export", "AWSPROMPT_PROFILE", "static"),
    )
    zsh.run("aws-use role")
    zsh.run("aws-use static")
    env = zsh.run("env | grep AWS | sort")
    assert "AWS_SESSION_TOKEN" not in env
    assert "AWSPROMPT_EXPIRES" not in env
    assert "AWS_ACCESS_KEY_ID=AKIASTATIC" in env


def test_dash_switches_back(zsh: ZShell, fake: FakeCommand) -> None:
    """aws-use - returns to the previous profile, like cd -."""
    fake.reply("one", *session_records("one"))
    fake.reply("two", *session_records("two"))
    assert zsh.run_status("aws-use -")[1] != 0
    zsh.run("aws-use one")
    zsh.run("aws-use two")
    assert zsh.run_status("aws-use -")[1] == 0
    assert zsh.var("AWSPROMPT_PROFILE") == "one"
    zsh.run("aws-use -")
    assert zsh.var("AWSPROMPT_PROFILE") == "two"
    zsh.run("aws-use -u")
    zsh.run("aws-use -")
    assert zsh.var("AWSPROMPT_PROFILE") == "two"


def test_bad_arguments_do_not_call_python(zsh: ZShell, fake: FakeCommand) -> None:
    """Invalid names and unknown options are refused before running anything."""
    for cmd in (
        "aws-use '$(touch x)'",
        "aws-use dev --bogus",
        "aws-use dev --region",
        "aws-use -x",
        "aws-use dev --duration 1x",
    ):
        assert zsh.run_status(cmd)[1] != 0, cmd
    assert fake.calls() == []


def test_set_records_apply_unless_user_set(tmp_path: Path, fake: FakeCommand) -> None:
    """YAML thresholds sent as set records apply only where the zsh setting was not set."""
    recs = session_records("dev", expires=int(time.time()) + 25 * 60)
    recs += [("set", "_awsprompt_cfg_warn", "30"), ("set", "_awsprompt_cfg_prod", "dev*")]
    fake.reply("dev", *recs)
    env = {"AWSPROMPT_COMMAND": str(fake.path)}
    with ZShell(tmp_path / "a", env=env) as zsh:
        zsh.run("aws-use dev")
        assert zsh.var("_awsprompt_state") == "WARN"  # 25 min < 30 (YAML)
    with ZShell(tmp_path / "b", env=env, pre="AWSPROMPT_WARN=10") as zsh:
        zsh.run("aws-use dev")
        assert zsh.var("_awsprompt_state") == "PROD"  # user's 10 wins; YAML prod pattern


def test_picker_select_orders_by_frecency(zsh: ZShell, fake: FakeCommand, sandbox) -> None:
    """A bare aws-use offers a numbered menu, most frecent first, then alphabetical."""
    sandbox.write_config("[profile alpha]\n[profile beta]\n[profile gamma]\n[profile zed]\n")
    sandbox.state.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    (sandbox.state / "recent").write_text(f"3\t{now}\tgamma\n1\t{now - 86400 * 30}\tbeta\n")
    fake.reply("gamma", *session_records("gamma"))
    zsh.run("AWSPROMPT_PICKER=select")
    zsh.send("aws-use\r")
    menu = zsh.expect("profile number: ")
    assert re.findall(r"\d+\) (\S+)", strip(menu)) == [
        "gamma",
        "beta",
        "alpha",
        "zed",
    ]
    zsh.send("1\r")
    zsh.wait_ready()
    assert zsh.var("AWSPROMPT_PROFILE") == "gamma"


def test_bad_duration_is_caught_with_an_aws_use_hint(zsh: ZShell, fake: FakeCommand) -> None:
    """`aws-use dev --duration xyz` says so naming aws-use; a good one reaches Python."""
    out, status = zsh.run_status("aws-use dev --duration xyz")
    assert status == 2
    assert "aws-use: invalid duration: xyz" in out and "aws-use --help" in out
    assert "awsprompt export" not in out
    assert fake.calls() == []
    fake.reply("dev", *session_records("dev"))
    for good in ("3600", "1h30m", "8H", "15m"):
        assert zsh.run_status(f"aws-use dev --duration {good}")[1] == 0, good
    assert len(fake.calls()) == 4
