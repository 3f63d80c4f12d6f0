"""buildspec.yml and deployspec.yml: the pipeline's build and deploy steps, kept and tested in the repository.

The build must test, build each function's package exactly once and hand over what the deploy actions read; the
deploy spec must only upload what was built. The tests read the files as CodeBuild would (YAML) and compare them with
what the program registers for the pipeline.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
from pathlib import Path
from typing import Any

import yaml

from delivery_stack.components.cicd import BUILDSPEC_PATH, DEPLOYSPEC_PATH, PACKAGE_DIR, package_path
from delivery_stack.packaging import BUILD_COMMAND, discover_functions
from preflight import Capture
from unit_tests.infrastructure.support import REPO_ROOT, resources_of

PHASE_ORDER = ("install", "pre_build", "build", "post_build")


def _spec(path: str) -> dict[str, Any]:
    document = yaml.safe_load((REPO_ROOT / path).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _commands(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(phase, command) in the order CodeBuild runs them."""
    phases = spec["phases"]
    return [(phase, command) for phase in PHASE_ORDER for command in phases.get(phase, {}).get("commands", [])]


def test_buildspec_is_a_codebuild_spec_with_an_install_phase() -> None:
    spec = _spec(BUILDSPEC_PATH)
    assert str(spec["version"]) == "0.2"
    install = spec["phases"]["install"]
    assert install["runtime-versions"]["python"]
    assert any("nox" in command for command in install["commands"])


def test_buildspec_runs_the_unit_tests_before_it_builds_once() -> None:
    """Seed failure: "CodeBuild buildspec is inline and not version controlled": the spec is this file, and it
    tests, then builds the function packages exactly once."""
    commands = _commands(_spec(BUILDSPEC_PATH))
    test_steps = [i for i, (_, command) in enumerate(commands) if shlex.split(command)[:1] == ["nox"]]
    test_steps = [i for i in test_steps if "unit" in shlex.split(commands[i][1])]
    build_steps = [i for i, (_, command) in enumerate(commands) if command.strip() == BUILD_COMMAND]
    assert len(test_steps) == 1, commands
    assert len(build_steps) == 1, f"the package build must run exactly once: {commands}"
    assert test_steps[0] < build_steps[0]
    # A failing test phase must stop the build: the tests run in pre_build, the build in build.
    assert commands[test_steps[0]][0] == "pre_build"
    assert commands[build_steps[0]][0] == "build"
    # The script it runs is in the repository.
    assert (REPO_ROOT / shlex.split(BUILD_COMMAND)[1]).is_file()
    # The zips are written in the build phase (post_build also runs after a failed build).
    zip_steps = [i for i, (phase, command) in enumerate(commands) if "zip " in command and phase == "build"]
    assert zip_steps
    assert zip_steps[0] > build_steps[0]
    assert f"{PACKAGE_DIR}/*/" in commands[zip_steps[0]][1]


def test_the_artifact_holds_every_package_the_deploy_stage_reads_and_the_deploy_spec(up_three: Capture) -> None:
    """Seed failure: "Lambda deployment uses local FileArchive without CI/CD artifact integration": every package a
    Deploy action uploads is one the build wrote into its artifact."""
    files = _spec(BUILDSPEC_PATH)["artifacts"]["files"]
    assert DEPLOYSPEC_PATH in files
    assert _spec(BUILDSPEC_PATH)["artifacts"].get("discard-paths", False) is False
    packages = [package_path(package.name) for package in discover_functions()]
    assert packages
    for package in packages:
        assert any(fnmatch.fnmatch(package, pattern) for pattern in files), package
    (pipeline,) = resources_of(up_three, "aws:codepipeline/pipeline:Pipeline")
    read_by_deploys = set()
    for stage in pipeline.inputs["stages"]:
        for action in stage["actions"]:
            if "EnvironmentVariables" in action.get("configuration", {}):
                variables = json.loads(action["configuration"]["EnvironmentVariables"])
                read_by_deploys |= {v["value"] for v in variables if v["name"] == "FUNCTION_PACKAGE"}
    assert read_by_deploys == set(packages)
    for package in read_by_deploys:
        assert any(fnmatch.fnmatch(package, pattern) for pattern in files), package


def test_deployspec_only_uploads_the_built_package_to_its_region() -> None:
    spec = _spec(DEPLOYSPEC_PATH)
    commands = [command for _, command in _commands(spec)]
    text = "\n".join(commands)
    (update,) = [c for c in commands if "update-function-code" in c]
    arguments = shlex.split(update)
    assert arguments[:3] == ["aws", "lambda", "update-function-code"]
    options = dict(zip(arguments[3::2], arguments[4::2], strict=True))
    assert options == {
        "--region": "$TARGET_REGION",
        "--function-name": "$FUNCTION_NAME",
        "--zip-file": "fileb://$FUNCTION_PACKAGE",
    }
    assert "aws lambda wait function-updated" in text
    # It builds nothing: no install, no pip, no build script.
    assert "pip" not in text
    assert BUILD_COMMAND not in text
    assert set(spec["phases"]) == {"build"}


def test_spec_paths_are_files_at_the_repository_root() -> None:
    for path in (BUILDSPEC_PATH, DEPLOYSPEC_PATH):
        assert Path(path).name == path
        assert (REPO_ROOT / path).is_file()


def test_the_build_runs_on_the_lambda_runtimes_python() -> None:
    """The build ships bytecode only when it runs on the runtime's Python (Lambda cannot cache what it compiles)."""
    from delivery_stack.packaging import LAMBDA_PYTHON_VERSION

    spec = _spec(BUILDSPEC_PATH)
    assert str(spec["phases"]["install"]["runtime-versions"]["python"]) == LAMBDA_PYTHON_VERSION
