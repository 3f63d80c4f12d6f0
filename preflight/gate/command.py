"""`python -m preflight gate`: the policy gate. Runs the program offline, then acts as the engine for the policy pack.

The program runs under the mocks (known values, as `pulumi up` analyses; unknowns with --preview). The pack is
launched exactly as the CLI launches it and analyses every resource over gRPC (Remediate and Analyze per resource
with its provider, then AnalyzeStack with parents and dependencies). Exit 0 without mandatory violations, 1 with any,
2 when the program, the pack or the configuration is broken.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from preflight.engine.pack_process import PackError, load_pack_spec
from preflight.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from preflight.gate.policy_config import PolicyConfigError, load_policy_config
from preflight.gate.report import RENDERERS
from preflight.gate.run import launched_pack, run_gate
from preflight.program.arguments import add_program_arguments, load_and_run
from preflight.program.project import load_project


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like an exception, so the pack process is stopped on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_on_signal(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _gate(args: argparse.Namespace) -> int:
    project = load_project(args.program, args.stack)
    try:
        pack = load_pack_spec(args.pack)
        user_config = load_policy_config(args.config) if args.config else {}
    except (PackError, PolicyConfigError) as exc:
        print(f"preflight gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        # The pack starts while the program runs, as the CLI loads its analyzers before running the program.
        with _terminate_as_exit(), launched_pack(project, pack, args.preview) as launched:
            capture = load_and_run(args, preview=args.preview)
            report = run_gate(capture, project, pack, user_config, launched=launched)
    except (PackError, PolicyConfigError) as exc:
        print(f"preflight gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    rendered = RENDERERS[args.format](report)
    if args.output:
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(rendered + "\n", encoding="utf-8")
        print(
            f"preflight gate: {report.mandatory} mandatory, {report.advisory} advisory, {report.exempted} exempted; "
            f"{args.format} report written to {output}"
        )
    else:
        print(rendered)
    for warning in report.warnings:
        print(f"preflight gate: warning: {warning}", file=sys.stderr)
    return EXIT_FINDINGS if report.mandatory else EXIT_OK


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "gate",
        help="run the CrossGuard pack over the program as `pulumi preview/up --policy-pack` would",
        description=__doc__,
    )
    add_program_arguments(parser)
    parser.add_argument("--pack", default="policies", help="policy pack directory holding PulumiPolicy.yaml")
    parser.add_argument("--config", help="policy pack config JSON file (the CLI's --policy-pack-config)")
    parser.add_argument("--preview", action="store_true", help="analyse with unknown values, as `pulumi preview`")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="table")
    parser.add_argument("--output", help="write the report to this file instead of stdout")
    parser.set_defaults(func=_gate)
