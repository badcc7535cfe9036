"""`awsprompt demo`: the scripted tour and the interactive sandbox."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import ROOT, Sandbox, cli, strip_ansi

# The demo starts moto, the sign-in stub, an agent and zsh.
pytestmark = pytest.mark.slow


def tree_digest(*folders: Path) -> str:
    """A digest of every file name, mode and content under FOLDERS."""
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.exists():
            digest.update(f"missing {folder}".encode())
            continue
        for path in sorted(folder.rglob("*")):
            digest.update(str(path).encode())
            if path.is_file():
                digest.update(oct(path.stat().st_mode).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def real_setup(sandbox: Sandbox) -> tuple[Path, ...]:
    """Give the 'real' HOME a config, credentials and a vault, like a user's."""
    sandbox.write_config("[profile mine]\nregion = eu-north-1\n")
    sandbox.write_credentials("[mine]\naws_access_key_id = AKIAREALUSERKEY00001\n")
    result = cli(
        "add",
        "vaulted",
        "--env",
        env={
            "AWSPROMPT_PASSPHRASE": "real user passphrase",
            "AWS_ACCESS_KEY_ID": "AKIAREALUSERKEY00002",
            "AWS_SECRET_ACCESS_KEY": "real/secret/never/read",
        },
    )
    assert result.returncode == 0, result.stderr
    (sandbox.home / ".zshrc").write_text("# the user's own zshrc\n")
    return sandbox.home / ".aws", sandbox.state, sandbox.home / ".zshrc"


def test_demo_script_runs_every_step(sandbox: Sandbox) -> None:
    """`demo --script` passes every step and shows the role chain, prompt states and rotation."""
    watched = real_setup(sandbox)
    before = tree_digest(*watched[:2]) + (sandbox.home / ".zshrc").read_text()
    result = cli("demo", "--script", timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "9 of 9 steps ok" in out
    assert "assumed-role/developer/" in out and ":111111111111:" in out
    assert ":222222222222:assumed-role/developer/" in out
    assert ":333333333333:assumed-role/admin/" in out
    for state in ("OK", "WARN", "CRITICAL", "EXPIRED", "PROD"):
        assert f"prompt ({state})" in out
    assert "no credential variables left" in out
    assert "federation?Action=login&Issuer=awsprompt" in out
    assert re.search(r"Rotated 'demo-user': \*+\w{4} -> \*+\w{4}", out)
    assert "completion: demo-user dev prod prod-admin staging" in out
    after = tree_digest(*watched[:2]) + (sandbox.home / ".zshrc").read_text()
    assert after == before


def test_interactive_demo_switches_and_cleans_up(sandbox: Sandbox) -> None:
    """In the demo shell aws-use prod changes the prompt; leaving removes the sandbox."""
    watched = real_setup(sandbox)
    before = tree_digest(*watched[:2]) + (sandbox.home / ".zshrc").read_text()
    env = dict(os.environ, TERM="xterm-256color", PYTHONPATH=str(ROOT))
    child = pexpect.spawn(
        sys.executable,
        ["-m", "awsprompt", "demo"],
        env=env,
        dimensions=(30, 140),
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect("The MFA code is 123456")
        child.expect("Leave with `exit`")
        child.expect("demo")
        child.sendline("print -r -- SANDBOX=$HOME")
        child.expect(r"SANDBOX=(/[^\s\x1b]+)")
        sandbox_home = Path(child.match.group(1).strip())
        assert sandbox_home != sandbox.home and "awsprompt-demo-" in str(sandbox_home)
        child.sendline("aws-use prod")
        child.expect("MFA code for")
        child.sendline("111111")  # not the demo's code: refused, as AWS would
        child.expect("MultiFactorAuthentication failed")
        child.sendline("aws-use prod")
        child.expect("MFA code for")
        child.sendline("123456")
        child.sendline("print -r -- PROFILE=$AWSPROMPT_PROFILE ACCOUNT=$AWSPROMPT_ACCOUNT")
        child.expect(r"PROFILE=prod ACCOUNT=333333333333")
        child.expect("aws:prod@333333333333")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, strip_ansi(child.before or "")
    assert not sandbox_home.exists()
    assert not sandbox_home.parent.exists()
    after = tree_digest(*watched[:2]) + (sandbox.home / ".zshrc").read_text()
    assert after == before
