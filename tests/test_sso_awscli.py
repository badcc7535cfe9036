"""The AWS CLI (v1, botocore) as a real reader of the token cache awsprompt writes, and back."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest
from conftest import MotoServer, Sandbox
from credchain import aws_cli
from ssoworld import ACCOUNT_A, ROLE, START_URL, config_text, make_world, new_emulation

from awsprompt.aws.sso.config import resolve_profile
from awsprompt.aws.sso.tokens import cli_cache_path, read_cli_token
from awsprompt.clock import SYSTEM
from awsprompt.emulation.identitycenter import FakeBrowser, IdentityCenter


@pytest.fixture
def moto_emu(moto: MotoServer) -> Iterator[IdentityCenter]:
    """An emulation on the real clock whose role credentials come from moto."""
    emu = new_emulation(SYSTEM, moto_url=moto.url)
    yield emu
    emu.stop()


def aws(
    sandbox: Sandbox, emu: IdentityCenter, moto: MotoServer, *args: str
) -> subprocess.CompletedProcess[str]:
    """`aws ARGS` with the sandbox HOME, Identity Center on EMU and STS on moto."""
    env = {
        **os.environ,
        "HOME": str(sandbox.home),
        "AWS_PAGER": "",
        "AWS_ENDPOINT_URL_SSO": emu.url,
        "AWS_ENDPOINT_URL_SSO_OIDC": emu.url,
        "AWS_ENDPOINT_URL_STS": moto.url,
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


def test_the_aws_cli_uses_the_token_awsprompt_wrote(
    sandbox: Sandbox, moto: MotoServer, moto_emu: IdentityCenter
) -> None:
    """With the write-back opt-in, `aws sts get-caller-identity --profile dev` needs no login."""
    w = make_world(sandbox, moto_emu, SYSTEM, write_cli_cache=True)
    w.login()
    sandbox.write_config(config_text("dev"))
    result = aws(sandbox, moto_emu, moto, "sts", "get-caller-identity", "--profile", "dev")
    assert result.returncode == 0, result.stderr
    ident = json.loads(result.stdout)
    assert ident["Account"] == ACCOUNT_A
    assert ident["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/{ROLE}/alice@example.com"
    assert moto_emu.calls["GetRoleCredentials"] == 1
    assert moto_emu.grants["refresh_token"] == 0


def test_the_aws_cli_refreshes_it_and_awsprompt_uses_the_refreshed_file(
    sandbox: Sandbox, moto: MotoServer, moto_emu: IdentityCenter
) -> None:
    """A token in the refresh window: the CLI refreshes it from our fields; we read its file."""
    moto_emu.token_ttl = 600  # under 15 minutes from the start
    w = make_world(sandbox, moto_emu, SYSTEM, write_cli_cache=True)
    ours = w.login()
    moto_emu.token_ttl = 8 * 3600
    sandbox.write_config(config_text("dev"))
    result = aws(sandbox, moto_emu, moto, "sts", "get-caller-identity", "--profile", "dev")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == ACCOUNT_A
    assert moto_emu.grants["refresh_token"] == 1
    theirs = read_cli_token(w.cli_cache, w.session)
    assert theirs is not None and theirs.access_token != ours.access_token
    # awsprompt prefers the fresher token the CLI left, without refreshing itself
    assert w.tokens.get(w.session).access_token == theirs.access_token
    assert moto_emu.grants["refresh_token"] == 1


def test_a_legacy_profile_file_is_keyed_by_the_start_url(
    sandbox: Sandbox, moto: MotoServer, moto_emu: IdentityCenter
) -> None:
    """For a legacy profile the CLI finds our file under SHA-1 of the start URL."""
    w = make_world(sandbox, moto_emu, SYSTEM, write_cli_cache=True)
    keys = {
        "sso_start_url": START_URL,
        "sso_region": "us-east-1",
        "sso_account_id": ACCOUNT_A,
        "sso_role_name": ROLE,
    }
    w.config = resolve_profile("old", keys, {})
    w.login(browser=FakeBrowser(background=False))  # legacy: the device flow
    assert cli_cache_path(w.cli_cache, w.session).exists()
    sandbox.write_config("[profile old]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()))
    result = aws(sandbox, moto_emu, moto, "sts", "get-caller-identity", "--profile", "old")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == ACCOUNT_A


def test_without_a_token_the_aws_cli_fails(
    sandbox: Sandbox, moto: MotoServer, moto_emu: IdentityCenter
) -> None:
    """Control: with the default (no write-back) the CLI finds no token after our sign-in."""
    w = make_world(sandbox, moto_emu, SYSTEM)
    w.login()
    sandbox.write_config(config_text("dev"))
    result = aws(sandbox, moto_emu, moto, "sts", "get-caller-identity", "--profile", "dev")
    assert result.returncode != 0
    assert moto_emu.calls["GetRoleCredentials"] == 0
    for secret in moto_emu.access_tokens():
        assert secret not in result.stderr
