"""The zsh contract: what the zsh plugin shares with Python, rendered as zsh/lib/contract.zsh.

The plugin checks every record `export --format zsh` and `serve` print against
variable lists, acts on exit codes, validates profile names and finds the state
folder. Those facts are defined here in Python (formats.py, errors.py, names.py,
config/settings.py, and the state folder rule of paths.py) and rendered into one
small zsh file of `typeset -g` values, so no list is copied by hand.

Regenerate after changing any of them:

    scripts/gen-contract        # or: python -m awsprompt.shell.contract > zsh/lib/contract.zsh

tests/test_zsh_contract.py fails while the committed file differs from what
render() prints.
"""

from __future__ import annotations

import os
import re
import shlex
import sys

from awsprompt.config.settings import ENV as SETTING_ENV
from awsprompt.config.settings import Settings
from awsprompt.durations import _UNIT as DURATION_UNITS
from awsprompt.envvars import FAST_INPUTS, Env
from awsprompt.errors import ExitCode
from awsprompt.names import MAX_NAME, is_valid_profile_name
from awsprompt.paths import Paths
from awsprompt.shell.formats import (
    CONFLICTING_VARS,
    PROMPT_SETTINGS,
    RESTORED_VARS,
    SECRET_VARS,
    SERVER_VARS,
    SET_VARS,
    sh_quote,
)

# The plugin setting (AWSPROMPT_<NAME>) each `set` record of formats.PROMPT_SETTINGS
# feeds, and whether its value must be a number (the production patterns are text).
ZSH_SETTINGS: dict[str, tuple[str, bool]] = {
    "_awsprompt_cfg_warn": ("WARN", True),
    "_awsprompt_cfg_critical": ("CRITICAL", True),
    "_awsprompt_cfg_prod": ("PROD_PATTERNS", False),
    "_awsprompt_cfg_refresh": ("REFRESH", True),
}

# Exit codes of `awsprompt` the plugin acts on.
ZSH_EXIT_CODES = (
    ExitCode.USAGE,
    ExitCode.ENDPOINT,
    ExitCode.MFA_REQUIRED,
    ExitCode.LOCK_TIMEOUT,
)

# Settings the plugin hands to its own background calls through the environment
# (config/settings.ENV): the refresh window it shares with Python, and the lock wait
# (0 in the background: never wait on another terminal's MFA prompt).
ZSH_SETTING_ENV = {"min_ttl": "sessions.refresh_window", "lock_timeout": "sessions.lock_timeout"}

# Paths.state_dir() as data: (variable, sub-folder) pairs; the first variable that is
# set and not empty wins, a leading ~ meaning $HOME; the last pair always applies.
# tests/test_zsh_contract.py checks the zsh function against Paths.state_dir().
STATE_DIR_RULE = (
    ("AWSPROMPT_HOME", ""),
    ("XDG_DATA_HOME", "awsprompt"),
    ("HOME", ".local/share/awsprompt"),
)


class ContractError(Exception):
    """The Python definitions cannot be expressed in the zsh contract."""


def name_charset() -> tuple[str, str]:
    """(characters allowed in a profile name, those allowed first), from names.py.

    Derived by asking is_valid_profile_name about every character, so the zsh
    validator follows the Python rule without copying its regex.
    """
    chars = "".join(chr(c) for c in range(0x80) if is_valid_profile_name("a" + chr(c)))
    first = "".join(c for c in chars if is_valid_profile_name(c))
    if not first:
        raise ContractError("no character may start a profile name")
    for sample in ("é", "ß", "\u00a0", "\u2028", "\U0001f600"):
        if is_valid_profile_name("a" + sample):
            raise ContractError(f"the zsh validator handles ASCII names only, not {sample!r}")
    return chars, first


