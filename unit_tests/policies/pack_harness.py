"""The policy tests' engine: one real pack subprocess per session, driven through the gate's gRPC path.

The session fixture lives in conftest.py; the helpers here build registrations and read reports.

Resources are written as the engine receives them (camelCase inputs, the unknown sentinel, the secret envelope,
provider references), go through the gate's engine view (engine URNs, resolved or default providers), over gRPC to the
pack launched exactly as the CLI launches it, and through pulumi_policy's own deserializer and unknown-checking proxy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import analyzer_pb2

from preflight import SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN, Capture, ProjectSpec, Registration, SourcePosition
from preflight.engine.analyzer_client import AnalyzerClient
from preflight.engine.engine_service import EngineServer
from preflight.engine.pack_process import PackProcess, load_pack_spec
from preflight.engine.wire import engine_resources
from preflight.gate.analysis import analyse
from preflight.gate.policy_config import PolicyConfigEntry, reconcile
from preflight.gate.report import GateReport, Violation
from preflight.gate.run import pack_environment
from preflight.gate.violations import build_report

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"
PROGRAMS = Path(__file__).resolve().parent / "programs"
PROJECT = "policy-tests"
STACK = "test"
ACCOUNT = "123456789012"
REGION = "us-east-1"
REQUIRED_TAGS = {
    "Project": "policy-tests",
    "Environment": "test",
    "Owner": "platform-team",
    "CostCenter": "cc-0000",
    "ManagedBy": "pulumi",
    "Stack": "test",
}
CMK_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-4333-8444-555555555555"

__all__ = ["UNKNOWN", "secret"]


def secret(value: Any) -> dict[str, Any]:
    """A secret as the engine sends it."""
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


def mock_urn(type_: str, name: str) -> str:
    """URNs as the offline run records them (the gate turns them into engine URNs)."""
    return f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack${type_}::{name}"


def engine_urn(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def provider(name: str = "use1", default_tags: Any = None, region: str = REGION, encode: bool = True) -> Registration:
    """An explicit aws.Provider; its object inputs arrive JSON-encoded, as the SDK sends them."""
    tags = {"tags": REQUIRED_TAGS} if default_tags is None else default_tags
    inputs: dict[str, Any] = {"region": region}
    if tags is not UNKNOWN:
        inputs["defaultTags"] = json.dumps(tags) if encode else tags
    else:
        inputs["defaultTags"] = UNKNOWN
    return Registration(
        urn=mock_urn("pulumi:providers:aws", name),
        type="pulumi:providers:aws",
        name=name,
        custom=True,
        parent="",
        provider="",
        inputs=inputs,
        property_dependencies={},
        dependencies=[],
        source_position=None,
        outputs=inputs,
    )


EXPLICIT_PROVIDER = provider()


def resource(
    type_: str,
    name: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    on: Registration | None = EXPLICIT_PROVIDER,
    depends: Mapping[str, Registration] | None = None,
    outputs: Mapping[str, Any] | None = None,
    custom: bool = True,
) -> Registration:
    """A registration; `on=None` leaves it on the default provider, `depends` names its property dependencies."""
    dependencies = {key: [target.urn] for key, target in (depends or {}).items()}
    given = dict(inputs or {})
    return Registration(
        urn=mock_urn(type_, name),
        type=type_,
        name=name,
        custom=custom,
        parent="",
        provider=f"{on.urn}::provider-id" if on is not None and custom else "",
        inputs=given,
        property_dependencies=dependencies,
        dependencies=sorted({urn for urns in dependencies.values() for urn in urns}),
        source_position=SourcePosition(f"file://{ROOT}/unit_tests/policies/conftest.py", 1),
        outputs={**given, **(outputs or {})},
    )


class PolicyGate:
    """One pack process, configured as the engine configures it; `run` analyses registrations and reports."""

    def __init__(self, engine: EngineServer, process: PackProcess, client: AnalyzerClient) -> None:
        self.engine = engine
        self.process = process
        self.client = client
        self.pack = load_pack_spec(PACK_DIR)
        self.project = ProjectSpec(name=PROJECT, root=ROOT, main=ROOT, stack=STACK, stack_file=None, config={})
        self.info = client.analyzer_info()
        self.last_stack_response = analyzer_pb2.AnalyzeResponse()
        self.configure({})

    def configure(self, user: Mapping[str, PolicyConfigEntry]) -> None:
        self.config = reconcile(self.info, user)
        self.client.configure(self.config.request())

    @contextmanager
    def configured(self, policy: str, **properties: Any) -> Iterator[None]:
        """The pack configured with `properties` for `policy` (the rest default), for one block."""
        self.configure({policy: PolicyConfigEntry("", dict(properties))})
        try:
            yield
        finally:
            self.configure({})

    def run(
        self, *registrations: Registration, providers: tuple[Registration, ...] = (EXPLICIT_PROVIDER,)
    ) -> GateReport:
        capture = Capture(
            project=PROJECT, stack=STACK, preview=False, resources=[*providers, *registrations], outputs={}
        )
        resources = engine_resources(capture, {})
        analysis = analyse(self.client, resources, None, workers=2)
        self.last_stack_response = analysis.stack
        return build_report(
            capture,
            project=self.project,
            pack=self.pack,
            info=self.info,
            config=self.config,
            analysis=analysis,
            resources=resources,
        )

    def analyzer_info(self) -> analyzer_pb2.AnalyzerInfo:
        return self.info


@contextmanager
def running_policy_gate() -> Iterator[PolicyGate]:
    """The pack launched as the CLI launches it, with the engine service beside it, stopped on exit."""
    pack = load_pack_spec(PACK_DIR)
    project = ProjectSpec(name=PROJECT, root=ROOT, main=ROOT, stack=STACK, stack_file=None, config={})
    with (
        EngineServer() as engine,
        PackProcess(pack, engine.address, pack_environment(project, preview=False)) as process,
        AnalyzerClient(process.port, process) as client,
    ):
        yield PolicyGate(engine, process, client)


def stack_not_applicable(gate: PolicyGate, policy: str) -> list[str]:
    """The not-applicable reasons a stack policy gave in the last run (the CLI records them as policy results)."""
    return [entry.reason for entry in gate.last_stack_response.not_applicable if entry.policy_name == policy]


def violations(report: GateReport, policy: str) -> list[Violation]:
    return [
        v for v in report.violations if v.policy == policy and not v.exempted and v.enforcement_level == "mandatory"
    ]


def findings(report: GateReport, policy: str) -> set[tuple[str, str]]:
    """(resource name, finding) of every mandatory violation of `policy`; a finding reported twice fails the test."""
    found = [(v.resource_name, v.finding) for v in violations(report, policy)]
    assert len(found) == len(set(found)), f"{policy} reported a finding more than once: {sorted(found)}"
    return set(found)


def undecided(report: GateReport, policy: str) -> list[Violation]:
    """The advisory "cannot decide during preview" notes of `policy`."""
    return [
        v
        for v in report.violations
        if v.policy == policy and v.enforcement_level == "advisory" and "during preview" in v.message
    ]


def other_policies_quiet(report: GateReport, policy: str) -> set[str]:
    """Policies other than `policy` that raised anything (helps keep a test's resource focused)."""
    return {v.policy for v in report.violations if v.policy != policy}
