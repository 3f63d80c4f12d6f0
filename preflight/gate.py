"""`python -m preflight gate`: the policy gate. Runs the program offline, then acts as the engine for the policy pack.

The program runs under the mocks (known values, as `pulumi up` analyses; unknowns with --preview). The pack is
launched exactly as the CLI launches it and analyses every resource over gRPC (Remediate and Analyze per resource
with its provider, then AnalyzeStack with parents and dependencies). Exit 0 without mandatory violations, 1 with any,
2 when the program, the pack or the configuration is broken.
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from preflight.analyzer import (
    ORGANIZATION,
    AnalyzerClient,
    EngineResource,
    EngineServer,
    PackError,
    PackProcess,
    PackSpec,
    engine_resources,
    engine_urn,
    load_pack_spec,
)
from preflight.capture import Capture
from preflight.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, add_program_arguments, load_and_run
from preflight.gate_report import RENDERERS, GateReport, Location, PolicyRule, Violation
from preflight.policy_config import (
    PolicyConfigEntry,
    PolicyConfigError,
    ReconciledConfig,
    level_name,
    load_policy_config,
    reconcile,
)
from preflight.project import ProjectSpec, load_project

# The pack reports findings a reviewed exemption covers as "not applicable" with this prefix and a JSON list
# (policies/delivery_policies/policy_spec.py); it is the contract between the pack and every report of the gate.
EXEMPTED_PREFIX: Final = "exempted by exemptions.yaml: "
FINDING_MARKER: Final = " (finding: "
DEFAULT_WORKERS: Final = 4
_THIRD_PARTY_DIRS: Final = frozenset({"site-packages", "dist-packages", ".venv", "venv", ".nox"})


class Analyzer(Protocol):
    """The Analyzer calls the gate makes; AnalyzerClient over gRPC, or an in-process servicer adapter."""

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse: ...

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse: ...

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse: ...


@dataclass
class ResourceAnalysis:
    resource: EngineResource
    response: analyzer_pb2.AnalyzeResponse
    remediated: struct_pb2.Struct | None
    remediation_notes: list[str]


@dataclass
class Analysis:
    resources: list[ResourceAnalysis]
    stack: analyzer_pb2.AnalyzeResponse


def _analyse_one(analyzer: Analyzer, resource: EngineResource) -> ResourceAnalysis:
    request = resource.analyze_request()
    remediation = analyzer.remediate(request)
    remediated = None
    notes = []
    for step in remediation.remediations:
        if step.diagnostic:
            notes.append(f"{step.policyName}: {step.diagnostic}")
        if step.HasField("properties"):
            remediated = step.properties
    if remediated is not None:
        request = resource.analyze_request(remediated)
    return ResourceAnalysis(resource, analyzer.analyze(request), remediated, notes)


def root_stack_resource(capture: Capture) -> EngineResource | None:
    if not capture.stack_urn:
        return None
    return EngineResource(
        urn=engine_urn(capture.stack_urn),
        type="pulumi:pulumi:Stack",
        name=f"{capture.project}-{capture.stack}",
        custom=False,
        parent="",
        inputs={},
        outputs=capture.outputs,
        dependencies=[],
        property_dependencies={},
        source_position=None,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The analysis allocates many short-lived objects next to a large, long-lived capture; the cyclic collector
    would rescan that capture again and again (time growing faster than the stack), and reference counting frees
    what the analysis drops anyway."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def analyse_resources(
    analyzer: Analyzer, resources: Sequence[EngineResource], workers: int = DEFAULT_WORKERS
) -> list[ResourceAnalysis]:
    """Remediate and Analyze each resource, several in flight (the engine runs independent steps in parallel)."""
    with _collector_paused(), ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda resource: _analyse_one(analyzer, resource), resources))


def analyse_stack(
    analyzer: Analyzer, analysed: Sequence[ResourceAnalysis], stack_root: EngineResource | None = None
) -> analyzer_pb2.AnalyzeResponse:
    """AnalyzeStack over every resource (the root stack first), with remediated properties where there were any."""
    with _collector_paused():
        members = [stack_root.stack_message()] if stack_root is not None else []
        members += [item.resource.stack_message(item.remediated) for item in analysed]
        return analyzer.analyze_stack(analyzer_pb2.AnalyzeStackRequest(resources=members))


def analyse(
    analyzer: Analyzer,
    resources: Sequence[EngineResource],
    stack_root: EngineResource | None = None,
    workers: int = DEFAULT_WORKERS,
) -> Analysis:
    """What the engine asks of the pack: Remediate and Analyze per resource, then AnalyzeStack."""
    analysed = analyse_resources(analyzer, resources, workers)
    return Analysis(analysed, analyse_stack(analyzer, analysed, stack_root))


def repository_root(start: Path) -> Path:
    """The nearest directory holding .git (source positions are reported relative to it), else `start`."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def source_location(
    resource: EngineResource | None, by_urn: dict[str, EngineResource], repo_root: Path
) -> Location | None:
    """Where the resource is constructed in the repository: its own source position, or its nearest ancestor's when
    it was constructed in library code (a provider, a third-party component)."""
    seen: set[str] = set()
    while resource is not None and resource.urn not in seen:
        seen.add(resource.urn)
        position = resource.source_position
        if position is not None:
            file = Path(position.path)
            if not _THIRD_PARTY_DIRS & set(file.parts):
                try:
                    return Location(file.resolve().relative_to(repo_root).as_posix(), position.line)
                except ValueError:
                    pass
        resource = by_urn.get(resource.parent)
    return None


