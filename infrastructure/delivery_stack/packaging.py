"""Where the Lambda functions come from: one function per `functions/<name>/handler.py`, deployed from the vendored
build output `build/functions/<name>/` that `infrastructure/build_functions.py` writes.

The program never installs anything: a missing build is an error that says which command produces it, raised before
any resource is registered. Paths resolve from this file, not from the working directory, because the Pulumi CLI runs
the program with `infrastructure/` as its working directory while tests and the build step run from the repo root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
DEFAULT_BUILD_ROOT = REPO_ROOT / "build" / "functions"
# CI builds once and may keep the output elsewhere (an artifact directory); the program reads it from there.
BUILD_ROOT_ENV = "DELIVERY_BUILD_DIR"

# One runtime for the deployed function and the build that vendors its dependencies (wheels must match it).
LAMBDA_RUNTIME = "python3.12"
LAMBDA_PYTHON_VERSION = "3.12"
LAMBDA_ARCHITECTURE = "x86_64"
LAMBDA_PIP_PLATFORM = "manylinux2014_x86_64"
HANDLER = "handler.handler"
BUILD_COMMAND = "python infrastructure/build_functions.py"

_FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_FUNCTION_NAME_MAX = 20


class PackagingError(ValueError):
    """A function directory or its build output is missing or unusable; the message names the path and the fix."""


@dataclass(frozen=True)
class FunctionPackage:
    """One deployable function: its source directory and the directory its build step writes."""

    name: str
    source_dir: Path
    build_dir: Path

    @property
    def requirements(self) -> Path:
        return self.source_dir / "requirements.txt"


def build_root(env: Mapping[str, str] | None = None) -> Path:
    """The directory holding one built package per function (`DELIVERY_BUILD_DIR` overrides the default)."""
    environ = os.environ if env is None else env
    override = environ.get(BUILD_ROOT_ENV)
    return Path(override).resolve() if override else DEFAULT_BUILD_ROOT


def discover_functions(
    functions_dir: Path = FUNCTIONS_DIR, output_root: Path = DEFAULT_BUILD_ROOT
) -> list[FunctionPackage]:
    """Every `functions_dir/<name>/handler.py`, sorted by name; raises PackagingError for an unusable name."""
    packages = []
    for handler in sorted(functions_dir.glob("*/handler.py")):
        name = handler.parent.name
        if not _FUNCTION_NAME.match(name) or len(name) > _FUNCTION_NAME_MAX:
            raise PackagingError(
                f"{handler.parent}: function directory names become AWS names; use lowercase letters, digits and "
                f"single hyphens, starting with a letter, at most {_FUNCTION_NAME_MAX} characters"
            )
        packages.append(FunctionPackage(name=name, source_dir=handler.parent, build_dir=output_root / name))
    return packages


def deployable_functions(
    functions_dir: Path = FUNCTIONS_DIR, env: Mapping[str, str] | None = None
) -> list[FunctionPackage]:
    """The functions to deploy, each with its build output present; raises PackagingError otherwise."""
    packages = discover_functions(functions_dir, build_root(env))
    if not packages:
        raise PackagingError(f"{functions_dir}: no function found (expected <name>/handler.py below it)")
    for package in packages:
        if not (package.build_dir / "handler.py").is_file():
            raise PackagingError(
                f"{package.build_dir}: the built package of function `{package.name}` is missing; run "
                f"`{BUILD_COMMAND}` (or `nox -s build`) first, or point {BUILD_ROOT_ENV} at the build output"
            )
    return packages
