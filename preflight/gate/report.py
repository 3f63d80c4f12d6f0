"""The gate's findings and the report that gathers them, rendered as a table for people and JSON for tools (SARIF
and Markdown live beside it)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("mandatory", "advisory", "baseline", "exempted")


@dataclass(frozen=True)
class Location:
    """A place in the program: a path relative to the repository root, and a line."""

    path: str
    line: int

    def as_json(self) -> dict[str, Any]:
        return {"uri": self.path, "line": self.line}

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Violation:
    """One finding. `location` is the line that constructs the resource; `call_chain` the program's own frames that
    led there, innermost (that constructor line) first."""

    policy: str
    enforcement_level: str
    severity: str
    resource_type: str
    resource_name: str
    urn: str
    message: str
    location: Location | None
    finding: str = ""
    exemption_reason: str | None = None
    call_chain: tuple[Location, ...] = ()
    in_baseline: bool = False

    @property
    def exempted(self) -> bool:
        return self.exemption_reason is not None

    @property
    def status(self) -> str:
        """exempted, baseline (known before, does not fail the gate), else the enforcement level."""
        if self.exempted:
            return "exempted"
        return "baseline" if self.in_baseline else self.enforcement_level

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies a finding across runs (a baseline matches on it): never the line, which moves."""
        return (self.policy, self.urn, self.finding)

    @property
    def callers(self) -> tuple[Location, ...]:
        """The program frames above the constructor line, nearest first."""
        if self.location is None:
            return ()
        return tuple(frame for frame in self.call_chain if frame != self.location)

    @property
    def review_location(self) -> Location | None:
        """The line a reviewer would change: the call that enters the file constructing the resource (a shared
        helper's caller passes the values the helper uses), else the constructor line."""
        if self.location is None:
            return None
        return next((frame for frame in self.callers if frame.path != self.location.path), self.location)

    def where(self) -> str:
        if self.location is None:
            return "-"
        callers = self.callers
        if not callers:
            return str(self.location)
        # A caller beside the constructor's file is named by its file name alone: the line stays readable.
        directory = self.location.path.rpartition("/")[0]
        names = [
            frame.path.removeprefix(f"{directory}/") + f":{frame.line}"
            if directory and frame.path.rpartition("/")[0] == directory
            else str(frame)
            for frame in callers
        ]
        return f"{self.location} (called from {', '.join(names)})"

    def as_json(self, rule: PolicyRule | None = None) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "enforcementLevel": self.enforcement_level,
            "status": self.status,
            "severity": self.severity,
            "resourceType": self.resource_type,
            "resourceName": self.resource_name,
            "urn": self.urn,
            "message": self.message,
            "sourcePosition": self.location.as_json() if self.location else None,
            "callChain": [frame.as_json() for frame in self.call_chain],
            "finding": self.finding,
            "exemption": {"reason": self.exemption_reason} if self.exempted else None,
            "remediation": rule.remediation if rule else "",
            "reference": rule.url if rule else "",
        }


@dataclass(frozen=True)
class PolicyRule:
    """A policy as GetAnalyzerInfo describes it, with the enforcement level the configuration gave it."""

    name: str
    description: str
    enforcement_level: str
    severity: str
    remediation: str
    tags: tuple[str, ...] = ()
    url: str = ""


@dataclass
class GateReport:
    project: str
    stack: str
    preview: bool
    pack_name: str
    pack_version: str
    resources: int
    rules: list[PolicyRule]
    violations: list[Violation]
    stack_file: str = "Pulumi.yaml"
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # Baseline entries (policy, urn, finding) no run finding matched any more: the baseline can drop them.
    vanished: list[tuple[str, str, str]] = field(default_factory=list)
    baseline_file: str = ""
    # What the gate could not analyse (placeholder invokes, unexpanded components): a PASS says nothing about them.
    not_analysed: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for violation in self.violations if violation.status == status)

    @property
    def mandatory(self) -> int:
        return self.count("mandatory")

    @property
    def advisory(self) -> int:
        return self.count("advisory")

    @property
    def exempted(self) -> int:
        return self.count("exempted")

    @property
    def baselined(self) -> int:
        return self.count("baseline")

    @property
    def mode(self) -> str:
        return "preview (unknown values)" if self.preview else "up (known values)"

    def rule(self, name: str) -> PolicyRule | None:
        return next((rule for rule in self.rules if rule.name == name), None)

    def counts_line(self) -> str:
        text = f"{self.mandatory} mandatory, {self.advisory} advisory, {self.exempted} exempted"
        return text + (f", {self.baselined} baseline" if self.baseline_file else "")


def render_json(report: GateReport) -> str:
    rules = {rule.name: rule for rule in report.rules}
    summary: dict[str, Any] = {
        "resources": report.resources,
        "mandatory": report.mandatory,
        "advisory": report.advisory,
        "exempted": report.exempted,
    }
    if report.baseline_file:
        summary["baseline"] = report.baselined
        summary["baselineFile"] = report.baseline_file
        summary["vanished"] = [{"policy": p, "urn": u, "finding": f} for p, u, f in report.vanished]
    document = {
        "summary": summary,
        "violations": [violation.as_json(rules.get(violation.policy)) for violation in report.violations],
        "notAnalysed": report.not_analysed,
    }
    return json.dumps(document, indent=2, sort_keys=True)


def render_table(report: GateReport) -> str:
    lines = [
        f"policy gate: {report.project}/{report.stack}, {report.mode}, pack {report.pack_name} {report.pack_version}",
        f"{len(report.rules)} policies, {report.resources} resources analysed: {report.counts_line()}",
    ]
    lines += [f"warning: {warning}" for warning in report.warnings]
    lines += [f"not analysed: {line}" for line in report.not_analysed]
    by_policy: dict[str, list[Violation]] = defaultdict(list)
    for violation in report.violations:
        by_policy[violation.policy].append(violation)
    rules = {rule.name: rule for rule in report.rules}
    for policy in sorted(by_policy):
        found = by_policy[policy]
        rule = rules.get(policy)
        statuses = [violation.status for violation in found]
        kinds = [kind for kind in STATUSES if kind != "baseline" or kind in statuses]
        counts = ", ".join(f"{statuses.count(kind)} {kind}" for kind in kinds)
        severity = rule.severity if rule and rule.severity else "-"
        lines += ["", f"{policy}  [{severity}]  {counts}"]
        for violation in found:
            lines.append(
                f"  {violation.status:<10} {violation.resource_type or '(stack)'}  {violation.resource_name}  "
                f"{violation.where()}"
            )
            finding = f" [finding: {violation.finding}]" if violation.finding else ""
            lines.append(f"             {violation.message}{finding}")
            if violation.exempted:
                lines.append(f"             exemption: {violation.exemption_reason}")
            elif rule and rule.remediation:
                lines.append(f"             fix: {rule.remediation}")
        if rule and rule.url:
            lines.append(f"  reference: {rule.url} (python -m preflight gate --explain {policy})")
    if report.vanished:
        lines += ["", f"{len(report.vanished)} baseline findings no longer found (the baseline can drop them):"]
        lines += [f"  {policy}  {urn}  [finding: {finding}]" for policy, urn, finding in report.vanished]
    verdict = "FAIL" if report.mandatory else "PASS"
    lines += ["", f"result: {verdict} ({report.mandatory} mandatory violations)"]
    return "\n".join(lines)
