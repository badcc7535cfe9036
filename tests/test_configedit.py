"""Line-level edits of the AWS files: every byte outside the edited lines stays as it was."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT

from awsprompt.config import ini
from awsprompt.config.profiles import AwsFiles
from awsprompt.errors import ConfigError, LockTimeout

MESSY = (
    b"# top comment\r\n"
    b"[default]\r\n"
    b"region = us-east-1\r\n"
    b"\r\n"
    b"[profile  spaced ]\n"
    b"s3 =\n"
    b"    max_concurrent_requests = 10\n"
    b"; comment\n"
    b"\n"
    b"[profile last]\n"
    b"output=json"
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config file with CRLF lines, comments, a nested block and no final newline."""
    path = tmp_path / "aws" / "config"
    path.parent.mkdir()
    path.write_bytes(MESSY)
    return path


def test_ensure_section_appends_and_preserves_bytes(config: Path) -> None:
    """A new section is appended after a newline and a blank line; the rest is byte-identical."""
    assert ini.ensure_section(config, "dev") is True
    assert config.read_bytes() == MESSY + b"\n\n[profile dev]\n"
    assert "dev" in AwsFiles(config, config.parent / "none").names()


def test_ensure_section_is_idempotent(config: Path) -> None:
    """An existing section (even with odd spacing) is found and the file is not rewritten."""
    mtime = config.stat().st_mtime_ns
    assert ini.ensure_section(config, "spaced") is False
    assert ini.ensure_section(config, "default") is False
    assert config.read_bytes() == MESSY
    assert config.stat().st_mtime_ns == mtime


def test_ensure_section_creates_a_private_file(tmp_path: Path) -> None:
    """A missing file is created with 0600 and just the section header."""
    path = tmp_path / "new" / "config"
    assert ini.ensure_section(path, "dev") is True
    assert path.read_bytes() == b"[profile dev]\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_section_titles_for_each_file(tmp_path: Path) -> None:
    """The config uses `[profile X]` and `[default]`; the credentials file uses `[X]`."""
    conf, creds = tmp_path / "config", tmp_path / "credentials"
    ini.ensure_section(conf, "default")
    ini.ensure_section(conf, "dev")
    ini.ensure_section(creds, "dev", config=False)
    assert conf.read_bytes() == b"[default]\n\n[profile dev]\n"
    assert creds.read_bytes() == b"[dev]\n"


def test_ensure_section_keeps_the_file_mode(config: Path) -> None:
    """Editing a 0640 file leaves it 0640."""
    os.chmod(config, 0o640)
    ini.ensure_section(config, "dev")
    assert stat.S_IMODE(config.stat().st_mode) == 0o640


def test_ensure_section_writes_through_a_symlink(config: Path, tmp_path: Path) -> None:
    """A symlinked config (dotfiles) is edited in its target; the link stays a link."""
    link = tmp_path / "link-config"
    link.symlink_to(config)
    assert ini.ensure_section(link, "dev") is True
    assert link.is_symlink()
    assert config.read_bytes() == MESSY + b"\n\n[profile dev]\n"


def test_set_key_replaces_case_insensitively(config: Path) -> None:
    """set_key rewrites the one matching line (any case) and nothing else."""
    config.write_bytes(
        b"[profile p]\nRegion = us-east-1\noutput = json\n\n[profile q]\nregion = x\n"
    )
    assert ini.set_key(config, "p", "region", "eu-west-1") is True
    assert config.read_bytes() == (
        b"[profile p]\nregion = eu-west-1\noutput = json\n\n[profile q]\nregion = x\n"
    )
    assert ini.set_key(config, "p", "region", "eu-west-1") is False


def test_set_key_inserts_before_the_trailing_blank_lines(config: Path) -> None:
    """A new key goes at the end of its section's body, keeping the blank line before the next."""
    assert ini.set_key(config, "default", "output", "json") is True
    want = MESSY.replace(b"region = us-east-1\r\n", b"region = us-east-1\r\noutput = json\n")
    assert config.read_bytes() == want


def test_set_key_in_last_section_without_newline(config: Path) -> None:
    """Adding to a last section that lacks a final newline terminates the old line first."""
    ini.set_key(config, "last", "region", "us-east-2")
    assert config.read_bytes() == MESSY + b"\nregion = us-east-2\n"


def test_remove_keys_drops_continuations_and_keeps_others(tmp_path: Path) -> None:
    """Removing a key also removes its indented continuation lines and leaves the others."""
    path = tmp_path / "credentials"
    path.write_bytes(
        b"[a]\naws_access_key_id = AKIA\nS3 =\n  x = 1\nregion = r\n\n[b]\naws_access_key_id = B\n"
    )
    assert ini.remove_keys(path, "a", {"aws_access_key_id", "s3"}) is True
    assert path.read_bytes() == b"[a]\nregion = r\n\n[b]\naws_access_key_id = B\n"


