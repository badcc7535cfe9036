"""`exec`: credential_process JSON, child environments, MFA sharing, the cache and error codes."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timezone

import boto3
import pytest
from conftest import PASSPHRASE, ROOT, MotoServer, Sandbox, app, cli
from credchain import (
    ACCOUNT,
    BASE_KEY,
    BASE_SECRET,
    PROCESS_KEYS,
    add_keys,
    chain_config,
    child_env,
    error_lines,
    mfa_count,
    mfa_script,
    process_json,
    setup_chain,
)

from awsprompt.aws.credentials import Credentials
from awsprompt.emulation.stsfront import StsFront
from awsprompt.errors import ExitCode

pytestmark = pytest.mark.usefixtures("with_passphrase")

RFC3339_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
MOTO_GST_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


def caller_arn(doc: dict[str, object]) -> tuple[str, str]:
    """(Arn, Account) of GetCallerIdentity signed with the credentials in DOC."""
    client = boto3.client(
        "sts",
        aws_access_key_id=str(doc["AccessKeyId"]),
        aws_secret_access_key=str(doc["SecretAccessKey"]),
        aws_session_token=str(doc["SessionToken"]),
        region_name="us-east-1",
    )
    ident = client.get_caller_identity()
    return ident["Arn"], ident["Account"]


# --- credential_process JSON ---------------------------------------------------------------


def test_exec_json_is_exactly_one_credential_process_document(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """`exec -j B` prints one Version 1 JSON object with exactly the five keys, nothing else."""
    setup_chain(sandbox)
    result = cli("exec", "-j", "B")
    doc = process_json(result)
    assert set(doc) == PROCESS_KEYS
    assert doc["Version"] == 1
    assert str(doc["AccessKeyId"]).startswith("ASIA")
    assert RFC3339_Z.fullmatch(str(doc["Expiration"]))
    assert result.stdout.count("\n") == 1
    assert result.stdout.strip() == json.dumps(doc)


def test_exec_json_credentials_are_role_b_in_its_account(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """The credentials of `exec -j B` are the assumed role B in 333333333333."""
    setup_chain(sandbox)
    arn, account = caller_arn(process_json(cli("exec", "-j", "B")))
    assert account == ACCOUNT["B"]
    assert re.fullmatch(r"arn:aws:sts::333333333333:assumed-role/B/awsprompt-[\w+=,.@-]+", arn)


def test_mfa_source_is_asked_once_for_every_role_of_the_source(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """exec A, B and C share one MFA session: the mfa_process runs exactly once."""
    setup_chain(sandbox)
    docs = {name: process_json(cli("exec", "-j", name)) for name in ("A", "B", "C")}
    assert mfa_count(sandbox) == 1
    assert len({d["AccessKeyId"] for d in docs.values()}) == 3
    for name, doc in docs.items():
        arn, account = caller_arn(doc)
        assert account == ACCOUNT[name]
        assert f":assumed-role/{name}/" in arn


def test_cached_sessions_work_with_the_endpoint_down(
    sandbox: Sandbox, private_moto: MotoServer
) -> None:
    """Once A, B and C are cached, they are served while the STS endpoint is stopped."""
    setup_chain(sandbox)
    first = {name: process_json(cli("exec", "-j", name)) for name in ("A", "B", "C")}
    private_moto.stop()
    for name in ("A", "B", "C"):
        again = process_json(cli("exec", "-j", name))
        assert again == first[name]
    rc, env, _ = child_env("B")
    assert rc == 0
    assert env["AWS_ACCESS_KEY_ID"] == first["B"]["AccessKeyId"]
    assert mfa_count(sandbox) == 1


def test_long_single_role_sends_mfa_on_assume_role(sandbox: Sandbox, moto: MotoServer) -> None:
    """`exec A --duration 2h` skips the shared session (own MFA ask); 1h calls reuse it."""
    setup_chain(sandbox)
    long = process_json(cli("exec", "-j", "--duration", "2h", "A"))
    assert str(long["AccessKeyId"]).startswith("ASIA")
    assert mfa_count(sandbox) == 1
    process_json(cli("exec", "-j", "A"))
    process_json(cli("exec", "-j", "C"))
    assert mfa_count(sandbox) == 2
    assert process_json(cli("exec", "-j", "--duration", "2h", "A")) == long
    assert mfa_count(sandbox) == 2


def test_mfa_serial_on_the_role_profile_is_shared_by_its_chain(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """With mfa_serial/mfa_process on A (AWS CLI style), A and B share one MFA session."""
    add_keys()
    sandbox.write_config(
        "[profile base]\n"
        "[profile A]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\n"
        f"mfa_serial = arn:aws:iam::000000000000:mfa/me\nmfa_process = {mfa_script(sandbox)}\n"
        "[profile B]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = A\n"
    )
    for name in ("A", "B", "A", "B"):
        _, account = caller_arn(process_json(cli("exec", "-j", name)))
        assert account == ACCOUNT[name]
    assert mfa_count(sandbox) == 1


# --- the child's environment -----------------------------------------------------------------


def test_exec_child_gets_temporary_credentials_and_prompt_variables(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """`exec B -- cmd` gives the child ASIA keys, token, expiry and the profile variables."""
    setup_chain(sandbox)
    doc = process_json(cli("exec", "-j", "B"))
    rc, env, _ = child_env("B")
    assert rc == 0
    assert env["AWS_ACCESS_KEY_ID"] == doc["AccessKeyId"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_SECRET_ACCESS_KEY"] == doc["SecretAccessKey"]
    assert env["AWS_SESSION_TOKEN"] == doc["SessionToken"]
    assert env["AWS_CREDENTIAL_EXPIRATION"] == doc["Expiration"]
    assert env["AWS_VAULT"] == "B"
    assert env["AWSPROMPT_PROFILE"] == "B"
    assert env["AWSPROMPT_ACCOUNT"] == ACCOUNT["B"]
    expires = datetime.fromtimestamp(int(env["AWSPROMPT_EXPIRES"]), tz=timezone.utc)
    assert expires.strftime("%Y-%m-%dT%H:%M:%SZ") == env["AWS_CREDENTIAL_EXPIRATION"]


def test_exec_scrubs_inherited_credentials_and_the_passphrase(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """Inherited AWS_PROFILE/keys/token are replaced or removed; the passphrase never passes."""
    setup_chain(sandbox)
    inherited = {
        "AWS_PROFILE": "someone",
        "AWS_DEFAULT_PROFILE": "someone",
        "AWS_ACCESS_KEY_ID": "AKIAINHERITED0000000",
        "AWS_SECRET_ACCESS_KEY": "inherited-secret",
        "AWS_SESSION_TOKEN": "inherited-token",
        "AWS_SECURITY_TOKEN": "inherited-token",
        "AWS_VAULT_FILE_PASSPHRASE": "vault-pass",
    }
    rc, env, _ = child_env("B", env=inherited)
    assert rc == 0
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"):
        assert var not in env
    assert "AWSPROMPT_PASSPHRASE" not in env
    assert "AWS_VAULT_FILE_PASSPHRASE" not in env
    blob = json.dumps(env)
    for secret in ("AKIAINHERITED0000000", "inherited-secret", "inherited-token", PASSPHRASE):
        assert secret not in blob
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")


def test_exec_env_command_output(sandbox: Sandbox, moto: MotoServer) -> None:
    """`exec B -- env` prints the session variables (seen through the real env(1))."""
    setup_chain(sandbox)
    result = cli("exec", "B", "--", "env")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert lines["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert lines["AWS_SESSION_TOKEN"]
    assert lines["AWS_VAULT"] == "B"
    assert "AWSPROMPT_PASSPHRASE" not in lines


def test_exec_passes_the_child_exit_code_through(sandbox: Sandbox, moto: MotoServer) -> None:
    """`exec B -- sh -c 'exit 7'` exits 7."""
    setup_chain(sandbox)
    assert cli("exec", "B", "--", "sh", "-c", "exit 7").returncode == 7
    assert cli("exec", "B", "--", "true").returncode == 0


def test_exec_unknown_command_is_a_usage_error(sandbox: Sandbox, moto: MotoServer) -> None:
    """A command that does not exist gives one clear error, not a traceback."""
    setup_chain(sandbox)
    result = cli("exec", "B", "--", "no-such-command-awsprompt")
    assert result.returncode == ExitCode.USAGE
    assert len(error_lines(result.stderr)) == 1
    assert "Traceback" not in result.stderr


def test_exec_inside_another_profile_switches_cleanly(sandbox: Sandbox, moto: MotoServer) -> None:
    """exec C from inside exec A: the child sees C only, and A's region does not leak."""
    setup_chain(sandbox)
    text = sandbox.config.read_text().replace("[profile A]\n", "[profile A]\nregion = eu-west-3\n")
    sandbox.write_config(text)
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    inner = (
        f'AWSPROMPT_PASSPHRASE="$TEST_PW" exec "{sys.executable}" -m awsprompt exec C --'
        f' "{sys.executable}" -c "{code}"'
    )
    result = cli("exec", "A", "--", "sh", "-c", inner, env={"TEST_PW": PASSPHRASE})
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)
    c_doc = process_json(cli("exec", "-j", "C"))
    assert env["AWS_ACCESS_KEY_ID"] == c_doc["AccessKeyId"]
    assert env["AWS_SESSION_TOKEN"] == c_doc["SessionToken"]
    assert env["AWS_VAULT"] == env["AWSPROMPT_PROFILE"] == "C"
    assert env["AWSPROMPT_ACCOUNT"] == ACCOUNT["C"]
    assert env.get("AWS_REGION") != "eu-west-3"
    assert env.get("AWS_DEFAULT_REGION") != "eu-west-3"
    assert mfa_count(sandbox) == 1


