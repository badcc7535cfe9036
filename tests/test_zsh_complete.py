"""TAB completion of aws-use in a real zsh: profile sources, caching, hostile names."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from zshell import FakeCommand, ZShell, session_records

pytestmark = pytest.mark.slow


@pytest.fixture
def zsh(tmp_path: Path) -> Iterator[ZShell]:
    """An interactive zsh with the plugin and compinit."""
    with ZShell(tmp_path / "zdot") as shell:
        yield shell


def test_lists_profiles_from_config_credentials_and_vault(zsh: ZShell, sandbox) -> None:
    """Names come from [profile X]/[default] in config, [X] in credentials, vault.names."""
    sandbox.write_config(
        "[default]\nregion = us-east-1\n[profile cfg-one]\nrole_arn = x\n"
        "[ profile  cfg.two ]\n[sso-session corp]\n[services svc]\n"
    )
    sandbox.write_credentials("[cred_one]\naws_access_key_id = AKIA\n")
    sandbox.state.mkdir(parents=True, exist_ok=True)
    (sandbox.state / "vault.names").write_text("vault@one\nvault+two\n")
    shown = zsh.complete("aws-use ")
    for name in ("default", "cfg-one", "cfg.two", "cred_one", "vault@one", "vault+two"):
        assert name in shown, shown
    assert "corp" not in shown
    assert "svc" not in shown


def test_new_profile_appears_after_config_change(zsh: ZShell, sandbox) -> None:
    """The cache is invalidated when the config file changes."""
    sandbox.write_config("[profile first]\n[profile other]\n")
    assert "first" in zsh.complete("aws-use ")
    sandbox.write_config("[profile first]\n[profile other]\n[profile second]\n")
    shown = zsh.complete("aws-use ")
    assert "second" in shown
    # Same size, same second, new inode (atomic replace) is seen too.
    tmp = sandbox.config.with_suffix(".new")
    tmp.write_text("[profile first]\n[profile other]\n[profile thirdx]\n")
    os.replace(tmp, sandbox.config)
    assert "thirdx" in zsh.complete("aws-use ")


def test_cache_is_reused_when_file_unchanged(zsh: ZShell, sandbox) -> None:
    """A second lookup of an unchanged file serves the cached names without parsing."""
    sandbox.write_config("[profile cached]\n")
    zsh.run("_awsprompt_profile_names")
    # Corrupt the cache entry: if the file were parsed again we would see 'cached'.
    zsh.run("_awsprompt_names_cache[$AWS_CONFIG_FILE]=fromcache")
    assert zsh.run("_awsprompt_profile_names; print -rl -- $reply").split() == ["fromcache"]


def test_hostile_names_are_not_offered(zsh: ZShell, sandbox, tmp_path: Path) -> None:
    """Names outside the strict charset (or starting with '-') are skipped."""
    sandbox.write_config(
        "[profile %F{red}$(touch pwn)]\n[profile -rf]\n[profile a;b]\n[profile sp ace]\n"
        "[profile goodname]\n"
    )
    sandbox.write_credentials("[`touch pwn2`]\n[$HOME]\n")
    assert zsh.run("_awsprompt_profile_names; print -rl -- $reply").split() == ["goodname"]
    shown = zsh.complete("aws-use ")
    assert "goodname" in shown
    assert "touch" not in shown
    assert not list(tmp_path.rglob("pwn*"))


def test_completes_durations_and_regions(zsh: ZShell, sandbox) -> None:
    """Durations after --duration, regions after --region, options after '-'."""
    sandbox.write_config("[profile dev]\n")
    shown = zsh.complete("aws-use dev --duration ")
    for d in ("15m", "30m", "1h", "2h", "4h", "8h", "12h"):
        assert d in shown
    shown = zsh.complete("aws-use dev --region eu-")
    assert "eu-west-1" in shown
    assert "eu-central-1" in shown
    assert "us-east-1" not in shown
    shown = zsh.complete("aws-use -")
    assert "--unset" in shown or "-u" in shown


def test_completion_registered_when_compinit_ran_first(tmp_path: Path, sandbox) -> None:
    """Sourcing the plugin after compinit still registers _aws-use via compdef."""
    sandbox.write_config("[profile latecomer]\n[profile latecomer2]\n")
    with ZShell(tmp_path / "z", compinit_first=True) as zsh:
        assert zsh.run("print -r -- $_comps[aws-use]").strip() == "_aws-use"
        assert "latecomer2" in zsh.complete("aws-use late\t")  # 2nd TAB lists


def test_menu_describes_type_account_and_time_left(zsh: ZShell, sandbox) -> None:
    """Each profile comes with its type, account (or alias) and the time left of a session."""
    sandbox.write_config(
        "[profile dev]\nrole_arn = arn:aws:iam::111111111111:role/dev\nsource_profile = base\n"
        "[profile base]\nregion = eu-west-1\n"
        "[profile corp]\nsso_session = corp\nsso_account_id = 222222222222\n"
        "[profile tool]\ncredential_process = /bin/true\n"
    )
    sandbox.write_credentials("[base]\naws_access_key_id = AKIA\n")
    sessions = sandbox.state / "sessions"
    sessions.mkdir(parents=True)
    record = {"v": 1, "key": "k", "profile": "dev", "kind": "role", "sealed": "x"}
    record["expires"] = int(time.time()) + 44 * 60 + 30
    (sessions / "k.json").write_text(json.dumps(record))
    accounts = {"222222222222": {"alias": "corp-main", "checked": 1}, "3": {"alias": "x"}}
    (sandbox.state / "accounts.json").write_text(json.dumps(accounts, sort_keys=True))
    shown = {
        line.split(" -- ")[0].strip(): line.split(" -- ")[1]
        for line in (ln for ln in zsh.complete("aws-use ").splitlines() if " -- " in ln)
    }
    assert shown == {
        "base": "keys",
        "corp": "sso corp-main",  # the account's alias
        "dev": "role 111111111111 44m left",
        "tool": "process",
    }


def test_dash_only_with_a_previous_profile(tmp_path: Path) -> None:
    """`-` is offered once there is a profile to go back to, and names it."""
    fake = FakeCommand(tmp_path / "fake")
    fake.reply("one", *session_records("one"))
    fake.reply("two", *session_records("two"))
    with ZShell(tmp_path / "z", env={"AWSPROMPT_COMMAND": str(fake.path)}) as zsh:
        assert "back to" not in zsh.complete("aws-use -")
        zsh.run("aws-use one")
        zsh.run("aws-use two")
        assert "back to one" in zsh.complete("aws-use -")


def test_durations_in_numeric_order(zsh: ZShell, sandbox) -> None:
    """--duration values are listed shortest first, not alphabetically."""
    sandbox.write_config("[profile dev]\n")
    shown = zsh.complete("aws-use dev --duration ")
    assert shown.split()[-7:] == ["15m", "30m", "1h", "2h", "4h", "8h", "12h"]


def test_thousand_profiles_complete_with_descriptions(zsh: ZShell, sandbox) -> None:
    """Over 1,000 profiles the first TAB completes and describes them (timings: bench/)."""
    sandbox.write_config(
        "".join(
            f"[profile team{i:04d}]\nrole_arn = arn:aws:iam::{100000000000 + i}:role/r\n"
            "source_profile = base\n"
            for i in range(1000)
        )
    )
    shown = zsh.complete("aws-use team099")
    for i in range(990, 1000):
        assert f"team{i:04d}  -- role {100000000000 + i}" in shown, shown


def test_fzf_picker_previews_and_key_binding(tmp_path: Path, sandbox) -> None:
    """The fzf picker previews account, role, region; AWSPROMPT_PICKER_KEY opens it."""
    assert shutil.which("fzf"), "apt-get install fzf"
    sandbox.write_config(
        "[profile dev]\nrole_arn = arn:aws:iam::111111111111:role/dev\nregion = eu-west-1\n"
        "[profile base]\nregion = eu-west-1\n"
    )
    fake = FakeCommand(tmp_path / "fake")
    fake.reply("dev", *session_records("dev"))
    pre = "AWSPROMPT_PICKER=fzf AWSPROMPT_PICKER_KEY='^[p'"
    with ZShell(tmp_path / "z", env={"AWSPROMPT_COMMAND": str(fake.path)}, pre=pre) as zsh:
        zsh.send("aws-use\r")
        zsh.expect("2/2")
        zsh.send("dev")
        zsh.expect("role: +arn:aws:iam::111111111111:role/dev")
        screen = "\n".join(zsh.screen_lines())
        assert "account: 111111111111" in screen and "region:  eu-west-1" in screen
        zsh.send("\r")
        assert zsh.wait_ready() == 0
        assert zsh.var("AWSPROMPT_PROFILE") == "dev"
        zsh.run("aws-use -u")
        # The key binding, in the middle of typing a command: the line stays.
        zsh.send("echo kept")
        zsh.send("\x1bp")
        zsh.expect("2/2")
        zsh.send("dev")
        zsh.expect("role: +arn:aws:iam::111111111111:role/dev")
        zsh.send("\r")
        deadline = time.monotonic() + 10
        while "aws:dev@111111111111" not in zsh.screen_lines()[zsh.prompt_line()]:
            assert time.monotonic() < deadline, zsh.screen_lines()
            zsh.settle(0.3)
        assert "ZT> echo kept" in zsh.screen_lines()[zsh.prompt_line()]
        zsh.send("\x15")  # ^U: drop the kept line
        assert zsh.var("AWSPROMPT_PROFILE") == "dev"
