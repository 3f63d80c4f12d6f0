"""Benchmark of the policy gate at scale, side by side with Checkov scanning the same resources.

Printed, in one run on one machine (with the load average before and after, since the two cores may be shared):
- the program run of the dev stack in a fresh interpreter with site-packages' bytecode (what every nox session
  installs: UV_COMPILE_BYTECODE) and without it (an empty PYTHONPYCACHEPREFIX: every module compiled, none written);
- the dev stack end to end: `python -m preflight gate` against `python -m preflight plan` + Checkov's scan of that
  plan, each a fresh process as CI runs it (target: the gate <= 0.5x);
- the real program at scale: the delivery stack over 2, 8 and all 28 supported regions (about 3,600 resources, the
  most the program can register: logical names are unique per region), program run under the mocks;
- synthetic stacks of 1,000, 5,000 and 10,000 resources (benchmarks/synthetic_stack.py: regional units of the
  program's resources): pack start, analysis over gRPC with one pack process (what the CLI runs) and report, beside
  Checkov's terraform_plan scan of the same resources exported by preflight's plan export; then the table with the
  per-resource ratio, the growth per 10x, and the CPU seconds of the gate's process and of the pack's;
- where the analysis time goes at the largest size: the pack's own work (its servicer called in this process on the
  same requests, no gRPC) and the transport alone (the gate's analysis against an analyzer that answers nothing,
  benchmarks/null_analyzer.py, served as pulumi_policy serves a pack).

Targets (2-core machine): dev stack gate <= 0.5x plan export + Checkov; 10k analysis < 5 s; whole gate at 10k
(program run included) < 30 s; >= 5x faster per resource than Checkov; time(10k)/time(1k) <= 11.
Run with `nox -s bench` or `python benchmarks/gate_bench.py`.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policies"
SIZES = (1_000, 5_000, 10_000)
# The dev stack's two regions first (their VPC ranges are configured), then the rest in the program's own order.
REGION_COUNTS = (2, 8, 28)

sys.path[:0] = [str(ROOT), str(ROOT / "infrastructure"), str(PACK_DIR), str(ROOT / "functions" / "pipeline")]
warnings.filterwarnings("ignore", category=DeprecationWarning)

from benchmarks.synthetic_stack import synthetic_capture  # noqa: E402
from delivery_stack.config import SUPPORTED_REGIONS  # noqa: E402
from preflight import Capture, ProjectSpec, load_project, run_program  # noqa: E402
from preflight.engine.analyzer_client import AnalyzerClient  # noqa: E402
from preflight.engine.pack_process import load_pack_spec  # noqa: E402
from preflight.engine.wire import EngineResource, engine_resources  # noqa: E402
from preflight.gate.analysis import analyse_resources  # noqa: E402
from preflight.gate.run import pack_environment, run_gate  # noqa: E402
from unit_tests.preflight.dev_stack import dev_stack_environment  # noqa: E402

CHECKOV_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


@dataclass
class Row:
    """One synthetic size: the gate's phases and Checkov's scan of the same resources."""

    resources: int
    pack_start: float
    analysis: float
    report: float
    checkov: float | None
    gate_cpu: float
    pack_cpu: float

    @property
    def gate(self) -> float:
        return self.pack_start + self.analysis + self.report

    def per_resource_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.resources


def timed_command(command: Sequence[str], env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=dict(env), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # noqa: S603
    return time.perf_counter() - started


def children_cpu() -> float:
    """CPU seconds of this process's finished (waited-for) children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far (Linux: /proc/<pid>/stat, user plus system)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def checkov_executable() -> str | None:
    candidates = [ROOT / ".nox" / "checkov" / "bin" / "checkov", shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def checkov_command(executable: str, plan: Path) -> list[str]:
    return [executable, "-f", str(plan), "--framework", "terraform_plan", "--quiet", "--compact", "--skip-download",
            "-o", "json"]  # fmt: skip


def checkov_scan(capture: Capture) -> float | None:
    """Seconds of Checkov's scan of the plan export of `capture`; None without Checkov's virtualenv."""
    executable = checkov_executable()
    if executable is None:
        return None
    from preflight.plan.export import export_plan  # noqa: PLC0415 - the plan export, needed only here

    with tempfile.TemporaryDirectory() as workdir:
        plan = Path(workdir) / "plan.json"
        plan.write_text(json.dumps(export_plan(capture).plan), encoding="utf-8")
        return timed_command(checkov_command(executable, plan), {**os.environ, **CHECKOV_ENV})


def bytecode() -> None:
    """The dev stack's program run in a fresh interpreter, with and without site-packages' bytecode."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "preflight", "preview", "--stack", "dev"]
    with_bytecode = timed_command(command, env)
    with tempfile.TemporaryDirectory() as empty:
        # Python looks for bytecode only under the prefix, finds none and, not allowed to write, compiles everything.
        without = timed_command(command, {**env, "PYTHONPYCACHEPREFIX": empty})
    print(
        f"dev stack program run (`preflight preview`, fresh interpreter): with bytecode {with_bytecode:.2f} s, "
        f"without {without:.2f} s ({without - with_bytecode:.2f} s compiling)"
    )


def dev_stack_gate_against_checkov() -> None:
    """`preflight gate` on the dev stack against `preflight plan` + Checkov's scan, fresh processes as in CI."""
    gate = timed_command(
        [sys.executable, "-m", "preflight", "gate", "--stack", "dev", "--pack", "policies"], os.environ
    )
    executable = checkov_executable()
    if executable is None:
        print(f"dev stack gate end to end {gate:.2f} s; checkov: not available (run `nox -s checkov` once)")
        return
    with tempfile.TemporaryDirectory() as workdir:
        plan = Path(workdir) / "plan.json"
        export = timed_command([sys.executable, "-m", "preflight", "plan", "--stack", "dev", "--output", str(plan)],
                               os.environ)  # fmt: skip
        scan = timed_command(checkov_command(executable, plan), {**os.environ, **CHECKOV_ENV})
    ratio = gate / (export + scan)
    print(
        f"dev stack: gate end to end {gate:.2f} s; plan export {export:.2f} s + checkov {scan:.2f} s = "
        f"{export + scan:.2f} s; ratio {ratio:.2f} (target <= 0.5: {'met' if ratio <= 0.5 else 'MISSED'})"
    )


@contextmanager
def regions(count: int) -> Iterator[None]:
    chosen = ["us-east-1", "us-west-2", *(r for r in SUPPORTED_REGIONS if r not in ("us-east-1", "us-west-2"))]
    saved = os.environ.get("DELIVERY_REGIONS")
    os.environ["DELIVERY_REGIONS"] = ",".join(chosen[:count])
    try:
        yield
    finally:
        if saved is None:
            del os.environ["DELIVERY_REGIONS"]
        else:
            os.environ["DELIVERY_REGIONS"] = saved


def program_at_scale() -> float:
    """The real program over more and more regions, in this process (imports paid by the first run); returns the
    per-resource seconds of the largest run."""
    print("\nthe real program under the mocks (in-process; the first run pays the imports):")
    per_resource = 0.0
    first: tuple[int, float] | None = None
    for count in REGION_COUNTS:
        with regions(count):
            project = load_project(ROOT, "dev")
            started = time.perf_counter()
            capture = run_program(project, preview=False)
            seconds = time.perf_counter() - started
        size = len(capture.resources)
        per_resource = seconds / size
        growth = ""
        if first is not None:
            growth = f", time x{seconds / first[1]:.1f} for x{size / first[0]:.1f} resources"
        first = first or (size, seconds)
        print(
            f"  {count:>2} regions: {size:>5} resources in {seconds:6.2f} s "
            f"({1000 * per_resource:.2f} ms per resource{growth})"
        )
    return per_resource


def synthetic_project(capture: Capture) -> ProjectSpec:
    return ProjectSpec(name=capture.project, root=ROOT, main=ROOT / "infrastructure", stack=capture.stack,
                       stack_file=None, config={})  # fmt: skip


def synthetic_rows() -> list[Row]:
    spec = load_pack_spec(PACK_DIR)
    rows = []
    for size in SIZES:
        capture = synthetic_capture(size)
        pack_before, gate_before = children_cpu(), time.process_time()
        # The pack process is waited for when run_gate returns, so its CPU time is among the children's.
        report = run_gate(capture, synthetic_project(capture), spec)
        gate_cpu, pack_cpu = time.process_time() - gate_before, children_cpu() - pack_before
        timings = report.timings
        rows.append(
            Row(
                len(capture.resources),
                timings["pack_start"],
                timings["analysis"],
                timings["report"],
                checkov_scan(capture),
                gate_cpu,
                pack_cpu,
            )
        )
    return rows


def pack_in_process(capture: Capture, resources: list[EngineResource]) -> tuple[float, float]:
    """Wall and CPU seconds of the pack's Remediate and Analyze for each resource, its servicer called in this process
    (as the pack's __main__ sets it up, in the environment the CLI gives the pack), no gRPC."""
    from delivery_policies import PACK_ENFORCEMENT_LEVEL, build_policies, resource_types_by_policy  # noqa: PLC0415
    from delivery_policies.shared_request import Servicer, install  # noqa: PLC0415

    install(resource_types_by_policy())
    servicer = Servicer("delivery-policies", "0.0.1", build_policies(), PACK_ENFORCEMENT_LEVEL)
    requests = [item.analyze_request() for item in resources]
    saved = dict(os.environ)
    os.environ.update(pack_environment(synthetic_project(capture), capture.preview))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for request in requests:
            servicer.Remediate(request, None)
            servicer.Analyze(request, None)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        os.environ.clear()
        os.environ.update(saved)


def transport_alone(resources: list[EngineResource]) -> tuple[float, float, float]:
    """Wall seconds, the gate's CPU and the analyzer's CPU of the gate's per-resource analysis against an analyzer that
    answers nothing: the cost of the gRPC calls themselves."""
    command = [sys.executable, str(ROOT / "benchmarks" / "null_analyzer.py")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        port = server.stdout.readline() if server.stdout is not None else ""
        with AnalyzerClient(int(port)) as client:
            server_cpu = process_cpu(server.pid)
            wall, cpu = time.perf_counter(), time.process_time()
            analyse_resources(client, resources)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            server_cpu = process_cpu(server.pid) - server_cpu
    finally:
        server.kill()
        server.wait()
    return wall, cpu, server_cpu


def where_the_time_goes(large: Row) -> None:
    capture = synthetic_capture(large.resources)
    resources = engine_resources(capture, {})
    built = time.process_time()
    for item in resources:
        item.analyze_request()
    built = time.process_time() - built
    pack_wall, pack_cpu = pack_in_process(capture, resources)
    null_wall, null_gate_cpu, null_server_cpu = transport_alone(resources)
    size = len(resources)

    def ms(seconds: float) -> str:
        return f"{1000 * seconds / size:.3f} ms"

    print(f"\nwhere the analysis goes at {size} resources (analysis above: {large.analysis:.2f} s, {ms(large.analysis)}"
          f" per resource; CPU: gate {large.gate_cpu:.2f} s, pack {large.pack_cpu:.2f} s with its start):")  # fmt: skip
    print(f"  the gate building the {size} AnalyzeRequests: {built:.2f} s CPU ({ms(built)} per resource)")
    print(
        f"  the pack's own Remediate + Analyze, in-process, no gRPC: {pack_wall:.2f} s wall, {pack_cpu:.2f} s CPU "
        f"({ms(pack_cpu)} per resource)"
    )
    print(
        f"  gRPC alone (the gate's analysis against an analyzer answering nothing): {null_wall:.2f} s wall "
        f"({ms(null_wall)} per resource); CPU: gate {null_gate_cpu:.2f} s, analyzer {null_server_cpu:.2f} s"
    )


def print_table(rows: list[Row], program_per_resource: float) -> None:
    print("\nsynthetic stacks, the gate (one pack over gRPC, as the CLI) beside Checkov on the same exported plan:")
    print(
        "| resources | pack start | analysis | report | gate | checkov | gate ms/res | checkov ms/res | checkov/gate "
        "| CPU gate | CPU pack |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        checkov = "n/a" if row.checkov is None else f"{row.checkov:.2f} s"
        checkov_ms = "n/a" if row.checkov is None else f"{row.per_resource_ms(row.checkov):.3f}"
        ratio = "n/a" if row.checkov is None else f"{row.checkov / row.gate:.1f}x"
        print(
            f"| {row.resources} | {row.pack_start:.2f} s | {row.analysis:.2f} s | {row.report:.2f} s | "
            f"{row.gate:.2f} s | {checkov} | {row.per_resource_ms(row.gate):.3f} | {checkov_ms} | {ratio} | "
            f"{row.gate_cpu:.2f} s | {row.pack_cpu:.2f} s |"
        )
    small, large = rows[0], rows[-1]
    factor = large.resources / small.resources
    print(f"\ngrowth from {small.resources} to {large.resources} resources (x{factor:.0f}):")
    print(f"  analysis x{large.analysis / small.analysis:.1f}, gate x{large.gate / small.gate:.1f}", end="")
    if small.checkov and large.checkov:
        print(f", checkov x{large.checkov / small.checkov:.1f}")
    else:
        print()
    program = program_per_resource * large.resources
    whole = program + large.gate
    print("targets at 10k:")
    print(f"  analysis {large.analysis:.2f} s (target < 5 s: {'met' if large.analysis < 5 else 'MISSED'})")
    print(
        f"  whole gate about {whole:.1f} s = program run {program:.1f} s (estimated: {1000 * program_per_resource:.2f} "
        f"ms per resource from the largest real run; the program cannot register 10k) + gate {large.gate:.2f} s "
        f"(target < 30 s: {'met' if whole < 30 else 'MISSED'})"
    )
    if large.checkov:
        ratio = large.checkov / large.gate
        print(f"  per resource {ratio:.1f}x faster than Checkov (target >= 5x: {'met' if ratio >= 5 else 'MISSED'})")
    growth = large.gate / small.gate
    print(f"  time(10k)/time(1k) {growth:.1f} (target <= 11: {'met' if growth <= 11 else 'MISSED'})")


def main() -> None:
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as build_root, dev_stack_environment(Path(build_root)):
        bytecode()
        dev_stack_gate_against_checkov()
        program_per_resource = program_at_scale()
    rows = synthetic_rows()
    print_table(rows, program_per_resource)
    where_the_time_goes(rows[-1])
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
