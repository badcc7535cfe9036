"""Run the commands users write in ~/.aws/config: credential_process and mfa_process.

Two rules, as the peers do it:

- `credential_process` is split like a POSIX shell would (`shlex`) and run without a
  shell, as the AWS CLI does (botocore's ProcessProvider): no pipes, no `$VAR`.
- `mfa_process` is run by `/bin/sh -c`, as aws-vault does, so pipes and `$VAR` work.

Either way the child reads /dev/null (prompts must go to /dev/tty), inherits the
environment from the Context with AWSPROMPT_DEPTH raised by one, is killed after a time-out,
and every failure becomes one awsprompt error naming the setting and the profile.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass

from awsprompt.envvars import Env
from awsprompt.errors import AwspromptError, CredentialProcessFailed, MfaFailed

DEPTH = "AWSPROMPT_DEPTH"
MAX_DEPTH = 3  # awsprompt inside a command inside awsprompt ... this deep is a loop


@dataclass(frozen=True)
class Rule:
    """How one kind of user-configured command runs, and how its failures read."""

    setting: str  # the config key, named in every message
    via_shell: bool  # True: /bin/sh -c COMMAND; False: shlex-split and run without a shell
    timeout: int  # seconds before the child is killed
    error: type[AwspromptError]
    loop_hint: str  # when AWSPROMPT_DEPTH says awsprompt is calling itself
    start_hint: str | None = None  # when it cannot start or runs out of time
    exit_hint: str | None = None  # when it exits non-zero
    stderr_in_message: bool = False  # its last stderr line ends the non-zero-exit message


CREDENTIAL_PROCESS = Rule(
    "credential_process",
    via_shell=False,
    timeout=300,
    error=CredentialProcessFailed,
    loop_hint="a profile whose keys are in the vault must not also point at awsprompt",
    start_hint="check the command in ~/.aws/config",
    stderr_in_message=True,
)
MFA_PROCESS = Rule(
    "mfa_process",
    via_shell=True,
    timeout=120,
    error=MfaFailed,
    loop_hint="an mfa_process must print a code without asking awsprompt for one",
    exit_hint="run the mfa_process command yourself to see what it says",
)


def depth(env: Env) -> int:
    """How deep this awsprompt runs inside commands started by awsprompt (0 at the top)."""
    try:
        return max(0, int(env.get(DEPTH) or 0))
    except ValueError:
        return 0


def run(env: Env, rule: Rule, command: str, profile: str) -> str:
    """Run COMMAND, PROFILE's RULE.setting, and return its standard output."""
    what = f"{rule.setting} of profile {profile!r}"
    level = depth(env)
    if level >= MAX_DEPTH:
        raise rule.error(f"{what} calls awsprompt for itself", hint=rule.loop_hint)
    if rule.via_shell:
        argv = ["/bin/sh", "-c", command]
    else:
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise rule.error(f"{what} cannot be parsed: {exc}") from None
        if not argv:
            raise rule.error(f"{what} cannot be parsed: it is empty", hint=rule.start_hint)
    try:
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=rule.timeout,
            check=False,
            env=env.child(AWSPROMPT_DEPTH=str(level + 1)),
        )
    except subprocess.TimeoutExpired:
        raise rule.error(f"{what} timed out after {rule.timeout}s", hint=rule.start_hint) from None
    except OSError as exc:
        raise rule.error(
            f"{what} could not run: {type(exc).__name__}", hint=rule.start_hint
        ) from None
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [""])[-1][:200]
        detail = f": {last}" if last and rule.stderr_in_message else ""
        raise rule.error(
            f"{what} exited with status {result.returncode}{detail}", hint=rule.exit_hint
        )
    return result.stdout
