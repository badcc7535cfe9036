"""The hot path: cached `exec -j` and `export --format zsh` answered through the agent alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import pytest
from conftest import ROOT, MotoServer, Sandbox, cli
from test_agent import KEY_ID, SECRET, add_key, agent, unlock  # noqa: F401 - fixture

from awsprompt.envvars import Env
from awsprompt.shell import fastpath

# `agent` (imported above) lets these tests use an agent and stops it afterwards.
pytestmark = pytest.mark.usefixtures("agent")

CONFIG = """\
[profile base]
region = us-east-1

[profile A]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = base
"""


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI with -X importtime, so the test can see which modules a call needed."""
    full = dict(os.environ, **(env or {}))
    full.pop("AWSPROMPT_PASSPHRASE", None)
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "awsprompt", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        check=False,
        timeout=60,
    )


def imported(result: subprocess.CompletedProcess[str]) -> set[str]:
    """Module names from an -X importtime stderr."""
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def caller(doc: str, endpoint: str) -> str:
    """GetCallerIdentity ARN for a credential_process document."""
    creds = json.loads(doc)
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    return str(sts.get_caller_identity()["Arn"])


def setup(sandbox: Sandbox) -> None:
    """A vault key for base, role A, and an unlocked vault."""
    sandbox.write_config(CONFIG)
    add_key()
    unlock()


def test_second_exec_takes_the_fast_path_with_the_same_answer(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """A repeated `exec -j A` skips argparse, the engine and boto3 and prints the same JSON."""
    setup(sandbox)
    first = run("exec", "A", "-j")
    assert first.returncode == 0, first.stderr
    assert "argparse" in imported(first)
    assert (sandbox.state / "fastpath" / "json-A").exists()
    second = run("exec", "A", "-j")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    modules = imported(second)
    assert "argparse" not in modules
    assert not {"boto3", "botocore", "cryptography", "dataclasses", "configparser"} & modules
    assert ":111111111111:assumed-role/A/" in caller(second.stdout, moto.url)


def test_memo_holds_no_secret(sandbox: Sandbox, moto: MotoServer) -> None:
    """The memo names a cache entry; it holds no key, secret or token, and is 0600."""
    setup(sandbox)
    doc = json.loads(run("exec", "A", "-j").stdout)
    memo = sandbox.state / "fastpath" / "json-A"
    text = memo.read_text()
    for secret in (doc["SecretAccessKey"], doc["SessionToken"], doc["AccessKeyId"], SECRET, KEY_ID):
        assert secret not in text
    assert memo.stat().st_mode & 0o777 == 0o600
    assert memo.parent.stat().st_mode & 0o777 == 0o700


def test_config_edit_is_never_served_stale(sandbox: Sandbox, moto: MotoServer) -> None:
    """Pointing A at another role after a fast-path hit gives the new role's credentials."""
    setup(sandbox)
    run("exec", "A", "-j")
    assert run("exec", "A", "-j").returncode == 0
    sandbox.write_config(CONFIG.replace("111111111111:role/A", "222222222222:role/A2"))
    moved = run("exec", "A", "-j")
    assert moved.returncode == 0, moved.stderr
    assert ":222222222222:assumed-role/A2/" in caller(moved.stdout, moto.url)


def test_inputs_cover_files_and_environment(sandbox: Sandbox) -> None:
    """The memo key changes with the config, the vault, the endpoint and the refresh window."""
    sandbox.write_config(CONFIG)
    base = fastpath.inputs(Env(os.environ), "A", "json")
    assert fastpath.inputs(Env(os.environ), "A", "json") == base
    assert fastpath.inputs(Env(os.environ), "B", "json") != base
    assert fastpath.inputs(Env(os.environ), "A", "zsh") != base
    os.environ["AWSPROMPT_MIN_TTL"] = "50m"
    try:
        assert fastpath.inputs(Env(os.environ), "A", "json") != base
    finally:
        del os.environ["AWSPROMPT_MIN_TTL"]
    os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1"
    try:
        assert fastpath.inputs(Env(os.environ), "A", "json") != base
    finally:
        del os.environ["AWS_ENDPOINT_URL"]
    sandbox.write_config(CONFIG + "\n")
    assert fastpath.inputs(Env(os.environ), "A", "json") != base


def test_locked_vault_falls_back_to_the_full_path(sandbox: Sandbox, moto: MotoServer) -> None:
    """After `lock` the fast path declines; with no passphrase and no terminal that is exit 8."""
    setup(sandbox)
    run("exec", "A", "-j")
    assert cli("lock").returncode == 0
    locked = run("exec", "A", "-j")
    assert locked.returncode == 8
    assert locked.stdout == ""


def test_zsh_export_fast_path_matches_the_full_path(sandbox: Sandbox, moto: MotoServer) -> None:
    """`export A --format zsh` from the fast path prints the same records and counts the use."""
    setup(sandbox)
    first = run("export", "A", "--format", "zsh")
    assert first.returncode == 0, first.stderr
    second = run("export", "A", "--format", "zsh")
    assert "argparse" not in imported(second)
    assert second.stdout == first.stdout
    assert "export\0AWSPROMPT_PROFILE\0A\0" in second.stdout
    counts = (sandbox.state / "recent").read_text().split("\t")
    assert counts[0] == "2" and counts[2].strip() == "A"


def test_parse_accepts_only_plain_forms() -> None:
    """Only option-free forms take the fast path; anything else goes through argparse."""
    assert fastpath.parse(["exec", "A", "-j"]) == ("json", "A")
    assert fastpath.parse(["exec", "-j", "A"]) == ("json", "A")
    assert fastpath.parse(["exec", "A", "--json", "--no-prompt"]) == ("json", "A")
    assert fastpath.parse(["export", "A", "--format", "zsh"]) == ("zsh", "A")
    assert fastpath.parse(["exec", "A", "-j", "--duration", "2h"]) is None
    assert fastpath.parse(["exec", "A"]) is None
    assert fastpath.parse(["export", "A", "--format", "json"]) is None
    assert fastpath.parse(["exec", "$(touch pwn)", "-j"]) is None
    assert fastpath.parse(["exec", "-j", "-j"]) is None


def test_switching_shells_keep_the_fast_path(sandbox: Sandbox, moto: MotoServer) -> None:
    """A region exported by the previous profile does not defeat the memo."""
    setup(sandbox)
    first = run("export", "A", "--format", "zsh")
    assert first.returncode == 0, first.stderr
    again = run("export", "A", "--format", "zsh", env={"AWS_REGION": "eu-west-3"})
    assert again.returncode == 0, again.stderr
    assert "argparse" not in imported(again)
    assert again.stdout == first.stdout


def test_a_memo_pointed_at_another_profiles_session_is_not_served(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """json-B edited to name A's session: `exec B -j` still answers B's role (issue 16, item 7)."""
    setup(sandbox)
    sandbox.write_config(
        CONFIG
        + "\n[profile B]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = base\n"
    )
    assert run("exec", "A", "-j").returncode == 0
    assert run("exec", "B", "-j").returncode == 0
    folder = sandbox.state / "fastpath"
    memo_a = json.loads((folder / "json-A").read_text())
    memo_b = json.loads((folder / "json-B").read_text())
    memo_b["key"] = memo_a["key"]
    (folder / "json-B").write_text(json.dumps(memo_b))
    answer = run("exec", "B", "-j")
    assert answer.returncode == 0, answer.stderr
    assert ":222222222222:assumed-role/B/" in caller(answer.stdout, moto.url)