def _check_settings() -> None:
    if set(ZSH_SETTINGS) != set(PROMPT_SETTINGS):
        raise ContractError(
            "contract.ZSH_SETTINGS must name exactly formats.PROMPT_SETTINGS: "
            f"{sorted(ZSH_SETTINGS)} != {sorted(PROMPT_SETTINGS)}"
        )
    if not set(SERVER_VARS) <= set(SET_VARS):
        raise ContractError("formats.SERVER_VARS must be part of formats.SET_VARS")
    if not set(SECRET_VARS) <= set(SET_VARS):
        raise ContractError("formats.SECRET_VARS must be part of formats.SET_VARS")
    if not set(RESTORED_VARS) <= set(SET_VARS) | set(CONFLICTING_VARS):
        raise ContractError("formats.RESTORED_VARS must be variables aws-use sets or removes")


def setting_env(key: str) -> str:
    """The awsprompt environment variable (AWSPROMPT_*) that overrides the setting KEY."""
    names = [
        var for var, (k, _) in SETTING_ENV.items() if k == key and var.startswith("AWSPROMPT_")
    ]
    if len(names) != 1:
        raise ContractError(f"no single AWSPROMPT_ variable overrides {key!r}: {names}")
    return names[0]


def _word(value: str) -> str:
    """VALUE as one zsh word (bare when safe, else single-quoted)."""
    return shlex.quote(value)


def _array(
    name: str, values: tuple[str, ...] | list[str], comment: str, per_line: int = 0
) -> list[str]:
    """`typeset -ga NAME=(...)`: PER_LINE words a line, or as many as fit in 88 columns."""
    words = [_word(v) for v in values]
    rows: list[list[str]] = []
    for word in words:
        full = rows and (
            len(rows[-1]) == per_line if per_line else len("  " + " ".join([*rows[-1], word])) > 88
        )
        if not rows or full:
            rows.append([])
        rows[-1].append(word)
    return [f"# {comment}", f"typeset -ga {name}=(", *("  " + " ".join(r) for r in rows), ")"]


