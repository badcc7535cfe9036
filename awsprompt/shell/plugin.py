"""Where the zsh plugin is installed, and the ~/.zshrc lines that load it.

A wheel ships the repository's top-level zsh/ folder inside the package (awsprompt/zsh/);
a source checkout or an editable install has it beside the package.  `awsprompt init zsh`
prints the lines; install.sh and doctor can ask the same questions.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from awsprompt.errors import ConfigError

PLUGIN_FILE = "awsprompt.plugin.zsh"
COMMAND_NAME = "awsprompt"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def plugin_dir(package: Path = PACKAGE_DIR) -> Path | None:
    """The folder holding awsprompt.plugin.zsh, _aws-use and lib/ for PACKAGE, or None."""
    for candidate in (package / "zsh", package.parent / "zsh"):
        if (candidate / PLUGIN_FILE).is_file():
            return candidate
    return None


def plugin_file(package: Path = PACKAGE_DIR) -> Path:
    """The absolute path of awsprompt.plugin.zsh (ConfigError when it is not installed)."""
    folder = plugin_dir(package)
    if folder is None:
        raise ConfigError(
            f"the zsh plugin is not installed with awsprompt (looked in {package})",
            hint="reinstall awsprompt (pipx install, pip install, or ./install.sh)",
        )
    return folder / PLUGIN_FILE


def running_command(argv0: str, executable: str) -> list[str]:
    """The words that run this awsprompt: its console script, or `PYTHON -m awsprompt`."""
    if not argv0 or argv0 in ("-c", "-m") or Path(argv0).name == "__main__.py":
        return [executable, "-m", "awsprompt"]
    return [os.path.abspath(argv0)]


def found_on_path(command: list[str], search_path: str | None) -> bool:
    """True when `awsprompt` looked up on SEARCH_PATH (what the plugin runs) is COMMAND."""
    if len(command) != 1:
        return False
    found = shutil.which(COMMAND_NAME, path=search_path)
    if found is None:
        return False
    try:
        return os.path.samefile(found, command[0])
    except OSError:
        return False


def zshrc_lines(argv0: str, executable: str, search_path: str | None) -> list[str]:
    """The lines for ~/.zshrc: `source` of the plugin, after AWSPROMPT_COMMAND if needed.

    The plugin is loaded from a fixed path, never from a program's output, so a new shell
    starts no Python process.  AWSPROMPT_COMMAND is set only when the plugin's default,
    `awsprompt` on PATH, would not run this same awsprompt.
    """
    lines = []
    command = running_command(argv0, executable)
    if not found_on_path(command, search_path):
        words = " ".join(shlex.quote(word) for word in command)
        lines.append(f"AWSPROMPT_COMMAND=({words})")
    lines.append(f"source {shlex.quote(str(plugin_file()))}")
    return lines
