"""`python -m preflight <command>`: preview, and the commands the other preflight rooms contribute.

Exit codes (preflight.exit_codes): 0 clean, 1 only for mandatory policy violations, 2 for a broken program, pack,
configuration or command line (one line naming the input first; the traceback only with --debug), 130 when
interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from preflight.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK
from preflight.program import preview
from preflight.program.project import ProjectError
from preflight.program.runner import ProgramError

__all__ = ["COMMAND_MODULES", "EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "build_parser", "main"]

# Each module contributes `register(subparsers)`, which adds its subcommand with `func=` set to a handler taking
# the parsed args and returning an exit code. Modules are imported only when their command line is parsed. They
# import their optional dependencies (jsonschema, boto3; the pack's pulumi-policy runs in its own process) inside
# their handlers, so every command registers, and `preview` runs, on the base install (pulumi, pulumi-aws).
COMMAND_MODULES = ("preflight.gate.command", "preflight.plan.command")
DEBUG_FLAG = "--debug"


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preflight", description=__doc__)
    parser.add_argument(
        DEBUG_FLAG, action="store_true", help="print the traceback of an error (accepted anywhere on the line)"
    )
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
    arguments = list(sys.argv[1:] if argv is None else argv)
    # --debug anywhere on the line: it is asked for after the failing command line, wherever it was typed.
    debug = DEBUG_FLAG in arguments
    args = build_parser().parse_args([argument for argument in arguments if argument != DEBUG_FLAG])
    # Commands that show what a child process printed (the program's traceback) show it only with --debug.
    args.debug = debug
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        # The program thread and the pack are stopped on the way out (daemon thread, the pack's context and atexit).
        print("preflight: interrupted (Ctrl-C); nothing was analysed or written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            traceback.print_exc()
        known = isinstance(exc, (ProjectError, ProgramError))
        message = str(exc) if known else f"unexpected {type(exc).__name__}: {exc}"
        hint = "" if debug else f" (run again with {DEBUG_FLAG} for the traceback)"
        first, _, rest = message.partition("\n")
        print(f"preflight: error: {first}{hint if not known else ''}", file=sys.stderr)
        if rest:
            print(rest, file=sys.stderr)
        return EXIT_ERROR
    return code
