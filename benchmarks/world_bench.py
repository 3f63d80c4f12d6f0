"""Benchmark of the offline world (issue 13): the dev stack's program run under the world's answers, beside the
answers it replaced (the per-type answers only: inputs echoed in preview, inputs plus the type's computed keys in up),
both measured in this run, interleaved, median of several runs per mode.

Target: the world costs no more than 1.2x the per-type answers. Run with `nox -s bench` or
`python benchmarks/world_bench.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
TARGET_RATIO = 1.2

sys.path[:0] = [str(ROOT), str(ROOT / "infrastructure")]
warnings.filterwarnings("ignore", category=DeprecationWarning)

from pulumi.runtime import mocks  # noqa: E402

from preflight import AwsLikeMocks, load_project, run_program  # noqa: E402
from preflight.world.arns import Ctx  # noqa: E402
from preflight.world.resource_answers import answer_for  # noqa: E402


class PerTypeAnswers(AwsLikeMocks):
    """The baseline: what the world answered before it was read from the SDK's types."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:") or self.preview:
            return super().new_resource(args) if not self.preview else (None, dict(args.inputs))
        rid, computed = answer_for(args.typ)(Ctx(args, self.region_for(args.provider or ""), self.account))
        return rid, {**args.inputs, **computed}


def _seconds(factory: type[AwsLikeMocks], preview: bool) -> float:
    project = load_project(ROOT, "dev")
    started = time.perf_counter()
    run_program(project, preview=preview, mock_impl=factory(preview=preview))
    return time.perf_counter() - started


def main() -> None:
    for preview in (True, False):
        _seconds(PerTypeAnswers, preview)
        _seconds(AwsLikeMocks, preview)  # first runs pay the SDK imports and the type introspection caches
        baseline, world = [], []
        for _ in range(RUNS):
            baseline.append(_seconds(PerTypeAnswers, preview))
            world.append(_seconds(AwsLikeMocks, preview))
        ratio = statistics.median(world) / statistics.median(baseline)
        verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
        mode = "preview" if preview else "up"
        print(
            f"dev stack program run ({mode}): world {statistics.median(world):.3f} s, baseline per-type answers "
            f"{statistics.median(baseline):.3f} s, ratio {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})"
        )


if __name__ == "__main__":
    main()
