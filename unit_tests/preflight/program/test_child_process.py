"""A child (the program, a pack) is tied to the gate: the parent-death launcher runs any command the CLI would run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from preflight.program.child_process import tied_to_this_process


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death launcher is Linux-only")
def test_the_launcher_runs_a_command_that_is_not_python_found_on_path() -> None:
    # A Node.js pack's command starts with `node`: the launcher must not run its Python code with the pack's binary.
    completed = subprocess.run(  # noqa: S603 - a fixed command
        tied_to_this_process(["sh", "-c", "echo launched"]), capture_output=True, text=True, check=False
    )
    assert (completed.returncode, completed.stdout) == (0, "launched\n"), completed.stderr
