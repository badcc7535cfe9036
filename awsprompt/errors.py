"""One exception tree with named exit codes; the CLI catches it in exactly one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README's "Exit codes" table."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    PROFILE_NOT_FOUND = 4
    WRONG_PASSPHRASE = 5
    VAULT_DAMAGED = 6
    INSECURE = 7
    NO_TERMINAL = 8
    NOT_IN_VAULT = 9
    AWS = 10
    ACCESS_DENIED = 11
    TOKEN_INVALID = 12
    MFA = 13
    THROTTLED = 14
    ENDPOINT = 15
    CREDENTIAL_PROCESS = 16
    MFA_REQUIRED = 17
    LOCK_TIMEOUT = 18
    ROTATE_INCOMPLETE = 19
    PROBLEMS_FOUND = 20
    AGENT = 21
    SSO_LOGIN = 22
    INTERRUPTED = 130


class AwspromptError(Exception):
    """Root of every error awsprompt reports; never raised directly."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(AwspromptError):
    """The command line is wrong (bad option, bad profile name)."""

    exit_code = ExitCode.USAGE


class ConfigError(AwspromptError):
    """~/.aws/config, the credentials file or settings say something impossible."""

    exit_code = ExitCode.CONFIG


class ProfileNotFound(AwspromptError):
    """A named profile exists in no file."""

    exit_code = ExitCode.PROFILE_NOT_FOUND


class WrongPassphrase(AwspromptError):
    """The vault is intact but the passphrase does not open it."""

    exit_code = ExitCode.WRONG_PASSPHRASE


class VaultDamaged(AwspromptError):
    """The vault or a cache file fails its integrity check or cannot be parsed."""

    exit_code = ExitCode.VAULT_DAMAGED


class InsecureFile(AwspromptError):
    """A file or folder has unsafe permissions, another owner, or is a symlink."""

    exit_code = ExitCode.INSECURE


class NoTerminal(AwspromptError):
    """A secret must be typed but no terminal can be opened."""

    exit_code = ExitCode.NO_TERMINAL


class NotInVault(AwspromptError):
    """The vault holds no keys for the profile."""

    exit_code = ExitCode.NOT_IN_VAULT


class AwsError(AwspromptError):
    """An AWS call failed for a reason not covered by a subclass."""

    exit_code = ExitCode.AWS


class AccessDenied(AwsError):
    """AWS refused the call (AccessDenied, a trust policy, an external ID)."""

    exit_code = ExitCode.ACCESS_DENIED


class TokenInvalid(AwsError):
    """The keys or session token are expired, invalid or unknown to AWS."""

    exit_code = ExitCode.TOKEN_INVALID


class MfaFailed(AwsError):
    """The MFA code was refused, or mfa_process gave no usable code."""

    exit_code = ExitCode.MFA


class Throttled(AwsError):
    """AWS throttled the call."""

    exit_code = ExitCode.THROTTLED


class EndpointUnreachable(AwsError):
    """The AWS endpoint could not be reached."""

    exit_code = ExitCode.ENDPOINT


class CredentialProcessFailed(AwspromptError):
    """A profile's own credential_process failed or printed bad JSON."""

    exit_code = ExitCode.CREDENTIAL_PROCESS


class MfaRequired(AwspromptError):
    """A fresh MFA code is needed but prompting was disabled (--no-prompt)."""

    exit_code = ExitCode.MFA_REQUIRED


class LockTimeout(AwspromptError):
    """Another awsprompt process held a lock for too long."""

    exit_code = ExitCode.LOCK_TIMEOUT


class RotateIncomplete(AwspromptError):
    """Key rotation stopped part-way; the message says what state AWS and the vault are in."""

    exit_code = ExitCode.ROTATE_INCOMPLETE


class ProblemsFound(AwspromptError):
    """`doctor` found problems (already printed)."""

    exit_code = ExitCode.PROBLEMS_FOUND


class AgentError(AwspromptError):
    """The unlock agent could not be started or reached."""

    exit_code = ExitCode.AGENT


class SsoLoginRequired(TokenInvalid):
    """No usable IAM Identity Center token: none yet, expired, revoked or unrefreshable."""


class SsoLoginFailed(AwspromptError):
    """An IAM Identity Center sign-in did not complete (timed out, denied, wrong state)."""

    exit_code = ExitCode.SSO_LOGIN
