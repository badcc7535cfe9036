"""Setup checks for `doctor`: each returns Check results with a status and a fix."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from awsprompt import fsutil
from awsprompt.config.profiles import AwsFiles, Resolver
from awsprompt.errors import AwspromptError, ProfileNotFound
from awsprompt.secrets.vault.base import KeyInfo

if TYPE_CHECKING:
    from awsprompt.context import Context

Status = Literal["ok", "warn", "fail"]
ZSH_MARKERS = ("awsprompt.plugin.zsh", "# >>> awsprompt >>>")
_OMZ_PLUGINS = re.compile(r"^\s*plugins=\(([^)]*)\)", re.MULTILINE)


@dataclass(frozen=True)
class Check:
    """One finding: which check, how bad, what is wrong, how to fix it."""

    name: str
    status: Status
    message: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        """JSON form for `doctor --json`."""
        return asdict(self)


@dataclass
class Findings:
    """What the checks look at, gathered once (no passphrase, no network)."""

    app: Context
    files: AwsFiles | None
    files_error: str | None
    index: dict[str, KeyInfo]
    vault_error: str | None
    rotation_days: int
    backend: str

    @property
    def paths(self) -> Any:
        """The invocation's paths."""
        return self.app.paths


def gather(app: Context) -> Findings:
    """Read the AWS files, the vault index and the settings, recording errors instead of raising."""
    rotation_days, backend = 90, "file"
    with contextlib.suppress(AwspromptError):  # reported by check_settings
        rotation_days, backend = app.settings.rotation_days, app.settings.backend
    files: AwsFiles | None = None
    files_error = None
    try:
        files = app.files
    except AwspromptError as exc:
        files_error = exc.message
    index: dict[str, KeyInfo] = {}
    vault_error = None
    try:
        index = app.vault.index()
    except AwspromptError as exc:
        vault_error = exc.message
    except (ImportError, OSError) as exc:  # keyring backend missing or unreachable
        vault_error = f"cannot read the vault index: {type(exc).__name__}"
    return Findings(app, files, files_error, index, vault_error, rotation_days, backend)


def _ok(name: str, message: str) -> list[Check]:
    return [Check(name, "ok", message)]


def check_settings(ctx: Findings) -> list[Check]:
    """The settings file parses; the AWS files parse; the vault opens (index only)."""
    from awsprompt.config import settings

    out = []
    try:
        settings.load(ctx.app)
    except AwspromptError as exc:
        out.append(Check("settings", "fail", exc.message, exc.hint or ""))
    if ctx.files_error:
        out.append(Check("aws files", "fail", ctx.files_error, "fix the file's syntax"))
    if ctx.vault_error:
        out.append(Check("vault", "fail", ctx.vault_error, "see the message; never delete it"))
    return out or _ok("files", "settings, AWS files and the vault index read fine")


def check_plaintext_keys(ctx: Findings) -> list[Check]:
    """Long-term keys still in plaintext in ~/.aws/credentials or ~/.aws/config."""
    if ctx.files is None:
        return []
    out = []
    for where, sections in (
        (ctx.files.credentials_path, ctx.files.credentials_sections),
        (ctx.files.config_path, ctx.files.config_sections),
    ):
        names = sorted(
            name
            for name, values in sections.items()
            if values.get("aws_access_key_id")
            and values.get("aws_secret_access_key")
            and not values.get("aws_session_token")
            and not values.get("aws_security_token")
        )
        if names:
            out.append(
                Check(
                    "plaintext keys",
                    "fail",
                    f"{where} holds long-term keys in plaintext for {', '.join(names)}",
                    "awsprompt import",
                )
            )
    return out or _ok("plaintext keys", "no long-term keys in plaintext files")


