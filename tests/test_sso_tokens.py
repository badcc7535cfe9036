"""Tokens at rest: the AWS CLI v2 cache (read and written by botocore) and the encrypted store."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import botocore.session
import pytest
from botocore.tokens import SSOTokenProvider, _sso_json_dumps
from botocore.utils import JSONFileCache, SSOTokenLoader
from conftest import Sandbox, app
from ssoworld import (  # noqa: F401 - fixtures
    SESSION,
    START_URL,
    World,
    assert_no_secret,
    clock,
    config_text,
    emu,
    make_world,
    secrets_of,
    world,
)

from awsprompt.aws.sso.config import SsoSession, resolve_session, session_of_profile
from awsprompt.aws.sso.oidc import DeviceAuthorization, TokenGrant
from awsprompt.aws.sso.refresh import tokens_for
from awsprompt.aws.sso.tokens import (
    PURPOSE,
    Registration,
    SsoRecord,
    SsoToken,
    TokenStore,
    cli_cache_key,
    cli_cache_path,
    parse_time,
    read_cli_token,
    write_cli_token,
)
from awsprompt.clock import FakeClock
from awsprompt.emulation.identitycenter import IdentityCenter
from awsprompt.errors import InsecureFile, VaultDamaged
from awsprompt.secrets.agent import Agent
from awsprompt.secrets.vault.base import LocalCipher, LongTermKey

SECRET_ACCESS = "ACCESS-SENTINEL-0123456789abcdef"
SECRET_REFRESH = "REFRESH-SENTINEL-0123456789abcdef"
SECRET_CLIENT = "CLIENT-SECRET-SENTINEL-0123456789"


def utc(ts: float) -> datetime:
    """TS as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, timezone.utc)


def sample_token(now: float, left: float = 3600, start_url: str = START_URL) -> SsoToken:
    """A token with sentinel secrets, LEFT seconds from NOW."""
    reg = Registration(
        client_id="cid-sample",
        client_secret=SECRET_CLIENT,
        expires_at=utc(int(now) + 90 * 86400),
        scopes=("sso:account:access",),
        grant_types=("authorization_code", "refresh_token"),
        issuer_url=start_url,
    )
    return SsoToken(
        start_url, "us-east-1", SECRET_ACCESS, utc(int(now + left)), SECRET_REFRESH, reg
    )


def botocore_session(sandbox: Sandbox, profile: str = "dev") -> botocore.session.Session:
    """A botocore session over the sandbox's ~/.aws/config (with the sso-session profile)."""
    sandbox.write_config(config_text(profile))
    return botocore.session.Session(profile=profile)


# -- the CLI cache ---------------------------------------------------------------------------


def test_cache_file_names_are_botocores() -> None:
    """SHA-1 of the sso-session name, or of the start URL for a legacy profile."""
    named = resolve_session("corp", {"sso_start_url": START_URL, "sso_region": "us-east-1"})
    legacy = session_of_profile("old", {"sso_start_url": START_URL, "sso_region": "us-east-1"}, {})
    loader = SSOTokenLoader()
    assert cli_cache_key(named) == hashlib.sha1(b"corp", usedforsecurity=False).hexdigest()
    assert cli_cache_key(named) == loader._generate_cache_key(START_URL, "corp")
    assert cli_cache_key(legacy) == loader._generate_cache_key(START_URL, None)
    by_url = hashlib.sha1(START_URL.encode(), usedforsecurity=False).hexdigest()
    assert cli_cache_path(Path("/x"), legacy).name == by_url + ".json"


