"""`rotate`: new key created, stored, verified and the old one deleted; every failure is safe."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import MotoServer, Sandbox, app, cli
from credchain import add_keys, error_lines, mfa_count, mfa_script

from awsprompt.aws.credentials import Credentials
from awsprompt.aws.rotate import Rotator
from awsprompt.config.profiles import Source
from awsprompt.errors import ExitCode, RotateIncomplete
from awsprompt.secrets.vault import FileVault, LongTermKey, key_fingerprint

pytestmark = pytest.mark.usefixtures("with_passphrase")

SETUP = {"aws_access_key_id": "AKIASETUP00000000000", "aws_secret_access_key": "setup"}


@pytest.fixture(autouse=True)
def _short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real back-off between retries in tests."""
    monkeypatch.setenv("AWSPROMPT_ROTATE_WAIT", "0")


def iam(moto: MotoServer, creds: dict[str, str] | None = None) -> Any:
    """An IAM client on moto (setup keys unless CREDS)."""
    return boto3.client("iam", endpoint_url=moto.url, region_name="us-east-1", **(creds or SETUP))


def make_user(moto: MotoServer, user: str, keys: int = 1) -> list[tuple[str, str]]:
    """IAM user USER with KEYS access keys; [(id, secret)]."""
    client = iam(moto)
    client.create_user(UserName=user)
    made = [client.create_access_key(UserName=user)["AccessKey"] for _ in range(keys)]
    return [(k["AccessKeyId"], k["SecretAccessKey"]) for k in made]


def aws_keys(moto: MotoServer, user: str, creds: dict[str, str] | None = None) -> set[str]:
    """The access key ids moto holds for USER."""
    meta = iam(moto, creds).list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"] for k in meta}


def caller_arn(moto: MotoServer, key: LongTermKey) -> str:
    """GetCallerIdentity's ARN for a stored KEY."""
    sts = boto3.client(
        "sts",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    return str(sts.get_caller_identity()["Arn"])


def stored(profile: str) -> LongTermKey:
    """The key the vault holds for PROFILE."""
    return FileVault(app()).get(profile)


def vault_hash(sandbox: Sandbox) -> str:
    """sha256 of the vault file."""
    return hashlib.sha256((sandbox.state / "vault.v1").read_bytes()).hexdigest()


def as_creds(key: LongTermKey) -> dict[str, str]:
    """boto3 keyword credentials for KEY."""
    return {"aws_access_key_id": key.access_key_id, "aws_secret_access_key": key.secret_access_key}


# --- rotate PROFILE ------------------------------------------------------------------------


def test_rotate_replaces_the_key_in_aws_and_the_vault(sandbox: Sandbox, moto: MotoServer) -> None:
    """Rotating a role profile rotates its source: old key gone, new key stored and working."""
    [(old_id, old_secret)] = make_user(moto, "alice")
    add_keys("alice", old_id, old_secret)
    sandbox.write_config(
        "[profile alice]\n"
        "[profile admin]\nrole_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = alice\n"
    )
    assert cli("exec", "-j", "admin").returncode == 0
    sessions = sandbox.state / "sessions"
    old_fp = key_fingerprint(old_id)
    assert any(json.loads(p.read_text())["source_fp"] == old_fp for p in sessions.glob("*.json"))

    result = cli("rotate", "admin")
    assert result.returncode == 0, result.stderr
    new = stored("alice")
    assert new.access_key_id != old_id
    assert aws_keys(moto, "alice") == {new.access_key_id}
    assert caller_arn(moto, new) == "arn:aws:iam::123456789012:user/alice"
    assert datetime.now(timezone.utc) - new.added < timedelta(minutes=5)
    assert not any(
        json.loads(p.read_text())["source_fp"] == old_fp for p in sessions.glob("*.json")
    )
    assert new.access_key_id[-4:] in result.stderr
    for secret in (old_secret, new.secret_access_key, old_id, new.access_key_id):
        assert secret not in result.stdout + result.stderr
    rows = {r["name"]: r for r in json.loads(cli("list", "--json").stdout)}
    assert rows["alice"]["key_id"].endswith(new.access_key_id[-4:])
    assert rows["alice"]["key_age_days"] == 0


def test_rotate_with_mfa_uses_one_mfa_session(sandbox: Sandbox, moto: MotoServer) -> None:
    """A source with mfa_serial is rotated through one GetSessionToken: the code is asked once."""
    [(old_id, old_secret)] = make_user(moto, "bob")
    add_keys("bob", old_id, old_secret)
    sandbox.write_config(
        "[profile bob]\nmfa_serial = arn:aws:iam::123456789012:mfa/bob\n"
        f"mfa_process = {mfa_script(sandbox)}\n"
    )
    result = cli("rotate", "bob")
    assert result.returncode == 0, result.stderr
    assert mfa_count(sandbox) == 1
    new = stored("bob")
    assert aws_keys(moto, "bob") == {new.access_key_id} != {old_id}


def test_delete_failure_keeps_the_new_key_and_says_the_old_one_exists(
    sandbox: Sandbox, private_moto: MotoServer
) -> None:
    """DeleteAccessKey denied (moto auth mode): new key stored and working, exit 19, clear state."""
    [(old_id, old_secret)] = make_user(private_moto, "carol")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:DeleteAccessKey", "Resource": "*"},
        ],
    }
    client = iam(private_moto)
    arn = client.create_policy(PolicyName="no-delete", PolicyDocument=json.dumps(policy))
    client.attach_user_policy(UserName="carol", PolicyArn=arn["Policy"]["Arn"])
    add_keys("carol", old_id, old_secret)
    private_moto.enable_auth()

    result = cli("rotate", "carol", "--no-session")
    assert result.returncode == ExitCode.ROTATE_INCOMPLETE, result.stderr
    [line] = error_lines(result.stderr)
    assert "still exists in AWS" in line
    assert old_id[-4:] in line
    assert "aws iam delete-access-key --user-name carol" in line
    assert old_secret not in result.stderr
    new = stored("carol")
    assert new.access_key_id != old_id
    assert aws_keys(private_moto, "carol", as_creds(new)) == {old_id, new.access_key_id}
    assert caller_arn(private_moto, new).endswith(":user/carol")


