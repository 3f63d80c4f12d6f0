"""The arguments every command that runs a program takes (--program, --stack), and the one run they ask for."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from preflight.program.capture import Capture
from preflight.program.project import ProjectSpec, load_project
from preflight.program.runner import run_program


def add_program_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--program", default=".", help="directory holding Pulumi.yaml (default: current directory)")
    parser.add_argument("--stack", default="dev", help="stack name; its Pulumi.<stack>.yaml supplies config")


def load_command_project(args: argparse.Namespace) -> ProjectSpec:
    """The project named by --program/--stack, as every command loads it."""
    return load_project(args.program, args.stack, require_stack_file=True)


def load_and_run(args: argparse.Namespace, preview: bool, on_register: Callable[[], None] | None = None) -> Capture:
    """Shared by every command: load the project named by --program/--stack and run it once."""
    project = load_command_project(args)
    return run_program(project, preview=preview, on_register=on_register)
