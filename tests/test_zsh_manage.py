"""Never fight the user: foreign keys, what -u gives back, new shells, region-only switches."""

from __future__ import annotations

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


def prompt(zsh: ZShell) -> str:
    """The last prompt line, once the screen has settled."""
    zsh.settle()
    return zsh.screen_lines()[zsh.prompt_line()].rstrip()


def test_keys_set_by_hand_are_left_alone(zsh: ZShell, fake: FakeCommand) -> None:
    """export AWS_ACCESS_KEY_ID=AKIA... after aws-use: kept, never renewed over, prompt says so."""
    fake.reply("dev", *session_records("dev", region="eu-west-1"))
    zsh.run("aws-use dev")
    fake.reply("dev", *session_records("dev", key="ASIARENEWED"))
    fake.slow("dev", 2)
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")  # a renewal is under way...
    out = zsh.run("export AWS_ACCESS_KEY_ID=AKIAUSERKEY AWS_SECRET_ACCESS_KEY=usersecret")
    assert "no longer managed" in out
    time.sleep(3)  # ...and would have finished by now
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100)); true")
    zsh.run("true")
    assert zsh.var("AWS_ACCESS_KEY_ID") == "AKIAUSERKEY"
    assert zsh.var("AWS_SECRET_ACCESS_KEY") == "usersecret"
    env = zsh.run("env | grep -E '^AWS' | sort")
    assert "AWS_SECRET_ACCESS_KEY=usersecret" in env
    # Our leftovers go: the old session token would break long-term keys.
    for name in ("AWS_SESSION_TOKEN", "AWSPROMPT_PROFILE", "AWS_VAULT", "AWSPROMPT_ACCOUNT"):
        assert f"{name}=" not in env, env
    assert "AWS_REGION=" not in env
    assert prompt(zsh).endswith("aws:unmanaged keys")
    assert len(refresh_calls(fake)) == 1
    # aws-use switches again, and `-` knows where we were.
    fake.slow("dev", 0)
    assert zsh.run_status("aws-use -")[1] == 0
    assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIARENEWED"
    assert "aws:dev@111111111111" in prompt(zsh)


def test_temporary_keys_set_by_hand_keep_their_token(zsh: ZShell, fake: FakeCommand) -> None:
    """A full set of temporary keys by hand: the user's token stays."""
    fake.reply("dev", *session_records("dev"))
    zsh.run("aws-use dev")
    zsh.run("export AWS_ACCESS_KEY_ID=ASIAUSER AWS_SECRET_ACCESS_KEY=s AWS_SESSION_TOKEN=mine")
    assert zsh.var("AWS_SESSION_TOKEN") == "mine"
    assert zsh.var("AWSPROMPT_PROFILE") == ""


def test_unuse_restores_what_was_there_before(zsh: ZShell, fake: FakeCommand) -> None:
    """AWS_REGION, AWS_DEFAULT_REGION and AWS_PROFILE from before aws-use come back with -u."""
    fake.reply("dev", *session_records("dev", region="eu-west-1"))
    fake.reply("prod", *session_records("prod", region="eu-central-1"))
    zsh.run("export AWS_REGION=us-west-2 AWS_DEFAULT_REGION=us-west-2 AWS_PROFILE=mine")
    zsh.run("AWS_DEFAULT_PROFILE=notexported")
    zsh.run("aws-use dev")
    assert zsh.var("AWS_PROFILE") == ""  # conflicts with the keys: removed
    assert zsh.var("AWS_REGION") == "eu-west-1"
    zsh.run("aws-use prod")
    assert zsh.run_status("aws-use -u")[1] == 0
    env = zsh.run("env | grep -E '^AWS_(DEFAULT_)?(REGION|PROFILE)=' | sort").splitlines()
    assert env == ["AWS_DEFAULT_REGION=us-west-2", "AWS_PROFILE=mine", "AWS_REGION=us-west-2"]
    assert zsh.var("AWS_DEFAULT_PROFILE") == "notexported"
    # A second -u has nothing more to give back.
    zsh.run("aws-use -u")
    assert zsh.var("AWS_PROFILE") == ""


def test_exec_zsh_keeps_refresh_dash_and_settings(zsh: ZShell, fake: FakeCommand) -> None:
    """After `exec zsh` the state is rebuilt from the environment: renewal and `-` work."""
    now = int(time.time())
    warn = ("set", "_awsprompt_cfg_warn", "30")
    fake.reply("one", *session_records("one", expires=now + 3600), warn)
    fake.reply("two", *session_records("two", expires=now + 25 * 60 + 30), warn)
    zsh.run("aws-use one")
    zsh.run("aws-use two --duration 2h")
    assert zsh.run_status("exec zsh")[1] == 0
    assert zsh.var("_awsprompt_prev_profile") == "one"
    assert zsh.var("_awsprompt_state") == "WARN"  # 25 min < 30 (YAML, carried over)
    assert "AWS_ACCESS_KEY_ID" in zsh.run("print -r -- $_awsprompt_exported")
    fake.reply("two", *session_records("two", expires=now + 7200, key="ASIARENEWED"), warn)
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    zsh.wait_var("AWS_ACCESS_KEY_ID", "ASIARENEWED")
    assert refresh_calls(fake) == ["export two --format zsh --no-prompt --duration 2h"]
    assert zsh.run_status("aws-use -")[1] == 0
    assert zsh.var("AWSPROMPT_PROFILE") == "one"
    zsh.run("aws-use -u")
    env = zsh.run("env | grep AWS")
    for name in ("AWSPROMPT_STATE", "AWSPROMPT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_VAULT"):
        assert f"{name}=" not in env


