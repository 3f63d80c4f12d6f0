"""Issue 11's layout rule, held: no module of the four packages grows past 400 lines (one concern per module)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("preflight", "infrastructure", "policies", "functions")
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if not {"venv", ".venv", "node_modules", "build"} & set(path.relative_to(ROOT).parts)
    )


def test_the_packages_have_modules_to_measure() -> None:
    assert len(_modules()) > 50


@pytest.mark.parametrize("module", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_is_over_400_lines(module: Path) -> None:
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module.relative_to(ROOT)} has {lines} lines; split it by concern"
