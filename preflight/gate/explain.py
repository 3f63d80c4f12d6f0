"""`gate --explain POLICY`: how to fix a policy's findings, from what the pack says over the protocol (description,
remediation steps, reference URL) and the compliant snippet of the policy's section on the reference page.

The snippet does not travel over the Analyzer protocol (PolicyInfo has no field for code, and packing it into the
description or tags would show it wherever the Pulumi CLI prints those); the reference page is generated from the same
policy data that holds it, so the gate reads it there, found through the URL the pack reports.
"""

from __future__ import annotations

import re
from pathlib import Path

from preflight.gate.report import GateReport, PolicyRule

_SNIPPET = re.compile(r"```python\n(.*?)\n```", re.DOTALL)


class UnknownPolicyError(Exception):
    """--explain named a policy the pack does not have."""


def reference_snippet(url: str, repo_root: Path) -> str:
    """The first Python snippet in the page section `url` points at (`page#anchor`, the page relative to the
    repository), "" when the page is not in the repository or the section holds none."""
    page, _, anchor = url.partition("#")
    if not anchor or "://" in page:
        return ""
    path = repo_root / page
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8")
    heading = re.search(rf"^#+ {re.escape(anchor)}\s*$", text, re.MULTILINE)
    if heading is None:
        return ""
    section = text[heading.end() :]
    following = re.search(r"^#{1,3} ", section, re.MULTILINE)
    section = section[: following.start()] if following else section
    found = _SNIPPET.search(section)
    return found.group(1) if found else ""


def explain(report: GateReport, policy: str, repo_root: Path) -> str:
    rule = report.rule(policy)
    if rule is None:
        known = ", ".join(sorted(r.name for r in report.rules))
        raise UnknownPolicyError(f"--explain: the pack {report.pack_name} has no policy {policy!r}; it has: {known}")
    return render_explanation(rule, reference_snippet(rule.url, repo_root))


def render_explanation(rule: PolicyRule, snippet: str) -> str:
    lines = [f"{rule.name}  [{rule.severity or '-'}, {rule.enforcement_level}]", rule.description, ""]
    lines += [f"Remediation: {rule.remediation or '(the pack gives none)'}"]
    if snippet:
        lines += ["", "Compliant example:", "", *(f"    {line}" if line else "" for line in snippet.splitlines())]
    lines += ["", f"Reference: {rule.url or '(the pack gives none)'}"]
    return "\n".join(lines)
