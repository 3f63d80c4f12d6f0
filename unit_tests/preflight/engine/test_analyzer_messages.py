"""What the packs receive about a program run against the ResourceMonitor: one Remediate and Analyze per
registration as it arrives, then AnalyzeStack with every resource's outputs."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.analyzer_messages import InlineAnalysis
from preflight.engine.deployment import ProgramRun, run_deployment
from preflight.engine.resource_goal import UNKNOWN
from preflight.world.mocks import AwsLikeMocks
from unit_tests.preflight.engine.test_resource_monitor import PROGRAM, QUEUE_URN, _project

ROOT = "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
ROLE = "urn:pulumi:dev::demo::aws:iam/role:Role::role"
ATTACHMENT = "urn:pulumi:dev::demo::aws:iam/rolePolicyAttachment:RolePolicyAttachment::attach"
OUTER = "urn:pulumi:dev::demo::demo:index:Outer::outer"


class RecordingAnalyzer:
    """A pack that records every request; its remediation sets `remediated` on roles."""

    def __init__(self) -> None:
        self.remediated: list[str] = []
        self.analyzed: list[analyzer_pb2.AnalyzeRequest] = []
        self.stack: list[analyzer_pb2.AnalyzeStackRequest] = []

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        self.remediated.append(request.urn)
        if request.type != "aws:iam/role:Role":
            return analyzer_pb2.RemediateResponse()
        properties = json_format.MessageToDict(request.properties)
        fixed = analyzer_pb2.Remediation(policyName="fix-role")
        fixed.properties.update({**properties, "description": "remediated"})
        return analyzer_pb2.RemediateResponse(remediations=[fixed])

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        self.analyzed.append(request)
        return analyzer_pb2.AnalyzeResponse()

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse:
        self.stack.append(request)
        return analyzer_pb2.AnalyzeResponse()


class Analysed:
    def __init__(self, run: ProgramRun, pack: RecordingAnalyzer, analysis: InlineAnalysis) -> None:
        self.run = run
        self.pack = pack
        self.analysis = analysis
        self.preview = run.state.resources[QUEUE_URN].id == ""

    def analyzed(self, urn: str) -> analyzer_pb2.AnalyzeRequest:
        return next(request for request in self.pack.analyzed if request.urn == urn)

    def stack_member(self, urn: str) -> analyzer_pb2.AnalyzerResource:
        return next(member for member in self.pack.stack[0].resources if member.urn == urn)


def _properties(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message.properties)


@pytest.fixture(scope="module", params=[True, False], ids=["preview", "up"])
def analysed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Analysed:
    root = _project(tmp_path_factory.mktemp("analysis"), PROGRAM)
    pack = RecordingAnalyzer()
    hooks: list[InlineAnalysis] = []

    def hook(state: Any) -> InlineAnalysis:
        hooks.append(InlineAnalysis(state, [pack]))
        return hooks[0]

    run = run_deployment(
        project="demo",
        stack="dev",
        project_root=root,
        program_directory=root / "program",
        world=AwsLikeMocks(preview=False),
        config={"aws:region": "eu-west-1"},
        preview=request.param,
        interpreter=sys.executable,
        registration_hook=hook,
    )
    assert run.exit_code == 0, run.stderr
    hooks[0].analyze_stack()
    return Analysed(run, pack, hooks[0])


def test_every_registration_is_remediated_then_analysed_the_root_stack_first(analysed: Analysed) -> None:
    urns = [request.urn for request in analysed.pack.analyzed]
    assert urns[0] == ROOT
    assert analysed.pack.remediated == urns
    assert len(urns) == len(set(urns)) == len(analysed.run.state.resources)
    provider = next(urn for urn in urns if "pulumi:providers:aws" in urn)
    assert urns.index(provider) < urns.index(ROLE)


def test_analyze_carries_the_engine_urn_full_options_and_the_provider(analysed: Analysed) -> None:
    queue = analysed.analyzed(QUEUE_URN)
    assert queue.name == "outer-inner-queue"
    assert queue.options.protect
    assert list(queue.options.ignoreChanges) == ["tags"]
    assert queue.options.customTimeouts.create == 300.0
    assert queue.provider.name == "default_7_51_1"
    assert _properties(queue.provider) == {"region": "eu-west-1", "version": "7.51.1"}


def test_a_reference_arrives_as_the_referenced_id(analysed: Analysed) -> None:
    role_id = analysed.run.state.resources[ROLE].id
    expected = UNKNOWN if analysed.preview else role_id
    assert role_id or analysed.preview
    assert _properties(analysed.analyzed(ATTACHMENT))["role"] == expected


def test_remediated_inputs_are_what_the_resource_is_created_with(analysed: Analysed) -> None:
    assert _properties(analysed.analyzed(ROLE))["description"] == "remediated"
    assert _properties(analysed.stack_member(ROLE))["description"] == "remediated"


def test_analyze_stack_has_outputs_exports_and_component_outputs(analysed: Analysed) -> None:
    root = analysed.stack_member(ROOT)
    outer = analysed.stack_member(OUTER)
    queue = analysed.stack_member(QUEUE_URN)
    assert set(_properties(root)) == {"queueArn"}
    assert set(_properties(outer)) == {"queueUrl"}
    assert (_properties(queue)["arn"] == UNKNOWN) is analysed.preview
    assert (_properties(root)["queueArn"] == UNKNOWN) is analysed.preview
    assert queue.parent == "urn:pulumi:dev::demo::demo:index:Outer$demo:index:Inner::outer-inner"
    assert outer.parent == ROOT


def test_property_dependencies_without_dependencies_are_left_out(analysed: Analysed) -> None:
    attachment = analysed.stack_member(ATTACHMENT)
    assert dict(attachment.propertyDependencies)["role"].urns == [ROLE]
    assert all(entry.urns for entry in attachment.propertyDependencies.values())
    assert "policyArn" not in attachment.propertyDependencies


def test_a_read_resource_is_neither_analysed_nor_in_analyze_stack(tmp_path_factory: pytest.TempPathFactory) -> None:
    source = (
        "import pulumi_aws as aws\n"
        "existing = aws.sqs.Queue.get('existing', 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs')\n"
        "aws.sqs.Queue('mine', name='mine')\n"
    )
    root = _project(tmp_path_factory.mktemp("read"), source)
    pack = RecordingAnalyzer()
    hooks: list[InlineAnalysis] = []

    def hook(state: Any) -> InlineAnalysis:
        hooks.append(InlineAnalysis(state, [pack]))
        return hooks[0]

    run = run_deployment(
        project="demo", stack="dev", project_root=root, program_directory=root / "program",
        world=AwsLikeMocks(preview=False), config={"aws:region": "eu-west-1"}, preview=True,
        interpreter=sys.executable, registration_hook=hook,
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    hooks[0].analyze_stack()
    existing = "urn:pulumi:dev::demo::aws:sqs/queue:Queue::existing"
    assert run.state.resources[existing].read
    assert existing not in [request.urn for request in pack.analyzed]
    assert existing not in [member.urn for member in pack.stack[0].resources]
    assert "urn:pulumi:dev::demo::aws:sqs/queue:Queue::mine" in [member.urn for member in pack.stack[0].resources]
