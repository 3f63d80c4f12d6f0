"""`python -m preflight gate`: the policy gate, run as the CLI runs `pulumi preview --policy-pack` (the default) or
`pulumi up --policy-pack` (`--up`).

The program runs in its own interpreter against preflight's ResourceMonitor (the project's virtualenv, as the CLI's
language host resolves it; preflight's interpreter when none was created), each pack is launched as the CLI
launches it, and every registration is Remediated and Analyzed as it arrives, AnalyzeStack at the end
(docs/engine-path.md). `engine-gate` is another name for this command.

Exit status: 0 clean, 1 mandatory violations, 2 a broken program, pack or config; with `--cli-exit-codes`, 1 for
violations and errors alike, as the CLI exits.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from preflight.engine.pack_process import PackError
from preflight.engine.pack_runtime import PackRuntimeError
from preflight.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from preflight.gate.baseline import BaselineError, apply_baseline, load_baseline, write_baseline
from preflight.gate.engine_path import ProgramFailed, run_monitored_gate
from preflight.gate.explain import UnknownPolicyError, explain
from preflight.gate.output_file import OutputFileError, check_writable, write_atomically
from preflight.gate.policy_config import PolicyConfigError, load_policy_config
from preflight.gate.renderers import RENDERERS
from preflight.gate.report import GateReport
from preflight.gate.report_markdown import render_markdown
from preflight.gate.violations import repository_root
from preflight.program.arguments import add_program_arguments, load_command_project
from preflight.program.language_host import LanguageHostError
from preflight.program.progress import Progress, add_progress_arguments
from preflight.world.mocks import AwsLikeMocks

# pkg/cmd/pulumi: the CLI exits 1 for a failed update, violations and errors alike.
CLI_EXIT_FAILURE = 1
DEFAULT_PACK = "policies"
_RUN_ERRORS = (PackError, PackRuntimeError, PolicyConfigError, LanguageHostError, ProgramFailed)


class _CommandLineError(Exception):
    """A combination of options the gate cannot honour; the message names them."""


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like an exception, so the program and the packs are stopped on the way out."""
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


def _error(message: object) -> None:
    print(f"preflight gate: error: {message}", file=sys.stderr)


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"preflight gate: warning: {warning}", file=sys.stderr)


def _check_single_pack(args: argparse.Namespace, packs: Sequence[str]) -> None:
    """Several packs print one report each, in order; a file (report, baseline) or an explanation holds one pack's."""
    if len(packs) == 1:
        return
    for option, given in (
        ("--output", bool(args.output)),
        ("--write-baseline", bool(args.write_baseline)),
        ("--explain", bool(args.explain)),
    ):
        if given:
            raise _CommandLineError(f"{option} takes one --pack (got {len(packs)}); run the gate once per pack")


def _gate(args: argparse.Namespace) -> int:
    failure = CLI_EXIT_FAILURE if args.cli_exit_codes else EXIT_ERROR
    project = load_command_project(args)
    progress = Progress.for_stderr(quiet=args.quiet, verbose=args.verbose)
    packs = args.pack or [DEFAULT_PACK]
    try:
        _check_single_pack(args, packs)
        user_config = load_policy_config(args.config) if args.config else {}
        known = load_baseline(Path(args.baseline)) if args.baseline else None
        if args.output:
            check_writable(Path(args.output))
    except (_CommandLineError, PolicyConfigError, BaselineError, OutputFileError) as exc:
        _error(exc)
        return failure
    # Printed after the outcome's first line (an error names the input first), before the report otherwise.
    warnings: list[str] = []
    try:
        with _terminate_as_exit():
            reports = run_monitored_gate(
                project,
                [Path(pack) for pack in packs],
                user_config,
                preview=not args.up,
                # The world answers as after a create; the monitor makes computed outputs unknown in preview.
                world=AwsLikeMocks(preview=False),
                interpreter=args.python,
                progress=progress,
                on_warning=warnings.append,
                explain_only=bool(args.explain),
            )
    except _RUN_ERRORS as exc:
        _error(exc)
        _warn(warnings)
        if isinstance(exc, ProgramFailed):
            if getattr(args, "debug", False):
                print(f"program log:\n{exc.log}", file=sys.stderr)
            else:
                print("preflight gate: the program's log (its traceback) with --debug", file=sys.stderr)
        return failure
    _warn(warnings)
    if args.explain:
        try:
            print(explain(reports[0], args.explain, repository_root(project.root)))
        except UnknownPolicyError as exc:
            _error(exc)
            return failure
        return EXIT_OK
    code = EXIT_OK
    for report in reports:
        outcome = _report(args, report, known)
        if outcome == EXIT_ERROR:
            return failure
        if outcome == EXIT_FINDINGS:
            code = CLI_EXIT_FAILURE if args.cli_exit_codes else EXIT_FINDINGS
    return code


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
            _error(exc)
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
        aliases=["engine-gate"],
        help="the CrossGuard packs over the program: `pulumi preview --policy-pack` (or `pulumi up` with --up)",
        description=__doc__,
    )
    add_program_arguments(parser)
    parser.add_argument(
        "--pack", action="append", help=f"policy pack directory (repeatable, run in order; default: {DEFAULT_PACK})"
    )
    parser.add_argument("--config", help="policy pack config JSON file (the CLI's --policy-pack-config)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--up", action="store_true", help="the update phase (known values), as `pulumi up`")
    mode.add_argument(
        "--preview",
        action="store_true",
        help="the default: what `pulumi preview` sees (computed values unknown); kept for existing scripts",
    )
    parser.add_argument(
        "--python",
        help="interpreter for the program instead of the project's virtualenv (offline only; the CLI has none)",
    )
    parser.add_argument("--cli-exit-codes", action="store_true", help="exit 1 for violations and errors alike")
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
