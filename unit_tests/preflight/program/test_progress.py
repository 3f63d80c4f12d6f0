"""Progress on stderr: live counts and timing lines on a terminal (a pseudo-terminal here), nothing when piped."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from preflight.program.progress import REDRAW_INTERVAL, Progress
from unit_tests.preflight.engine_programs import write_program

REPO_ROOT = Path(__file__).resolve().parents[3]


class SteppedClock:
    """A clock the test moves: each reading advances it by `step` seconds."""

    def __init__(self, step: float) -> None:
        self.now = 100.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_live_phase_redraws_its_count_and_ends_with_a_timing_line() -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=True, timings=True, clock=SteppedClock(REDRAW_INTERVAL))
    with progress.phase("analysis", "resources analysed", total=3) as phase:
        for _ in range(3):
            phase.advance()
    text = stream.getvalue()
    assert "\r\x1b[Kanalysis: 0/3 resources analysed" in text
    assert "\r\x1b[Kanalysis: 3/3 resources analysed" in text
    # Four readings of a clock stepping 0.1 s: start, three redraws, end.
    assert text.endswith("\r\x1b[Kanalysis: 3 resources analysed in 0.4 s\n")
    assert progress.elapsed == {"analysis": pytest.approx(0.4)}


def test_redraws_are_throttled_by_the_clock() -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=True, timings=False, clock=SteppedClock(REDRAW_INTERVAL / 4))
    with progress.phase("program run", "resources registered") as phase:
        for _ in range(8):
            phase.advance()
    assert stream.getvalue().count("program run: ") == 3  # the first draw, then once per 0.1 s of the clock


def test_timings_without_a_terminal_draw_no_live_line() -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=False, timings=True, clock=SteppedClock(1.0))
    with progress.phase("pack start", "policies") as phase:
        phase.advance(22)
    assert stream.getvalue() == "pack start: 22 policies in 1.0 s\n"


def _preview_command(program: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "preflight", "preview", "--program", str(program), "--stack", "dev", *extra]


def _environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    environment["PYTHONPATH"] = str(REPO_ROOT)
    return environment


def _run_with_terminal_stderr(command: list[str]) -> tuple[str, str]:
    """Run `command` with stderr on a pseudo-terminal and stdout on a pipe; both outputs."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(  # noqa: S603 - the interpreter running the tests, fixed arguments
            command, stdout=subprocess.PIPE, stderr=terminal, env=_environment(), cwd=REPO_ROOT
        )
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's last writer is gone
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout = process.stdout.read() if process.stdout else b""
        assert process.wait(timeout=120) == 0, b"".join(chunks)
    finally:
        os.close(controller)
    return stdout.decode(), b"".join(chunks).decode()


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_program(tmp_path_factory.mktemp("demo"))


def test_progress_shows_on_a_terminal_and_leaves_stdout_unchanged(demo_root: Path) -> None:
    stdout, terminal = _run_with_terminal_stderr(_preview_command(demo_root))
    assert "program run: 7 resources registered in " in terminal
    assert "\x1b[K" in terminal
    piped = subprocess.run(  # noqa: S603 - the interpreter running the tests, fixed arguments
        _preview_command(demo_root), capture_output=True, text=True, env=_environment(), cwd=REPO_ROOT, check=True
    )
    assert piped.stdout == stdout
    assert piped.stderr == ""


def test_quiet_silences_progress_even_on_a_terminal(demo_root: Path) -> None:
    _, terminal = _run_with_terminal_stderr(_preview_command(demo_root, "--quiet"))
    assert terminal == ""
