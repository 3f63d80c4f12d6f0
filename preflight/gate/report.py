"""The gate's findings and their three renderings: a table for people, JSON for tools, SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION: Final = "2.1.0"
# GitHub code scanning ranks security results by this number (0-10).
SECURITY_SEVERITY: Final = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "": "5.0"}
SARIF_LEVELS: Final = {"mandatory": "error", "advisory": "warning"}


@dataclass(frozen=True)
class Location:
    """Where a resource is constructed: a path relative to the repository root, and a line."""

    path: str
    line: int

    def as_json(self) -> dict[str, Any]:
        return {"uri": self.path, "line": self.line}


@dataclass(frozen=True)
class Violation:
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

    @property
    def exempted(self) -> bool:
        return self.exemption_reason is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "enforcementLevel": self.enforcement_level,
            "severity": self.severity,
            "resourceType": self.resource_type,
            "resourceName": self.resource_name,
            "urn": self.urn,
            "message": self.message,
            "sourcePosition": self.location.as_json() if self.location else None,
            "finding": self.finding,
            "exemption": {"reason": self.exemption_reason} if self.exempted else None,
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

    def count(self, level: str) -> int:
        return sum(
            1 for violation in self.violations if not violation.exempted and violation.enforcement_level == level
        )

    @property
    def mandatory(self) -> int:
        return self.count("mandatory")

    @property
    def advisory(self) -> int:
        return self.count("advisory")

    @property
    def exempted(self) -> int:
        return sum(1 for violation in self.violations if violation.exempted)

    @property
    def mode(self) -> str:
        return "preview (unknown values)" if self.preview else "up (known values)"


def render_json(report: GateReport) -> str:
    document = {
        "summary": {
            "resources": report.resources,
            "mandatory": report.mandatory,
            "advisory": report.advisory,
            "exempted": report.exempted,
        },
        "violations": [violation.as_json() for violation in report.violations],
    }
    return json.dumps(document, indent=2, sort_keys=True)


def _where(violation: Violation) -> str:
    return f"{violation.location.path}:{violation.location.line}" if violation.location else "-"


def _status(violation: Violation) -> str:
    return "exempted" if violation.exempted else violation.enforcement_level


def render_table(report: GateReport) -> str:
    lines = [
        f"policy gate: {report.project}/{report.stack}, {report.mode}, pack {report.pack_name} {report.pack_version}",
        f"{len(report.rules)} policies, {report.resources} resources analysed: {report.mandatory} mandatory, "
        f"{report.advisory} advisory, {report.exempted} exempted",
    ]
    lines += [f"warning: {warning}" for warning in report.warnings]
    by_policy: dict[str, list[Violation]] = defaultdict(list)
    for violation in report.violations:
        by_policy[violation.policy].append(violation)
    rules = {rule.name: rule for rule in report.rules}
    for policy in sorted(by_policy):
        found = by_policy[policy]
        rule = rules.get(policy)
        statuses = [_status(violation) for violation in found]
        counts = ", ".join(f"{statuses.count(kind)} {kind}" for kind in ("mandatory", "advisory", "exempted"))
        severity = rule.severity if rule and rule.severity else "-"
        lines += ["", f"{policy}  [{severity}]  {counts}"]
        for violation in found:
            status = _status(violation)
            lines.append(
                f"  {status:<10} {violation.resource_type or '(stack)'}  {violation.resource_name}  {_where(violation)}"
            )
            finding = f" [finding: {violation.finding}]" if violation.finding else ""
            lines.append(f"             {violation.message}{finding}")
            if violation.exempted:
                lines.append(f"             exemption: {violation.exemption_reason}")
    verdict = "FAIL" if report.mandatory else "PASS"
    lines += ["", f"result: {verdict} ({report.mandatory} mandatory violations)"]
    return "\n".join(lines)


def _fingerprint(violation: Violation) -> str:
    return hashlib.sha256(f"{violation.policy}|{violation.urn}|{violation.finding}".encode()).hexdigest()


def _sarif_rule(rule: PolicyRule) -> dict[str, Any]:
    help_text = f"{rule.description}\n\nRemediation: {rule.remediation}" if rule.remediation else rule.description
    document: dict[str, Any] = {
        "id": rule.name,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": rule.description},
        "help": {"text": help_text, "markdown": help_text.replace("\n\nRemediation:", "\n\n**Remediation:**")},
        "defaultConfiguration": {"level": SARIF_LEVELS.get(rule.enforcement_level, "note")},
        "properties": {
            "tags": ["security", *rule.tags],
            "security-severity": SECURITY_SEVERITY.get(rule.severity, SECURITY_SEVERITY[""]),
            "severity": rule.severity,
            "enforcementLevel": rule.enforcement_level,
        },
    }
    if rule.url:
        document["helpUri"] = rule.url
    return document


def render_sarif(report: GateReport) -> str:
    rules = sorted(report.rules, key=lambda rule: rule.name)
    index = {rule.name: position for position, rule in enumerate(rules)}
    results = []
    for violation in report.violations:
        location = violation.location or Location(report.stack_file, 1)
        result: dict[str, Any] = {
            "ruleId": violation.policy,
            "level": SARIF_LEVELS.get(violation.enforcement_level, "note"),
            "message": {"text": f"{violation.resource_type} {violation.resource_name}: {violation.message}".strip()},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": location.path, "uriBaseId": "SRCROOT"},
                        "region": {"startLine": location.line},
                    },
                    "logicalLocations": [
                        {"name": violation.resource_name, "fullyQualifiedName": violation.urn, "kind": "resource"}
                    ],
                }
            ],
            "partialFingerprints": {"preflightGate/v1": _fingerprint(violation)},
            "properties": {"urn": violation.urn, "finding": violation.finding, "severity": violation.severity},
        }
        if violation.policy in index:
            result["ruleIndex"] = index[violation.policy]
        if violation.exempted:
            result["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": violation.exemption_reason}
            ]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": report.pack_name,
                        "version": report.pack_version,
                        "semanticVersion": report.pack_version,
                        "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                "automationDetails": {"id": f"preflight-gate/{report.project}/{report.stack}/"},
                "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The repository root."}}},
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2)


RENDERERS: Final = {"table": render_table, "json": render_json, "sarif": render_sarif}
