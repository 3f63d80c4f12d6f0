"""`python -m preflight engine-gate`: the policy gate on the engine path (the program in its own interpreter against
preflight's ResourceMonitor, each pack launched as the CLI launches it). It reports what `pulumi preview
--policy-pack DIR ...` reports by default, and what `pulumi up --policy-pack DIR ...` reports with `--up`.

Exit status: 0 clean, 1 mandatory violations, 2 a broken program, pack or config; with `--cli-exit-codes`, 1 for
violations and errors alike, as the CLI exits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from preflight.engine.pack_process import PackError
from preflight.engine.pack_runtime import PackRuntimeError
from preflight.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from preflight.gate.engine_path import ProgramFailed, run_monitored_gate
from preflight.gate.policy_config import PolicyConfigError, load_policy_config
from preflight.gate.renderers import RENDERERS
from preflight.program.arguments import add_program_arguments
from preflight.program.language_host import LanguageHostError
from preflight.program.project import load_project
from preflight.world.mocks import AwsLikeMocks

# pkg/cmd/pulumi: the CLI exits 1 for a failed update, violations and errors alike.
CLI_EXIT_FAILURE = 1


def _engine_gate(args: argparse.Namespace) -> int:
    failure = CLI_EXIT_FAILURE if args.cli_exit_codes else EXIT_ERROR
    project = load_project(args.program, args.stack)
    try:
        user_config = load_policy_config(args.config) if args.config else {}
        reports = run_monitored_gate(
            project,
            [Path(pack) for pack in args.pack or ["policies"]],
            user_config,
            preview=not args.up,
            world=AwsLikeMocks(preview=False),
            interpreter=args.python,
        )
    except (PackError, PackRuntimeError, PolicyConfigError, LanguageHostError, ProgramFailed) as exc:
        print(f"preflight engine-gate: error: {exc}", file=sys.stderr)
        return failure
    for report in reports:
        print(RENDERERS[args.format](report))
        for warning in report.warnings:
            print(f"preflight engine-gate: warning: {warning}", file=sys.stderr)
    if any(report.mandatory for report in reports):
        return CLI_EXIT_FAILURE if args.cli_exit_codes else EXIT_FINDINGS
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "engine-gate",
        help="the policy gate on the engine path: `pulumi preview --policy-pack` (or `up` with --up)",
        description=__doc__,
    )
    add_program_arguments(parser)
    parser.add_argument(
        "--pack", action="append", help="policy pack directory (repeatable, run in order; default: policies)"
    )
    parser.add_argument("--config", help="policy pack config JSON file (the CLI's --policy-pack-config)")
    parser.add_argument("--up", action="store_true", help="the update phase (known values), as `pulumi up`")
    parser.add_argument(
        "--python",
        help="interpreter for the program instead of the project's virtualenv (offline only; the CLI has none)",
    )
    parser.add_argument("--cli-exit-codes", action="store_true", help="exit 1 for violations and errors alike")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="table")
    parser.set_defaults(func=_engine_gate)
