"""Runs of the real program (infrastructure/ with Pulumi.dev.yaml) under preflight, shared across the tests.

One run per (mode, regions) combination is cached for the session: the tests only read the captures. The function
packages are built once into a temporary directory (source only: the program never looks inside the package).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from build_functions import build_function

from delivery_stack.config import ENV_OVERRIDES
from delivery_stack.packaging import BUILD_ROOT_ENV, discover_functions
from preflight import Capture, ProjectSpec, load_project, run_program
from unit_tests.infrastructure.support import ONE_REGION, REPO_ROOT, THREE_REGIONS, CaptureFactory, regions_config

MODES = {"preview": True, "up": False}


@pytest.fixture(scope="session")
def function_build_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("function-builds")
    for package in discover_functions(output_root=root):
        # No pip: what the program needs from a build is its presence (the code archive points at it).
        build_function(package, run=lambda command: None)
    return root


@pytest.fixture(scope="session")
def program_environment(function_build_root: Path) -> Iterator[Path]:
    """The process environment a program run sees: the test build, and no developer overrides."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BUILD_ROOT_ENV, str(function_build_root))
        for variable in ENV_OVERRIDES:
            patch.delenv(variable, raising=False)
        yield function_build_root


@pytest.fixture(scope="session")
def project() -> ProjectSpec:
    return load_project(REPO_ROOT, "dev")


@pytest.fixture(scope="session")
def run_stack(project: ProjectSpec, program_environment: Path) -> CaptureFactory:
    """`run_stack(preview, regions=..., **stack_config)`: one cached program run per distinct argument set."""
    cache: dict[tuple[Any, ...], Capture] = {}

    def run(preview: bool, regions: Sequence[str] | None = None, **overrides: Any) -> Capture:
        key = (preview, tuple(regions or ()), tuple(sorted((k, json.dumps(v)) for k, v in overrides.items())))
        if key not in cache:
            extra = regions_config(regions, **overrides) if regions else None
            cache[key] = run_program(project, preview=preview, extra_config=extra)
        return cache[key]

    return run


@pytest.fixture(scope="session")
def dev_up(run_stack: CaptureFactory) -> Capture:
    """The dev stack file as it is (two regions), with known values."""
    return run_stack(False)


@pytest.fixture(
    scope="session",
    params=[(mode, regions) for mode in MODES for regions in (ONE_REGION, THREE_REGIONS)],
    ids=lambda param: f"{param[0]}-{len(param[1])}region",
)
def capture(request: pytest.FixtureRequest, run_stack: CaptureFactory) -> Capture:
    """Each test using this runs for preview and up, one and three regions."""
    mode, regions = request.param
    return run_stack(MODES[mode], regions)


@pytest.fixture(scope="session", params=list(MODES), ids=list(MODES))
def three_regions(request: pytest.FixtureRequest, run_stack: CaptureFactory) -> Capture:
    return run_stack(MODES[request.param], THREE_REGIONS)


@pytest.fixture(scope="session")
def up_three(run_stack: CaptureFactory) -> Capture:
    return run_stack(False, THREE_REGIONS)


@pytest.fixture(scope="session")
def preview_three(run_stack: CaptureFactory) -> Capture:
    return run_stack(True, THREE_REGIONS)


TUNED_CONFIG = {
    "lambdaMemoryMb": "512",
    "lambdaTimeoutSeconds": "20",
    "lambdaReservedConcurrency": "250",
    "logRetentionDays": "30",
    "errorRateThresholdPercent": "2.5",
}


@pytest.fixture(scope="session")
def tuned(run_stack: CaptureFactory) -> Capture:
    """One region with every tunable the function and its alarms read set away from its default (TUNED_CONFIG)."""
    return run_stack(True, ONE_REGION, **TUNED_CONFIG)


# What a component built alone stands on: the dev stack's primary-region context, and plain resources standing in for
# the key, bucket and topic other components would provide. A component under test must take every setting from its
# Args: the tests pass values the dev stack file does not hold, so a setting read from anywhere else shows.
ALONE_PRELUDE = """
import types

import pulumi
import pulumi_aws as aws

from delivery_stack.config import ApiSettings, FunctionSettings, load_config
from delivery_stack.stack import region_context

config = load_config()
ctx = region_context(config, config.primary_region, pulumi.get_stack())
in_region = pulumi.ResourceOptions(provider=ctx.provider)
key = aws.kms.Key("stand-in-key", opts=in_region)
bucket = aws.s3.Bucket("stand-in-bucket", opts=in_region)
topic = aws.sns.Topic("stand-in-topic", opts=in_region)
"""


@pytest.fixture(scope="session")
def build_alone(tmp_path_factory: pytest.TempPathFactory, program_environment: Path) -> Callable[[str], Capture]:
    """`build_alone(body)`: the program ALONE_PRELUDE + `body` (which builds one component), run as `up`."""

    def build(body: str) -> Capture:
        root = tmp_path_factory.mktemp("component-alone")
        (root / "program").mkdir()
        (root / "program" / "__main__.py").write_text(ALONE_PRELUDE + textwrap.dedent(body))
        (root / "Pulumi.yaml").write_text("name: serverless-delivery\nruntime: python\nmain: program/\n")
        (root / "Pulumi.dev.yaml").write_text((REPO_ROOT / "Pulumi.dev.yaml").read_text())
        return run_program(load_project(root, "dev"), preview=False)

    return build
