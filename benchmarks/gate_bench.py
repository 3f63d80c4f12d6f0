"""Benchmark of the policy gate, side by side with Checkov scanning the same resources.

Phases printed:
- the dev stack: the program run under the mocks, the pack start (launch, handshake, configure), the analysis;
- synthetic stacks of 1,000 and 10,000 resources of the stack's types (regional units of the delivery stack, every
  value known and compliant): pack start and analysis over gRPC with one pack process (what the CLI runs), with two
  pack processes sharing the Analyze calls, and with the pack's servicer driven in-process (no gRPC);
- Checkov's terraform_plan scan of the same resources (preflight.plan's export, Checkov from its own virtualenv),
  when both are available, and the per-resource ratio.

Targets (2-core machine): dev stack end to end < 5 s; 10k analysis < 5 s; 10k/1k time ratio <= 12; analysis at
least 5x faster per resource than Checkov. Run with `nox -s bench` or `python benchmarks/gate_bench.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policies"
SIZES = (1_000, 10_000)
CLI_MODE = "gRPC, 1 pack (as the CLI)"

sys.path[:0] = [str(ROOT), str(ROOT / "infrastructure"), str(PACK_DIR), str(ROOT / "functions" / "pipeline")]
warnings.filterwarnings("ignore", category=DeprecationWarning)

from benchmarks.synthetic_stack import synthetic_capture  # noqa: E402
from preflight import Capture, ProgramError, ProjectError, ProjectSpec, load_project, run_program  # noqa: E402
from preflight.engine.engine_service import EngineServer  # noqa: E402
from preflight.engine.pack_process import PackProcess, load_pack_spec  # noqa: E402
from preflight.engine.wire import engine_resources  # noqa: E402
from preflight.gate.analysis import analyse, analyse_resources, analyse_stack, root_stack_resource  # noqa: E402
from preflight.gate.run import launched_pack, pack_environment, run_gate  # noqa: E402


class Timing:
    label: str
    seconds: float
    resources: int

    @property
    def per_resource_ms(self) -> float:
        return 1000 * self.seconds / max(1, self.resources)


@contextmanager
def timed(results: dict[str, float], key: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    results[key] = time.perf_counter() - started


def bench_project(capture: Capture) -> ProjectSpec:
    return ProjectSpec(
        name=capture.project, root=ROOT, main=ROOT / "infrastructure", stack=capture.stack, stack_file=None, config={}
    )


def gate_over_grpc(capture: Capture, packs: int) -> dict[str, float]:
    """Pack start and analysis over gRPC with `packs` pack processes (Analyze calls shared between them)."""
    project = bench_project(capture)
    spec = load_pack_spec(PACK_DIR)
    if packs == 1:
        report = run_gate(capture, project, spec)
        return {"pack_start": report.timings["pack_start"], "analysis": report.timings["analysis"]}
    from preflight.engine.analyzer_client import AnalyzerClient  # noqa: PLC0415 - only this mode needs it
    from preflight.gate.policy_config import reconcile  # noqa: PLC0415

    timings: dict[str, float] = {}
    resources = engine_resources(capture, project.config)
    with EngineServer() as engine:
        processes = [PackProcess(spec, engine.address, pack_environment(project, False)) for _ in range(packs)]
        try:
            with timed(timings, "pack_start"):
                for process in processes:
                    process.start()
                clients = [AnalyzerClient(process.port, process) for process in processes]
                for client in clients:
                    client.configure(reconcile(client.analyzer_info(), {}).request())
            with timed(timings, "analysis"):
                # Remediate and Analyze shared between the packs; AnalyzeStack (which needs every resource) on one.
                shards = [resources[index::packs] for index in range(packs)]
                with ThreadPoolExecutor(max_workers=packs) as pool:
                    parts = list(pool.map(lambda pair: analyse_resources(*pair), zip(clients, shards, strict=True)))
                analyse_stack(clients[0], [item for part in parts for item in part])
        finally:
            for process in processes:
                process.stop()
    return timings


class InProcessAnalyzer:
    """The pack's own servicer (pulumi_policy's, private: reached through preflight._sdk), no gRPC."""

    def __init__(self) -> None:
        from delivery_policies import PACK_ENFORCEMENT_LEVEL, PACK_NAME, build_policies  # noqa: PLC0415
        from preflight._sdk import policy_analyzer_servicer  # noqa: PLC0415
        from preflight.gate.policy_config import reconcile  # noqa: PLC0415

        self._servicer = policy_analyzer_servicer(PACK_NAME, "0.0.1", build_policies(), PACK_ENFORCEMENT_LEVEL)
        self._servicer.Configure(reconcile(self._servicer.GetAnalyzerInfo(None, None), {}).request(), None)

    def remediate(self, request: Any) -> Any:
        return self._servicer.Remediate(request, None)

    def analyze(self, request: Any) -> Any:
        return self._servicer.Analyze(request, None)

    def analyze_stack(self, request: Any) -> Any:
        return self._servicer.AnalyzeStack(request, None)


def gate_in_process(capture: Capture) -> dict[str, float]:
    timings: dict[str, float] = {}
    with timed(timings, "pack_start"):
        analyzer = InProcessAnalyzer()
    resources = engine_resources(capture, {})
    with timed(timings, "analysis"):
        analyse(analyzer, resources, root_stack_resource(capture), workers=1)
    return timings


def checkov_executable() -> str | None:
    candidates = [ROOT / ".nox" / "checkov" / "bin" / "checkov", shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def checkov_scan(capture: Capture) -> tuple[float, int] | None:
    """(seconds, resources) of Checkov's scan of the plan export of `capture`; None without the export or Checkov."""
    executable = checkov_executable()
    try:
        from preflight.plan.export import export_plan  # noqa: PLC0415 - another module's export, optional here
    except ImportError:
        return None
    if executable is None:
        return None
    export = export_plan(capture)
    with tempfile.TemporaryDirectory() as workdir:
        plan = Path(workdir) / "plan.json"
        plan.write_text(json.dumps(export.plan), encoding="utf-8")
        environment = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - Checkov from the project's own virtualenv
            [
                executable,
                "-f",
                str(plan),
                "--framework",
                "terraform_plan",
                "--quiet",
                "--compact",
                "--skip-download",
                "-o",
                "json",
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return time.perf_counter() - started, export.resource_count


def dev_stack() -> None:
    """The dev stack end to end, as `nox -s gate` runs it: program under mocks, pack start, analysis."""
    print("dev stack (known values, end to end):")
    from unit_tests.preflight.dev_stack import dev_stack_environment  # noqa: PLC0415 - builds the function packages

    timings: dict[str, float] = {}
    pack = load_pack_spec(PACK_DIR)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as build_root, dev_stack_environment(Path(build_root)):
        project = load_project(ROOT, "dev")
        # As `python -m preflight gate` does it: the pack starts while the program runs.
        with launched_pack(project, pack, preview=False) as launched:
            try:
                with timed(timings, "program"):
                    capture = run_program(project, preview=False)
            except (ProjectError, ProgramError) as exc:
                print(f"  not runnable yet: {str(exc).splitlines()[0][:200]}")
                return
            # No policy config file, as `pulumi preview --policy-pack policies` runs it.
            report = run_gate(capture, project, pack, {}, launched=launched)
    total = time.perf_counter() - started
    print(
        f"  {len(capture.resources)} resources: program under mocks {timings['program']:.2f} s, "
        f"pack start {report.timings['pack_start']:.2f} s after the program (it starts during the program run), "
        f"analysis {report.timings['analysis']:.2f} s, "
        f"total {total:.2f} s (target < 5 s: {'met' if total < 5 else 'MISSED'}); "
        f"mandatory violations {report.mandatory}"
    )


def main() -> None:
    # Several jobs may share this machine's two cores: the load says how much of them the figures had.
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    dev_stack()
    modes: dict[str, Callable[[Capture], dict[str, float]]] = {
        CLI_MODE: lambda capture: gate_over_grpc(capture, 1),
        "gRPC, 2 packs": lambda capture: gate_over_grpc(capture, 2),
        "in-process servicer": gate_in_process,
    }
    analysis: dict[tuple[str, int], float] = {}
    for size in SIZES:
        capture = synthetic_capture(size)
        print(f"\nsynthetic stack of {len(capture.resources)} resources:")
        for mode, run in modes.items():
            timings = run(capture)
            analysis[(mode, size)] = timings["analysis"]
            print(
                f"  {mode:<28} pack start {timings['pack_start']:.2f} s, analysis {timings['analysis']:.2f} s "
                f"({1000 * timings['analysis'] / size:.3f} ms per resource)"
            )
        scanned = checkov_scan(capture)
        if scanned is None:
            print("  checkov: not available (needs preflight.plan's export and the checkov nox session's virtualenv)")
            continue
        seconds, exported = scanned
        checkov_ms = 1000 * seconds / max(1, exported)
        gate_ms = 1000 * analysis[(CLI_MODE, size)] / size
        print(
            f"  checkov terraform_plan scan of the same resources ({exported} exported): {seconds:.2f} s "
            f"({checkov_ms:.3f} ms per resource); the gate (as the CLI) is {checkov_ms / gate_ms:.1f}x faster per "
            f"resource (target >= 5x)"
        )
    print("\ntargets:")
    for mode in modes:
        small, large = analysis[(mode, SIZES[0])], analysis[(mode, SIZES[1])]
        print(
            f"  {mode:<28} 10k analysis {large:.2f} s (target < 5 s: {'met' if large < 5 else 'MISSED'}), "
            f"10k/1k ratio {large / small:.1f} (target <= 12: {'met' if large / small <= 12 else 'MISSED'})"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
