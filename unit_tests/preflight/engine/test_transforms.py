"""Resource transforms on the engine path: what the pack judges is what the transforms returned, as under the CLI."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from preflight import load_project
from preflight.gate.engine_path import run_monitored_gate
from preflight.world.mocks import AwsLikeMocks
from unit_tests.preflight.engine_programs import write_program

TRANSFORMED = """
import pulumi
import pulumi_aws as aws


def short_retention(args):
    if args.type_ == "aws:sqs/queue:Queue":
        return pulumi.ResourceTransformResult({**args.props, "messageRetentionSeconds": 60}, args.opts)
    return None


def protect_everything(args):
    protected = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=True))
    return pulumi.ResourceTransformResult(args.props, protected)


if STACK_TRANSFORM:
    pulumi.runtime.register_resource_transform(protect_everything)
aws.sqs.Queue("jobs", message_retention_seconds=600, opts=pulumi.ResourceOptions(transforms=[short_retention]))
aws.sqs.Queue("other", message_retention_seconds=600)
"""

PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def queues(args, report_violation):
    if args.resource_type != "aws:sqs/queue:Queue":
        return
    if args.props["messageRetentionSeconds"] < 300:
        report_violation("retention below five minutes")
    if not args.opts.protect:
        report_violation("not protected")


PolicyPack(
    name="probe",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name="queues", description="Queues.", validate=queues)],
)
"""


def _findings(tmp_path: Path, stack_transform: bool) -> set[tuple[str, str]]:
    source = TRANSFORMED.replace("STACK_TRANSFORM", str(stack_transform))
    project = load_project(write_program(tmp_path / "program", "config:\n  aws:region: eu-west-1\n", source), "dev")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text(textwrap.dedent(PACK))
    (report,) = run_monitored_gate(
        project, [pack], preview=False, world=AwsLikeMocks(preview=False), interpreter=sys.executable
    )
    return {(violation.urn.rsplit("::", 1)[-1], violation.message) for violation in report.violations}


@pytest.mark.parametrize("stack_transform", [False, True], ids=["resource-transform", "and-stack-transform"])
def test_the_pack_judges_what_the_transforms_returned(tmp_path: Path, stack_transform: bool) -> None:
    findings = _findings(tmp_path, stack_transform)
    assert ("jobs", "retention below five minutes") in findings
    assert ("other", "retention below five minutes") not in findings
    unprotected = {name for name, message in findings if message == "not protected"}
    assert unprotected == (set() if stack_transform else {"jobs", "other"})
