"""The policy gate over a program run as the CLI runs it: packs launched and configured first, the program in its
own interpreter against the ResourceMonitor, each registration analysed as it arrives, AnalyzeStack at the end.

pkg/resource/deploy/deployment_executor.go and step_generator.go: the packs are configured before the program runs
(plugin.NewPolicyAnalyzer sends ConfigureStack at launch), every registration goes through Remediate and Analyze of
each pack in order, one at a time, and AnalyzeStack runs once the program is done.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
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
from preflight.engine.pack_process import ORGANIZATION, PackError, PackProcess, PackSpec, final_exception
from preflight.engine.pack_runtime import POLICY_FILE, pack_environment, pack_launch
from preflight.engine.resource_monitor import MonitorState, World
from preflight.engine.stack_tags import stack_tags
from preflight.engine.tolerant_analyzer import TolerantAnalyzer
from preflight.engine.wire import EngineResource
from preflight.gate.analysis import Analysis, ResourceAnalysis
from preflight.gate.policy_blame import blame_policy
from preflight.gate.policy_config import PolicyConfigEntry, ReconciledConfig, reconcile
from preflight.gate.report import GateReport
from preflight.gate.violations import build_report
from preflight.program.capture import Capture, SourcePosition
from preflight.program.language_host import offline_interpreter, runtime_options
from preflight.program.progress import Progress, silent
from preflight.program.project import ProjectSpec
from preflight.program.runner import run_timeout_seconds
from preflight.world.data_sources import is_answered
from preflight.world.mocks import AwsLikeMocks

_REFUSAL = re.compile(r'^\s*details = "(.*)"$', re.MULTILINE)


class ProgramFailed(Exception):
    """The program exited non-zero (its own exception, or a registration the engine refused): the message is one
    line, `log` what the program logged (its traceback)."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


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
    directories: Sequence[Path],
    engine_address: str,
    project: ProjectSpec,
    preview: bool,
    on_warning: Callable[[str], None] = lambda warning: None,
) -> Iterator[list[RunningPack]]:
    """Every pack launched as the CLI launches it (in order), stopped on exit."""
    running: list[RunningPack] = []
    try:
        for directory in directories:
            launch = pack_launch(directory, engine_address)
            if launch.warning:
                on_warning(launch.warning)
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
    analysis: InlineAnalysis | None,
    stack_response: analyzer_pb2.AnalyzeResponse,
    preview: bool,
    not_analysed: Sequence[str] = (),
) -> GateReport:
    view = engine_view(analysis.state) if analysis is not None else []
    by_urn = {resource.urn: resource for resource in view}
    analysed = [
        ResourceAnalysis(
            by_urn[item.urn], engine_attributed(item.responses[index], item.urn), None, _notes(item, index)
        )
        for item in (analysis.registrations if analysis is not None else [])
    ]
    capture = Capture(
        project=project.name, stack=project.stack, preview=preview, resources=[], outputs={},
        not_analysed=list(not_analysed),
    )  # fmt: skip
    return build_report(
        capture,
        project=project,
        pack=pack.spec,
        info=info,
        config=reconcile(info, user_config, pack.spec.version),
        analysis=Analysis(analysed, stack_response),
        resources=view,
    )


def _configured(
    packs: Sequence[RunningPack],
    engine_address: str,
    project: ProjectSpec,
    user_config: Mapping[str, PolicyConfigEntry],
    preview: bool,
) -> list[analyzer_pb2.AnalyzerInfo]:
    """Handshake, ConfigureStack and Configure for each pack in order (plugin.NewPolicyAnalyzer, then
    deployment_executor.go configuring the analyzers before the program runs); each pack's AnalyzerInfo."""
    tags = stack_tags(project.root, project.name, "python", _description(project.root), project.config)
    infos = []
    for pack in packs:
        pack.client.handshake(engine_address, pack.spec.directory)
        TolerantAnalyzer(pack.client).configure_stack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=project.stack, project=project.name, organization=ORGANIZATION, dry_run=preview,
                config=project.config, config_secret_keys=list(project.secret_keys), tags=tags,
            )
        )  # fmt: skip
        infos.append(pack.client.analyzer_info())
        pack.client.configure(reconcile(infos[-1], user_config, pack.spec.version).request())
    return infos


def _blamed(
    failure: Exception, analysis: InlineAnalysis, packs: Sequence[RunningPack], config: ReconciledConfig
) -> Exception:
    """The pack's failure, naming the policy that raised when one policy alone reproduces it (policy_blame)."""
    if not isinstance(failure, PackError) or analysis.failed_request is None:
        return failure
    client = packs[analysis.failed_index].client
    return blame_policy(client, config, [analysis.failed_request], failure)


