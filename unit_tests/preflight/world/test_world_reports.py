"""Programs nobody here wrote, end to end: the world answers their idioms and every report lists what it could not
analyse (issue 13)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from preflight import cli
from preflight.program.project import load_project
from preflight.program.runner import run_program

REPO_ROOT = Path(__file__).resolve().parents[3]
PACK = REPO_ROOT / "policies"
PROGRAMS = REPO_ROOT / "unit_tests" / "preflight" / "programs"
WORLD_REACH = PROGRAMS / "world_reach"


def _line(program: Path, text: str) -> int:
    lines = (program / "__main__.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def _placeholder_line(program: Path) -> str:
    where = f"{program / '__main__.py'}:{_line(program, 'instance = aws.ec2.get_instance')}"
    return f"answered with a placeholder: aws:ec2/getInstance:getInstance at {where}"


def _cli(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = cli.main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_policy_document_from_get_policy_document_reaches_the_pack(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "gate", "--program", str(WORLD_REACH), "--pack", str(PACK), "--format", "json")
    report = json.loads(out)
    found = {(v["policy"], v["resourceName"]) for v in report["violations"] if v["enforcementLevel"] == "mandatory"}
    assert {("iam-no-wildcard-actions", "everything"), ("iam-no-wildcard-resources", "everything")} <= found, err
    assert code == 1
    assert report["notAnalysed"] == [_placeholder_line(WORLD_REACH)]


@pytest.mark.parametrize("mode", [[], ["--up"]])
def test_the_preview_lists_every_placeholder_answer(capsys: pytest.CaptureFixture[str], mode: list[str]) -> None:
    code, out, _ = _cli(capsys, "preview", "--program", str(WORLD_REACH), *mode)
    assert code == 0
    assert f"not analysed: {_placeholder_line(WORLD_REACH)}" in out.splitlines()


def test_computed_outputs_programs_read_are_answered_in_up() -> None:
    capture = run_program(load_project(WORLD_REACH, "dev"), preview=False)
    assert capture.outputs["certificate"]
    assert capture.outputs["execution_arn"].startswith("arn:aws:execute-api:eu-west-1:123456789012:")
    assert capture.outputs["state_machine"].startswith("arn:aws:states:ap-southeast-2:123456789012:stateMachine:")
    assert capture.outputs["zones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    [machine] = capture.of_type("aws:sfn/stateMachine:StateMachine")
    assert machine.checked_inputs["tagsAll"] == {"Owner": "platform", "Team": "data"}
    assert "tagsAll" not in machine.inputs


def test_the_plan_exports_the_programs_settings_not_what_aws_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = run_program(load_project(PROGRAMS / "plan_insecure", "dev"), preview=False)
    [bucket] = capture.of_type("aws:s3/bucket:Bucket")
    assert bucket.outputs["serverSideEncryptionConfiguration"]["rule"]  # read back: AES256
    plan = tmp_path / "plan.json"
    code, _, _ = _cli(capsys, "plan", "--program", str(PROGRAMS / "plan_insecure"), "--output", str(plan))
    assert code == 0
    [exported] = [
        r
        for r in json.loads(plan.read_text())["planned_values"]["root_module"]["resources"]
        if r["type"] == "aws_s3_bucket"
    ]
    assert "server_side_encryption_configuration" not in exported["values"]


REMOTE_SDK = """
from typing import Optional, Sequence
import pulumi


@pulumi.input_type
class NetworkArgs:
    pass


class Network(pulumi.ComponentResource):
    def __init__(self, resource_name, opts=None):
        # As the generator writes a remote component: every output declared (None) among the properties.
        props = NetworkArgs.__new__(NetworkArgs)
        props.__dict__["subnet_ids"] = None
        super().__init__("worldfake:index:Network", resource_name, props, opts, remote=True)

    @property
    @pulumi.getter(name="subnetIds")
    def subnet_ids(self) -> pulumi.Output[Sequence[str]]:
        return pulumi.get(self, "subnet_ids")
"""
REMOTE_PROGRAM = """
import pulumi
import pulumi_aws as aws
import pulumi_worldfake

network = pulumi_worldfake.Network("shared")
aws.ec2.SecurityGroup("web", vpc_id=network.subnet_ids.apply(lambda ids: ids[0]))
"""


@pytest.fixture
def remote_component_program(tmp_path: Path) -> Path:
    program = tmp_path / "remote"
    (program / "pulumi_worldfake").mkdir(parents=True)
    (program / "pulumi_worldfake" / "__init__.py").write_text(textwrap.dedent(REMOTE_SDK))
    (program / "__main__.py").write_text(textwrap.dedent(REMOTE_PROGRAM))
    (program / "Pulumi.yaml").write_text("name: remote\nruntime: python\n")
    return program


@pytest.mark.parametrize(
    "command",
    [["preview"], ["preview", "--up"], ["gate", "--pack", str(PACK)], ["gate", "--pack", str(PACK), "--up"]],
    ids=["preview", "preview-up", "gate", "gate-up"],
)
def test_every_report_lists_a_remote_component_as_not_expanded(
    remote_component_program: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, err = _cli(capsys, *command, "--program", str(remote_component_program))
    assert code in (0, 1), err
    expected = "not analysed: not expanded: worldfake:index:Network shared (its children are not analysed)"
    assert expected in out.splitlines()


def test_the_plan_lists_a_remote_component_as_not_expanded(
    remote_component_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.json"
    code, _, err = _cli(capsys, "plan", "--program", str(remote_component_program), "--output", str(plan))
    assert code == 0
    assert "not analysed: not expanded: worldfake:index:Network shared" in err
    assert json.loads(plan.read_text())["preflight_not_analysed"] == [
        "not expanded: worldfake:index:Network shared (its children are not analysed)"
    ]