def _severity_name(severity: int) -> str:
    """`low` .. `critical` for a PolicySeverity, "" for POLICY_SEVERITY_UNSPECIFIED."""
    name = analyzer_pb2.PolicySeverity.Name(severity).removeprefix("POLICY_SEVERITY_").lower()
    return "" if name == "unspecified" else name


def _split_finding(message: str) -> tuple[str, str]:
    if message.endswith(")") and FINDING_MARKER in message:
        text, _, finding = message[:-1].rpartition(FINDING_MARKER)
        return text, finding
    return message, ""


def _strip_description(message: str, description: str) -> str:
    prefix = f"{description}\n"
    return message[len(prefix) :] if description and message.startswith(prefix) else message


@dataclass
class _ReportContext:
    rules: dict[str, PolicyRule]
    by_urn: dict[str, EngineResource]
    repo_root: Path

    def violation(self, policy: str, level: str, severity: str, urn: str, message: str, **extra: Any) -> Violation:
        resource = self.by_urn.get(urn)
        rule = self.rules.get(policy)
        return Violation(
            policy=policy,
            enforcement_level=level,
            severity=severity or (rule.severity if rule else ""),
            resource_type=resource.type if resource else "",
            resource_name=resource.name if resource else "",
            urn=urn,
            message=message,
            location=source_location(resource, self.by_urn, self.repo_root),
            **extra,
        )

    def from_diagnostic(self, diagnostic: Any, default_urn: str) -> Violation:
        text, finding = _split_finding(_strip_description(diagnostic.message, diagnostic.description))
        return self.violation(
            diagnostic.policyName,
            level_name(diagnostic.enforcementLevel),
            _severity_name(diagnostic.severity),
            diagnostic.urn or default_urn,
            text,
            finding=finding,
        )

    def from_exemptions(self, policy: str, reason: str, default_urn: str) -> list[Violation]:
        rule = self.rules.get(policy)
        level = rule.enforcement_level if rule else "mandatory"
        try:
            entries = json.loads(reason.removeprefix(EXEMPTED_PREFIX))
        except ValueError:
            entries = [{"message": reason, "finding": "", "reason": "(unreadable exemption report)"}]
        found = []
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            urn = str(entry.get("urn") or default_urn)
            if not entry.get("reason"):
                # The check also met an unknown value: the "cannot decide" note it would have made on its own.
                found.append(self.violation(policy, "advisory", "", urn, str(entry.get("message", ""))))
                continue
            found.append(
                self.violation(
                    policy,
                    level,
                    "",
                    urn,
                    str(entry.get("message", "")),
                    finding=str(entry.get("finding", "")),
                    exemption_reason=str(entry["reason"]),
                )
            )
        return found

    def from_response(self, response: analyzer_pb2.AnalyzeResponse, default_urn: str) -> list[Violation]:
        found = [self.from_diagnostic(diagnostic, default_urn) for diagnostic in response.diagnostics]
        for entry in response.not_applicable:
            if entry.reason.startswith(EXEMPTED_PREFIX):
                found += self.from_exemptions(entry.policy_name, entry.reason, default_urn)
        return found


def policy_rules(info: analyzer_pb2.AnalyzerInfo, config: ReconciledConfig) -> list[PolicyRule]:
    rules = []
    for policy in info.policies:
        entry = config.entries.get(policy.name)
        rules.append(
            PolicyRule(
                name=policy.name,
                description=policy.description,
                enforcement_level=entry.enforcement_level if entry else level_name(policy.enforcementLevel),
                severity=_severity_name(policy.severity),
                remediation=policy.remediation_steps,
                tags=tuple(policy.tags),
                url=policy.url,
            )
        )
    return rules


def build_report(
    capture: Capture,
    *,
    project: ProjectSpec,
    pack: PackSpec,
    info: analyzer_pb2.AnalyzerInfo,
    config: ReconciledConfig,
    analysis: Analysis,
    resources: Sequence[EngineResource],
) -> GateReport:
    repo_root = repository_root(project.root)
    rules = policy_rules(info, config)
    context = _ReportContext({rule.name: rule for rule in rules}, {r.urn: r for r in resources}, repo_root)
    violations = []
    warnings = list(config.warnings)
    for item in analysis.resources:
        violations += context.from_response(item.response, item.resource.urn)
        warnings += [f"remediation on {item.resource.urn}: {note}" for note in item.remediation_notes]
    violations += context.from_response(analysis.stack, "")
    return GateReport(
        project=capture.project,
        stack=capture.stack,
        preview=capture.preview,
        pack_name=info.name,
        pack_version=pack.version,
        resources=len(analysis.resources),
        rules=rules,
        violations=violations,
        stack_file=(project.root / "Pulumi.yaml").relative_to(repo_root).as_posix(),
        warnings=warnings,
    )