def test_botocore_reads_what_awsprompt_wrote(
    sandbox: Sandbox, world: World, clock: FakeClock
) -> None:
    """botocore's SSOTokenLoader and SSOTokenProvider use a token file awsprompt wrote (0600)."""
    token = world.login()
    path = write_cli_token(world.cli_cache, world.session, token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = SSOTokenLoader(JSONFileCache(str(world.cli_cache)))(START_URL, session_name=SESSION)
    assert data["accessToken"] == token.access_token
    assert data["expiresAt"].endswith("Z") and data["registrationExpiresAt"].endswith("Z")
    provider = SSOTokenProvider(
        botocore_session(sandbox),
        cache=JSONFileCache(str(world.cli_cache), dumps_func=_sso_json_dumps),
        time_fetcher=lambda: utc(clock.time()),
    )
    frozen = provider.load_token().get_frozen_token()
    assert frozen.token == token.access_token
    assert world.emu.grants["refresh_token"] == 0  # 8 hours left: no refresh


def test_botocore_refreshes_with_what_awsprompt_wrote(
    sandbox: Sandbox, world: World, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our clientId, clientSecret, registrationExpiresAt and refreshToken let botocore refresh."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", world.emu.url)
    token = world.login()
    write_cli_token(world.cli_cache, world.session, token)
    clock.advance(token.seconds_left(clock.time()) - 600)  # 10 minutes left
    provider = SSOTokenProvider(
        botocore_session(sandbox),
        cache=JSONFileCache(str(world.cli_cache), dumps_func=_sso_json_dumps),
        time_fetcher=lambda: utc(clock.time()),
    )
    frozen = provider.load_token().get_frozen_token()
    assert world.emu.grants["refresh_token"] == 1
    assert frozen.token != token.access_token and frozen.token in world.emu.access_tokens()
    # botocore saved the refreshed token; awsprompt reads botocore's file back
    again = read_cli_token(world.cli_cache, world.session)
    assert again is not None and again.access_token == frozen.token
    assert again.refresh_token and again.refresh_token != token.refresh_token
    assert again.seconds_left(clock.time()) > 7 * 3600


def test_awsprompt_reads_what_botocore_wrote(world: World, clock: FakeClock) -> None:
    """A token saved by botocore's own loader (datetimes, Z suffix) decodes field by field."""
    now = utc(clock.time())
    cache = JSONFileCache(str(world.cli_cache), dumps_func=_sso_json_dumps)
    SSOTokenLoader(cache).save_token(
        START_URL,
        {
            "startUrl": START_URL,
            "region": "us-east-1",
            "accessToken": SECRET_ACCESS,
            "expiresAt": now + timedelta(hours=1),
            "clientId": "cid-1",
            "clientSecret": SECRET_CLIENT,
            "registrationExpiresAt": "2030-01-02T03:04:05Z",
            "refreshToken": SECRET_REFRESH,
        },
        session_name=SESSION,
    )
    token = read_cli_token(world.cli_cache, world.session)
    assert token is not None
    assert token.access_token == SECRET_ACCESS and token.refresh_token == SECRET_REFRESH
    assert token.expires_at == (now + timedelta(hours=1)).replace(microsecond=0)
    assert token.registration is not None
    assert token.registration.client_id == "cid-1"
    assert token.registration.client_secret == SECRET_CLIENT
    assert token.registration.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert token.can_refresh(clock.time())


def test_the_older_utc_suffix_is_read(world: World) -> None:
    """botocore's default dumps (`%Z`) and older CLI files end in UTC; both parse as UTC."""
    cache = JSONFileCache(str(world.cli_cache))  # the default serializer: ...UTC
    cache[cli_cache_key(world.session)] = {
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": SECRET_ACCESS,
        "expiresAt": datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
    }
    raw = json.loads(cli_cache_path(world.cli_cache, world.session).read_text())
    assert raw["expiresAt"] == "2031-05-06T07:08:09UTC"
    token = read_cli_token(world.cli_cache, world.session)
    assert token is not None and token.expires_at == datetime(
        2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc
    )
    assert token.registration is None and not token.can_refresh(0)
    for text in ("2031-05-06T07:08:09Z", "2031-05-06T07:08:09 UTC", "2031-05-06T07:08:09+00:00"):
        assert parse_time(text) == token.expires_at
    assert parse_time("2031-05-06T09:08:09+02:00") == token.expires_at


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"expiresAt": "2031-01-01T00:00:00Z"}',
        b'{"accessToken": "x"}',
        b'{"accessToken": "x", "expiresAt": "tomorrow"}',
        b'{"accessToken": "", "expiresAt": "2031-01-01T00:00:00Z"}',
    ],
)
def test_a_damaged_cli_cache_file_is_one_clear_error(world: World, content: bytes) -> None:
    """Unparseable JSON, or no valid accessToken/expiresAt: VaultDamaged naming the file."""
    world.cli_cache.mkdir(parents=True)
    path = cli_cache_path(world.cli_cache, world.session)
    path.write_bytes(content)
    with pytest.raises(VaultDamaged) as info:
        read_cli_token(world.cli_cache, world.session)
    assert str(path) in info.value.message and "delete" in (info.value.hint or "")
    assert info.value.exit_code == 6
    # the same through the token keeper, which has nothing else to offer
    with pytest.raises(VaultDamaged):
        world.tokens.get(world.session)


