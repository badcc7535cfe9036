"""oh-my-zsh as documented (the vendored one): the clone path, and its `aws` plugin beside ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_zsh_e2e import WHOAMI, world  # noqa: F401 - fixture
from zshell import ROOT, ZShell, strip

pytestmark = pytest.mark.slow

VENDOR = Path(os.environ.get("AWSPROMPT_VENDOR", ROOT.parent / "shared" / "vendor"))
OMZ = VENDOR / "ohmyzsh"


def omz_shell(tmp_path: Path, plugins: str, **kwargs: object) -> ZShell:
    """A zsh that loads oh-my-zsh with PLUGINS, awsprompt cloned into $ZSH_CUSTOM/plugins."""
    custom = tmp_path / "custom"
    (custom / "plugins").mkdir(parents=True, exist_ok=True)
    clone = custom / "plugins" / "awsprompt"
    if not clone.exists():
        clone.symlink_to(ROOT)  # what `git clone <repo> $ZSH_CUSTOM/plugins/awsprompt` lays out
    pre = f"""
export ZSH={OMZ}
ZSH_CUSTOM={custom}
ZSH_CACHE_DIR=$HOME/.cache/oh-my-zsh
DISABLE_AUTO_UPDATE=true
zstyle ':omz:update' mode disabled
ZSH_THEME=''
plugins=({plugins})
source $ZSH/oh-my-zsh.sh
PS1='ZT> '
"""
    return ZShell(tmp_path / "zdot", pre=pre, plugin=None, **kwargs)  # type: ignore[arg-type]


def test_clone_into_zsh_custom_plugins_works(tmp_path: Path) -> None:
    """plugins=(awsprompt) with the repository cloned into $ZSH_CUSTOM/plugins/awsprompt."""
    assert (OMZ / "oh-my-zsh.sh").is_file()
    with omz_shell(tmp_path, "awsprompt") as zsh:
        assert "not found" not in zsh.startup
        assert strip(zsh.startup).strip() == ""  # oh-my-zsh's window titles aside
        assert zsh.run("print -r -- ${+functions[aws-use]} $_comps[aws-use]") == "1 _aws-use\n"
        zsh.run("AWSPROMPT_PROFILE=dev AWSPROMPT_ACCOUNT=123456789012")
        zsh.settle()
        assert "aws:dev@123456789012" in zsh.screen_lines()[zsh.prompt_line()]


def test_asp_after_aws_use_is_pointed_out(tmp_path: Path, world: None) -> None:
    """oh-my-zsh's `asp B` after `aws-use A`: aws still uses A's keys, and we say so."""
    with omz_shell(tmp_path, "aws awsprompt", timeout=60) as zsh:
        assert zsh.run_status("aws-use A")[1] == 0
        zsh.run("asp B")
        zsh.run("true")
        out = strip(zsh.raw)
        assert out.count("AWS_PROFILE=B is set (oh-my-zsh asp?)") == 1, out
        assert "keys aws-use exported for A" in out
        zsh.settle()
        line = zsh.screen_lines()[zsh.prompt_line()]
        assert "<aws:B>" in line  # oh-my-zsh's own segment...
        assert "aws:A@111111111111" in line and "(not B)" in line  # ...and ours
        assert ":111111111111:assumed-role/A/" in zsh.run(WHOAMI)  # what aws really uses
        # Switching for real settles it: one profile everywhere.
        assert zsh.run_status("aws-use B")[1] == 0
        zsh.settle()
        line = zsh.screen_lines()[zsh.prompt_line()]
        assert "<aws:" not in line and "(not " not in line
        assert "aws:B@333333333333" in line