# --- long-term keys ----------------------------------------------------------------------


def test_keys_alone_give_the_child_a_session_not_the_keys(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """A profile with keys alone gets a GetSessionToken session; the long-term keys stay out."""
    add_keys("plain")
    rc, env, _ = child_env("plain")
    assert rc == 0
    assert env["AWS_SESSION_TOKEN"]
    assert env["AWS_CREDENTIAL_EXPIRATION"]
    blob = json.dumps(env)
    assert BASE_KEY not in blob
    assert BASE_SECRET not in blob


def test_no_session_gives_the_long_term_keys_only_when_asked(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """--no-session hands the vault keys themselves to the child, with no session token."""
    add_keys("plain")
    rc, env, _ = child_env("plain", "--no-session")
    assert rc == 0
    assert env["AWS_ACCESS_KEY_ID"] == BASE_KEY
    assert env["AWS_SECRET_ACCESS_KEY"] == BASE_SECRET
    assert "AWS_SESSION_TOKEN" not in env
    assert "AWS_CREDENTIAL_EXPIRATION" not in env


def test_long_term_keys_from_credential_process_are_refused_in_a_child(
    sandbox: Sandbox,
) -> None:
    """A credential_process yielding long-term keys is refused for a child without --no-session."""
    doc = json.dumps({"Version": 1, "AccessKeyId": BASE_KEY, "SecretAccessKey": BASE_SECRET})
    script = sandbox.root / "cp.sh"
    script.write_text(f"#!/bin/sh\necho '{doc}'\n")
    script.chmod(0o700)
    sandbox.write_config(f"[profile proc]\ncredential_process = {script}\n")
    result = cli("exec", "proc", "--", "env")
    assert result.returncode == ExitCode.USAGE
    assert BASE_SECRET not in result.stdout + result.stderr
    assert "proc" in error_lines(result.stderr)[0]
    rc, env, _ = child_env("proc", "--no-session")
    assert rc == 0
    assert env["AWS_ACCESS_KEY_ID"] == BASE_KEY


# --- errors --------------------------------------------------------------------------------


def assert_error(result: object, code: ExitCode, *names: str) -> str:
    """RESULT failed with CODE and one error line naming one of NAMES; return that line."""
    assert result.returncode == code, (result.returncode, result.stderr)  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    lines = error_lines(result.stderr)  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    assert any(f"'{n}'" in lines[0] for n in names), lines[0]
    return lines[0]


def test_stopped_endpoint_is_exit_15(sandbox: Sandbox, private_moto: MotoServer) -> None:
    """With the STS endpoint down and nothing cached, exec fails with ENDPOINT (15)."""
    setup_chain(sandbox)
    private_moto.stop()
    line = assert_error(cli("exec", "-j", "B"), ExitCode.ENDPOINT, "B", "base")
    assert "endpoint" in line


@pytest.mark.parametrize(
    ("output", "status"), [("123456", 1), ("hello", 0), ("", 0)], ids=["exit1", "hello", "empty"]
)
def test_bad_mfa_process_is_exit_13(
    sandbox: Sandbox, moto: MotoServer, output: str, status: int
) -> None:
    """An mfa_process that fails or prints no 6-digit code gives MFA (13) naming the profile."""
    add_keys()
    sandbox.write_config(chain_config(mfa_script(sandbox, "bad", output, status)))
    line = assert_error(cli("exec", "-j", "A"), ExitCode.MFA, "base")
    assert "mfa_process" in line
    assert mfa_count(sandbox, "bad") == 1


def test_mfa_required_without_prompt_is_exit_17(sandbox: Sandbox, moto: MotoServer) -> None:
    """MFA needed, no mfa_process and --no-prompt: MFA_REQUIRED (17), no STS session made."""
    add_keys()
    sandbox.write_config(
        "[profile base]\nmfa_serial = arn:aws:iam::000000000000:mfa/me\n"
        "[profile A]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\n"
    )
    assert_error(cli("exec", "-j", "--no-prompt", "A"), ExitCode.MFA_REQUIRED, "base", "A")
    assert not list((sandbox.state / "sessions").glob("*.json"))


def role_mfa_config(mfa_process: str | None = None) -> str:
    """base (keys only) -> A with mfa_serial (and MFA_PROCESS) on A, AWS CLI style -> B."""
    process = f"mfa_process = {mfa_process}\n" if mfa_process else ""
    return (
        "[profile base]\n"
        "[profile A]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\n"
        f"mfa_serial = arn:aws:iam::000000000000:mfa/me\n{process}"
        "[profile B]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = A\n"
    )


@pytest.mark.parametrize("asked", ["A", "B"])
def test_bad_mfa_process_on_the_role_profile_names_it(
    sandbox: Sandbox, moto: MotoServer, asked: str
) -> None:
    """A failing mfa_process set on A is reported as A's, not as the source base's."""
    add_keys()
    sandbox.write_config(role_mfa_config(mfa_script(sandbox, "bad", "hello", 0)))
    line = assert_error(cli("exec", "-j", asked), ExitCode.MFA, "A")
    assert "mfa_process of profile 'A'" in line
    assert "'base'" not in line


@pytest.mark.parametrize("where", ["source", "role"])
def test_mfa_required_hint_names_the_profile_asked_for(
    sandbox: Sandbox, moto: MotoServer, where: str
) -> None:
    """`exec -j --no-prompt B` needing MFA says to run `aws-use B`, wherever mfa_serial is."""
    add_keys()
    if where == "source":
        config = chain_config("x").replace("mfa_process = x\n", "")
    else:
        config = role_mfa_config()
    sandbox.write_config(config)
    line = assert_error(cli("exec", "-j", "--no-prompt", "B"), ExitCode.MFA_REQUIRED, "B")
    assert "`aws-use B`" in line
    assert "`awsprompt exec B`" in line
    assert "'base'" not in line and "aws-use A" not in line and "aws-use base" not in line
    assert not list((sandbox.state / "sessions").glob("*.json"))


def test_mfa_token_option_works_without_prompt(sandbox: Sandbox, moto: MotoServer) -> None:
    """--mfa-token supplies the code, so --no-prompt succeeds."""
    add_keys()
    sandbox.write_config(
        "[profile base]\nmfa_serial = arn:aws:iam::000000000000:mfa/me\n"
        "[profile A]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\n"
    )
    doc = process_json(cli("exec", "-j", "--no-prompt", "--mfa-token", "123456", "A"))
    assert str(doc["AccessKeyId"]).startswith("ASIA")


def test_failing_credential_process_is_exit_16(sandbox: Sandbox) -> None:
    """A profile's own credential_process exiting non-zero gives CREDENTIAL_PROCESS (16)."""
    sandbox.write_config(
        "[profile proc]\ncredential_process = sh -c 'echo no luck >&2; exit 3'\n"
        "[profile viaproc]\nrole_arn = arn:aws:iam::111111111111:role/X\nsource_profile = proc\n"
    )
    line = assert_error(cli("exec", "-j", "proc"), ExitCode.CREDENTIAL_PROCESS, "proc")
    assert "no luck" in line
    assert_error(cli("exec", "-j", "viaproc"), ExitCode.CREDENTIAL_PROCESS, "proc")


def test_credential_process_printing_garbage_is_exit_16(sandbox: Sandbox) -> None:
    """A credential_process printing no valid JSON gives CREDENTIAL_PROCESS (16)."""
    sandbox.write_config("[profile proc]\ncredential_process = echo not-json\n")
    assert_error(cli("exec", "-j", "proc"), ExitCode.CREDENTIAL_PROCESS, "proc")


def _iam_user_with_role(server: MotoServer) -> dict[str, str]:
    """Create user u (allowed sts:AssumeRole) and role R trusting u with ExternalId 'right'."""
    iam = boto3.client(
        "iam",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIASETUP00000000000",
        aws_secret_access_key="setup",
    )
    iam.create_user(UserName="u")
    key = iam.create_access_key(UserName="u")["AccessKey"]
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="assume", PolicyDocument=json.dumps(allow))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="u", PolicyArn=arn)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:user/u"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "right"}},
            }
        ],
    }
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(trust))
    return {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def test_wrong_external_id_is_access_denied_11(sandbox: Sandbox, private_moto: MotoServer) -> None:
    """In moto's auth mode, the right external_id assumes the role and a wrong one exits 11."""
    key = _iam_user_with_role(private_moto)
    add_keys("iamuser", key["id"], key["secret"])
    role = "role_arn = arn:aws:iam::123456789012:role/R\nsource_profile = iamuser\n"
    sandbox.write_config(
        f"[profile good]\n{role}external_id = right\n[profile bad]\n{role}external_id = wrong\n"
    )
    private_moto.enable_auth()
    arn, _ = caller_arn(process_json(cli("exec", "-j", "good")))
    assert ":assumed-role/R/" in arn
    line = assert_error(cli("exec", "-j", "bad"), ExitCode.ACCESS_DENIED, "bad")
    assert "AccessDenied" in line
    assert key["secret"] not in line


def test_unknown_key_is_token_invalid_12(sandbox: Sandbox, private_moto: MotoServer) -> None:
    """In moto's auth mode, keys AWS does not know give TOKEN_INVALID (12) naming the profile."""
    add_keys("ghost", "AKIAGHOSTKEY00000000", "ghost-secret-0000000000000000000000000000")
    private_moto.enable_auth()
    assert_error(cli("exec", "-j", "ghost"), ExitCode.TOKEN_INVALID, "ghost")


# --- the session cache ---------------------------------------------------------------------


def sessions(sandbox: Sandbox) -> list[dict[str, object]]:
    """Metadata of every cached session file."""
    return [json.loads(p.read_text()) for p in (sandbox.state / "sessions").glob("*.json")]


def test_clear_profile_drops_only_its_sessions(sandbox: Sandbox, moto: MotoServer) -> None:
    """`clear B` drops B's session; A and the MFA session stay, so no new MFA is needed."""
    setup_chain(sandbox)
    docs = {name: process_json(cli("exec", "-j", name)) for name in ("A", "B", "C")}
    assert sorted(str(s["profile"]) for s in sessions(sandbox)) == ["A", "B", "C", "base"]
    result = cli("clear", "B")
    assert result.returncode == 0, result.stderr
    assert sorted(str(s["profile"]) for s in sessions(sandbox)) == ["A", "C", "base"]
    new_b = process_json(cli("exec", "-j", "B"))
    assert new_b["AccessKeyId"] != docs["B"]["AccessKeyId"]
    assert process_json(cli("exec", "-j", "A")) == docs["A"]
    assert mfa_count(sandbox) == 1
    assert cli("clear").returncode == 0
    assert sessions(sandbox) == []
    process_json(cli("exec", "-j", "C"))
    assert mfa_count(sandbox) == 2


def test_sessions_are_refreshed_inside_the_min_ttl_window(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """A session with less than AWSPROMPT_MIN_TTL left is fetched again (the MFA asked again)."""
    add_keys()
    sandbox.write_config(
        f"[profile base]\nmfa_serial = arn:aws:iam::000000000000:mfa/me\n"
        f"mfa_process = {mfa_script(sandbox)}\n"
    )
    process_json(cli("exec", "-j", "base"))
    process_json(cli("exec", "-j", "base"))
    assert mfa_count(sandbox) == 1
    process_json(cli("exec", "-j", "base", env={"AWSPROMPT_MIN_TTL": "2h"}))
    assert mfa_count(sandbox) == 2
    process_json(cli("exec", "-j", "base", env={"AWS_MIN_TTL": "50m"}))
    assert mfa_count(sandbox) == 2


def test_cache_files_are_private_and_hold_no_secret(sandbox: Sandbox, moto: MotoServer) -> None:
    """Session files are 0600 in a 0700 folder and no key, secret or token appears in them."""
    setup_chain(sandbox)
    add_keys("plain")
    docs = [process_json(cli("exec", "-j", name)) for name in ("A", "B", "C", "plain")]
    folder = sandbox.state / "sessions"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.iterdir() if p.is_file()]
    assert len([p for p in files if p.suffix == ".json"]) == 5
    secrets = {BASE_KEY, BASE_SECRET, MOTO_GST_SECRET}
    for doc in docs:
        secrets |= {str(doc["AccessKeyId"]), str(doc["SecretAccessKey"]), str(doc["SessionToken"])}
    for path in sandbox.state.rglob("*"):
        if path.is_file():
            if path.parent == folder:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, (path, secret[:4])


def test_cached_exec_json_does_not_import_boto3(sandbox: Sandbox, moto: MotoServer) -> None:
    """A cache hit of `exec -j B` answers without importing boto3 or botocore."""
    setup_chain(sandbox)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "awsprompt", "exec", "-j", "B"],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            check=False,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            timeout=60,
        )

    cold = run()
    assert cold.returncode == 0, cold.stderr
    assert re.search(r"\|\s+boto3$", cold.stderr, re.M)  # the probe does see boto3 when used
    warm = run()
    assert warm.returncode == 0, warm.stderr
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
    assert not re.search(r"\|\s+(boto3|botocore)(\.|$)", warm.stderr, re.M)


