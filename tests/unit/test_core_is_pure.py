"""presenter/core/ is values in, values out: no Tornado, no asyncio, no file or network I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "presenter" / "core"
FORBIDDEN_MODULES = {
    "asyncio",
    "http",
    "os",
    "redis",
    "shutil",
    "socket",
    "sqlite3",
    "subprocess",
    "tempfile",
    "threading",
    "tornado",
    "urllib.request",
}
# Methods of pathlib.Path that touch the file system.
FILE_SYSTEM = {
    "exists",
    "glob",
    "is_dir",
    "is_file",
    "iterdir",
    "mkdir",
    "open",
    "read_bytes",
    "read_text",
    "resolve",
    "rglob",
    "stat",
    "unlink",
    "write_bytes",
    "write_text",
}


@pytest.mark.parametrize("module", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_the_core_does_no_io(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            top = {name, name.split(".")[0]}
            assert not top & FORBIDDEN_MODULES, f"{module.name}:{node.lineno} imports {name}"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id != "open", f"{module.name}:{node.lineno} opens a file"
            elif isinstance(func, ast.Attribute):
                assert func.attr not in FILE_SYSTEM, (
                    f"{module.name}:{node.lineno} calls .{func.attr}() (file system)"
                )
