"""One gate run: launch the pack as the CLI does, configure it as the engine does, analyse a capture, and report."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.analyzer_client import AnalyzerClient
from preflight.engine.engine_service import EngineServer
from preflight.engine.pack_process import ORGANIZATION, PackError, PackProcess, PackSpec
from preflight.engine.wire import engine_resources
from preflight.gate.analysis import DEFAULT_WORKERS, CountingAnalyzer, analyse, root_stack_resource
from preflight.gate.policy_blame import blame_policy
from preflight.gate.policy_config import PolicyConfigEntry, reconcile
from preflight.gate.report import GateReport
from preflight.gate.violations import build_report
from preflight.program.capture import Capture
from preflight.program.progress import Progress, silent
from preflight.program.project import ProjectSpec


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
    progress: Progress | None = None,
) -> GateReport:
    """Configure the pack as the engine does (launching it unless `launched`), analyse the resources, and report."""
    if launched is None:
        with launched_pack(project, pack, capture.preview) as fresh:
            return run_gate(capture, project, pack, user_config, workers=workers, launched=fresh, progress=progress)
    progress = progress or silent()
    engine, process = launched
    resources = engine_resources(capture, project.config)
    stack_root = root_stack_resource(capture)
    engine.servicer.root_urn = stack_root.urn if stack_root else ""
    started = time.perf_counter()
    with AnalyzerClient(process.wait_for_port(), process) as client:
        with progress.phase("pack start", "policies") as start:
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
            config = reconcile(info, user_config or {}, pack.version)
            client.configure(config.request())
            start.advance(len(info.policies))
        configured = time.perf_counter()
        with progress.phase("analysis", "resources analysed", total=len(resources)) as analysing:
            try:
                analysis = analyse(CountingAnalyzer(client, analysing.advance), resources, stack_root, workers)
            except PackError as failure:
                requests = [resource.analyze_request() for resource in resources]
                raise blame_policy(client, config, requests, failure) from failure
        analysed = time.perf_counter()
        engine_logs = engine.logs
    report = build_report(
        capture, project=project, pack=pack, info=info, config=config, analysis=analysis, resources=resources
    )
    reported = time.perf_counter()
    report.warnings += [f"pack log ({log.severity}): {log.message}" for log in engine_logs if log.severity != "debug"]
    report.timings = {
        "pack_start": configured - started,
        "analysis": analysed - configured,
        "report": reported - analysed,
    }
    return report
