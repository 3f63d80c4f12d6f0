"""Adoption by baseline: the findings a program already had, written once, then reported as "baseline" (they do not
fail the gate) while new ones do. A finding is matched by policy, URN and finding id, never by line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Final

from preflight.gate.report import GateReport

BASELINE_VERSION: Final = 1


class BaselineError(Exception):
    """The baseline file is missing or not a baseline the gate wrote."""


def baseline_document(report: GateReport) -> dict[str, Any]:
    """Every finding of the run that is not exempted (exemptions already say why they stay), sorted for stable diffs."""
    findings = {violation.key: violation.message for violation in report.violations if not violation.exempted}
    return {
        "version": BASELINE_VERSION,
        "project": report.project,
        "stack": report.stack,
        "findings": [
            {"policy": policy, "urn": urn, "finding": finding, "message": findings[(policy, urn, finding)]}
            for policy, urn, finding in sorted(findings)
        ],
    }


def write_baseline(report: GateReport, path: Path) -> int:
    """Write the run's findings to `path`; the number written."""
    document = baseline_document(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return len(document["findings"])


def load_baseline(path: Path) -> set[tuple[str, str, str]]:
    """The (policy, urn, finding) keys a baseline file holds."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline file {path} does not exist (write one with --write-baseline)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline file {path} is not readable JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise BaselineError(f"baseline file {path}: expected an object with version {BASELINE_VERSION}")
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and all(isinstance(entry.get(key), str) for key in ("policy", "urn", "finding"))
        for entry in entries
    ):
        raise BaselineError(f"baseline file {path}: findings must be a list of {{policy, urn, finding}} strings")
    return {(entry["policy"], entry["urn"], entry["finding"]) for entry in entries}


def apply_baseline(report: GateReport, known: set[tuple[str, str, str]], name: str) -> None:
    """Mark the findings `known` holds as baseline, and list the known ones this run no longer found."""
    report.baseline_file = name
    report.violations = [
        dataclasses.replace(violation, in_baseline=True)
        if violation.key in known and not violation.exempted
        else violation
        for violation in report.violations
    ]
    report.vanished = sorted(known - {violation.key for violation in report.violations})
