"""awsprompt.emulation: the moto launcher and the sign-in stub shared by tests, demo and bench."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ROOT, FederationStub, MotoServer

from awsprompt.errors import ExitCode

# Every test here starts a server (or tries to).
pytestmark = pytest.mark.slow

SESSION = json.dumps({"sessionId": "ASIAX", "sessionKey": "secret", "sessionToken": "token"})


def client(server: MotoServer, service: str, key: str = "AKIAEXAMPLE0000000001") -> Any:
    """A boto3 client for SERVICE on SERVER."""
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="secret",
    )


def refused(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:PORT."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def get(url: str, **params: str) -> tuple[int, dict[str, object]]:
    """GET URL?PARAMS; return (status, JSON body)."""
    full = f"{url}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(full, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_two_moto_servers_get_their_own_ports_and_stop(private_moto: MotoServer) -> None:
    """Each launcher runs its own moto on a port the kernel chose; stop() frees it."""
    with MotoServer(base_env=os.environ) as other:
        assert other.port != private_moto.port
        arn = client(other, "sts").get_caller_identity()["Arn"]
        assert arn.startswith("arn:aws:sts::")
        assert '"POST / HTTP/1.1" 200' in other.log_tail()  # stderr is drained
    assert other.proc.poll() is not None
    assert refused(other.port)
    other.stop()  # again: harmless


def test_reset_forgets_state(private_moto: MotoServer) -> None:
    """reset() drops IAM users created before it."""
    iam = client(private_moto, "iam")
    iam.create_user(UserName="temporary")
    private_moto.reset()
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_user(UserName="temporary")


def test_enable_auth_refuses_unknown_keys(private_moto: MotoServer) -> None:
    """After enable_auth() a key moto never issued gets InvalidClientTokenId."""
    iam = client(private_moto, "iam")
    iam.create_user(UserName="known")
    key = iam.create_access_key(UserName="known")["AccessKey"]
    private_moto.enable_auth()
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        client(private_moto, "sts").get_caller_identity()
    sts = boto3.client(
        "sts",
        endpoint_url=private_moto.url,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    assert sts.get_caller_identity()["Arn"].endswith(":user/known")


def test_without_moto_the_demo_says_what_to_install(tmp_path: Path) -> None:
    """With no moto importable, `demo` fails with exit 3 and the install hint, creating nothing."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TMPDIR"] = str(tmp)
    # -S: no site-packages, so neither moto nor flask can be found.
    result = subprocess.run(
        [sys.executable, "-S", "-m", "awsprompt", "demo", "--script"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert result.stdout == ""
    assert "the local AWS emulation (moto) is not installed" in result.stderr
    assert "awsprompt[demo]" in result.stderr
    assert list(tmp.iterdir()) == []  # no sandbox folder left behind


def test_stub_answers_a_well_formed_request(federation_stub: FederationStub) -> None:
    """getSigninToken with a session (and a valid duration) gets the token; all is recorded."""
    status, body = get(
        federation_stub.url, Action="getSigninToken", Session=SESSION, SessionDuration="3600"
    )
    assert (status, body) == (200, {"SigninToken": federation_stub.token})
    assert federation_stub.paths == ["/federation"]
    assert federation_stub.queries[0]["SessionDuration"] == ["3600"]
    assert federation_stub.sessions() == [json.loads(SESSION)]


@pytest.mark.parametrize(
    "params",
    [
        {"Action": "login", "Session": SESSION},
        {"Action": "getSigninToken"},
        {"Action": "getSigninToken", "Session": "not json"},
        {"Action": "getSigninToken", "Session": json.dumps({"sessionId": "ASIAX"})},
        {"Action": "getSigninToken", "Session": SESSION, "SessionDuration": "899"},
        {"Action": "getSigninToken", "Session": SESSION, "SessionDuration": "43201"},
    ],
)
def test_stub_refuses_what_the_endpoint_refuses(
    federation_stub: FederationStub, params: dict[str, str]
) -> None:
    """A wrong action, a missing or partial session, or a bad duration gets HTTP 400."""
    status, body = get(federation_stub.url, **params)
    assert status == 400
    assert "SigninToken" not in body


def test_stub_plays_a_failing_endpoint_and_takes_posts(federation_stub: FederationStub) -> None:
    """Forced status and body answer every request; POST forms are recorded like queries."""
    federation_stub.status = 503
    federation_stub.body = b'{"oops": true}'
    assert get(federation_stub.url, Action="getSigninToken", Session=SESSION) == (
        503,
        {"oops": True},
    )
    federation_stub.status = federation_stub.body = None
    data = urllib.parse.urlencode({"Action": "getSigninToken", "Session": SESSION}).encode()
    with urllib.request.urlopen(federation_stub.url, data=data, timeout=5) as response:  # noqa: S310
        assert json.loads(response.read()) == {"SigninToken": federation_stub.token}
    assert federation_stub.posts == [{"Action": ["getSigninToken"], "Session": [SESSION]}]


def test_stub_stop_closes_the_port() -> None:
    """After stop() nothing answers on the stub's port."""
    stub = FederationStub().start()
    port = urllib.parse.urlsplit(stub.url).port
    assert port is not None and not refused(port)
    stub.stop()
    stub.stop()
    assert refused(port)
