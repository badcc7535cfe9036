"""The plugin's pure zsh functions, table-driven under `zsh -f` (like zsh-syntax-highlighting).

Each file tests/zsh/<function>/<case>.zsh is one case: its inputs, the call and the
expected values (see tests/zsh/driver.zsh).  The driver sources the whole plugin
under NO_UNSET and WARN_CREATE_GLOBAL, so loading must be clean too, runs the
call, and reports every expected value beside the actual one; stderr must stay
empty and the call may create no stray global.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from zshell import PLUGIN

CASES_DIR = Path(__file__).resolve().parent / "zsh"
DRIVER = CASES_DIR / "driver.zsh"
CASES = sorted(CASES_DIR.glob("*/*.zsh"))
FUNCTIONS = ("apply", "compute", "valid_name", "file_names")


def run_case(case: Path, scratch: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Run CASE in `zsh -f`; return ({key: actual}, {key: expected})."""
    scratch.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch),
        "LC_ALL": "C.UTF-8",
        "ZT_TMP": str(scratch),
    }
    proc = subprocess.run(
        ["zsh", "-f", str(DRIVER), str(PLUGIN), str(case)],
        capture_output=True,
        env=env,
        cwd=scratch,
        timeout=30,
        check=False,
    )
    assert proc.stderr.decode(errors="replace") == "", case.name
    assert proc.returncode == 0, case.name
    fields = proc.stdout.decode().split("\0")
    assert fields.pop() == "", "output not NUL-terminated"
    assert len(fields) % 3 == 0, fields
    actual = {fields[i]: fields[i + 1] for i in range(0, len(fields), 3)}
    expected = {fields[i]: fields[i + 2] for i in range(0, len(fields), 3)}
    return actual, expected


def test_every_function_has_cases() -> None:
    """Each tested function has a folder of cases, and there is no stray folder."""
    assert sorted({c.parent.name for c in CASES}) == sorted(FUNCTIONS)
    for case in CASES:
        first = case.read_text().splitlines()[0]
        assert first.startswith("# ") and first.endswith("."), f"{case}: describe the case"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.stem}")
def test_case(case: Path, tmp_path: Path) -> None:
    """The call gives every expected value (first line of the case file: what it checks)."""
    actual, expected = run_case(case, tmp_path)
    assert "status" in expected or len(expected) > 2, "a case must expect something"
    assert actual == expected


def test_driver_reports_a_wrong_expectation(tmp_path: Path) -> None:
    """A case expecting the wrong value is reported as a difference, not passed."""
    case = tmp_path / "wrong.zsh"
    case.write_text(
        "# Deliberately wrong.\n"
        "AWSPROMPT_PROFILE=dev\n"
        "leak() { _awsprompt_compute; typeset -g zt_leaked=1 }\n"
        "call=(leak)\n"
        "expected=(status 1 _awsprompt_text aws:prod stdout '' nothing here)\n"
    )
    actual, expected = run_case(case, tmp_path / "scratch")
    assert actual["status"] == "0" != expected["status"]
    assert actual["_awsprompt_text"] == "aws:dev"
    assert actual["nothing"] == "(unset)"
    assert actual["stray_globals"] == "zt_leaked"
