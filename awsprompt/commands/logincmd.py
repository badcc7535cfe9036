"""`login`: open the AWS console signed in as a profile (or print the link with --stdout)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from awsprompt.commands._common import add_session_options, profile_name, write_stdout
from awsprompt.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from awsprompt.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add login."""
    p = sub.add_parser(
        "login",
        help="open the AWS console signed in as a profile",
        description="Open the AWS console signed in as PROFILE in your browser ($BROWSER is"
        " honoured). Role profiles use their role session; IAM-user keys get a federation"
        " token first. The link is a bearer secret: with --stdout it is printed on stdout only.",
    )
    p.add_argument("profile", type=profile_name, help="the profile to sign in as")
    add_session_options(p)
    p.add_argument(
        "--stdout", action="store_true", help="print the sign-in link instead of opening it"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--path", metavar="PATH", help="console path, e.g. ec2/home#Instances:")
    where.add_argument("--service", metavar="NAME", help="console service, e.g. s3 or iam")
    p.set_defaults(func=cmd_login)


def cmd_login(args: argparse.Namespace, ctx: Context) -> int:
    """Get a sign-in token and open (or print) the console link."""
    import webbrowser

    from awsprompt.aws.plan import Options
    from awsprompt.aws.signin import (
        FEDERATION_URL_ENV,
        console_credentials,
        console_destination,
        federation_endpoint,
        get_signin_token,
        login_url,
    )

    profile = ctx.resolver.resolve(args.profile)
    region = args.region or profile.region
    # Check everything the user typed before any AWS call.
    destination = console_destination(region, path=args.path, service=args.service)
    endpoint = federation_endpoint(region, ctx.env.get(FEDERATION_URL_ENV))
    if profile.hops and args.duration is not None and args.duration > 43200:
        raise UsageError("a role's console session lasts at most 12h (--duration 12h)")
    opts = Options(region=args.region, mfa_token=args.mfa_token, prompt=not args.no_prompt)
    creds, session_duration = console_credentials(ctx, profile, opts, args.duration)
    token = get_signin_token(creds, region, session_duration, endpoint)
    url = login_url(token, destination, endpoint)
    if args.stdout:
        write_stdout(url + "\n")
        return 0
    try:
        opened = webbrowser.open(url, new=2)
    except webbrowser.Error:
        opened = False
    if not opened:
        ctx.ui.warn(
            "could not open a web browser; set BROWSER, or run"
            f" `awsprompt login {args.profile} --stdout` and open the link yourself"
            " (it signs you in: do not paste it anywhere else)"
        )
        return int(ExitCode.ERROR)
    ctx.ui.info(f"Opened the AWS console for {args.profile!r} in your browser.")
    return 0
