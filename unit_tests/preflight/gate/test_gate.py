"""`python -m preflight gate`: exit codes, the three formats, SARIF locations, configuration, exemptions, and errors."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from preflight import cli
from unit_tests.preflight.engine_programs import write_program
from unit_tests.preflight.gate_packs import (
    CHATTY_PACK,
    CRASHING_PACK,
    DUTIES_PACK,
    POLICY_FILE,
    copy_delivery_pack,
    write_pack,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
PACK = REPO_ROOT / "policies"
PROGRAMS = REPO_ROOT / "unit_tests" / "policies" / "programs"
SARIF_SCHEMA = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"
REASON = "reviewed in PR 12, this bucket only holds public release notes"


# The repository's pack declares ./venv, which a checkout does not have: the gate says so on every run.
PACK_VIRTUALENV_WARNING = re.compile(r"^preflight gate: warning: policy pack .*'virtualenv' option.*\n", re.MULTILINE)


def run_gate(capsys: pytest.CaptureFixture[str], program: Path, *extra: str, pack: Path = PACK) -> tuple[int, str, str]:
    """The gate in the update phase (`pulumi up`'s known values) unless `extra` asks for --preview; stderr without
    the missing-virtualenv warning about the pack."""
    mode = [] if "--preview" in extra else ["--up"]
    code = cli.main(["gate", "--program", str(program), "--stack", "dev", "--pack", str(pack), *mode, *extra])
    captured = capsys.readouterr()
    return code, captured.out, PACK_VIRTUALENV_WARNING.sub("", captured.err)


def gate_json(
    capsys: pytest.CaptureFixture[str], program: Path, *extra: str, pack: Path = PACK
) -> tuple[int, dict[str, Any]]:
    code, out, err = run_gate(capsys, program, "--format", "json", *extra, pack=pack)
    assert out, err
    return code, json.loads(out)


def line_of(program: Path, text: str) -> int:
    lines = (program / "__main__.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_compliant_program_exits_0_with_a_passing_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_gate(capsys, PROGRAMS / "compliant")
    assert code == cli.EXIT_OK
    assert out.startswith("policy gate: compliant/dev, up (known values), pack delivery-policies 0.1.0")
    # 14 of the program's resources and the root stack, which the engine analyses too.
    assert "26 policies, 15 resources analysed: 0 mandatory, 0 advisory, 0 exempted" in out
    assert out.rstrip().endswith("result: PASS (0 mandatory violations)")


def test_table_groups_violations_by_policy_with_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_gate(capsys, PROGRAMS / "aes256_bucket")
    assert code == cli.EXIT_FINDINGS
    assert "s3-bucket-kms-encryption  [high]  1 mandatory, 0 advisory, 0 exempted" in out
    assert "s3-bucket-public-access-block  [high]  1 mandatory, 0 advisory, 0 exempted" in out
    sse_line = line_of(PROGRAMS / "aes256_bucket", "BucketServerSideEncryptionConfiguration(")
    assert f"logs-bucket-sse  unit_tests/policies/programs/aes256_bucket/__main__.py:{sse_line}" in out
    assert "[finding: algorithm:AES256]" in out
    assert out.rstrip().endswith("result: FAIL (2 mandatory violations)")


def test_json_has_the_summary_and_one_record_per_violation(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = gate_json(capsys, PROGRAMS / "thirty_day_retention")
    assert code == cli.EXIT_FINDINGS
    assert report["summary"] == {"resources": 4, "mandatory": 1, "advisory": 0, "exempted": 0}
    [violation] = report["violations"]
    constructor = line_of(PROGRAMS / "thirty_day_retention", "aws.cloudwatch.LogGroup(")
    assert violation.pop("remediation").startswith("Set retention_in_days to the stack's standard retention")
    assert violation == {
        "policy": "log-group-retention-standard",
        "enforcementLevel": "mandatory",
        "status": "mandatory",
        "severity": "low",
        "resourceType": "aws:cloudwatch/logGroup:LogGroup",
        "resourceName": "function-logs",
        "urn": "urn:pulumi:dev::thirty_day_retention::aws:cloudwatch/logGroup:LogGroup::function-logs",
        "message": "retentionInDays is 30, not the standard 7",
        "sourcePosition": {
            "uri": "unit_tests/policies/programs/thirty_day_retention/__main__.py",
            "line": constructor,
        },
        "callChain": [{"uri": "unit_tests/policies/programs/thirty_day_retention/__main__.py", "line": constructor}],
        "finding": "retention:30",
        "exemption": None,
        "reference": "docs/policies.md#log-group-retention-standard",
    }


def test_sarif_points_at_the_line_that_constructs_the_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "reports" / "gate.sarif"
    code, out, _ = run_gate(capsys, PROGRAMS / "wildcard_source_arn", "--format", "sarif", "--output", str(output))
    assert code == cli.EXIT_FINDINGS
    assert f"sarif report written to {output}" in out
    sarif = json.loads(output.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    [run] = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "delivery-policies"
    assert len(rules) == 26
    for rule in rules:
        assert rule["help"]["text"].startswith(rule["fullDescription"]["text"])
        assert "Remediation:" in rule["help"]["text"]
        assert float(rule["properties"]["security-severity"]) > 0
    permission = next(r for r in run["results"] if r["ruleId"] == "lambda-permission-scoped-source-arn")
    assert permission["level"] == "error"
    assert rules[permission["ruleIndex"]]["id"] == "lambda-permission-scoped-source-arn"
    location = permission["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "unit_tests/policies/programs/wildcard_source_arn/__main__.py",
        "uriBaseId": "SRCROOT",
    }
    assert location["region"]["startLine"] == line_of(PROGRAMS / "wildcard_source_arn", "aws.lambda_.Permission(")
    assert permission["locations"][0]["logicalLocations"][0]["name"] == "api-lambda-permission"
    assert permission["partialFingerprints"]["preflightGate/v1"]
    assert "suppressions" not in permission


def test_preview_mode_analyses_unknowns_as_advisory_notes(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = gate_json(capsys, PROGRAMS / "compliant", "--preview")
    assert code == cli.EXIT_OK
    assert report["summary"]["mandatory"] == 0
    notes = report["violations"]
    assert notes
    assert {note["enforcementLevel"] for note in notes} == {"advisory"}
    stack_note = next(note for note in notes if note["policy"] == "s3-bucket-kms-encryption")
    assert stack_note["urn"] == ""
    assert stack_note["sourcePosition"] is None


def test_stack_level_notes_are_located_at_the_project_file_in_sarif(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_gate(capsys, PROGRAMS / "compliant", "--preview", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    stack_note = next(r for r in results if r["ruleId"] == "s3-bucket-kms-encryption")
    assert stack_note["level"] == "warning"
    location = stack_note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "unit_tests/policies/programs/compliant/Pulumi.yaml"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"no-such-policy": "advisory"}', "does not have: ['no-such-policy']"),
        ('{"required-tags": "sometimes"}', "'sometimes' is not one of"),
        ('{"required-tags": {"enforcementLevel": "never"}}', "'never' is not one of"),
        ('{"required-tags": 3}', "is not a level or an object"),
        ("[]", "expected a JSON object"),
        (
            '{"log-group-retention-standard": {"standardRetentionDays": 8}}',
            "log-group-retention-standard: standardRetentionDays",
        ),
        (
            '{"iam-no-wildcard-resources": {"wildcardResourceActions": [{"action": "xray:*"}]}}',
            "iam-no-wildcard-resources: wildcardResourceActions.0: reason is required",
        ),
    ],
)
def test_bad_policy_config_exits_2_naming_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    file = tmp_path / "policy-config.json"
    file.write_text(config, encoding="utf-8")
    code, out, err = run_gate(capsys, PROGRAMS / "compliant", "--config", str(file))
    assert code == cli.EXIT_ERROR
    assert out == ""
    assert err.startswith("preflight gate: error: ")
    assert message in err


def test_missing_policy_config_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_gate(capsys, PROGRAMS / "compliant", "--config", str(tmp_path / "absent.json"))
    assert code == cli.EXIT_ERROR
    assert "absent.json: cannot be read" in err


def write_config(tmp_path: Path, config: dict[str, Any]) -> str:
    file = tmp_path / "policy-config.json"
    file.write_text(json.dumps(config), encoding="utf-8")
    return str(file)


def test_config_sets_levels_as_the_engine_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = PROGRAMS / "aes256_bucket"
    advisory = write_config(
        tmp_path,
        {"s3-bucket-kms-encryption": "advisory", "s3-bucket-public-access-block": {"enforcementLevel": "disabled"}},
    )
    code, report = gate_json(capsys, program, "--config", advisory)
    assert code == cli.EXIT_OK
    assert report["summary"] == {"resources": 4, "mandatory": 0, "advisory": 1, "exempted": 0}
    everything_off = write_config(tmp_path, {"all": "disabled"})
    assert gate_json(capsys, program, "--config", everything_off)[1]["violations"] == []


def test_an_entry_without_enforcement_level_does_not_downgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    properties_only = write_config(
        tmp_path, {"alarm-error-rate-metric-math": {}, "log-group-retention-standard": {"standardRetentionDays": 14}}
    )
    code, report = gate_json(capsys, PROGRAMS / "absolute_error_alarm", "--config", properties_only)
    assert code == cli.EXIT_FINDINGS
    assert {v["enforcementLevel"] for v in report["violations"]} == {"mandatory"}
    code, report = gate_json(capsys, PROGRAMS / "thirty_day_retention", "--config", properties_only)
    assert report["violations"][0]["message"] == "retentionInDays is 30, not the standard 14"


def test_config_can_make_a_program_compliant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    thirty = write_config(tmp_path, {"log-group-retention-standard": {"standardRetentionDays": 30}})
    assert gate_json(capsys, PROGRAMS / "thirty_day_retention", "--config", thirty)[0] == cli.EXIT_OK


EXEMPT_BOTH = f"""
exemptions:
  - policy: s3-bucket-kms-encryption
    type: aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration
    name: logs-bucket-sse
    finding: algorithm:AES256
    reason: {REASON}
  - policy: s3-bucket-public-access-block
    urn: urn:pulumi:dev::aes256_bucket::aws:s3/bucket:Bucket::logs-bucket
    reason: {REASON}
"""


@pytest.fixture(scope="module")
def exempting_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_delivery_pack(tmp_path_factory.mktemp("pack") / "policies", EXEMPT_BOTH)


def test_exempted_findings_stay_in_every_report_marked_with_the_reason(
    exempting_pack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = PROGRAMS / "aes256_bucket"
    code, report = gate_json(capsys, program, pack=exempting_pack)
    assert code == cli.EXIT_OK
    assert report["summary"] == {"resources": 4, "mandatory": 0, "advisory": 0, "exempted": 2}
    by_policy = {v["policy"]: v for v in report["violations"]}
    assert by_policy["s3-bucket-kms-encryption"]["exemption"] == {"reason": REASON}
    assert by_policy["s3-bucket-kms-encryption"]["finding"] == "algorithm:AES256"
    assert by_policy["s3-bucket-kms-encryption"]["resourceName"] == "logs-bucket-sse"
    assert by_policy["s3-bucket-public-access-block"]["resourceName"] == "logs-bucket"
    assert by_policy["s3-bucket-public-access-block"]["sourcePosition"]["line"] == line_of(
        program, 'aws.s3.Bucket("logs-bucket"'
    )

    _, table, _ = run_gate(capsys, program, pack=exempting_pack)
    assert "0 mandatory, 0 advisory, 2 exempted" in table
    assert f"exemption: {REASON}" in table

    _, sarif, _ = run_gate(capsys, program, "--format", "sarif", pack=exempting_pack)
    document = json.loads(sarif)
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    results = document["runs"][0]["results"]
    assert [result["suppressions"][0]["justification"] for result in results] == [REASON, REASON]
    assert {result["suppressions"][0]["kind"] for result in results} == {"external"}


def test_a_finding_exemption_leaves_the_other_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    only_retention = f"""
    exemptions:
      - policy: log-group-retention-standard
        type: aws:cloudwatch/logGroup:LogGroup
        name: function-logs
        finding: retention:never-expire
        reason: {REASON}
    """
    pack = copy_delivery_pack(tmp_path / "policies", only_retention)
    code, report = gate_json(capsys, PROGRAMS / "thirty_day_retention", pack=pack)
    assert code == cli.EXIT_FINDINGS
    assert report["summary"]["exempted"] == 0
    assert report["violations"][0]["finding"] == "retention:30"


def test_a_resource_exemption_covers_every_finding_of_its_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    all_tags = f"""
    exemptions:
      - policy: required-tags
        type: aws:sns/topic:Topic
        name: alerts
        reason: {REASON}
    """
    pack = copy_delivery_pack(tmp_path / "policies", all_tags)
    _, report = gate_json(capsys, PROGRAMS / "default_provider", pack=pack)
    exempted = [v for v in report["violations"] if v["exemption"]]
    assert {v["finding"] for v in exempted} == {
        f"missing-tag:{tag}" for tag in ("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack")
    }
    assert report["summary"]["mandatory"] == 2


def test_a_bad_exemption_is_a_configuration_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unreasoned = """
    exemptions:
      - policy: required-tags
        type: aws:sns/topic:Topic
        name: alerts
        reason: because
    """
    pack = copy_delivery_pack(tmp_path / "policies", unreasoned)
    code, out, err = run_gate(capsys, PROGRAMS / "compliant", pack=pack)
    assert code == cli.EXIT_ERROR
    assert out == ""
    assert "failed to start" in err
    assert "exemptions[0]: `reason` is required and must be at least 10 characters" in err


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_program(tmp_path_factory.mktemp("demo"))


def test_the_engine_duties_remediation_levels_initial_config_logs(
    demo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = write_pack(tmp_path / "duties", DUTIES_PACK)
    code, out, err = run_gate(capsys, demo_root, "--format", "json", pack=pack)
    report = json.loads(out)
    # The pack's initial config has no level for requires-marker: the engine (and the gate) apply it as advisory,
    # and the gate says so. The remediation reached Analyze: only the box queue is flagged, not every resource.
    assert code == cli.EXIT_OK
    assert "initial config for requires-marker arrives as advisory" in err
    found = {(v["policy"], v["enforcementLevel"], v["resourceName"], v["finding"]) for v in report["violations"]}
    assert found == {("requires-marker", "advisory", "box-queue", "asked"), ("advise", "advisory", "box-queue", "")}
    assert "pack log (warning): advice given" in err

    keep_mandatory = write_config(tmp_path, {"requires-marker": "mandatory"})
    code, report = gate_json(capsys, demo_root, "--config", keep_mandatory, pack=pack)
    assert code == cli.EXIT_FINDINGS
    [flagged] = [v for v in report["violations"] if v["enforcementLevel"] == "mandatory"]
    assert flagged["message"] == "the box queue is flagged on purpose"
    assert flagged["severity"] == ""


def test_pack_virtualenv_interpreter_is_used_when_it_exists(
    demo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = copy_delivery_pack(tmp_path / "policies")
    (pack / "venv" / "bin").mkdir(parents=True)
    marker = tmp_path / "interpreter-used"
    wrapper = pack / "venv" / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    code, _, _ = run_gate(capsys, PROGRAMS / "compliant", pack=pack)
    assert code == cli.EXIT_OK
    assert marker.exists()


@pytest.mark.parametrize(
    "case",
    [
        (CRASHING_PACK, POLICY_FILE, "the pack cannot start: broken on purpose"),
        (CHATTY_PACK, POLICY_FILE, "printed 'hello before the port' where its port belongs"),
        ("", "runtime: go\n", "runtime must be one of python, nodejs, got 'go'"),
        ("", "runtime: [\n", "failed to load Pulumi policy project located at"),
        ("", "- python\n", "runtime must be one of python, nodejs, got None"),
        ("", "runtime:\n  name: python\n  options:\n    virtualenv: 3\n", "virtualenv must be a path"),
    ],
    ids=["crashes", "prints-first", "not-python", "bad-yaml", "not-a-mapping", "bad-virtualenv"],
)
def test_pack_errors_exit_2_with_what_the_pack_said(
    demo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, str]
) -> None:
    main, policy_file, message = case
    pack = write_pack(tmp_path / "broken", main, policy_file)
    code, out, err = run_gate(capsys, demo_root, pack=pack)
    assert code == cli.EXIT_ERROR
    assert out == ""
    assert message in err


def test_missing_pack_exits_2(demo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_gate(capsys, demo_root, pack=tmp_path)
    assert code == cli.EXIT_ERROR
    assert f"failed to load Pulumi policy project located at '{tmp_path}'" in err
    (tmp_path / "PulumiPolicy.yaml").write_text(POLICY_FILE, encoding="utf-8")
    assert run_gate(capsys, demo_root, pack=tmp_path)[2].endswith("the pack has no __main__.py\n")


def test_program_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_program(tmp_path, "config:\n  demo:fail: on-purpose\n")
    code, _, err = run_gate(capsys, root)
    assert code == cli.EXIT_ERROR
    assert "ValueError: asked to fail: on-purpose" in err
    assert run_gate(capsys, tmp_path / "nowhere")[0] == cli.EXIT_ERROR


def test_the_pack_process_is_gone_after_the_gate(demo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def packs_running() -> set[str]:
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if re.search(rf"-m pulumi\.policy \S+ {re.escape(str(PACK))}", command) and int(entry.name) != os.getpid():
                found.add(entry.name)
        return found

    before = packs_running()
    run_gate(capsys, demo_root)
    assert packs_running() <= before


def test_report_context_reads_every_shape_of_exemption_report(tmp_path: Path) -> None:
    from pulumi.runtime.proto import analyzer_pb2

    from preflight.gate.pack_contract import EXEMPTED_PREFIX
    from preflight.gate.report import PolicyRule
    from preflight.gate.violations import _ReportContext

    context = _ReportContext({"p": PolicyRule("p", "d", "mandatory", "high", "fix")}, {}, tmp_path)
    entries = [
        {"urn": "urn:a", "finding": "f", "message": "m", "reason": REASON},
        {"urn": "", "finding": "", "message": "string value at .x can't be known during preview", "reason": ""},
        "not-an-entry",
    ]
    response = analyzer_pb2.AnalyzeResponse(
        not_applicable=[
            analyzer_pb2.PolicyNotApplicable(policy_name="p", reason=EXEMPTED_PREFIX + json.dumps(entries)),
            analyzer_pb2.PolicyNotApplicable(policy_name="q", reason=EXEMPTED_PREFIX + "{broken"),
            analyzer_pb2.PolicyNotApplicable(policy_name="p", reason="only symmetric keys rotate"),
        ]
    )
    found = context.from_response(response, "urn:default")
    assert [(v.policy, v.enforcement_level, v.urn, v.exemption_reason) for v in found] == [
        ("p", "mandatory", "urn:a", REASON),
        ("p", "advisory", "urn:default", None),
        ("q", "mandatory", "urn:default", "(unreadable exemption report)"),
    ]
    assert found[0].severity == "high"


def test_source_locations_skip_library_code_and_files_outside_the_repository(tmp_path: Path) -> None:
    from preflight import SourcePosition
    from preflight.engine.wire import EngineResource
    from preflight.gate.violations import source_location

    def resource(urn: str, parent: str, position: str | None) -> EngineResource:
        source = SourcePosition(f"file://{position}", 7) if position else None
        return EngineResource(urn, "t", urn, True, parent, {}, {}, [], {}, source)

    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    component = resource("urn:component", "", str(repo / "app" / "main.py"))
    library_child = resource("urn:child", "urn:component", str(repo / ".venv" / "lib" / "site-packages" / "lib.py"))
    outside = resource("urn:outside", "", str(tmp_path / "elsewhere.py"))
    by_urn = {r.urn: r for r in (component, library_child, outside)}
    location = source_location(library_child, by_urn, repo)
    assert location is not None
    assert (location.path, location.line) == ("app/main.py", 7)
    assert source_location(outside, by_urn, repo) is None
    assert source_location(None, by_urn, repo) is None


def test_sigterm_unwinds_the_gate_so_the_pack_is_stopped() -> None:
    import signal
    import threading

    from preflight.gate.command import _terminate_as_exit

    def terminated_while_waiting() -> None:
        with _terminate_as_exit():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)

    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as raised:
        terminated_while_waiting()
    assert raised.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is previous

    outcome: list[str] = []

    def in_a_thread() -> None:
        with _terminate_as_exit():
            outcome.append("ran")

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    assert outcome == ["ran"]


def test_the_default_is_what_pulumi_preview_reports_and_up_what_pulumi_up_reports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    program = PROGRAMS / "thirty_day_retention"
    arguments = ["gate", "--program", str(program), "--stack", "dev", "--pack", str(PACK), "--format", "json"]
    for mode, words in (([], "preview (unknown values)"), (["--preview"], "preview (unknown values)")):
        assert cli.main([*arguments[:-2], *mode]) == cli.EXIT_FINDINGS
        assert capsys.readouterr().out.startswith(f"policy gate: thirty_day_retention/dev, {words}")
    assert cli.main(["gate", "--program", str(program), "--stack", "dev", "--pack", str(PACK), "--up"]) == 1
    assert capsys.readouterr().out.startswith("policy gate: thirty_day_retention/dev, up (known values)")
    with pytest.raises(SystemExit) as refused:
        cli.main([*arguments, "--preview", "--up"])
    assert refused.value.code == cli.EXIT_ERROR


def test_a_program_whose_virtualenv_was_never_created_runs_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_program(tmp_path, "config:\n  aws:region: eu-west-1\n")
    (root / "Pulumi.yaml").write_text(
        "name: demo\nruntime:\n  name: python\n  options:\n    virtualenv: venv\nmain: program/\n"
    )
    code, out, err = run_gate(capsys, root)
    assert code in (cli.EXIT_OK, cli.EXIT_FINDINGS), err
    assert out.startswith("policy gate: demo/dev")
    [warning] = [line for line in err.splitlines() if "warning: program" in line]
    assert f'"{root / "venv"}" doesn\'t exist: the CLI would need `pulumi install` first; running it on' in warning
