"""The actions allowed on Resource "*" are defined twice on purpose, once per side of the boundary: the program's
allow-list (what it may grant, infrastructure/delivery_stack/components/iam.py) and the pack's default
(policies/delivery_policies/iam.py; unit_tests/policies/test_programs.py checks the program's is inside it). Everything
else derives from those (benchmarks/synthetic_stack.py) or is checked against them here (the documentation)."""

from __future__ import annotations

import re
from pathlib import Path

from delivery_policies.iam import DEFAULT_WILDCARD_RESOURCE_ACTIONS

REPO_ROOT = Path(__file__).resolve().parents[2]
PACK_DEFAULT = {entry["action"] for entry in DEFAULT_WILDCARD_RESOURCE_ACTIONS}
# An IAM action in backticks, as the documentation writes them.
DOCUMENTED_ACTION = re.compile(r"`([a-z0-9-]+:[A-Z][A-Za-z]+)`")
ABOUT_THE_ALLOW_LIST = ("wildcardResourceActions", "resource-level permissions")


def _documented_star_actions(text: str) -> set[str]:
    lines = [line for line in text.splitlines() if any(marker in line for marker in ABOUT_THE_ALLOW_LIST)]
    return {action for line in lines for action in DOCUMENTED_ACTION.findall(line)}


def test_the_scan_finds_actions_on_allow_list_lines_only() -> None:
    text = (
        "allowed: `xray:PutTraceSegments` (X-Ray has no resource-level permissions)\n"
        "unrelated: `s3:GetObject` on the bucket\n"
    )
    assert _documented_star_actions(text) == {"xray:PutTraceSegments"}


def test_the_documentation_names_only_actions_the_pack_allows_on_star() -> None:
    documents = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    named = {str(path.relative_to(REPO_ROOT)): _documented_star_actions(path.read_text("utf-8")) for path in documents}
    assert any(named.values()), "no document describes the allow-list any more: update ABOUT_THE_ALLOW_LIST"
    strays = {document: sorted(actions - PACK_DEFAULT) for document, actions in named.items() if actions - PACK_DEFAULT}
    assert strays == {}, f"documented as allowed on Resource '*' but not in the pack's default: {strays}"
