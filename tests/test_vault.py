"""The encrypted file vault at rest: KDF floors, bounded headers, integrity, atomic writes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import PASSPHRASE, ROOT, Sandbox, app, cli

from awsprompt import fsutil
from awsprompt.errors import ExitCode, NotInVault, VaultDamaged, WrongPassphrase
from awsprompt.secrets import crypto
from awsprompt.secrets.vault import FileVault, LongTermKey

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID_2 = "AKIAI44QH8DHBEXAMPLE"
SECRET_2 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"


def make_vault(path: Path, passphrase: str = PASSPHRASE) -> FileVault:
    """A FileVault at PATH that answers every passphrase question with PASSPHRASE."""
    return FileVault(app(), path, passphrase=lambda _creating: passphrase)


def split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """The magic, header and payload lines of a vault file (without newlines)."""
    lines = raw.split(b"\n")
    assert len(lines) == 5, "a vault file has four newline-terminated lines"
    return lines[0], lines[1], lines[2]


def join(magic: bytes, header: bytes, payload: bytes) -> bytes:
    """Rebuild a vault file with a correct checksum line, so only deeper checks can refuse it."""
    body = magic + b"\n" + header + b"\n" + payload + b"\n"
    return body + b"sha256:" + hashlib.sha256(body).hexdigest().encode() + b"\n"


def temp_files(folder: Path) -> list[str]:
    """Leftover temporary files of atomic writes in FOLDER."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def sha(path: Path) -> str:
    """Hex digest of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def vault(sandbox: Sandbox) -> FileVault:
    """A vault holding one profile, 'dev', with the cheap test KDF."""
    v = make_vault(sandbox.state / "vault.v1")
    v.put("dev", LongTermKey(KEY_ID, SECRET))
    return v


def test_round_trip_in_process(vault: FileVault) -> None:
    """A key stored with put comes back from a fresh FileVault with get."""
    got = make_vault(vault.path).get("dev")
    assert (got.access_key_id, got.secret_access_key) == (KEY_ID, SECRET)
    assert set(make_vault(vault.path).index()) == {"dev"}


def test_index_needs_no_passphrase(vault: FileVault) -> None:
    """index() reads names and key-id tails without ever asking for the passphrase."""

    def refuse(_creating: bool) -> str:
        raise AssertionError("index() asked for the passphrase")

    info = FileVault(app(), vault.path, passphrase=refuse).index()["dev"]
    assert info.key_id_tail == KEY_ID[-4:]


def test_get_missing_profile_is_not_in_vault(vault: FileVault) -> None:
    """Asking for a profile the vault does not hold raises NotInVault."""
    with pytest.raises(NotInVault):
        make_vault(vault.path).get("prod")


def test_delete_forgets_the_key(vault: FileVault) -> None:
    """delete() removes the profile and updates the plain names file."""
    v = make_vault(vault.path)
    v.put("prod", LongTermKey(KEY_ID_2, SECRET_2))
    v.delete("dev")
    assert set(make_vault(vault.path).index()) == {"prod"}
    assert (vault.path.parent / "vault.names").read_text() == "prod\n"
    with pytest.raises(NotInVault):
        make_vault(vault.path).delete("dev")


def test_no_plaintext_secrets_in_the_vault(vault: FileVault) -> None:
    """Neither the key id nor the secret appears in the file, raw or trivially base64-encoded."""
    raw = vault.path.read_bytes()
    names = (vault.path.parent / "vault.names").read_bytes()
    for blob in (raw, names):
        for value in (KEY_ID, SECRET):
            assert value.encode() not in blob
            # base64 of the value at each of the three alignments, minus the edge characters
            for pad in range(3):
                enc = base64.b64encode(b"x" * pad + value.encode())[4:-4]
                assert enc not in blob
    # every base64-looking token in the file decodes to something without the secrets
    for token in re.findall(rb"[A-Za-z0-9+/=]{16,}", raw):
        try:
            decoded = base64.b64decode(token + b"=" * (-len(token) % 4))
        except ValueError:
            continue
        assert KEY_ID.encode() not in decoded
        assert SECRET.encode() not in decoded


def test_default_kdf_meets_rfc9106_floor_and_resalts(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the test switch the header has Argon2id >=64 MiB, t>=3, p>=4; each save re-salts."""
    monkeypatch.delenv("AWSPROMPT_INSECURE_TEST_KDF", raising=False)
    path = sandbox.state / "vault.v1"
    make_vault(path).put("dev", LongTermKey(KEY_ID, SECRET))
    first = path.read_bytes()
    make_vault(path).put("prod", LongTermKey(KEY_ID_2, SECRET_2))
    second = path.read_bytes()

    headers = [json.loads(split(raw)[1]) for raw in (first, second)]
    for header in headers:
        kdf = header["kdf"]
        assert kdf["name"] == "argon2id"
        assert kdf["memory_kib"] >= 65536
        assert kdf["iterations"] >= 3
        assert kdf["lanes"] >= 4
        assert len(base64.b64decode(kdf["salt"])) >= 16
        assert header["cipher"] == "AES-256-GCM"
    assert headers[0]["kdf"]["salt"] != headers[1]["kdf"]["salt"]
    assert headers[0]["wrapped_key"]["nonce"] != headers[1]["wrapped_key"]["nonce"]
    nonces = [base64.b64decode(split(raw)[2])[: crypto.NONCE_LEN] for raw in (first, second)]
    assert nonces[0] != nonces[1]


