"""The integration suite's target: `--target local` (default: moto on loopback) or `--target aws`.

The stack is brought up once, when the session starts (so pytest's header can say what the target is and, locally,
which types were not materialised), and torn down when it ends, whatever the tests did.

    pytest integration_tests                                   # local: deploy into moto, serve the API on loopback
    pytest integration_tests --target aws --stack STACK        # a deployed stack's outputs
    pytest integration_tests --target aws --ephemeral          # create, test, destroy a stack (with the policy pack)

`--target aws` on the command line fails loudly without the pulumi CLI or AWS credentials; the same target chosen
through INTEGRATION_TARGET=aws (CI on a fork without secrets) skips with that message instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from integration_tests.pipeline_client import PipelineClient, pipeline_client_for
from integration_tests.targets import (
    EphemeralStack,
    RegionUnderTest,
    StackUnderTest,
    TargetUnavailable,
    environment_asks_for_aws,
    ephemeral_aws_stack,
    existing_aws_stack,
    require_aws_access,
    start_local,
)
from preflight import load_project

REPO_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = REPO_ROOT / "functions"

_STATE = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("integration", "integration target")
    group.addoption("--target", choices=("local", "aws"), default=None, help="local (default) or aws")
    group.addoption("--stack", default="dev", help="stack name: its config (local) or the deployed stack (aws)")
    group.addoption("--program", default=str(REPO_ROOT), help="the Pulumi project directory (default: this repository)")
    group.addoption(
        "--ephemeral",
        action="store_true",
        help="aws: create a uniquely suffixed stack from --stack's config, test it, destroy and remove it",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "aws_only: reads back settings the local target would only echo; runs on aws")
    config.addinivalue_line("markers", "local_only: failure injection into the local target")
    config.addinivalue_line("markers", "destructive: breaks the deployed stack; runs after every other test")
    explicit = config.getoption("--target")
    target = explicit or ("aws" if environment_asks_for_aws() else "local")
    if config.getoption("--ephemeral") and target != "aws":
        raise pytest.UsageError("--ephemeral creates a real stack: use it with --target aws")
    state: dict[str, Any] = {"target": target, "explicit": explicit is not None}
    config.stash[_STATE] = state
    if target == "aws" and explicit:
        try:
            require_aws_access()
        except TargetUnavailable as missing:
            raise pytest.UsageError(f"--target aws was asked for, but {missing}") from None


def _function_build_root(state: dict[str, Any]) -> None:
    """The program deploys each function's build output; build it (source only, no pip) when none exists.

    The local target runs the handler from functions/<name>/ with this environment's packages, so the vendored
    dependencies of a real build would only be stored in moto, never run.
    """
    from build_functions import build_function

    from delivery_stack.packaging import BUILD_ROOT_ENV, build_root, discover_functions

    root = build_root()
    packages = discover_functions(output_root=root)
    if all((package.build_dir / "handler.py").is_file() for package in packages):
        return
    temporary = Path(tempfile.mkdtemp(prefix="integration-builds-"))
    for package in discover_functions(output_root=temporary):
        build_function(package, run=lambda command: None)
    state["build_dir"] = temporary
    state["saved_build_env"] = os.environ.get(BUILD_ROOT_ENV)
    os.environ[BUILD_ROOT_ENV] = str(temporary)


def _cleanup(state: dict[str, Any]) -> None:
    stack: StackUnderTest | None = state.get("stack")
    ephemeral: EphemeralStack | None = state.get("ephemeral")
    try:
        if stack is not None and stack.local is not None:
            stack.local.close()
        if ephemeral is not None:
            ephemeral.destroy()
    finally:
        if "build_dir" in state:
            shutil.rmtree(state["build_dir"], ignore_errors=True)
            from delivery_stack.packaging import BUILD_ROOT_ENV

            if state["saved_build_env"] is None:
                os.environ.pop(BUILD_ROOT_ENV, None)
            else:
                os.environ[BUILD_ROOT_ENV] = state["saved_build_env"]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    state = config.stash[_STATE]
    config.add_cleanup(lambda: _cleanup(state))
    try:
        project = load_project(config.getoption("--program"), config.getoption("--stack"))
        if state["target"] == "local":
            _function_build_root(state)
            state["stack"] = start_local(project, FUNCTIONS_DIR)
        elif config.getoption("--ephemeral"):
            state["stack"], state["ephemeral"] = ephemeral_aws_stack(project, project.stack)
        else:
            state["stack"] = existing_aws_stack(project)
    except TargetUnavailable as missing:
        if state["explicit"]:
            pytest.exit(f"--target aws: {missing}", returncode=pytest.ExitCode.USAGE_ERROR)
        state["skip"] = f"INTEGRATION_TARGET=aws, but {missing}"
    except Exception as error:
        # Every test then fails with this message (a failed deploy is a red suite, never a skip).
        state["error"] = f"{type(error).__name__}: {error}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[_STATE]
    if "stack" in state:
        return list(state["stack"].header_lines)
    if "skip" in state:
        return [f"integration target: {state['target']} (skipped: {state['skip']})"]
    return [f"integration target: {state['target']} (failed to start: {state.get('error')})"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "region_name" in metafunc.fixturenames:
        stack: StackUnderTest | None = metafunc.config.stash[_STATE].get("stack")
        names = sorted(stack.regions) if stack is not None else ["no-region"]
        metafunc.parametrize("region_name", names, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    target = config.stash[_STATE]["target"]
    excluded_marker = "aws_only" if target == "local" else "local_only"
    kept = [item for item in items if item.get_closest_marker(excluded_marker) is None]
    deselected = [item for item in items if item.get_closest_marker(excluded_marker) is not None]
    config.stash[_STATE]["deselected"] = sorted(
        {item.originalname for item in deselected if hasattr(item, "originalname")}
    )
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    # Destructive tests last: they leave the stack broken for anything after them.
    kept.sort(key=lambda item: item.get_closest_marker("destructive") is not None)
    items[:] = kept


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    state = config.stash[_STATE]
    other = "aws-only, not run on the local target" if state["target"] == "local" else "local-only, not run on aws"
    return [f"{other}: {', '.join(state.get('deselected', [])) or 'none'}"]


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> StackUnderTest:
    state = request.config.stash[_STATE]
    if "skip" in state:
        pytest.skip(state["skip"])
    if "error" in state:
        pytest.fail(f"the {state['target']} target could not be brought up: {state['error']}", pytrace=False)
    result: StackUnderTest = state["stack"]
    return result


@pytest.fixture(scope="session")
def region(stack: StackUnderTest, region_name: str) -> RegionUnderTest:
    return stack.regions[region_name]


@pytest.fixture(scope="session")
def primary(stack: StackUnderTest) -> RegionUnderTest:
    return stack.primary


@pytest.fixture(scope="session")
def pipeline(region: RegionUnderTest) -> PipelineClient:
    return pipeline_client_for(region)