def render() -> str:
    """The text of zsh/lib/contract.zsh."""
    _check_settings()
    chars, first = name_charset()
    defaults = Settings().prompt_settings()
    settings = [ZSH_SETTINGS[name][0] for name in PROMPT_SETTINGS]
    numeric = [name for name in PROMPT_SETTINGS if ZSH_SETTINGS[name][1]]
    rule = [part for pair in STATE_DIR_RULE for part in pair]
    # Any environment gives the same file names inside the state folder.
    where = Paths(Env({"AWSPROMPT_HOME": "/state"}))
    state = where.state_dir()
    files = {
        "vault_names": where.vault_names_path().relative_to(state).as_posix(),
        "recent": where.recent_path().relative_to(state).as_posix(),
        "accounts": where.accounts_path().relative_to(state).as_posix(),
    }
    out = [
        "# zsh/lib/contract.zsh: what the plugin shares with the Python package.",
        "# Generated by `python -m awsprompt.shell.contract` from awsprompt/shell/formats.py,",
        "# errors.py, names.py, paths.py and config/settings.py: do not edit; change the",
        "# Python side and regenerate (tests/test_zsh_contract.py checks it is current).",
        "",
    ]
    out += _array(
        "_awsprompt_export_names", SET_VARS, "Names `export` records may set (formats.SET_VARS)."
    )
    out += _array(
        "_awsprompt_unset_names",
        (*SET_VARS, *CONFLICTING_VARS),
        "Names `unset` records may remove: ours and conflicting ones (CONFLICTING_VARS).",
    )
    out += _array(
        "_awsprompt_server_names",
        SERVER_VARS,
        "Only `serve` output (aws-use --server) exports these, and it must (SERVER_VARS).",
    )
    out += _array(
        "_awsprompt_set_names",
        PROMPT_SETTINGS,
        "Names `set` records may assign: YAML settings for the prompt (PROMPT_SETTINGS).",
    )
    out += _array(
        "_awsprompt_cfg_settings",
        settings,
        "The AWSPROMPT_<NAME> setting each of _awsprompt_set_names feeds (same order).",
    )
    out += _array(
        "_awsprompt_cfg_defaults",
        [defaults[name] for name in PROMPT_SETTINGS],
        "Their defaults (config/settings.py), same order.",
    )
    out += _array(
        "_awsprompt_cfg_numeric",
        numeric,
        "`set` records whose value must be a number.",
    )
    out += _array(
        "_awsprompt_nocopy_names",
        SECRET_VARS,
        "The secrets among them: never copied into a shell variable (SECRET_VARS).",
    )
    out += _array(
        "_awsprompt_restore_names",
        RESTORED_VARS,
        "Set before the first aws-use, given back by aws-use -u (RESTORED_VARS; not secret).",
    )
    out.append("# Exit codes of `awsprompt` the plugin acts on (errors.ExitCode).")
    out += [
        f"typeset -gi _awsprompt_exit_{code.name.lower()}={int(code)}" for code in ZSH_EXIT_CODES
    ]
    out.append("# Environment overrides of settings the plugin passes to awsprompt (settings.ENV).")
    out += [
        f"typeset -g _awsprompt_env_{name}={setting_env(key)}"
        for name, key in ZSH_SETTING_ENV.items()
    ]
    out += [
        "# Durations (durations.py): seconds, or NUMBER UNIT parts with these units.",
        f"typeset -g _awsprompt_duration_units={_word(''.join(DURATION_UNITS))}",
        "# Profile names (names.py): at most this many characters, all of",
        "# _awsprompt_name_chars, the first one of _awsprompt_name_first.",
        f"typeset -gi _awsprompt_name_max={MAX_NAME}",
        f"typeset -g _awsprompt_name_chars={sh_quote(chars)}",
        f"typeset -g _awsprompt_name_first={sh_quote(first)}",
    ]
    out += _array(
        "_awsprompt_state_rule",
        rule,
        "The state folder (paths.state_dir): (VARIABLE SUBFOLDER) pairs, first non-empty wins.",
        per_line=2,
    )
    out.append("# Files in the state folder the plugin reads (paths.py).")
    out += [f"typeset -g _awsprompt_{key}_file={_word(value)}" for key, value in files.items()]
    out += _agent_contract()
    text = "\n".join(out) + "\n"
    if re.search(r"[^\x20-\x7e\n]", text):
        raise ContractError("the contract must be printable ASCII")
    return text


def _agent_contract() -> list[str]:
    """How the plugin reaches the unlock agent itself (a cached aws-use starts no process):
    the socket's folder (paths.runtime_dir), the socket (agentclient), what the fast path
    is keyed on (envvars.FAST_INPUTS), and the variables that turn the fast path off."""

    with_xdg = Paths(Env({"XDG_RUNTIME_DIR": "/run/u"}))
    sub = with_xdg.runtime_dir().relative_to("/run/u").as_posix()
    uid = str(os.getuid())
    fallback = Paths(Env({})).runtime_dir().as_posix()
    if not fallback.endswith(uid):
        raise ContractError(f"the runtime folder {fallback!r} does not end in the uid")
    out = _array(
        "_awsprompt_fast_inputs",
        FAST_INPUTS,
        "What a cached answer is keyed on (envvars.FAST_INPUTS): sent to the agent.",
    )
    out += [
        "# The agent's socket (paths.runtime_dir, agentclient): $XDG_RUNTIME_DIR/SUB when set,",
        "# else FALLBACK followed by the uid; the variables that turn the fast path off.",
        f"typeset -g _awsprompt_runtime_sub={_word(sub)}",
        f"typeset -g _awsprompt_runtime_fallback={sh_quote(fallback[: -len(uid)])}",
        "# The file in the state folder that names the socket (paths.agent_pointer).",
        f"typeset -g _awsprompt_agent_pointer={_word(with_xdg.agent_pointer().name)}",
        "typeset -g _awsprompt_env_no_agent=AWSPROMPT_NO_AGENT",
        "typeset -g _awsprompt_env_depth=AWSPROMPT_DEPTH",
    ]
    return out


def main() -> int:
    """Print the contract on stdout."""
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
