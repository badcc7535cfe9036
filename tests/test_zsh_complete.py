"""TAB completion of aws-use in a real zsh: profile sources, caching, hostile names."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from zshell import ZShell

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
    assert "previous profile" in shown


def test_completion_registered_when_compinit_ran_first(tmp_path: Path, sandbox) -> None:
    """Sourcing the plugin after compinit still registers _aws-use via compdef."""
    sandbox.write_config("[profile latecomer]\n[profile latecomer2]\n")
    with ZShell(tmp_path / "z", compinit_first=True) as zsh:
        assert zsh.run("print -r -- $_comps[aws-use]").strip() == "_aws-use"
        assert "latecomer2" in zsh.complete("aws-use late\t")  # 2nd TAB lists