def check_permissions(ctx: Findings) -> list[Check]:
    """The state folder, vault and sessions are private; the credentials file is not readable."""
    out = []
    targets: list[tuple[Path, bool]] = [
        (ctx.paths.state_dir(), True),
        (ctx.paths.vault_path(), False),
        (ctx.paths.sessions_dir(), True),
    ]
    sessions = ctx.paths.sessions_dir()
    if sessions.is_dir() and not sessions.is_symlink():
        targets += [(p, p.is_dir()) for p in sorted(sessions.iterdir())]
    for path, is_dir in targets:
        try:
            fsutil.check_private(path, is_dir=is_dir)
        except AwspromptError as exc:
            out.append(Check("permissions", "fail", exc.message, exc.hint or ""))
    creds = ctx.paths.aws_credentials_path()
    try:
        mode = stat.S_IMODE(os.stat(creds).st_mode)  # follows a dotfiles symlink on purpose
    except FileNotFoundError:
        mode = 0
    if mode & 0o077:
        out.append(
            Check(
                "permissions",
                "fail",
                f"{creds} has mode {mode:o}; group or others can read it",
                f"chmod 600 {creds}",
            )
        )
    return out or _ok("permissions", "state folder, vault, sessions and credentials are private")


def _chain_problem(resolver: Resolver, name: str) -> str | None:
    """A source_profile loop or a missing source along NAME's chain, or None."""
    trail: list[str] = []
    current = name
    while True:
        if current in trail:
            return f"profile {name!r}: source_profile loop: {' -> '.join([*trail, current])}"
        trail.append(current)
        try:
            conf = resolver.settings(current)
        except ProfileNotFound:
            if current == name:
                return None
            return f"profile {trail[-2]!r} names source_profile {current!r}, which does not exist"
        except AwspromptError as exc:
            return exc.message
        source = conf.get("source_profile")
        if not conf.get("role_arn") or not source or source == current:
            return None
        current = source


def check_profiles(ctx: Findings) -> list[Check]:
    """Every profile resolves; role chains have no loops and no missing sources."""
    if ctx.files is None:
        return []
    resolver = Resolver(ctx.files, ctx.index.keys())
    out = []
    for name in sorted(set(ctx.files.names()) | set(ctx.index)):
        problem = _chain_problem(resolver, name)
        if problem:
            out.append(
                Check(
                    "profiles",
                    "fail",
                    problem,
                    "point source_profile at a profile with keys (`awsprompt list`)",
                )
            )
            continue
        try:
            resolver.resolve(name)
        except AwspromptError as exc:
            if "IAM Identity Center" in exc.message:
                continue  # SSO profiles belong to `aws sso login`
            is_role = bool((ctx.files.raw(name) or {}).get("role_arn"))
            out.append(
                Check("profiles", "fail" if is_role else "warn", exc.message, exc.hint or "")
            )
    return out or _ok("profiles", "every profile resolves")


def check_mfa(ctx: Findings) -> list[Check]:
    """Role profiles whose mfa_serial differs from their source's cost an extra MFA prompt."""
    if ctx.files is None:
        return []
    resolver = Resolver(ctx.files, ctx.index.keys())
    out = []
    for name in ctx.files.names():
        try:
            profile = resolver.resolve(name)
        except AwspromptError:
            continue  # reported by check_profiles
        if not profile.hops:
            continue
        hop, source = profile.hops[-1], profile.source
        if not hop.mfa_serial or hop.mfa_serial == source.mfa_serial:
            continue
        if source.mfa_serial:
            message = (
                f"profile {name!r} uses mfa_serial {hop.mfa_serial} but its source"
                f" {source.profile!r} uses {source.mfa_serial}: each asks for its own MFA code"
            )
            fix = f"use the same mfa_serial in [profile {name}] and [profile {source.profile}]"
        else:
            message = (
                f"profile {name!r} has mfa_serial but its source {source.profile!r} has none:"
                " every role of that source asks for its own MFA code"
            )
            fix = f"add mfa_serial = {hop.mfa_serial} to [profile {source.profile}]"
        out.append(Check("mfa", "warn", message, fix))
    return out or _ok("mfa", "roles share their source's MFA device")


