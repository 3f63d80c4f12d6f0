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
from preflight.gate.baseline import BaselineError, apply_baseline, load_baseline, write_baseline
from preflight.gate.explain import UnknownPolicyError, explain
from preflight.gate.output_file import OutputFileError, check_writable, write_atomically
from preflight.gate.policy_config import PolicyConfigError, load_policy_config
from preflight.gate.renderers import RENDERERS
from preflight.gate.report import GateReport
from preflight.gate.report_markdown import render_markdown
from preflight.gate.run import launched_pack, run_gate
from preflight.gate.violations import repository_root
from preflight.program.arguments import add_program_arguments, load_and_run
from preflight.program.capture import Capture
from preflight.program.progress import Progress, add_progress_arguments
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
    project = load_project(args.program, args.stack, require_stack_file=True)
    progress = Progress.for_stderr(quiet=args.quiet, verbose=args.verbose)
    try:
        pack = load_pack_spec(args.pack)
        user_config = load_policy_config(args.config) if args.config else {}
        known = load_baseline(Path(args.baseline)) if args.baseline else None
        if args.output:
            check_writable(Path(args.output))
    except (PackError, PolicyConfigError, BaselineError, OutputFileError) as exc:
        print(f"preflight gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        # The pack starts while the program runs, as the CLI loads its analyzers before running the program.
        with _terminate_as_exit(), launched_pack(project, pack, args.preview) as launched:
            if args.explain:
                # The pack describes its policies without a program: ask it over an empty stack.
                capture = Capture(project.name, project.stack, args.preview, resources=[], outputs={})
            else:
                with progress.phase("program run", "resources registered") as running:
                    capture = load_and_run(args, preview=args.preview, on_register=running.advance)
            report = run_gate(capture, project, pack, user_config, launched=launched, progress=progress)
    except (PackError, PolicyConfigError) as exc:
        print(f"preflight gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.explain:
        try:
            print(explain(report, args.explain, repository_root(project.root)))
        except UnknownPolicyError as exc:
            print(f"preflight gate: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        return EXIT_OK
    return _report(args, report, known)


def _report(args: argparse.Namespace, report: GateReport, known: set[tuple[str, str, str]] | None) -> int:
    if known is not None:
        apply_baseline(report, known, args.baseline)
    if args.write_baseline:
        written = write_baseline(report, Path(args.write_baseline))
        print(f"preflight gate: baseline of {written} findings written to {args.write_baseline}", file=sys.stderr)
    if args.summary:
        # Appended: GitHub's $GITHUB_STEP_SUMMARY collects what every command of the step writes.
        with Path(args.summary).open("a", encoding="utf-8") as summary:
            summary.write(render_markdown(report) + "\n")
    rendered = RENDERERS[args.format](report)
    if args.output:
        output = Path(args.output)
        try:
            write_atomically(output, rendered + "\n")
        except OutputFileError as exc:
            print(f"preflight gate: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        print(f"preflight gate: {report.counts_line()}; {args.format} report written to {output}")
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
    parser.add_argument(
        "--baseline", help="baseline JSON file: findings it holds are reported as baseline and do not fail the gate"
    )
    parser.add_argument("--write-baseline", help="write this run's findings to this file as a baseline")
    parser.add_argument(
        "--summary", metavar="FILE", help="also append the Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)"
    )
    parser.add_argument("--explain", metavar="POLICY", help="print a policy's remediation, example and reference")
    add_progress_arguments(parser)
    parser.set_defaults(func=_gate)
