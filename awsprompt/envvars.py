"""Every environment variable awsprompt reads, declared once.

`Env` refuses to read a variable that is not declared here, and each declaration says
whether the variable changes which cached session answers a plain `exec -j P` or
`export P --format zsh`. Those that do are the fast path's inputs (`FAST_INPUTS`): the
memo is keyed on their values, so the cached path can never serve a session that was
planned under other settings. Those that do not carry the reason instead.

Plain tuples, not dataclasses: this module is on the cached `exec -j` path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

INPUT = True  # the variable is one of the fast path's inputs

# (name, meaning, INPUT or why it does not change the cached answer)
VARS: tuple[tuple[str, str, bool | str], ...] = (
    # Where things are
    ("HOME", "the home folder (default AWS files and state folder)", INPUT),
    ("AWSPROMPT_HOME", "awsprompt's state folder", INPUT),
    ("XDG_DATA_HOME", "the parent of the default state folder", INPUT),
    ("XDG_RUNTIME_DIR", "the parent of the agent's socket folder", "the agent is checked by value"),
    ("AWS_CONFIG_FILE", "the AWS CLI config file", INPUT),
    ("AWS_SHARED_CREDENTIALS_FILE", "the AWS shared credentials file", INPUT),
    ("AWS_VAULT_FILE_DIR", "aws-vault's file vault folder (import)", "import only"),
    # Settings overrides
    ("AWSPROMPT_BACKEND", "file or keyring (overrides `backend:`)", INPUT),
    ("AWSPROMPT_MIN_TTL", "the refresh window", INPUT),
    ("AWS_MIN_TTL", "the refresh window (aws-vault's name)", INPUT),
    ("AWSPROMPT_LOCK_TIMEOUT", "how long to wait for another process", "waiting only"),
    # Secrets and the agent
    ("AWSPROMPT_PASSPHRASE", "the vault passphrase", "unlocking only"),
    ("AWS_VAULT_FILE_PASSPHRASE", "the vault passphrase (aws-vault's name)", "unlocking only"),
    ("AWSPROMPT_NO_AGENT", "1: neither use nor offer the agent", "the fast path is off with it"),
    ("AWSPROMPT_INSECURE_TEST_KDF", "tests only: the cheapest Argon2id", "new vaults only"),
    # AWS endpoints and regions
    ("AWS_ENDPOINT_URL", "the endpoint of every AWS service", INPUT),
    ("AWS_ENDPOINT_URL_STS", "the STS endpoint", INPUT),
    ("AWS_ENDPOINT_URL_IAM", "the IAM endpoint", "IAM is not asked on the cached path"),
    ("AWS_ENDPOINT_URL_SSO", "the IAM Identity Center portal endpoint (role credentials)", INPUT),
    ("AWS_ENDPOINT_URL_SSO_OIDC", "the Identity Center OIDC endpoint", "sign-in and refresh only"),
    ("AWS_REGION", "the region", "picks the STS endpoint, not the cached session"),
    ("AWS_DEFAULT_REGION", "the region (older name)", "picks the STS endpoint only"),
    ("AWSPROMPT_FEDERATION_URL", "the console federation endpoint", "login only"),
    # Identity, for the default role session name
    ("LOGNAME", "the user name (role session name)", INPUT),
    ("USER", "the user name (role session name)", INPUT),
    ("LNAME", "the user name (role session name)", INPUT),
    ("USERNAME", "the user name (role session name)", INPUT),
    # Commands and children
    ("AWSPROMPT_DEPTH", "nesting of awsprompt inside credential_process", "the fast path is off"),
    ("AWSPROMPT_SELF", "the command `import` writes into credential_process", "import only"),
    ("AWSPROMPT_ROTATE_WAIT", "base back-off while a new key propagates", "rotate only"),
    ("AWSPROMPT_PROFILE", "the profile aws-use or exec set in this shell", "exec's child only"),
    ("AWS_ACCESS_KEY_ID", "keys for `add --env`", "add only"),
    ("AWS_SECRET_ACCESS_KEY", "keys for `add --env`", "add only"),
    ("SHELL", "exec's default command", "exec's child only"),
    ("PATH", "where `init zsh` looks for the awsprompt command", "init only"),
    ("ZDOTDIR", "where doctor looks for .zshrc", "doctor only"),
)
DECLARED: frozenset[str] = frozenset(name for name, _, _ in VARS)
FAST_INPUTS: tuple[str, ...] = tuple(name for name, _, why in VARS if why is INPUT)


class UndeclaredVariable(LookupError):
    """Code asked for an environment variable that envvars.VARS does not declare."""


class Env(Mapping[str, str]):
    """The process environment as awsprompt sees it: reads only of declared variables.

    It also remembers what was read (`reads`), so a test can check a whole code path.
    Iterating or copying it (for a child process's environment) is allowed.
    """

    __slots__ = ("_data", "reads")

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._data = dict(data or {})
        self.reads: set[str] = set()

    def __getitem__(self, name: str) -> str:
        if name not in DECLARED:
            raise UndeclaredVariable(f"{name} is not declared in awsprompt/envvars.py")
        self.reads.add(name)
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The value of NAME (declared), or DEFAULT; an empty value counts as unset."""
        try:
            value = self[name]
        except KeyError as exc:
            if isinstance(exc, UndeclaredVariable):
                raise
            return default
        return value or default

    def flag(self, name: str) -> bool:
        """True when NAME is set to 1."""
        return self.get(name) == "1"

    def child(
        self, drop: tuple[str, ...] = (), drop_prefixes: tuple[str, ...] = (), **add: str
    ) -> dict[str, str]:
        """A copy for a child process, without DROP and names starting with DROP_PREFIXES."""
        out = {
            k: v
            for k, v in self._data.items()
            if k not in drop and not (drop_prefixes and k.startswith(drop_prefixes))
        }
        out.update(add)
        return out
