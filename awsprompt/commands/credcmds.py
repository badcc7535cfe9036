"""`exec`, `export` and `clear`: getting temporary credentials out, and dropping them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from awsprompt.commands._common import add_session_options, profile_name, write_stdout
from awsprompt.errors import UsageError

if TYPE_CHECKING:
    from awsprompt.aws.engine import Session
    from awsprompt.context import Context

FORMATS = ("env", "export-env", "json", "ini", "yaml", "zsh")
# Removed from a child's environment before ours are added.
SCRUB = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SESSION_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_VAULT",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWSPROMPT_PROFILE",
    "AWSPROMPT_ACCOUNT",
    "AWSPROMPT_ACCOUNT_ALIAS",
    "AWSPROMPT_EXPIRES",
    "AWSPROMPT_SERVER_PID",
    "AWSPROMPT_PASSPHRASE",
    "AWS_VAULT_FILE_PASSPHRASE",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add exec, export and clear."""
    p = sub.add_parser(
        "exec",
        help="run a command with a profile's temporary credentials",
        description="Run COMMAND (default $SHELL) with temporary credentials for PROFILE."
        " With --json, print credential_process JSON instead.",
    )
    p.add_argument(
        "profile",
        type=profile_name,
        help="the profile to get credentials for (~/.aws/config, credentials file or vault)",
    )
    add_session_options(p)
    p.add_argument(
        "--no-session",
        action="store_true",
        help="give the long-term keys themselves to the command (not recommended)",
    )
    p.add_argument(
        "--json", "-j", action="store_true", help="print credential_process JSON and exit"
    )
    p.add_argument(
        "--server",
        "-s",
        action="store_true",
        help="serve refreshed credentials to the command from a local endpoint"
        " (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of giving it keys",
    )
    p.add_argument("command", nargs="*", default=[], help="the command to run, after `--`")
    p.set_defaults(func=cmd_exec)

    p = sub.add_parser("export", help="print a profile's temporary credentials in a format")
    p.add_argument("profile", type=profile_name, help="the profile to get credentials for")
    add_session_options(p)
    p.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        default="export-env",
        help="output format (default: %(default)s)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("clear", help="drop cached sessions (all, or one profile's)")
    p.add_argument(
        "profile",
        type=profile_name,
        nargs="?",
        help="drop only the sessions stored under this profile (default: all)",
    )
    p.set_defaults(func=cmd_clear)


def get_session(
    args: argparse.Namespace,
    ctx: Context,
    *,
    no_session: bool = False,
    fast_mode: str | None = None,
) -> Session:
    """Resolve the profile and get its credentials (cache first).

    With FAST_MODE ("json" or "zsh") and no options that change the result, remember which
    cached session answered, so the next identical call can take awsprompt.shell.fastpath.
    """
    from awsprompt.aws.engine import Engine
    from awsprompt.aws.plan import Options
    from awsprompt.shell import fastpath

    plain = args.duration is None and args.region is None and args.mfa_token is None
    inputs = fastpath.inputs(ctx.env, args.profile, fast_mode) if fast_mode and plain else None
    profile = ctx.resolver.resolve(args.profile)
    opts = Options(
        duration=args.duration,
        region=args.region,
        mfa_token=args.mfa_token,
        no_session=no_session,
        prompt=not args.no_prompt,
    )
    session = Engine(ctx).get(profile, opts)
    if fast_mode and inputs:
        alias = account_alias(ctx, session, None) if fast_mode == "zsh" else None
        fastpath.remember(ctx, fast_mode, inputs, session, alias)
    return session


def account_alias(ctx: Context, session: Session, region: str | None) -> str | None:
    """The account alias for the prompt (IAM is asked once per account, then cached)."""
    if not session.account:
        return None
    from awsprompt.aws.accounts import alias_for

    return alias_for(ctx, session.account, session.credentials, region)


def session_env(
    ctx: Context, session: Session, region: str | None, *, alias: bool = False
) -> dict[str, str]:
    """The variables for SESSION (region override wins over the profile's)."""
    from awsprompt.shell.formats import credential_vars

    return credential_vars(
        session.credentials,
        session.profile.name,
        session.account,
        region or session.region,
        account_alias(ctx, session, region) if alias else None,
    )


def _child_command(args: argparse.Namespace, ctx: Context) -> list[str]:
    command = list(args.command) + list(getattr(args, "child_argv", []))
    return command or [ctx.env.get("SHELL") or "/bin/sh"]


def _child_env(ctx: Context, drop: tuple[str, ...]) -> dict[str, str]:
    env = ctx.env.child(drop=drop)
    if ctx.env.get("AWSPROMPT_PROFILE"):
        # The region came from the profile we are leaving.
        env.pop("AWS_REGION", None)
        env.pop("AWS_DEFAULT_REGION", None)
    return env


def cmd_exec(args: argparse.Namespace, ctx: Context) -> int:
    """Run the command (exec, so its exit code is ours) or print credential_process JSON."""
    import os

    if getattr(args, "server", False):
        return _exec_with_server(args, ctx)
    fast_mode = "json" if args.json else None
    session = get_session(args, ctx, no_session=args.no_session, fast_mode=fast_mode)
    creds = session.credentials
    if args.json:
        from awsprompt.shell.formats import process_json

        write_stdout(process_json(creds) + "\n")
        return 0
    if not creds.is_temporary and not args.no_session:
        raise UsageError(
            f"profile {args.profile!r} yields long-term keys; refusing to put them in a child",
            hint="pass --no-session to do it anyway",
        )
    command = _child_command(args, ctx)
    env = _child_env(ctx, SCRUB)
    env.update(session_env(ctx, session, args.region))
    try:
        os.execvpe(command[0], command, env)  # noqa: S606 - the user's own command
    except OSError as exc:
        raise UsageError(f"cannot run {command[0]!r}: {exc.strerror}") from None
    return 0  # pragma: no cover - execvpe does not return


def _exec_with_server(args: argparse.Namespace, ctx: Context) -> int:
    """exec --server: the child gets a local endpoint and its token, never keys."""
    from awsprompt.commands.servecmd import session_provider
    from awsprompt.shell import credserver

    if args.json or args.no_session:
        raise UsageError("--server cannot be combined with --json or --no-session")
    command = _child_command(args, ctx)
    session, provider = session_provider(args, ctx, prompt=not args.no_prompt)
    server = credserver.CredentialServer(provider, account=session.account)
    # A token file would win over our token in the SDKs.
    drop = (*SCRUB, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    env = _child_env(ctx, drop)
    region = args.region or session.region
    env.update(
        credserver.container_vars(
            server.url, server.token, session.profile.name, session.account, region
        )
    )
    try:
        return credserver.run_child(server, command, env)
    except OSError as exc:
        raise UsageError(f"cannot run {command[0]!r}: {exc.strerror}") from None


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    """Print the credentials in the chosen format."""
    from awsprompt.shell import formats

    session = get_session(args, ctx, fast_mode="zsh" if args.format == "zsh" else None)
    creds = session.credentials
    fmt = args.format
    if fmt == "json":
        write_stdout(formats.process_json(creds) + "\n")
    elif fmt == "ini":
        write_stdout(formats.format_ini(creds, args.profile))
    else:
        env = session_env(ctx, session, args.region, alias=fmt == "zsh")
        if fmt == "env":
            write_stdout(formats.format_env(env))
        elif fmt == "export-env":
            write_stdout(formats.format_export_env(env))
        elif fmt == "yaml":
            write_stdout(formats.format_yaml(env))
        else:
            from awsprompt.shell import recent

            write_stdout(formats.format_zsh(env, ctx.settings.prompt_settings()))
            recent.record(ctx.paths, args.profile, ctx.clock.time())
    return 0


def cmd_clear(args: argparse.Namespace, ctx: Context) -> int:
    """Drop cached sessions."""
    if args.profile:
        ctx.resolver.require(args.profile)  # a typo is an error, not "0 sessions dropped"
    count = ctx.sessions.clear(profile=args.profile)
    which = f" of {args.profile!r}" if args.profile else ""
    ctx.ui.info(f"Dropped {count} cached session{'s' if count != 1 else ''}{which}.")
    return 0
