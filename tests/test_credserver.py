"""The local credentials server: `exec --server`, `serve --zsh-parent` and the endpoint itself."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import MotoServer, Sandbox, cli
from credchain import add_keys

from awsprompt.aws.credentials import Credentials
from awsprompt.errors import MfaRequired
from awsprompt.shell import credserver

# Every test starts an endpoint (in this process or through the CLI).
pytestmark = [pytest.mark.usefixtures("with_passphrase"), pytest.mark.slow]

ROLE_ACCOUNT = "444455556666"
STATIC_SENTINEL = "AKIASTATICSENTINEL01"
CONTAINER_VARS = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN")
AWSPROMPT = (sys.executable, "-m", "awsprompt")
KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

# Runs as the child of `exec --server` (or with the variables `serve` printed). It talks to the
# endpoint itself and through boto3, and prints one JSON document of what it saw.
CHILD = r"""
import http.client, json, os, sys, time, urllib.parse

mode = sys.argv[1]
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
port = urllib.parse.urlsplit(url).port


def get(headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", "/", skip_host=True)
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, json.loads(body)


host = ("Host", f"127.0.0.1:{port}")
out = {
    "url": url,
    "env": sorted(k for k in os.environ if k.startswith(("AWS", "AWSPROMPT"))),
    "region": os.environ.get("AWS_REGION"),
    "profile": os.environ.get("AWSPROMPT_PROFILE"),
    "account": os.environ.get("AWSPROMPT_ACCOUNT"),
    "cmdline": open("/proc/self/cmdline", "rb").read().decode(errors="replace"),
    "parent_cmdline": open(f"/proc/{os.getppid()}/cmdline", "rb").read().decode(errors="replace"),
    "token_in_cmdline": False,
}
out["token_in_cmdline"] = token in out["cmdline"] or token in out["parent_cmdline"]
if mode == "probe":
    out["no_token"] = get([host])[0]
    out["wrong_token"] = get([host, ("Authorization", "x" * len(token))])[0]
    out["foreign_host"] = get([("Host", f"evil.example:{port}"), ("Authorization", token)])[0]
    out["no_host"] = get([("Authorization", token)])[0]
    out["good"] = get([host, ("Authorization", token)])[0]
    listening = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                listening.append(local.split(":")[0])
    out["listening"] = listening
elif mode == "refresh":
    import boto3

    session = boto3.Session()
    sts = session.client("sts")
    creds = session.get_credentials()
    out["arn1"] = sts.get_caller_identity()["Arn"]
    out["sdk_key1"] = creds.get_frozen_credentials().access_key
    out["endpoint_key1"] = get([host, ("Authorization", token)])[1]["AccessKeyId"]
    time.sleep(float(sys.argv[2]))
    out["arn2"] = sts.get_caller_identity()["Arn"]
    out["sdk_key2"] = creds.get_frozen_credentials().access_key
    out["endpoint_key2"] = get([host, ("Authorization", token)])[1]["AccessKeyId"]
print(json.dumps(out))
sys.exit(int(os.environ.get("CHILD_EXIT", "0")))
"""


def setup_role(sandbox: Sandbox) -> None:
    """Vault keys for `base`, and role R (900 s sessions) in ROLE_ACCOUNT assumed from them."""
    add_keys()
    sandbox.write_config(
        "[profile base]\n"
        "[profile R]\n"
        f"role_arn = arn:aws:iam::{ROLE_ACCOUNT}:role/R\n"
        "source_profile = base\n"
        "duration_seconds = 900\n"
        "region = eu-west-1\n"
    )


def child_script(sandbox: Sandbox) -> str:
    """The CHILD program as a file."""
    path = sandbox.root / "child.py"
    path.write_text(CHILD)
    return str(path)


def run_exec(sandbox: Sandbox, mode: str, *extra: str, env: dict[str, str] | None = None) -> dict:
    """`exec --server R -- python child.py MODE EXTRA...` and the child's JSON."""
    result = cli(
        "exec", "--server", "R", "--", sys.executable, child_script(sandbox), mode, *extra, env=env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(url: str) -> bool:
    """True when nothing accepts connections at URL any more."""
    port = urllib.parse.urlsplit(url).port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/")
    except ConnectionRefusedError:
        return True
    finally:
        conn.close()
    return False


def request(port: int, headers: dict[str, str]) -> tuple[int, dict]:
    """GET / with exactly HEADERS (no automatic Host)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", "/", skip_host=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    return resp.status, body


def zsh_records(raw: str) -> list[list[str]]:
    """Parse export/unset/set NUL records, failing on anything malformed."""
    fields = raw.split("\0")
    assert fields[-1] == "", "records end with a NUL"
    fields.pop()
    records = []
    while fields:
        kind = fields.pop(0)
        width = {"export": 2, "unset": 1, "set": 2}[kind]
        records.append([kind, *fields[:width]])
        del fields[:width]
    return records


def gone(pid: int, timeout: float) -> bool:
    """Wait up to TIMEOUT for PID to exit (a zombie counts as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not credserver.process_alive(pid):
            return True
        time.sleep(0.1)
    return False


# --- exec --server end to end (moto) --------------------------------------------------------


def test_boto3_child_gets_role_and_fresh_credentials_after_expiry(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """A boto3 child with only the container variables is role R, and gets new keys when stale."""
    setup_role(sandbox)
    # Sessions last 900 s and are stale with 894 s left: fresh for ~6 s, then replaced.
    out = run_exec(sandbox, "refresh", "7", env={"AWSPROMPT_MIN_TTL": "894s"})
    for arn in (out["arn1"], out["arn2"]):
        assert arn.startswith(f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/R/")
    assert out["sdk_key1"].startswith("ASIA")
    assert out["sdk_key1"] == out["endpoint_key1"]
    assert out["sdk_key2"] == out["endpoint_key2"]
    assert out["endpoint_key2"] != out["endpoint_key1"]


def test_child_gets_container_variables_and_no_static_keys(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """The child sees the endpoint, token, profile, account and region, and no key variables."""
    setup_role(sandbox)
    out = run_exec(
        sandbox,
        "env",
        env={
            "AWS_ACCESS_KEY_ID": STATIC_SENTINEL,
            "AWS_SECRET_ACCESS_KEY": "static-secret",
            "AWS_SESSION_TOKEN": "static-token",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent",
        },
    )
    assert set(CONTAINER_VARS) <= set(out["env"])
    assert not set(KEY_VARS) & set(out["env"])
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" not in out["env"]
    assert "AWSPROMPT_PASSPHRASE" not in out["env"]
    assert out["url"].startswith("http://127.0.0.1:")
    assert (out["profile"], out["account"], out["region"]) == ("R", ROLE_ACCOUNT, "eu-west-1")


def test_endpoint_refuses_missing_wrong_token_and_foreign_host(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """No token, a wrong token, a foreign or missing Host header get 403; the right one 200."""
    setup_role(sandbox)
    out = run_exec(sandbox, "probe")
    assert (out["no_token"], out["wrong_token"], out["foreign_host"], out["no_host"]) == (
        403,
        403,
        403,
        403,
    )
    assert out["good"] == 200


def test_endpoint_listens_on_loopback_only(sandbox: Sandbox, moto: MotoServer) -> None:
    """/proc/net/tcp shows the endpoint's port listening on 127.0.0.1 only."""
    setup_role(sandbox)
    out = run_exec(sandbox, "probe")
    assert out["listening"] == ["0100007F"]


def test_exit_code_passes_through_and_endpoint_is_gone(sandbox: Sandbox, moto: MotoServer) -> None:
    """The child's exit status is exec's, and the endpoint refuses connections afterwards."""
    setup_role(sandbox)
    result = cli(
        "exec",
        "--server",
        "R",
        "--",
        sys.executable,
        child_script(sandbox),
        "env",
        env={"CHILD_EXIT": "5"},
    )
    assert result.returncode == 5, result.stderr
    assert refused(json.loads(result.stdout)["url"])


def test_token_is_not_in_any_argv(sandbox: Sandbox, moto: MotoServer) -> None:
    """Neither the child's nor awsprompt's command line carries the token."""
    setup_role(sandbox)
    out = run_exec(sandbox, "env")
    assert "exec" in out["parent_cmdline"]
    assert out["token_in_cmdline"] is False


def test_exec_server_refuses_json(sandbox: Sandbox, moto: MotoServer) -> None:
    """`exec --server --json` is a usage error (exit 2), not a silent choice of one."""
    setup_role(sandbox)
    result = cli("exec", "--server", "--json", "R")
    assert result.returncode == 2
    assert "--server" in result.stderr


def test_sigterm_is_forwarded_to_the_child(sandbox: Sandbox, moto: MotoServer) -> None:
    """SIGTERM to awsprompt reaches the child, whose status (143) becomes awsprompt's."""
    setup_role(sandbox)
    flag = sandbox.root / "started"
    code = f"import pathlib,time; pathlib.Path({str(flag)!r}).touch(); time.sleep(30)"
    proc = subprocess.Popen(
        [*AWSPROMPT, "exec", "--server", "R", "--", sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        deadline = time.monotonic() + 20
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flag.exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- serve --zsh-parent ---------------------------------------------------------------------


@pytest.fixture
def shell_stand_in() -> Iterator[subprocess.Popen[bytes]]:
    """A short-lived process standing in for the user's zsh."""
    proc = subprocess.Popen(["sleep", "3"])
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def start_serve(sandbox: Sandbox, parent: int) -> dict[str, str]:
    """Run `serve R --zsh-parent PARENT` and return its exports (checking the records)."""
    result = cli("serve", "R", "--zsh-parent", str(parent), timeout=30)
    assert result.returncode == 0, result.stderr
    records = zsh_records(result.stdout)
    exports = {r[1]: r[2] for r in records if r[0] == "export"}
    unsets = {r[1] for r in records if r[0] == "unset"}
    assert set(KEY_VARS) <= unsets
    assert "AWS_CREDENTIAL_EXPIRATION" in unsets
    return exports


def test_serve_prints_records_and_answers_with_the_token(
    sandbox: Sandbox, moto: MotoServer, shell_stand_in: subprocess.Popen[bytes]
) -> None:
    """serve prints valid NUL records; its background endpoint gives role R for the token."""
    setup_role(sandbox)
    exports = start_serve(sandbox, shell_stand_in.pid)
    pid = int(exports["AWSPROMPT_SERVER_PID"])
    try:
        assert set(exports) >= {
            *CONTAINER_VARS,
            "AWSPROMPT_SERVER_PID",
            "AWS_VAULT",
            "AWSPROMPT_PROFILE",
            "AWSPROMPT_ACCOUNT",
            "AWS_REGION",
        }
        assert not set(KEY_VARS) & set(exports)
        assert exports["AWSPROMPT_ACCOUNT"] == ROLE_ACCOUNT
        token = exports["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        assert len(token) >= 22  # at least 128 bits of urlsafe base64
        port = urllib.parse.urlsplit(exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"]).port
        assert port is not None
        host = f"127.0.0.1:{port}"
        status, doc = request(port, {"Host": host, "Authorization": token})
        assert status == 200
        assert set(doc) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}
        assert doc["AccountId"] == ROLE_ACCOUNT
        assert doc["AccessKeyId"].startswith("ASIA")
        assert request(port, {"Host": host})[0] == 403
        assert request(port, {"Host": f"evil.example:{port}", "Authorization": token})[0] == 403
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
        except PermissionError:  # not dumpable: other users cannot read it either
            environ = ""
        assert "serve" in cmdline
        assert token not in cmdline
        assert token not in environ
    finally:
        if not gone(pid, 0):
            os.kill(pid, signal.SIGTERM)


def test_serve_child_with_only_container_variables_is_role_r(
    sandbox: Sandbox, moto: MotoServer, shell_stand_in: subprocess.Popen[bytes]
) -> None:
    """A boto3 process given serve's exports (no keys) calls STS as role R."""
    setup_role(sandbox)
    exports = start_serve(sandbox, shell_stand_in.pid)
    pid = int(exports["AWSPROMPT_SERVER_PID"])
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS")}
        env.update({k: exports[k] for k in CONTAINER_VARS})
        env["AWS_ENDPOINT_URL"] = moto.url
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        code = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/R/")
    finally:
        if not gone(pid, 0):
            os.kill(pid, signal.SIGTERM)


def test_serve_exits_when_the_shell_exits(
    sandbox: Sandbox, moto: MotoServer, shell_stand_in: subprocess.Popen[bytes]
) -> None:
    """The background endpoint stops within seconds of its --zsh-parent exiting."""
    setup_role(sandbox)
    exports = start_serve(sandbox, shell_stand_in.pid)
    pid = int(exports["AWSPROMPT_SERVER_PID"])
    url = exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    assert credserver.process_alive(pid)
    assert not refused(url)
    shell_stand_in.kill()
    shell_stand_in.wait()
    assert gone(pid, 5), "serve outlived its shell"
    assert refused(url)


def test_serve_stops_on_sigterm(
    sandbox: Sandbox, moto: MotoServer, shell_stand_in: subprocess.Popen[bytes]
) -> None:
    """`kill $AWSPROMPT_SERVER_PID` (what `aws-use -u` does) stops the endpoint at once."""
    setup_role(sandbox)
    exports = start_serve(sandbox, shell_stand_in.pid)
    pid = int(exports["AWSPROMPT_SERVER_PID"])
    os.kill(pid, signal.SIGTERM)
    assert gone(pid, 3)
    assert refused(exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"])


def test_serve_refuses_a_dead_parent(sandbox: Sandbox, moto: MotoServer) -> None:
    """serve with a --zsh-parent that is not running is a usage error and starts nothing."""
    setup_role(sandbox)
    proc = subprocess.Popen(["true"])
    proc.wait()
    result = cli("serve", "R", "--zsh-parent", str(proc.pid))
    assert result.returncode == 2
    assert result.stdout == ""


# --- the endpoint as a library ----------------------------------------------------------------


def fake_creds(key: str = "ASIAFAKE0000000000001") -> Credentials:
    """Temporary credentials expiring in an hour."""
    return Credentials(
        key, "secret-SENTINEL", "token-SENTINEL", datetime.now(timezone.utc) + timedelta(hours=1)
    )


@pytest.fixture
def endpoint() -> Iterator[credserver.CredentialServer]:
    """A running endpoint whose provider counts its calls."""
    calls: list[int] = []

    def provider() -> Credentials:
        calls.append(1)
        return fake_creds(f"ASIAFAKE{len(calls):013d}")

    server = credserver.CredentialServer(provider)
    server.start()
    yield server
    server.stop()


def test_socket_is_bound_to_loopback(endpoint: credserver.CredentialServer) -> None:
    """The listening socket's address is 127.0.0.1 on a random port."""
    host, port = endpoint.address
    assert host == "127.0.0.1"
    assert port == endpoint.port > 0


def test_token_has_at_least_128_bits() -> None:
    """Each server gets a new token of at least 128 bits (22+ urlsafe base64 characters)."""
    a = credserver.CredentialServer(fake_creds)
    b = credserver.CredentialServer(fake_creds)
    try:
        assert len(a.token) >= 22
        assert a.token != b.token
    finally:
        a.stop()
        b.stop()


def test_good_request_gets_protocol_json(endpoint: credserver.CredentialServer) -> None:
    """The right token and Host give the four protocol keys with an RFC 3339 Z expiry."""
    status, doc = request(
        endpoint.port, {"Host": f"localhost:{endpoint.port}", "Authorization": endpoint.token}
    )
    assert status == 200
    assert set(doc) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert doc["Expiration"].endswith("Z")
    datetime.strptime(doc["Expiration"], "%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "127.0.0.1:{port}"},
        {"Host": "127.0.0.1:{port}", "Authorization": "wrong"},
        {"Host": "127.0.0.1:{port}", "Authorization": "{token}x"},
        {"Host": "127.0.0.1:{port}", "Authorization": "Bearer {token}"},
        {"Host": "evil.example:{port}", "Authorization": "{token}"},
        {"Host": "127.0.0.1:1", "Authorization": "{token}"},
        {"Authorization": "{token}"},
    ],
    ids=["no-token", "wrong", "longer", "bearer", "foreign-host", "other-port", "no-host"],
)
def test_bad_requests_get_403_without_calling_the_provider(
    endpoint: credserver.CredentialServer, headers: dict[str, str]
) -> None:
    """Missing/wrong tokens and foreign Host headers get 403 and no credentials."""
    filled = {k: v.format(port=endpoint.port, token=endpoint.token) for k, v in headers.items()}
    status, doc = request(endpoint.port, filled)
    assert status == 403
    assert "AccessKeyId" not in doc
    ok = request(
        endpoint.port, {"Host": f"127.0.0.1:{endpoint.port}", "Authorization": endpoint.token}
    )
    assert ok[1]["AccessKeyId"] == "ASIAFAKE0000000000001", "the refused request used the provider"


def test_provider_error_is_500_without_secrets() -> None:
    """An engine error becomes 500 with its message; an unexpected one names only its type."""

    def failing() -> Credentials:
        raise MfaRequired("profile 'R' needs a fresh MFA code for arn:aws:iam::1:mfa/me")

    def crashing() -> Credentials:
        raise RuntimeError("secret-SENTINEL")

    for provider, expected in ((failing, "needs a fresh MFA code"), (crashing, "RuntimeError")):
        server = credserver.CredentialServer(provider)
        server.start()
        try:
            status, doc = request(
                server.port, {"Host": f"127.0.0.1:{server.port}", "Authorization": server.token}
            )
        finally:
            server.stop()
        assert status == 500
        assert expected in doc["message"]
        assert "SENTINEL" not in json.dumps(doc)


def test_stop_refuses_later_connections() -> None:
    """After stop() the port refuses connections."""
    server = credserver.CredentialServer(fake_creds)
    server.start()
    server.stop()
    assert refused(server.url)


def test_quiet_no_request_log(capfd: pytest.CaptureFixture[str]) -> None:
    """Serving requests writes nothing to stdout or stderr (no headers, no token)."""
    server = credserver.CredentialServer(fake_creds)
    server.start()
    try:
        request(server.port, {"Host": f"127.0.0.1:{server.port}"})
        request(server.port, {"Host": f"127.0.0.1:{server.port}", "Authorization": server.token})
    finally:
        server.stop()
    out, err = capfd.readouterr()
    assert out == err == ""


def test_provider_calls_are_serialised() -> None:
    """Concurrent requests never run the provider at the same time."""
    import threading

    active = []
    peak = []

    def slow() -> Credentials:
        active.append(1)
        peak.append(len(active))
        time.sleep(0.05)
        active.pop()
        return fake_creds()

    server = credserver.CredentialServer(slow)
    server.start()
    headers = {"Host": f"127.0.0.1:{server.port}", "Authorization": server.token}
    try:
        threads = [threading.Thread(target=request, args=(server.port, headers)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert len(peak) == 6
    assert max(peak) == 1
