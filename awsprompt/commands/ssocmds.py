"""`sso login`, `sso logout` and `sso sync` (commands/ssosync.py): IAM Identity Center."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from awsprompt.commands import ssosync
from awsprompt.commands._common import profile_name
from awsprompt.errors import UsageError

if TYPE_CHECKING:
    from awsprompt.aws.sso.config import SsoSession
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sso command group."""
    p = sub.add_parser(
        "sso",
        help="IAM Identity Center: sign in once for every account and role",
        description="Sign in to IAM Identity Center (AWS SSO), sign out, or generate profiles.",
    )
    group = p.add_subparsers(dest="sso_command", metavar="SUBCOMMAND")

    def show_help(args: argparse.Namespace, ctx: Context) -> int:
        p.print_help()  # `awsprompt sso` alone: its commands, on stdout, exit 0
        return 0

    p.set_defaults(func=show_help)
    login = group.add_parser(
        "login",
        help="sign in to an sso-session (browser with PKCE, or a device code)",
        description="Sign in to the sso-session of PROFILE (or --sso-session NAME). The token"
        " is kept encrypted in the vault and refreshed before it expires, so one sign-in"
        " serves every profile of the session in every terminal.",
    )
    login.add_argument(
        "profile", nargs="?", type=profile_name, help="a profile that uses the sso-session"
    )
    login.add_argument("--sso-session", metavar="NAME", help="the [sso-session NAME] to sign in")
    login.add_argument(
        "--no-browser", action="store_true", help="print the sign-in URL instead of opening it"
    )
    login.add_argument(
        "--device-code", action="store_true", help="sign in with a device code instead of PKCE"
    )
    login.set_defaults(func=cmd_login)
    logout = group.add_parser(
        "logout",
        help="revoke and forget the token of an sso-session (or of every one)",
        description="Revoke the token at IAM Identity Center, forget it (and the AWS CLI's"
        " copy of it), and drop the role sessions derived from it.",
    )
    logout.add_argument("name", nargs="?", metavar="NAME", help="the sso-session (default: all)")
    logout.set_defaults(func=cmd_logout)
    ssosync.register(group)


def sessions_of(ctx: Context) -> dict[str, dict[str, str]]:
    """Every [sso-session NAME] section's keys, by name."""
    return {n: dict(s.values) for n, s in ctx.files.config.sso_sessions.items()}


def chosen_session(ctx: Context, profile: str | None, name: str | None) -> SsoSession:
    """The sso-session the user means: --sso-session NAME, PROFILE's, or the only one."""
    from awsprompt.aws.sso import config as sso_config

    where = str(ctx.files.config_path)
    sessions = sessions_of(ctx)
    if name and profile:
        raise UsageError("give a PROFILE or --sso-session NAME, not both")
    if name:
        return sso_config.resolve_session(name, sessions.get(name), where=where)
    if profile:
        ctx.resolver.require(profile)
        keys = ctx.resolver.settings(profile)
        return sso_config.session_of_profile(profile, keys, sessions, where=where)
    if len(sessions) == 1:
        only = next(iter(sessions))
        return sso_config.resolve_session(only, sessions[only], where=where)
    known = ", ".join(sorted(sessions)) or "none"
    raise UsageError(
        "which sso-session? name a PROFILE or --sso-session NAME",
        hint=f"sso-sessions in {where}: {known}",
    )


def ensure_vault(ctx: Context) -> None:
    """Tokens are sealed with the vault's key: create the vault now if there is none."""
    from awsprompt.secrets.vault import FileVault

    vault = ctx.vault
    if vault.exists() or not isinstance(vault, FileVault):
        return  # the keychain backend makes its own key on first use
    if ctx.ui.has_terminal() and not ctx.ui.confirm(
        "awsprompt keeps the sign-in token encrypted in its vault, which does not exist yet."
        " Create it now?"
    ):
        raise UsageError(
            "nothing was signed in: the token needs the vault",
            hint="answer yes, or use the OS keychain (`backend: keyring` in config.yaml)",
        )
    vault.create()


def cmd_login(args: argparse.Namespace, ctx: Context) -> int:
    """Sign in (always a fresh sign-in: that is what the user asked for)."""
    from awsprompt.aws.sso import login
    from awsprompt.aws.sso.refresh import tokens_for

    session = chosen_session(ctx, args.profile, args.sso_session)
    ensure_vault(ctx)
    tokens = tokens_for(ctx, write_cli_cache=ctx.settings.sso_write_cli_cache)
    token = login.login(
        ctx,
        session,
        tokens,
        device_code=args.device_code,
        no_browser=args.no_browser,
        open_browser=ctx.open_browser,
    )
    from awsprompt.durations import format_left

    left = format_left(token.seconds_left(ctx.clock.time()))
    ctx.ui.info(f"Signed in to {session.label} (token valid for {left}, refreshed as needed).")
    return 0


def cmd_logout(args: argparse.Namespace, ctx: Context) -> int:
    """Revoke and forget tokens, and the role sessions made with them."""
    from awsprompt.aws.sso import config as sso_config
    from awsprompt.aws.sso.portal import Portal
    from awsprompt.aws.sso.refresh import tokens_for

    where = str(ctx.files.config_path)
    sessions = sessions_of(ctx)
    names = [args.name] if args.name else sorted(sessions)
    if args.name and args.name not in sessions:
        raise UsageError(f"no [sso-session {args.name}] in {where}")
    tokens = tokens_for(ctx)
    for name in names:
        session = sso_config.resolve_session(name, sessions[name], where=where)
        forgotten, revoked = tokens.logout(session, Portal(ctx.env, session, ctx.clock))
        dropped = ctx.sessions.clear(source_fp=session.fingerprint) if ctx.vault.exists() else 0
        state = (
            "revoked and forgotten" if revoked else "forgotten" if forgotten else "not signed in"
        )
        ctx.ui.info(f"{session.label}: {state}; {dropped} role session(s) dropped.")
    return 0
