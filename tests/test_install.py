"""install.sh: a user install into a fresh HOME, idempotent, and a clean --uninstall.

Offline: install.sh runs from a copy of the checkout (its build output stays there, and
parallel tests share nothing), pip has no index, and the build uses this venv's pinned
setuptools instead of downloading one into an isolated build environment.  So the installed
venv holds awsprompt but not its dependencies: commands that need them (import, unlock) run
the installed awsprompt with this venv's dependencies on PYTHONPATH (`installed` below).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import setuptools
from conftest import PASSPHRASE, Sandbox, copy_source_tree

pytestmark = pytest.mark.slow

MARK = "# >>> awsprompt >>>"
END = "# <<< awsprompt <<<"
PATH_MARK = "# >>> awsprompt PATH >>>"
Install = Callable[..., subprocess.CompletedProcess[str]]
Run = Callable[..., subprocess.CompletedProcess[str]]
BUILD_TOOLS = ("setuptools", "pkg_resources", "_distutils_hack", "setuptools-*.dist-info")
# Not dependencies of awsprompt: the package itself (from this checkout) and the build tools.
NOT_DEPS = ("awsprompt", "__editable__", "pip", "_distutils_hack", "distutils-precedence")
KEYS = {
    "dev": ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "prod": ("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
}
# Tools install.sh runs that differ between GNU and BSD (macOS): the shims below refuse
# what macOS lacks.
SHIMMED = ("chmod", "cp", "mv", "rm", "ln", "mkdir", "rmdir", "mktemp", "readlink", "stat")
SHIMMED += ("sed", "tail", "cmp", "grep", "tr", "dirname", "cat")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the sources with install.sh, as a user's clone."""
    return copy_source_tree(tmp_path / "awsprompt-src")


def site_packages() -> Path:
    """This venv's site-packages."""
    return Path(setuptools.__file__).resolve().parent.parent


def link_folder(folder: Path, names: list[Path]) -> Path:
    """FOLDER with a symlink to each of NAMES."""
    folder.mkdir()
    for found in names:
        (folder / found.name).symlink_to(found)
    return folder


@pytest.fixture
def build_tools(tmp_path: Path) -> Path:
    """A folder exposing this venv's setuptools (for PYTHONPATH), and nothing else."""
    site = site_packages()
    folder = link_folder(tmp_path / "build-tools", [f for p in BUILD_TOOLS for f in site.glob(p)])
    assert (folder / "setuptools").exists()
    return folder


@pytest.fixture
def deps(tmp_path: Path) -> Path:
    """A folder exposing this venv's packages but awsprompt and pip (for PYTHONPATH)."""
    found = [p for p in site_packages().iterdir() if not p.name.startswith(NOT_DEPS)]
    folder = link_folder(tmp_path / "deps", found)
    assert (folder / "cryptography").exists()
    return folder


