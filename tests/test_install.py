"""install.sh: a user install into a fresh HOME, idempotent, and a clean --uninstall."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, Sandbox

MARK = "# >>> awsprompt >>>"


def install(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    """Run install.sh with HOME pointed at the sandbox (dependencies are not re-downloaded)."""
    env = {
        "HOME": str(sandbox.home),
        "PATH": os.environ["PATH"],
        "PYTHON": sys.executable,
        # The test venv already has every dependency; pip still builds awsprompt itself.
        "PIP_NO_DEPS": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return subprocess.run(
        [str(ROOT / "install.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_install_twice_then_uninstall(sandbox: Sandbox) -> None:
    """install.sh links awsprompt and adds one zshrc block (twice = once); --uninstall undoes it."""
    zshrc = sandbox.home / ".zshrc"
    zshrc.write_text("# my settings\nsetopt autocd\n")
    first = install(sandbox, "--no-demo")
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

    second = install(sandbox, "--no-demo")
    assert second.returncode == 0, second.stderr
    assert zshrc.read_text().count(MARK) == 1

    gone = install(sandbox, "--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert zshrc.read_text() == "# my settings\nsetopt autocd\n"
    assert not link.exists() and not link.is_symlink()
    assert not venv.exists()


def test_install_links_oh_my_zsh_plugin(sandbox: Sandbox) -> None:
    """With oh-my-zsh present the plugin is linked into $ZSH_CUSTOM and ~/.zshrc is left alone."""
    omz = sandbox.home / ".oh-my-zsh"
    (omz / "custom" / "plugins").mkdir(parents=True)
    result = install(sandbox, "--no-demo")
    assert result.returncode == 0, result.stderr
    link = omz / "custom" / "plugins" / "awsprompt"
    assert (link / "awsprompt.plugin.zsh").exists()
    assert (link / "_aws-use").exists()
    assert not (sandbox.home / ".zshrc").exists()
    assert "plugins=(" in result.stderr
    assert install(sandbox, "--uninstall").returncode == 0
    assert not link.exists() and not Path(link).is_symlink()