@pytest.mark.parametrize(
    "state",
    [
        "1 key:ASIAOTHERKEY - 0 - - - - -",  # belongs to other credentials
        "1 key:ASIAFAKEKEY '$(touch pwn)' 0 - - - - -",  # not a profile name
        "1 key:ASIAFAKEKEY - 0 - - - - - --duration '$(touch pwn)'",  # not an option value
        "1 key:ASIAFAKEKEY - 0 - x - - -",  # a non-numeric threshold
        "2 key:ASIAFAKEKEY - 0 - - - - -",  # another version
        "1 key:ASIAFAKEKEY - 0 - - - - - --mfa-token 123456",  # never kept
    ],
)
def test_foreign_or_bad_state_is_not_taken_over(
    tmp_path: Path, fake: FakeCommand, state: str
) -> None:
    """A new shell takes over only a state that names its own credentials and parses cleanly."""
    env = {
        "AWSPROMPT_COMMAND": str(fake.path),
        "AWSPROMPT_PROFILE": "dev",
        "AWS_ACCESS_KEY_ID": "ASIAFAKEKEY",
        "AWSPROMPT_EXPIRES": str(int(time.time()) + 100),
        "AWSPROMPT_STATE": state,
    }
    with ZShell(tmp_path / "z", env=env) as zsh:
        assert zsh.var("_awsprompt_exported") == ""
        zsh.run("true")
        time.sleep(1)
        assert fake.calls() == []
        assert "aws:dev" in prompt(zsh)
    assert not list(tmp_path.rglob("pwn"))


def test_carry_profile_into_new_shells(tmp_path: Path, fake: FakeCommand, sandbox) -> None:
    """AWSPROMPT_CARRY=true: a new shell switches to the last profile; -u stops that."""
    sandbox.state.mkdir(parents=True, exist_ok=True)
    fake.reply("dev", *session_records("dev"))
    env = {"AWSPROMPT_COMMAND": str(fake.path)}
    carry = "AWSPROMPT_CARRY=true"
    with ZShell(tmp_path / "one", env=env, pre=carry) as one:
        one.run("aws-use dev")
        assert (sandbox.state / "zsh-profile").read_text() == "dev\n"
        with ZShell(tmp_path / "two", env=env, pre=carry) as two:
            two.wait_var("AWSPROMPT_PROFILE", "dev")
            assert "export dev --format zsh --no-prompt" in fake.calls()
            assert "aws:dev@111111111111" in prompt(two)
        with ZShell(tmp_path / "off", env=env) as off:  # not asked for: nothing happens
            time.sleep(1)
            assert off.var("AWSPROMPT_PROFILE") == ""
        one.run("aws-use -u")
        assert (sandbox.state / "zsh-profile").read_text() == ""
        with ZShell(tmp_path / "three", env=env, pre=carry) as three:
            time.sleep(1)
            assert three.var("AWSPROMPT_PROFILE") == ""


def test_carry_that_needs_mfa_hints_instead(tmp_path: Path, fake: FakeCommand, sandbox) -> None:
    """A carried profile whose session needs a new MFA code: no prompt, one hint."""
    sandbox.state.mkdir(parents=True, exist_ok=True)
    (sandbox.state / "zsh-profile").write_text("dev\n")
    fake.reply("dev", rc=17)
    env = {"AWSPROMPT_COMMAND": str(fake.path)}
    with ZShell(tmp_path / "z", env=env, pre="AWSPROMPT_CARRY=true") as zsh:
        deadline = time.monotonic() + 10
        while "run: aws-use dev" not in strip(zsh.raw):
            assert time.monotonic() < deadline, zsh.raw
            zsh.run("true")
        assert zsh.var("AWSPROMPT_PROFILE") == ""


def test_region_switch_without_python(zsh: ZShell, fake: FakeCommand) -> None:
    """aws-use --region / aws-region change only the region, and it survives renewals."""
    fake.reply("dev", *session_records("dev", region="eu-west-1"))
    zsh.run("aws-use dev")
    calls = len(fake.calls())
    assert zsh.run_status("aws-use --region us-west-2")[1] == 0
    assert (zsh.var("AWS_REGION"), zsh.var("AWS_DEFAULT_REGION")) == ("us-west-2", "us-west-2")
    assert "aws:dev@111111111111 us-west-2" in prompt(zsh)
    assert len(fake.calls()) == calls
    fake.reply("dev", *session_records("dev", region="eu-west-1", key="ASIARENEWED"))
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    zsh.wait_var("AWS_ACCESS_KEY_ID", "ASIARENEWED")
    assert zsh.var("AWS_REGION") == "us-west-2"
    # A region exported by hand is the user's choice too.
    zsh.run("export AWS_REGION=ap-south-1 AWS_DEFAULT_REGION=ap-south-1")
    fake.reply("dev", *session_records("dev", region="eu-west-1", key="ASIAAGAIN"))
    zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
    zsh.wait_var("AWS_ACCESS_KEY_ID", "ASIAAGAIN")
    assert zsh.var("AWS_REGION") == "ap-south-1"
    assert zsh.run_status("aws-region sa-east-1")[1] == 0
    assert zsh.run("aws-region") == "sa-east-1\n"
    for bad in ("'x;y'", "-eu", "EU-WEST-1", "''"):
        assert zsh.run_status(f"aws-region {bad}")[1] == 2, bad
    assert zsh.var("AWS_REGION") == "sa-east-1"
    zsh.run("aws-use -u")
    assert zsh.var("AWS_REGION") == ""


def test_region_completion(zsh: ZShell) -> None:
    """aws-region and aws-use --region complete region names."""
    shown = zsh.complete("aws-region eu-west-")
    assert "eu-west-1" in shown and "eu-west-2" in shown
    assert "us-east-1" not in shown
    assert "eu-north-1" in zsh.complete("aws-use --region eu-n")