def test_limit_of_two_keys_changes_nothing(sandbox: Sandbox, moto: MotoServer) -> None:
    """CreateAccessKey refused at AWS's 2-key limit: vault file and AWS keys unchanged."""
    keys = make_user(moto, "dave", keys=2)
    add_keys("dave", *keys[0])
    before = vault_hash(sandbox)
    result = cli("rotate", "dave")
    assert result.returncode == ExitCode.AWS
    [line] = error_lines(result.stderr)
    assert "already has 2 access keys" in line
    assert "nothing changed" in line
    assert vault_hash(sandbox) == before
    assert aws_keys(moto, "dave") == {keys[0][0], keys[1][0]}


def test_failed_verification_rolls_back(sandbox: Sandbox, moto: MotoServer) -> None:
    """When the new key never verifies, it is deleted again and the vault keeps the old key."""
    [(old_id, old_secret)] = make_user(moto, "erin")
    vault = FileVault(app())
    vault.put("erin", LongTermKey(old_id, old_secret))

    def client(service: str, creds: Credentials, region: str | None) -> Any:
        # The new key's GetCallerIdentity goes to an endpoint that does not answer.
        url = moto.url
        if service == "sts" and creds.access_key_id != old_id:
            url = "http://127.0.0.1:9"
        return boto3.client(
            service,
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            config=Config(retries={"max_attempts": 1}),
        )

    with pytest.raises(RotateIncomplete) as caught:
        Rotator(app(), vault=vault, client=client, wait=0).rotate(Source("erin", "vault"))
    assert "deleted again" in caught.value.message
    assert "old key" in caught.value.message
    assert FileVault(app()).get("erin").access_key_id == old_id
    assert aws_keys(moto, "erin") == {old_id}


