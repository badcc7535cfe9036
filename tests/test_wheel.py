"""The real wheel: what it ships, and a fresh install whose `init zsh` lines give a zsh in
which aws-use and TAB completion work, with no source checkout in sight.

The wheel is built offline (no build isolation: this venv's pinned setuptools) from a copy
of the checkout, installed with --no-index into a new virtualenv (as pipx would), and the
dependencies it declares come from this test venv through one .pth line.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pyte
import pytest
from conftest import ROOT, Sandbox, copy_source_tree
from test_zsh_e2e import WHOAMI, world  # noqa: F401 - fixture

from awsprompt import __version__

# One worker builds the wheel once for the whole module (scripts/test: --dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]

DIST_INFO = f"awsprompt-{__version__}.dist-info"
ROWS, COLS = 24, 120
_READY = re.compile(r"\x1b\]2;@@READY(\d+)@@\x07")
# The user's ~/.zshrc: completion, then exactly what `awsprompt init zsh` printed.  The
# last lines only let the test see each prompt (an invisible title sequence).
ZSHRC = """\
autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump"
{init}
PS1='$ '
_t_ready() {{ print -rn -- $'\\e]2;@@READY'$?$'@@\\a' }}
precmd_functions=(_t_ready $precmd_functions)
"""


def run(argv: list[str], env: dict[str, str], cwd: Path | str | None = None) -> str:
    """Run ARGV with ENV in CWD; fail the test on a non-zero exit; return stdout."""
    result = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{argv[:5]}: {result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """pip without an index, a cache or the real HOME."""
    home = tmp_path_factory.mktemp("pip-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(
        HOME=str(home),
        PIP_CACHE_DIR=str(home / "cache"),
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, offline_env: dict[str, str]) -> Path:
    """The wheel `pip wheel` builds from a copy of this checkout, without the network."""
    top = tmp_path_factory.mktemp("wheel")
    source = copy_source_tree(top / "src")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet"]
    run([*pip, "--wheel-dir", str(top / "dist"), str(source)], offline_env, cwd=top)
    (built,) = (top / "dist").glob("awsprompt-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(
    tmp_path_factory: pytest.TempPathFactory, wheel: Path, offline_env: dict[str, str]
) -> Path:
    """A new virtualenv holding only the wheel (and a .pth line to this venv's packages)."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], offline_env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    run([*pip, "--no-deps", str(wheel)], offline_env, cwd=venv)
    purelib = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], {}
        ).strip()
    )
    # After the install, so pip never saw (or touched) this test venv's own awsprompt.
    (purelib / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def installed_plugin(venv: Path) -> Path:
    """Where the wheel put awsprompt.plugin.zsh."""
    (found,) = venv.glob("lib/python*/site-packages/awsprompt/zsh/awsprompt.plugin.zsh")
    return found


def init_zsh(command: Path, path: str) -> list[str]:
    """What COMMAND `init zsh` prints with PATH, run from outside the checkout."""
    env = {"HOME": os.environ["HOME"], "PATH": path, "LC_ALL": "C.UTF-8"}
    return run([str(command), "init", "zsh"], env, cwd="/").splitlines()


def test_wheel_ships_the_plugin_the_license_and_every_module(wheel: Path) -> None:
    """Plugin files (completion, lib/*.zsh), LICENSE, py.typed, every module and the script."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        license_text = archive.read(f"{DIST_INFO}/licenses/LICENSE").decode()
        metadata = archive.read(f"{DIST_INFO}/METADATA").decode()
        entry_points = archive.read(f"{DIST_INFO}/entry_points.txt").decode()
    plugin = {
        "awsprompt/zsh/awsprompt.plugin.zsh",
        "awsprompt/zsh/_aws-use",
        *(f"awsprompt/zsh/lib/{p.name}" for p in (ROOT / "zsh" / "lib").glob("*.zsh")),
    }
    assert "awsprompt/zsh/lib/use.zsh" in plugin
    assert plugin <= names
    # Every file of the plugin folder but its README snippet is shipped...
    sources = {
        f"awsprompt/zsh/{p.relative_to(ROOT / 'zsh').as_posix()}"
        for p in (ROOT / "zsh").rglob("*")
        if p.is_file() and p.suffix != ".md"
    }
    assert sources - names == set()
    # ...and every module, so a new subpackage missing from pyproject.toml shows up here.
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "awsprompt").rglob("*.py")}
    assert modules - names == set()
    assert "awsprompt/py.typed" in names
    assert "awsprompt/emulation/moto.py" in names
    assert license_text == (ROOT / "LICENSE").read_text()
    assert "MIT License" in license_text and "the awsprompt authors" in license_text
    assert "License-Expression: MIT" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
    assert "awsprompt = awsprompt.cli:main" in entry_points
    assert not [n for n in names if n.startswith(("zsh/", "tests/", "bench/", "docs/"))]


def test_installed_code_and_plugin_come_from_the_wheel(venv: Path) -> None:
    """The new venv imports awsprompt from its own site-packages, not from the checkout."""
    code = "import awsprompt.shell.plugin as p; print(p.__file__, p.plugin_file())"
    out = run([str(venv / "bin" / "python"), "-c", code], {"PATH": "/usr/bin:/bin"}, cwd="/")
    module, plugin = out.split()
    assert Path(module).is_relative_to(venv)
    assert Path(plugin) == installed_plugin(venv)
    assert not Path(module).is_relative_to(ROOT)


def test_init_zsh_from_the_installed_script(venv: Path, tmp_path: Path) -> None:
    """Off PATH: AWSPROMPT_COMMAND then `source`; on PATH (or via a pipx-style link): `source`."""
    script = venv / "bin" / "awsprompt"
    source = f"source {shlex.quote(str(installed_plugin(venv)))}"
    assert init_zsh(script, "/usr/bin:/bin") == [
        f"AWSPROMPT_COMMAND=({shlex.quote(str(script))})",
        source,
    ]
    assert init_zsh(script, f"{script.parent}:/usr/bin:/bin") == [source]
    links = tmp_path / "bin"
    links.mkdir()
    (links / "awsprompt").symlink_to(script)
    assert init_zsh(links / "awsprompt", f"{links}:/usr/bin:/bin") == [source]


class UserShell:
    """An interactive zsh in a pty whose ~/.zshrc is ZSHRC, seen through a pyte screen."""

    def __init__(self, zdotdir: Path, init: list[str], env: dict[str, str]) -> None:
        zdotdir.mkdir(parents=True)
        (zdotdir / ".zshrc").write_text(ZSHRC.format(init="\n".join(init)))
        self.screen = pyte.Screen(COLS, ROWS)
        self._stream = pyte.Stream(self.screen)
        self.child = pexpect.spawn(
            "zsh",
            ["-i"],
            env={**env, "ZDOTDIR": str(zdotdir)},
            cwd=str(zdotdir),
            dimensions=(ROWS, COLS),
            encoding="utf-8",
            codec_errors="replace",
            timeout=60,
        )
        self.child.logfile_read = self  # type: ignore[assignment]
        self.child.expect(_READY)

    def write(self, data: str) -> None:
        """pexpect logfile protocol: every byte read also goes to the screen."""
        self._stream.feed(data)

    def flush(self) -> None:
        """Nothing to flush (logfile protocol)."""

    def run(self, command: str) -> tuple[str, int]:
        """Type COMMAND and Enter; return (its output, exit status)."""
        self.child.sendline(command)
        self.child.expect(_READY)
        status = int(self.child.match.group(1))
        return str(self.child.before).replace("\r", ""), status

    def value(self, expression: str) -> str:
        """The expansion of EXPRESSION, marked so that the echoed command never matches."""
        out, status = self.run(f'print -r -- "<<{expression}>>"')
        assert status == 0, out
        match = re.search(r"<<(.*)>>\n", out)
        assert match, out
        return match.group(1)

    def screen_after_tab(self, line: str, wanted: list[str], limit: float = 20) -> str:
        """Type LINE and TAB; return the screen once every WANTED word is on it (or at LIMIT)."""
        self.child.send(line + "\t")
        deadline = time.monotonic() + limit
        while True:
            shown = "\n".join(self.screen.display)
            if all(word in shown for word in wanted) or time.monotonic() > deadline:
                break
            with contextlib.suppress(pexpect.TIMEOUT):
                self.child.read_nonblocking(65536, timeout=0.2)
        self.child.send("\x03")  # abandon the line
        self.child.expect(_READY)
        return shown

    def close(self) -> None:
        """Leave the shell."""
        self.child.sendline("exit")
        try:
            self.child.expect(pexpect.EOF, timeout=5)
        finally:
            self.child.close(force=True)


@pytest.fixture
def user_shell(sandbox: Sandbox, world: None, venv: Path) -> Iterator[UserShell]:
    """A zsh loading the installed plugin the way `init zsh` says, off the checkout."""
    with sandbox.config.open("a") as config:
        config.write(
            "[profile wheel-alpha]\nrole_arn = arn:aws:iam::111111111111:role/alpha\n"
            "source_profile = base\n"
            "[profile wheel-beta]\nrole_arn = arn:aws:iam::222222222222:role/beta\n"
            "source_profile = base\n"
        )
    path = "/usr/bin:/bin"
    init = init_zsh(venv / "bin" / "awsprompt", path)
    assert init[0].startswith("AWSPROMPT_COMMAND=(")
    # The sandbox's HOME, AWS files, state folder and moto endpoint; no PYTHONPATH, no
    # AWSPROMPT_COMMAND, no virtualenv on PATH: only what ~/.zshrc sets.
    env = {k: v for k, v in os.environ.items() if k.startswith(("AWS", "XDG_"))}
    env.update(HOME=str(sandbox.home), PATH=path, TERM="xterm-256color", LC_ALL="C.UTF-8")
    assert "AWSPROMPT_COMMAND" not in env and "PYTHONPATH" not in env
    shell = UserShell(sandbox.root / "zdot", init, env)
    try:
        yield shell
    finally:
        shell.close()


def test_aws_use_and_completion_with_the_installed_plugin(
    user_shell: UserShell, venv: Path
) -> None:
    """The init lines load the wheel's plugin; aws-use B switches the shell; TAB lists names."""
    assert user_shell.value("$_awsprompt_dir") == str(installed_plugin(venv).parent)
    assert user_shell.value("${(j: :)AWSPROMPT_COMMAND}") == str(venv / "bin" / "awsprompt")
    out, status = user_shell.run("aws-use B")
    assert status == 0, out
    assert user_shell.value("$AWSPROMPT_PROFILE $AWSPROMPT_ACCOUNT") == "B 333333333333"
    whoami, status = user_shell.run(WHOAMI)
    assert status == 0, whoami
    assert ":333333333333:assumed-role/B/" in whoami
    shown = user_shell.screen_after_tab("aws-use wheel-", ["wheel-alpha", "wheel-beta"])
    assert "wheel-alpha" in shown and "wheel-beta" in shown, shown
    out, status = user_shell.run("aws-use -u")
    assert status == 0, out
    assert user_shell.value("${AWS_SECRET_ACCESS_KEY-unset}") == "unset"
