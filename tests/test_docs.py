"""The README's command reference and `--help` describe the same commands and options."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from awsprompt.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
SHARED = "Options shared by"


def _commands_section() -> str:
    start = README.index("\n## Commands\n")
    return README[start : README.index("\n## ", start + 5)]


def _subparsers(
    parser: argparse.ArgumentParser | None = None, prefix: str = ""
) -> dict[str, argparse.ArgumentParser]:
    """Every command by its words ("list", "sso", "sso sync"), groups' subcommands included."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in (parser or build_parser())._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[prefix + name] = sub
                found.update(_subparsers(sub, f"{prefix}{name} "))
    return found


def _paragraphs_about(name: str) -> str:
    paragraphs = _commands_section().split("\n\n")
    own = [p for p in paragraphs if re.search(rf"`awsprompt {re.escape(name)}\b", p)]
    return "\n\n".join(own)


COMMANDS = sorted(_subparsers())


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme_and_has_help(name: str) -> None:
    """Each command (and alias) appears in the README's Commands section and has --help text."""
    sub = _subparsers()[name]
    assert sub.description or sub.format_help().strip()
    assert f"awsprompt {name}" in _commands_section(), f"README documents no `awsprompt {name}`"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_in_the_readme_and_described(name: str) -> None:
    """Every option of a command is described in --help and named in its README paragraphs."""
    sub = _subparsers()[name]
    text = _paragraphs_about(name)
    shared = next(p for p in _commands_section().split("\n\n") if SHARED in p)
    if f"`{name}`" in shared.split(":")[0]:
        text += "\n\n" + shared
    missing, undescribed = [], []
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue  # a group's subcommands are checked as commands of their own
        if not action.help or action.help == argparse.SUPPRESS:
            undescribed.append(action.dest)
        longs = [o for o in action.option_strings if o.startswith("--")]
        if longs and not any(o in text for o in longs):
            missing.append(longs[0])
    assert undescribed == [], f"{name}: no --help text for {undescribed}"
    assert missing == [], f"README's paragraphs on `awsprompt {name}` never name {missing}"


def test_the_check_itself_catches_a_missing_option() -> None:
    """A made-up option is reported as missing from the README (the test can fail)."""
    assert "--no-such-option" not in _paragraphs_about("rotate")


def test_subcommands_of_groups_are_checked_too() -> None:
    """`sso sync` is a command of its own here, with its options (nested parsers are walked)."""
    assert "sso sync" in COMMANDS
    options = {o for a in _subparsers()["sso sync"]._actions for o in a.option_strings}
    assert {"--template", "--prefix", "--region", "--dry-run", "--json"} <= options
