"""`python -m preflight <command>`: preview, and the commands the other preflight rooms contribute."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from preflight.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from preflight.program import preview
from preflight.program.project import ProjectError
from preflight.program.runner import ProgramError

__all__ = ["COMMAND_MODULES", "EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "build_parser", "main"]

# Each module contributes `register(subparsers)`, which adds its subcommand with `func=` set to a handler taking
# the parsed args and returning an exit code. Modules are imported only when their command line is parsed. They
# import their optional dependencies (jsonschema, boto3; the pack's pulumi-policy runs in its own process) inside
# their handlers, so every command registers, and `preview` runs, on the base install (pulumi, pulumi-aws).
COMMAND_MODULES = ("preflight.gate.command", "preflight.gate.engine_command", "preflight.plan.command")


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preflight", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    preview.register(subparsers)
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        register: Callable[[Any], None] = module.register
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (ProjectError, ProgramError) as exc:
        print(f"preflight: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return code