def check_rotation(ctx: Findings) -> list[Check]:
    """Keys older than settings.rotation_days are due for rotation."""
    out = [
        Check(
            "key age",
            "warn",
            f"the key of {name!r} is {info.age_days(ctx.app.utcnow())} days old"
            f" (rotation_days: {ctx.rotation_days})",
            f"awsprompt rotate {name}",
        )
        for name, info in sorted(ctx.index.items())
        if info.age_days(ctx.app.utcnow()) >= ctx.rotation_days
    ]
    return out or _ok("key age", f"every stored key is younger than {ctx.rotation_days} days")


def _command_exists(command: str) -> str | None:
    """Why COMMAND's executable cannot be run, or None if it can."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return f"cannot be parsed ({exc})"
    if not argv:
        return "is empty"
    exe = argv[0]
    if "/" in exe:
        path = Path(exe).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            return f"runs {exe}, which does not exist or is not executable"
        return None
    if shutil.which(exe) is None:
        return f"runs {exe!r}, which is not on PATH"
    return None


def check_credential_process(ctx: Findings) -> list[Check]:
    """Every credential_process line points at an executable that exists."""
    if ctx.files is None:
        return []
    out = []
    for name in ctx.files.names():
        command = (ctx.files.raw(name) or {}).get("credential_process")
        if not command:
            continue
        problem = _command_exists(command)
        if problem:
            out.append(
                Check(
                    "credential_process",
                    "fail",
                    f"profile {name!r}: credential_process {problem}",
                    "fix the path, or run `awsprompt import` again to rewrite awsprompt's lines",
                )
            )
    return out or _ok("credential_process", "every credential_process command exists")


def zshrc_path(app: Context) -> Path:
    """The user's .zshrc ($ZDOTDIR or $HOME)."""
    zdotdir = app.env.get("ZDOTDIR")
    return (Path(zdotdir).expanduser() if zdotdir else app.paths.home()) / ".zshrc"


def check_zsh(ctx: Findings) -> list[Check]:
    """The zsh plugin is loaded from .zshrc (source line, installer block or oh-my-zsh)."""
    rc = zshrc_path(ctx.app)
    try:
        text = rc.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    loaded = any(marker in text for marker in ZSH_MARKERS) or any(
        "awsprompt" in match.group(1).split() for match in _OMZ_PLUGINS.finditer(text)
    )
    if loaded:
        return _ok("zsh plugin", f"loaded from {rc}")
    return [
        Check(
            "zsh plugin",
            "warn",
            f"{rc} does not load the awsprompt zsh plugin (no prompt, no aws-use)",
            "run install.sh, add awsprompt to plugins=(...), or source awsprompt.plugin.zsh",
        )
    ]


def check_passphrase_env(ctx: Findings) -> list[Check]:
    """A vault passphrase exported in the environment is readable by every child process."""
    from awsprompt.secrets.passphrase import ENV_VARS

    found = [var for var in ENV_VARS if ctx.app.env.get(var)]
    if not found:
        return _ok("passphrase", "no passphrase in the environment")
    return [
        Check(
            "passphrase",
            "warn",
            f"{' and '.join(found)} exported: every program you run can read the passphrase",
            "remove the export from your shell files; use `awsprompt unlock` or keyring_passphrase",
        )
    ]


def check_agent(ctx: Findings) -> list[Check]:
    """A socket file nothing answers on is a stale agent."""
    agent = ctx.app.agent
    sock = agent.socket_path()
    if not (sock.exists() or sock.is_symlink()):
        return _ok("agent", "no agent running")
    if agent.request({"op": "status"}, timeout=2.0) is not None:
        return _ok("agent", f"agent answering on {sock}")
    return [
        Check(
            "agent",
            "warn",
            f"{sock} exists but no agent answers on it (stale)",
            f"rm {sock}; `awsprompt unlock` starts a new agent",
        )
    ]


