"""The unlock agent: one unlock serves later commands; socket, peer check, time-outs, lock."""

from __future__ import annotations

import base64
import json
import os
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import PASSPHRASE, ROOT, MotoServer, Sandbox, app, cli

from awsprompt.clock import FakeClock
from awsprompt.context import Context
from awsprompt.envvars import Env
from awsprompt.errors import ExitCode
from awsprompt.secrets.agent import Agent
from awsprompt.secrets.vault.base import key_check
from awsprompt.secrets.vault.filevault import FileVault

# Every test starts an agent process.
pytestmark = pytest.mark.slow

KEY_ID = "AKIAEXAMPLEAGENT0001"
SECRET = "AgentSecretSENTINEL/0000000000000000000"
SYSTEM_PYTHON = "/usr/bin/python3"  # nobody cannot run the test interpreter under /root
NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
# Connect, ask for status, print what came back (b'' when the agent hung up without a word).
CLIENT = """
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
buf = b''
try:
    s.sendall(b'{"op": "status"}\\n')
    while chunk := s.recv(65536):
        buf += chunk
except (BrokenPipeError, ConnectionResetError):
    pass
print(repr(buf))
"""


# --- helpers ------------------------------------------------------------------------------


def agent_pids(folder: Path) -> list[int]:
    """Live agent processes serving FOLDER (their working directory is the runtime folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if b"awsprompt.commands.agentd" in cmdline and cwd == str(folder):
            pids.append(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    """True while PID exists and is not a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll CONDITION until it holds or TIMEOUT passes; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def the_agent() -> int:
    """The PID of the one agent serving this test's runtime folder."""
    pids = agent_pids(app().paths.runtime_dir())
    assert len(pids) == 1, pids
    return pids[0]


