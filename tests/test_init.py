"""`awsprompt init zsh`: where the plugin is, and the ~/.zshrc lines that load it."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli

from awsprompt.errors import ConfigError, ExitCode
from awsprompt.shell import plugin

CHECKOUT_PLUGIN = ROOT / "zsh" / "awsprompt.plugin.zsh"


def script(path: Path) -> Path:
    """An executable file at PATH (a stand-in for a console script)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def zsh_eval(lines: list[str], then: str) -> str:
    """Run LINES, then THEN, in `zsh -f`; return its stdout."""
    result = subprocess.run(
        ["zsh", "-f", "-c", "\n".join([*lines, then])],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_plugin_found_in_the_package_then_beside_it(tmp_path: Path) -> None:
    """A wheel's awsprompt/zsh/ wins; a checkout's zsh/ beside the package comes next."""
    package = tmp_path / "site" / "awsprompt"
    package.mkdir(parents=True)
    with pytest.raises(ConfigError, match="not installed"):
        plugin.plugin_file(package)
    beside = script(tmp_path / "site" / "zsh" / "awsprompt.plugin.zsh")
    assert plugin.plugin_file(package) == beside
    inside = script(package / "zsh" / "awsprompt.plugin.zsh")
    assert plugin.plugin_file(package) == inside
    assert plugin.plugin_dir(package) == package / "zsh"


def test_this_checkout_uses_its_zsh_folder() -> None:
    """From the source tree (and an editable install) the plugin is the top-level zsh/."""
    assert plugin.plugin_file() == CHECKOUT_PLUGIN
    assert plugin.plugin_file().is_absolute()


def test_running_command_is_the_script_or_python_m() -> None:
    """A console script runs as itself; `python -m awsprompt` is three words."""
    assert plugin.running_command("/opt/venv/bin/awsprompt", "/py") == ["/opt/venv/bin/awsprompt"]
    main = str(ROOT / "awsprompt" / "__main__.py")
    assert plugin.running_command(main, "/opt/py") == ["/opt/py", "-m", "awsprompt"]
    relative = plugin.running_command("bin/awsprompt", "/py")
    assert relative == [str(Path.cwd() / "bin" / "awsprompt")]


def test_found_on_path_only_when_path_runs_the_same_file(tmp_path: Path) -> None:
    """The plugin's default `awsprompt` counts only if PATH finds this very file (or a link)."""
    ours = script(tmp_path / "venv" / "bin" / "awsprompt")
    other = script(tmp_path / "other" / "awsprompt")
    links = tmp_path / "links"
    links.mkdir()
    (links / "awsprompt").symlink_to(ours)
    assert plugin.found_on_path([str(ours)], str(ours.parent))
    assert plugin.found_on_path([str(ours)], f"{links}:{other.parent}")
    assert not plugin.found_on_path([str(ours)], f"{other.parent}:{ours.parent}")
    assert not plugin.found_on_path([str(ours)], str(tmp_path / "nowhere"))
    assert not plugin.found_on_path(["/py", "-m", "awsprompt"], str(ours.parent))


def test_lines_source_a_fixed_path_and_set_the_command_when_needed(tmp_path: Path) -> None:
    """On PATH: one `source` line. Elsewhere: AWSPROMPT_COMMAND first, then the same line."""
    ours = script(tmp_path / "my venv" / "bin" / "awsprompt")
    source = f"source {shlex.quote(str(CHECKOUT_PLUGIN))}"
    on_path = plugin.zshrc_lines(str(ours), "/py", str(ours.parent))
    assert on_path == [source]
    elsewhere = plugin.zshrc_lines(str(ours), "/py", "/usr/bin:/bin")
    assert elsewhere == [f"AWSPROMPT_COMMAND=({shlex.quote(str(ours))})", source]
    for line in elsewhere:
        assert "$(" not in line and "`" not in line and "eval" not in line
    # zsh reads the quoted path with its space as one word.
    shown = zsh_eval(elsewhere[:1], 'print -rl -- $#AWSPROMPT_COMMAND "$AWSPROMPT_COMMAND[1]"')
    assert shown == f"1\n{ours}\n"


def test_python_m_lines_give_the_plugin_an_array(tmp_path: Path) -> None:
    """`python -m awsprompt` becomes a three-word AWSPROMPT_COMMAND array."""
    python = str(tmp_path / "py dir" / "python3")
    lines = plugin.zshrc_lines(str(ROOT / "awsprompt" / "__main__.py"), python, "/usr/bin")
    shown = zsh_eval(lines[:1], 'print -rl -- "${AWSPROMPT_COMMAND[@]}"')
    assert shown.splitlines() == [python, "-m", "awsprompt"]


def test_init_zsh_prints_data_on_stdout_only() -> None:
    """`python -m awsprompt init zsh` prints the two lines for this interpreter and checkout."""
    result = cli("init", "zsh")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        f"AWSPROMPT_COMMAND=({shlex.quote(sys.executable)} -m awsprompt)\n"
        f"source {shlex.quote(str(CHECKOUT_PLUGIN))}\n"
    )


def test_init_other_shells_are_a_usage_error() -> None:
    """Only zsh is supported: anything else is a one-line usage error, exit 2."""
    result = cli("init", "bash")
    assert result.returncode == ExitCode.USAGE
    assert result.stdout == ""
    assert result.stderr.startswith("awsprompt: error: argument shell: invalid choice")
