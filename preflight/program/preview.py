"""`python -m preflight preview`: what the stack would create, as a table per region and type or as JSON."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from preflight.exit_codes import EXIT_OK
from preflight.program.arguments import add_program_arguments, load_and_run
from preflight.program.capture import Capture
from preflight.program.progress import Progress, add_progress_arguments


def _region_of(capture: Capture, resource: Any) -> str:
    return capture.region_of(resource) or ("-" if resource.provider else "default-provider")


def render_preview_table(capture: Capture, verbose: bool = False) -> str:
    """Counts per region and type; every resource too when `verbose` (a stack lists hundreds)."""
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
    if verbose:
        lines.append("resources:")
        lines += [f"  + {r.type:<55} {r.name}" for r in capture.resources]
        lines.append("")
    else:
        lines += ["(every resource: --verbose; every input: --format json)", ""]
    lines.append(f"outputs: {', '.join(sorted(capture.outputs)) or '(none)'}")
    lines += [f"not analysed: {line}" for line in capture.not_analysed]
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
        "notAnalysed": capture.not_analysed,
    }


def _preview(args: argparse.Namespace) -> int:
    progress = Progress.for_stderr(quiet=args.quiet, verbose=args.verbose)
    with progress.phase("program run", "resources registered") as running:
        capture = load_and_run(args, preview=not args.up, on_register=running.advance)
    if args.format == "json":
        print(json.dumps(preview_json(capture), indent=2, sort_keys=True))
    else:
        print(render_preview_table(capture, verbose=args.verbose))
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add `preview` to `python -m preflight`."""
    preview = subparsers.add_parser("preview", help="print what the stack would create")
    add_program_arguments(preview)
    preview.add_argument("--format", choices=("table", "json"), default="table")
    preview.add_argument(
        "--up", action="store_true", help="answer with known values (as `pulumi up`) instead of unknowns"
    )
    add_progress_arguments(preview)
    preview.set_defaults(func=_preview)