def test_saving_same_content_twice_changes_salt_and_nonce(vault: FileVault) -> None:
    """Re-storing the identical key still writes a fresh salt, key nonce and payload nonce."""
    before = vault.path.read_bytes()
    make_vault(vault.path).put("dev", LongTermKey(KEY_ID, SECRET, added=vault.get("dev").added))
    after = vault.path.read_bytes()
    h0, h1 = (json.loads(split(raw)[1]) for raw in (before, after))
    assert h0["kdf"]["salt"] != h1["kdf"]["salt"]
    assert h0["wrapped_key"] != h1["wrapped_key"]
    assert split(before)[2][:16] != split(after)[2][:16]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("memory_kib", 2**31),
        ("iterations", 10**6),
        ("lanes", 2**20),
        ("memory_kib", 0),
        ("iterations", 0),
        ("memory_kib", "lots"),
        ("salt", None),
        ("salt", "AAAA"),
    ],
)
def test_absurd_kdf_params_refused_before_deriving(
    vault: FileVault, sandbox: Sandbox, field: str, value: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header with absurd KDF parameters or a bad salt is refused before any key derivation."""
    magic, header, payload = split(vault.path.read_bytes())
    data = json.loads(header)
    data["kdf"][field] = value
    crafted = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    vault.path.write_bytes(join(magic, crafted, payload))
    derived: list[object] = []
    with monkeypatch.context() as patch, pytest.raises(VaultDamaged):
        patch.setattr(crypto, "derive_key", lambda *a: derived.append(a) or b"\0" * 32)
        make_vault(vault.path).get("dev")
    assert derived == []
    digest = sha(vault.path)
    proc = cli(
        "add",
        "dev",
        "--env",
        env={
            "AWS_ACCESS_KEY_ID": KEY_ID_2,
            "AWS_SECRET_ACCESS_KEY": SECRET_2,
            "AWSPROMPT_PASSPHRASE": PASSPHRASE,
        },
        timeout=20,
    )
    assert proc.returncode == 6, proc.stderr
    assert sha(vault.path) == digest


def test_unknown_kdf_name_refused(vault: FileVault) -> None:
    """A header naming another KDF (e.g. a downgrade to pbkdf2) is VaultDamaged."""
    magic, header, payload = split(vault.path.read_bytes())
    data = json.loads(header)
    data["kdf"]["name"] = "pbkdf2"
    crafted = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    vault.path.write_bytes(join(magic, crafted, payload))
    with pytest.raises(VaultDamaged):
        make_vault(vault.path).get("dev")


def test_every_byte_flip_is_refused(vault: FileVault) -> None:
    """Flipping the low bit of any byte of the file makes get() fail with an integrity error."""
    original = vault.path.read_bytes()
    accepted = []
    for i in range(len(original)):
        tampered = bytearray(original)
        tampered[i] ^= 0x01
        vault.path.write_bytes(bytes(tampered))
        try:
            make_vault(vault.path).get("dev")
        except VaultDamaged:
            continue
        except Exception as exc:  # anything else would reach the user as "unexpected"
            accepted.append((i, repr(exc)))
            continue
        accepted.append((i, "accepted"))
    vault.path.write_bytes(original)
    assert accepted == [], accepted


@pytest.mark.parametrize("mask", [0x01, 0x80])
def test_every_byte_flip_is_refused_even_with_a_fixed_checksum(vault: FileVault, mask: int) -> None:
    """With the checksum recomputed, the AEAD (header as AAD) still refuses every flipped byte."""
    magic, header, payload = split(vault.path.read_bytes())
    body = magic + b"\n" + header + b"\n" + payload
    original_payload = base64.b64decode(payload)
    accepted = []
    for i in range(len(body)):
        tampered = bytearray(body)
        tampered[i] ^= mask
        lines = bytes(tampered).split(b"\n")
        if len(lines) != 3:
            continue  # a flipped newline changes the line count: the plain parser refuses it
        t_magic, t_header, t_payload = lines
        if t_header == header and t_magic == magic:
            try:
                if base64.b64decode(t_payload, validate=True) == original_payload:
                    continue  # non-canonical base64 padding bits: the same ciphertext
            except ValueError:
                pass
        vault.path.write_bytes(join(t_magic, t_header, t_payload))
        try:
            make_vault(vault.path).all_keys()
        except (VaultDamaged, WrongPassphrase):
            continue
        except Exception as exc:  # anything else would reach the user as "unexpected"
            accepted.append((i, chr(body[i]), repr(exc)))
            continue
        accepted.append((i, chr(body[i]), "accepted"))
    assert accepted == [], accepted


def test_byte_flips_via_cli_never_touch_the_file(vault: FileVault, sandbox: Sandbox) -> None:
    """`add` on a vault with a flipped byte in each line exits 6 and leaves the file as it was."""
    original = vault.path.read_bytes()
    starts = [0, *(m.end() for m in re.finditer(rb"\n", original))][:4]
    env = {
        "AWS_ACCESS_KEY_ID": KEY_ID_2,
        "AWS_SECRET_ACCESS_KEY": SECRET_2,
        "AWSPROMPT_PASSPHRASE": PASSPHRASE,
    }
    for offset in (s + 5 for s in starts):
        tampered = bytearray(original)
        tampered[offset] ^= 0x01
        vault.path.write_bytes(bytes(tampered))
        proc = cli("add", "other", "--env", env=env)
        assert proc.returncode == 6, (offset, proc.stderr)
        assert vault.path.read_bytes() == bytes(tampered)
        assert temp_files(vault.path.parent) == []


def test_swapped_entries_are_detected(vault: FileVault) -> None:
    """Splicing a later payload (with the two keys swapped) under the old header is refused."""
    v = make_vault(vault.path)
    v.put("prod", LongTermKey(KEY_ID_2, SECRET_2))
    old = vault.path.read_bytes()
    v.put("dev", LongTermKey(KEY_ID_2, SECRET_2))
    v.put("prod", LongTermKey(KEY_ID, SECRET))
    new = vault.path.read_bytes()
    magic, old_header, _ = split(old)
    _, _, new_payload = split(new)
    vault.path.write_bytes(join(magic, old_header, new_payload))
    with pytest.raises(VaultDamaged):
        make_vault(vault.path).get("dev")


def test_swapped_index_entries_are_detected(vault: FileVault) -> None:
    """Exchanging two profiles' index records in the header fails authentication."""
    make_vault(vault.path).put("prod", LongTermKey(KEY_ID_2, SECRET_2))
    magic, header, payload = split(vault.path.read_bytes())
    data = json.loads(header)
    data["index"]["dev"], data["index"]["prod"] = data["index"]["prod"], data["index"]["dev"]
    crafted = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    vault.path.write_bytes(join(magic, crafted, payload))
    with pytest.raises(VaultDamaged):
        make_vault(vault.path).get("dev")


def test_dropped_index_entry_is_detected(vault: FileVault) -> None:
    """Removing a name from the header index (hiding a key) fails authentication."""
    make_vault(vault.path).put("prod", LongTermKey(KEY_ID_2, SECRET_2))
    magic, header, payload = split(vault.path.read_bytes())
    data = json.loads(header)
    del data["index"]["prod"]
    crafted = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    vault.path.write_bytes(join(magic, crafted, payload))
    with pytest.raises(VaultDamaged):
        make_vault(vault.path).get("dev")


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage\n", b"AWSPROMPT-VAULT/1\n{}\n\nsha256:00\n", b"\x00" * 64],
)
def test_unparseable_vault_is_damaged_and_kept(vault: FileVault, content: bytes) -> None:
    """A truncated or foreign file is VaultDamaged, and put() refuses to overwrite it."""
    vault.path.write_bytes(content)
    with pytest.raises(VaultDamaged):
        make_vault(vault.path).index()
    with pytest.raises(VaultDamaged):
        make_vault(vault.path).put("x", LongTermKey(KEY_ID_2, SECRET_2))
    assert vault.path.read_bytes() == content
    assert temp_files(vault.path.parent) == []


