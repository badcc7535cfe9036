"""`export`: every format parses, and shell output is safe to eval in sh and zsh."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, MotoServer, Sandbox, cli
from credchain import ACCOUNT, PROCESS_KEYS, error_lines, process_json, setup_chain

from awsprompt.aws.credentials import Credentials
from awsprompt.shell import formats

pytestmark = pytest.mark.usefixtures("with_passphrase")

SHELLS = {"sh": ["sh", "-c"], "zsh": ["zsh", "-f", "-c"]}
B_VARS = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_VAULT",
    "AWSPROMPT_PROFILE",
    "AWSPROMPT_ACCOUNT",
    "AWSPROMPT_EXPIRES",
}
STALE = {
    "AWS_PROFILE": "old",
    "AWS_DEFAULT_PROFILE": "old",
    "AWS_SESSION_EXPIRATION": "2000-01-01T00:00:00Z",
    "AWS_SECURITY_TOKEN": "stale-token",
    "AWSUME_PROFILE": "old",
    "AWSPROMPT_ACCOUNT_ALIAS": "stale-alias",
}
HOSTILE = [
    "x';touch pwn;'",
    "$(touch pwn2)",
    "`touch pwn3`",
    "a\nb; touch pwn4",
    "\\'; touch pwn5 #",
    '"; touch pwn6; "',
    "%F{red}${HOME}!!",
]


def run_eval(
    shell: str, script_text: str, folder: Path, start_env: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Eval SCRIPT_TEXT in SHELL (cwd FOLDER); return the environment before and after."""
    script = folder / "out.sh"
    script.write_text(script_text)
    body = 'env -0 > before.env; eval "$(cat out.sh)"; env -0 > after.env'
    result = subprocess.run(
        [*SHELLS[shell], body],
        cwd=folder,
        env=start_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""

    def parse(name: str) -> dict[str, str]:
        raw = (folder / name).read_text()
        items = [item.split("=", 1) for item in raw.split("\0") if item]
        # `_` and SHLVL are the shell's own (zsh execs its last command in place).
        return {k: v for k, v in items if k not in ("_", "SHLVL")}

    return parse("before.env"), parse("after.env")


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_export_env_sets_exactly_the_profile_variables(
    sandbox: Sandbox, moto: MotoServer, shell: str
) -> None:
    """eval of `export B` sets B's variables only and unsets the stale/conflicting ones."""
    setup_chain(sandbox)
    result = cli("export", "B", "--format", "export-env")
    assert result.returncode == 0, result.stderr
    doc = process_json(cli("exec", "-j", "B"))
    folder = sandbox.root / f"eval-{shell}"
    folder.mkdir()
    # The user's own region stays when the profile sets none.
    start = {"PATH": os.environ["PATH"], "HOME": str(sandbox.home), "KEEP": "me", **STALE}
    start["AWS_REGION"] = "eu-west-3"
    before, after = run_eval(shell, result.stdout, folder, start)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == B_VARS
    assert set(before) - set(after) == set(STALE)
    assert after["KEEP"] == "me"
    assert after["AWS_REGION"] == "eu-west-3"
    assert after["AWS_ACCESS_KEY_ID"] == doc["AccessKeyId"]
    assert after["AWS_SECRET_ACCESS_KEY"] == doc["SecretAccessKey"]
    assert after["AWS_SESSION_TOKEN"] == doc["SessionToken"]
    assert after["AWS_CREDENTIAL_EXPIRATION"] == doc["Expiration"]
    assert after["AWS_VAULT"] == after["AWSPROMPT_PROFILE"] == "B"
    assert after["AWSPROMPT_ACCOUNT"] == ACCOUNT["B"]
    assert sorted(p.name for p in folder.iterdir()) == ["after.env", "before.env", "out.sh"]


def test_export_env_lines_use_only_allowed_names(sandbox: Sandbox, moto: MotoServer) -> None:
    """Every line of export-env is `export ALLOWED='...'` or `unset ALLOWED`."""
    setup_chain(sandbox)
    result = cli("export", "B", "--region", "eu-west-1")
    assert result.returncode == 0, result.stderr
    allowed = set(formats.SET_VARS) | set(formats.CONFLICTING_VARS)
    exported = set()
    for line in result.stdout.splitlines():
        verb, _, rest = line.partition(" ")
        assert verb in ("export", "unset"), line
        name = rest.split("=", 1)[0]
        assert name in allowed, line
        if verb == "export":
            exported.add(name)
            assert rest[len(name) + 1] == "'" and rest.endswith("'"), line
    assert exported == B_VARS | {"AWS_REGION", "AWS_DEFAULT_REGION"}
    assert "export AWS_REGION='eu-west-1'" in result.stdout.splitlines()


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_hostile_values_are_inert_when_evaluated(tmp_path: Path, shell: str) -> None:
    """format_export_env quotes hostile values: eval creates no file and keeps them verbatim."""
    names = ["AWS_VAULT", "AWSPROMPT_PROFILE", "AWS_REGION", "AWSPROMPT_ACCOUNT_ALIAS"]
    names += ["AWS_SESSION_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWSPROMPT_ACCOUNT"]
    env = dict(zip(names, HOSTILE, strict=True))
    env["AWS_ACCESS_KEY_ID"] = "ASIAEXAMPLE000000000"
    env["EVIL_NAME"] = "1"
    env["PATH"] = "/nonexistent"
    text = formats.format_export_env(env)
    assert "EVIL_NAME" not in text
    assert "PATH" not in text.replace("AWS_", "")
    folder = tmp_path / "w"
    folder.mkdir()
    _, after = run_eval(shell, text, folder, {"PATH": os.environ["PATH"]})
    assert sorted(p.name for p in folder.iterdir()) == ["after.env", "before.env", "out.sh"]
    for name, value in zip(names, HOSTILE, strict=True):
        assert after[name] == value
    assert "EVIL_NAME" not in after


def test_hostile_profile_names_are_refused(sandbox: Sandbox) -> None:
    """A hostile profile name is a usage error before anything is printed or run."""
    for name in ("x';touch pwn;'", "$(touch pwn)", "a\nb", "-rf"):
        result = cli("export", "--", name) if name.startswith("-") else cli("export", name)
        assert result.returncode == 2, (name, result.stderr)
        assert result.stdout == ""
    assert not list(Path.cwd().glob("pwn*"))
    assert not list(sandbox.root.rglob("pwn*"))


def test_export_env_format_parses(sandbox: Sandbox, moto: MotoServer) -> None:
    """--format env prints NAME=value lines matching the session."""
    setup_chain(sandbox)
    result = cli("export", "B", "--format", "env")
    assert result.returncode == 0, result.stderr
    pairs = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert set(pairs) == B_VARS
    doc = process_json(cli("exec", "-j", "B"))
    assert pairs["AWS_SECRET_ACCESS_KEY"] == doc["SecretAccessKey"]


def test_export_json_format_parses(sandbox: Sandbox, moto: MotoServer) -> None:
    """--format json is the credential_process document."""
    setup_chain(sandbox)
    result = cli("export", "B", "--format", "json")
    doc = process_json(result)
    assert set(doc) == PROCESS_KEYS
    assert doc == process_json(cli("exec", "-j", "B"))


def test_export_ini_format_parses(sandbox: Sandbox, moto: MotoServer) -> None:
    """--format ini is a credentials-file section for the profile."""
    setup_chain(sandbox)
    result = cli("export", "B", "--format", "ini")
    assert result.returncode == 0, result.stderr
    parser = configparser.RawConfigParser()
    parser.read_string(result.stdout)
    assert parser.sections() == ["B"]
    doc = process_json(cli("exec", "-j", "B"))
    assert dict(parser["B"]) == {
        "aws_access_key_id": doc["AccessKeyId"],
        "aws_secret_access_key": doc["SecretAccessKey"],
        "aws_session_token": doc["SessionToken"],
    }


def test_export_yaml_format_parses(sandbox: Sandbox, moto: MotoServer) -> None:
    """--format yaml loads with yaml.safe_load into the variables, all strings."""
    setup_chain(sandbox)
    result = cli("export", "B", "--format", "yaml")
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    env = dict(line.split("=", 1) for line in cli("export", "B", "-f", "env").stdout.splitlines())
    assert data == env
    assert all(isinstance(v, str) for v in data.values())


def test_yaml_format_survives_hostile_values() -> None:
    """YAML output of hostile and YAML-special values loads back verbatim."""
    values = [*HOSTILE, "yes", "null", "0123", "- a", "key: value", "#x", "\u2028"]
    env = {f"V{i}": v for i, v in enumerate(values)}
    assert yaml.safe_load(formats.format_yaml(env)) == env


def parse_zsh_records(data: bytes) -> list[tuple[str, ...]]:
    """Split the zsh protocol into (verb, name[, value]) records, strictly."""
    assert data.endswith(b"\0")
    tokens = data[:-1].split(b"\0")
    records = []
    i = 0
    while i < len(tokens):
        verb = tokens[i].decode()
        width = {"export": 3, "set": 3, "unset": 2}[verb]
        records.append(tuple(t.decode() for t in tokens[i : i + width]))
        i += width
    assert i == len(tokens)
    return records


def test_export_zsh_format_emits_only_allowed_records(sandbox: Sandbox, moto: MotoServer) -> None:
    """--format zsh is NUL records export/unset/set with allowed names only."""
    setup_chain(sandbox)
    result = subprocess.run(
        [sys.executable, "-m", "awsprompt", "export", "B", "--format", "zsh"],
        capture_output=True,
        env=dict(os.environ),
        cwd=ROOT,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    records = parse_zsh_records(result.stdout)
    doc = process_json(cli("exec", "-j", "B"))
    exports = {r[1]: r[2] for r in records if r[0] == "export"}
    unsets = {r[1] for r in records if r[0] == "unset"}
    sets = {r[1]: r[2] for r in records if r[0] == "set"}
    assert set(exports) <= set(formats.SET_VARS)
    assert set(exports) >= B_VARS
    assert unsets <= set(formats.SET_VARS) | set(formats.CONFLICTING_VARS)
    assert not unsets & set(exports)
    assert {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} <= unsets
    assert set(sets) <= set(formats.PROMPT_SETTINGS)
    assert exports["AWS_ACCESS_KEY_ID"] == doc["AccessKeyId"]
    assert exports["AWS_SESSION_TOKEN"] == doc["SessionToken"]
    assert exports["AWSPROMPT_PROFILE"] == "B"


def test_format_zsh_refuses_unknown_names_and_nul_values() -> None:
    """format_zsh raises on a name outside the list or a NUL in a value; drops bad settings."""
    with pytest.raises(ValueError, match="PATH"):
        formats.format_zsh({"PATH": "/tmp"})
    with pytest.raises(ValueError, match="AWS_VAULT"):
        formats.format_zsh({"AWS_VAULT": "a\0export\0PATH\0/tmp"})
    settings = {"_awsprompt_cfg_warn": "15", "PATH": "/tmp", "_awsprompt_cfg_prod": "\0"}
    out = formats.format_zsh({"AWS_VAULT": "p"}, settings)
    records = parse_zsh_records(out)
    assert ("export", "AWS_VAULT", "p") in records
    assert [r for r in records if r[0] == "set"] == [("set", "_awsprompt_cfg_warn", "15")]


def test_credential_vars_for_long_term_keys_have_no_expiry() -> None:
    """Long-term keys give no token or expiry variables, so prompts show no countdown."""
    env = formats.credential_vars(Credentials("AKIAEXAMPLE000000000", "s"), "p", "", None)
    assert set(env) == {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_VAULT",
        "AWSPROMPT_PROFILE",
    }
    assert "unset AWS_SESSION_TOKEN" in formats.format_export_env(env)


def test_export_error_is_one_line(sandbox: Sandbox) -> None:
    """export of an unknown profile fails with one error line naming it."""
    sandbox.write_config("[profile real]\nregion = eu-west-1\n")
    result = cli("export", "reall")
    assert result.returncode == 4
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "'reall'" in lines[0]
    assert result.stdout == ""
