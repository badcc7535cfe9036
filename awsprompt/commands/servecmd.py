"""`serve`: a background credentials endpoint for the current zsh (`aws-use --server`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from awsprompt.commands._common import add_session_options, profile_name, write_stdout
from awsprompt.errors import UsageError

if TYPE_CHECKING:
    from awsprompt.aws.credentials import Credentials
    from awsprompt.aws.engine import Session
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add serve."""
    p = sub.add_parser(
        "serve",
        help="serve a profile's credentials to the shell (used by `aws-use --server`)",
        description="Start a background credentials endpoint (container credential provider"
        " protocol, 127.0.0.1 only, token required) for PROFILE that lives as long as the"
        " process --zsh-parent, and print the zsh records that point the shell at it.",
    )
    p.add_argument("profile", type=profile_name, help="the profile whose credentials to serve")
    add_session_options(p)
    p.add_argument(
        "--zsh-parent",
        type=int,
        required=True,
        metavar="PID",
        help="the shell's pid ($$); the endpoint stops when it exits",
    )
    p.set_defaults(func=cmd_serve)


def session_provider(
    args: argparse.Namespace, ctx: Context, *, prompt: bool
) -> tuple[Session, Callable[[], Credentials]]:
    """The first session for args.profile (may prompt) and a provider of fresh ones.

    The provider reuses one engine (and so the unlocked vault); it never reuses the one-time
    --mfa-token, and asks on the terminal for a new MFA code only when PROMPT is true.
    """
    from awsprompt.aws.engine import Engine
    from awsprompt.aws.plan import Options

    profile = ctx.resolver.resolve(args.profile)
    engine = Engine(ctx)
    first = engine.get(
        profile,
        Options(
            duration=args.duration,
            region=args.region,
            mfa_token=args.mfa_token,
            prompt=not args.no_prompt,
        ),
    )
    if not first.credentials.is_temporary:
        raise UsageError(
            f"profile {args.profile!r} yields long-term keys; the credentials server serves"
            " temporary credentials only",
            hint="use a profile with a role or a vault key (sessions are made with STS)",
        )
    later = Options(duration=args.duration, region=args.region, prompt=prompt)

    def provider() -> Credentials:
        return engine.get(profile, later).credentials

    return first, provider


def cmd_serve(args: argparse.Namespace, ctx: Context) -> int:
    """Start the endpoint in the background and print the records for the zsh plugin."""
    from awsprompt.shell import credserver, formats, recent

    parent = args.zsh_parent
    if parent <= 1 or not credserver.process_alive(parent):
        raise UsageError(f"--zsh-parent {parent} is not a running process", hint="pass $$")
    session, provider = session_provider(args, ctx, prompt=False)
    server = credserver.CredentialServer(provider, account=session.account)
    env = credserver.container_vars(
        server.url,
        server.token,
        session.profile.name,
        session.account,
        args.region or session.region,
    )
    pid = credserver.detach(server, parent, ctx.clock)
    env["AWSPROMPT_SERVER_PID"] = str(pid)
    write_stdout(formats.format_zsh(env, ctx.settings.prompt_settings()))
    recent.record(ctx.paths, args.profile, ctx.clock.time())
    return 0