def test_remove_keys_drops_an_emptied_section(tmp_path: Path) -> None:
    """A section left with no keys disappears; neighbouring sections are untouched."""
    path = tmp_path / "credentials"
    path.write_bytes(
        b"[a]\nregion = r\n\n[b]\n# note\nAWS_ACCESS_KEY_ID = B\naws_secret_access_key = S\n"
        b"[c]\nx = 1\n"
    )
    assert ini.remove_keys(path, "b", {"aws_access_key_id", "aws_secret_access_key"})
    assert path.read_bytes() == b"[a]\nregion = r\n\n[c]\nx = 1\n"
    assert ini.remove_keys(path, "zzz", {"x"}) is False
    assert ini.remove_keys(path, "a", {"nothing"}) is False


def test_has_section(config: Path) -> None:
    """has_section finds config sections by profile name, not by raw title."""
    assert ini.has_section(config, "last")
    assert ini.has_section(config, "default")
    assert not ini.has_section(config, "profile")
    assert not ini.has_section(config.parent / "missing", "last")


def test_set_key_replaces_a_value_with_its_continuation_lines(tmp_path: Path) -> None:
    """A key whose value runs over indented lines is replaced whole; its line ending is kept."""
    path = tmp_path / "config"
    path.write_bytes(b"[profile p]\r\ncredential_process = old\r\n  --flag\r\nregion = r\r\n")
    assert ini.set_key(path, "p", "credential_process", "new") is True
    assert path.read_bytes() == b"[profile p]\r\ncredential_process = new\r\nregion = r\r\n"
    assert AwsFiles(path, tmp_path / "none").config_sections["p"] == {
        "credential_process": "new",
        "region": "r",
    }


def test_set_key_lands_in_the_section_the_aws_cli_reads(tmp_path: Path) -> None:
    """With [default] and [profile default] (the later wins), the key goes into the later one."""
    path = tmp_path / "config"
    path.write_bytes(b"[default]\nregion = a\n\n[profile default]\nregion = b\n")
    assert ini.set_key(path, "default", "output", "json") is True
    assert path.read_bytes() == (
        b"[default]\nregion = a\n\n[profile default]\nregion = b\noutput = json\n"
    )
    assert AwsFiles(path, tmp_path / "none").config_sections["default"] == {
        "region": "b",
        "output": "json",
    }


def test_quoted_profile_title_is_found(tmp_path: Path) -> None:
    """`[profile "dev"]` is profile dev for the editor too: no second section is added."""
    path = tmp_path / "config"
    path.write_bytes(b'[profile "dev"]\nregion = x\n')
    assert ini.has_section(path, "dev")
    assert ini.ensure_section(path, "dev") is False
    assert ini.set_key(path, "dev", "region", "y") is True
    assert path.read_bytes() == b'[profile "dev"]\nregion = y\n'


@pytest.mark.parametrize(
    "value", ["a\nb", "a\n  region = evil", "a\n[profile x]\nrole_arn = y", " padded", "a\rb"]
)
def test_set_key_refuses_values_that_would_add_lines(tmp_path: Path, value: str) -> None:
    """A value with a line break (or outer spaces) is refused; the file is unchanged."""
    path = tmp_path / "config"
    path.write_bytes(b"[profile p]\nregion = r\n")
    with pytest.raises(ConfigError):
        ini.set_key(path, "p", "credential_process", value)
    assert path.read_bytes() == b"[profile p]\nregion = r\n"


@pytest.mark.parametrize(
    ("text", "edit"),
    [
        # the key exists on an indented line: a new line would repeat it
        (b"[profile p]\n  region = r\n", lambda p: ini.set_key(p, "p", "region", "x")),
        # an indented key cannot be taken out cleanly
        (
            b"[a]\n  aws_access_key_id = AKIA\nregion = r\n",
            lambda p: ini.remove_keys(p, "a", {"aws_access_key_id"}),
        ),
    ],
)
def test_edits_that_would_not_read_back_as_intended_are_refused(
    tmp_path: Path, text: bytes, edit: Callable[[Path], bool]
) -> None:
    """An edit whose result would not parse to exactly the intended values writes nothing."""
    path = tmp_path / "config"
    path.write_bytes(text)
    with pytest.raises(ConfigError) as exc:
        edit(path)
    assert "left as it was" in exc.value.message
    assert path.read_bytes() == text