def test_a_damaged_cli_file_does_not_hide_our_own_token(world: World) -> None:
    """With a good token in the encrypted store, a broken AWS CLI file is ignored."""
    token = world.login()
    world.cli_cache.mkdir(parents=True)
    cli_cache_path(world.cli_cache, world.session).write_bytes(b"garbage")
    assert world.tokens.get(world.session) == token


def test_a_cli_token_for_another_start_url_is_not_used(world: World, clock: FakeClock) -> None:
    """A file under our session's name but for another instance is ignored (None)."""
    write_cli_token(
        world.cli_cache,
        world.session,
        sample_token(clock.time(), start_url="https://other.awsapps.com/start"),
    )
    assert read_cli_token(world.cli_cache, world.session) is None


def test_no_plaintext_cli_file_unless_asked(
    sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock
) -> None:
    """By default nothing is written to ~/.aws/sso/cache; with write_cli_cache it is (0600)."""
    plain = make_world(sandbox, emu, clock)
    plain.login()
    assert not plain.cli_cache.exists()
    opted = make_world(sandbox, emu, clock, write_cli_cache=True)
    token = opted.login()
    path = cli_cache_path(opted.cli_cache, opted.session)
    assert json.loads(path.read_text())["accessToken"] == token.access_token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- the encrypted store ---------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    """A store sealing with a random key."""
    key = os.urandom(32)
    return TokenStore(lambda: LocalCipher(key), tmp_path / "state" / "sso")


def session_named(name: str = SESSION) -> SsoSession:
    """The sso-session NAME on the emulation's start URL."""
    return resolve_session(name, {"sso_start_url": START_URL, "sso_region": "us-east-1"})


def test_the_store_round_trips_and_holds_no_plaintext(store: TokenStore, clock: FakeClock) -> None:
    """What is saved loads back equal; the file shows expiry facts but no secret in any form."""
    token = sample_token(clock.time())
    record = SsoRecord(token=token, registration=token.registration)
    session = session_named()
    store.save(session, record, clock.time())
    assert store.load(session) == record
    raw = store.path(session).read_bytes()
    for secret in (SECRET_ACCESS, SECRET_REFRESH, SECRET_CLIENT, "cid-sample"):
        assert secret.encode() not in raw
        assert base64.b64encode(secret.encode())[:16] not in raw
    meta = store.peek(session)
    assert (
        meta is not None and meta.refreshable and meta.expires == int(token.expires_at.timestamp())
    )
    assert [m.session_key for m in store.entries()] == [session.key]


def test_peek_needs_no_key(tmp_path: Path, clock: FakeClock) -> None:
    """The plaintext facts are readable without unlocking (the prompt, doctor)."""
    key = os.urandom(32)
    session = session_named()
    TokenStore(lambda: LocalCipher(key), tmp_path).save(
        session, SsoRecord(sample_token(clock.time())), clock.time()
    )

    def locked() -> LocalCipher:
        raise AssertionError("unlocked")

    assert TokenStore(locked, tmp_path).peek(session) is not None


def test_files_are_private_from_creation(store: TokenStore, clock: FakeClock) -> None:
    """Under umask 0 the folder is 0700 and the file 0600 (never chmod'ed afterwards)."""
    old = os.umask(0)
    try:
        store.save(session_named(), SsoRecord(sample_token(clock.time())), clock.time())
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path(session_named()).stat().st_mode) == 0o600


def test_an_insecure_file_is_refused(store: TokenStore, clock: FakeClock) -> None:
    """A group-readable token file is refused with a chmod hint."""
    session = session_named()
    store.save(session, SsoRecord(sample_token(clock.time())), clock.time())
    os.chmod(store.path(session), 0o644)
    with pytest.raises(InsecureFile, match="group and others can read it") as info:
        store.load(session)
    assert (info.value.hint or "").startswith("chmod 600")


