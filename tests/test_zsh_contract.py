"""zsh/lib/contract.zsh: generated from the Python definitions, current, and used by the plugin."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, app

from awsprompt.errors import ExitCode
from awsprompt.names import MAX_NAME, is_valid_profile_name
from awsprompt.shell import contract, credserver
from awsprompt.shell.formats import (
    CONFLICTING_VARS,
    PROMPT_SETTINGS,
    SERVER_VARS,
    SET_VARS,
    profile_vars,
)

PLUGIN = ROOT / "zsh" / "awsprompt.plugin.zsh"
CONTRACT = ROOT / "zsh" / "lib" / "contract.zsh"
PLUGIN_FILES = [PLUGIN, ROOT / "zsh" / "_aws-use"] + [
    p for p in sorted((ROOT / "zsh" / "lib").glob("*.zsh")) if p != CONTRACT
]
REGENERATE = "python -m awsprompt.shell.contract > zsh/lib/contract.zsh"


def zsh(script: str, *, env: dict[str, str] | None = None, stdin: bytes = b"") -> str:
    """Run SCRIPT in `zsh -f` with only ENV (plus PATH); return stdout; stderr must be empty."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", **(env or {})}
    proc = subprocess.run(
        ["zsh", "-f", "-c", script],
        input=stdin,
        capture_output=True,
        env=full,
        timeout=30,
        check=False,
    )
    assert proc.stderr == b"", proc.stderr.decode()
    assert proc.returncode == 0
    return proc.stdout.decode()


def contract_names() -> list[str]:
    """Every parameter the contract defines."""
    return re.findall(r"^typeset -g[ai]? (\w+)=", CONTRACT.read_text(), re.MULTILINE)


def test_committed_contract_is_current() -> None:
    """The committed zsh/lib/contract.zsh is exactly what the generator prints now."""
    assert CONTRACT.read_text() == contract.render(), f"regenerate it: {REGENERATE}"