@pytest.mark.parametrize(
    "text",
    [
        b"\xef\xbb\xbf[default]\nregion = x\n",
        b"[profile a]\n[profile a]\n",
        b"region = x\n",
        b"[default]\nregion = caf\xe9\n",
    ],
)
def test_a_file_the_aws_cli_cannot_read_is_not_edited(tmp_path: Path, text: bytes) -> None:
    """Edits of a file that does not parse raise ConfigError naming it and leave it alone."""
    path = tmp_path / "config"
    path.write_bytes(text)
    for edit in (
        lambda: ini.ensure_section(path, "dev"),
        lambda: ini.set_key(path, "dev", "region", "x"),
        lambda: ini.remove_keys(path, "a", {"region"}, config=True),
        lambda: ini.has_section(path, "dev"),
    ):
        with pytest.raises(ConfigError) as exc:
            edit()
        assert str(path) in exc.value.message
    assert path.read_bytes() == text


def test_remove_keys_handles_colon_keys_and_drops_the_emptied_section(tmp_path: Path) -> None:
    """`key: value` lines are keys to the AWS CLI, so they are removed like `key = value`."""
    path = tmp_path / "credentials"
    path.write_bytes(b"[a]\naws_access_key_id: A\nAws_Secret_Access_Key : S\n[b]\nx = 1\n")
    assert ini.remove_keys(path, "a", {"aws_access_key_id", "aws_secret_access_key"}) is True
    assert path.read_bytes() == b"[b]\nx = 1\n"


def test_the_credentials_default_section_is_not_a_profile(tmp_path: Path) -> None:
    """[DEFAULT] gives its keys to every section, so it is never edited as profile DEFAULT."""
    path = tmp_path / "credentials"
    path.write_bytes(b"[DEFAULT]\nregion = r\n")
    assert not ini.has_section(path, "DEFAULT", config=False)
    with pytest.raises(ConfigError):
        ini.set_key(path, "DEFAULT", "aws_access_key_id", "A", config=False)
    assert path.read_bytes() == b"[DEFAULT]\nregion = r\n"
    assert ini.ensure_section(tmp_path / "config", "DEFAULT") is True  # [profile DEFAULT]
    assert (tmp_path / "config").read_bytes() == b"[profile DEFAULT]\n"


def test_every_valid_name_round_trips(tmp_path: Path) -> None:
    """A section the editor writes for a valid profile name reads back as that name."""
    names = ["a", "default", "x.y", "a@b", "a+b=c,d", "_x", "9", "a-b", "A" * 128]
    for config in (True, False):
        path = tmp_path / ("config" if config else "credentials")
        for name in names:
            ini.set_key(path, name, "region", "r", config=config)
        files = AwsFiles(path, tmp_path / "none") if config else AwsFiles(tmp_path / "none", path)
        sections = files.config_sections if config else files.credentials_sections
        assert sections == {name: {"region": "r"} for name in names}


def test_the_lock_sits_beside_the_real_file(config: Path, tmp_path: Path) -> None:
    """Editing through a symlink takes the target's lock, in the target's folder."""
    link = tmp_path / "link-config"
    link.symlink_to(config)
    assert ini.lock_path(link) == config.parent / ".config.awsprompt-lock"
    ini.ensure_section(link, "dev")
    assert (config.parent / ".config.awsprompt-lock").is_file()
    assert not (tmp_path / ".link-config.awsprompt-lock").exists()


def test_an_edit_waits_for_the_lock(config: Path, tmp_path: Path) -> None:
    """While another holder has the lock (here through a symlink), an edit times out unchanged."""
    link = tmp_path / "link-config"
    link.symlink_to(config)
    with ini.locked(link):
        with pytest.raises(LockTimeout):
            ini.set_key(config, "dev", "region", "x", timeout=0.2)
        with pytest.raises(LockTimeout):
            ini.ensure_section(link, "dev", timeout=0.2)
    assert config.read_bytes() == MESSY
    assert ini.set_key(config, "dev", "region", "x") is True


_WORKER = """
import sys, time
from pathlib import Path
from awsprompt.config import ini
path, worker, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
for i in range(50):
    name = f"w{worker}-{i}"
    if i % 2:
        ini.ensure_section(path, name, timeout=120)
    else:
        ini.set_key(path, name, "region", f"r{worker}{i}", timeout=120)
"""


def test_parallel_edits_keep_every_change(config: Path, tmp_path: Path) -> None:
    """4 processes x 50 set_key/ensure_section calls on distinct sections keep all 200."""
    os.chmod(config, 0o640)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(config), str(w), str(go)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    go.touch()
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    profiles = AwsFiles(config, tmp_path / "none").config_sections
    for w in range(4):
        for i in range(50):
            want = {} if i % 2 else {"region": f"r{w}{i}"}
            assert profiles.pop(f"w{w}-{i}") == want
    assert set(profiles) == {"default", "spaced", "last"}
    assert config.read_bytes().startswith(MESSY)
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert not [p.name for p in config.parent.iterdir() if p.name.endswith(".tmp")]