def test_wrong_passphrase_raises_and_writes_nothing(vault: FileVault) -> None:
    """A wrong passphrase raises WrongPassphrase on get and put, and the file is untouched."""
    before = vault.path.read_bytes()
    with pytest.raises(WrongPassphrase):
        make_vault(vault.path, "not the passphrase").get("dev")
    with pytest.raises(WrongPassphrase):
        make_vault(vault.path, "not the passphrase").put("x", LongTermKey(KEY_ID_2, SECRET_2))
    assert vault.path.read_bytes() == before


def test_failed_replace_keeps_original_and_leaves_no_temp(
    vault: FileVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If os.replace fails mid-write the old vault is intact and no temp file remains."""
    before = vault.path.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        make_vault(vault.path).put("prod", LongTermKey(KEY_ID_2, SECRET_2))
    monkeypatch.undo()
    assert vault.path.read_bytes() == before
    assert temp_files(vault.path.parent) == []
    assert set(make_vault(vault.path).all_keys()) == {"dev"}


def test_failed_write_keeps_original(vault: FileVault, monkeypatch: pytest.MonkeyPatch) -> None:
    """If fsync fails on the temp file the old vault is intact and no temp file remains."""
    before = vault.path.read_bytes()

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(fsutil.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output"):
        make_vault(vault.path).put("prod", LongTermKey(KEY_ID_2, SECRET_2))
    monkeypatch.undo()
    assert vault.path.read_bytes() == before
    assert temp_files(vault.path.parent) == []


WRITER = textwrap.dedent(
    """
    import sys
    import os
    from awsprompt.context import Context
    from awsprompt.envvars import Env
    from awsprompt.secrets.vault import FileVault, LongTermKey
    prefix = sys.argv[1]
    v = FileVault(Context(Env(os.environ)), passphrase=lambda creating: {passphrase!r})
    for i in range(50):
        v.put(f"{{prefix}}-{{i}}", LongTermKey("AKIA" + prefix.upper() + f"{{i:012d}}", "s" * 40))
    """
)


def test_concurrent_writers_lose_nothing(sandbox: Sandbox) -> None:
    """Two processes each adding 50 profiles at once leave all 100 in the vault."""
    code = WRITER.format(passphrase=PASSPHRASE)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, prefix],
            cwd=ROOT,
            env=dict(os.environ),
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("aa", "bb")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    path = sandbox.state / "vault.v1"
    want = {f"{p}-{i}" for p in ("aa", "bb") for i in range(50)}
    assert set(make_vault(path).index()) == want
    keys = make_vault(path).all_keys()
    assert set(keys) == want
    assert keys["bb-7"].access_key_id == "AKIABB000000000007"
    names = (sandbox.state / "vault.names").read_text().split()
    assert set(names) == want


def test_added_date_survives_a_round_trip(vault: FileVault) -> None:
    """The key's added date is stored and reported in the index as its age."""
    added = datetime.now(timezone.utc) - timedelta(days=100, hours=1)
    make_vault(vault.path).put("old", LongTermKey(KEY_ID_2, SECRET_2, added=added))
    info = make_vault(vault.path).index()["old"]
    assert info.age_days(datetime.now(timezone.utc)) == 100
    assert make_vault(vault.path).get("old").added == added.replace(microsecond=0)


def test_secret_not_in_repr(vault: FileVault) -> None:
    """A stored key's repr never shows the secret."""
    assert SECRET not in repr(make_vault(vault.path).get("dev"))


@pytest.mark.parametrize(
    ("memory_kib", "iterations", "lanes", "accepted"),
    [
        (64 * 1024, 3, 4, True),  # RFC 9106 low memory: what awsprompt writes
        (256 * 1024, 3, 4, True),  # 4x the memory, same passes: the most work allowed
        (64 * 1024, 8, 4, True),  # the most passes
        (256 * 1024, 4, 4, False),  # more than 4x the work
        (256 * 1024 + 1, 1, 4, False),  # more than 256 MiB
        (1024 * 1024, 16, 16, False),  # the 1 GiB / t=16 / p=16 an adversarial run found
        (64 * 1024, 9, 4, False),  # more than 8 passes
        (64 * 1024, 3, 9, False),  # more than 8 lanes
        (16, 1, 4, False),  # less memory than Argon2id allows for 4 lanes
    ],
)
def test_kdf_bounds_keep_a_crafted_header_cheap(
    memory_kib: int, iterations: int, lanes: int, accepted: bool
) -> None:
    """A header may ask at most 256 MiB and 4x the default's work; more is refused unread."""
    from awsprompt.secrets import crypto

    header = {
        "name": "argon2id",
        "memory_kib": memory_kib,
        "iterations": iterations,
        "lanes": lanes,
    }
    if accepted:
        assert crypto.KdfParams.from_json(header) == (memory_kib, iterations, lanes)
    else:
        with pytest.raises(VaultDamaged, match="out of bounds"):
            crypto.KdfParams.from_json(header)


def _forge_header(
    vault: FileVault, change: dict[str, object] | None = None, raw: bytes = b""
) -> None:
    """Rewrite the header of VAULT's file (and its checksum, as an attacker would)."""
    import hashlib as _h

    lines = vault.path.read_bytes().split(b"\n")
    header = json.loads(lines[1])
    header.update(change or {})
    lines[1] = raw or json.dumps(header).encode()
    body = b"\n".join(lines[:3]) + b"\n"
    lines[3] = b"sha256:" + _h.sha256(body).hexdigest().encode()
    vault.path.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize(
    ("change", "raw"),
    [
        ({"wrapped_key": "not an object"}, b""),
        ({"index": ["a", "list"]}, b""),
        (None, b'{"version": 1, "kdf": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ],
)
def test_malformed_header_fields_are_damage_not_a_crash(
    vault: FileVault, change: dict[str, object] | None, raw: bytes
) -> None:
    """A non-object wrapped_key or index, or a deeply nested header: exit 6, never 'unexpected'."""
    _forge_header(vault, change, raw)
    with pytest.raises(VaultDamaged):
        make_vault(vault.path).get("dev")
    result = cli("list", "--json")
    assert result.returncode == ExitCode.VAULT_DAMAGED
    assert "unexpected" not in result.stderr


def test_a_killed_writers_leftovers_are_cleaned(sandbox: Sandbox, vault: FileVault) -> None:
    """A dead writer's temp file goes at the next write; a stale vault.names is rebuilt."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftover = vault.path.with_name(f".{vault.path.name}.{dead.pid}.tmp")
    leftover.write_bytes(b"half a vault")
    alive = vault.path.with_name(f".{vault.path.name}.{os.getppid()}.tmp")
    alive.write_bytes(b"a live writer's")
    names = sandbox.state / "vault.names"
    names.write_text("ghost\n")
    assert set(make_vault(vault.path).index()) == {"dev"}
    assert names.read_text() == "dev\n"  # rebuilt from the vault's own index
    make_vault(vault.path).put("other", LongTermKey(KEY_ID_2, SECRET_2))
    assert not leftover.exists()
    assert alive.exists()  # a running process's temp file is left alone
    alive.unlink()