def pack_environment(project: ProjectSpec, preview: bool) -> dict[str, str]:
    """What the CLI sets for the pack process."""
    return {
        "PULUMI_ORGANIZATION": ORGANIZATION,
        "PULUMI_PROJECT": project.name,
        "PULUMI_STACK": project.stack,
        "PULUMI_DRY_RUN": "true" if preview else "false",
        "PULUMI_CONFIG": json.dumps(project.config),
    }


@contextmanager
def launched_pack(project: ProjectSpec, pack: PackSpec, preview: bool) -> Iterator[tuple[EngineServer, PackProcess]]:
    """The engine service and the pack process, launched (not yet waited for) and stopped on exit."""
    with EngineServer() as engine:
        process = PackProcess(pack, engine.address, pack_environment(project, preview))
        try:
            process.launch()
            yield engine, process
        finally:
            process.stop()


def run_gate(
    capture: Capture,
    project: ProjectSpec,
    pack: PackSpec,
    user_config: dict[str, PolicyConfigEntry] | None = None,
    *,
    workers: int = DEFAULT_WORKERS,
    launched: tuple[EngineServer, PackProcess] | None = None,
) -> GateReport:
    """Configure the pack as the engine does (launching it unless `launched`), analyse the resources, and report."""
    if launched is None:
        with launched_pack(project, pack, capture.preview) as fresh:
            return run_gate(capture, project, pack, user_config, workers=workers, launched=fresh)
    engine, process = launched
    resources = engine_resources(capture, project.config)
    stack_root = root_stack_resource(capture)
    engine.servicer.root_urn = stack_root.urn if stack_root else ""
    started = time.perf_counter()
    with AnalyzerClient(process.wait_for_port(), process) as client:
        client.handshake(engine.address, pack.directory)
        client.configure_stack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=project.stack,
                project=project.name,
                organization=ORGANIZATION,
                dry_run=capture.preview,
                config=project.config,
                tags={"pulumi:project": project.name, "pulumi:runtime": "python"},
            )
        )
        info = client.analyzer_info()
        config = reconcile(info, user_config or {})
        client.configure(config.request())
        configured = time.perf_counter()
        analysis = analyse(client, resources, stack_root, workers)
        analysed = time.perf_counter()
        engine_logs = engine.logs
    report = build_report(
        capture, project=project, pack=pack, info=info, config=config, analysis=analysis, resources=resources
    )
    report.warnings += [f"pack log ({log.severity}): {log.message}" for log in engine_logs if log.severity != "debug"]
    report.timings = {"pack_start": configured - started, "analysis": analysed - configured}
    return report


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like an exception, so the pack process is stopped on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_on_signal(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _gate(args: argparse.Namespace) -> int:
    project = load_project(args.program, args.stack)
    try:
        pack = load_pack_spec(args.pack)
        user_config = load_policy_config(args.config) if args.config else {}
    except (PackError, PolicyConfigError) as exc:
        print(f"preflight gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        # The pack starts while the program runs, as the CLI loads its analyzers before running the program.
        with _terminate_as_exit(), launched_pack(project, pack, args.preview) as launched:
            capture = load_and_run(args, preview=args.preview)
            report = run_gate(capture, project, pack, user_config, launched=launched)
    except (PackError, PolicyConfigError) as exc:
        print(f"preflight gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    rendered = RENDERERS[args.format](report)
    if args.output:
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(rendered + "\n", encoding="utf-8")
        print(
            f"preflight gate: {report.mandatory} mandatory, {report.advisory} advisory, {report.exempted} exempted; "
            f"{args.format} report written to {output}"
        )
    else:
        print(rendered)
    for warning in report.warnings:
        print(f"preflight gate: warning: {warning}", file=sys.stderr)
    return EXIT_FINDINGS if report.mandatory else EXIT_OK


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "gate",
        help="run the CrossGuard pack over the program as `pulumi preview/up --policy-pack` would",
        description=__doc__,
    )
    add_program_arguments(parser)
    parser.add_argument("--pack", default="policies", help="policy pack directory holding PulumiPolicy.yaml")
    parser.add_argument("--config", help="policy pack config JSON file (the CLI's --policy-pack-config)")
    parser.add_argument("--preview", action="store_true", help="analyse with unknown values, as `pulumi preview`")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="table")
    parser.add_argument("--output", help="write the report to this file instead of stdout")
    parser.set_defaults(func=_gate)
