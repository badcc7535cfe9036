"""The AWS CLI (v1) as a real client of `exec -j` through credential_process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, MotoServer, Sandbox
from credchain import ACCOUNT, aws_cli, mfa_count, setup_chain

pytestmark = pytest.mark.usefixtures("with_passphrase")


def aws(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the virtualenv's `aws ARGS` from a neutral folder with the sandbox HOME."""
    env = {
        **os.environ,
        "HOME": str(sandbox.home),
        "PYTHONPATH": str(ROOT),
        "AWS_PAGER": "",
    }
    return subprocess.run(
        [str(aws_cli()), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=sandbox.root,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def add_viaaws(sandbox: Sandbox, target: str = "B") -> None:
    """Add [profile viaaws] with credential_process = <python> -m awsprompt exec -j TARGET."""
    with sandbox.config.open("a") as fh:
        fh.write(
            "[profile viaaws]\n"
            f"credential_process = {sys.executable} -m awsprompt exec -j {target}\n"
        )


def test_aws_cli_uses_exec_json_as_credential_process(sandbox: Sandbox, moto: MotoServer) -> None:
    """`aws sts get-caller-identity --profile viaaws` is role B in 333333333333, MFA once."""
    assert aws_cli().exists()
    setup_chain(sandbox)
    add_viaaws(sandbox)
    for _ in range(2):
        result = aws(sandbox, "sts", "get-caller-identity", "--profile", "viaaws")
        assert result.returncode == 0, result.stderr
        ident = json.loads(result.stdout)
        assert ident["Account"] == ACCOUNT["B"]
        assert ":assumed-role/B/awsprompt-" in ident["Arn"]
    assert mfa_count(sandbox) == 1


def test_aws_cli_shows_awsprompt_error(sandbox: Sandbox, moto: MotoServer) -> None:
    """A failing `exec -j` makes the AWS CLI fail and pass our one-line reason through."""
    setup_chain(sandbox)
    text = sandbox.config.read_text().replace("mfa_process = ", "mfa_process = false && ")
    sandbox.write_config(text)
    add_viaaws(sandbox)
    result = aws(sandbox, "sts", "get-caller-identity", "--profile", "viaaws")
    assert result.returncode != 0
    assert "mfa_process of profile 'base'" in result.stderr
    assert result.stdout == ""
