"""The build is skipped when nothing it depends on changed, and pip ignores the machine's own configuration."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from build_functions import main, pip_install_command


def _function_source(root: Path) -> Path:
    source = root / "src" / "pipeline"
    (source / "pipeline_api").mkdir(parents=True)
    (source / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    (source / "pipeline_api" / "__init__.py").write_text("")
    (source / "requirements.txt").write_text("aws-lambda-powertools>=3.20,<4\n")
    return source


def _build(root: Path, *extra: str) -> list[Sequence[str]]:
    """pip commands one main() run issued (recorded, not run)."""
    commands: list[Sequence[str]] = []
    arguments = ["--functions-dir", str(root / "src"), "--output", str(root / "out"), *extra]
    assert main(arguments, run=commands.append) == 0
    return commands


def test_an_unchanged_function_is_built_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _function_source(tmp_path)
    assert len(_build(tmp_path)) == 1
    assert _build(tmp_path) == []
    assert "up to date pipeline" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change",
    [
        lambda source: (source / "pipeline_api" / "routes.py").write_text("ROUTES = []\n"),
        lambda source: (source / "handler.py").write_text("def handler(event, context):\n    return None\n"),
        lambda source: (source / "requirements.txt").write_text("aws-lambda-powertools>=3.37,<4\n"),
        lambda source: (source / "pipeline_api" / "__init__.py").rename(source / "pipeline_api" / "api.py"),
    ],
    ids=["added-file", "edited-source", "edited-requirements", "renamed-file"],
)
def test_a_changed_source_is_rebuilt(tmp_path: Path, change: object) -> None:
    source = _function_source(tmp_path)
    _build(tmp_path)
    change(source)  # type: ignore[operator]
    assert len(_build(tmp_path)) == 1
    assert _build(tmp_path) == []


def test_bytecode_caches_in_the_source_do_not_force_a_rebuild(tmp_path: Path) -> None:
    source = _function_source(tmp_path)
    _build(tmp_path)
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    assert _build(tmp_path) == []


def test_a_tampered_or_missing_package_is_rebuilt(tmp_path: Path) -> None:
    _function_source(tmp_path)
    _build(tmp_path)
    (tmp_path / "out" / "pipeline" / "handler.py").unlink()
    assert len(_build(tmp_path)) == 1


def test_force_rebuilds_an_unchanged_function(tmp_path: Path) -> None:
    _function_source(tmp_path)
    _build(tmp_path)
    assert len(_build(tmp_path, "--force")) == 1


def test_a_failed_build_leaves_no_stamp(tmp_path: Path) -> None:
    _function_source(tmp_path)
    _build(tmp_path)

    def failing_pip(command: Sequence[str]) -> None:
        raise RuntimeError("pip failed")

    (tmp_path / "src" / "pipeline" / "handler.py").write_text("# changed\n")
    with pytest.raises(RuntimeError, match="pip failed"):
        main(["--functions-dir", str(tmp_path / "src"), "--output", str(tmp_path / "out")], run=failing_pip)
    assert not (tmp_path / "out" / ".pipeline.build-inputs").exists()
    assert len(_build(tmp_path)) == 1


def test_the_stamp_lies_beside_the_package_not_in_it(tmp_path: Path) -> None:
    _function_source(tmp_path)
    _build(tmp_path)
    package = tmp_path / "out" / "pipeline"
    assert (tmp_path / "out" / ".pipeline.build-inputs").is_file()
    assert not [path for path in package.rglob("*") if "build-inputs" in path.name]


def test_pip_reads_no_machine_configuration(tmp_path: Path) -> None:
    # PIP_* variables and the user's pip.conf (extra indexes, find-links) must not decide what is shipped.
    command = pip_install_command(tmp_path / "requirements.txt", tmp_path / "out")
    assert "--isolated" in command
    assert command.index("--isolated") > command.index("install")
