"""Profile names with `/` and `:` (as Identity Center tools write them), end to end."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import MotoServer, Sandbox, app, cli
from credchain import ACCOUNT, add_keys, process_json
from test_agent import add_key, agent, unlock  # noqa: F401 - fixture
from test_fastpath import imported, run

from awsprompt.config import ini
from awsprompt.names import file_part, is_valid_profile_name, validate_profile_name
from awsprompt.shell import fastpath, recent

SLASH = "team/base"
COLON = "dev:admin"
CONFIG = f"""\
[profile {SLASH}]
region = us-east-1

[profile {COLON}]
role_arn = arn:aws:iam::{ACCOUNT["A"]}:role/A
source_profile = {SLASH}
"""


def test_the_rule_takes_slash_and_colon_and_still_refuses_the_rest() -> None:
    """`/` and `:` anywhere; still no leading '-', no shell metacharacter, a length cap."""
    for name in ("Sandbox/AdministratorAccess", "dev:admin", "a/b:c/d", "/x", ":x", "x" * 128):
        assert validate_profile_name(name) == name
    for name in ("-x", "a b", "a;b", "$(x)", "a`b`", "a'b", 'a"b', "a\\b", "a*", "x" * 129):
        assert not is_valid_profile_name(name), name


def test_file_parts_are_one_component_and_never_collide() -> None:
    """file_part keeps names readable, encodes `/` and `:`, and two names never meet."""
    assert file_part("Sandbox/AdministratorAccess") == "Sandbox%2FAdministratorAccess"
    assert file_part("dev:admin") == "dev%3Aadmin"
    assert file_part("plain-name_1.2@x+y=z,w") == "plain-name_1.2@x+y=z,w"
    assert file_part(".") == "%2E" and file_part("..") == "%2E%2E"
    names = ["a/b", "a:b", "a%2Fb", "a-b", "a_b", "a//b", "a/:b", ".", "..", "%2E"]
    parts = [file_part(n) for n in names if is_valid_profile_name(n)]
    assert len(set(parts)) == len(parts)
    assert all("/" not in p and ":" not in p and p not in (".", "..") for p in parts)
    assert fastpath.memo_name("zsh", COLON) == "zsh-dev%3Aadmin"


@pytest.mark.usefixtures("with_passphrase")
def test_add_list_and_remove_a_slash_name(sandbox: Sandbox) -> None:
    """`add` writes `[profile team/base]` that the AWS CLI's reading parses; list; remove."""
    sandbox.write_config("[profile other]\nregion = eu-west-1\n")
    add_keys(SLASH)
    text = sandbox.config.read_text()
    assert text == f"[profile other]\nregion = eu-west-1\n\n[profile {SLASH}]\n"
    assert SLASH in ini.read_config(sandbox.config).profiles
    rows = {r["name"]: r for r in json.loads(cli("list", "--json").stdout)}
    assert rows[SLASH]["credentials"] == "vault" and rows[SLASH]["error"] is None
    table = cli("list")
    assert any(line.split()[:2] == [SLASH, "keys"] for line in table.stdout.splitlines())
    assert SLASH in (sandbox.state / "vault.names").read_text().splitlines()
    removed = cli("remove", SLASH, "--force")
    assert removed.returncode == 0, removed.stderr
    assert sandbox.config.read_text() == "[profile other]\nregion = eu-west-1\n"


@pytest.mark.usefixtures("with_passphrase")
@pytest.mark.parametrize("shell", [["sh", "-c"], ["zsh", "-f", "-c"]], ids=["sh", "zsh"])
def test_export_of_a_colon_role_from_a_slash_source(
    sandbox: Sandbox, moto: MotoServer, shell: list[str]
) -> None:
    """`exec -j` and every export format name `dev:admin`; eval keeps it verbatim."""
    add_keys(SLASH)
    sandbox.write_config(CONFIG)
    doc = process_json(cli("exec", "-j", COLON))
    assert str(doc["AccessKeyId"]).startswith("ASIA")
    exported = cli("export", COLON)
    assert exported.returncode == 0, exported.stderr
    script = 'eval "$(cat out.sh)"; printf "%s\\n%s\\n" "$AWS_VAULT" "$AWSPROMPT_PROFILE"'
    folder = sandbox.root / "eval"
    folder.mkdir()
    (folder / "out.sh").write_text(exported.stdout)
    shown = subprocess.run(
        [*shell, script],
        cwd=folder,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert shown.stdout.splitlines() == [COLON, COLON] and shown.stderr == ""
    assert sorted(p.name for p in folder.iterdir()) == ["out.sh"]  # nothing ran
    env_lines = cli("export", COLON, "--format", "env").stdout.splitlines()
    assert f"AWS_VAULT={COLON}" in env_lines
    assert cli("export", COLON, "--format", "ini").stdout.startswith(f"[{COLON}]\n")
    assert f'AWSPROMPT_PROFILE: "{COLON}"' in cli("export", COLON, "--format", "yaml").stdout
    records = cli("export", COLON, "--format", "zsh").stdout.split("\0")
    assert records[records.index("AWSPROMPT_PROFILE") + 1] == COLON
    assert recent.read(app().paths)[COLON][0] == 1


@pytest.mark.usefixtures("agent")
def test_the_fast_path_serves_slash_and_colon_names(sandbox: Sandbox, moto: MotoServer) -> None:
    """Memos go to percent-encoded files (no sub-folder), and the second call takes the path."""
    add_key(SLASH)
    sandbox.write_config(CONFIG)
    unlock()
    for argv, memo in (
        (["exec", COLON, "-j"], "json-dev%3Aadmin"),
        (["export", COLON, "--format", "zsh"], "zsh-dev%3Aadmin"),
        (["exec", "-j", SLASH], "json-team%2Fbase"),
    ):
        first = run(*argv)
        assert first.returncode == 0, first.stderr
        assert (sandbox.state / "fastpath" / memo).is_file()
        second = run(*argv)
        assert second.returncode == 0, second.stderr
        assert "argparse" not in imported(second), argv
        assert second.stdout == first.stdout
    assert sorted(p.name for p in (sandbox.state / "fastpath").iterdir()) == [
        "json-dev%3Aadmin",
        "json-team%2Fbase",
        "zsh-dev%3Aadmin",
    ]
    assert not (sandbox.state / "fastpath" / "json-team").exists()
