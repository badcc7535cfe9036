"""`login`: open the AWS console signed in as a profile (or print the link with --stdout)."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from awsprompt import tty
from awsprompt.commands._common import add_session_options, profile_name, write_stdout
from awsprompt.errors import AwsError, ExitCode, UsageError

if TYPE_CHECKING:
    from awsprompt.aws.credentials import Credentials
    from awsprompt.config.profiles import Profile

DEFAULT_FEDERATION_DURATION = 3600
# arn:aws:iam::123456789012:user/path/NAME -> NAME
_USER_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:user/(?:[^:]*/)?([\w+=,.@-]{1,64})")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add login."""
    p = sub.add_parser(
        "login",
        help="open the AWS console signed in as a profile",
        description="Open the AWS console signed in as PROFILE in your browser ($BROWSER is"
        " honoured). Role profiles use their role session; IAM-user keys get a federation"
        " token first. The link is a bearer secret: with --stdout it is printed on stdout only.",
    )
    p.add_argument("profile", type=profile_name)
    add_session_options(p)
    p.add_argument(
        "--stdout", action="store_true", help="print the sign-in link instead of opening it"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--path", metavar="PATH", help="console path, e.g. ec2/home#Instances:")
    where.add_argument("--service", metavar="NAME", help="console service, e.g. s3 or iam")
    p.set_defaults(func=cmd_login)


def _user_name(creds: Credentials, region: str | None, profile: str) -> str:
    """The IAM user name behind long-term CREDS (caller ARN, else iam:GetUser)."""
    from awsprompt.aws import sts

    where = f"profile {profile!r}"
    ident = sts.call(
        lambda: sts.client("sts", creds, region).get_caller_identity(), "GetCallerIdentity", where
    )
    match = _USER_ARN.fullmatch(str(ident.get("Arn", "")))
    if match:
        return match.group(1)
    try:
        user = sts.call(lambda: sts.client("iam", creds, region).get_user(), "GetUser", where)
        return str(user["User"]["UserName"])
    except (AwsError, KeyError, TypeError):
        # Root keys have no user name; any valid federated name will do.
        return "awsprompt"


def console_credentials(
    profile: Profile, args: argparse.Namespace
) -> tuple[Credentials, int | None]:
    """Temporary credentials for the console and the SessionDuration to ask for (roles only)."""
    from awsprompt.aws.engine import Engine, Options
    from awsprompt.aws.signin import federation_credentials
    from awsprompt.config.settings import load
    from awsprompt.secrets.vault import open_vault

    vault = open_vault()
    engine = Engine(vault, load())
    region = args.region or profile.region
    if profile.hops:
        # The engine's role session (cached when fresh); --duration sets the console session.
        opts = Options(region=args.region, mfa_token=args.mfa_token, prompt=not args.no_prompt)
        return engine.get(profile, opts).credentials, args.duration
    opts = Options(region=args.region, no_session=True, prompt=not args.no_prompt)
    creds = engine.get(profile, opts).credentials
    if creds.is_temporary:
        # A credential_process that already hands out temporary credentials.
        return creds, None
    user = _user_name(creds, region, profile.name)
    duration = args.duration or DEFAULT_FEDERATION_DURATION
    return federation_credentials(creds, user, duration, region=region), None


def cmd_login(args: argparse.Namespace) -> int:
    """Get a sign-in token and open (or print) the console link."""
    import webbrowser

    from awsprompt.aws.signin import (
        console_destination,
        federation_endpoint,
        get_signin_token,
        login_url,
    )
    from awsprompt.config.profiles import AwsFiles, Resolver
    from awsprompt.secrets.vault import open_vault

    profile = Resolver(AwsFiles(), open_vault().index().keys()).resolve(args.profile)
    region = args.region or profile.region
    # Check everything the user typed before any AWS call.
    destination = console_destination(region, path=args.path, service=args.service)
    endpoint = federation_endpoint(region)
    if profile.hops and args.duration is not None and args.duration > 43200:
        raise UsageError("a role's console session lasts at most 12h (--duration 12h)")
    creds, session_duration = console_credentials(profile, args)
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
        tty.warn(
            "could not open a web browser; set BROWSER, or run"
            f" `awsprompt login {args.profile} --stdout` and open the link yourself"
            " (it signs you in: do not paste it anywhere else)"
        )
        return int(ExitCode.ERROR)
    tty.info(f"Opened the AWS console for {args.profile!r} in your browser.")
    return 0
