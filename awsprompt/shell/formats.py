"""Every output format for credentials: env vars, shell exports, JSON, ini, yaml, zsh protocol."""

from __future__ import annotations

import json

from awsprompt.aws.credentials import Credentials

# Set for a profile by exec, export and aws-use; nothing else is ever emitted.
SET_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_VAULT",
    "AWSPROMPT_PROFILE",
    "AWSPROMPT_ACCOUNT",
    "AWSPROMPT_ACCOUNT_ALIAS",
    "AWSPROMPT_EXPIRES",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWSPROMPT_SERVER_PID",
)
# Exported only by `serve` (aws-use --server), never with keys: the endpoint and its pid.
SERVER_VARS = (
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWSPROMPT_SERVER_PID",
)
# The secrets among SET_VARS: the plugin never copies their values into shell variables.
SECRET_VARS = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
)
# Removed because they conflict with the credentials we set.
CONFLICTING_VARS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
    "AWSUME_PROFILE",
    "AWSUME_EXPIRATION",
)
PROMPT_SETTINGS = (
    "_awsprompt_cfg_warn",
    "_awsprompt_cfg_critical",
    "_awsprompt_cfg_prod",
    "_awsprompt_cfg_refresh",
)


def profile_vars(
    profile: str, account: str, region: str | None, alias: str | None = None
) -> dict[str, str]:
    """The non-secret variables naming PROFILE for prompts: region, profile, account."""
    env: dict[str, str] = {}
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    env["AWS_VAULT"] = profile
    env["AWSPROMPT_PROFILE"] = profile
    if account:
        env["AWSPROMPT_ACCOUNT"] = account
    if alias:
        env["AWSPROMPT_ACCOUNT_ALIAS"] = alias
    return env


def credential_vars(
    creds: Credentials,
    profile: str,
    account: str,
    region: str | None,
    alias: str | None = None,
) -> dict[str, str]:
    """The variables a child process or shell gets for PROFILE, in a stable order."""
    env = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
    }
    if creds.session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    expiration = creds.expiration_rfc3339()
    if expiration:
        env["AWS_CREDENTIAL_EXPIRATION"] = expiration
    env.update(profile_vars(profile, account, region, alias))
    if creds.expiration is not None:
        env["AWSPROMPT_EXPIRES"] = str(int(creds.expiration.timestamp()))
    return env


# A region the user set themselves stays when the new profile has none (granted's complaint);
# the zsh plugin removes a region it exported itself for the previous profile.
KEEP_IF_UNSET = ("AWS_REGION", "AWS_DEFAULT_REGION")
# What the user had before the first `aws-use` and gets back from `aws-use -u`: the region
# and profile selections (never a secret, so the plugin may keep a copy in a shell variable).
RESTORED_VARS = (*KEEP_IF_UNSET, "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def vars_to_remove(env: dict[str, str]) -> list[str]:
    """Variables of ours or conflicting ones that ENV does not set (a user's region stays)."""
    return [v for v in (*SET_VARS, *CONFLICTING_VARS) if v not in env and v not in KEEP_IF_UNSET]


def process_json(creds: Credentials) -> str:
    """The credential_process JSON document (Version 1)."""
    doc: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    }
    if creds.session_token:
        doc["SessionToken"] = creds.session_token
    expiration = creds.expiration_rfc3339()
    if expiration:
        doc["Expiration"] = expiration
    return json.dumps(doc)


def sh_quote(value: str) -> str:
    """Single-quote VALUE for sh, bash and zsh."""
    return "'" + value.replace("'", "'\\''") + "'"


def format_env(env: dict[str, str]) -> str:
    """NAME=value lines (dotenv / docker --env-file style; values never contain newlines)."""
    return "".join(f"{k}={v}\n" for k, v in env.items() if "\n" not in v)


def format_export_env(env: dict[str, str]) -> str:
    """`export NAME='value'` and `unset NAME` lines, safe to eval in sh, bash and zsh."""
    lines = [f"export {k}={sh_quote(v)}\n" for k, v in env.items() if k in SET_VARS]
    lines += [f"unset {k}\n" for k in vars_to_remove(env)]
    return "".join(lines)


def format_ini(creds: Credentials, profile: str) -> str:
    """A credentials-file section."""
    out = [
        f"[{profile}]\n",
        f"aws_access_key_id = {creds.access_key_id}\n",
        f"aws_secret_access_key = {creds.secret_access_key}\n",
    ]
    if creds.session_token:
        out.append(f"aws_session_token = {creds.session_token}\n")
    expiration = creds.expiration_rfc3339()
    if expiration:
        out.append(f"# expires {expiration}\n")
    return "".join(out)


def format_yaml(env: dict[str, str]) -> str:
    """A YAML mapping (JSON-quoted scalars are valid YAML, so no yaml import is needed)."""
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in env.items())


def format_zsh(env: dict[str, str], settings: dict[str, str] | None = None) -> bytes:
    """NUL-separated records for the zsh plugin: export/unset/set NAME [VALUE]."""
    out = bytearray()
    for name, value in env.items():
        if name not in SET_VARS or "\0" in value:
            raise ValueError(f"refusing to emit {name}")
        out += b"export\0" + name.encode() + b"\0" + value.encode() + b"\0"
    for name in vars_to_remove(env):
        out += b"unset\0" + name.encode() + b"\0"
    for name, value in (settings or {}).items():
        if name in PROMPT_SETTINGS and "\0" not in value:
            out += b"set\0" + name.encode() + b"\0" + value.encode() + b"\0"
    return bytes(out)
