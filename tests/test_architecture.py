"""The shape of the package: layers, imports and what the core may touch (read from the source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "awsprompt"
# The CLI layer: parses arguments, talks to the terminal, prints, maps errors to exit codes.
CLI_LAYER = ("awsprompt.cli", "awsprompt.__main__", "awsprompt.commands")
# Only the clock reads the time; only the CLI layer reads the process environment or terminal.
CLOCK = "awsprompt.clock"


def module_name(path: Path) -> str:
    """awsprompt/secrets/vault/base.py -> awsprompt.secrets.vault.base."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def in_cli_layer(name: str) -> bool:
    """True for cli.py, __main__.py and everything under commands/."""
    return any(name == m or name.startswith(m + ".") for m in CLI_LAYER)


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (which never run)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return [n for n in ast.walk(tree) if id(n) not in skip]


def imports_of(name: str) -> set[str]:
    """The awsprompt modules NAME imports at run time (module level and inside functions)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            known = target
            while known and known not in MODULES:
                known = known.rpartition(".")[0]
            if known and known != name:
                found.add(known)
    return found


def test_every_module_is_seen() -> None:
    """The walk below covers the whole package (a sanity check of the walker itself)."""
    assert "awsprompt.context" in MODULES
    assert "awsprompt.secrets.vault.filevault" in MODULES
    assert "awsprompt.errors" in imports_of("awsprompt.names")


def test_import_graph_has_no_cycle() -> None:
    """No module reaches itself through imports, lazy ones included (TYPE_CHECKING aside)."""
    graph = {name: imports_of(name) for name in MODULES}
    # A module importing its own package's __init__ (or a parent package) is not a cycle.
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*trail[trail.index(dep) :], dep] if dep in trail else [node, dep])
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_core_never_imports_the_cli() -> None:
    """Nothing outside the CLI layer imports cli.py or commands/ (the layers point one way)."""
    offenders = {
        name: sorted(d for d in imports_of(name) if in_cli_layer(d))
        for name in MODULES
        if not in_cli_layer(name)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


FORBIDDEN_IMPORTS = ("argparse", "rich", "termios", "getpass", "tty")


def _violations(name: str) -> list[str]:
    tree = ast.parse(MODULES[name].read_text())
    found = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for mod in mods:
                if mod and mod.split(".")[0] in FORBIDDEN_IMPORTS:
                    found.append(f"imports {mod}")
        if isinstance(node, ast.Attribute):
            text = ast.unparse(node)
            if text in ("os.environ", "sys.stdin", "os.getenv", "os.putenv"):
                found.append(f"reads {text}")
            if name != CLOCK and text in (
                "time.time",
                "time.monotonic",
                "time.sleep",
                "datetime.now",
                "datetime.utcnow",
            ):
                found.append(f"uses {text}")
        if isinstance(node, ast.Constant) and node.value == "/dev/tty":
            found.append("opens /dev/tty")
    return found


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not in_cli_layer(n)))
def test_the_core_touches_no_environment_terminal_or_clock(name: str) -> None:
    """Core modules get the environment, a UI and a clock from the Context, never directly."""
    assert _violations(name) == []


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    """The checks above really fire (a module that reads os.environ is reported)."""
    bad = PACKAGE / "_architecture_probe.py"
    bad.write_text("import os\nimport time\nX = os.environ.get('HOME')\nY = time.time()\n")
    try:
        MODULES["awsprompt._architecture_probe"] = bad
        assert sorted(_violations("awsprompt._architecture_probe")) == [
            "reads os.environ",
            "uses time.time",
        ]
    finally:
        MODULES.pop("awsprompt._architecture_probe", None)
        bad.unlink()