def run_detached(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m awsprompt ARGS` with no terminal at all (new session, stdin /dev/null)."""
    full = {**os.environ, **(env or {})}
    for var in ("AWSPROMPT_PASSPHRASE", "AWS_VAULT_FILE_PASSPHRASE"):
        full.pop(var, None)
    return subprocess.run(
        [sys.executable, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=full,
        cwd=ROOT,
        start_new_session=True,
        timeout=60,
        check=False,
    )


def add_key(profile: str = "base") -> None:
    """Store a key for PROFILE (creating the vault), passphrase from the environment."""
    result = cli(
        "add",
        profile,
        "--env",
        env={
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWSPROMPT_PASSPHRASE": PASSPHRASE,
        },
    )
    assert result.returncode == 0, result.stderr


def unlock(*args: str, var: str = "AWSPROMPT_PASSPHRASE") -> None:
    """`awsprompt unlock ARGS` with the passphrase in VAR for this one call."""
    result = cli("unlock", *args, env={var: PASSPHRASE})
    assert result.returncode == 0, result.stderr
    assert app().agent.socket_path().exists()


def warm_cache(moto: MotoServer) -> dict[str, object]:
    """A vault key for `base`, one `exec -j base` through moto (sessions cached); its output."""
    add_key()
    result = cli("exec", "-j", "base", env={"AWSPROMPT_PASSPHRASE": PASSPHRASE})
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def status_json() -> dict[str, object]:
    """`awsprompt status --json`, run without a terminal or passphrase."""
    result = run_detached("-m", "awsprompt", "status", "--json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def vault_key() -> bytes:
    """The vault's data key, derived in this process from the passphrase."""
    vault = FileVault(app(), passphrase=lambda _creating: PASSPHRASE, agent=lambda _c: None)
    vault.cipher()
    key = vault.unlocked_data_key()
    assert key is not None
    return key


@pytest.fixture
def agent(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Agent use allowed; afterwards `lock`, then kill any agent this test left running."""
    monkeypatch.delenv("AWSPROMPT_NO_AGENT")
    yield app().paths.runtime_dir()
    folder = app().paths.runtime_dir()
    if folder.exists():
        folder.chmod(0o700)
    cli("lock")
    for pid in agent_pids(folder):
        os.kill(pid, signal.SIGKILL)


# --- one unlock, then no passphrase ---------------------------------------------------------


def test_after_unlock_exec_is_served_without_passphrase_or_terminal(
    sandbox: Sandbox, private_moto: MotoServer, agent: Path
) -> None:
    """After `unlock`, `exec -j` works from the cache with no passphrase source and no tty."""
    first = warm_cache(private_moto)
    private_moto.stop()  # from now on only the cache can answer
    locked = run_detached("-m", "awsprompt", "exec", "-j", "base")
    assert locked.returncode == ExitCode.NO_TERMINAL, locked.stderr
    unlock()
    result = run_detached("-m", "awsprompt", "exec", "-j", "base")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == first
    assert "Passphrase" not in result.stderr


def test_status_and_list_show_the_unlocked_vault(
    sandbox: Sandbox, moto: MotoServer, agent: Path
) -> None:
    """`status` reports unlocked with time left; `list` shows the cached session, no prompt."""
    warm_cache(moto)
    assert status_json()["unlocked"] is False
    unlock("--ttl", "2h", "--idle", "30m")
    state = status_json()
    assert state["unlocked"] is True
    assert state["agent_socket"] == str(app().agent.socket_path())
    assert 1700 < int(str(state["seconds_left"])) <= 1800
    assert state["keys"] == 1
    text = run_detached("-m", "awsprompt", "status")
    assert text.returncode == 0
    assert text.stdout.startswith("Unlocked: locks in 1h5") and "or after 29m unused" in text.stdout
    listing = run_detached("-m", "awsprompt", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    (row,) = [r for r in json.loads(listing.stdout) if r["name"] == "base"]
    assert row["sessions"] and row["sessions"][0]["seconds_left"] > 0


def test_exec_through_the_agent_derives_no_key(
    sandbox: Sandbox, moto: MotoServer, agent: Path
) -> None:
    """With the agent and a warm cache, `exec -j` never imports cryptography (no KDF, no AES)."""
    warm_cache(moto)
    crypto_import = re.compile(r"\|\s+cryptography(\.|$)", re.MULTILINE)
    unlock()
    result = run_detached("-X", "importtime", "-m", "awsprompt", "exec", "-j", "base")
    assert result.returncode == 0, result.stderr
    assert "import time:" in result.stderr
    assert not crypto_import.search(result.stderr)
    # The same command without the agent does import it: the check above can fail.
    control = cli(
        "exec",
        "-j",
        "base",
        env={
            "AWSPROMPT_NO_AGENT": "1",
            "AWSPROMPT_PASSPHRASE": PASSPHRASE,
            "PYTHONPROFILEIMPORTTIME": "1",
        },
    )
    assert control.returncode == 0, control.stderr
    assert crypto_import.search(control.stderr)


def test_add_through_the_agent_keeps_the_vault_openable(sandbox: Sandbox, agent: Path) -> None:
    """`add` while unlocked needs no passphrase, and the passphrase still opens the result."""
    add_key()
    unlock()
    added = run_detached(
        "-m",
        "awsprompt",
        "add",
        "second",
        "--env",
        env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEAGENT0002", "AWS_SECRET_ACCESS_KEY": SECRET},
    )
    assert added.returncode == 0, added.stderr
    assert cli("lock").returncode == 0
    code = "import os; print(os.environ['AWS_ACCESS_KEY_ID'])"
    result = cli(
        "exec",
        "--no-session",
        "second",
        "--",
        sys.executable,
        "-c",
        code,
        env={"AWSPROMPT_PASSPHRASE": PASSPHRASE},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AKIAEXAMPLEAGENT0002"


def test_agent_holding_another_key_is_ignored(sandbox: Sandbox, agent: Path) -> None:
    """An agent holding some other vault's key is not used: the vault stays locked."""
    add_key()
    app().agent.start(os.urandom(32), idle=30.0, absolute=30.0)
    assert app().agent.status() is not None
    assert status_json()["unlocked"] is False
    result = run_detached("-m", "awsprompt", "exec", "--no-session", "base", "--", "true")
    assert result.returncode == ExitCode.NO_TERMINAL, result.stderr


# --- the socket ---------------------------------------------------------------------------


def test_socket_is_0600_in_a_0700_folder(sandbox: Sandbox, agent: Path) -> None:
    """The agent's socket is mode 0600 inside a 0700 folder, both owned by the user."""
    add_key()
    unlock()
    sock = app().agent.socket_path()
    assert sock.parent == Path(os.environ["XDG_RUNTIME_DIR"]) / "awsprompt"
    st = os.lstat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    folder = os.lstat(sock.parent)
    assert stat.S_IMODE(folder.st_mode) == 0o700
    assert st.st_uid == folder.st_uid == os.getuid()


@pytest.fixture
def shared_runtime(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """XDG_RUNTIME_DIR in a folder other users can traverse (the sandbox's parents are 0700)."""
    if not (os.geteuid() == 0 and shutil.which("setpriv") and os.access(SYSTEM_PYTHON, os.X_OK)):
        pytest.skip("needs root, setpriv and a system python another user can run")
    top = Path(tempfile.mkdtemp(prefix="awsprompt-peer-"))
    top.chmod(0o711)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(top))
    yield top
    folder = top / "awsprompt"
    if folder.exists():
        folder.chmod(0o700)
    cli("lock")
    for pid in agent_pids(folder):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(top)


def test_connection_from_another_uid_is_refused(shared_runtime: Path, agent: Path) -> None:
    """A client running as `nobody` that reaches the socket is hung up on without an answer."""
    add_key()
    unlock()
    sock = app().agent.socket_path()
    assert sock.parent.parent == shared_runtime
    # Open the folder and the socket to everyone, so only SO_PEERCRED stands in the way.
    sock.parent.chmod(0o711)
    sock.chmod(0o666)
    try:
        own = subprocess.run(
            [SYSTEM_PYTHON, "-c", CLIENT, str(sock)],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        other = subprocess.run(
            [*NOBODY, SYSTEM_PYTHON, "-c", CLIENT, str(sock)],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
            cwd="/",
        )
    finally:
        sock.chmod(0o600)
        sock.parent.chmod(0o700)
    assert own.returncode == 0, own.stderr
    assert '"check"' in own.stdout  # the same client as the owner gets an answer
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "b''"
    assert app().agent.status() is not None  # and the agent keeps serving its owner


# --- time-outs and lock -------------------------------------------------------------------


def _agent_at(clock: FakeClock, idle: float, absolute: float) -> tuple[Agent, socket.socket]:
    """An in-process Agent on a real socket, on CLOCK (tests move time, nothing sleeps)."""
    folder = app().paths.runtime_dir()
    folder.mkdir(mode=0o700, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(folder / "probe.sock"))
    server.listen(1)
    return Agent(os.urandom(32), folder / "probe.sock", idle, absolute, clock), server


def _seal(agent: Agent) -> None:
    reply = agent.handle({"op": "seal", "purpose": "vault", "plaintext": "eA==", "aad": ""})
    assert reply["ok"] is True


def test_idle_timeout_wipes_the_key(sandbox: Sandbox) -> None:
    """An agent unused for its idle time forgets the key and its serve loop ends."""
    clock = FakeClock()
    agent, server = _agent_at(clock, idle=60.0, absolute=3600.0)
    with server:
        assert agent.handle({"op": "status"})["ok"] is True
        clock.advance(59)
        assert not agent.expired()
        clock.advance(2)
        assert agent.expired()
        agent.serve(server)  # returns at once: the time is up
    assert agent.handle({"op": "status"}) == {"ok": False, "error": "locked"}


def test_absolute_timeout_expires_even_while_in_use(sandbox: Sandbox) -> None:
    """Requests reset the idle timer but not the absolute limit."""
    clock = FakeClock()
    agent, server = _agent_at(clock, idle=60.0, absolute=300.0)
    with server:
        for _ in range(10):
            clock.advance(29)
            _seal(agent)
        assert not agent.expired()  # 290 s, each request within the idle time
        clock.advance(11)
        assert agent.expired()
        agent.serve(server)
    assert agent.handle({"op": "status"})["ok"] is False


def test_requests_keep_an_idle_agent_alive(sandbox: Sandbox) -> None:
    """Seal/unseal requests restart the idle timer; status requests alone do not."""
    clock = FakeClock()
    agent, server = _agent_at(clock, idle=60.0, absolute=3600.0)
    with server:
        for _ in range(4):
            clock.advance(45)
            _seal(agent)
        assert not agent.expired()  # 180 s in all, never 60 s unused
        clock.advance(45)
        assert agent.handle({"op": "status"})["ok"] is True
        clock.advance(20)  # 65 s since the last seal: the status request did not count
        assert agent.expired()
        assert agent.handle({"op": "status"})["ok"] is False


def test_lock_wipes_the_key_and_stops_the_agent(
    sandbox: Sandbox, moto: MotoServer, agent: Path
) -> None:
    """`lock` stops the agent: no status, no socket, no process, and the vault asks again."""
    warm_cache(moto)
    unlock()
    pid = the_agent()
    result = cli("lock")
    assert result.returncode == 0
    assert "Vault locked" in result.stderr
    assert app().agent.status() is None
    assert wait_for(lambda: not app().agent.socket_path().exists())
    assert wait_for(lambda: not alive(pid))
    assert status_json()["unlocked"] is False
    again = run_detached("-m", "awsprompt", "exec", "-j", "base")
    assert again.returncode == ExitCode.NO_TERMINAL
    assert "already locked" in cli("lock").stderr


def test_unlock_again_replaces_the_agent(sandbox: Sandbox, agent: Path) -> None:
    """A second `unlock` stops the first agent and leaves exactly one serving the socket."""
    add_key()
    unlock()
    first = the_agent()
    unlock()
    assert wait_for(lambda: not alive(first))
    second = the_agent()
    assert second != first
    assert status_json()["unlocked"] is True


# --- what the agent process exposes -------------------------------------------------------


@pytest.mark.parametrize("var", ["AWSPROMPT_PASSPHRASE", "AWS_VAULT_FILE_PASSPHRASE"])
def test_agent_argv_and_environment_hold_no_secret(sandbox: Sandbox, agent: Path, var: str) -> None:
    """Neither the passphrase nor the data key appear in the agent's argv or environment."""
    add_key()
    unlock(var=var)
    key = vault_key()
    status = app().agent.status()
    assert status is not None
    assert status["check"] == key_check(key)  # the agent holds exactly this key
    pid = the_agent()
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    names = {item.split(b"=", 1)[0] for item in environ.split(b"\0") if item}
    assert b"awsprompt.commands.agentd" in cmdline
    assert b"XDG_RUNTIME_DIR" in names  # the environment really was read
    for blob in (cmdline, environ):
        assert PASSPHRASE.encode() not in blob
        assert base64.b64encode(key) not in blob
        assert key not in blob
        assert key.hex().encode() not in blob
    assert not names & {b"AWSPROMPT_PASSPHRASE", b"AWS_VAULT_FILE_PASSPHRASE"}


def test_agent_refuses_core_dumps(sandbox: Sandbox, agent: Path) -> None:
    """The agent sets its core-file limit to 0 even when started with core dumps allowed."""
    add_key()
    old = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    try:
        unlock()
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, old)
    limits = Path(f"/proc/{the_agent()}/limits").read_text()
    (line,) = [x for x in limits.splitlines() if x.startswith("Max core file size")]
    assert line.split()[4:6] == ["0", "0"]


def test_agent_makes_itself_undumpable(sandbox: Sandbox) -> None:
    """Run as `nobody`, the agent's /proc files belong to root: PR_SET_DUMPABLE 0 took effect."""
    if not (os.geteuid() == 0 and shutil.which("setpriv") and os.access(SYSTEM_PYTHON, os.X_OK)):
        pytest.skip("needs root, setpriv and a system python another user can run")
    top = Path(tempfile.mkdtemp(prefix="awsprompt-dump-"))
    top.chmod(0o711)
    folder = top / "run"
    folder.mkdir(mode=0o700)
    shutil.chown(folder, "nobody", "nogroup")
    setup = {
        "key": base64.b64encode(os.urandom(32)).decode(),
        "socket": str(folder / "agent.sock"),
        "idle": 30,
        "absolute": 30,
    }
    proc = subprocess.Popen(
        [*NOBODY, SYSTEM_PYTHON, "-m", "awsprompt.commands.agentd"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        cwd="/",
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(setup).encode() + b"\n")
        proc.stdin.close()
        assert proc.stdout.readline() == b"ready\n"
        status = Path(f"/proc/{proc.pid}/status").read_text()
        assert re.search(r"^Uid:\s+65534\s", status, re.MULTILINE)
        assert os.stat(f"/proc/{proc.pid}/environ").st_uid == 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("the agent ignored SIGTERM") from None
        finally:
            shutil.rmtree(top)


# --- the offer after a typed passphrase -----------------------------------------------------


def spawn_add(profile: str) -> pexpect.spawn:
    """`awsprompt add PROFILE --env` on a pty, with no passphrase in the environment."""
    env = {k: v for k, v in os.environ.items() if k != "AWSPROMPT_PASSPHRASE"}
    env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET})
    return pexpect.spawn(
        sys.executable,
        ["-m", "awsprompt", "add", profile, "--env"],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=20,
    )


@pytest.mark.parametrize(("answer", "started"), [("y", True), ("n", False)])
def test_typed_passphrase_offers_the_agent(
    sandbox: Sandbox, agent: Path, answer: str, started: bool
) -> None:
    """After a typed passphrase, `add` offers the agent; yes starts it, no does not."""
    add_key()
    child = spawn_add("second")
    child.expect("Passphrase for the awsprompt vault:")
    child.sendline(PASSPHRASE)
    child.expect(r"Keep the vault unlocked in the background .*\[Y/n\]")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert status_json()["unlocked"] is started
    assert status_json()["keys"] == 2
    assert bool(agent_pids(app().paths.runtime_dir())) is started


def test_no_offer_when_settings_say_so(sandbox: Sandbox, agent: Path) -> None:
    """With `agent: {offer: false}` a typed passphrase is not followed by the offer."""
    add_key()
    (sandbox.state / "config.yaml").write_text("agent:\n  offer: false\n")
    child = spawn_add("second")
    child.expect("Passphrase for the awsprompt vault:")
    child.sendline(PASSPHRASE)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "Keep the vault" not in str(child.before)
    assert "Added keys for 'second'" in str(child.before)
    assert not app().agent.socket_path().exists()
    assert agent_pids(app().paths.runtime_dir()) == []


def test_creating_the_vault_offers_the_agent(sandbox: Sandbox, agent: Path) -> None:
    """The first `add` (a new vault, a new passphrase typed twice) offers the agent too."""
    child = spawn_add("first")
    child.expect("New passphrase for the awsprompt vault:")
    child.sendline(PASSPHRASE)
    child.expect("Repeat the passphrase:")
    child.sendline(PASSPHRASE)
    child.expect(r"Keep the vault unlocked in the background .*\[Y/n\]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert status_json()["unlocked"] is True
    assert status_json()["keys"] == 1


def test_a_typed_passphrase_gets_three_tries(sandbox: Sandbox) -> None:
    """At a terminal, two typos and then the right passphrase open the vault; three typos exit 5."""
    add_key()
    child = spawn_add("second")
    for _ in range(2):
        child.expect("Passphrase for the awsprompt vault:")
        child.sendline("not the passphrase")
        child.expect("wrong passphrase, try again")
    child.expect("Passphrase for the awsprompt vault:")
    child.sendline(PASSPHRASE)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert status_json()["keys"] == 2
    child = spawn_add("third")
    for _ in range(3):
        child.expect("Passphrase for the awsprompt vault:")
        child.sendline("still wrong")
    child.expect("wrong passphrase for the vault")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == ExitCode.WRONG_PASSPHRASE
    assert status_json()["keys"] == 2


def test_one_agent_per_state_folder(sandbox: Sandbox, agent: Path, tmp_path: Path) -> None:
    """Two AWSPROMPT_HOMEs run two agents; unlocking one neither stops nor unlocks the other."""
    other_home = tmp_path / "other-state"
    other = {"AWSPROMPT_HOME": str(other_home)}
    first = Context(Env(os.environ))
    second = Context(Env({**os.environ, **other}))
    assert first.agent.socket_path() != second.agent.socket_path()
    assert first.agent.socket_path().parent == second.agent.socket_path().parent
    first.agent.start(os.urandom(32), idle=30.0, absolute=30.0)
    second.agent.start(os.urandom(32), idle=30.0, absolute=30.0)
    assert first.agent.status() is not None
    assert second.agent.status() is not None
    assert first.agent.status() != second.agent.status()  # different keys, different checks
    assert second.agent.stop() is True
    assert first.agent.status() is not None  # the other state folder's agent is untouched
    assert wait_for(lambda: len(agent_pids(first.paths.runtime_dir())) == 1)


# --- hostile and slow clients (issue 16) ----------------------------------------------------


def _raw(sock_path: Path, payload: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(str(sock_path))
        conn.sendall(payload)
        return conn.recv(65536)


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 1100 + b"\n",
        b'{"op": "status", "x": ' + b"{" * 5000 + b"\n",
        b'{"op": "seal", "purpose": "vault", "plaintext": "!!", "aad": ""}\n',
        b"\xff\xfe not json\n",
        b'{"op": "unseal", "purpose": "vault"}\n',
    ],
)
def test_malformed_requests_get_an_answer_and_the_agent_lives(
    sandbox: Sandbox, agent: Path, payload: bytes
) -> None:
    """Nested, oversized-depth, bad-base64 and incomplete requests are refused; the key stays."""
    client = app().agent
    client.start(os.urandom(32), idle=30.0, absolute=30.0)
    before = client.status()
    assert before is not None
    reply = json.loads(_raw(client.socket_path(), payload))
    assert reply == {"ok": False, "error": "bad request"}
    after = client.status()
    assert after is not None
    assert after["check"] == before["check"]


def test_idle_and_slow_clients_do_not_block_others(sandbox: Sandbox, agent: Path) -> None:
    """Idle connections, one sending a byte at a time, and a flood past the limit: status works."""
    client = app().agent
    client.start(os.urandom(32), idle=60.0, absolute=60.0)
    path = client.socket_path()
    idle = []
    for _ in range(40):  # forty clients that connect and then say nothing
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(str(path))
        idle.append(conn)
    slow = idle[0]
    slow.sendall(b'{"op"')
    try:
        for _ in range(3):
            assert client.status() is not None
            slow.sendall(b" ")
    finally:
        for conn in idle:
            conn.close()
    assert client.status() is not None
