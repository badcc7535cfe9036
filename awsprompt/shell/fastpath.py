"""The hot path: `exec -j P` and `export P --format zsh` answered from the cache via the agent.

Resolving a profile into its cache key needs the config parser, the vault index and the
planner. Their answer depends only on the files and the environment variables that
`envvars` marks as inputs, so after a full run we remember "this profile, with these
inputs, is session KEY" in a non-secret memo. The next call checks the memo against the
current inputs, reads the session file and asks the agent to decrypt it: no argparse, no
dataclasses, no boto3, no cryptography. Anything unexpected returns None and the full
path runs instead. Both halves of the memo (writing and reading) live here.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from awsprompt import __version__, fsutil
from awsprompt.envvars import FAST_INPUTS, Env
from awsprompt.paths import Paths

if TYPE_CHECKING:
    from awsprompt.aws.engine import Session
    from awsprompt.clock import Clock
    from awsprompt.context import Context
    from awsprompt.secrets.vault.base import DataCipher

MODES = ("json", "zsh")


def memo_name(mode: str, profile: str) -> str:
    """The memo's file name: MODE-PROFILE, with `/` and `:` of the name percent-encoded."""
    from awsprompt.names import file_part

    return f"{mode}-{file_part(profile)}"


def inputs(env: Env, profile: str, mode: str) -> str:
    """A digest of everything that decides which session serves PROFILE."""
    import hashlib

    paths = Paths(env)
    parts = [__version__, mode, profile, str(os.getuid())]
    for path in (
        paths.aws_config_path(),
        paths.aws_credentials_path(),
        paths.vault_path(),
        paths.keyring_index_path(),
        paths.settings_path(),
    ):
        try:
            st = os.stat(path)
            parts.append(f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append("-")
    parts += [env.get(var) or "" for var in FAST_INPUTS]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


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
    ctx: Context, mode: str, inputs_digest: str, session: Session, alias: str | None = None
) -> None:
    """After a full run: record that the profile with these inputs is SESSION (nothing secret).

    Only sessions served through the agent are remembered: the fast path needs it to decrypt.
    """
    from awsprompt.secrets.vault import FileVault

    vault = ctx.vault
    if not session.key or not isinstance(vault, FileVault) or not vault.uses_agent():
        return
    fields: dict[str, Any] = {
        "inputs": inputs_digest,
        "key": session.key,
        "check": vault.header_check(),
        "min_ttl": ctx.settings.min_ttl,
        "account": session.account,
        "region": session.region,
    }
    if mode == "zsh":
        fields["prompt"] = ctx.settings.prompt_settings()
        fields["alias"] = alias
    folder = fsutil.ensure_private_dir(ctx.paths.fastpath_dir())
    data = json.dumps(fields).encode()
    path = folder / memo_name(mode, session.profile.name)
    try:
        if fsutil.read_private(path) == data:
            return  # unchanged: spare the fsync
    except (OSError, ValueError):
        pass
    fsutil.atomic_write(path, data)


def serve(argv: list[str], env: Env, clock: Clock) -> bytes | None:
    """The command's stdout when the cache and the agent can answer alone, else None."""
    if env.flag("AWSPROMPT_NO_AGENT") or env.get("AWSPROMPT_DEPTH"):
        return None
    parsed = parse(argv)
    if parsed is None:
        return None
    mode, profile = parsed

    def agent_cipher(paths: Paths, check: str) -> DataCipher | None:
        from awsprompt.secrets.agentclient import AgentClient

        return AgentClient(env, paths).cipher_for(check)

    answer = answer_from_cache(env, mode, profile, clock.time(), agent_cipher)
    if answer is None:
        return None
    out, record_use = answer
    with contextlib.suppress(Exception):  # the picker's order is a nicety, never a failure
        record_use()
    return out


def answer_from_cache(
    env: Env,
    mode: str,
    profile: str,
    now: float,
    cipher_for: Callable[[Paths, str], DataCipher | None],
) -> tuple[bytes, Callable[[], None]] | None:
    """(the output of a plain `exec -j` / `export --format zsh` for PROFILE, a function that
    records the use for the picker's order), when the memo still matches ENV's inputs and
    its session has more than the refresh window left; None on any doubt.

    CIPHER_FOR(paths, check) gives the cipher of the key whose check value the memo
    names: the agent's, through its socket (`serve`), or the agent's own key when the
    agent answers zsh directly (its `zsh-export` request).
    """
    paths = Paths(env)
    try:
        memo = json.loads(fsutil.read_private(paths.fastpath_dir() / memo_name(mode, profile)))
        if memo.get("inputs") != inputs(env, profile, mode):
            return None
        from awsprompt.secrets import sessions

        fsutil.check_private(paths.sessions_dir(), is_dir=True)  # else the full path says why
        found = sessions.read_record(paths.sessions_dir() / f"{memo['key']}.json")
        if found is None or found[0].key != memo["key"] or found[0].profile != profile:
            # The record's authenticated metadata must name this profile: a memo pointed
            # at another profile's session (edited, or stale) never serves it.
            return None
        meta, sealed = found
        if meta.expires - now <= float(memo["min_ttl"]):
            return None
        cipher = cipher_for(paths, str(memo["check"]))
        if cipher is None:
            return None
        creds = sessions.open_record(meta, sealed, cipher)
        if creds is None:
            return None
        out = _render(mode, profile, memo, creds)
    except Exception:
        # Any doubt at all: the full path answers (and reports real errors properly).
        return None

    def record_use() -> None:
        if mode == "zsh":
            from awsprompt.shell import recent

            recent.record(paths, profile, now)

    return out, record_use


def _render(mode: str, profile: str, memo: dict[str, Any], creds: Any) -> bytes:
    from awsprompt.shell import formats

    if mode == "json":
        return (formats.process_json(creds) + "\n").encode()
    env = formats.credential_vars(
        creds, profile, str(memo.get("account", "")), memo.get("region"), memo.get("alias")
    )
    return formats.format_zsh(env, memo.get("prompt") or {})
