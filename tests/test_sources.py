"""aws/sources: one plug-in per kind of first credentials, found through the registry."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import timezone
from typing import get_args

import pytest
from conftest import MotoServer, Sandbox, app
from credchain import BASE_KEY, BASE_SECRET, add_keys

from awsprompt.aws.credentials import Credentials
from awsprompt.aws.engine import Engine
from awsprompt.aws.plan import Options
from awsprompt.aws.sources import (
    REGISTRY,
    CredentialProcess,
    PlaintextKeys,
    VaultKeys,
    open_source,
)
from awsprompt.config.profiles import Profile, RoleHop, Source, SourceKind
from awsprompt.context import Context
from awsprompt.errors import ConfigError, CredentialProcessFailed, NotInVault
from awsprompt.secrets.vault.base import key_fingerprint
from awsprompt.ui import Scripted

PLAIN_KEY = "AKIAPLAINTEXT0000001"
PROCESS_DOC = {
    "Version": 1,
    "AccessKeyId": "ASIAPROCESS000000001",
    "SecretAccessKey": "process-secret",
    "SessionToken": "process-token",
    "Expiration": "2031-01-02T03:04:05Z",
}


def process_script(sandbox: Sandbox, doc: object) -> str:
    """A credential_process command printing DOC as JSON."""
    script = sandbox.root / "creds.py"
    script.write_text(f"import json\nprint(json.dumps({doc!r}))\n")
    return f"{sys.executable} {script}"


def test_the_registry_covers_every_kind_the_resolver_makes() -> None:
    """Each Source.kind the resolver can produce has exactly one plug-in."""
    assert set(REGISTRY) == set(get_args(SourceKind))


def test_each_kind_opens_as_its_plug_in(sandbox: Sandbox, with_passphrase: str) -> None:
    """Resolved profiles of each kind become VaultKeys, PlaintextKeys and CredentialProcess."""
    add_keys()
    sandbox.write_credentials(
        f"[plain]\naws_access_key_id = {PLAIN_KEY}\naws_secret_access_key = s\n"
    )
    sandbox.write_config(f"[profile proc]\ncredential_process = {sys.executable} -V\n")
    ctx = app()
    opened = {
        name: open_source(ctx, ctx.resolver.resolve(name).source)
        for name in ("base", "plain", "proc")
    }
    assert {name: type(s) for name, s in opened.items()} == {
        "base": VaultKeys,
        "plain": PlaintextKeys,
        "proc": CredentialProcess,
    }
    assert [s.can_get_session_token for s in opened.values()] == [True, True, False]


def test_vault_keys_are_named_by_the_vault_index(sandbox: Sandbox, with_passphrase: str) -> None:
    """The fingerprint is the vault's own (no unlock needed); credentials are the stored key."""
    add_keys()
    ctx = app()
    keys = VaultKeys.open(ctx, Source(profile="base", kind="vault"))
    assert keys.fingerprint == ctx.vault.index()["base"].fingerprint
    assert keys.credentials(ctx) == Credentials(BASE_KEY, BASE_SECRET)
    with pytest.raises(NotInVault, match="no keys for profile 'other' in the vault"):
        VaultKeys.open(ctx, Source(profile="other", kind="vault"))


def test_plaintext_keys_warn_once_and_keep_their_fingerprint() -> None:
    """Plaintext keys warn (once per run) through ctx.ui; the fingerprint is the vault's rule."""
    ui = Scripted()
    ctx = app(ui)
    src = Source(profile="plain", kind="file", static=Credentials(PLAIN_KEY, "s"))
    keys = PlaintextKeys.of(src)
    assert keys.credentials(ctx) == Credentials(PLAIN_KEY, "s")
    assert keys.credentials(ctx) == Credentials(PLAIN_KEY, "s")
    assert len(ui.warnings) == 1
    assert "profile 'plain' uses plaintext keys from" in ui.warnings[0]
    assert str(ctx.paths.aws_credentials_path()) in ui.warnings[0]
    # Unchanged from earlier versions, so sessions cached before stay valid.
    assert keys.fingerprint == key_fingerprint(PLAIN_KEY) == "324941c33a4ff58c"


def test_plaintext_temporary_keys_cannot_get_a_session_token() -> None:
    """Keys that already carry a session token are used as they are."""
    temp = Source(profile="t", kind="file", static=Credentials("ASIAX", "s", "token"))
    assert not PlaintextKeys.of(temp).can_get_session_token
    with pytest.raises(ConfigError, match="profile 'none' has no usable source"):
        PlaintextKeys.of(Source(profile="none", kind="file"))


