"""docs/seed-failures.md: the earlier attempt's 43 failures, each with what guards it now.

The table is only worth reading if every guard it names exists: these tests resolve each test reference to a test
function, each policy name to a policy of the pack, each Checkov id to the id format, and refuse a row without a guard
or a "partial" without its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLE = REPO_ROOT / "docs" / "seed-failures.md"
SEED_ROWS = 43
_ROW = re.compile(r"^\| (\d+) \|")
_TEST_REFERENCE = re.compile(r"`([\w/]+\.py)::(\w+)`")
_POLICY_REFERENCE = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")
_CHECKOV_ID = re.compile(r"\bCKV2?_[A-Z]+_\d+\b")
_POLICY_NAME = re.compile(r'\bname="([a-z0-9-]+)"')


def _rows() -> list[list[str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if _ROW.match(line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def _pack_policies() -> set[str]:
    names: set[str] = set()
    for module in (REPO_ROOT / "policies" / "delivery_policies").glob("*.py"):
        names.update(_POLICY_NAME.findall(module.read_text(encoding="utf-8")))
    return names


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test")}


def test_every_seed_row_is_listed_once_in_order() -> None:
    rows = _rows()
    assert [int(row[0]) for row in rows] == list(range(1, SEED_ROWS + 1))
    assert all(len(row) == 6 for row in rows), [row[0] for row in rows if len(row) != 6]
    titles = [row[1] for row in rows]
    assert len(set(titles)) == SEED_ROWS


@pytest.mark.parametrize("row", _rows(), ids=lambda row: f"row-{row[0]}")
def test_each_row_names_a_guard_that_exists(row: list[str]) -> None:
    number, _, state, policy_cell, test_cell, checkov_cell = row
    assert state == "fixed" or state.startswith(("fixed:", "partial:")), f"row {number}: state {state!r}"
    if state.startswith("partial"):
        assert len(state.removeprefix("partial:").strip()) >= 10, f"row {number}: partial without its reason"

    policies = _POLICY_REFERENCE.findall(policy_cell)
    unknown = set(policies) - _pack_policies()
    assert not unknown, f"row {number}: no such policy in the pack: {sorted(unknown)}"

    tests = _TEST_REFERENCE.findall(test_cell)
    for path, function in tests:
        assert (REPO_ROOT / path).is_file(), f"row {number}: {path} does not exist"
        assert function in _test_functions(REPO_ROOT / path), f"row {number}: {path} has no {function}"

    checkov = _CHECKOV_ID.findall(checkov_cell)
    assert checkov or checkov_cell.startswith("none"), f"row {number}: Checkov cell {checkov_cell!r}"
    assert policies or tests, f"row {number}: no guard"
