"""Shared setup for the Identity Center tests: the emulation, a configured session, helpers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import Sandbox

from awsprompt.aws.sso.config import SsoConfig, SsoSession, resolve_profile
from awsprompt.aws.sso.login import BrowserOpener, make_flow
from awsprompt.aws.sso.portal import Portal
from awsprompt.aws.sso.refresh import AccessTokens, LoginFlow
from awsprompt.aws.sso.tokens import SsoToken, TokenStore, cli_cache_dir
from awsprompt.clock import SYSTEM, Clock, FakeClock
from awsprompt.emulation.identitycenter import DEFAULT_START_URL, FakeBrowser, IdentityCenter
from awsprompt.envvars import Env
from awsprompt.errors import AwspromptError
from awsprompt.paths import Paths
from awsprompt.secrets.vault.base import LocalCipher
from awsprompt.ui import Scripted

START_URL = DEFAULT_START_URL
ACCOUNT_A = "111122223333"
ACCOUNT_B = "444455556666"
ROLE = "AdministratorAccess"
READONLY = "ReadOnly"
SESSION = "corp"


class PersonUI(Scripted):
    """A UI with a person: on seeing a device code they confirm it (or deny it, or do nothing);
    with BROWSE, they paste a printed sign-in URL into a browser."""

    def __init__(
        self,
        emu: IdentityCenter | None = None,
        *,
        approve: bool = True,
        deny: bool = False,
        browse: bool = False,
    ) -> None:
        super().__init__(terminal=True)
        self.emu = emu
        self.approve = approve
        self.deny = deny
        self.browser = FakeBrowser() if browse else None

    def info(self, message: str) -> None:
        """Record the message; act on a user code or a printed URL."""
        super().info(message)
        found = re.search(r"confirm the code: ([A-Z]{4}-[A-Z]{4})", message)
        if found and self.emu is not None and self.approve:
            self.emu.approve(found.group(1), deny=self.deny)
        if self.browser is not None and message.startswith("http"):
            self.browser(message)

    def urls(self) -> list[str]:
        """The URLs shown on lines of their own."""
        return [m for m in self.infos if m.startswith("http")]


def new_emulation(clock: Clock = SYSTEM, **kwargs: object) -> IdentityCenter:
    """A started emulation with two accounts: A (Admin, ReadOnly) and B (Admin)."""
    emu = IdentityCenter(clock=clock, **kwargs)  # type: ignore[arg-type]
    emu.add_account(ACCOUNT_A, "Sandbox", roles=(ROLE, READONLY))
    emu.add_account(ACCOUNT_B, "Production", roles=(ROLE,))
    return emu.start()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock shared by awsprompt and the emulation."""
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[IdentityCenter]:
    """An emulation on the fake clock."""
    center = new_emulation(clock)
    yield center
    center.stop()


@pytest.fixture
def live_emu() -> Iterator[IdentityCenter]:
    """An emulation on the real clock (for real clients that read the real time)."""
    center = new_emulation(SYSTEM)
    yield center
    center.stop()


def sso_config(profile: str = "dev", account: str = ACCOUNT_A, role: str = ROLE) -> SsoConfig:
    """An sso-session profile of session 'corp' in us-east-1."""
    return resolve_profile(
        profile,
        {"sso_session": SESSION, "sso_account_id": account, "sso_role_name": role},
        {SESSION: {"sso_start_url": START_URL, "sso_region": "us-east-1"}},
    )


def config_text(profile: str = "dev", account: str = ACCOUNT_A, role: str = ROLE) -> str:
    """The same profile as ~/.aws/config text."""
    return (
        f"[profile {profile}]\nsso_session = {SESSION}\nsso_account_id = {account}\n"
        f"sso_role_name = {role}\nregion = us-east-1\n\n"
        f"[sso-session {SESSION}]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )


@dataclass
class World:
    """awsprompt's side of one test: environment, clock, UI, token store, session."""

    emu: IdentityCenter
    env: Env
    clock: Clock
    ui: PersonUI
    folder: Path
    cli_cache: Path
    config: SsoConfig
    tokens: AccessTokens
    key: bytes = field(repr=False, default=b"")

    @property
    def session(self) -> SsoSession:
        """The sso-session under test."""
        return self.config.session

    def flow(
        self,
        *,
        device: bool = False,
        browser: BrowserOpener | None = None,
        no_browser: bool = False,
        timeout: float = 600.0,
    ) -> LoginFlow:
        """A sign-in flow (PKCE unless DEVICE) whose browser is BROWSER (default: approving)."""
        opener = browser if browser is not None else FakeBrowser(background=not device)
        return make_flow(
            self.ui,
            self.clock,
            self.session,
            self.tokens.oidc(self.session),
            device_code=device,
            no_browser=no_browser,
            open_browser=opener,
            timeout=timeout,
        )

    def login(self, **kwargs: object) -> SsoToken:
        """Sign in (PKCE unless device=True) and store the token."""
        return self.tokens.login(self.session, self.flow(**kwargs))  # type: ignore[arg-type]

    def store_is_empty(self) -> bool:
        """True when no token file exists for the session."""
        return self.tokens.store.peek(self.session) is None

    def portal(self, **kwargs: object) -> Portal:
        """The portal client of the session (base_delay etc. as given)."""
        return Portal(self.env, self.session, self.clock, **kwargs)  # type: ignore[arg-type]

    def fresh_tokens(self, *, write_cli_cache: bool = False) -> AccessTokens:
        """Another AccessTokens over the same files (as another process would have)."""
        store = TokenStore(lambda: LocalCipher(self.key), self.folder)
        return AccessTokens(
            store,
            self.env,
            self.clock,
            cli_cache=self.cli_cache,
            write_cli_cache=write_cli_cache,
            lock_timeout=30,
            login_wait=60,
        )


def make_world(
    sandbox: Sandbox,
    emu: IdentityCenter,
    clock: Clock,
    *,
    write_cli_cache: bool = False,
    extra_env: dict[str, str] | None = None,
) -> World:
    """A World whose endpoints are EMU's, sealing with a random key, files in the sandbox."""
    env = Env({**os.environ, **emu.env(), **(extra_env or {})})
    key = os.urandom(32)
    folder = sandbox.state / "sso"
    cache = cli_cache_dir(Paths(env))
    store = TokenStore(lambda: LocalCipher(key), folder)
    tokens = AccessTokens(
        store,
        env,
        clock,
        cli_cache=cache,
        write_cli_cache=write_cli_cache,
        lock_timeout=30,
        login_wait=60,
    )
    return World(emu, env, clock, PersonUI(emu), folder, cache, sso_config(), tokens, key)


@pytest.fixture
def world(sandbox: Sandbox, emu: IdentityCenter, clock: FakeClock) -> World:
    """A World on the fake clock."""
    return make_world(sandbox, emu, clock)


def secrets_of(emu: IdentityCenter) -> list[str]:
    """Every bearer secret the emulation handed out."""
    return [*emu.access_tokens(), *emu.refresh_tokens(), *emu.client_secrets()]


def assert_no_secret(err: AwspromptError | str, emu: IdentityCenter) -> None:
    """No token or client secret of EMU in ERR's message, hint, str or repr."""
    texts = (
        [str(err)]
        if isinstance(err, str)
        else [str(err), repr(err), err.message, err.hint or "", *map(str, err.args)]
    )
    for text in texts:
        for secret in secrets_of(emu):
            assert secret not in text
        assert "aoa-" not in text and "aor-" not in text and "csec-" not in text
