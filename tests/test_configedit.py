"""Line-level edits of the AWS files: every byte outside the edited lines stays as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from awsprompt.config import ini
from awsprompt.config.profiles import AwsFiles

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
