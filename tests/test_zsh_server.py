"""aws-use --server: a credentials endpoint for the shell (real zsh; moto end to end, or a fake)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_zsh_e2e import AWS, CONFIG, WHOAMI, world, zsh  # noqa: F401 - fixtures
from zshell import FakeCommand, ZShell, server_records, session_records

from awsprompt.shell.credserver import process_alive

pytestmark = pytest.mark.slow

KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@pytest.fixture
def fake(tmp_path: Path) -> FakeCommand:
    """A fake awsprompt command in tmp_path."""
    return FakeCommand(tmp_path / "fake")


@pytest.fixture
def fzsh(tmp_path: Path, fake: FakeCommand) -> Iterator[ZShell]:
    """A zsh whose AWSPROMPT_COMMAND is the fake."""
    with ZShell(tmp_path / "fzdot", env={"AWSPROMPT_COMMAND": str(fake.path)}) as shell:
        yield shell


def gone_within(pid: int, seconds: float) -> bool:
    """True once PID has exited (a zombie counts as gone) within SECONDS."""
    deadline = time.monotonic() + seconds
    while process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def refuses(url: str) -> bool:
    """True if nothing accepts connections on URL's port any more."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def stand_in(shell_pid: int) -> subprocess.Popen[bytes]:
    """A process whose command line reads like `serve ... --zsh-parent SHELL_PID`."""
    code = "import time; time.sleep(60)"
    argv = [sys.executable, "-c", code, "serve", "X", "--zsh-parent", str(shell_pid)]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL)


def prompt(zsh: ZShell) -> tuple[int, str]:
    """(row, text) of the last prompt line on screen."""
    zsh.settle()
    row = zsh.prompt_line()
    return row, zsh.screen_lines()[row]


def test_server_mode_serves_role_without_keys_and_unuse_stops_it(zsh: ZShell) -> None:
    """--server exports only the endpoint; the CLI is role B; -u stops it and clears all."""
    before = zsh.run("env | grep AWS | sort")
    out, status = zsh.run_status("aws-use --server B")
    assert status == 0, out
    env = zsh.run("env | grep AWS | sort")
    for name in (*KEYS, "AWS_CREDENTIAL_EXPIRATION", "AWSPROMPT_EXPIRES"):
        assert f"{name}=" not in env, env
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:" in env
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN=" in env
    assert "AWSPROMPT_PROFILE=B" in env
    pid, url = int(zsh.var("AWSPROMPT_SERVER_PID")), zsh.var("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)
    row, line = prompt(zsh)
    assert "aws:B@333333333333 ↻" in line
    assert zsh.colour_at(row, line.index("aws:B")) == "green"
    assert zsh.run("print -r -- $_awsprompt_state").strip() == "OK"

    assert zsh.run_status("aws-use -u")[1] == 0
    assert gone_within(pid, 5)
    assert refuses(url)
    after = zsh.run("env | grep AWS | sort")
    for name in ("AWSPROMPT_PROFILE", "AWSPROMPT_SERVER_PID", "AWS_CONTAINER", "AWS_VAULT"):
        assert name not in after
    assert set(after.splitlines()) <= set(before.splitlines())


def test_failed_server_switch_keeps_previous_then_keys_stop_it(zsh: ZShell) -> None:
    """A failing --server keeps the endpoint; any switch stops it; `-` serves again."""
    assert zsh.run_status("aws-use --server A")[1] == 0
    pid = int(zsh.var("AWSPROMPT_SERVER_PID"))
    out, status = zsh.run_status("aws-use --server nope")
    assert status != 0
    assert "nope" in out
    assert zsh.var("AWSPROMPT_PROFILE") == "A"
    assert zsh.var("AWSPROMPT_SERVER_PID") == str(pid)
    assert process_alive(pid)
    assert ":111111111111:assumed-role/A/" in zsh.run(WHOAMI)

    assert zsh.run_status("aws-use B")[1] == 0
    assert gone_within(pid, 5)
    env = zsh.run("env | grep AWS | sort")
    assert "AWS_CONTAINER" not in env
    assert "AWSPROMPT_SERVER_PID" not in env
    assert "AWS_SESSION_TOKEN=" in env
    assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)

    assert zsh.run_status("aws-use -")[1] == 0
    assert zsh.var("AWSPROMPT_PROFILE") == "A"
    again = zsh.var("AWSPROMPT_SERVER_PID")
    assert again.isdigit() and int(again) != pid
    assert "AWS_SESSION_TOKEN=" not in zsh.run("env | grep AWS")
    assert ":111111111111:assumed-role/A/" in zsh.run(WHOAMI)

    assert zsh.run_status("aws-use --server B")[1] == 0
    assert gone_within(int(again), 5)
    assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)


