"""The prompt never blocks: real awsprompt, moto, two real zsh panes, a hanging endpoint."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli
from test_zsh_e2e import WHOAMI, world  # noqa: F401 - fixture
from zshell import ZShell, strip

pytestmark = pytest.mark.slow

CONFIG = """[profile base]
mfa_serial = arn:aws:iam::123456789012:mfa/me
[profile dev]
role_arn = arn:aws:iam::111111111111:role/dev
source_profile = base
[profile staging]
role_arn = arn:aws:iam::222222222222:role/staging
source_profile = base
"""
KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


@pytest.fixture
def mfa_world(sandbox, moto, with_passphrase) -> None:
    """A vault key 'base' with an MFA device and two roles of it, against moto."""
    added = cli("add", "base", "--env", env=KEYS)
    assert added.returncode == 0, added.stderr
    sandbox.write_config(CONFIG)


def test_prompt_appears_while_another_pane_waits_for_mfa(tmp_path: Path, mfa_world: None) -> None:
    """Pane A waits at its MFA prompt holding the lock; pane B's prompt and renewal never wait."""
    with (
        ZShell(tmp_path / "a", timeout=60) as pane_a,
        ZShell(tmp_path / "b", timeout=60) as pane_b,
    ):
        out, status = pane_b.run_status("aws-use dev --mfa-token 123456")
        assert status == 0, out
        assert cli("clear").returncode == 0  # every session, the MFA one too
        pane_a.send("aws-use staging\r")
        pane_a.expect("MFA code for ")  # A holds the lock until the code is typed

        # B inside its refresh window: the prompt comes back at once, marked.
        pane_b.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))", timeout=5)
        pane_b.wait_var("_awsprompt_refresh_status", "busy", timeout=10)
        pane_b.run("true", timeout=5)
        assert "1m waiting" in pane_b.screen_lines()[pane_b.prompt_line()]
        assert "waiting for the MFA code asked in another terminal" in strip(pane_b.raw)

        # An interactive aws-use in B says on one line why it waits.
        pane_b.send("aws-use dev\r")
        pane_b.expect("waiting for the MFA code asked in another terminal…", timeout=10)
        pane_a.send("123456\r")
        assert pane_a.wait_ready() == 0
        assert pane_b.wait_ready(timeout=30) == 0
        assert ":111111111111:assumed-role/dev/" in pane_b.run(WHOAMI)
        assert pane_b.var("_awsprompt_refresh_status") == ""
        assert ":222222222222:assumed-role/staging/" in pane_a.run(WHOAMI)


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def renewals_running() -> list[int]:
    """Pids of awsprompt processes running a background renewal."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"export" in argv and b"--no-prompt" in argv and b"awsprompt" in argv:
            pids.append(int(proc.name))
    return pids


def test_hanging_endpoint_never_freezes_the_prompt(
    tmp_path: Path, world: None, black_hole: str
) -> None:
    """An STS endpoint that accepts and never answers: every prompt at once, the job stopped."""
    with ZShell(tmp_path / "z", timeout=60, pre="AWSPROMPT_REFRESH_TIMEOUT=3") as zsh:
        assert zsh.run_status("aws-use B")[1] == 0
        # Sessions are cached per endpoint: the renewal must ask this one.
        zsh.run(f"export AWS_ENDPOINT_URL={black_hole}")
        for _ in range(3):
            zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))", timeout=3)
        assert zsh.var("_awsprompt_job_fd") != ""  # the renewal is still hanging...
        assert renewals_running()
        zsh.wait_var("_awsprompt_refresh_status", "failed", timeout=15)  # ...and is stopped
        left = int(zsh.run("print -r -- $(( _awsprompt_refresh_next - EPOCHSECONDS ))"))
        assert left > 50  # the back-off counts from after the attempt
        zsh.run("true", timeout=3)
        assert "1m not renewed" in zsh.screen_lines()[zsh.prompt_line()]
        assert "did not answer" in strip(zsh.raw)
        assert zsh.var("AWSPROMPT_PROFILE") == "B"
        deadline = time.monotonic() + 5
        while renewals_running():
            assert time.monotonic() < deadline, "the renewal's process group was not stopped"
            time.sleep(0.1)