def not_analysed_lines(world: World, run: ProgramRun) -> list[str]:
    """What the world answered without analysing, as the report's not-analysed lines: invokes answered with a
    placeholder (at the program line the exec script recorded) and remote components left unexpanded."""
    if not isinstance(world, AwsLikeMocks):
        return []
    placeholders = {token for token in run.state.invoked if not token.startswith("pulumi:") and not is_answered(token)}
    sited = set()
    for token, path, line in run.invoke_sites:
        if token in placeholders:
            world.invoke_sites.record(token, path, line)
            sited.add(token)
    for token in sorted(placeholders - sited):
        world.invoke_sites.record(token, "<unknown>", 0)
    return [placeholder.describe() for placeholder in world.invoke_sites.placeholders] + [
        component.describe() for component in world.remote_components.unexpanded
    ]


def run_monitored_gate(
    project: ProjectSpec,
    pack_directories: Sequence[Path],
    user_config: Mapping[str, PolicyConfigEntry] | None = None,
    *,
    preview: bool,
    world: World,
    interpreter: str | None = None,
    progress: Progress | None = None,
    on_warning: Callable[[str], None] = lambda warning: None,
    explain_only: bool = False,
) -> list[GateReport]:
    """One report per pack, in the order given (the CLI's `--policy-pack` order). `on_warning` hears at once what
    the run could not do as the CLI would (a missing virtualenv); `explain_only` asks the packs for their policies
    without running the program."""
    user_config = dict(user_config or {})
    progress = progress or silent()
    with (
        EngineServer(urns.root_stack_urn(project.stack, project.name)) as engine,
        launched_packs(
            [Path(directory) for directory in pack_directories], engine.address, project, preview, on_warning
        ) as packs,
    ):
        with progress.phase("pack start", "policies") as starting:
            infos = _configured(packs, engine.address, project, user_config, preview)
            starting.advance(sum(len(info.policies) for info in infos))

        def reports(
            analysis: InlineAnalysis | None, responses: Sequence[analyzer_pb2.AnalyzeResponse], lines: Sequence[str]
        ) -> list[GateReport]:
            return [
                _report(
                    project=project,
                    pack=pack,
                    info=info,
                    index=index,
                    user_config=user_config,
                    analysis=analysis,
                    stack_response=responses[index],
                    preview=preview,
                    not_analysed=lines,
                )
                for index, (pack, info) in enumerate(zip(packs, infos, strict=True))
            ]

        if explain_only:
            return reports(None, [analyzer_pb2.AnalyzeResponse() for _ in packs], [])
        hooks: list[InlineAnalysis] = []
        program_python = offline_interpreter(
            project.root, runtime_options(project.root / "Pulumi.yaml"), override=interpreter
        )
        if program_python.warning:
            on_warning(f"program {project.root}: {program_python.warning}")
        with progress.phase("program run", "resources registered and analysed") as running:

            def hook(state: MonitorState) -> InlineAnalysis:
                analyzers = [TolerantAnalyzer(pack.client) for pack in packs]
                hooks.append(InlineAnalysis(state, analyzers, on_analysed=running.advance))
                return hooks[0]

            run = run_deployment(
                project=project.name, stack=project.stack, project_root=project.root,
                program_directory=project.main, world=world, config=project.config, preview=preview,
                secret_keys=project.secret_keys, interpreter=program_python.path, registration_hook=hook,
                timeout_seconds=run_timeout_seconds(),
            )  # fmt: skip
        if hooks and hooks[0].failure is not None:
            index = hooks[0].failed_index
            config = reconcile(infos[index], user_config, packs[index].spec.version)
            raise _blamed(hooks[0].failure, hooks[0], packs, config)
        _raise_if_failed(project, run)
        with progress.phase("stack analysis", "packs") as stacking:
            stack_responses = hooks[0].analyze_stack()
            stacking.advance(len(stack_responses))
        not_analysed = not_analysed_lines(world, run)
        engine_logs = engine.logs
        analysed = reports(hooks[0], stack_responses, not_analysed)
    for report in analysed:
        report.warnings += [
            f"pack log ({log.severity}): {log.message}" for log in engine_logs if log.severity != "debug"
        ]
    return analysed


def _description(root: Path) -> str | None:
    document: Any = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    description = document.get("description") if isinstance(document, dict) else None
    return description if isinstance(description, str) else None


def _raise_if_failed(project: ProjectSpec, run: ProgramRun) -> None:
    if run.exit_code == 0:
        return
    logged = "\n".join(run.errors) or run.stderr.strip() or "(it printed nothing)"
    # One line first (the program's exception, or the engine's refusal), then what the program logged.
    # A registration the monitor refused reaches the program as a gRPC error whose details are the engine's message,
    # which the CLI shows as the failure (its step generator reports it, not the program).
    refused = _REFUSAL.search(logged)
    summary = refused.group(1) if refused else final_exception(logged) or logged.strip().splitlines()[0]
    raise ProgramFailed(f"{project.name} ({project.main}) failed (exit code {run.exit_code}): {summary}", logged)
