"""Everyday commands as a new user meets them: help, typos, piped tables, the first vault."""

from __future__ import annotations

import json

from conftest import PASSPHRASE, Sandbox, cli

from awsprompt import __version__
from awsprompt.errors import ExitCode


def test_awsprompt_alone_prints_the_commands() -> None:
    """`awsprompt` with no command prints its help on stdout and exits 0."""
    result = cli()
    assert result.returncode == 0, result.stderr
    assert "usage: awsprompt" in result.stdout
    for command in ("exec", "export", "add", "list", "unlock", "doctor"):
        assert command in result.stdout
    assert result.stderr == ""


def test_dash_v_prints_the_version() -> None:
    """`awsprompt -V` is `awsprompt --version`."""
    for flag in ("-V", "--version"):
        result = cli(flag)
        assert result.returncode == 0
        assert result.stdout.strip() == f"awsprompt {__version__}"


def test_clear_of_an_unknown_profile_is_an_error(sandbox: Sandbox) -> None:
    """A typo in `clear NAME` says so (exit 4, with a suggestion) instead of 'Dropped 0'."""
    sandbox.write_config("[profile production]\nregion = eu-west-1\n")
    result = cli("clear", "productoin")
    assert result.returncode == ExitCode.PROFILE_NOT_FOUND
    assert "productoin" in result.stderr
    assert "did you mean production" in result.stderr
    assert "Dropped" not in result.stderr
    assert cli("clear", "production").returncode == 0


def test_creating_a_vault_without_a_terminal_says_how(sandbox: Sandbox) -> None:
    """The first `add` with no terminal names the passphrase sources, not `unlock`."""
    keys = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x" * 40}
    result = cli("add", "ci", "--env", env=keys)
    assert result.returncode == ExitCode.NO_TERMINAL
    assert "no vault yet" in result.stderr
    assert "AWSPROMPT_PASSPHRASE" in result.stderr
    assert "keyring" in result.stderr
    assert "awsprompt unlock" not in result.stderr
    result = cli("add", "ci", "--env", env={**keys, "AWSPROMPT_PASSPHRASE": PASSPHRASE})
    assert result.returncode == 0, result.stderr


def test_piped_tables_keep_full_values(sandbox: Sandbox) -> None:
    """`list | cat` and `doctor | cat` print whole values on one line per row."""
    long_role = "arn:aws:iam::111111111111:role/" + "a-very-long-role-name-" * 4 + "end"
    config = "[profile base]\nregion = eu-west-1\n"
    config += f"[profile {'r' * 60}]\nrole_arn = {long_role}\nsource_profile = base\n"
    sandbox.write_config(config)
    sandbox.write_credentials(
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + "s" * 40
    )
    sandbox.credentials.chmod(0o644)
    listed = cli("list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("r" * 60))
    assert "111111111111" in row
    assert all(line == line.rstrip() for line in listed.stdout.splitlines())
    doctor = cli("doctor")
    fix = f"chmod 600 {sandbox.credentials}"
    assert fix in doctor.stdout  # not cut with an ellipsis
    assert "…" not in doctor.stdout
    assert "\x1b[" not in doctor.stdout + listed.stdout


def test_doctor_shows_no_fix_column_when_everything_passes(sandbox: Sandbox) -> None:
    """With nothing to fix the FIX column is left out; --json still has the field."""
    (sandbox.home / ".zshrc").write_text("source /x/awsprompt.plugin.zsh\n")
    result = cli("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["CHECK", "STATUS", "FINDING"]
    data = json.loads(cli("doctor", "--json").stdout)
    assert all("fix" in item for item in data)