def test_plaintext_source_is_refused(sandbox: Sandbox) -> None:
    """Keys in ~/.aws/credentials are not rotated; the hint points at `awsprompt import`."""
    sandbox.write_credentials(
        "[plain]\naws_access_key_id = AKIAPLAIN00000000000\naws_secret_access_key = s3cr3t\n"
    )
    result = cli("rotate", "plain")
    assert result.returncode == ExitCode.USAGE
    assert "awsprompt import" in result.stderr


# --- rotate --all --------------------------------------------------------------------------


def store_aged(ages: dict[str, int], moto: MotoServer) -> dict[str, str]:
    """One IAM user per profile with a stored key AGES[profile] days old; {profile: key id}."""
    now = datetime.now(timezone.utc)
    keys = {}
    for profile, days in ages.items():
        [(key_id, secret)] = make_user(moto, profile)
        keys[profile] = LongTermKey(key_id, secret, added=now - timedelta(days=days))
    FileVault(app()).put_many(keys)
    return {p: k.access_key_id for p, k in keys.items()}


def test_rotate_all_rotates_only_old_keys(sandbox: Sandbox, moto: MotoServer) -> None:
    """Only keys past --older-than rotate; one MFA code per source; table on stdout."""
    old = store_aged({"old1": 200, "old2": 95, "fresh": 10}, moto)
    mfa = mfa_script(sandbox)
    sandbox.write_config(
        "".join(
            f"[profile {p}]\nmfa_serial = arn:aws:iam::123456789012:mfa/{p}\nmfa_process = {mfa}\n"
            for p in old
        )
    )
    result = cli("rotate", "--all")
    assert result.returncode == 0, result.stderr
    assert "PROFILE" in result.stdout
    assert "old1" in result.stdout
    assert "fresh" not in result.stdout
    assert mfa_count(sandbox) == 2
    for profile in ("old1", "old2"):
        new = stored(profile)
        assert new.access_key_id != old[profile]
        assert aws_keys(moto, profile) == {new.access_key_id}
        assert new.access_key_id[-4:] in result.stdout
    assert stored("fresh").access_key_id == old["fresh"]
    assert aws_keys(moto, "fresh") == {old["fresh"]}


def test_rotate_all_continues_after_a_failure(sandbox: Sandbox, moto: MotoServer) -> None:
    """A key at the 2-key limit fails, the other still rotates, and the exit code is 19."""
    old = store_aged({"full": 100, "ok": 100}, moto)
    iam(moto).create_access_key(UserName="full")
    result = cli("rotate", "--all", "--older-than", "30", "--json")
    assert result.returncode == ExitCode.ROTATE_INCOMPLETE
    rows = {r["profile"]: r for r in json.loads(result.stdout)}
    assert rows["ok"]["result"] == "rotated"
    assert rows["full"]["result"].startswith("failed")
    assert "already has 2 access keys" in result.stderr
    assert stored("full").access_key_id == old["full"]
    assert stored("ok").access_key_id != old["ok"]


def test_dry_run_changes_nothing_and_needs_no_passphrase(
    sandbox: Sandbox, moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--dry-run lists the old keys from the index alone: no AWS call, no decryption."""
    old = store_aged({"old1": 200, "fresh": 1}, moto)
    before = vault_hash(sandbox)
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE")
    result = cli("rotate", "--all", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "old1" in result.stdout
    assert "would rotate" in result.stdout
    assert "fresh" not in result.stdout
    assert vault_hash(sandbox) == before
    assert aws_keys(moto, "old1") == {old["old1"]}


def test_dry_run_over_a_thousand_keys_needs_no_passphrase_or_aws(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--dry-run over 1,000 stored keys reads only the index: no passphrase, no AWS endpoint."""
    added = datetime.now(timezone.utc) - timedelta(days=120)
    FileVault(app()).put_many(
        {f"p{i:04d}": LongTermKey(f"AKIA{i:016d}", "secret", added=added) for i in range(1000)}
    )
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    result = cli("rotate", "--all", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 1000
