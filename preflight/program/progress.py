"""Progress of long work on stderr, for a person watching a terminal: a live count per phase and a final timing line
per phase. Silent when stderr is not a terminal (piped, CI) unless asked with --verbose, and always with --quiet.

Time comes from an injected clock, so tests drive it instead of reading the real one.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final, TextIO

# A live line is redrawn at most this often (seconds of the injected clock): enough to look alive, few enough writes
# not to slow a 9,000-resource run.
REDRAW_INTERVAL: Final = 0.1


def add_progress_arguments(parser: argparse.ArgumentParser) -> None:
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", action="store_true", help="no progress on stderr, even on a terminal")
    verbosity.add_argument(
        "--verbose", action="store_true", help="more detail; phase timings on stderr even when it is not a terminal"
    )


@dataclass
class Phase:
    """One phase's running count, redrawn in place on a terminal."""

    progress: Progress
    name: str
    unit: str
    total: int | None = None
    done: int = 0
    started: float = 0.0
    _last_drawn: float = field(default=float("-inf"))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def advance(self, count: int = 1) -> None:
        """Count `count` more items (callable from several threads)."""
        with self._lock:
            self.done += count
            if not self.progress.live:
                return
            now = self.progress.clock()
            if now - self._last_drawn >= REDRAW_INTERVAL:
                self._last_drawn = now
                self.progress.draw(self._count_text())

    def _count_text(self) -> str:
        of_total = f"/{self.total}" if self.total is not None else ""
        return f"{self.name}: {self.done}{of_total} {self.unit}"


class Progress:
    """Phases reported on `stream`: live only on a terminal, final timing lines when `timings` is set."""

    def __init__(
        self, stream: TextIO, *, live: bool, timings: bool, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.stream = stream
        self.live = live
        self.timings = timings
        self.clock = clock
        self.elapsed: dict[str, float] = {}

    @classmethod
    def for_stderr(
        cls, *, quiet: bool = False, verbose: bool = False, clock: Callable[[], float] = time.perf_counter
    ) -> Progress:
        """Live progress when stderr is a terminal outside CI; timing lines then, or with `verbose`; none if quiet."""
        stream = sys.stderr
        terminal = stream.isatty() and not os.environ.get("CI")
        return cls(stream, live=terminal and not quiet, timings=(terminal or verbose) and not quiet, clock=clock)

    def draw(self, text: str) -> None:
        if self.live:
            self.stream.write(f"\r\x1b[K{text}")
            self.stream.flush()

    @contextmanager
    def phase(self, name: str, unit: str = "resources", total: int | None = None) -> Iterator[Phase]:
        """A phase: counts drawn while it runs, then `name: N unit in S.Ss` (the line stays)."""
        phase = Phase(self, name, unit, total, started=self.clock())
        self.draw(phase._count_text())
        try:
            yield phase
        finally:
            seconds = self.clock() - phase.started
            self.elapsed[name] = seconds
            if self.live:
                self.stream.write("\r\x1b[K")
            if self.timings:
                count = f"{phase.done} {unit} " if phase.done or total is not None else ""
                self.stream.write(f"{name}: {count}in {seconds:.1f} s\n")
            self.stream.flush()


def silent() -> Progress:
    """Progress that writes nothing (library callers, tests of other things)."""
    return Progress(sys.stderr, live=False, timings=False)
