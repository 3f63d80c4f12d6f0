"""Where functions come from and where their builds are, pure (temporary directories only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from delivery_stack.packaging import (
    BUILD_ROOT_ENV,
    PackagingError,
    build_root,
    deployable_functions,
    discover_functions,
)
from unit_tests.infrastructure.support import REPO_ROOT


def _function(root: Path, name: str) -> Path:
    (root / name).mkdir(parents=True)
    (root / name / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    return root / name


def test_the_repository_functions_are_discovered_in_functions() -> None:
    (pipeline,) = [package for package in discover_functions() if package.name == "pipeline"]
    assert pipeline.source_dir == REPO_ROOT / "functions" / "pipeline"


def test_one_package_per_directory_with_a_handler(tmp_path: Path) -> None:
    _function(tmp_path, "pipeline")
    _function(tmp_path, "audit-export")
    (tmp_path / "shared").mkdir()
    packages = discover_functions(tmp_path, tmp_path / "out")
    assert [(p.name, p.build_dir) for p in packages] == [
        ("audit-export", tmp_path / "out" / "audit-export"),
        ("pipeline", tmp_path / "out" / "pipeline"),
    ]
    assert packages[1].requirements == tmp_path / "pipeline" / "requirements.txt"


@pytest.mark.parametrize("name", ["Pipeline", "pipe_line", "a-name-that-is-far-too-long"])
def test_directory_names_that_cannot_become_aws_names_are_refused(tmp_path: Path, name: str) -> None:
    _function(tmp_path, name)
    with pytest.raises(PackagingError, match="function directory names become AWS names"):
        discover_functions(tmp_path, tmp_path / "out")


def test_build_root_default_and_override(tmp_path: Path) -> None:
    """`nox -s build` and the pipeline's buildspec write build/functions/<name>/; the program reads there."""
    assert build_root({}) == REPO_ROOT / "build" / "functions"
    assert build_root({BUILD_ROOT_ENV: str(tmp_path)}) == tmp_path.resolve()


def test_deployable_functions_need_their_build(tmp_path: Path) -> None:
    """Seed failure: "Lambda deployment uses local FileArchive without CI/CD artifact integration": no build, no
    deploy, and the error says which command builds it."""
    _function(tmp_path / "src", "pipeline")
    env = {BUILD_ROOT_ENV: str(tmp_path / "out")}
    with pytest.raises(PackagingError, match=r"run `python infrastructure/build_functions.py` \(or `nox -s build`\)"):
        deployable_functions(tmp_path / "src", env)
    _function(tmp_path / "out", "pipeline")
    (package,) = deployable_functions(tmp_path / "src", env)
    assert package.build_dir == (tmp_path / "out" / "pipeline").resolve()


def test_no_function_at_all_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="no function found"):
        deployable_functions(tmp_path, {BUILD_ROOT_ENV: str(tmp_path)})
