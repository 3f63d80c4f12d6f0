"""The build step: dependencies as Lambda-runtime wheels, then the source; pip is recorded, not run."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import build_functions
import pytest
from build_functions import build_function, has_requirements, main, pip_install_command, precompile

from delivery_stack.packaging import FunctionPackage


def _source(root: Path, requirements: str | None = "aws-lambda-powertools>=3.20,<4\n") -> Path:
    source = root / "src" / "pipeline"
    (source / "pipeline_api" / "__pycache__").mkdir(parents=True)
    (source / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    (source / "pipeline_api" / "__init__.py").write_text("")
    (source / "pipeline_api" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    if requirements is not None:
        (source / "requirements.txt").write_text(requirements)
    return source


def test_pip_asks_for_wheels_for_the_lambda_runtime(tmp_path: Path) -> None:
    command = pip_install_command(tmp_path / "requirements.txt", tmp_path / "out")
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    joined = " ".join(command)
    assert f"--requirement {tmp_path / 'requirements.txt'}" in joined
    assert f"--target {tmp_path / 'out'}" in joined
    assert "--platform manylinux2014_x86_64" in joined
    assert "--python-version 3.12" in joined
    assert "--only-binary=:all:" in command
    assert "--no-compile" in command


def test_build_installs_requirements_then_copies_the_source(tmp_path: Path) -> None:
    source = _source(tmp_path)
    target = tmp_path / "out" / "pipeline"
    (target / "stale").mkdir(parents=True)
    commands: list[Sequence[str]] = []
    build_function(FunctionPackage("pipeline", source, target), run=commands.append)
    (command,) = commands
    assert str(source / "requirements.txt") in command
    assert (target / "handler.py").is_file()
    assert (target / "pipeline_api" / "__init__.py").is_file()
    assert not (target / "stale").exists()
    assert not list(target.rglob("__pycache__"))
    assert not (target / "requirements.txt").exists()


@pytest.mark.parametrize("requirements", [None, "", "# boto3 comes from the runtime\n\n"])
def test_no_requirements_means_no_pip(tmp_path: Path, requirements: str | None) -> None:
    source = _source(tmp_path, requirements)
    assert not has_requirements(source / "requirements.txt")
    commands: list[Sequence[str]] = []
    build_function(FunctionPackage("pipeline", source, tmp_path / "out"), run=commands.append)
    assert commands == []
    assert (tmp_path / "out" / "handler.py").is_file()


def test_main_builds_the_named_functions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _source(tmp_path)
    commands: list[Sequence[str]] = []
    code = main(["--functions-dir", str(tmp_path / "src"), "--output", str(tmp_path / "out")], run=commands.append)
    assert code == 0
    assert len(commands) == 1
    assert "built pipeline" in capsys.readouterr().out
    assert (tmp_path / "out" / "pipeline" / "handler.py").is_file()


def test_main_refuses_unknown_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _source(tmp_path)
    code = main(["nope", "--functions-dir", str(tmp_path / "src"), "--output", str(tmp_path / "out")])
    assert code == 2
    assert "unknown functions ['nope']; found ['pipeline']" in capsys.readouterr().err


def test_main_reports_unusable_function_directories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Bad_Name").mkdir()
    (tmp_path / "Bad_Name" / "handler.py").write_text("")
    assert main(["--functions-dir", str(tmp_path)]) == 2
    assert "function directory names become AWS names" in capsys.readouterr().err


def test_main_skips_functions_not_named(tmp_path: Path) -> None:
    _source(tmp_path)
    other = tmp_path / "src" / "other"
    other.mkdir()
    (other / "handler.py").write_text("")
    code = main(["other", "--functions-dir", str(tmp_path / "src"), "--output", str(tmp_path / "out")], run=print)
    assert code == 0
    assert not (tmp_path / "out" / "pipeline").exists()
    assert (tmp_path / "out" / "other" / "handler.py").is_file()


def test_the_default_runner_fails_loudly(tmp_path: Path) -> None:
    import subprocess

    with pytest.raises(subprocess.CalledProcessError):
        build_functions.run_checked([sys.executable, "-c", "raise SystemExit(3)"])


def test_bytecode_is_shipped_for_the_runtimes_python_and_is_reproducible(tmp_path: Path) -> None:
    """Lambda's /var/task is read-only: without shipped bytecode every cold start recompiles the dependencies."""
    package = tmp_path / "pkg"
    (package / "lib").mkdir(parents=True)
    (package / "lib" / "module.py").write_text("VALUE = 1\n")
    runtime = tuple(int(part) for part in build_functions.LAMBDA_PYTHON_VERSION.split("."))
    assert precompile(package, interpreter=(runtime[0], runtime[1]))
    (first,) = (package / "lib" / "__pycache__").glob("module.*.pyc")
    content = first.read_bytes()
    # unchecked-hash bytecode: flags word 0b01 (hash-based, not checked), no source timestamp.
    assert int.from_bytes(content[4:8], "little") == 1
    assert precompile(package, interpreter=(runtime[0], runtime[1]))
    assert first.read_bytes() == content


def test_no_bytecode_from_another_python(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "module.py").write_text("VALUE = 1\n")
    assert not precompile(package, interpreter=(3, 1))
    assert not list(package.rglob("*.pyc"))
    assert "not precompiling" in capsys.readouterr().out
