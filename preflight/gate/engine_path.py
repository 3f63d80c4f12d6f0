"""The policy gate over a program run as the CLI runs it: packs launched and configured first, the program in its
own interpreter against the ResourceMonitor, each registration analysed as it arrives, AnalyzeStack at the end.

pkg/resource/deploy/deployment_executor.go and step_generator.go: the packs are configured before the program runs
(plugin.NewPolicyAnalyzer sends ConfigureStack at launch), every registration goes through Remediate and Analyze of
each pack in order, one at a time, and AnalyzeStack runs once the program is done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime.proto import analyzer_pb2

from preflight.engine import urns
from preflight.engine.analyzer_client import AnalyzerClient
from preflight.engine.analyzer_messages import InlineAnalysis, RegistrationAnalysis
from preflight.engine.deployment import ProgramRun, run_deployment
from preflight.engine.engine_service import EngineServer
from preflight.engine.pack_process import ORGANIZATION, PackProcess, PackSpec
from preflight.engine.pack_runtime import POLICY_FILE, pack_environment, pack_launch
from preflight.engine.resource_monitor import MonitorState, World
from preflight.engine.stack_tags import stack_tags
from preflight.engine.tolerant_analyzer import TolerantAnalyzer
from preflight.engine.wire import EngineResource
from preflight.gate.analysis import Analysis, ResourceAnalysis
from preflight.gate.policy_config import PolicyConfigEntry, reconcile
from preflight.gate.report import GateReport
from preflight.gate.violations import build_report
from preflight.program.capture import Capture, SourcePosition
from preflight.program.project import ProjectSpec


class ProgramFailed(Exception):
    """The program exited non-zero (its own exception, or a registration the engine refused); the message is what
    it logged."""


@dataclass
class RunningPack:
    """One launched pack, its Analyzer client, and how it was configured."""

    spec: PackSpec
    process: PackProcess
    client: AnalyzerClient


def _pack_spec(directory: Path) -> PackSpec:
    document = yaml.safe_load((directory / POLICY_FILE).read_text(encoding="utf-8")) or {}
    version = document.get("version") if isinstance(document, dict) else None
    return PackSpec(directory=directory, version=str(version) if version is not None else "0.0.1", virtualenv=None)


@contextlib.contextmanager
def launched_packs(
    directories: Sequence[Path], engine_address: str, project: ProjectSpec, preview: bool
) -> Iterator[list[RunningPack]]:
    """Every pack launched as the CLI launches it (in order), stopped on exit."""
    running: list[RunningPack] = []
    try:
        for directory in directories:
            launch = pack_launch(directory, engine_address)
            spec = _pack_spec(launch.directory)
            environment = pack_environment(
                launch.runtime, organization=ORGANIZATION, project=project.name, stack=project.stack,
                dry_run=preview, config=project.config,
            )  # fmt: skip
            process = PackProcess(spec, engine_address, environment)
            process.command = launch.command
            process.launch()
            running.append(RunningPack(spec, process, AnalyzerClient(process.wait_for_port(), process)))
        yield running
    finally:
        for pack in running:
            pack.client.close()
            pack.process.stop()


def engine_view(state: MonitorState) -> list[EngineResource]:
    """The recorded resources in the shape the report reads (type, name, parent, where constructed)."""
    view = []
    for resource in state.ordered():
        position = resource.source_position
        view.append(
            EngineResource(
                urn=resource.urn,
                type=resource.goal.type,
                name=urns.urn_name(resource.urn),
                custom=resource.goal.custom,
                parent=resource.goal.parent,
                inputs=resource.goal.properties,
                outputs=resource.outputs,
                dependencies=resource.goal.dependencies,
                property_dependencies=resource.goal.property_dependencies,
                source_position=SourcePosition(*position) if position else None,
                stack_trace=tuple(SourcePosition(*frame) for frame in resource.stack_trace),
            )
        )
    return view


def engine_attributed(response: analyzer_pb2.AnalyzeResponse, urn: str) -> analyzer_pb2.AnalyzeResponse:
    """A resource's Analyze answer as the engine reports it (pkg/resource/deploy/analyze_snapshot.go,
    analyzeResource): every diagnostic is the analysed resource's, whatever URN the pack named, and one still at
    `remediate` after the remediation pass counts as mandatory."""
    attributed = analyzer_pb2.AnalyzeResponse()
    attributed.CopyFrom(response)
    for diagnostic in attributed.diagnostics:
        diagnostic.urn = urn
        if diagnostic.enforcementLevel == analyzer_pb2.REMEDIATE:
            diagnostic.enforcementLevel = analyzer_pb2.MANDATORY
    return attributed


def _notes(registration: RegistrationAnalysis, index: int) -> list[str]:
    return [
        f"{remediation.policyName}: {remediation.diagnostic}"
        for remediation in registration.remediations[index].remediations
        if remediation.diagnostic
    ]


def _report(
    *,
    project: ProjectSpec,
    pack: RunningPack,
    info: analyzer_pb2.AnalyzerInfo,
    index: int,
    user_config: Mapping[str, PolicyConfigEntry],
    analysis: InlineAnalysis,
    stack_response: analyzer_pb2.AnalyzeResponse,
    preview: bool,
) -> GateReport:
    view = engine_view(analysis.state)
    by_urn = {resource.urn: resource for resource in view}
    analysed = [
        ResourceAnalysis(
            by_urn[item.urn], engine_attributed(item.responses[index], item.urn), None, _notes(item, index)
        )
        for item in analysis.registrations
    ]
    capture = Capture(project=project.name, stack=project.stack, preview=preview, resources=[], outputs={})
    return build_report(
        capture,
        project=project,
        pack=pack.spec,
        info=info,
        config=reconcile(info, user_config),
        analysis=Analysis(analysed, stack_response),
        resources=view,
    )


def run_monitored_gate(
    project: ProjectSpec,
    pack_directories: Sequence[Path],
    user_config: Mapping[str, PolicyConfigEntry] | None = None,
    *,
    preview: bool,
    world: World,
    interpreter: str | None = None,
) -> list[GateReport]:
    """One report per pack, in the order given (the CLI's `--policy-pack` order)."""
    user_config = dict(user_config or {})
    description = _description(project.root)
    tags = stack_tags(project.root, project.name, "python", description, project.config)
    with (
        EngineServer(urns.root_stack_urn(project.stack, project.name)) as engine,
        launched_packs([Path(directory) for directory in pack_directories], engine.address, project, preview) as packs,
    ):
        infos = []
        for pack in packs:
            pack.client.handshake(engine.address, pack.spec.directory)
            TolerantAnalyzer(pack.client).configure_stack(
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=project.stack, project=project.name, organization=ORGANIZATION, dry_run=preview,
                    config=project.config, config_secret_keys=list(project.secret_keys), tags=tags,
                )
            )  # fmt: skip
            infos.append(pack.client.analyzer_info())
            pack.client.configure(reconcile(infos[-1], user_config).request())
        hooks: list[InlineAnalysis] = []

        def hook(state: MonitorState) -> InlineAnalysis:
            hooks.append(InlineAnalysis(state, [TolerantAnalyzer(pack.client) for pack in packs]))
            return hooks[0]

        run = run_deployment(
            project=project.name, stack=project.stack, project_root=project.root, program_directory=project.main,
            world=world, config=project.config, preview=preview, secret_keys=project.secret_keys,
            interpreter=interpreter, registration_hook=hook,
        )  # fmt: skip
        if hooks and hooks[0].failure is not None:
            raise hooks[0].failure
        _raise_if_failed(project, run)
        stack_responses = hooks[0].analyze_stack()
        return [
            _report(
                project=project,
                pack=pack,
                info=info,
                index=index,
                user_config=user_config,
                analysis=hooks[0],
                stack_response=stack_responses[index],
                preview=preview,
            )
            for index, (pack, info) in enumerate(zip(packs, infos, strict=True))
        ]


def _description(root: Path) -> str | None:
    document: Any = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    description = document.get("description") if isinstance(document, dict) else None
    return description if isinstance(description, str) else None


def _raise_if_failed(project: ProjectSpec, run: ProgramRun) -> None:
    if run.exit_code == 0:
        return
    logged = "\n".join(run.errors) or run.stderr.strip() or "(it printed nothing)"
    raise ProgramFailed(f"{project.name} ({project.main}) failed with exit code {run.exit_code}:\n{logged}")
