"""`python -m preflight <command>`: preview, and the commands the other preflight modules contribute."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from preflight.capture import Capture
from preflight.project import ProjectError, load_project
from preflight.runner import ProgramError, run_program

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

# Each module contributes `register(subparsers)`, which adds its subcommand with `func=` set to a handler taking
# the parsed args and returning an exit code. Modules are imported only when their command line is parsed. They
# import their optional dependencies (jsonschema; the pack's pulumi-policy runs in its own process) inside
# their handlers, so every command registers, and `preview` runs, on the base install (pulumi, pulumi-aws).
COMMAND_MODULES = ("preflight.gate", "preflight.plan")


def add_program_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--program", default=".", help="directory holding Pulumi.yaml (default: current directory)")
    parser.add_argument("--stack", default="dev", help="stack name; its Pulumi.<stack>.yaml supplies config")


def load_and_run(args: argparse.Namespace, preview: bool) -> Capture:
    """Shared by every command: load the project named by --program/--stack and run it once."""
    project = load_project(args.program, args.stack)
    return run_program(project, preview=preview)


def _region_of(capture: Capture, resource: Any) -> str:
    return capture.region_of(resource) or ("-" if resource.provider else "default-provider")


def render_preview_table(capture: Capture) -> str:
    mode = "preview" if capture.preview else "up"
    lines = [f"{capture.project}/{capture.stack}: {len(capture.resources)} resources ({mode} mode)"]
    per_region: Counter[tuple[str, str]] = Counter(
        (_region_of(capture, r), r.type) for r in capture.resources if r.custom and not r.is_provider
    )
    lines.append("")
    lines.append(f"{'region':<16} {'count':>5}  type")
    for (region, type_), count in sorted(per_region.items()):
        lines.append(f"{region:<16} {count:>5}  {type_}")
    lines.append("")
    lines.append("resources:")
    for r in capture.resources:
        lines.append(f"  + {r.type:<55} {r.name}")
    lines.append("")
    lines.append(f"outputs: {', '.join(sorted(capture.outputs)) or '(none)'}")
    return "\n".join(lines)


def preview_json(capture: Capture) -> dict[str, Any]:
    return {
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "provider": r.provider,
                "inputs": r.inputs,
                "sourcePosition": (
                    {"uri": r.source_position.uri, "line": r.source_position.line} if r.source_position else None
                ),
            }
            for r in capture.resources
        ],
        "outputs": capture.outputs,
    }


def _preview(args: argparse.Namespace) -> int:
    capture = load_and_run(args, preview=not args.up)
    if args.format == "json":
        print(json.dumps(preview_json(capture), indent=2, sort_keys=True))
    else:
        print(render_preview_table(capture))
    return EXIT_OK


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preflight", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    preview = subparsers.add_parser("preview", help="print what the stack would create")
    add_program_arguments(preview)
    preview.add_argument("--format", choices=("table", "json"), default="table")
    preview.add_argument(
        "--up", action="store_true", help="answer with known values (as `pulumi up`) instead of unknowns"
    )
    preview.set_defaults(func=_preview)
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
