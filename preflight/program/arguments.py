"""The arguments every command that runs a program takes (--program, --stack), and the one run they ask for."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from preflight.program.capture import Capture
from preflight.program.project import ProjectSpec, load_project
from preflight.program.runner import run_program


def add_program_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--program", default=".", help="directory holding Pulumi.yaml (default: current directory)")
    parser.add_argument("--stack", default="dev", help="stack name; its Pulumi.<stack>.yaml supplies config")


def stack_file_required(program: str | Path) -> bool:
    """Whether a missing Pulumi.<stack>.yaml is an error: only where the project has stack files (then it is a
    misspelt --stack). A project with none, as a fresh clone of pulumi/examples, runs as a new stack with empty stack
    config, as the CLI runs it after `pulumi stack init`."""
    return any(Path(program).glob("Pulumi.?*.yaml"))


def load_command_project(args: argparse.Namespace) -> ProjectSpec:
    """The project named by --program/--stack, as every command loads it."""
    return load_project(args.program, args.stack, require_stack_file=stack_file_required(args.program))


def load_and_run(args: argparse.Namespace, preview: bool, on_register: Callable[[], None] | None = None) -> Capture:
    """Shared by every command: load the project named by --program/--stack and run it once."""
    project = load_command_project(args)
    return run_program(project, preview=preview, on_register=on_register)
