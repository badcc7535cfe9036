"""Where MFA codes come from: --mfa-token, then mfa_process, then a prompt on /dev/tty."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from awsprompt.aws import runner
from awsprompt.errors import MfaFailed, MfaRequired

if TYPE_CHECKING:
    from awsprompt.context import Context

_CODE = re.compile(r"\d{6}")


class MfaCodes:
    """Hands out MFA codes, asking each source at most once per serial per run."""

    def __init__(self, ctx: Context, token: str | None = None, *, prompt: bool = True) -> None:
        self.ctx = ctx
        if token is not None and not _CODE.fullmatch(token):
            raise MfaFailed("the --mfa-token value is not a 6-digit code")
        self._token = token
        self._prompt = prompt
        self._given: dict[str, str] = {}

    def code(
        self, serial: str, mfa_process: str | None, profile: str, requested: str | None = None
    ) -> str:
        """A code for SERIAL, set up in PROFILE (whose mfa_process it is), for REQUESTED.

        REQUESTED is the profile the user asked for (PROFILE when not given): the one to
        run again in a terminal when no code can be had without a prompt.
        """
        requested = requested or profile
        if serial in self._given:
            return self._given[serial]
        if self._token is not None:
            code, self._token = self._token, None
        elif mfa_process:
            code = _run_mfa_process(self.ctx, mfa_process, profile)
        elif not self._prompt:
            raise MfaRequired(
                f"profile {requested!r} needs a fresh MFA code for {serial}",
                hint=f"run `aws-use {requested}` or `awsprompt exec {requested}` in a terminal",
            )
        else:
            code = self.ctx.ui.ask(f"MFA code for {serial} ({profile}): ").strip()
            if not _CODE.fullmatch(code):
                raise MfaFailed("an MFA code is 6 digits")
        self._given[serial] = code
        return code


def _run_mfa_process(ctx: Context, command: str, profile: str) -> str:
    """Run PROFILE's mfa_process (through the shell, as aws-vault does): its output is the code."""
    code = runner.run(ctx.env, runner.MFA_PROCESS, command, profile).strip()
    if not _CODE.fullmatch(code):
        raise MfaFailed(
            f"mfa_process of profile {profile!r} did not print a 6-digit code",
            hint="its standard output must be the code alone",
        )
    return code
