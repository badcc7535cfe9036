"""`unlock`, `lock`, `status` and `config`: the agent and the settings."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from awsprompt.commands._common import write_stdout
from awsprompt.durations import format_left, parse_duration
from awsprompt.errors import AwspromptError, NotInVault, UsageError

if TYPE_CHECKING:
    from awsprompt.context import Context


def _ttl(value: str) -> int:
    try:
        seconds = parse_duration(value, "--ttl")
    except AwspromptError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    if not 60 <= seconds <= 7 * 86400:
        raise argparse.ArgumentTypeError(f"{value!r} is outside 1m..7d")
    return seconds


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add unlock, lock, status and config."""
    p = sub.add_parser("unlock", help="unlock the vault once; an agent keeps the key in memory")
    p.add_argument("--ttl", type=_ttl, metavar="D", help="forget the key after D (default 12h)")
    p.add_argument("--idle", type=_ttl, metavar="D", help="or after D unused (default 1h)")
    p.set_defaults(func=cmd_unlock)
    p = sub.add_parser("lock", help="wipe the key from the agent and stop it")
    p.set_defaults(func=cmd_lock)
    p = sub.add_parser("status", help="is the vault unlocked, and for how long")
    p.add_argument("--json", action="store_true", help="print the state as a JSON object")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("config", help="print the effective settings and where each came from")
    p.add_argument("--json", action="store_true", help="print a JSON object (durations in seconds)")
    p.set_defaults(func=cmd_config)


def offer_agent(ctx: Context, data_key: bytes, typed: str) -> None:
    """After a typed passphrase, offer to keep the key in the agent (settings: agent.offer).

    Installed by the CLI as the context's unlock hook; the core never asks by itself.
    """
    from awsprompt.secrets import passphrase

    if passphrase.from_environment(ctx) is not None:
        return
    conf = ctx.settings
    if conf.keyring_passphrase and passphrase.from_keyring(ctx) != typed:
        from awsprompt.secrets.keychain import store_passphrase

        store_passphrase(typed)
        ctx.ui.info("Stored the vault passphrase in the OS keychain (keyring_passphrase: true).")
        return
    if ctx.env.flag("AWSPROMPT_NO_AGENT") or conf.keyring_passphrase:
        return
    if not conf.agent_offer or not ctx.ui.has_terminal() or ctx.agent.status() is not None:
        return
    question = (
        "Keep the vault unlocked in the background (forgets after"
        f" {format_left(conf.agent_idle_ttl)} idle, {format_left(conf.agent_max_ttl)} at most)?"
    )
    if ctx.ui.confirm(question):
        ctx.agent.start(data_key, conf.agent_idle_ttl, conf.agent_max_ttl)


def cmd_unlock(args: argparse.Namespace, ctx: Context) -> int:
    """Derive the key from the passphrase and hand it to a new agent."""
    from awsprompt.secrets.vault.filevault import FileVault

    conf = ctx.settings
    if conf.backend != "file":
        raise UsageError("the keyring backend is unlocked by the OS keychain, not by awsprompt")
    ctx.unlock_hook = None  # no offer: this command starts the agent itself
    vault = FileVault(ctx, agent=lambda _check: None)
    if not vault.exists():
        raise NotInVault("there is no vault to unlock yet", hint="add keys with `awsprompt add`")
    vault.cipher()
    key = vault.unlocked_data_key()
    assert key is not None
    absolute = args.ttl or conf.agent_max_ttl
    idle = min(args.idle or conf.agent_idle_ttl, absolute)
    ctx.agent.start(key, idle, absolute)
    ctx.ui.info(
        f"Vault unlocked for {format_left(absolute)} (or until {format_left(idle)} unused);"
        " `awsprompt lock` locks it now."
    )
    return 0


def cmd_lock(args: argparse.Namespace, ctx: Context) -> int:
    """Stop the agent."""
    if ctx.agent.stop():
        ctx.ui.info("Vault locked: the agent wiped its key and stopped.")
    else:
        ctx.ui.info("The vault was already locked (no agent running).")
    return 0


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    """Locked or unlocked, and for how long."""
    vault = ctx.vault
    info = ctx.agent.status()
    from awsprompt.secrets.vault.filevault import FileVault

    check = vault.header_check() if isinstance(vault, FileVault) else ""
    unlocked = bool(info and info.get("check") == check)
    left = min(info["idle_left"], info["abs_left"]) if info and unlocked else 0
    state = {
        "vault": str(ctx.paths.vault_path()),
        "exists": vault.exists(),
        "keys": len(vault.index()),
        "unlocked": unlocked,
        "seconds_left": int(left),
        "idle_seconds_left": int(info["idle_left"]) if info and unlocked else 0,
        "agent_socket": str(ctx.agent.socket_path()) if info else None,
    }
    if args.json:
        write_stdout(json.dumps(state, indent=2) + "\n")
        return 0
    if not state["exists"]:
        write_stdout(f"No vault yet ({state['vault']}).\n")
    elif unlocked and info is not None:
        write_stdout(
            f"Unlocked: locks in {format_left(info['abs_left'])}, or after"
            f" {format_left(float(info['idle_left']))} unused;"
            f" {state['keys']} keys in {state['vault']}\n"
        )
    else:
        write_stdout(f"Locked; {state['keys']} keys in {state['vault']}\n")
    return 0


def cmd_config(args: argparse.Namespace, ctx: Context) -> int:
    """Print effective settings."""
    from awsprompt.config import settings

    rows = settings.effective(ctx.settings)
    if args.json:
        data = {key: {"value": value, "source": source} for key, value, source in rows}
        write_stdout(json.dumps(data, indent=2) + "\n")
        return 0
    width = max(len(k) for k, _, _ in rows)
    for key, value, source in rows:
        shown = settings.display(key, value)
        text = shown if isinstance(shown, str) else json.dumps(shown)
        write_stdout(f"{key:<{width}}  {text:<12}  ({source})\n")
    return 0
