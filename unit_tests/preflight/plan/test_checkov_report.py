"""The Checkov skip file and report: reviewed reasons enforced, unskipped findings fail, stale skips reported.

These need no Checkov: they feed the report the JSON shapes Checkov 3.3 writes with `-o json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.plan.checkov_report import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    Finding,
    ReportError,
    Skip,
    judge,
    load_results,
    load_skips,
    load_unchecked_types,
    main,
    render,
)
from unit_tests.preflight.dev_stack import REPO_ROOT

SKIP_FILE = REPO_ROOT / "checkov" / "skips.yaml"
UNCHECKED_TYPES = REPO_ROOT / "checkov" / "unchecked_types.yaml"
REASON = "The stack's standard retention is seven days by design."


def _check(check_id: str, resource: str, file_path: str = "/dev-plan.json", line: int = 10) -> dict[str, Any]:
    return {
        "check_id": check_id,
        "check_name": f"name of {check_id}",
        "resource": resource,
        "file_path": file_path,
        "file_line_range": [line, line + 3],
    }


def _report(framework: str, failed: list[dict[str, Any]], passed: int = 3) -> dict[str, Any]:
    return {
        "check_type": framework,
        "results": {"failed_checks": failed},
        "summary": {"passed": passed, "failed": len(failed), "skipped": 0},
    }


def _write(path: Path, content: Any) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_the_repository_skip_file_is_valid_and_every_entry_has_a_reason() -> None:
    skips = load_skips(SKIP_FILE)
    assert skips
    assert all(len(skip.reason) >= 10 for skip in skips)
    assert any(skip.check == "CKV_AWS_338" for skip in skips)


def test_the_repository_allow_list_of_unchecked_types_is_valid() -> None:
    unchecked = load_unchecked_types(UNCHECKED_TYPES)
    assert unchecked
    assert all(tf_type.startswith("aws_") and len(reason) >= 10 for tf_type, reason in unchecked.items())


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("just a string", "expected a mapping"),
        ({"check": "CKV_AWS_338", "resources": ["a.b"], "reason": REASON, "until": "2030"}, "unknown keys"),
        ({"check": "not-a-check", "resources": ["a.b"], "reason": REASON}, "Checkov check id"),
        ({"check": "CKV_AWS_338", "resources": [], "reason": REASON}, "non-empty list"),
        ({"check": "CKV_AWS_338", "resources": "a.b", "reason": REASON}, "non-empty list"),
        ({"check": "CKV_AWS_338", "resources": ["*"], "reason": REASON}, "bare `*`"),
        ({"check": "CKV_AWS_338", "resources": [""], "reason": REASON}, "must name resources"),
        ({"check": "CKV_AWS_338", "resources": ["a.b"]}, "at least 10 characters"),
        ({"check": "CKV_AWS_338", "resources": ["a.b"], "reason": "too short"}, "at least 10 characters"),
        ({"check": "CKV_AWS_338", "resources": ["a.b"], "reason": REASON, "framework": "cdk"}, "`framework`"),
    ],
)
def test_a_bad_skip_entry_is_refused_with_a_clear_message(tmp_path: Path, entry: Any, message: str) -> None:
    path = _write(tmp_path / "skips.yaml", json.dumps({"skips": [entry]}))
    with pytest.raises(ReportError, match=message) as raised:
        load_skips(path)
    assert str(path) in str(raised.value)
    assert "skips[0]" in str(raised.value)


def test_a_duplicate_skip_is_refused(tmp_path: Path) -> None:
    entry = {"check": "CKV_AWS_338", "resources": ["aws_cloudwatch_log_group.*"], "reason": REASON}
    path = _write(tmp_path / "skips.yaml", json.dumps({"skips": [entry, entry]}))
    with pytest.raises(ReportError, match=r"skips\[1\].*already skipped"):
        load_skips(path)


@pytest.mark.parametrize("content", ["skips: [unclosed", "- just\n- a list\n", "skips: 3\n"])
def test_an_unreadable_skip_file_is_refused(tmp_path: Path, content: str) -> None:
    with pytest.raises(ReportError, match="skips"):
        load_skips(_write(tmp_path / "skips.yaml", content))


def test_an_empty_skip_file_skips_nothing(tmp_path: Path) -> None:
    assert load_skips(_write(tmp_path / "skips.yaml", "skips: []\n")) == []
    with pytest.raises(ReportError, match="cannot be read"):
        load_skips(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("unchecked_types: [aws_kms_alias]\n", "mapping"),
        ("unchecked_types:\n  KmsAlias: Checkov has no alias check at all.\n", "not a Terraform AWS resource type"),
        ("unchecked_types:\n  aws_kms_alias: short\n", "at least 10 characters"),
        ("unchecked_types: {aws_kms_alias: [1, 2]}\n", "at least 10 characters"),
        ("{unclosed", "cannot be read"),
    ],
)
def test_a_bad_allow_list_is_refused(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        load_unchecked_types(_write(tmp_path / "unchecked.yaml", content))


def test_results_from_one_report_a_list_of_reports_and_an_empty_framework(tmp_path: Path) -> None:
    single = _write(tmp_path / "plan.json", _report("terraform_plan", [_check("CKV_AWS_338", "aws_x.a")]))
    several = _write(
        tmp_path / "several.json",
        [
            _report("github_actions", [_check("CKV_GHA_2", "jobs(build).steps[1]", "/deploy.yml")]),
            {"check_type": "secrets", "summary": {"passed": 0, "failed": 0, "skipped": 0}},
        ],
    )
    empty = _write(tmp_path / "empty.json", {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0})
    results = load_results([single, several, empty])
    assert [(f.framework, f.check_id, f.line) for f in results.failed] == [
        ("terraform_plan", "CKV_AWS_338", 10),
        ("github_actions", "CKV_GHA_2", 10),
    ]
    assert results.counts["terraform_plan"] == {"passed": 3, "failed": 1, "skipped": 0}
    assert results.counts["secrets"]["failed"] == 0
    assert "none" in results.counts


@pytest.mark.parametrize("content", ["not json", "[1, 2]"])
def test_unreadable_results_are_refused(tmp_path: Path, content: str) -> None:
    with pytest.raises(ReportError, match=r"results\.json"):
        load_results([_write(tmp_path / "results.json", content)])


def _finding(check_id: str, resource: str, framework: str = "terraform_plan", path: str = "/dev-plan.json") -> Finding:
    return Finding(framework, check_id, "name", resource, path, 4)


def test_judge_splits_skipped_from_unskipped_and_lists_unused_entries() -> None:
    retention = Skip("CKV_AWS_338", ("aws_cloudwatch_log_group.*",), REASON, "terraform_plan")
    stale = Skip("CKV_AWS_18", ("aws_s3_bucket.gone",), REASON)
    wire_constant = Skip("CKV_SECRET_6", ("preflight/capture.py",), REASON, "secrets")
    findings = [
        _finding("CKV_AWS_338", "aws_cloudwatch_log_group.pipeline-use1-logs"),
        _finding("CKV_AWS_338", "aws_cloudwatch_log_group.api-use1-access-logs"),
        _finding("CKV_AWS_18", "aws_s3_bucket.audit"),  # not the skipped bucket
        _finding("CKV_AWS_338", "aws_cloudwatch_log_group.x", framework="secrets"),  # wrong framework
        _finding("CKV_SECRET_6", "fc416d13", framework="secrets", path="/preflight/capture.py"),
    ]
    verdict = judge(findings, [retention, stale, wire_constant])
    assert [(f.check_id, f.resource) for f, _ in verdict.skipped] == [
        ("CKV_AWS_338", "aws_cloudwatch_log_group.pipeline-use1-logs"),
        ("CKV_AWS_338", "aws_cloudwatch_log_group.api-use1-access-logs"),
        ("CKV_SECRET_6", "fc416d13"),
    ]
    assert [(f.check_id, f.resource) for f in verdict.unskipped] == [
        ("CKV_AWS_18", "aws_s3_bucket.audit"),
        ("CKV_AWS_338", "aws_cloudwatch_log_group.x"),
    ]
    assert verdict.unused == [stale]


def test_render_names_each_unskipped_finding_and_each_reason(tmp_path: Path) -> None:
    results = load_results([_write(tmp_path / "r.json", _report("terraform_plan", [_check("CKV_AWS_50", "aws_x.f")]))])
    skip = Skip("CKV_AWS_338", ("aws_cloudwatch_log_group.*",), REASON)
    verdict = judge([*results.failed, _finding("CKV_AWS_338", "aws_cloudwatch_log_group.l")], [skip])
    text = render(verdict, results)
    assert "terraform_plan: 3 passed, 1 failed" in text
    assert "CKV_AWS_50" in text
    assert "aws_x.f" in text
    assert "/dev-plan.json:10" in text
    assert REASON in text
    clean = render(judge([], [skip]), results)
    assert "no failed check outside the skip file" in clean
    assert "unused skip: CKV_AWS_338" in clean


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    skips = _write(
        tmp_path / "skips.yaml",
        json.dumps(
            {"skips": [{"check": "CKV_AWS_338", "resources": ["aws_cloudwatch_log_group.*"], "reason": REASON}]}
        ),
    )
    covered = _write(
        tmp_path / "covered.json", _report("terraform_plan", [_check("CKV_AWS_338", "aws_cloudwatch_log_group.l")])
    )
    uncovered = _write(tmp_path / "uncovered.json", _report("terraform_plan", [_check("CKV_AWS_50", "aws_x.f")]))
    assert main(["--skips", str(skips), str(covered)]) == EXIT_OK
    assert main(["--skips", str(skips), str(covered), str(uncovered)]) == EXIT_FINDINGS
    assert "CKV_AWS_50" in capsys.readouterr().out
    bad = _write(tmp_path / "bad.yaml", json.dumps({"skips": [{"check": "CKV_AWS_338", "resources": ["a"]}]}))
    assert main(["--skips", str(bad), str(covered)]) == EXIT_ERROR
    assert "reason" in capsys.readouterr().err