def test_a_cached_session_that_aws_refuses_is_dropped_and_made_again(
    sandbox: Sandbox, moto: MotoServer, with_passphrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ExpiredToken for a cached MFA session: drop it, ask for MFA once more, succeed (issue 16)."""
    proxy = StsFront(moto.url, reject_key="ASIAREJECTEDSESSION1").start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", proxy.url)
    setup_chain(sandbox)
    assert cli("exec", "A", "-j").returncode == 0
    assert mfa_count(sandbox) == 1
    ctx = app()
    entries = {m.kind: m for m in ctx.sessions.entries()}
    ctx.sessions.drop(entries["AssumeRole"].key)
    gst = entries["GetSessionToken"]
    good = ctx.sessions.get(gst.key, 0)
    assert good is not None
    bogus = Credentials("ASIAREJECTEDSESSION1", "x" * 40, "bogus-token", good.expiration)
    ctx.sessions.put(gst, bogus)
    result = cli("exec", "A", "-j")
    assert result.returncode == 0, result.stderr
    assert proxy.refused == 1
    assert "AWS refused the cached session of GetSessionToken" in result.stderr
    assert "ExpiredToken" in result.stderr
    assert mfa_count(sandbox) == 2  # one fresh code for the new session, then no more
    assert cli("exec", "C", "-j").returncode == 0
    assert mfa_count(sandbox) == 2
    shown = app().sessions.get(gst.key, 0)
    assert shown is not None and shown.access_key_id != "ASIAREJECTEDSESSION1"


def test_a_loose_session_folder_is_refused(
    sandbox: Sandbox, moto: MotoServer, with_passphrase: str
) -> None:
    """sessions/ at mode 755 is refused (exit 7, a chmod hint) like every other loose mode."""
    setup_chain(sandbox)
    assert cli("exec", "A", "-j").returncode == 0
    (sandbox.state / "sessions").chmod(0o755)
    result = cli("exec", "A", "-j")
    assert result.returncode == ExitCode.INSECURE
    assert f"chmod 700 {sandbox.state / 'sessions'}" in result.stderr
    assert result.stdout == ""


def test_credentials_that_arrive_expired_are_an_error(
    sandbox: Sandbox, moto: MotoServer, with_passphrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STS answering already-expired credentials is exit 12 naming the clock, never exit 0."""
    proxy = StsFront(moto.url, expire=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", proxy.url)
    setup_chain(sandbox)
    result = cli("exec", "A", "-j")
    assert result.returncode == ExitCode.TOKEN_INVALID, result.stderr
    assert "already expired" in result.stderr
    assert "clock" in result.stderr
    assert result.stdout == ""
    assert list(app().sessions.entries()) == []  # nothing expired was cached


def test_mfa_token_from_stdin(sandbox: Sandbox, moto: MotoServer, with_passphrase: str) -> None:
    """`--mfa-token -` reads the code from stdin (no code in argv) and uses it for MFA."""
    add_keys()
    sandbox.write_config(
        "[profile base]\nmfa_serial = arn:aws:iam::000000000000:mfa/me\n"
        "[profile A]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\n"
    )
    result = cli("exec", "A", "-j", "--no-prompt", "--mfa-token", "-", input="123456\n")
    assert result.returncode == 0, result.stderr
    bad = cli("clear")
    assert bad.returncode == 0
    refused = cli("exec", "A", "-j", "--no-prompt", "--mfa-token", "-", input="12ab\n")
    assert refused.returncode == ExitCode.MFA


def test_the_sts_front_refuses_a_wrong_mfa_code(
    sandbox: Sandbox, moto: MotoServer, with_passphrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the front's code set (as the demo does), only that MFA code works: exit 13 else."""
    front = StsFront(moto.url, mfa_code="123456").start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", front.url)
    setup_chain(sandbox)
    sandbox.write_config(chain_config(mfa_script(sandbox, output="654321")))
    wrong = cli("exec", "A", "-j")
    assert wrong.returncode == ExitCode.MFA, wrong.stderr
    assert "MultiFactorAuthentication" in wrong.stderr
    sandbox.write_config(chain_config(mfa_script(sandbox, output="123456")))
    assert cli("exec", "A", "-j").returncode == 0
    front.stop()
