"""aws/runner.py: how credential_process and mfa_process run, and how their failures read."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from awsprompt.aws import runner
from awsprompt.aws.mfa import MfaCodes
from awsprompt.aws.runner import CREDENTIAL_PROCESS, MFA_PROCESS
from awsprompt.context import Context
from awsprompt.envvars import Env
from awsprompt.errors import CredentialProcessFailed, MfaFailed
from awsprompt.ui import Scripted

SERIAL = "arn:aws:iam::000000000000:mfa/me"


def env(**extra: str) -> Env:
    """A child-worthy environment: PATH and HOME, plus EXTRA."""
    return Env({"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], **extra})


def test_credential_process_runs_without_a_shell() -> None:
    """No shell: $VAR, | and ; reach the program as they are (botocore's ProcessProvider)."""
    out = runner.run(env(), CREDENTIAL_PROCESS, "printf %s $HOME|x;y", "p")
    assert out == "$HOME|x;y"


def test_credential_process_is_split_like_a_posix_shell() -> None:
    """Quotes group words as shlex (and so the AWS CLI) splits them."""
    out = runner.run(env(), CREDENTIAL_PROCESS, "printf '%s-%s' 'a b' \"c d\"", "p")
    assert out == "a b-c d"


def test_mfa_process_runs_through_sh_so_pipes_and_variables_work() -> None:
    """mfa_process is `sh -c COMMAND`, as aws-vault runs it."""
    out = runner.run(env(CODE="12345"), MFA_PROCESS, 'printf %s "$CODE" | sed "s/$/6/"', "p")
    assert out == "123456"


@pytest.mark.parametrize("rule", [CREDENTIAL_PROCESS, MFA_PROCESS], ids=lambda r: r.setting)
def test_the_child_environment_comes_from_the_context(
    rule: runner.Rule, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child sees the Context's variables with AWSPROMPT_DEPTH raised, not os.environ."""
    monkeypatch.setenv("ONLY_IN_OS_ENVIRON", "leaked")

    def child(parent: Env) -> dict[str, str]:
        lines = runner.run(parent, rule, "env", "p").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    seen = child(env(MARK="m"))
    assert (seen["MARK"], seen["AWSPROMPT_DEPTH"]) == ("m", "1")
    assert "ONLY_IN_OS_ENVIRON" not in seen
    assert child(env(AWSPROMPT_DEPTH="2"))["AWSPROMPT_DEPTH"] == "3"


@pytest.mark.parametrize("rule", [CREDENTIAL_PROCESS, MFA_PROCESS], ids=lambda r: r.setting)
def test_the_child_reads_dev_null(rule: runner.Rule) -> None:
    """Standard input is /dev/null even when ours is a pipe: a command never waits on it."""
    read_end, write_end = os.pipe()
    saved = os.dup(0)
    os.dup2(read_end, 0)
    try:
        seen = runner.run(env(), rule, "readlink /proc/self/fd/0", "p").strip()
    finally:
        os.dup2(saved, 0)
        for fd in (saved, read_end, write_end):
            os.close(fd)
    assert seen == "/dev/null"


@pytest.mark.parametrize(
    ("rule", "error"),
    [(CREDENTIAL_PROCESS, CredentialProcessFailed), (MFA_PROCESS, MfaFailed)],
    ids=["credential_process", "mfa_process"],
)
def test_too_deep_a_nesting_is_refused_before_running(
    rule: runner.Rule, error: type[Exception], tmp_path: Path
) -> None:
    """At AWSPROMPT_DEPTH 3 the command is not run: awsprompt is calling itself."""
    marker = tmp_path / "ran"
    with pytest.raises(error) as caught:
        runner.run(env(AWSPROMPT_DEPTH="3"), rule, f"touch {marker}", "loop")
    assert str(caught.value) == f"{rule.setting} of profile 'loop' calls awsprompt for itself"
    assert not marker.exists()


def test_failing_credential_process_names_its_last_stderr_line() -> None:
    """Non-zero exit: CredentialProcessFailed with the status and stderr's last line."""
    command = "sh -c 'echo first >&2; echo last words >&2; exit 3'"
    with pytest.raises(CredentialProcessFailed) as caught:
        runner.run(env(), CREDENTIAL_PROCESS, command, "proc")
    assert caught.value.message == (
        "credential_process of profile 'proc' exited with status 3: last words"
    )


def test_failing_mfa_process_says_to_run_it() -> None:
    """Non-zero exit: MfaFailed with the status and a hint to run the command by hand."""
    with pytest.raises(MfaFailed) as caught:
        runner.run(env(), MFA_PROCESS, "echo oops >&2; exit 4", "base")
    assert caught.value.message == "mfa_process of profile 'base' exited with status 4"
    assert caught.value.hint == "run the mfa_process command yourself to see what it says"


def test_unparsable_and_empty_credential_process() -> None:
    """An unbalanced quote or an empty command is a CredentialProcessFailed, nothing runs."""
    with pytest.raises(CredentialProcessFailed, match="cannot be parsed: No closing quotation"):
        runner.run(env(), CREDENTIAL_PROCESS, "echo 'unterminated", "p")
    with pytest.raises(CredentialProcessFailed, match="cannot be parsed: it is empty"):
        runner.run(env(), CREDENTIAL_PROCESS, "   ", "p")


def test_missing_program_could_not_run() -> None:
    """A program that does not exist is named as such, with a hint at the config file."""
    with pytest.raises(CredentialProcessFailed) as caught:
        runner.run(env(), CREDENTIAL_PROCESS, "/nonexistent/tool --json", "p")
    assert (
        caught.value.message == "credential_process of profile 'p' could not run: FileNotFoundError"
    )
    assert caught.value.hint == "check the command in ~/.aws/config"


@pytest.mark.parametrize(
    ("rule", "command"),
    [(CREDENTIAL_PROCESS, "sleep 60"), (MFA_PROCESS, "exec sleep 60")],
    ids=["credential_process", "mfa_process"],
)
def test_a_command_that_hangs_is_killed_at_its_time_out(rule: runner.Rule, command: str) -> None:
    """Past the rule's time-out the child is killed and the error says so."""
    with pytest.raises(rule.error) as caught:
        runner.run(env(), replace(rule, timeout=1), command, "slow")
    assert str(caught.value) == f"{rule.setting} of profile 'slow' timed out after 1s"


def test_the_rules_keep_their_time_outs() -> None:
    """credential_process may take 5 minutes (a browser login); mfa_process 2 minutes."""
    assert (CREDENTIAL_PROCESS.timeout, MFA_PROCESS.timeout) == (300, 120)
    assert (CREDENTIAL_PROCESS.via_shell, MFA_PROCESS.via_shell) == (False, True)


def test_mfa_codes_come_from_mfa_process_through_the_runner(tmp_path: Path) -> None:
    """MfaCodes runs mfa_process with the Context's environment, once per serial."""
    log = tmp_path / "asked"
    ctx = Context(env(LOG=str(log)), Scripted())
    codes = MfaCodes(ctx, prompt=False)
    command = 'echo asked >> "$LOG"; echo 654321 | tr 4 9'
    assert codes.code(SERIAL, command, "base") == "659321"
    assert codes.code(SERIAL, command, "base") == "659321"
    assert log.read_text().splitlines() == ["asked"]


def test_mfa_process_printing_no_code_is_refused() -> None:
    """Output that is not six digits is an MfaFailed naming the profile."""
    codes = MfaCodes(Context(env(), Scripted()), prompt=False)
    with pytest.raises(MfaFailed, match="mfa_process of profile 'A' did not print a 6-digit code"):
        codes.code(SERIAL, "echo 12345", "A")
