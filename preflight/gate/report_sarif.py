"""The gate's report as SARIF 2.1.0 for code scanning: a rule per policy with its remediation as `help`, a result per
finding located on the line a reviewer would change, the rest of the call chain as related locations."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from preflight.gate.report import GateReport, Location, PolicyRule, Violation

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION: Final = "2.1.0"
# GitHub code scanning ranks security results by this number (0-10).
SECURITY_SEVERITY: Final = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "": "5.0"}
SARIF_LEVELS: Final = {"mandatory": "error", "advisory": "warning"}


def _fingerprint(violation: Violation) -> str:
    return hashlib.sha256("|".join(violation.key).encode()).hexdigest()


def _help(rule: PolicyRule) -> dict[str, str]:
    text = rule.description
    markdown = rule.description
    if rule.remediation:
        text += f"\n\nRemediation: {rule.remediation}"
        markdown += f"\n\n**Remediation:** {rule.remediation}"
    if rule.url:
        text += f"\n\nReference: {rule.url}"
        markdown += f"\n\n[Policy reference]({rule.url})"
    return {"text": text, "markdown": markdown}


def _sarif_rule(rule: PolicyRule) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": rule.name,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": rule.description},
        "help": _help(rule),
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


def _physical(location: Location) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": location.path, "uriBaseId": "SRCROOT"},
        "region": {"startLine": location.line},
    }


def _result(violation: Violation, report: GateReport, index: dict[str, int]) -> dict[str, Any]:
    primary = violation.review_location or Location(report.stack_file, 1)
    result: dict[str, Any] = {
        "ruleId": violation.policy,
        "level": SARIF_LEVELS.get(violation.enforcement_level, "note"),
        "message": {"text": f"{violation.resource_type} {violation.resource_name}: {violation.message}".strip()},
        "locations": [
            {
                "physicalLocation": _physical(primary),
                "logicalLocations": [
                    {"name": violation.resource_name, "fullyQualifiedName": violation.urn, "kind": "resource"}
                ],
            }
        ],
        "partialFingerprints": {"preflightGate/v1": _fingerprint(violation)},
        "properties": {"urn": violation.urn, "finding": violation.finding, "severity": violation.severity},
    }
    chain = [frame for frame in (violation.location, *violation.callers) if frame and frame != primary]
    if chain:
        result["relatedLocations"] = [
            {
                "id": position,
                "physicalLocation": _physical(frame),
                "message": {"text": "constructor" if frame == violation.location else "called from here"},
            }
            for position, frame in enumerate(chain, start=1)
        ]
    if violation.policy in index:
        result["ruleIndex"] = index[violation.policy]
    if violation.exempted:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": violation.exemption_reason}
        ]
    elif violation.in_baseline:
        result["baselineState"] = "unchanged"
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f"in the baseline {report.baseline_file}"}
        ]
    elif report.baseline_file:
        result["baselineState"] = "new"
    return result


def render_sarif(report: GateReport) -> str:
    rules = sorted(report.rules, key=lambda rule: rule.name)
    index = {rule.name: position for position, rule in enumerate(rules)}
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
                "results": [_result(violation, report, index) for violation in report.violations],
                "invocations": [
                    {
                        "executionSuccessful": True,
                        # What the gate could not analyse: a clean result says nothing about it.
                        "toolExecutionNotifications": [
                            {"level": "warning", "message": {"text": line}} for line in report.not_analysed
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(document, indent=2)
