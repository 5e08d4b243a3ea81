"""The dependency rule of docs/architecture.md, enforced by walking every import.

* ``app.domain`` imports no Qt, no other ``app`` package, no ``server``, and no I/O
  libraries (database drivers, HTTP, keyring).
* Only ``app.ui`` imports Qt.
* ``app.store`` and ``app.sync`` import no Qt and no ``server``; ``app.store`` does not
  talk HTTP and ``app.sync`` does not open the database itself.
* ``server`` imports ``app.domain`` only from the client side.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
IO_LIBRARIES = (
    "sqlite3",
    "sqlcipher3",
    "sqlalchemy",
    "requests",
    "urllib3",
    "httpx",
    "keyring",
    "socket",
    "psycopg",
    "fastapi",
    "starlette",
    "platformdirs",
    "subprocess",
)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


RULES: list[tuple[str, tuple[str, ...]]] = [
    ("app/domain", (*QT, *IO_LIBRARIES, "app.store", "app.sync", "app.ui", "server")),
    ("app/store", (*QT, "app.sync", "app.ui", "server", "requests", "urllib3")),
    ("app/sync", (*QT, "app.ui", "server", "sqlcipher3", "sqlite3")),
    ("server", (*QT, "app.store", "app.sync", "app.ui")),
]


@pytest.mark.parametrize(("package", "forbidden"), RULES, ids=[r[0] for r in RULES])
def test_package_respects_the_dependency_rule(package: str, forbidden: tuple[str, ...]) -> None:
    breaches = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules_under(package)
        for name in sorted(imports_of(path))
        if _starts(name, forbidden)
    ]
    assert breaches == []


def test_only_the_ui_imports_qt() -> None:
    breaches = [
        f"{path.relative_to(ROOT)} imports {name}"
        for top in ("app", "server", "resources")
        for path in modules_under(top)
        if "app/ui" not in path.as_posix() and "app/__main__" not in path.as_posix()
        for name in imports_of(path)
        if _starts(name, QT)
    ]
    assert breaches == []


def test_the_rule_walker_sees_imports() -> None:
    """Guard against a walker that silently finds nothing."""
    assert "pydantic" in imports_of(ROOT / "app/domain/records.py")
    assert len(modules_under("app/domain")) >= 10


def test_the_domain_imports_where_qt_is_not_installed(tmp_path: Path) -> None:
    """``python -c "import app.domain"`` works on a machine without PySide6 (the server's)."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\nfor name in ('PySide6', 'shiboken6'):\n    sys.modules[name] = None\n"
    )
    code = (
        "import importlib, pkgutil, app.domain\n"
        "for m in pkgutil.walk_packages(app.domain.__path__, 'app.domain.'):\n"
        "    importlib.import_module(m.name)\n"
        "import app.domain.flowcharts as f; f.load_flowcharts()\n"
        "try:\n    import PySide6\nexcept ImportError:\n    print('no-qt-ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no-qt-ok"
