"""`awsprompt demo`: a throw-away sandbox with a local AWS emulation, a demo vault and zsh."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from awsprompt.errors import ConfigError
from awsprompt.shell.formats import sh_quote

MFA_CODE = "123456"
PASSPHRASE = "demo passphrase, not a secret"  # noqa: S105 - the throw-away demo vault's
REGION = "eu-west-1"
USER_ACCOUNT = "123456789012"
MFA_SERIAL = f"arn:aws:iam::{USER_ACCOUNT}:mfa/demo-user"

CONFIG = f"""\
# awsprompt demo: a user with MFA and roles in three accounts.
[profile demo-user]
region = {REGION}
mfa_serial = {MFA_SERIAL}

[profile dev]
role_arn = arn:aws:iam::111111111111:role/developer
source_profile = demo-user
mfa_serial = {MFA_SERIAL}
region = {REGION}

[profile staging]
role_arn = arn:aws:iam::222222222222:role/developer
source_profile = demo-user
mfa_serial = {MFA_SERIAL}
region = eu-central-1

[profile prod]
role_arn = arn:aws:iam::333333333333:role/readonly
source_profile = demo-user
mfa_serial = {MFA_SERIAL}
region = {REGION}

# A chained role: prod's session assumes the break-glass admin role.
[profile prod-admin]
role_arn = arn:aws:iam::333333333333:role/admin
source_profile = prod
region = {REGION}
"""


@dataclass
class Sandbox:
    """A temporary HOME, state folder and emulated AWS endpoint."""

    root: Path
    env: dict[str, str]
    endpoint: str

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `awsprompt ARGS` inside the sandbox."""
        result = subprocess.run(
            [sys.executable, "-m", "awsprompt", *args],
            env=self.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise ConfigError(
                f"demo step `awsprompt {' '.join(args)}` failed: {result.stderr.strip()}"
            )
        return result


def _seed(endpoint: str) -> tuple[str, str]:
    """Create the demo IAM user and its access key in the emulation."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="AKIADEMOSEEDSEEDSEED",
        aws_secret_access_key="demo-seed",  # noqa: S106 - the emulation accepts anything
    )
    iam.create_user(UserName="demo-user")
    key = iam.create_access_key(UserName="demo-user")["AccessKey"]
    with contextlib.suppress(Exception):
        iam.create_account_alias(AccountAlias="demo-corp")
    return key["AccessKeyId"], key["SecretAccessKey"]


@contextlib.contextmanager
def sandbox(environ: Mapping[str, str], now: datetime) -> Iterator[Sandbox]:
    """Build the sandbox from the caller's ENVIRON; tear it all down on exit, whatever happens."""
    from awsprompt.emulation.federation import FederationStub
    from awsprompt.emulation.moto import MotoServer
    from awsprompt.emulation.stsfront import StsFront

    moto = MotoServer(base_env=environ)
    fed = FederationStub(token="demo-signin-token").start()  # noqa: S106 - not a secret
    # moto takes any MFA code; the front refuses all but the demo's, as AWS would.
    sts = StsFront(moto.url, mfa_code=MFA_CODE).start()
    endpoint = moto.url
    root = Path(tempfile.mkdtemp(prefix="awsprompt-demo-"))
    home = root / "home"
    run = root / "run"
    for folder in (home / ".aws", run):
        folder.mkdir(parents=True, mode=0o700)
    keep = ("PATH", "TERM", "LANG", "LC_ALL", "COLORTERM", "USER", "LOGNAME", "SHELL", "COLUMNS")
    env = {k: v for k, v in environ.items() if k in keep}
    env.update(
        {
            "HOME": str(home),
            "ZDOTDIR": str(home),
            "AWSPROMPT_HOME": str(root / "state"),
            "XDG_RUNTIME_DIR": str(run),
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_STS": sts.url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWSPROMPT_FEDERATION_URL": fed.url,
            "AWSPROMPT_COMMAND": f"{sys.executable} -m awsprompt",
            "AWSPROMPT_DEMO": "1",
            "BROWSER": "true",
        }
    )
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    box = Sandbox(root, env, endpoint)
    try:
        (home / ".aws" / "config").write_text(CONFIG)
        _write_zshrc(home)
        key_id, secret = _seed(endpoint)
        box.env["AWSPROMPT_PASSPHRASE"] = PASSPHRASE
        _store_demo_key(box, key_id, secret, now - timedelta(days=120))
        box.run("unlock", "--ttl", "2h")
        del box.env["AWSPROMPT_PASSPHRASE"]
        yield box
    finally:
        with contextlib.suppress(Exception):
            box.run("lock", check=False)
        fed.stop()
        sts.stop()
        moto.stop()
        shutil.rmtree(root, ignore_errors=True)


def _store_demo_key(box: Sandbox, key_id: str, secret: str, when: datetime) -> None:
    """Store the demo key dated WHEN (120 days ago: `list` and `doctor` show a rotation due)."""
    code = (
        "import os, sys\n"
        "from datetime import datetime\n"
        "from awsprompt.context import Context\n"
        "from awsprompt.envvars import Env\n"
        "from awsprompt.secrets.vault import LongTermKey\n"
        "kid, secret, added = sys.stdin.read().split()\n"
        "key = LongTermKey(kid, secret, datetime.fromisoformat(added))\n"
        "Context(Env(os.environ)).vault.put('demo-user', key)\n"
    )
    added = when.astimezone(timezone.utc).isoformat(timespec="seconds")
    subprocess.run(
        [sys.executable, "-c", code],
        input=f"{key_id} {secret} {added}",
        env=box.env,
        text=True,
        check=True,
        capture_output=True,
    )


def plugin_path() -> Path | None:
    """The zsh plugin of this awsprompt (a checkout, an editable install or a wheel)."""
    from awsprompt.shell.plugin import PLUGIN_FILE, plugin_dir

    folder = plugin_dir()
    return folder / PLUGIN_FILE if folder is not None else None


BANNER = f"""
  awsprompt demo: a sandbox with its own HOME, vault and a local AWS emulation.
  Nothing of your real ~/.aws, vault or ~/.zshrc is read or changed.

  The MFA code is {MFA_CODE}. Things to try:
    aws-use <TAB>            complete profile names
    aws-use dev              switch this shell (asks for the MFA code once)
    aws-use staging          no second MFA prompt: the MFA session is shared
    aws-use prod-admin       a chained role; note the production colour
    aws sts get-caller-identity   (if the AWS CLI is installed)
    awsprompt list           profiles, key ages, sessions
    awsprompt login dev --stdout   a console sign-in link
    awsprompt rotate demo-user     rotate the (120-day-old) key
    awsprompt doctor         check the setup
  Leave with `exit`: the emulation stops and the sandbox is deleted.
"""


def _write_zshrc(home: Path) -> None:
    """The sandbox's ~/.zshrc: completion, the plugin, a demo prompt and the banner."""
    plugin = plugin_path()
    if plugin is None:
        return
    (home / ".zshrc").write_text(
        'autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump"\n'
        f"source {sh_quote(str(plugin))}\n"
        "PS1='%F{cyan}demo%f %~ %# '\n"
        f"print -r -- {sh_quote(BANNER)}\n"
    )


def interactive(box: Sandbox) -> int:
    """Run an interactive zsh with the plugin loaded; return its exit status."""
    zsh = shutil.which("zsh")
    if zsh is None or plugin_path() is None:
        raise ConfigError(
            "the interactive demo needs zsh and the awsprompt zsh plugin",
            hint="install zsh, or run `awsprompt demo --script`",
        )
    env = dict(box.env)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    return subprocess.run([zsh, "-i"], env=env, check=False).returncode


@dataclass
class Step:
    """One step of the scripted tour and what it showed."""

    title: str
    command: str
    ok: bool
    output: str


def _identity(box: Sandbox, doc: str) -> str:
    """The caller ARN for credential_process JSON, asked of the emulation."""
    import boto3

    creds = json.loads(doc)
    sts = boto3.client(
        "sts",
        endpoint_url=box.endpoint,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )
    return str(sts.get_caller_identity()["Arn"])


def _cli_step(box: Sandbox, title: str, *args: str, ok_codes: tuple[int, ...] = (0,)) -> Step:
    result = box.run(*args, check=False)
    ok = result.returncode in ok_codes
    text = result.stdout if ok and result.stdout.strip() else result.stderr
    return Step(title, "awsprompt " + " ".join(args), ok, text.rstrip())


def _role_step(box: Sandbox, title: str, *args: str) -> Step:
    result = box.run("exec", *args, "-j", check=False)
    if result.returncode != 0:
        return Step(title, "awsprompt exec " + " ".join(args), False, result.stderr.strip())
    arn = _identity(box, result.stdout)
    return Step(title, f"awsprompt exec {' '.join(args)} -j", True, f"caller: {arn}")


PROMPT_TOUR = r"""
source {plugin}
aws-use dev || exit 1
print -r -- "aws-use dev -> profile: $AWSPROMPT_PROFILE  account: $AWSPROMPT_ACCOUNT"
for left in 3000 600 120 -1; do
  AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + left ))
  _awsprompt_compute
  print -r -- "  prompt ($_awsprompt_state): $_awsprompt_text"
done
aws-use prod || exit 1
_awsprompt_compute
print -r -- "aws-use prod -> prompt ($_awsprompt_state): $_awsprompt_text"
_awsprompt_profile_names
print -r -- "completion: ${{(j: :)reply}}"
aws-use -u
local -a left=()
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_VAULT \
    AWSPROMPT_PROFILE AWSPROMPT_EXPIRES; do
  (( ${{+parameters[$v]}} )) && left+=($v)
done
print -r -- "after aws-use -u: ${{left:-no credential variables left}}"
"""


def _zsh_step(box: Sandbox) -> Step:
    zsh = shutil.which("zsh")
    plugin = plugin_path()
    title = "aws-use in zsh: the prompt and its colour states"
    if zsh is None or plugin is None:
        return Step(title, "aws-use dev; aws-use prod", False, "zsh or the plugin is not installed")
    script = "zmodload zsh/datetime\n" + PROMPT_TOUR.format(plugin=sh_quote(str(plugin)))
    result = subprocess.run(
        [zsh, "-f", "-c", script],
        env=box.env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )
    text = result.stdout if result.returncode == 0 else result.stdout + result.stderr
    return Step(title, "aws-use dev; aws-use prod", result.returncode == 0, text.rstrip())


def _login_step(box: Sandbox) -> Step:
    step = _cli_step(box, "console sign-in link", "login", "dev", "--stdout")
    if step.ok:
        ok = "SigninToken=demo-signin-token" in step.output
        step = Step(step.title, step.command, ok, step.output[:100] + "…")
    return step


def script(box: Sandbox) -> list[Step]:
    """Run the tour non-interactively; MFA codes are passed with --mfa-token."""
    return [
        _cli_step(box, "the vault and profiles (no passphrase needed)", "list"),
        _role_step(box, "role with MFA: one code", "dev", "--mfa-token", MFA_CODE),
        _role_step(box, "another role, same MFA session: no code", "staging", "--no-prompt"),
        _role_step(box, "a chained role", "prod-admin", "--no-prompt"),
        _zsh_step(box),
        _login_step(box),
        _cli_step(
            box, "rotate the 120-day-old key", "rotate", "demo-user", "--mfa-token", MFA_CODE
        ),
        _cli_step(box, "after rotation", "list"),
        _cli_step(box, "doctor", "doctor", ok_codes=(0, 20)),
    ]
