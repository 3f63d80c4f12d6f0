"""Two nox runs in one checkout do not race: the second says who holds the checkout and waits for it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]

# The noxfile imports nox, which the unit session's virtualenv does not hold: a stand-in with what its top level uses.
LOAD_NOXFILE = textwrap.dedent(
    """
    import importlib.util, os, sys, types

    stub = types.ModuleType("nox")
    stub.options = types.SimpleNamespace()
    stub.session = lambda **_: (lambda function: function)
    stub.Session = object
    sys.modules["nox"] = stub
    # This process is not a nox run: importing the noxfile must not take the repository's own lock.
    os.environ["DELIVERY_NOX_LOCK_HOLDER"] = "test"
    spec = importlib.util.spec_from_file_location("noxfile_under_test", sys.argv[1])
    noxfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noxfile)
    """
)


@pytest.fixture
def noxfile(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    stub = ModuleType("nox")
    stub.options = SimpleNamespace()  # type: ignore[attr-defined]
    stub.session = lambda **_: lambda function: function  # type: ignore[attr-defined]
    stub.Session = object  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nox", stub)
    monkeypatch.setenv("DELIVERY_NOX_LOCK_HOLDER", "test")
    spec = importlib.util.spec_from_file_location("noxfile_under_test", REPOSITORY / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_importing_the_noxfile_under_a_locked_run_takes_no_second_lock(noxfile: ModuleType) -> None:
    assert not hasattr(noxfile, "_checkout_lock")


def test_a_second_run_waits_for_the_first_and_names_it(noxfile: ModuleType, tmp_path: Path) -> None:
    lock = tmp_path / ".nox" / "checkout.lock"
    first = noxfile.hold_checkout_lock(lock)
    second = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [
            sys.executable,
            "-c",
            LOAD_NOXFILE + "noxfile.hold_checkout_lock(__import__('pathlib').Path(sys.argv[2]))\nprint('acquired')",
            str(REPOSITORY / "noxfile.py"),
            str(lock),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert second.stderr is not None
        # Printed only once the second process has found the lock taken; it then blocks until the first lets go.
        waiting = second.stderr.readline()
        assert f"another nox run in this checkout (pid {os.getpid()}) holds {lock}" in waiting
        assert second.poll() is None
    finally:
        first.close()
    stdout, _ = second.communicate(timeout=120)
    assert second.returncode == 0
    assert stdout.strip() == "acquired"
    assert lock.read_text(encoding="utf-8").strip() == f"pid {second.pid}"


def test_a_lone_run_takes_the_lock_without_waiting(noxfile: ModuleType, tmp_path: Path) -> None:
    lock = tmp_path / "checkout.lock"
    handle = noxfile.hold_checkout_lock(lock)
    try:
        assert lock.read_text(encoding="utf-8").strip() == f"pid {os.getpid()}"
    finally:
        handle.close()
