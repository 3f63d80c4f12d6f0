"""The gate over the engine path: what a pack reports about a program run in its own interpreter."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from preflight import cli, load_project
from preflight.engine.pack_process import PackError
from preflight.gate.engine_path import ProgramFailed, run_monitored_gate
from preflight.gate.report import GateReport
from preflight.world.mocks import AwsLikeMocks
from unit_tests.preflight.engine_programs import write_program

PROGRAM = """
import pulumi
import pulumi_aws as aws

bucket = aws.s3.Bucket("logs")
aws.sqs.Queue("jobs", message_retention_seconds=60)
pulumi.export("bucketArn", bucket.arn)
"""

PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy


def short_retention(args, report_violation):
    if args.resource_type == "aws:sqs/queue:Queue" and args.props["messageRetentionSeconds"] < 300:
        report_violation("retention below five minutes")


def bucket_arn(args, report_violation):
    for resource in args.resources:
        if resource.resource_type == "aws:s3/bucket:Bucket" and not resource.props["arn"].startswith("arn:aws:s3"):
            report_violation("not an S3 ARN")
        if resource.resource_type == "pulumi:pulumi:Stack" and "bucketArn" not in resource.props:
            report_violation("the stack's exports are missing")


PolicyPack(
    name="probe",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(name="queue-retention", description="Retention.", validate=short_retention),
        StackValidationPolicy(name="bucket-arn", description="Bucket ARN.", validate=bucket_arn),
    ],
)
"""


def _pack(root: Path, source: str = PACK) -> Path:
    root.mkdir(parents=True)
    (root / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 1.2.3\n")
    (root / "__main__.py").write_text(textwrap.dedent(source))
    return root


def _gate(tmp_path: Path, preview: bool, stack_config: str = "config:\n  aws:region: eu-west-1\n") -> GateReport:
    project = load_project(write_program(tmp_path / "program", stack_config, PROGRAM), "dev")
    (report,) = run_monitored_gate(
        project, [_pack(tmp_path / "pack")], preview=preview, world=AwsLikeMocks(preview=False),
        interpreter=sys.executable,
    )  # fmt: skip
    return report


@pytest.fixture(autouse=True)
def _python3_is_this_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack without a virtualenv runs on `python3` from PATH, as under the CLI: this interpreter's."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{Path('/usr/bin')}")


def test_an_update_reports_the_mandatory_findings_with_engine_urns(tmp_path: Path) -> None:
    report = _gate(tmp_path, preview=False)
    found = {(violation.policy, violation.enforcement_level, violation.urn) for violation in report.violations}
    assert found == {("queue-retention", "mandatory", "urn:pulumi:dev::demo::aws:sqs/queue:Queue::jobs")}
    assert report.pack_version == "1.2.3"


def test_a_preview_cannot_read_a_computed_output_and_says_so(tmp_path: Path) -> None:
    report = _gate(tmp_path, preview=True)
    by_policy = {violation.policy: violation for violation in report.violations}
    assert by_policy["queue-retention"].enforcement_level == "mandatory"
    assert by_policy["bucket-arn"].enforcement_level == "advisory"
    assert "can't run policy 'bucket-arn' from policy pack 'probe@v" in by_policy["bucket-arn"].message
    assert "can't be known during preview" in by_policy["bucket-arn"].message


def test_a_registration_the_engine_refuses_fails_the_run_with_its_message(tmp_path: Path) -> None:
    with pytest.raises(ProgramFailed, match=r"Default provider for 'aws' disabled\."):
        _gate(tmp_path, preview=True, stack_config='config:\n  pulumi:disable-default-providers: ["aws"]\n')


def test_a_pack_that_fails_during_analysis_fails_the_gate(tmp_path: Path) -> None:
    project = load_project(write_program(tmp_path / "program", "", PROGRAM), "dev")
    broken = PACK.replace('args.props["messageRetentionSeconds"] < 300', "1 / 0")
    with pytest.raises(PackError, match="the pack failed Analyze for urn:pulumi:dev::demo::aws:sqs/queue:Queue::jobs"):
        run_monitored_gate(
            project, [_pack(tmp_path / "pack", broken)], preview=False, world=AwsLikeMocks(preview=False),
            interpreter=sys.executable,
        )  # fmt: skip


def _command(tmp_path: Path, *extra: str, stack_config: str = "config:\n  aws:region: eu-west-1\n") -> int:
    program = write_program(tmp_path / "program", stack_config, PROGRAM)
    pack = tmp_path / "pack" if (tmp_path / "pack").exists() else _pack(tmp_path / "pack")
    arguments = ["engine-gate", "--program", str(program), "--stack", "dev", "--pack", str(pack), "--format", "json"]
    return cli.main([*arguments, "--python", sys.executable, *extra])


def test_the_command_reports_each_pack_in_order_and_exits_1_on_a_mandatory_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _pack(tmp_path / "pack")
    assert _command(tmp_path, "--up", "--pack", str(tmp_path / "pack")) == 1
    reports = capsys.readouterr().out.split("\n}\n")
    assert len([report for report in reports if '"summary"' in report]) == 2


def test_the_command_defaults_to_preview(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _command(tmp_path) == 1
    assert "during preview" in capsys.readouterr().out


@pytest.mark.parametrize(("extra", "code"), [((), 2), (("--cli-exit-codes",), 1)])
def test_a_refused_program_exits_2_or_the_clis_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], code: int
) -> None:
    refused = 'config:\n  pulumi:disable-default-providers: ["*"]\n'
    assert _command(tmp_path, *extra, stack_config=refused) == code
    assert "Default provider for 'aws' disabled." in capsys.readouterr().err
