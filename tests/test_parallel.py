"""Parallel callers: one STS flow and one MFA prompt, whatever the number of processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, MotoServer, Sandbox
from credchain import PROCESS_KEYS, mfa_count, setup_chain

pytestmark = pytest.mark.usefixtures("with_passphrase")


def spawn(*args: str) -> subprocess.Popen[str]:
    """Start `python -m awsprompt ARGS` without waiting."""
    return subprocess.Popen(
        [sys.executable, "-m", "awsprompt", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
        cwd=ROOT,
    )


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    """Wait for every process; return (rc, stdout, stderr) each."""
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out, err))
    return results


def test_twenty_parallel_execs_ask_mfa_once(sandbox: Sandbox, moto: MotoServer) -> None:
    """20 concurrent `exec -j B` on an empty cache all succeed; the MFA source runs once."""
    setup_chain(sandbox)
    results = finish([spawn("exec", "-j", "B") for _ in range(20)])
    for rc, _, err in results:
        assert rc == 0, err
    docs = [json.loads(out) for _, out, _ in results]
    assert all(set(d) == PROCESS_KEYS for d in docs)
    assert len({d["AccessKeyId"] for d in docs}) == 1
    assert mfa_count(sandbox) == 1


def test_parallel_execs_of_sibling_roles_share_one_mfa(sandbox: Sandbox, moto: MotoServer) -> None:
    """Concurrent A, B and C (same source) on an empty cache still run the MFA source once."""
    setup_chain(sandbox)
    names = ["A", "B", "C"] * 4
    results = finish([spawn("exec", "-j", name) for name in names])
    keys: dict[str, set[str]] = {}
    for name, (rc, out, err) in zip(names, results, strict=True):
        assert rc == 0, err
        keys.setdefault(name, set()).add(json.loads(out)["AccessKeyId"])
    assert all(len(v) == 1 for v in keys.values())
    assert len(set().union(*keys.values())) == 3
    assert mfa_count(sandbox) == 1
