"""IAM Identity Center end to end through the CLI: sso login, exec, roles from SSO, the AWS CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import PASSPHRASE, ROOT, MotoServer, Sandbox, cli
from credchain import aws_cli, caller_arn
from ssoworld import ACCOUNT_A, ACCOUNT_B, ROLE, SESSION, START_URL, new_emulation

from awsprompt.clock import SYSTEM
from awsprompt.emulation.identitycenter import IdentityCenter
from awsprompt.errors import ExitCode

pytestmark = pytest.mark.slow

CONFIG = f"""
[sso-session {SESSION}]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile Sandbox/{ROLE}]
sso_session = {SESSION}
sso_account_id = {ACCOUNT_A}
sso_role_name = {ROLE}

[profile dev]
sso_session = {SESSION}
sso_account_id = {ACCOUNT_A}
sso_role_name = {ROLE}
region = eu-west-1

[profile hub-to-prod]
role_arn = arn:aws:iam::{ACCOUNT_B}:role/deployer
source_profile = dev
region = eu-west-1

[profile cli-dev]
credential_process = {sys.executable} -m awsprompt exec -j dev
"""


@pytest.fixture
def world(sandbox: Sandbox, moto: MotoServer) -> Iterator[IdentityCenter]:
    """Identity Center emulated on 127.0.0.1 (role credentials from moto), the config above."""
    emu = new_emulation(SYSTEM, moto_url=moto.url)
    os.environ.update(emu.env())
    sandbox.write_config(CONFIG)
    yield emu
    emu.stop()


def sso_login(emu: IdentityCenter, *args: str) -> subprocess.CompletedProcess[str]:
    """`awsprompt sso login ARGS --device-code --no-browser`, the person confirming the code."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "awsprompt", "sso", "login", *args, "--device-code", "--no-browser"],
        cwd=ROOT,
        env={**os.environ, "AWSPROMPT_PASSPHRASE": PASSPHRASE},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        found = re.search(r"confirm the code: ([A-Z]{4}-[A-Z]{4})", line)
        if found:
            assert emu.approve(found.group(1))
    out, _ = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(seen))


def test_sso_login_then_exec_a_role_and_a_role_assumed_from_it(
    sandbox: Sandbox, moto: MotoServer, world: IdentityCenter
) -> None:
    """One sign-in serves an SSO profile and a role chained from it; sessions are cached."""
    login = sso_login(world, "dev")
    assert login.returncode == 0, login.stderr
    assert "Signed in to sso-session 'corp'" in login.stderr
    assert (sandbox.state / "vault.v1").exists()  # the token needed a vault: it was created
    for token in world.access_tokens():
        assert token not in login.stdout + login.stderr
    env = {"AWSPROMPT_PASSPHRASE": PASSPHRASE}
    first = cli("exec", "dev", "-j", env=env)
    assert first.returncode == 0, first.stderr
    arn = caller_arn(json.loads(first.stdout), moto.url)
    assert f":{ACCOUNT_A}:assumed-role/{ROLE}/" in arn
    calls = world.calls["GetRoleCredentials"]
    again = cli("exec", "dev", "-j", env=env)
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert world.calls["GetRoleCredentials"] == calls  # from the encrypted session cache
    chained = cli("exec", "hub-to-prod", "-j", env=env)
    assert chained.returncode == 0, chained.stderr
    arn = caller_arn(json.loads(chained.stdout), moto.url)
    assert f":{ACCOUNT_B}:assumed-role/deployer/" in arn
    named = cli("exec", f"Sandbox/{ROLE}", "-j", env=env)  # a name as sso sync writes it
    assert named.returncode == 0, named.stderr
    assert f":{ACCOUNT_A}:assumed-role/{ROLE}/" in caller_arn(json.loads(named.stdout), moto.url)


