"""Tests never depend on machine speed: no test module both moves a fake clock and reads the real one.

A module that fakes time (patches a clock, subclasses datetime, injects `clock=`, freezes time) and also reads the
wall clock is measuring a real interval against a faked one: the pattern that made a 299 s offset against a 300 s
cache fail on busy machines. The check reads every module under unit_tests/ and integration_tests/ with `ast`.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
SCANNED_DIRECTORIES = ("unit_tests", "integration_tests")

# Calls that read the real clock, by module: `time.time()`, `datetime.now()`, and their `from ... import` forms.
REAL_CLOCK_READS = {
    "time": {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns"},
    "datetime": {"now", "utcnow", "today"},
}
# Names whose patching or injection means a test controls time.
CLOCK_WORDS = ("clock", "time", "now", "datetime", "sleep")
FAKE_TIME_LIBRARIES = {"freezegun", "time_machine"}


@dataclass(frozen=True)
class ClockUse:
    line: int
    what: str


def _mentions_clock(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in CLOCK_WORDS)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
        return "super()"
    return "?"


class _ClockScanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.fakes: list[ClockUse] = []
        self.reads: list[ClockUse] = []
        # Local name -> (module, attribute) for `from time import monotonic as tick` and the like.
        self._imported: dict[str, tuple[str, str]] = {}
        self._datetime_subclasses: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] in FAKE_TIME_LIBRARIES:
                self.fakes.append(ClockUse(node.lineno, f"import {alias.name}"))
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = (node.module or "").split(".")[0]
        if module in FAKE_TIME_LIBRARIES:
            self.fakes.append(ClockUse(node.lineno, f"from {node.module} import ..."))
        for alias in node.names:
            if module in REAL_CLOCK_READS:
                self._imported[alias.asname or alias.name] = (module, alias.name)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            if _dotted(base).split(".")[-1] in {"datetime", "date"}:
                self.fakes.append(ClockUse(node.lineno, f"class {node.name}({_dotted(base)})"))
                self._datetime_subclasses.add(node.name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self._check_fake(node)
        self._check_read(node)
        self.generic_visit(node)

    def _check_fake(self, node: ast.Call) -> None:
        callee = _dotted(node.func)
        if callee.endswith(("setattr", "patch", "patch.object")):
            targets = [
                str(argument.value) if isinstance(argument, ast.Constant) else _dotted(argument)
                for argument in node.args[:2]
            ]
            if any(_mentions_clock(target) for target in targets):
                self.fakes.append(ClockUse(node.lineno, f"{callee}({', '.join(targets)})"))
        if callee.endswith(".advance"):
            self.fakes.append(ClockUse(node.lineno, callee))
        for keyword in node.keywords:
            if keyword.arg in {"clock", "now"}:
                self.fakes.append(ClockUse(node.lineno, f"{callee}({keyword.arg}=...)"))

    def _check_read(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Name) and function.id in self._imported:
            module, attribute = self._imported[function.id]
            if attribute in REAL_CLOCK_READS[module]:
                self.reads.append(ClockUse(node.lineno, f"{attribute}()"))
            return
        if not isinstance(function, ast.Attribute):
            return
        receiver = _dotted(function.value)
        receiver_module = self._imported.get(receiver, (receiver.split(".")[-1], ""))[0]
        if receiver == "super()" or receiver in self._datetime_subclasses:
            # A datetime subclass's own now() still reads the wall clock.
            receiver_module = "datetime"
        if function.attr in REAL_CLOCK_READS.get(receiver_module, set()):
            self.reads.append(ClockUse(node.lineno, f"{receiver}.{function.attr}()"))


def clock_mixing(source: str) -> tuple[list[ClockUse], list[ClockUse]]:
    """The fake-clock uses and the real-clock reads in a module, when it has both; else two empty lists."""
    scanner = _ClockScanner()
    scanner.visit(ast.parse(source))
    if scanner.fakes and scanner.reads:
        return scanner.fakes, scanner.reads
    return [], []


def _test_modules() -> list[Path]:
    modules = [path for directory in SCANNED_DIRECTORIES for path in sorted((REPOSITORY / directory).rglob("*.py"))]
    return [path for path in modules if path.resolve() != Path(__file__).resolve()]


def test_the_scan_sees_the_test_suites() -> None:
    modules = {path.relative_to(REPOSITORY).as_posix() for path in _test_modules()}
    assert "unit_tests/functions/test_handler_audit.py" in modules
    assert "integration_tests/test_api.py" in modules


def test_no_test_module_fakes_a_clock_and_reads_the_real_one() -> None:
    offenders = []
    for path in _test_modules():
        fakes, reads = clock_mixing(path.read_text(encoding="utf-8"))
        if reads:
            offenders.append(
                f"{path.relative_to(REPOSITORY)}: fakes time at "
                f"{', '.join(f'{use.line} ({use.what})' for use in fakes)} and reads the real clock at "
                f"{', '.join(f'{use.line} ({use.what})' for use in reads)}; inject a clock and drive it instead"
            )
    assert offenders == []


# The shape of the test that failed on busy machines: a datetime whose now() is the real one plus an offset.
OFFSET_ON_THE_REAL_CLOCK = """
    from datetime import datetime, timedelta
    from aws_lambda_powertools.utilities.parameters import base as parameters_base

    class MovableClock(datetime):
        offset = timedelta()

        @classmethod
        def now(cls, tz=None):
            return super().now(tz) + cls.offset

    def test_cache(monkeypatch):
        monkeypatch.setattr(parameters_base, "datetime", MovableClock)
"""


@pytest.mark.parametrize(
    ("source", "fake", "read"),
    [
        (OFFSET_ON_THE_REAL_CLOCK, "class MovableClock(datetime)", "super().now()"),
        (
            "import time\nfrom pipeline_api import entrypoint\n"
            "def test_x(fake):\n    entrypoint.reset(clock=fake)\n    started = time.monotonic()\n",
            "entrypoint.reset(clock=...)",
            "time.monotonic()",
        ),
        (
            "from time import time as wall\nimport freezegun\ndef test_x():\n    assert wall() > 0\n",
            "import freezegun",
            "time()",
        ),
        (
            "import datetime as dt\ndef test_x(monkeypatch, clock):\n"
            "    monkeypatch.setattr('pkg.mod.clock', clock)\n    dt.datetime.utcnow()\n",
            "monkeypatch.setattr(pkg.mod.clock, clock)",
            "dt.datetime.utcnow()",
        ),
    ],
)
def test_mixing_a_fake_and_the_real_clock_is_reported(source: str, fake: str, read: str) -> None:
    fakes, reads = clock_mixing(textwrap.dedent(source))
    assert fake in [use.what for use in fakes]
    assert read in [use.what for use in reads]


@pytest.mark.parametrize(
    "source",
    [
        # Real clock only (a benchmark-like measurement), fake clock only, and a datetime built from a constant.
        "import time\ndef test_x():\n    started = time.perf_counter()\n",
        "def test_x(clock):\n    clock.advance(61)\n",
        "from datetime import datetime\ndef test_x(monkeypatch):\n"
        "    monkeypatch.setattr('pkg.clock', lambda: 1.0)\n    datetime.fromtimestamp(1.0)\n",
    ],
)
def test_one_clock_alone_is_not_reported(source: str) -> None:
    assert clock_mixing(source) == ([], [])
