"""Console sign-in: destinations, the federation endpoint exchange, and federation tokens."""

from __future__ import annotations

import json
import socket
import traceback
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from conftest import FederationStub

from awsprompt.aws.credentials import Credentials
from awsprompt.aws.signin import (
    console_destination,
    federated_name,
    federation_credentials,
    federation_endpoint,
    get_signin_token,
    login_url,
)
from awsprompt.errors import (
    AccessDenied,
    AwsError,
    EndpointUnreachable,
    TokenInvalid,
    UsageError,
)

SECRET = "SENTINEL-secret-key-do-not-leak-0123456789"
TOKEN = "SENTINEL-session-token-do-not-leak"
ROLE_CREDS = Credentials("ASIAEXAMPLEROLEKEY01", SECRET, TOKEN)


@pytest.fixture
def stub(federation_stub: FederationStub) -> FederationStub:
    """Serve /federation?Action=getSigninToken on 127.0.0.1 from a thread."""
    federation_stub.token = "stub-signin-token-42"
    return federation_stub


def _assert_no_secret(err: BaseException) -> None:
    text = "".join(traceback.format_exception(err)) + repr(err) + str(getattr(err, "hint", ""))
    assert SECRET not in text
    assert TOKEN not in text
    assert "Session=" not in text


def test_default_destination() -> None:
    """Without a region the link lands on the global console home."""
    assert console_destination(None) == "https://console.aws.amazon.com/"


def test_regional_destination() -> None:
    """A region gives the regional console host and a region query."""
    assert (
        console_destination("eu-west-1")
        == "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
    )


def test_service_and_path_destinations() -> None:
    """A service opens its home page; a path keeps its own query and fragment."""
    assert (
        console_destination("us-east-2", service="ec2")
        == "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2"
    )
    assert (
        console_destination("us-east-2", path="/ec2/home#Instances:")
        == "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:"
    )
    assert (
        console_destination("us-east-2", path="s3/buckets?tab=objects")
        == "https://us-east-2.console.aws.amazon.com/s3/buckets?tab=objects&region=us-east-2"
    )
    assert console_destination(None, service="iam") == "https://console.aws.amazon.com/iam/home"


def test_china_and_govcloud_destinations() -> None:
    """cn- and us-gov- regions use their partition's console and sign-in domains."""
    assert (
        console_destination("cn-north-1")
        == "https://console.amazonaws.cn/console/home?region=cn-north-1"
    )
    assert (
        console_destination("us-gov-west-1", service="s3")
        == "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1"
    )
    assert federation_endpoint("cn-northwest-1") == "https://signin.amazonaws.cn/federation"
    assert federation_endpoint("us-gov-east-1") == "https://signin.amazonaws-us-gov.com/federation"
    assert federation_endpoint("eu-west-1") == "https://signin.aws.amazon.com/federation"
    assert federation_endpoint(None) == "https://signin.aws.amazon.com/federation"


