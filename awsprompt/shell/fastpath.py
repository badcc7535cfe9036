"""The hot path: `exec -j P` and `export P --format zsh` answered from the cache via the agent.

Resolving a profile into its cache key needs the config parser, the vault index and the
planner. Their answer depends only on the files and environment variables in `_inputs()`,
so after a full run we remember "this profile, with these inputs, is session KEY" in a
non-secret memo. The next call checks the memo against the current inputs, reads the
session file and asks the agent to decrypt it: no argparse, no dataclasses, no boto3, no
cryptography. Anything unexpected returns None and the full path runs instead.
"""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import datetime, timezone
from typing import Any

from awsprompt import __version__, fsutil, paths

# Not AWS_REGION: it picks the STS endpoint but changes neither the cache key nor the output,
# and aws-use exports it, so it would defeat the memo on every switch.
ENV_INPUTS = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_MIN_TTL",
    "AWSPROMPT_MIN_TTL",
    "AWSPROMPT_BACKEND",
    # getpass.getuser() reads these for the default role session name
    "LOGNAME",
    "USER",
    "LNAME",
    "USERNAME",
)
MODES = ("json", "zsh")


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def inputs(profile: str, mode: str) -> str:
    """A digest of everything that decides which session serves PROFILE."""
    parts = [__version__, mode, profile, str(os.getuid())]
    state = paths.state_dir()
    for path in (
        paths.aws_config_path(),
        paths.aws_credentials_path(),
        paths.vault_path(),
        state / "keyring-index.json",
        paths.settings_path(),
    ):
        try:
            st = os.stat(path)
            parts.append(f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append("-")
    parts += [os.environ.get(var, "") for var in ENV_INPUTS]
    return _sha256("\0".join(parts).encode())


def _memo_path(profile: str, mode: str) -> Any:
    return paths.state_dir() / "fastpath" / f"{mode}-{profile}"


def parse(argv: list[str]) -> tuple[str, str] | None:
    """(mode, profile) when ARGV is a plain `exec P -j` or `export P --format zsh`."""
    from awsprompt.names import is_valid_profile_name

    words = [w for w in argv if w != "--no-prompt"]
    if len(words) < 3:
        return None
    command, rest = words[0], words[1:]
    if command == "exec" and len(rest) == 2:
        # `exec -j P` (what `import` writes) and `exec P -j`
        names = [w for w in rest if w not in ("-j", "--json")]
        mode = "json" if len(names) == 1 else None
    elif command == "export" and len(rest) == 3:
        names = rest[:1]
        mode = "zsh" if rest[1:] in (["--format", "zsh"], ["-f", "zsh"]) else None
    else:
        return None
    if mode is None or not is_valid_profile_name(names[0]):
        return None
    return mode, names[0]


def remember(
    mode: str, profile: str, inputs: str, key: str, check: str, fields: dict[str, Any]
) -> None:
    """Record that PROFILE with INPUTS is served by session KEY (nothing secret)."""
    folder = fsutil.ensure_private_dir(paths.state_dir() / "fastpath")
    data = json.dumps({"inputs": inputs, "key": key, "check": check, **fields}).encode()
    path = folder / f"{mode}-{profile}"
    try:
        if fsutil.read_private(path) == data:
            return  # unchanged: spare the fsync
    except (OSError, ValueError):
        pass
    fsutil.atomic_write(path, data)


def serve(argv: list[str]) -> bytes | None:
    """The command's stdout when the cache and the agent can answer alone, else None."""
    if os.environ.get("AWSPROMPT_NO_AGENT") == "1" or os.environ.get("AWSPROMPT_DEPTH"):
        return None
    parsed = parse(argv)
    if parsed is None:
        return None
    mode, profile = parsed
    try:
        memo = json.loads(fsutil.read_private(_memo_path(profile, mode)))
        if memo.get("inputs") != inputs(profile, mode):
            return None
        record = json.loads(fsutil.read_private(paths.sessions_dir() / f"{memo['key']}.json"))
        if record.get("key") != memo["key"]:
            return None
        if int(record["expires"]) - time.time() <= float(memo["min_ttl"]):
            return None
        from awsprompt.secrets import agentclient, crypto

        cipher = agentclient.cipher_for(str(memo["check"]))
        if cipher is None:
            return None
        sealed = base64.b64decode(record.pop("sealed"))
        nonce, ct = sealed[: crypto.NONCE_LEN], sealed[crypto.NONCE_LEN :]
        plain = cipher.unseal("session-cache", nonce, ct, crypto.session_aad(record))
        if plain is None:
            return None
        data = json.loads(plain)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    except Exception:
        return None
    return _render(mode, profile, memo, record, data)


def _render(
    mode: str, profile: str, memo: dict[str, Any], record: dict[str, Any], data: dict[str, Any]
) -> bytes:
    from awsprompt.aws.credentials import Credentials
    from awsprompt.shell import formats

    creds = Credentials(
        data["AccessKeyId"],
        data["SecretAccessKey"],
        data.get("SessionToken"),
        datetime.fromtimestamp(int(record["expires"]), timezone.utc),
    )
    if mode == "json":
        return (formats.process_json(creds) + "\n").encode()
    env = formats.credential_vars(
        creds, profile, str(memo.get("account", "")), memo.get("region"), memo.get("alias")
    )
    out = formats.format_zsh(env, memo.get("prompt") or {})
    from awsprompt.shell import recent

    recent.record(profile)
    return out
