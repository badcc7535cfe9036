"""Shared setup for the credentials-engine tests: a vault key, an MFA chain config, helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, Sandbox, cli

# Distinct from moto's fixed GetSessionToken key (AKIAIOSFODNN7EXAMPLE), so a leak is visible.
BASE_KEY = "AKIAEXAMPLEBASE00001"
BASE_SECRET = "LongTermSecretSENTINEL/base0000000000000"
MFA_SERIAL = "arn:aws:iam::000000000000:mfa/me"
ACCOUNT = {"A": "111111111111", "B": "333333333333", "C": "222222222222"}
PROCESS_KEYS = {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}


def mfa_script(sandbox: Sandbox, name: str = "mfa", output: str = "123456", status: int = 0) -> str:
    """An mfa_process command that appends a line to <root>/<name>.log and prints OUTPUT."""
    script = sandbox.root / f"{name}.sh"
    log = sandbox.root / f"{name}.log"
    script.write_text(f"#!/bin/sh\necho asked >> '{log}'\necho {output}\nexit {status}\n")
    script.chmod(0o700)
    return str(script)


def mfa_count(sandbox: Sandbox, name: str = "mfa") -> int:
    """How often the mfa_process NAME was run."""
    log = sandbox.root / f"{name}.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def add_keys(profile: str = "base", key: str = BASE_KEY, secret: str = BASE_SECRET) -> None:
    """Store KEY/SECRET for PROFILE in the vault (AWSPROMPT_PASSPHRASE must be set)."""
    result = cli(
        "add", profile, "--env", env={"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    )
    assert result.returncode == 0, result.stderr


def chain_config(mfa_process: str, extra: str = "") -> str:
    """base (MFA) -> A (111) -> B (333), and base -> C (222); plus EXTRA sections."""
    return (
        "[profile base]\n"
        f"mfa_serial = {MFA_SERIAL}\n"
        f"mfa_process = {mfa_process}\n"
        "[profile A]\n"
        "role_arn = arn:aws:iam::111111111111:role/A\n"
        "source_profile = base\n"
        "[profile B]\n"
        "role_arn = arn:aws:iam::333333333333:role/B\n"
        "source_profile = A\n"
        "[profile C]\n"
        "role_arn = arn:aws:iam::222222222222:role/C\n"
        "source_profile = base\n" + extra
    )


def setup_chain(sandbox: Sandbox, extra: str = "") -> None:
    """Vault keys for base and the A/B/C chain config with a counting mfa_process."""
    add_keys()
    sandbox.write_config(chain_config(mfa_script(sandbox), extra))


def process_json(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """stdout of `exec -j` as one JSON object (fails the test unless that is all it is)."""
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    return doc


def error_lines(stderr: str) -> list[str]:
    """The `awsprompt: error:` lines of STDERR."""
    return [line for line in stderr.splitlines() if line.startswith("awsprompt: error:")]


def child_env(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """Run `exec ARGS -- python (print os.environ as JSON)`; return (rc, child env, stderr)."""
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    result = cli("exec", *args, "--", sys.executable, "-c", code, env=env)
    data = json.loads(result.stdout) if result.returncode == 0 else {}
    return result.returncode, data, result.stderr


def aws_cli() -> Path:
    """The AWS CLI (v1) of this virtualenv."""
    return Path(sys.executable).parent / "aws"


def base_env() -> dict[str, str]:
    """os.environ plus PYTHONPATH so `python -m awsprompt` works from any folder."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def caller_arn(doc: dict[str, object], endpoint: str) -> str:
    """The ARN sts:GetCallerIdentity answers for credential_process JSON DOC (at ENDPOINT)."""
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=str(doc["AccessKeyId"]),
        aws_secret_access_key=str(doc["SecretAccessKey"]),
        aws_session_token=str(doc.get("SessionToken") or "") or None,
    )
    return str(sts.get_caller_identity()["Arn"])
