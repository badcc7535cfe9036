"""Every environment variable awsprompt reads is declared once, and the fast path keys on them."""

from __future__ import annotations

import ast
import os
import types
from pathlib import Path

import pytest
from conftest import MotoServer, Sandbox, app, cli
from credchain import add_keys

from awsprompt.commands.credcmds import get_session
from awsprompt.context import Context
from awsprompt.envvars import DECLARED, FAST_INPUTS, VARS, Env, UndeclaredVariable

PACKAGE = Path(__file__).resolve().parent.parent / "awsprompt"


def test_env_refuses_an_undeclared_variable() -> None:
    """Reading a variable that envvars.VARS does not declare is a programming error."""
    env = Env({"TERM": "xterm", "HOME": "/h"})
    with pytest.raises(UndeclaredVariable):
        env.get("TERM")
    assert env.get("HOME") == "/h"
    assert env.get("AWS_REGION") is None
    assert env.reads == {"HOME", "AWS_REGION"}
    assert env.child(drop=("HOME",)) == {"TERM": "xterm"}  # children still get everything


def test_declarations_are_unique_and_explained() -> None:
    """One line per variable; each is a fast-path input or says why it is not."""
    names = [name for name, _, _ in VARS]
    assert len(names) == len(set(names))
    for name, meaning, why in VARS:
        assert meaning, name
        assert why is True or (isinstance(why, str) and why), name
    assert "AWS_ENDPOINT_URL_STS" in FAST_INPUTS
    assert "AWSPROMPT_PASSPHRASE" not in FAST_INPUTS


def _is_env(expr: ast.expr, env_names: set[str]) -> bool:
    """ctx.env, self.env, ... or a bare name annotated `Env` in the enclosing function."""
    text = ast.unparse(expr)
    return text.endswith(".env") or text in env_names


def _literal_reads() -> set[tuple[str, str]]:
    """(module, NAME) for every env.get("NAME") / env.flag("NAME") / env["NAME"] in the package."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            env_names = {
                a.arg
                for a in func.args.args + func.args.kwonlyargs
                if a.annotation is not None and ast.unparse(a.annotation) == "Env"
            }
            for node in ast.walk(func):
                target = None
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("get", "flag")
                    and _is_env(node.func.value, env_names)
                    and node.args
                ):
                    target = node.args[0]
                elif (
                    isinstance(node, ast.Subscript)
                    and isinstance(node.ctx, ast.Load)
                    and _is_env(node.value, env_names)
                ):
                    target = node.slice
                if isinstance(target, ast.Constant) and isinstance(target.value, str):
                    found.add((path.name, target.value))
    return found


def test_every_variable_read_in_the_source_is_declared() -> None:
    """A static scan: no literal variable name is read that envvars.py does not declare."""
    reads = _literal_reads()
    assert len(reads) > 20  # the scan really finds the reads
    assert {(mod, name) for mod, name in reads if name not in DECLARED} == set()


def test_variable_tables_elsewhere_are_declared() -> None:
    """Names kept in other modules' tables (settings overrides, passphrase sources) are declared."""
    from awsprompt.aws import rotate, signin
    from awsprompt.config import settings
    from awsprompt.secrets import passphrase

    assert set(settings.ENV) <= DECLARED
    assert set(passphrase.ENV_VARS) <= DECLARED
    assert {signin.FEDERATION_URL_ENV, rotate.WAIT_ENV} <= DECLARED


CONFIG = """
[profile base]
region = eu-west-1

[profile A]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = base
"""
# What the full `exec -j A` path may read without it being a fast-path input, and why:
# the passphrase and test KDF only unlock; the agent switch and depth turn the fast path off;
# the lock timeout only bounds waiting; the region picks the STS endpoint, not the session.
NOT_INPUTS_READ_BY_EXEC = {
    "AWSPROMPT_PASSPHRASE",
    "AWS_VAULT_FILE_PASSPHRASE",
    "AWSPROMPT_NO_AGENT",
    "AWSPROMPT_LOCK_TIMEOUT",
    "AWSPROMPT_DEPTH",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "XDG_RUNTIME_DIR",
}


def test_full_exec_path_reads_only_declared_inputs(
    sandbox: Sandbox, moto: MotoServer, with_passphrase: str
) -> None:
    """The planned path of `exec -j A` reads declared variables; those that shape it are inputs."""
    sandbox.write_config(CONFIG)
    add_keys("base", "AKIABASE000000000001", "s" * 40)
    env = Env(os.environ)
    ctx = Context(env, app().ui)
    args = types.SimpleNamespace(
        profile="A", duration=None, region=None, mfa_token=None, no_prompt=True
    )
    session = get_session(args, ctx, fast_mode="json")
    assert session.account == "111111111111"
    assert {"AWS_CONFIG_FILE", "AWS_ENDPOINT_URL", "AWSPROMPT_HOME"} <= env.reads
    assert env.reads - set(FAST_INPUTS) <= NOT_INPUTS_READ_BY_EXEC
    assert cli("exec", "A", "-j").returncode == 0