def test_generator_command_prints_the_contract() -> None:
    """`python -m awsprompt.shell.contract` prints the contract on stdout."""
    proc = subprocess.run(
        [sys.executable, "-m", "awsprompt.shell.contract"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == CONTRACT.read_text()


def test_contract_is_only_typeset_values() -> None:
    """The file holds comments and `typeset -g`/`-ga`/`-gi` values only: no code runs."""
    text = CONTRACT.read_text()
    assert text.startswith("# zsh/lib/contract.zsh")
    assert "do not edit" in text.splitlines()[2]
    in_array = False
    for line in text.splitlines():
        if in_array:
            in_array = line != ")"
            assert in_array or line == ")"
            assert re.fullmatch(r"(  [\w.*/'@-]+( [\w.*/'@-]+)*)?|\)", line), line
        elif line.startswith("typeset -ga "):
            assert line.endswith("=("), line
            in_array = True
        else:
            assert re.fullmatch(r"|#.*|typeset -g[i]? \w+=('[^']*'|[\w.-]+)", line), line
    assert not in_array


def test_contract_values_under_ksh_arrays_and_strict_options() -> None:
    """Sourced alone with ksh_arrays, no_unset and warn_create_global: silent, full arrays."""
    out = zsh(
        "setopt ksh_arrays no_unset warn_create_global\n"
        f"source {CONTRACT}\n"
        "print -r -- ${#_awsprompt_export_names[@]} ${#_awsprompt_unset_names[@]} "
        '"${_awsprompt_set_names[@]}" $_awsprompt_exit_mfa_required $_awsprompt_name_max'
    )
    assert out.split() == [
        str(len(SET_VARS)),
        str(len(SET_VARS) + len(CONFLICTING_VARS)),
        *PROMPT_SETTINGS,
        str(int(ExitCode.MFA_REQUIRED)),
        str(MAX_NAME),
    ]


def test_plugin_keeps_no_copy_of_the_contract() -> None:
    """No other plugin file assigns a contract value or spells out what it holds."""
    names = contract_names()
    assert "_awsprompt_export_names" in names
    assert "_awsprompt_name_max" in names
    for path in PLUGIN_FILES:
        text = path.read_text()
        for name in names:
            assert not re.search(rf"\b{name}=", text), f"{path.name} assigns {name}"
        assert "A-Za-z0-9" not in text, f"{path.name} spells out the name charset"
        assert not re.search(r"\b17\b", text), f"{path.name} hard-codes exit code 17"
        assert "AWSUME_PROFILE" not in text, f"{path.name} lists variable names"
        assert ".local/share" not in text, f"{path.name} spells out the state folder"
        for cfg in re.findall(r"_awsprompt_cfg_[a-z]+", text):
            assert cfg in PROMPT_SETTINGS or cfg in names, f"{path.name}: unknown {cfg}"
    first = re.search(r'^source "\$_awsprompt_dir/lib/(\w+)\.zsh"', PLUGIN.read_text(), re.M)
    assert first and first.group(1) == "contract", "the plugin sources contract.zsh first"


def test_generator_refuses_settings_it_cannot_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """A prompt setting unknown to contract.ZSH_SETTINGS stops the generator."""
    monkeypatch.delitem(contract.ZSH_SETTINGS, "_awsprompt_cfg_refresh")
    with pytest.raises(contract.ContractError, match="PROMPT_SETTINGS"):
        contract.render()


def test_server_vars_are_what_serve_exports_beyond_a_profile() -> None:
    """formats.SERVER_VARS is the endpoint (credserver) plus the pid servecmd adds."""
    env = credserver.container_vars("http://127.0.0.1:9/x", "T", "dev", "1", "eu-west-1")
    endpoint = set(env) - set(profile_vars("dev", "1", "eu-west-1"))
    assert set(SERVER_VARS) == endpoint | {"AWSPROMPT_SERVER_PID"}
    assert set(SERVER_VARS) <= set(SET_VARS)


def test_name_rule_agrees_with_python() -> None:
    """_awsprompt_valid_name accepts exactly the names names.py accepts."""
    chars = [chr(c) for c in range(1, 0x80)] + ["é", "ß", "\u00a0", "😀"]
    names = ["", "dev", "a" * MAX_NAME, "a" * (MAX_NAME + 1), "-" * 3, "a-", "é" * 3]
    names += [c for c in chars if c != "\n"]
    names += ["a" + c for c in chars] + ["a" + c + "b" for c in chars]
    names += [c + "a" for c in string.punctuation]
    script = (
        f"source {PLUGIN}\n"
        "local name\n"
        "while IFS= read -r -d '' name; do\n"
        '  _awsprompt_valid_name "$name" && print -rn 1 || print -rn 0\n'
        "done"
    )
    out = zsh(script, stdin="".join(n + "\0" for n in names).encode())
    assert len(out) == len(names)
    accepted = [bit == "1" for bit in out]
    mismatched = [
        name for name, ok in zip(names, accepted, strict=True) if ok != is_valid_profile_name(name)
    ]
    assert mismatched == []
    assert sum(accepted) > 100  # the table holds valid names too


ENVS = [
    {"AWSPROMPT_HOME": "/srv/awsp", "XDG_DATA_HOME": "/xdg", "HOME": "/h"},
    {"AWSPROMPT_HOME": "", "XDG_DATA_HOME": "/xdg", "HOME": "/h"},
    {"XDG_DATA_HOME": "/xdg/", "HOME": "/h"},
    {"AWSPROMPT_HOME": "", "XDG_DATA_HOME": "", "HOME": "/h"},
    {"HOME": "/home/u/"},
    {"AWSPROMPT_HOME": "~/state", "HOME": "/h"},
    {"AWSPROMPT_HOME": "~", "HOME": "/h"},
    {"XDG_DATA_HOME": "~/data", "HOME": "/h"},
    {"AWSPROMPT_HOME": "relative/dir", "HOME": "/h"},
    {"AWSPROMPT_HOME": "/with space/x", "HOME": "/h"},
]


@pytest.mark.parametrize("env", ENVS, ids=lambda e: " ".join(f"{k}={v!r}" for k, v in e.items()))
def test_state_dir_agrees_with_python(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """_awsprompt_state_dir finds the folder paths.state_dir() finds, for each environment."""
    for var in ("AWSPROMPT_HOME", "XDG_DATA_HOME", "HOME"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    out = zsh(
        f"source {PLUGIN}; _awsprompt_state_dir; print -rn -- $REPLY",
        env=env,
    )
    paths = app().paths
    assert Path(out) == paths.state_dir()
    assert Path(out, contract_value("_awsprompt_recent_file")) == paths.recent_path()
    assert Path(out, contract_value("_awsprompt_vault_names_file")) == paths.vault_names_path()
    assert Path(out, contract_value("_awsprompt_accounts_file")) == paths.accounts_path()


def contract_value(name: str) -> str:
    """A scalar of the contract, as zsh sees it."""
    return zsh(f"source {CONTRACT}; print -rn -- ${name}")


def test_secret_vars_are_every_variable_holding_a_secret() -> None:
    """formats.SECRET_VARS names exactly the variables whose values are secrets."""
    from datetime import datetime, timezone

    from awsprompt.aws.credentials import Credentials
    from awsprompt.shell.formats import SECRET_VARS, credential_vars

    creds = Credentials("ASIAKEY", "S3CR3T", "T0KEN", datetime.now(timezone.utc))
    env = credential_vars(creds, "dev", "1", "eu-west-1", "alias")
    env.update(credserver.container_vars("http://127.0.0.1:9/x", "ENDPOINTTOKEN", "dev", "1", None))
    secret = {name for name, value in env.items() if value in ("S3CR3T", "T0KEN", "ENDPOINTTOKEN")}
    assert secret == set(SECRET_VARS)


def test_setting_env_names_are_declared_overrides() -> None:
    """The variables the plugin hands to awsprompt are declared and override those settings."""
    from awsprompt.config.settings import ENV
    from awsprompt.envvars import DECLARED

    for name, key in contract.ZSH_SETTING_ENV.items():
        var = contract_value(f"_awsprompt_env_{name}")
        assert var in DECLARED
        assert ENV[var][0] == key


@pytest.mark.parametrize("xdg", ["/run/user/1000", ""])
def test_agent_socket_folder_agrees_with_python(xdg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """_awsprompt_runtime_dir finds the folder of the agent's socket that Python uses."""
    env = {"XDG_RUNTIME_DIR": xdg} if xdg else {}
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    out = zsh(f"source {PLUGIN}; _awsprompt_runtime_dir; print -rn -- $REPLY", env=env)
    assert Path(out) == app().paths.runtime_dir()
    assert app().agent.socket_path().parent == Path(out)
    assert contract_value("_awsprompt_agent_pointer") == app().paths.agent_pointer().name


def test_fast_inputs_are_the_python_list() -> None:
    """What zsh sends the agent is exactly what the fast path is keyed on."""
    from awsprompt.envvars import FAST_INPUTS

    out = zsh(f"source {CONTRACT}; print -rl -- $_awsprompt_fast_inputs")
    assert out.split() == list(FAST_INPUTS)


def test_duration_rule_agrees_with_python() -> None:
    """_awsprompt_valid_duration accepts exactly what durations.parse_duration accepts."""
    from awsprompt.durations import parse_duration
    from awsprompt.errors import UsageError

    samples = [
        "15m",
        "1h30m",
        "3600",
        "8H",
        "2d",
        "1h1m1s",
        "",
        "x",
        "1x",
        "h1",
        "1.5h",
        "-1",
        "1h 30m",
        "m",
        "01m",
        "1hh",
        "10s5",
    ]  # ASCII only: Python's isdigit() would also take other scripts' digits
    script = (
        f"source {PLUGIN}\n"
        "local d\n"
        "while IFS= read -r -d '' d; do\n"
        '  _awsprompt_valid_duration "$d" && print -rn 1 || print -rn 0\n'
        "done"
    )
    out = zsh(script, stdin="".join(d + "\0" for d in samples).encode())

    def python_accepts(text: str) -> bool:
        try:
            parse_duration(text)
        except UsageError:
            return False
        return text.strip() == text and text != ""

    assert [bit == "1" for bit in out] == [python_accepts(d) for d in samples]
