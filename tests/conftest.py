"""Shared fixtures: an isolated HOME/state folder for every test, a real moto server, the CLI.

Tiers: a test that starts a server or a shell is marked `slow` (end to end), so
`pytest -m "not slow"` is the fast unit tier.  Tests using the server fixtures below are
marked here; modules that start shells, agents or installers mark themselves.  Every test is
safe under pytest-xdist: servers listen on ports the kernel picks, the session-scoped moto
server is one per worker, and every path lives under the test's own tmp_path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from awsprompt.clock import SYSTEM, Clock
from awsprompt.context import Context
from awsprompt.emulation.federation import FederationStub
from awsprompt.emulation.moto import MotoServer
from awsprompt.envvars import Env
from awsprompt.ui import Scripted

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "correct horse battery staple"
# Fixtures that start a server: every test using one (directly or through another fixture)
# is end to end.
SERVER_FIXTURES = frozenset({"moto_session", "private_moto", "federation_stub"})
# What a copy of the sources leaves out: VCS data, virtualenvs, build output, caches.
NOT_SOURCES = (".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.pyc")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that uses a server fixture (before -m selects)."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@dataclass
class Sandbox:
    """Paths of one test's private world."""

    root: Path
    home: Path
    state: Path
    config: Path
    credentials: Path
    env: dict[str, str]

    def write_config(self, text: str) -> None:
        """Replace ~/.aws/config."""
        self.config.write_text(text)

    def write_credentials(self, text: str) -> None:
        """Replace ~/.aws/credentials."""
        self.credentials.write_text(text)


@pytest.fixture(autouse=True)
def sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Sandbox:
    """Point HOME, AWSPROMPT_HOME and the AWS files at a temporary folder for every test."""
    home = tmp_path / "home"
    state = home / ".local" / "share" / "awsprompt"
    aws = home / ".aws"
    aws.mkdir(parents=True)
    # A short runtime folder: a socket path must fit AF_UNIX's 108 bytes, and pytest's
    # tmp_path under xdist (worker and test names) is longer than a real $XDG_RUNTIME_DIR.
    run = Path(tempfile.mkdtemp(prefix="ap-run-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(run, ignore_errors=True))
    for var in list(os.environ):
        if var.startswith(("AWS", "AWSPROMPT_", "XDG_")) or var in ("ZDOTDIR", "BROWSER"):
            monkeypatch.delenv(var, raising=False)
    env = {
        "HOME": str(home),
        "AWSPROMPT_HOME": str(state),
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "AWSPROMPT_INSECURE_TEST_KDF": "1",
        "XDG_RUNTIME_DIR": str(run),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWSPROMPT_NO_AGENT": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Sandbox(tmp_path, home, state, aws / "config", aws / "credentials", env)


def cli(
    *args: str,
    input: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m awsprompt ARGS` with the test's environment (plus ENV)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "awsprompt", *args],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
        check=False,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def with_passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    """Set AWSPROMPT_PASSPHRASE for the test."""
    monkeypatch.setenv("AWSPROMPT_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


@pytest.fixture(scope="session")
def moto_session() -> Iterator[MotoServer]:
    """One moto server for the whole test session (of this xdist worker)."""
    with MotoServer(base_env=os.environ) as server:
        yield server


@pytest.fixture
def moto(moto_session: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A freshly reset moto server, with AWS_ENDPOINT_URL pointing at it."""
    moto_session.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_session.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return moto_session


@pytest.fixture
def private_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """A moto server of this test's own (for tests that stop it or enable auth)."""
    with MotoServer(base_env=os.environ) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield server


@pytest.fixture
def federation_stub() -> Iterator[FederationStub]:
    """A local console sign-in endpoint (getSigninToken) of this test's own."""
    with FederationStub() as stub:
        yield stub


def copy_source_tree(dest: Path) -> Path:
    """Copy the repository's sources to DEST, so that a build writes its build/ and
    *.egg-info there (never into the checkout) and parallel tests share nothing."""
    venv = Path(sys.prefix).resolve()
    skip = shutil.ignore_patterns(*NOT_SOURCES)

    def ignore(folder: str, names: list[str]) -> set[str]:
        return set(skip(folder, names)) | {n for n in names if (Path(folder) / n).resolve() == venv}

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    return dest


def strip_ansi(text: str) -> str:
    """Remove terminal escape sequences."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def app(ui: Scripted | None = None, clock: Clock | None = None) -> Context:
    """A Context over this test's environment (as the CLI builds one), for in-process calls."""
    return Context(Env(os.environ), ui or Scripted(), clock or SYSTEM)