@pytest.fixture
def base_env(sandbox: Sandbox) -> dict[str, str]:
    """The user's environment: the sandbox HOME (every path defaults from it), and the agent's
    runtime folder of this test; no ZDOTDIR, no AWS_CONFIG_FILE."""
    return {
        "HOME": str(sandbox.home),
        "PATH": os.environ["PATH"],
        "XDG_RUNTIME_DIR": sandbox.env["XDG_RUNTIME_DIR"],
        "AWSPROMPT_INSECURE_TEST_KDF": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture
def install(base_env: dict[str, str], checkout: Path, build_tools: Path) -> Install:
    """Run the copy's install.sh ARGS with HOME pointed at the sandbox, without the network."""

    def run(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            **base_env,
            "PYTHON": sys.executable,
            # The test venv already has every dependency; pip still builds awsprompt itself.
            "PIP_NO_DEPS": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            # Never an index (install.sh's `pip install --upgrade pip` just fails, as it may).
            "PIP_NO_INDEX": "1",
            # pip reads PIP_NO_BUILD_ISOLATION=0 as --no-build-isolation (a quirk of its
            # --no-* options; were it read the other way, the offline build would fail),
            # so the build imports setuptools from PYTHONPATH instead of downloading it.
            "PIP_NO_BUILD_ISOLATION": "0",
            "PYTHONPATH": str(build_tools),
        }
        if path is not None:
            env["PATH"] = path
        return subprocess.run(
            [str(checkout / "install.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


@pytest.fixture
def installed(base_env: dict[str, str], deps: Path) -> Run:
    """Run ARGV (the installed awsprompt, or sh -c LINE) as the user, with the dependencies."""

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        env = {**base_env, "PYTHONPATH": str(deps), "AWSPROMPT_PASSPHRASE": PASSPHRASE}
        return subprocess.run(
            list(argv),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    return run


def paths(sandbox: Sandbox) -> tuple[Path, Path, Path]:
    """The link in ~/.local/bin, the venv and the installed plugin file."""
    venv = sandbox.home / ".local" / "share" / "awsprompt-venv"
    plugin = venv / "share" / "awsprompt" / "zsh" / "awsprompt.plugin.zsh"
    return sandbox.home / ".local" / "bin" / "awsprompt", venv, plugin


def init_zsh(command: Path, path: str) -> list[str]:
    """The lines `COMMAND init zsh` prints when PATH is PATH."""
    result = subprocess.run(
        [str(command), "init", "zsh"],
        env={"HOME": os.environ["HOME"], "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def system_path() -> str:
    """This PATH without the folders that hold an `awsprompt` (this venv's bin)."""
    folders = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(p for p in folders if p and not (Path(p) / "awsprompt").exists())


def new_zsh(sandbox: Sandbox, script: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """Run SCRIPT in a new interactive zsh of the user (FLAGS: -l for a login shell), whose
    PATH has no awsprompt."""
    zsh = shutil.which("zsh")
    assert zsh is not None
    home = str(sandbox.home)
    env = {"HOME": home, "ZDOTDIR": home, "PATH": system_path(), "TERM": "dumb"}
    return subprocess.run(
        [zsh, *flags, "-i", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_install_twice_then_uninstall(sandbox: Sandbox, install: Install) -> None:
    """install.sh links awsprompt, says what it does, and adds one zshrc block; a second run
    replaces that block where it is; --uninstall undoes it and keeps what was there before."""
    zshrc = sandbox.home / ".zshrc"
    zshrc.write_text("# my settings\nsetopt autocd\n")
    bin_dir = sandbox.home / ".local" / "bin"
    bin_dir.mkdir(parents=True)  # the user's own, empty: it stays
    first = install("--no-demo")
    assert first.returncode == 0, first.stderr
    link, venv, plugin = paths(sandbox)
    assert link.is_symlink()
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=False)
    assert version.stdout.startswith("awsprompt "), version.stderr
    assert plugin.exists()
    text = zshrc.read_text()
    assert text.startswith("# my settings\nsetopt autocd\n")
    assert text.count(MARK) == 1 and str(plugin) in text
    assert first.stdout == ""  # progress goes to stderr
    # The steps, and pip's own lines about what it installs (not two silent minutes).
    steps = re.findall(r"^\[(\d)/4\] (\S+)", first.stderr, re.M)
    assert [n for n, _ in steps] == ["1", "2", "3", "4"], first.stderr
    assert "Installing awsprompt[keyring] from" in first.stderr
    assert re.search(r"^ +Successfully installed awsprompt-", first.stderr, re.M), first.stderr
    # The installed (not editable) command points at the plugin shipped in its own wheel.
    (shipped,) = venv.glob("lib/python*/site-packages/awsprompt/zsh/awsprompt.plugin.zsh")
    source = f"source {shlex.quote(str(shipped))}"
    path = os.environ["PATH"]
    assert init_zsh(link, path) == [f"AWSPROMPT_COMMAND=({shlex.quote(str(link))})", source]
    assert init_zsh(link, f"{link.parent}:{path}") == [source]

    # The user adds lines after the block; the upgrade leaves the block where it was.
    zshrc.write_text(zshrc.read_text() + "# after awsprompt\nbindkey -e\n")
    before = zshrc.read_text()
    second = install("--no-demo")
    assert second.returncode == 0, second.stderr
    assert "[1/4] Virtualenv: upgrading" in second.stderr
    assert zshrc.read_text() == before

    gone = install("--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert zshrc.read_text() == "# my settings\nsetopt autocd\n# after awsprompt\nbindkey -e\n"
    assert not link.exists() and not link.is_symlink()
    assert not venv.exists()
    assert bin_dir.is_dir()


def test_next_shell_finds_awsprompt(sandbox: Sandbox, install: Install) -> None:
    """From an empty HOME: a new (login) zsh has ~/.local/bin on PATH once, the last lines
    say what to run in this shell, and --uninstall removes the ~/.zshrc and ~/.local/bin it
    created."""
    bin_dir = sandbox.home / ".local" / "bin"
    assert str(bin_dir) not in os.environ["PATH"].split(os.pathsep)
    result = install()
    assert result.returncode == 0, result.stderr
    link, _, _ = paths(sandbox)

    login = new_zsh(sandbox, "command -v awsprompt", "-l")
    assert login.returncode == 0, login.stderr
    assert login.stdout.strip() == str(link)
    again = new_zsh(sandbox, 'source "$ZDOTDIR/.zshrc"; print -rl -- $path')
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines().count(str(bin_dir)) == 1

    # What to run in the current shell: `exec zsh` (just tested), or the export line.
    tail = result.stderr.splitlines()[-6:]
    assert "  exec zsh" in tail, result.stderr
    (export,) = [line for line in tail if "export PATH=" in line]
    line = export[export.index("export PATH=") :].rstrip(")")
    here = subprocess.run(
        ["sh", "-c", f"{line}\ncommand -v awsprompt"],
        env={"HOME": str(sandbox.home), "PATH": system_path()},
        capture_output=True,
        text=True,
        check=False,
    )
    assert here.stdout.strip() == str(link), (line, here.stderr)
    assert tail[-1] == "Then try: awsprompt demo"

    gone = install("--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert not (sandbox.home / ".zshrc").exists()
    assert not bin_dir.exists()
    assert (sandbox.home / ".local").is_dir()  # the state folder's parent is the user's now


def write_shims(folder: Path, log: Path) -> None:
    """Wrappers of SHIMMED that refuse GNU-only options (long options, readlink -f, sed -i,
    stat -c: none exist on macOS) and log the refusal, then run the real tool."""
    folder.mkdir()
    for name in SHIMMED:
        real = shutil.which(name)
        assert real is not None, name
        script = f"""#!/bin/sh
refuse() {{ echo "REFUSED {name} $*" >>{shlex.quote(str(log))}; exit 64; }}
for arg in "$@"; do
  case "$arg" in
    --) break ;;
    --*) refuse "$@" ;;
  esac
done
case "{name} $1" in
  "readlink -f"*|"readlink -e"*|"readlink -m"*|"sed -i"*|"stat -c"*) refuse "$@" ;;
esac
exec {shlex.quote(real)} "$@"
"""
        shim = folder / name
        shim.write_text(script)
        shim.chmod(0o755)


def test_symlinked_zshrc_with_only_posix_tools(
    sandbox: Sandbox, install: Install, checkout: Path, tmp_path: Path
) -> None:
    """A ~/.zshrc linked into a dotfiles folder is edited in its target (mode kept) and stays
    a link, with tools that have no GNU-only options (as on macOS)."""
    dotfiles = sandbox.home / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "zshrc"
    target.write_text("# from my dotfiles\n")
    target.chmod(0o640)
    zshrc = sandbox.home / ".zshrc"
    zshrc.symlink_to("dotfiles/zshrc")
    shims, log = tmp_path / "shims", tmp_path / "refused.log"
    write_shims(shims, log)
    path = f"{shims}{os.pathsep}{os.environ['PATH']}"
    script = (checkout / "install.sh").read_text()
    assert "--reference" not in script

    for _ in range(2):
        result = install("--no-demo", path=path)
        assert result.returncode == 0, result.stderr
        assert zshrc.is_symlink() and os.readlink(zshrc) == "dotfiles/zshrc"
        text = target.read_text()
        assert text.startswith("# from my dotfiles\n") and text.count(MARK) == 1
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not list(dotfiles.glob("zshrc.*")), "a temporary file was left"

    gone = install("--uninstall", path=path)
    assert gone.returncode == 0, gone.stderr
    assert zshrc.is_symlink() and target.read_text() == "# from my dotfiles\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not log.exists(), log.read_text()


def import_profiles(sandbox: Sandbox, installed: Run, link: Path) -> None:
    """`awsprompt import` of KEYS, run by the installed awsprompt as a user would, next to a
    profile whose credential_process is another program."""
    sandbox.write_credentials(
        "".join(
            f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
            for name, (key, secret) in KEYS.items()
        )
    )
    sandbox.credentials.chmod(0o600)
    sandbox.write_config(
        "[profile other]\ncredential_process = /usr/bin/true --json\n\n"
        "[sso-session corp]\nsso_region = eu-west-1\n\n"
    )
    result = installed(str(link), "import")
    assert result.returncode == 0, result.stderr
    config = sandbox.config.read_text()
    for name in KEYS:
        assert f"credential_process = {link} exec -j {name}" in config, config
    assert not sandbox.credentials.exists()


def test_uninstall_refuses_while_profiles_use_awsprompt(
    sandbox: Sandbox, install: Install, installed: Run
) -> None:
    """--uninstall names the imported profiles and refuses (nothing removed); the command it
    prints puts their keys back into the credentials file; without the lines it proceeds."""
    assert install("--no-demo").returncode == 0
    link, venv, _ = paths(sandbox)
    import_profiles(sandbox, installed, link)
    zshrc = (sandbox.home / ".zshrc").read_text()

    refused = install("--uninstall")
    assert refused.returncode == 1, refused.stderr
    assert re.search(r"^  dev prod$", refused.stderr, re.M), refused.stderr
    assert "other" not in refused.stderr
    assert "Nothing was removed." in refused.stderr
    assert link.is_symlink() and venv.is_dir()
    assert (sandbox.home / ".zshrc").read_text() == zshrc

    (way_back,) = [line for line in refused.stderr.splitlines() if "--no-session" in line]
    restored = installed("sh", "-c", way_back.strip())
    assert restored.returncode == 0, restored.stderr
    text = sandbox.credentials.read_text()
    for name, (key, secret) in KEYS.items():
        assert f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n" in text
    assert stat.S_IMODE(sandbox.credentials.stat().st_mode) == 0o600

    config = sandbox.config.read_text()
    sandbox.write_config(
        re.sub(r"^credential_process = \S*awsprompt exec.*\n", "", config, flags=re.M)
    )
    gone = install("--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert not venv.exists()


def agent_pid(sandbox: Sandbox) -> int:
    """The pid of the unlock agent listening in this test's runtime folder."""
    (sock,) = Path(sandbox.env["XDG_RUNTIME_DIR"]).glob("awsprompt/agent-*.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(sock))
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, _, _ = struct.unpack("3i", creds)
    return pid


def running(pid: int) -> bool:
    """True while PID is a live process (a zombie has exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def stop(pid: int) -> None:
    """SIGTERM PID if it still runs."""
    if running(pid):
        os.kill(pid, signal.SIGTERM)


def exited(pid: int, within: float = 30.0) -> bool:
    """Wait for PID to exit; True once it has."""
    deadline = time.monotonic() + within
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_uninstall_force_locks_the_agent(
    sandbox: Sandbox, install: Install, installed: Run, request: pytest.FixtureRequest
) -> None:
    """--uninstall --force warns about the imported profiles, stops the running unlock agent
    and keeps the user's lines of a ~/.zshrc that install created."""
    assert install("--no-demo").returncode == 0
    link, venv, _ = paths(sandbox)
    import_profiles(sandbox, installed, link)
    unlocked = installed(str(link), "unlock")
    assert unlocked.returncode == 0, unlocked.stderr
    pid = agent_pid(sandbox)
    request.addfinalizer(lambda: stop(pid))  # when the test fails: no agent left behind
    assert running(pid)
    zshrc = sandbox.home / ".zshrc"
    zshrc.write_text(zshrc.read_text() + "alias ll='ls -l'\n")

    assert install("--uninstall").returncode == 1
    assert running(pid)  # a refused uninstall changes nothing

    forced = install("--uninstall", "--force")
    assert forced.returncode == 0, forced.stderr
    assert re.search(r"^  dev prod$", forced.stderr, re.M), forced.stderr
    assert "Vault locked" in forced.stderr
    assert exited(pid), "the unlock agent still runs after --uninstall"
    assert not venv.exists() and not link.is_symlink()
    assert zshrc.read_text() == "alias ll='ls -l'\n"
    assert "exec -j dev" in sandbox.config.read_text()  # left, as the warning said


def test_install_links_oh_my_zsh_plugin(sandbox: Sandbox, install: Install) -> None:
    """With oh-my-zsh present the plugin is linked into $ZSH_CUSTOM; ~/.zshrc only gets
    ~/.local/bin on PATH (under markers of its own: it does not load the plugin)."""
    omz = sandbox.home / ".oh-my-zsh"
    (omz / "custom" / "plugins").mkdir(parents=True)
    zshrc = sandbox.home / ".zshrc"
    zshrc.write_text("")  # the user's own, empty: it stays
    result = install("--no-demo")
    assert result.returncode == 0, result.stderr
    link = omz / "custom" / "plugins" / "awsprompt"
    assert (link / "awsprompt.plugin.zsh").exists()
    assert (link / "_aws-use").exists()
    text = zshrc.read_text()
    assert text.startswith(PATH_MARK + "\n") and MARK not in text and END not in text
    assert "source" not in text
    assert "plugins=(" in result.stderr
    found = new_zsh(sandbox, "command -v awsprompt")
    assert found.stdout.strip() == str(paths(sandbox)[0]), found.stderr
    assert install("--uninstall").returncode == 0
    assert not link.exists() and not Path(link).is_symlink()
    assert zshrc.exists() and zshrc.read_text() == ""
