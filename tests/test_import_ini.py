"""import reads and strips the credentials file with the one ini codec."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Sandbox

from awsprompt.config import ini
from awsprompt.config.profiles import AwsFiles
from awsprompt.errors import ConfigError, LockTimeout
from awsprompt.importers import credfile

ROOT = Path(__file__).resolve().parent.parent


def _plan(sandbox: Sandbox, credentials: bytes) -> credfile.ImportPlan:
    sandbox.credentials.write_bytes(credentials)
    files = AwsFiles(sandbox.config, sandbox.credentials)
    return credfile.plan_import({}, files, None, "awsprompt")


def test_colon_and_mixed_case_key_lines_are_moved_and_stripped(sandbox: Sandbox) -> None:
    """`Key: value` lines are keys to the AWS CLI, so import moves and removes them."""
    plan = _plan(
        sandbox,
        b"# mine\r\n[a]\r\nAWS_Access_Key_Id: AKIAAAAAAAAAAAAAAAA1\r\n"
        b"aws_secret_access_key : s1\r\nregion = r\r\n\r\n[b]\nx = 1\n",
    )
    assert [(m.profile, m.key.secret_access_key) for m in plan.moves] == [("a", "s1")]
    assert plan.remaining == b"# mine\r\n[a]\r\nregion = r\r\n\r\n[b]\nx = 1\n"


def test_keys_inherited_from_default_are_refused(sandbox: Sandbox) -> None:
    """Keys in a [DEFAULT] section reach every profile; import stops before writing."""
    with pytest.raises(ConfigError) as exc:
        _plan(sandbox, b"[DEFAULT]\naws_access_key_id = AKIAD\naws_secret_access_key = d\n[a]\n")
    assert exc.value.message.startswith("cannot take the keys of a out of")
    assert "[DEFAULT]" in exc.value.message


def test_strip_keys_keeps_continuations_of_other_keys(sandbox: Sandbox) -> None:
    """Only the moved keys' lines (and their continuation lines) go; other blocks stay."""
    data = (
        b"[a]\naws_access_key_id = A\n  continued\ns3 =\n  addressing_style = path\n"
        b"aws_secret_access_key = S\n"
    )
    assert credfile.strip_keys(data, {"a"}) == b"[a]\ns3 =\n  addressing_style = path\n"


def test_replace_plaintext_holds_the_edit_lock(sandbox: Sandbox) -> None:
    """The credentials file is not replaced while another edit holds its lock."""
    original = b"[a]\naws_access_key_id = A\n"
    sandbox.credentials.write_bytes(original)
    with ini.locked(sandbox.credentials), pytest.raises(LockTimeout):
        credfile.replace_plaintext(sandbox.credentials, b"[b]\n", original, timeout=0.2)
    assert sandbox.credentials.read_bytes() == original
    assert credfile.replace_plaintext(sandbox.credentials, b"[b]\n", original) == (False, True)
    assert sandbox.credentials.read_bytes() == b"[b]\n"


def test_only_the_ini_module_parses_ini() -> None:
    """No module imports configparser or compiles a section-header pattern besides ini.py."""
    offenders = []
    for path in sorted((ROOT / "awsprompt").rglob("*.py")):
        if path == ROOT / "awsprompt" / "config" / "ini.py":
            continue
        text = path.read_text()
        if "import configparser" in text or "from configparser" in text or r"\[" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
