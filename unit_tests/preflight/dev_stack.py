"""The dev stack run the way its tests need it: function packages built from source only, no developer overrides."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from build_functions import build_function

from delivery_stack.config import ENV_OVERRIDES
from delivery_stack.packaging import BUILD_ROOT_ENV, discover_functions

REPO_ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def dev_stack_environment(build_root: Path) -> Iterator[Path]:
    """Build every function's package into `build_root` (source only: the plan export never reads the package) and
    point the program at it for the duration."""
    for package in discover_functions(output_root=build_root):
        build_function(package, run=lambda command: None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BUILD_ROOT_ENV, str(build_root))
        for variable in ENV_OVERRIDES:
            patch.delenv(variable, raising=False)
        yield build_root


def dev_stack_copy(directory: Path, **overrides: object) -> Path:
    """The dev stack's project and stack files copied into `directory` (the program stays where it is), with the
    given stack config keys replaced; returns `directory`, a program directory for preflight and the scripts."""
    project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    project["main"] = str(REPO_ROOT / "infrastructure")
    stack = yaml.safe_load((REPO_ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    for key, value in overrides.items():
        stack["config"][f"{project['name']}:{key}"] = value
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack), encoding="utf-8")
    return directory