@pytest.mark.parametrize("how", ["exit", "kill -9"])
def test_endpoint_ends_with_the_shell(tmp_path: Path, world: None, how: str) -> None:
    """Exiting the shell (zshexit hook) or killing it (parent polling) ends the endpoint."""
    with ZShell(tmp_path / "zdot", timeout=60) as zsh:
        assert zsh.run_status("aws-use --server B")[1] == 0
        pid = int(zsh.var("AWSPROMPT_SERVER_PID"))
        url = zsh.var("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        assert process_alive(pid)
        if how == "exit":
            zsh.close()
        else:
            zsh.child.kill(signal.SIGKILL)
        assert gone_within(pid, 5)
        assert refuses(url)


def test_refused_serve_output_stops_only_the_endpoint_it_started(
    fzsh: ZShell, fake: FakeCommand
) -> None:
    """Refused or failed serve output kills its own endpoint, never an unrelated pid."""
    shell = fzsh.child.pid
    ours, failed, other = stand_in(shell), stand_in(shell), stand_in(1)
    try:
        fake.reply("x", *server_records("x", ours.pid), ("export", "EVIL", "1"))
        fake.reply("y", *server_records("y", failed.pid), rc=4)
        fake.reply("z", *server_records("z", other.pid), ("export", "EVIL", "1"))
        assert fzsh.run_status("aws-use --server x")[1] == 3
        assert fzsh.run_status("aws-use --server y")[1] == 4
        assert fzsh.run_status("aws-use z --server")[1] == 3
        assert ours.wait(timeout=5) == -signal.SIGTERM
        assert failed.wait(timeout=5) == -signal.SIGTERM
        assert other.poll() is None
        assert fzsh.var("AWSPROMPT_PROFILE") == ""
        assert fake.calls()[0] == f"serve x --zsh-parent {shell}"
    finally:
        for proc in (ours, failed, other):
            proc.kill()
            proc.wait()


def test_key_export_may_not_set_server_variables(fzsh: ZShell, fake: FakeCommand) -> None:
    """Only serve output may export AWSPROMPT_SERVER_PID; serve output must carry a pid."""
    fake.reply("k", *session_records("k"), ("export", "AWSPROMPT_SERVER_PID", "1234"))
    assert fzsh.run_status("aws-use k")[1] == 3
    no_pid = [r for r in server_records("s", 1234) if r[1] != "AWSPROMPT_SERVER_PID"]
    fake.reply("s", *no_pid)
    assert fzsh.run_status("aws-use --server s")[1] == 3
    fake.reply("n", *server_records("n", 1234)[:-6], ("export", "AWSPROMPT_SERVER_PID", "1;x"))
    assert fzsh.run_status("aws-use --server n")[1] == 3
    assert fzsh.var("AWSPROMPT_PROFILE") == ""


def test_server_prompt_prod_marker_and_no_precmd_refresh(fzsh: ZShell, fake: FakeCommand) -> None:
    """Server mode: marker in the PROD colour and state, no refresh; `stopped` once gone."""
    server = stand_in(fzsh.child.pid)
    try:
        fake.reply("prod-db", *server_records("prod-db", server.pid))
        assert fzsh.run_status("aws-use --server prod-db")[1] == 0
        row, line = prompt(fzsh)
        assert "aws:prod-db@111111111111 ↻" in line
        assert fzsh.colour_at(row, line.index("aws:prod-db")) == "magenta"
        assert fzsh.var("_awsprompt_state") == "PROD"  # p10k's state too (test_zsh_p10k)
        fzsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+60))")
        fzsh.run(":")
        assert all(c.startswith("serve ") for c in fake.calls()), fake.calls()
        fzsh.run("unset AWSPROMPT_EXPIRES; AWSPROMPT_SERVER_MARKER=auto")
        assert "aws:prod-db@111111111111 auto" in prompt(fzsh)[1]
        server.kill()
        server.wait()
        fzsh.run(":")
        assert "aws:prod-db@111111111111 stopped" in prompt(fzsh)[1]
    finally:
        server.kill()
        server.wait()


def test_completion_offers_server(fzsh: ZShell) -> None:
    """TAB after `aws-use --se` completes --server."""
    assert "aws-use --server" in fzsh.complete("aws-use --se")


def test_the_mfa_code_never_reaches_argv(zsh: ZShell) -> None:
    """`aws-use --server B --mfa-token CODE`: the endpoint's argv holds no code (issue 16)."""
    out, status = zsh.run_status("aws-use --server B --mfa-token 246810")
    assert status == 0, out
    pid = int(zsh.var("AWSPROMPT_SERVER_PID"))
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    assert b"serve" in cmdline
    assert b"246810" not in cmdline
    assert b"--mfa-token\x00-\x00" in cmdline
    assert zsh.run_status("aws-use -u")[1] == 0