def test_credential_process_credentials_come_from_its_json(sandbox: Sandbox) -> None:
    """The command's JSON becomes Credentials, expiry as an aware UTC time."""
    src = Source(
        profile="proc", kind="process", credential_process=process_script(sandbox, PROCESS_DOC)
    )
    creds = CredentialProcess.of(src).credentials(app())
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        "ASIAPROCESS000000001",
        "process-secret",
        "process-token",
    )
    assert creds.expiration is not None
    assert creds.expiration.tzinfo is not None
    assert creds.expiration.astimezone(timezone.utc).isoformat() == "2031-01-02T03:04:05+00:00"


@pytest.mark.parametrize(
    "doc",
    ["not json", {**PROCESS_DOC, "Version": 2}, {"Version": 1, "AccessKeyId": "x"}, [1]],
    ids=["garbage", "version-2", "no-secret", "a-list"],
)
def test_credential_process_printing_bad_json_is_refused(sandbox: Sandbox, doc: object) -> None:
    """Anything but a Version 1 document with both keys is a CredentialProcessFailed."""
    text = doc if isinstance(doc, str) else json.dumps(doc)
    script = sandbox.root / "bad.py"
    script.write_text(f"print({text!r})\n")
    src = Source(profile="proc", kind="process", credential_process=f"{sys.executable} {script}")
    with pytest.raises(CredentialProcessFailed) as caught:
        CredentialProcess.of(src).credentials(app())
    assert caught.value.message == (
        "credential_process of profile 'proc' printed no valid credentials JSON"
    )


def test_credential_process_fingerprint_names_the_profile_and_command() -> None:
    """The fingerprint changes with the command or the profile, and is what it always was."""

    def fp(profile: str, command: str) -> str:
        return CredentialProcess.of(
            Source(profile=profile, kind="process", credential_process=command)
        ).fingerprint

    assert fp("proc", "get-creds --json") == "process-d2c62ec0725ccb6f"
    assert fp("proc", "get-creds --json") == fp("proc", "get-creds --json")
    assert fp("proc", "get-creds --yaml") != fp("proc", "get-creds --json")
    assert fp("other", "get-creds --json") != fp("proc", "get-creds --json")


def test_an_unknown_kind_is_a_config_error() -> None:
    """A Source kind with no plug-in is reported, naming the profile."""
    src = Source(profile="odd", kind="web-identity")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="profile 'odd' has no usable source of credentials"):
        open_source(app(), src)


@dataclass
class Elsewhere:
    """A made-up source kind, registered by a test like the next issues will."""

    source: Source
    keys: Credentials
    fingerprint: str = "elsewhere-fp"
    can_get_session_token: bool = False
    step_label: str | None = None
    step_material: dict[str, object] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def credentials(self, ctx: Context, *, prompt: bool = True) -> Credentials:
        self.asked.append(self.source.profile)
        return self.keys


def register(monkeypatch: pytest.MonkeyPatch, keys: Credentials) -> list[Elsewhere]:
    """Register the 'elsewhere' kind; return the list of sources it opened."""
    opened: list[Elsewhere] = []

    def opener(ctx: Context, source: Source) -> Elsewhere:
        opened.append(Elsewhere(source, keys))
        return opened[-1]

    monkeypatch.setitem(REGISTRY, "elsewhere", opener)
    return opened


def test_the_engine_asks_a_registered_source_for_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One registry entry is enough for the engine to use a new kind of source."""
    keys = Credentials("ASIAELSEWHERE0000001", "s", "t")
    opened = register(monkeypatch, keys)
    src = Source(profile="x", kind="elsewhere")  # type: ignore[arg-type]
    session = Engine(app()).get(Profile("x", src, (), None), Options())
    assert (session.credentials, session.cached) == (keys, False)
    assert [s.asked for s in opened] == [["x"]]


def test_the_engine_assumes_a_role_from_a_registered_source(
    monkeypatch: pytest.MonkeyPatch, moto: MotoServer
) -> None:
    """A new kind of source feeds AssumeRole like the built-in ones do."""
    keys = Credentials("AKIAELSEWHERE0000002", "elsewhere-secret")
    opened = register(monkeypatch, keys)
    src = Source(profile="x", kind="elsewhere")  # type: ignore[arg-type]
    hop = RoleHop(profile="A", role_arn="arn:aws:iam::111111111111:role/A")
    ui = Scripted()
    ctx = app(ui)
    session = Engine(ctx).get(Profile("A", src, (hop,), None), Options())
    assert session.account == "111111111111"
    assert session.credentials.is_temporary
    assert session.credentials.access_key_id != keys.access_key_id
    assert [s.asked for s in opened] == [["x"]]
    # No vault here: nothing to seal sessions with, and the user is told.
    assert list(ctx.paths.sessions_dir().glob("*.json")) == []
    assert any("are not cached" in w for w in ui.warnings)
