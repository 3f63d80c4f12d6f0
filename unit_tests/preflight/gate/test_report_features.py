"""What a person reads from the gate: remediation under each finding, the call chain of a helper-built resource,
SARIF that stays valid 2.1.0, baselines, the Markdown summary and --explain."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from preflight import cli
from unit_tests.preflight.gate.test_gate import REPO_ROOT, run_gate
from unit_tests.preflight.gate_packs import copy_delivery_pack

PROGRAM = REPO_ROOT / "unit_tests" / "preflight" / "programs" / "helper_built_log_groups"
PROGRAM_PATH = PROGRAM.relative_to(REPO_ROOT).as_posix()
SARIF_SCHEMA = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"
RETENTION = "log-group-retention-standard"


def line_in(file: str, text: str) -> int:
    lines = (PROGRAM / file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


CONSTRUCTOR = f"{PROGRAM_PATH}/helper_built_logs.py:{line_in('helper_built_logs.py', 'aws.cloudwatch.LogGroup(')}"
CALLER = f"{PROGRAM_PATH}/helper_built_stack.py:{line_in('helper_built_stack.py', 'worker-logs')}"
ENTRY = f"{PROGRAM_PATH}/__main__.py:{line_in('__main__.py', 'helper_built_stack.build()')}"


def sarif_of(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> dict[str, Any]:
    output = tmp_path / "gate.sarif"
    code, _, err = run_gate(capsys, PROGRAM, "--format", "sarif", "--output", str(output), *extra)
    assert code in (cli.EXIT_OK, cli.EXIT_FINDINGS), err
    document: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    return document


def where(location: dict[str, Any]) -> str:
    physical = location["physicalLocation"]
    return f"{physical['artifactLocation']['uri']}:{physical['region']['startLine']}"


def test_the_table_shows_the_call_chain_and_the_remediation_under_the_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_gate(capsys, PROGRAM)
    assert code == cli.EXIT_FINDINGS
    lines = out.splitlines()
    row = next(index for index, line in enumerate(lines) if "worker-logs" in line)
    # Callers beside the constructor's file are named by file name alone.
    short = [location.rpartition("/")[2] for location in (CALLER, ENTRY)]
    assert lines[row].endswith(f"worker-logs  {CONSTRUCTOR} (called from {short[0]}, {short[1]})")
    assert lines[row + 1].strip() == "retentionInDays is 30, not the standard 7 [finding: retention:30]"
    assert lines[row + 2].strip().startswith("fix: Set retention_in_days to the stack's standard retention")
    assert f"reference: docs/policies.md#{RETENTION} (python -m preflight gate --explain {RETENTION})" in out
    assert "api-logs" not in out


def test_sarif_locates_the_caller_and_relates_the_rest_of_the_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = sarif_of(capsys, tmp_path)["runs"][0]
    [result] = [r for r in run["results"] if r["ruleId"] == RETENTION]
    assert [where(location) for location in result["locations"]] == [CALLER]
    related = [(where(location), location["message"]["text"]) for location in result["relatedLocations"]]
    assert related == [(CONSTRUCTOR, "constructor"), (ENTRY, "called from here")]
    [rule] = [r for r in run["tool"]["driver"]["rules"] if r["id"] == RETENTION]
    assert rule["helpUri"] == f"docs/policies.md#{RETENTION}"
    assert "**Remediation:** Set retention_in_days" in rule["help"]["markdown"]
    assert "Remediation: Set retention_in_days" in rule["help"]["text"]


def test_a_baseline_round_trip_fails_only_on_new_findings_and_lists_vanished_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "gate-baseline.json"
    code, _, err = run_gate(capsys, PROGRAM, "--write-baseline", str(baseline))
    assert code == cli.EXIT_FINDINGS
    assert f"baseline of 1 findings written to {baseline}" in err
    written = json.loads(baseline.read_text(encoding="utf-8"))
    assert [(f["policy"], f["finding"]) for f in written["findings"]] == [(RETENTION, "retention:30")]

    code, out, _ = run_gate(capsys, PROGRAM, "--baseline", str(baseline))
    assert code == cli.EXIT_OK
    assert "0 mandatory, 0 advisory, 0 exempted, 1 baseline" in out
    assert f"  baseline   aws:cloudwatch/logGroup:LogGroup  worker-logs  {CONSTRUCTOR}" in out
    assert out.rstrip().endswith("result: PASS (0 mandatory violations)")

    # A finding the program no longer has stays listed until the baseline drops it; a new one fails the gate.
    stale = {"policy": RETENTION, "urn": "urn:pulumi:dev::gone::aws:cloudwatch/logGroup:LogGroup::old", "finding": ""}
    written["findings"] = [stale]
    baseline.write_text(json.dumps(written), encoding="utf-8")
    code, document = _json(capsys, "--baseline", str(baseline))
    assert code == cli.EXIT_FINDINGS
    assert document["summary"]["vanished"] == [stale]
    assert document["summary"]["baseline"] == 0
    assert [v["status"] for v in document["violations"]] == ["mandatory"]


def _json(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_gate(capsys, PROGRAM, "--format", "json", *extra)
    assert out, err
    return code, json.loads(out)


def test_baseline_results_are_suppressed_in_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "baseline.json"
    run_gate(capsys, PROGRAM, "--write-baseline", str(baseline))
    [result] = sarif_of(capsys, tmp_path, "--baseline", str(baseline))["runs"][0]["results"]
    assert result["baselineState"] == "unchanged"
    assert result["suppressions"][0]["status"] == "accepted"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, " does not exist (write one with --write-baseline)"),
        ("{not json", " is not readable JSON: Expecting property name"),
        ('{"version": 1, "findings": [{"policy": 3}]}', ": findings must be a list of {policy, urn, finding} strings"),
        ('{"findings": []}', ": expected an object with version 1"),
    ],
)
def test_a_bad_baseline_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    baseline = tmp_path / "baseline.json"
    if content is not None:
        baseline.write_text(content, encoding="utf-8")
    code, _, err = run_gate(capsys, PROGRAM, "--baseline", str(baseline))
    assert code == cli.EXIT_ERROR
    assert err.startswith(f"preflight gate: error: baseline file {baseline}{expected}")
    assert len(err.strip().splitlines()) == 1


def test_the_markdown_summary_counts_by_policy_and_lists_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_gate(capsys, PROGRAM, "--format", "markdown")
    assert code == cli.EXIT_FINDINGS
    assert out.startswith("## Policy gate: FAIL")
    assert f"| `{RETENTION}` | low | 1 | 0 | 0 | 0 |" in out
    assert "### Top findings (1 of 1)" in out
    assert f"- **mandatory** `{RETENTION}` aws:cloudwatch/logGroup:LogGroup `worker-logs` at `{CONSTRUCTOR}" in out
    assert "  - fix: Set retention_in_days to the stack's standard retention" in out


def test_the_markdown_summary_separates_new_from_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "baseline.json"
    run_gate(capsys, PROGRAM, "--write-baseline", str(baseline))
    code, out, _ = run_gate(capsys, PROGRAM, "--format", "markdown", "--baseline", str(baseline))
    assert code == cli.EXIT_OK
    assert out.startswith("## Policy gate: PASS")
    assert f"Against the baseline `{baseline}`: 0 new, 1 baseline, 0 no longer found" in out
    assert f"| `{RETENTION}` | low | 0 | 0 | 1 | 0 |" in out
    assert "Top findings" not in out


def test_explain_prints_the_remediation_the_compliant_example_and_the_reference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_gate(capsys, PROGRAM, "--explain", RETENTION)
    assert code == cli.EXIT_OK
    assert out.startswith(f"{RETENTION}  [low, mandatory]")
    assert "Remediation: Set retention_in_days to the stack's standard retention" in out
    assert '    aws.cloudwatch.LogGroup("app-logs", retention_in_days=7, kms_key_id=key.arn)' in out
    assert out.rstrip().endswith(f"Reference: docs/policies.md#{RETENTION}")


def test_explain_of_an_unknown_policy_exits_2_listing_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_gate(capsys, PROGRAM, "--explain", "no-such-policy")
    assert code == cli.EXIT_ERROR
    assert err.startswith("preflight gate: error: --explain: the pack delivery-policies has no policy 'no-such-policy'")
    assert RETENTION in err


def test_the_reference_snippet_is_read_from_the_policy_section_only(tmp_path: Path) -> None:
    from preflight.gate.explain import reference_snippet

    page = tmp_path / "docs" / "policies.md"
    page.parent.mkdir()
    page.write_text("### first\n\nno code here\n\n### second\n\n```python\nsecond()\n```\n", encoding="utf-8")
    assert reference_snippet("docs/policies.md#second", tmp_path) == "second()"
    assert reference_snippet("docs/policies.md#first", tmp_path) == ""
    assert reference_snippet("https://example.invalid/policies#second", tmp_path) == ""
    assert reference_snippet("docs/missing.md#second", tmp_path) == ""


def test_the_pack_reports_the_reference_url_it_is_given(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELIVERY_POLICIES_REFERENCE_URL", "https://docs.example.invalid/policies.html")
    code, out, _ = run_gate(capsys, PROGRAM, "--format", "json")
    assert code == cli.EXIT_FINDINGS
    [violation] = json.loads(out)["violations"]
    assert violation["reference"] == f"https://docs.example.invalid/policies.html#{RETENTION}"


def test_the_summary_is_appended_beside_the_main_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step output\n", encoding="utf-8")
    sarif_of(capsys, tmp_path, "--summary", str(summary))
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step output\n## Policy gate: FAIL")


def test_the_engine_path_reports_the_same_call_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The engine path starts the pack as the CLI does, from its virtualenv: the copy runs on this interpreter instead.
    pack = copy_delivery_pack(tmp_path / "policies")
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.1.0\n", encoding="utf-8")
    arguments = ["engine-gate", "--program", str(PROGRAM), "--stack", "dev", "--pack", str(pack), "--up"]
    assert cli.main([*arguments, "--python", sys.executable, "--format", "json"]) == cli.EXIT_FINDINGS
    [violation] = json.loads(capsys.readouterr().out)["violations"]
    chain = [f"{frame['uri']}:{frame['line']}" for frame in violation["callChain"]]
    assert chain == [CONSTRUCTOR, CALLER, ENTRY]
