"""`python -m preflight preview`: the table, the JSON, and exit 2 with one message on a program or config error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from preflight import cli
from unit_tests.preflight.engine_programs import write_program

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_program(tmp_path_factory.mktemp("demo"))


def test_preview_table_counts_per_region_and_type(demo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["preview", "--program", str(demo_root), "--stack", "dev"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("demo/dev: 7 resources (preview mode)")
    assert "eu-west-1            1  aws:sqs/queue:Queue" in out
    assert "+ demo:index:Box" not in out
    assert "(every resource: --verbose; every input: --format json)" in out
    assert "outputs: greeting, queue_url" in out


def test_preview_verbose_lists_every_resource(demo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["preview", "--program", str(demo_root), "--verbose"]) == cli.EXIT_OK
    captured = capsys.readouterr()
    assert "+ demo:index:Box" in captured.out
    assert "--verbose" not in captured.out
    # Not a terminal: --verbose still gives the phase's timing line, on stderr only.
    assert captured.err.startswith("program run: 7 resources registered in ")


def test_preview_json_under_up(demo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["preview", "--program", str(demo_root), "--up", "--format", "json"])
    assert code == cli.EXIT_OK
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"resources", "outputs", "notAnalysed"}
    assert document["notAnalysed"] == []
    queue = next(r for r in document["resources"] if r["type"] == "aws:sqs/queue:Queue")
    assert set(queue) == {"urn", "type", "name", "parent", "provider", "inputs", "sourcePosition"}
    assert queue["sourcePosition"]["uri"].endswith("program/__main__.py")
    assert document["outputs"]["queue_url"].startswith("https://sqs.eu-west-1.amazonaws.com/")
    stack_like = [r for r in document["resources"] if r["type"] == "demo:index:Box"]
    assert stack_like[0]["provider"] == ""


def test_table_marks_resources_on_the_default_provider(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_program(tmp_path, "config:\n  demo:defaultProvider: true\n")
    assert cli.main(["preview", "--program", str(root)]) == cli.EXIT_OK
    assert "default-provider     1  aws:sqs/queue:Queue" in capsys.readouterr().out


def test_a_program_error_exits_2_with_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_program(tmp_path, "config:\n  demo:fail: bad-config\n")
    assert cli.main(["preview", "--program", str(root)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("preflight: error: demo (")
    assert "ValueError: asked to fail: bad-config" in err


def test_a_project_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["preview", "--program", str(tmp_path)]) == cli.EXIT_ERROR
    assert "Pulumi.yaml: not found" in capsys.readouterr().err


def test_the_dev_stack_with_a_bad_config_value_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        (REPO_ROOT / "Pulumi.yaml").read_text().replace("main: infrastructure/", f"main: {REPO_ROOT}/infrastructure/")
    )
    stack = (REPO_ROOT / "Pulumi.dev.yaml").read_text()
    (tmp_path / "Pulumi.dev.yaml").write_text(stack.replace("logRetentionDays: 7", "logRetentionDays: 10"))
    assert cli.main(["preview", "--program", str(tmp_path)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "invalid stack config `logRetentionDays` = '10': one of [1, 3, 5, 7" in err


def test_command_modules_that_do_not_exist_yet_are_skipped() -> None:
    parser = cli.build_parser(modules=("preflight.not_written_yet",))
    assert parser.parse_args(["preview"]).command == "preview"


def test_a_command_module_with_a_broken_import_is_not_hidden() -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency"):
        cli.build_parser(modules=("unit_tests.preflight.broken_command_module",))


def test_module_entry_point(demo_root: Path) -> None:
    result = subprocess.run(  # noqa: S603 - the interpreter running the tests, fixed arguments
        [sys.executable, "-m", "preflight", "preview", "--program", str(demo_root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outputs"]["greeting"] == "hello"


# The optional dependencies (the `policy`, `function` and `test` extras) made unimportable, as on the base install
# (`pip install -e .`: pulumi and pulumi-aws only).
HIDE_OPTIONAL_DEPENDENCIES = """
import importlib.abc, runpy, sys

OPTIONAL = {"pulumi_policy", "jsonschema", "boto3", "botocore", "moto", "aws_lambda_powertools"}


class OptionalDependencyBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in OPTIONAL:
            raise ImportError(f"{name} is not part of the base install")
        return None


sys.meta_path.insert(0, OptionalDependencyBlocker())
"""
RUN_PREFLIGHT = 'sys.argv = ["preflight", *sys.argv[1:]]\nrunpy.run_module("preflight", run_name="__main__")\n'


def run_on_the_base_install(code: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -c CODE ARGUMENTS` from the repository root with the optional dependencies hidden."""
    return subprocess.run(  # noqa: S603 - the interpreter running the tests, fixed arguments
        [sys.executable, "-c", HIDE_OPTIONAL_DEPENDENCIES + code, *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


@pytest.mark.parametrize("module", ["pulumi_policy", "jsonschema", "boto3"])
def test_the_optional_dependencies_are_really_hidden(module: str) -> None:
    result = run_on_the_base_install(f"import {module}")
    assert result.returncode != 0
    assert f"{module} is not part of the base install" in result.stderr


def test_every_command_registers_on_the_base_install() -> None:
    result = run_on_the_base_install(RUN_PREFLIGHT, "--help")
    assert result.returncode == 0, result.stderr
    assert "{preview,gate,engine-gate,plan}" in result.stdout


def test_preview_runs_on_the_base_install(demo_root: Path) -> None:
    result = run_on_the_base_install(RUN_PREFLIGHT, "preview", "--program", str(demo_root), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outputs"]["greeting"] == "hello"