def test_the_aws_cli_gets_sso_credentials_through_credential_process(
    sandbox: Sandbox, moto: MotoServer, world: IdentityCenter
) -> None:
    """`aws sts get-caller-identity --profile cli-dev` answers the SSO role via awsprompt."""
    assert sso_login(world, "--sso-session", SESSION).returncode == 0
    env = {
        **os.environ,
        "AWSPROMPT_PASSPHRASE": PASSPHRASE,
        "AWS_ENDPOINT_URL_STS": moto.url,
        "AWS_PAGER": "",
    }
    result = subprocess.run(
        [str(aws_cli()), "sts", "get-caller-identity", "--profile", "cli-dev"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == ACCOUNT_A


def test_no_token_and_no_terminal_names_the_login_to_run(
    sandbox: Sandbox, world: IdentityCenter
) -> None:
    """Under credential_process (no terminal) a missing sign-in is one clear error, no browser."""
    env = {"AWSPROMPT_PASSPHRASE": PASSPHRASE}
    assert (
        cli(
            "add",
            "keys",
            "--env",
            env={
                **env,
                "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "s" * 40,
            },
        ).returncode
        == 0
    )
    result = cli("exec", "dev", "-j", env=env)
    assert result.returncode == ExitCode.TOKEN_INVALID, result.stderr
    assert "not signed in to sso-session 'corp'" in result.stderr
    assert "awsprompt sso login" in result.stderr
    assert world.calls["StartDeviceAuthorization"] == 0
    assert world.calls["RegisterClient"] == 0


def test_twenty_parallel_callers_share_one_role_session(
    sandbox: Sandbox, world: IdentityCenter
) -> None:
    """Twenty `exec -j` at once after one sign-in: one GetRoleCredentials for the role."""
    assert sso_login(world, "dev").returncode == 0
    before = world.calls["GetRoleCredentials"]
    env = {"AWSPROMPT_PASSPHRASE": PASSPHRASE}
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: cli("exec", "dev", "-j", env=env), range(20)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert len({r.stdout for r in results}) == 1
    assert world.calls["GetRoleCredentials"] - before == 1


def test_logout_forgets_the_token_and_its_role_sessions(
    sandbox: Sandbox, world: IdentityCenter
) -> None:
    """After `sso logout`, exec needs a new sign-in; the derived role session is gone too."""
    assert sso_login(world, "dev").returncode == 0
    env = {"AWSPROMPT_PASSPHRASE": PASSPHRASE}
    assert cli("exec", "dev", "-j", env=env).returncode == 0
    out = cli("sso", "logout", SESSION, env=env)
    assert out.returncode == 0, out.stderr
    assert "revoked and forgotten; 1 role session(s) dropped" in out.stderr
    after = cli("exec", "dev", "-j", env=env)
    assert after.returncode == ExitCode.TOKEN_INVALID
    assert "awsprompt sso login" in after.stderr


def test_sso_login_needs_a_session_it_can_find(sandbox: Sandbox, world: IdentityCenter) -> None:
    """A profile without Identity Center settings, or an unknown session, is a clear error."""
    sandbox.write_config(
        CONFIG + "\n[sso-session other]\nsso_start_url = https://x\nsso_region = us-east-1\n"
    )
    unknown = cli("sso", "login", "--sso-session", "nope")
    assert unknown.returncode == ExitCode.CONFIG
    assert "sso-session 'nope' does not exist" in unknown.stderr
    which = cli("sso", "login")
    assert which.returncode == ExitCode.USAGE
    assert "corp" in which.stderr and "other" in which.stderr


def test_doctor_and_list_know_sso_profiles(sandbox: Sandbox, world: IdentityCenter) -> None:
    """doctor warns before the sign-in and is content after it; list shows type and account."""
    before = json.loads(cli("doctor", "--json").stdout)
    sso = [c for c in before if c["name"] == "sso"]
    assert sso == [
        {
            "name": "sso",
            "status": "warn",
            "message": "sso-session 'corp': not signed in",
            "fix": "run `awsprompt sso login --sso-session corp`",
        }
    ]
    assert sso_login(world, "dev").returncode == 0
    after = [c for c in json.loads(cli("doctor", "--json").stdout) if c["name"] == "sso"]
    assert after[0]["status"] == "ok"
    assert "refreshed as needed" in after[0]["message"]
    rows = {r["name"]: r for r in json.loads(cli("list", "--json").stdout)}
    assert rows["dev"]["type"] == "sso"
    assert rows["dev"]["account"] == ACCOUNT_A
    assert rows["hub-to-prod"]["account"] == ACCOUNT_B
