"""`login`: the console link from a federation stub, for roles, IAM users, partitions, browsers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from conftest import FederationStub, MotoServer, Sandbox, cli
from credchain import BASE_KEY, BASE_SECRET, add_keys, error_lines

from awsprompt.errors import ExitCode

pytestmark = pytest.mark.usefixtures("with_passphrase")

SIGNIN_TOKEN = "stub-signin-token-7f3a"
# moto's fixed session tokens: same key id for both calls, different tokens.
MOTO_GST_TOKEN_PREFIX = "AQoEXAMPLEH4"
MOTO_FED_TOKEN_PREFIX = "AQoDYXdzEPT"
ROLE_CONFIG = (
    "[profile base]\n"
    "region = us-east-1\n"
    "[profile admin]\n"
    "role_arn = arn:aws:iam::111111111111:role/Admin\n"
    "source_profile = base\n"
    "region = eu-west-1\n"
)


class Federation(FederationStub):
    """What the local federation endpoint was asked."""

    def session(self) -> dict[str, str]:
        """The Session JSON of the only getSigninToken request."""
        assert len(self.queries) == 1, self.queries
        query = self.queries[0]
        assert query["Action"] == ["getSigninToken"]
        return json.loads(query["Session"][0])


@pytest.fixture
def federation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Federation]:
    """A getSigninToken stub on 127.0.0.1, with AWSPROMPT_FEDERATION_URL pointing at it."""
    with Federation(token=SIGNIN_TOKEN) as state:
        monkeypatch.setenv("AWSPROMPT_FEDERATION_URL", state.url)
        yield state


def link_query(link: str, federation: Federation) -> dict[str, str]:
    """The login link's parameters, after checking it points at the federation endpoint."""
    assert link.startswith(federation.url + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query["Action"] == "login"
    assert query["Issuer"] == "awsprompt"
    return query


def login_stdout(*args: str, federation: Federation) -> dict[str, str]:
    """Run `login ARGS --stdout`; return the link's parameters (fails unless stdout is one link)."""
    result = cli("login", *args, "--stdout")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert SIGNIN_TOKEN not in result.stderr
    return link_query(lines[0], federation)


def iam_user(moto: MotoServer, name: str = "alice") -> tuple[str, str]:
    """Create IAM user NAME with an access key in moto; return (key id, secret)."""
    iam = boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="AKIASETUP00000000000",
        aws_secret_access_key="setup",
    )
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_role_login_sends_the_role_session_and_prints_the_token(
    sandbox: Sandbox, moto: MotoServer, federation: Federation
) -> None:
    """A role profile's own session goes to getSigninToken; the link carries the stub's token."""
    add_keys()
    sandbox.write_config(ROLE_CONFIG)
    query = login_stdout("admin", "--duration", "2h", federation=federation)
    assert query["SigninToken"] == SIGNIN_TOKEN
    assert query["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
    )
    session = federation.session()
    assert set(session) == {"sessionId", "sessionKey", "sessionToken"}
    assert federation.queries[0]["SessionDuration"] == ["7200"]
    # The engine cached the role session: exec gives the very credentials the stub received.
    doc = json.loads(cli("exec", "-j", "admin").stdout)
    assert session == {
        "sessionId": doc["AccessKeyId"],
        "sessionKey": doc["SecretAccessKey"],
        "sessionToken": doc["SessionToken"],
    }
    assert session["sessionId"].startswith("ASIA")
    assert BASE_SECRET not in json.dumps(federation.queries)


def test_destinations_for_path_service_and_china(
    sandbox: Sandbox, moto: MotoServer, federation: Federation
) -> None:
    """--path, --service and a cn- region pick the right console Destination."""
    add_keys()
    sandbox.write_config(ROLE_CONFIG)
    query = login_stdout("admin", "--path", "ec2/home#Instances:", federation=federation)
    assert query["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"
    )
    query = login_stdout("admin", "--service", "s3", "--region", "us-east-2", federation=federation)
    assert (
        query["Destination"] == "https://us-east-2.console.aws.amazon.com/s3/home?region=us-east-2"
    )
    query = login_stdout("admin", "--region", "cn-north-1", federation=federation)
    assert query["Destination"] == "https://console.amazonaws.cn/console/home?region=cn-north-1"


def test_iam_user_login_uses_a_federation_token(
    sandbox: Sandbox, moto: MotoServer, federation: Federation
) -> None:
    """IAM-user keys are exchanged with GetFederationToken (not GetSessionToken, not the keys)."""
    key_id, secret = iam_user(moto)
    add_keys("alice", key_id, secret)
    sandbox.write_config("[profile alice]\nregion = us-east-1\n")
    query = login_stdout("alice", "--duration", "2h", federation=federation)
    assert query["SigninToken"] == SIGNIN_TOKEN
    assert query["Destination"] == (
        "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"
    )
    session = federation.session()
    # moto gives GetSessionToken and GetFederationToken the same key id; the tokens differ.
    assert session["sessionToken"].startswith(MOTO_FED_TOKEN_PREFIX)
    assert not session["sessionToken"].startswith(MOTO_GST_TOKEN_PREFIX)
    assert session["sessionId"] != key_id
    assert session["sessionKey"] != secret
    # SessionDuration is only for role credentials.
    assert "SessionDuration" not in federation.queries[0]


def test_login_opens_the_link_with_browser(
    sandbox: Sandbox, moto: MotoServer, federation: Federation
) -> None:
    """Without --stdout the link goes to $BROWSER only: not to stdout or stderr."""
    add_keys()
    sandbox.write_config(ROLE_CONFIG)
    opened = sandbox.root / "opened.txt"
    browser = sandbox.root / "browser.sh"
    browser.write_text(f"#!/bin/sh\nprintf '%s' \"$1\" > '{opened}'\n")
    browser.chmod(0o700)
    result = cli("login", "admin", env={"BROWSER": str(browser), "DISPLAY": ""})
    assert result.returncode == 0, result.stderr
    link = opened.read_text()
    assert link_query(link, federation)["SigninToken"] == SIGNIN_TOKEN
    assert result.stdout == ""
    assert SIGNIN_TOKEN not in result.stderr


def test_login_without_a_browser_says_to_use_stdout(
    sandbox: Sandbox, moto: MotoServer, federation: Federation
) -> None:
    """When no browser opens, stderr says so and suggests --stdout; the link is shown nowhere."""
    add_keys()
    sandbox.write_config(ROLE_CONFIG)
    env = {"BROWSER": "false", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    result = cli("login", "admin", env=env)
    assert result.returncode == ExitCode.ERROR
    assert "--stdout" in result.stderr
    assert "browser" in result.stderr
    assert SIGNIN_TOKEN not in result.stdout + result.stderr


def test_bad_console_path_is_refused_before_any_call(
    sandbox: Sandbox, moto: MotoServer, federation: Federation
) -> None:
    """A URL as --path is a usage error and nothing reaches the federation endpoint."""
    add_keys()
    sandbox.write_config(ROLE_CONFIG)
    result = cli("login", "admin", "--stdout", "--path", "https://evil.example/")
    assert result.returncode == ExitCode.USAGE
    assert error_lines(result.stderr)
    assert federation.queries == []
    assert BASE_KEY not in result.stderr