def test_federation_endpoint_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWSPROMPT_FEDERATION_URL replaces the endpoint for every partition."""
    override = "http://127.0.0.1:9/federation"
    assert federation_endpoint("cn-north-1", override) == "http://127.0.0.1:9/federation"
    with pytest.raises(UsageError):
        federation_endpoint(None, "file:///etc/passwd")


@pytest.mark.parametrize(
    ("region", "path", "service"),
    [
        ("eu-west-1'x", None, None),
        ("EU-WEST-1", None, None),
        (None, "https://evil.example/", None),
        (None, "//evil.example/x", None),
        (None, "ec2/home\nx", None),
        (None, None, "ec2/../x"),
    ],
)
def test_hostile_destination_parts_refused(
    region: str | None, path: str | None, service: str | None
) -> None:
    """Regions, paths and services that could redirect the link elsewhere are refused."""
    with pytest.raises(UsageError):
        console_destination(region, path, service)


def test_signin_token_and_link(stub: FederationStub) -> None:
    """The stub receives the session JSON; the link carries its token and the destination."""
    token = get_signin_token(ROLE_CREDS, "eu-west-1", 3600, stub.url)
    assert token == "stub-signin-token-42"
    assert stub.paths == ["/federation"]
    query = stub.queries[0]
    assert query["Action"] == ["getSigninToken"]
    assert query["SessionDuration"] == ["3600"]
    assert json.loads(query["Session"][0]) == {
        "sessionId": "ASIAEXAMPLEROLEKEY01",
        "sessionKey": SECRET,
        "sessionToken": TOKEN,
    }
    destination = console_destination("eu-west-1", service="ec2")
    link = login_url(token, destination, stub.url)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == stub.url
    params = parse_qs(parts.query)
    assert params == {
        "Action": ["login"],
        "Issuer": ["awsprompt"],
        "Destination": [destination],
        "SigninToken": ["stub-signin-token-42"],
    }
    assert SECRET not in link


def test_no_session_duration_unless_given(stub: FederationStub) -> None:
    """SessionDuration is only sent when the caller asks (role credentials)."""
    get_signin_token(ROLE_CREDS, None, None, stub.url)
    assert "SessionDuration" not in stub.queries[0]


def test_endpoint_from_environment(stub: FederationStub) -> None:
    """`awsprompt login` sends the token request to AWSPROMPT_FEDERATION_URL."""
    endpoint = federation_endpoint("us-east-1", stub.url)
    assert get_signin_token(ROLE_CREDS, "us-east-1", None, endpoint) == "stub-signin-token-42"
    assert len(stub.queries) == 1


@pytest.mark.parametrize("duration", [899, 43201])
def test_session_duration_bounds(stub: FederationStub, duration: int) -> None:
    """Console session durations outside 900..43200 are refused before any request."""
    with pytest.raises(UsageError):
        get_signin_token(ROLE_CREDS, None, duration, stub.url)
    assert stub.queries == []


def test_long_term_keys_refused(stub: FederationStub) -> None:
    """Long-term keys cannot be exchanged directly; nothing is sent."""
    with pytest.raises(UsageError, match="temporary"):
        get_signin_token(Credentials("AKIAEXAMPLE", SECRET), None, None, stub.url)
    assert stub.queries == []


def test_http_500_is_clear_and_secret_free(stub: FederationStub) -> None:
    """An HTTP 500 is an AwsError naming the status, without the URL or credentials."""
    stub.status = 500
    stub.body = b"oops"
    with pytest.raises(AwsError, match="HTTP 500") as info:
        get_signin_token(ROLE_CREDS, None, None, stub.url)
    _assert_no_secret(info.value)


def test_http_400_means_refused_credentials(stub: FederationStub) -> None:
    """A 400 from the endpoint (bad or expired session) is TokenInvalid."""
    stub.status = 400
    with pytest.raises(TokenInvalid) as info:
        get_signin_token(ROLE_CREDS, None, None, stub.url)
    _assert_no_secret(info.value)


@pytest.mark.parametrize("body", [b"<html>not json</html>", b'{"Other": 1}', b"[]"])
def test_bad_answer(stub: FederationStub, body: bytes) -> None:
    """A body without a SigninToken is an AwsError, secret-free."""
    stub.body = body
    with pytest.raises(AwsError, match=r"SigninToken|JSON") as info:
        get_signin_token(ROLE_CREDS, None, None, stub.url)
    _assert_no_secret(info.value)


def test_unreachable_endpoint() -> None:
    """A closed port is EndpointUnreachable naming the host, never the query."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EndpointUnreachable, match=f"127.0.0.1:{port}") as info:
        get_signin_token(ROLE_CREDS, None, None, f"http://127.0.0.1:{port}/federation")
    _assert_no_secret(info.value)


def test_federated_name() -> None:
    """Names are sanitised to GetFederationToken's alphabet and at most 32 characters."""
    assert federated_name("alice") == "alice"
    assert federated_name("a" * 64) == "a" * 32
    assert federated_name("al ice/ops!") == "al-ice-ops-"
    assert federated_name("x") == "awsprompt"


def test_federation_credentials_against_moto(moto: object, stub: FederationStub) -> None:
    """GetFederationToken turns IAM user keys into session credentials that can sign in."""
    iam = boto3.client("iam", aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    long_term = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    first = boto3.client(
        "sts",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    creds = federation_credentials(long_term, "alice", 3600, first)
    assert creds.is_temporary
    assert creds.session_token
    assert creds.expiration is not None
    assert creds.access_key_id != long_term.access_key_id

    sts = boto3.client(
        "sts",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    again = federation_credentials(long_term, "alice@example.com", 900, sts)
    assert again.session_token

    token = get_signin_token(creds, "us-east-1", None, stub.url)
    session = json.loads(stub.queries[0]["Session"][0])
    assert session["sessionToken"] == creds.session_token
    assert token in login_url(token, console_destination("us-east-1"), stub.url)


def test_federation_credentials_refuses_bad_input() -> None:
    """Temporary credentials and out-of-range durations are refused before any call."""
    with pytest.raises(UsageError):
        federation_credentials(ROLE_CREDS, "alice", 3600, sts_client=object())
    with pytest.raises(UsageError):
        federation_credentials(Credentials("AKIA", SECRET), "alice", 129601, object())


def test_federation_access_denied_mapped(stub: FederationStub) -> None:
    """An STS AccessDenied answer becomes AccessDenied, without the secret in it."""
    stub.status = 403
    stub.body = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
        b"<Message>User alice is not authorized to perform sts:GetFederationToken</Message>"
        b"</Error><RequestId>r-1</RequestId></ErrorResponse>"
    )
    sts = boto3.client(
        "sts",
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        endpoint_url=stub.url.rsplit("/", 1)[0],
    )
    with pytest.raises(AccessDenied, match="sts:GetFederationToken") as info:
        federation_credentials(Credentials("AKIAEXAMPLE", SECRET), "bob", 3600, sts)
    assert stub.posts[0]["Action"] == ["GetFederationToken"]
    assert stub.posts[0]["Name"] == ["bob"]
    assert json.loads(stub.posts[0]["Policy"][0])["Statement"][0]["Effect"] == "Allow"
    _assert_no_secret(info.value)


def test_federation_unreachable_mapped() -> None:
    """An STS endpoint that cannot be reached is EndpointUnreachable."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sts = boto3.client(
        "sts",
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(EndpointUnreachable) as info:
        federation_credentials(Credentials("AKIAEXAMPLE", SECRET), "bob", 3600, sts)
    _assert_no_secret(info.value)
