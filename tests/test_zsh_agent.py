"""A cached aws-use answered by the unlock agent straight from zsh: no process started."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app, cli
from test_agent import agent, unlock  # noqa: F401 - fixture
from test_zsh_e2e import WHOAMI, world  # noqa: F401 - fixture
from zshell import ZShell, records_bytes, session_records

pytestmark = pytest.mark.slow

TRAP = """#!/bin/sh
# Stands in for awsprompt once the cache is warm: any call is logged and fails.
printf '%s\\n' "$*" >> {log}
exit 1
"""


@pytest.fixture
def unlocked(world: None, agent: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The e2e world with an agent holding the key (no passphrase in the environment)."""
    unlock()
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE")
    return agent


def trap(tmp_path: Path) -> tuple[Path, Path]:
    """(a command that logs and fails, its log)."""
    log = tmp_path / "trap.log"
    path = tmp_path / "trap"
    path.write_text(TRAP.format(log=log))
    path.chmod(0o755)
    return path, log


def test_cached_aws_use_starts_no_process(tmp_path: Path, unlocked: Path) -> None:
    """Once Python has answered once, aws-use of the same profile is the agent's alone."""
    command, log = trap(tmp_path)
    with ZShell(tmp_path / "z", timeout=60) as zsh:
        assert zsh.run_status("aws-use B")[1] == 0  # Python: full path, writes the memo
        key = zsh.var("AWS_ACCESS_KEY_ID")
        zsh.run("aws-use -u")
        zsh.run(f"AWSPROMPT_COMMAND={command}")
        out, status = zsh.run_status("aws-use B")
        assert status == 0, out
        assert not log.exists(), log.read_text()  # awsprompt never ran
        assert zsh.var("AWS_ACCESS_KEY_ID") == key  # the cached session
        assert zsh.var("AWSPROMPT_ACCOUNT") == "333333333333"
        assert zsh.var("_awsprompt_cfg_refresh") == "300"  # prompt settings came too
        assert ":333333333333:assumed-role/B/" in zsh.run(WHOAMI)
        secret = zsh.var("AWS_SECRET_ACCESS_KEY")
        holders = [ln for ln in zsh.run("set").splitlines() if secret in ln]
        assert holders == [f"AWS_SECRET_ACCESS_KEY={secret}"]  # no copy left in a variable
        # The agent recorded the use for the picker's order (after answering).
        assert zsh.run("_awsprompt_ranked_names; print -r -- $reply[1]").strip() == "B"
        # Options the fast path does not cover go to Python (which fails here).
        assert zsh.run_status("aws-use A --duration 1h")[1] == 1
        assert log.read_text().splitlines() == ["export A --format zsh --duration 1h"]


def test_cached_renewal_through_the_agent(tmp_path: Path, unlocked: Path) -> None:
    """A renewal the cache can answer (another shell renewed) starts no awsprompt process."""
    command, log = trap(tmp_path)
    with ZShell(tmp_path / "z", timeout=60) as zsh:
        assert zsh.run_status("aws-use B")[1] == 0
        real = zsh.var("AWSPROMPT_EXPIRES")
        zsh.run(f"AWSPROMPT_COMMAND={command}")
        zsh.run("AWSPROMPT_EXPIRES=$((EPOCHSECONDS+100))")
        zsh.wait_var("AWSPROMPT_EXPIRES", real)
        assert not log.exists()
        assert zsh.var("_awsprompt_refresh_status") == ""


def test_without_agent_python_answers(tmp_path: Path, unlocked: Path) -> None:
    """Locked agent, or AWSPROMPT_NO_AGENT=1: the plugin runs awsprompt as before."""
    command, log = trap(tmp_path)
    with ZShell(tmp_path / "z", timeout=60) as zsh:
        assert zsh.run_status("aws-use B")[1] == 0
        zsh.run(f"aws-use -u; AWSPROMPT_COMMAND={command}")
        zsh.run("export AWSPROMPT_NO_AGENT=1")
        assert zsh.run_status("aws-use B")[1] == 1
        zsh.run("unset AWSPROMPT_NO_AGENT")
        assert cli("lock").returncode == 0
        assert zsh.run_status("aws-use B")[1] == 1
    assert log.read_text().splitlines() == ["export B --format zsh"] * 2


@pytest.fixture
def fake_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """A stand-in agent on the real socket path that answers what the test queues."""
    monkeypatch.delenv("AWSPROMPT_NO_AGENT")
    folder = app().paths.runtime_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = app().agent.socket_path()
    pointer = app().paths.agent_pointer()  # as AgentClient.start writes it
    pointer.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pointer.write_text(f"{path}\n")
    pointer.chmod(0o600)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    answers: list[bytes] = []
    requests: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                requests.append(data)
                if answers:
                    conn.sendall(answers.pop(0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield answers
    server.close()
    os.unlink(path)
    assert all(b'"op": "zsh-export"' in r for r in requests)


def answer(records: bytes) -> bytes:
    """What the agent sends for zsh-export: a JSON header line, then the records."""
    return b'{"ok": true, "length": %d}\n' % len(records) + records


def test_agent_answers_are_checked_like_any_output(tmp_path: Path, fake_agent: list[bytes]) -> None:
    """The same allowlist, nothing evaluated, all or nothing: a bad answer goes to Python."""
    command, log = trap(tmp_path)
    good = records_bytes(*session_records("dev", key="ASIAFROMAGENT"))
    evil = records_bytes(*session_records("dev"), ("export", "PATH", "/tmp/evil"))
    fake_agent += [answer(good), answer(evil), answer(good)[:-5], b'{"ok": false}\n']
    with ZShell(tmp_path / "z", env={"AWSPROMPT_COMMAND": str(command)}) as zsh:
        assert zsh.run_status("aws-use dev")[1] == 0
        assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIAFROMAGENT"
        assert not log.exists()
        for _ in range(3):  # refused, truncated, declined: Python is asked (and fails)
            assert zsh.run_status("aws-use dev")[1] == 1
            assert zsh.var("AWS_ACCESS_KEY_ID") == "ASIAFROMAGENT"
            assert "/tmp/evil" not in zsh.var("PATH")
        assert log.read_text().splitlines() == ["export dev --format zsh"] * 3


@pytest.mark.parametrize(
    "request_",
    [
        {"op": "zsh-export", "profile": "-rf", "env": {}},
        {"op": "zsh-export", "profile": "dev", "env": ["HOME"]},
        {"op": "zsh-export", "profile": "dev", "env": {"HOME": 1}},
        {"op": "zsh-export", "profile": "dev", "env": {}},  # nothing cached for it
    ],
)
def test_agent_declines_what_it_cannot_answer(request_: dict[str, object]) -> None:
    """The agent's zsh-export answers only a valid profile with a matching memo."""
    from awsprompt.clock import FakeClock
    from awsprompt.secrets.agent import Agent

    agent_ = Agent(b"k" * 32, Path("/nonexistent"), 60, 60, FakeClock())
    reply = agent_.handle(request_)
    assert reply["ok"] is False
    assert "raw" not in reply