@pytest.mark.parametrize("damage", ["flip", "meta", "json", "other-key", "swap"])
def test_tampering_is_refused(store: TokenStore, clock: FakeClock, damage: str) -> None:
    """A flipped byte, edited metadata, garbage, another key or a swapped file: VaultDamaged."""
    a, b = session_named("a"), session_named("b")
    store.save(a, SsoRecord(sample_token(clock.time())), clock.time())
    store.save(b, SsoRecord(sample_token(clock.time(), left=60)), clock.time())
    path = store.path(a)
    data = json.loads(path.read_bytes())
    if damage == "flip":
        sealed = bytearray(base64.b64decode(data["sealed"]))
        sealed[20] ^= 1
        data["sealed"] = base64.b64encode(bytes(sealed)).decode()
        path.write_text(json.dumps(data))
    elif damage == "meta":
        data["expires"] += 86400
        path.write_text(json.dumps(data))
    elif damage == "json":
        path.write_bytes(b"{")
    elif damage == "swap":
        path.write_bytes(store.path(b).read_bytes())
    else:
        store = TokenStore(lambda: LocalCipher(os.urandom(32)), store.folder)
    with pytest.raises(VaultDamaged) as info:
        store.load(a)
    assert "sso login --sso-session a" in (info.value.hint or "")
    assert SECRET_ACCESS not in info.value.message


def test_a_failed_write_leaves_the_old_record(
    store: TokenStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the rename fails, the previous record still loads and no temp file is left."""
    session = session_named()
    first = SsoRecord(sample_token(clock.time()))
    store.save(session, first, clock.time())

    def broken(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        store.save(session, SsoRecord(sample_token(clock.time(), left=99)), clock.time())
    monkeypatch.undo()
    assert store.load(session) == first
    assert sorted(p.name for p in store.folder.iterdir() if not p.name.endswith(".lock")) == [
        store.path(session).name
    ]


def test_reprs_hold_no_secret(clock: FakeClock) -> None:
    """Token, registration, record, device authorization and grant reprs mask every secret."""
    token = sample_token(clock.time())
    texts = [
        repr(token),
        str(token),
        repr(SsoRecord(token, token.registration)),
        repr(DeviceAuthorization("DEVICE-SENTINEL", "ABCD-EFGH", "u", "u2", 600, 5)),
        repr(TokenGrant(SECRET_ACCESS, 3600, SECRET_REFRESH)),
    ]
    for text in texts:
        for secret in (SECRET_ACCESS, SECRET_REFRESH, SECRET_CLIENT, "DEVICE-SENTINEL"):
            assert secret not in text
    assert set(token.secrets()) == {SECRET_ACCESS, SECRET_REFRESH, SECRET_CLIENT}


def test_the_agent_seals_for_the_sso_purpose(tmp_path: Path) -> None:
    """The unlock agent accepts the sso-token purpose (and still refuses unknown ones)."""
    agent = Agent(os.urandom(32), tmp_path / "s", idle=60, absolute=600, clock=FakeClock())
    plain = base64.b64encode(b"secret").decode()
    sealed = agent.handle({"op": "seal", "purpose": PURPOSE, "plaintext": plain, "aad": ""})
    assert sealed["ok"] is True
    opened = agent.handle(
        {
            "op": "unseal",
            "purpose": PURPOSE,
            "nonce": sealed["nonce"],
            "ct": sealed["ct"],
            "aad": "",
        }
    )
    assert opened == {"ok": True, "plaintext": plain}
    assert agent.handle({"op": "seal", "purpose": "nope", "plaintext": plain})["ok"] is False


def test_the_store_seals_with_the_real_vault(
    sandbox: Sandbox, with_passphrase: str, clock: FakeClock
) -> None:
    """tokens_for(ctx) seals with the file vault's key, in the state folder's sso/."""
    ctx = app()
    ctx.vault.put("base", LongTermKey("AKIAEXAMPLEBASE00001", "x" * 40))
    tokens = tokens_for(ctx)
    assert tokens.store.folder == sandbox.state / "sso"
    assert tokens.cli_cache == sandbox.home / ".aws" / "sso" / "cache"
    assert tokens.write_cli_cache is False
    session = session_named()
    token = sample_token(clock.time())
    tokens.store.save(session, SsoRecord(token), clock.time())
    again = tokens_for(app())  # another process: derives the key from the passphrase again
    record = again.store.load(session)
    assert record is not None and record.token == token
