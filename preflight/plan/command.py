"""`python -m preflight plan`: the program run as `pulumi preview` sees it (computed values unknown, exported as
Terraform's `after_unknown`), or with `--up` with known values as `pulumi up` sees them, written as the Terraform plan
JSON Checkov's terraform_plan framework scans (preflight.plan.export)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from preflight.exit_codes import EXIT_ERROR, EXIT_OK
from preflight.plan.export import PlanError, export_plan, write_plan
from preflight.program.arguments import add_program_arguments, load_and_run


def _run(args: argparse.Namespace) -> int:
    capture = load_and_run(args, preview=not args.up)
    export = export_plan(capture)
    try:
        write_plan(export, Path(args.output))
    except PlanError as exc:
        print(f"preflight: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"{args.output}: {export.resource_count} resources for Checkov's terraform_plan framework")
    for token, count in sorted(export.unmapped.items()):
        print(f"unmapped type (left out, no known Terraform type): {token} x{count}", file=sys.stderr)
    for line in capture.not_analysed:
        print(f"not analysed: {line}", file=sys.stderr)
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add `plan` to `python -m preflight`."""

    parser = subparsers.add_parser("plan", help="write what the stack registers as a Terraform plan JSON for Checkov")
    add_program_arguments(parser)
    parser.add_argument("--output", required=True, help="path of the plan JSON to write (for example out/plan.json)")
    parser.add_argument(
        "--up", action="store_true", help="known values, as `pulumi up` sees them (default: as `pulumi preview`)"
    )
    parser.set_defaults(func=_run)
