"""Checkov's JSON results judged against the one reviewed skip file.

`python -m preflight.plan.checkov_report --skips checkov/skips.yaml RESULTS.json [RESULTS.json ...]`

A plan carries no `#checkov:skip` comments, and `--skip-check` would silence a check for every resource without a
word of why. So every accepted finding lives in the skip file, one entry per decision:

    skips:
      - check: CKV_AWS_338
        resources: ["aws_cloudwatch_log_group.*"]
        reason: The stack's standard log retention is 7 days (policy log-group-retention-standard).

`resources` are shell-style patterns matched against Checkov's resource name (`aws_s3_bucket.audit_logs`) or, for
findings that have no resource (secrets), the scanned file's path. A bare `*` is refused: an entry names what it
covers. Exit 0 when every failed check is skipped, 1 when one is not, 2 when the skip file or a results file is bad.
Entries that matched nothing are reported so stale decisions get removed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from preflight.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

MIN_REASON_LENGTH = 10
CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
FRAMEWORKS = ("terraform_plan", "github_actions", "secrets")
_ENTRY_KEYS = {"check", "resources", "reason", "framework"}


class ReportError(Exception):
    """A skip file or results file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Skip:
    check: str
    resources: tuple[str, ...]
    reason: str
    framework: str | None = None

    def covers(self, finding: Finding) -> bool:
        if finding.check_id != self.check or (self.framework and self.framework != finding.framework):
            return False
        names = [finding.resource, finding.file_path, finding.file_path.lstrip("/")]
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.resources for name in names if name)


@dataclass(frozen=True)
class Finding:
    framework: str
    check_id: str
    check_name: str
    resource: str
    file_path: str
    line: int

    @property
    def location(self) -> str:
        return f"{self.file_path}:{self.line}" if self.line else self.file_path


@dataclass
class Results:
    """Every failed check, and the pass/fail/skip counts per framework."""

    failed: list[Finding] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Verdict:
    unskipped: list[Finding]
    skipped: list[tuple[Finding, Skip]]
    unused: list[Skip]


def _entry_error(path: Path, index: int, message: str) -> ReportError:
    return ReportError(f"{path}: skips[{index}]: {message}")


def _parse_entry(path: Path, index: int, entry: Any) -> Skip:
    if not isinstance(entry, dict):
        raise _entry_error(path, index, f"expected a mapping with {sorted(_ENTRY_KEYS)}, got {type(entry).__name__}")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise _entry_error(path, index, f"unknown keys {sorted(unknown)} (allowed: {sorted(_ENTRY_KEYS)})")
    check = entry.get("check")
    if not isinstance(check, str) or not CHECK_ID.match(check):
        raise _entry_error(path, index, f"`check` must be a Checkov check id such as CKV_AWS_338, got {check!r}")
    resources = entry.get("resources")
    if not isinstance(resources, list) or not resources:
        raise _entry_error(path, index, f"{check}: `resources` must be a non-empty list of resource names or patterns")
    for pattern in resources:
        if not isinstance(pattern, str) or not pattern.strip() or pattern.strip() == "*":
            raise _entry_error(
                path, index, f"{check}: resource {pattern!r} must name resources (a bare `*` covers everything)"
            )
    reason = entry.get("reason")
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
        raise _entry_error(
            path, index, f"{check}: `reason` must say why, in at least {MIN_REASON_LENGTH} characters, got {reason!r}"
        )
    framework = entry.get("framework")
    if framework is not None and framework not in FRAMEWORKS:
        raise _entry_error(path, index, f"{check}: `framework` must be one of {list(FRAMEWORKS)}, got {framework!r}")
    return Skip(check, tuple(pattern.strip() for pattern in resources), reason.strip(), framework)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReportError(f"{path}: cannot be read as YAML: {exc}") from exc


def load_skips(path: Path) -> list[Skip]:
    """The validated entries of the skip file; ReportError names the entry and the rule it breaks."""
    document = _read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("skips", []), list):
        raise ReportError(f"{path}: expected a mapping with a `skips:` list")
    skips = [_parse_entry(path, index, entry) for index, entry in enumerate(document.get("skips") or [])]
    seen: set[tuple[str, str]] = set()
    for index, skip in enumerate(skips):
        for pattern in skip.resources:
            if (skip.check, pattern) in seen:
                raise _entry_error(path, index, f"{skip.check} {pattern!r} is already skipped by an earlier entry")
            seen.add((skip.check, pattern))
    return skips


