"""The gate's report as Markdown for a CI job summary: the verdict, counts by policy and severity, new against
baseline, and the top findings with their remediation."""

from __future__ import annotations

from collections import Counter
from typing import Final

from preflight.gate.report import STATUSES, GateReport, Violation

TOP_FINDINGS: Final = 10
_STATUS_ORDER: Final = {status: position for position, status in enumerate(STATUSES)}
_SEVERITY_ORDER: Final = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rank(violation: Violation) -> tuple[int, int, str, str]:
    return (
        _STATUS_ORDER[violation.status],
        _SEVERITY_ORDER.get(violation.severity, 4),
        violation.policy,
        violation.urn,
    )


def render_markdown(report: GateReport, top: int = TOP_FINDINGS) -> str:
    verdict = "FAIL" if report.mandatory else "PASS"
    lines = [
        f"## Policy gate: {verdict}",
        "",
        f"`{report.project}/{report.stack}`, {report.mode}, pack {report.pack_name} {report.pack_version}: "
        f"{report.resources} resources, {report.counts_line()}.",
    ]
    if report.baseline_file:
        new = report.mandatory + report.advisory
        lines.append(
            f"Against the baseline `{report.baseline_file}`: {new} new, {report.baselined} baseline, "
            f"{len(report.vanished)} no longer found (the baseline can drop them)."
        )
    per_policy = Counter((violation.policy, violation.status) for violation in report.violations)
    if per_policy:
        lines += ["", "| policy | severity | " + " | ".join(STATUSES) + " |", "|---|---|" + "---:|" * len(STATUSES)]
        for policy in sorted({policy for policy, _ in per_policy}):
            rule = report.rule(policy)
            counts = " | ".join(str(per_policy[(policy, status)]) for status in STATUSES)
            lines.append(f"| `{policy}` | {rule.severity if rule and rule.severity else '-'} | {counts} |")
    open_findings = sorted((v for v in report.violations if v.status in ("mandatory", "advisory")), key=_rank)
    if open_findings:
        lines += ["", f"### Top findings ({min(top, len(open_findings))} of {len(open_findings)})", ""]
        for violation in open_findings[:top]:
            rule = report.rule(violation.policy)
            lines.append(
                f"- **{violation.status}** `{violation.policy}` {_cell(violation.resource_type or '(stack)')} "
                f"`{_cell(violation.resource_name)}` at `{violation.where()}`: {_cell(violation.message)}"
            )
            if rule and rule.remediation:
                reference = f" ([reference]({rule.url}))" if rule.url else ""
                lines.append(f"  - fix: {_cell(rule.remediation)}{reference}")
    return "\n".join(lines)