def check_kdf(ctx: Findings) -> list[Check]:
    """The vault's Argon2id parameters meet RFC 9106's low-memory profile."""
    from awsprompt.secrets import crypto
    from awsprompt.secrets.vault import FileVault

    path = ctx.paths.vault_path()
    if ctx.backend != "file" or ctx.vault_error or not path.is_file():
        return []
    try:
        params = FileVault(ctx.app, path).kdf_params()
    except (AwspromptError, OSError):
        return [Check("vault kdf", "fail", f"cannot read the KDF parameters of {path}", "")]
    floor = crypto.RFC_9106_LOW_MEMORY
    if params.memory_kib >= floor.memory_kib and params.iterations >= floor.iterations:
        return _ok("vault kdf", "Argon2id parameters meet RFC 9106 low-memory")
    return [
        Check(
            "vault kdf",
            "warn",
            f"the vault uses Argon2id with {params.memory_kib} KiB and t={params.iterations},"
            f" below RFC 9106 low-memory ({floor.memory_kib} KiB, t={floor.iterations})",
            "create the vault without AWSPROMPT_INSECURE_TEST_KDF (a test-only setting)",
        )
    ]


def check_sso(ctx: Findings) -> list[Check]:
    """Each sso-session: signed in, time left, refreshable, registration expiry (no network)."""
    from awsprompt.aws.sso import config as sso_config
    from awsprompt.aws.sso.refresh import tokens_for
    from awsprompt.durations import format_left

    if ctx.files is None or not ctx.files.config.sso_sessions:
        return []
    now = ctx.app.clock.time()
    tokens = tokens_for(ctx.app)
    out = []
    for name, section in sorted(ctx.files.config.sso_sessions.items()):
        try:
            session = sso_config.resolve_session(name, dict(section.values))
        except AwspromptError as exc:
            out.append(Check("sso", "fail", exc.message, exc.hint or ""))
            continue
        meta = tokens.status(session)
        login = f"run `{session.login_command}`"
        if meta is None or meta.expires is None:
            out.append(Check("sso", "warn", f"{session.label}: not signed in", login))
            continue
        left = meta.expires - now
        reg_left = (meta.registration_expires or 0) - now
        if left <= 0 and not (meta.refreshable and reg_left > 0):
            out.append(Check("sso", "warn", f"{session.label}: the sign-in has expired", login))
        elif meta.refreshable and 0 < reg_left < 7 * 86400:
            out.append(
                Check(
                    "sso",
                    "warn",
                    f"{session.label}: the client registration expires in {format_left(reg_left)}",
                    f"{login} after it expires",
                )
            )
        elif left > 24 * 3600 * 30:
            out.append(
                Check(
                    "sso",
                    "warn",
                    f"{session.label}: the token expires in {format_left(left)} (clock skew?)",
                    "check the system clock (tokens last hours, not months)",
                )
            )
        else:
            how = "refreshed as needed" if meta.refreshable else "no refresh token"
            shown = format_left(left) if left > 0 else "expired"
            out.append(Check("sso", "ok", f"{session.label}: signed in ({shown}, {how})"))
    return out


CHECKS: tuple[Callable[[Findings], list[Check]], ...] = (
    check_settings,
    check_plaintext_keys,
    check_permissions,
    check_profiles,
    check_mfa,
    check_rotation,
    check_credential_process,
    check_zsh,
    check_passphrase_env,
    check_agent,
    check_kdf,
    check_sso,
)


def run(app: Context) -> list[Check]:
    """Run every check and return the findings in order."""
    ctx = gather(app)
    results: list[Check] = []
    for check in CHECKS:
        results.extend(check(ctx))
    return results


def worst(results: list[Check]) -> Status:
    """The most severe status among RESULTS."""
    statuses: set[Any] = {r.status for r in results}
    return "fail" if "fail" in statuses else "warn" if "warn" in statuses else "ok"