def load_unchecked_types(path: Path) -> dict[str, str]:
    """The reviewed allow-list of Terraform types no Checkov check evaluates: type -> why that is acceptable.

    A type missing from every check result is either genuinely unchecked or wrongly named by the export (which
    silently skips its checks); the list keeps the first kind written down so the second kind stands out.
    """
    document = _read_yaml(path)
    entries = document.get("unchecked_types") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise ReportError(f"{path}: expected a mapping with an `unchecked_types:` mapping of type -> reason")
    for tf_type, reason in entries.items():
        if not isinstance(tf_type, str) or not re.fullmatch(r"aws_[a-z0-9_]+", tf_type):
            raise ReportError(f"{path}: {tf_type!r} is not a Terraform AWS resource type (aws_...)")
        if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
            raise ReportError(f"{path}: {tf_type}: the reason must have at least {MIN_REASON_LENGTH} characters")
    return {tf_type: reason.strip() for tf_type, reason in entries.items()}


def _finding(framework: str, raw: dict[str, Any]) -> Finding:
    line_range = raw.get("file_line_range") or [0]
    return Finding(
        framework=framework,
        check_id=str(raw.get("check_id", "")),
        check_name=str(raw.get("check_name", "")),
        resource=str(raw.get("resource") or ""),
        file_path=str(raw.get("file_path") or ""),
        line=int(line_range[0]) if line_range and isinstance(line_range[0], int) else 0,
    )


def load_results(paths: Sequence[Path]) -> Results:
    """Failed checks and counts from Checkov `-o json` files (one report, or a list of them for several frameworks)."""
    results = Results()
    for path in paths:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ReportError(f"{path}: cannot be read as Checkov JSON output: {exc}") from exc
        reports = document if isinstance(document, list) else [document]
        for report in reports:
            if not isinstance(report, dict):
                raise ReportError(f"{path}: expected Checkov reports (objects), got {type(report).__name__}")
            # A framework that found nothing to scan reports only an empty summary.
            framework = str(report.get("check_type", "none"))
            summary = report.get("summary") or {}
            counts = results.counts.setdefault(framework, {"passed": 0, "failed": 0, "skipped": 0})
            for key in counts:
                counts[key] += int(summary.get(key, 0))
            for raw in (report.get("results") or {}).get("failed_checks") or []:
                results.failed.append(_finding(framework, raw))
    return results


def judge(failed: Sequence[Finding], skips: Sequence[Skip]) -> Verdict:
    """Split failed checks into skipped (with the entry that covers them) and not skipped; list unused entries."""
    unskipped: list[Finding] = []
    skipped: list[tuple[Finding, Skip]] = []
    used: set[Skip] = set()
    for finding in failed:
        skip = next((entry for entry in skips if entry.covers(finding)), None)
        if skip is None:
            unskipped.append(finding)
        else:
            skipped.append((finding, skip))
            used.add(skip)
    return Verdict(unskipped, skipped, [skip for skip in skips if skip not in used])


def render(verdict: Verdict, results: Results) -> str:
    lines = []
    for framework, counts in sorted(results.counts.items()):
        lines.append(f"{framework}: {counts['passed']} passed, {counts['failed']} failed")
    if verdict.skipped:
        lines.append("")
        lines.append(f"skipped by the reviewed skip file ({len(verdict.skipped)}):")
        for finding, skip in verdict.skipped:
            lines.append(f"  {finding.check_id:<13} {finding.resource or finding.location}  -- {skip.reason}")
    for skip in verdict.unused:
        lines.append(f"unused skip: {skip.check} {list(skip.resources)} matched no failed check; remove it")
    if verdict.unskipped:
        lines.append("")
        lines.append(f"FAILED, not in the skip file ({len(verdict.unskipped)}):")
        for finding in verdict.unskipped:
            lines.append(
                f"  {finding.check_id:<13} {finding.resource or '-'}  {finding.location}  {finding.check_name}"
            )
        lines.append("Fix the program for a real weakness; add a reasoned entry to the skip file only for a decision.")
    else:
        lines.append("")
        lines.append("no failed check outside the skip file")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preflight.plan.checkov_report", description=__doc__.split("\n")[0])
    parser.add_argument("--skips", required=True, type=Path, help="the reviewed skip file (YAML)")
    parser.add_argument("results", nargs="+", type=Path, help="Checkov `-o json` result files")
    args = parser.parse_args(argv)
    try:
        skips = load_skips(args.skips)
        results = load_results(args.results)
    except ReportError as exc:
        print(f"checkov report: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    verdict = judge(results.failed, skips)
    print(render(verdict, results))
    return EXIT_FINDINGS if verdict.unskipped else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
