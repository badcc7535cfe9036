"""install.sh: a user install into a fresh HOME, idempotent, and a clean --uninstall.

Offline: install.sh runs from a copy of the checkout (its build output stays there, and
parallel tests share nothing), pip has no index, and the build uses this venv's pinned
setuptools instead of downloading one into an isolated build environment.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import setuptools
from conftest import Sandbox, copy_source_tree

pytestmark = pytest.mark.slow

MARK = "# >>> awsprompt >>>"
Install = Callable[..., subprocess.CompletedProcess[str]]
BUILD_TOOLS = ("setuptools", "pkg_resources", "_distutils_hack", "setuptools-*.dist-info")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the sources with install.sh, as a user's clone."""
    return copy_source_tree(tmp_path / "awsprompt-src")


@pytest.fixture
def build_tools(tmp_path: Path) -> Path:
    """A folder exposing this venv's setuptools (for PYTHONPATH), and nothing else."""
    folder = tmp_path / "build-tools"
    folder.mkdir()
    site = Path(setuptools.__file__).resolve().parent.parent
    for pattern in BUILD_TOOLS:
        for found in site.glob(pattern):
            (folder / found.name).symlink_to(found)
    assert (folder / "setuptools").exists()
    return folder


@pytest.fixture
def install(sandbox: Sandbox, checkout: Path, build_tools: Path) -> Install:
    """Run the copy's install.sh ARGS with HOME pointed at the sandbox, without the network."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "HOME": str(sandbox.home),
            "PATH": os.environ["PATH"],
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
        return subprocess.run(
            [str(checkout / "install.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


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


def test_install_twice_then_uninstall(sandbox: Sandbox, install: Install) -> None:
    """install.sh links awsprompt and adds one zshrc block (twice = once); --uninstall undoes it."""
    zshrc = sandbox.home / ".zshrc"
    zshrc.write_text("# my settings\nsetopt autocd\n")
    first = install("--no-demo")
    assert first.returncode == 0, first.stderr
    link = sandbox.home / ".local" / "bin" / "awsprompt"
    assert link.is_symlink()
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=False)
    assert version.stdout.startswith("awsprompt "), version.stderr
    venv = sandbox.home / ".local" / "share" / "awsprompt-venv"
    plugin = venv / "share" / "awsprompt" / "zsh" / "awsprompt.plugin.zsh"
    assert plugin.exists()
    text = zshrc.read_text()
    assert text.startswith("# my settings\nsetopt autocd\n")
    assert text.count(MARK) == 1 and str(plugin) in text
    assert first.stdout == ""  # progress goes to stderr
    # The installed (not editable) command points at the plugin shipped in its own wheel.
    (shipped,) = venv.glob("lib/python*/site-packages/awsprompt/zsh/awsprompt.plugin.zsh")
    source = f"source {shlex.quote(str(shipped))}"
    path = os.environ["PATH"]
    assert init_zsh(link, path) == [f"AWSPROMPT_COMMAND=({shlex.quote(str(link))})", source]
    assert init_zsh(link, f"{link.parent}:{path}") == [source]

    second = install("--no-demo")
    assert second.returncode == 0, second.stderr
    assert zshrc.read_text().count(MARK) == 1

    gone = install("--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert zshrc.read_text() == "# my settings\nsetopt autocd\n"
    assert not link.exists() and not link.is_symlink()
    assert not venv.exists()


def test_install_links_oh_my_zsh_plugin(sandbox: Sandbox, install: Install) -> None:
    """With oh-my-zsh present the plugin is linked into $ZSH_CUSTOM and ~/.zshrc is left alone."""
    omz = sandbox.home / ".oh-my-zsh"
    (omz / "custom" / "plugins").mkdir(parents=True)
    result = install("--no-demo")
    assert result.returncode == 0, result.stderr
    link = omz / "custom" / "plugins" / "awsprompt"
    assert (link / "awsprompt.plugin.zsh").exists()
    assert (link / "_aws-use").exists()
    assert not (sandbox.home / ".zshrc").exists()
    assert "plugins=(" in result.stderr
    assert install("--uninstall").returncode == 0
    assert not link.exists() and not Path(link).is_symlink()
