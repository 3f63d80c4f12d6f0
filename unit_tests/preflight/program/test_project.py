"""Project and stack files read the way the CLI reads them, with clear errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight import ProjectError, load_project, run_program
from preflight.program.project import SECURE_PLACEHOLDER
from unit_tests.preflight.engine_programs import write_program


def test_config_precedence_and_engine_style_values(tmp_path: Path) -> None:
    root = write_program(
        tmp_path,
        """
        config:
          demo:regions: [us-east-1, eu-west-1]
          greeting: hi
          demo:retention: 7
          demo:enabled: true
          aws:region: eu-west-1
          demo:overridden: from-stack
        """,
    )
    (root / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nmain: program/\nconfig:\n"
        "  demo:overridden:\n    value: from-project\n"
        "  demo:schemaDefault:\n    type: string\n    default: fallback\n"
        "  plain: 3\n"
    )
    project = load_project(root, "dev")
    assert project.name == "demo"
    assert project.main == (root / "program").resolve()
    assert project.stack_file == root / "Pulumi.dev.yaml"
    assert project.config == {
        "demo:regions": '["us-east-1","eu-west-1"]',
        "demo:greeting": "hi",
        "demo:retention": "7",
        "demo:enabled": "true",
        "aws:region": "eu-west-1",
        "demo:overridden": "from-stack",
        "demo:schemaDefault": "fallback",
        "demo:plain": "3",
    }


def test_a_missing_stack_file_means_empty_stack_config(tmp_path: Path) -> None:
    root = write_program(tmp_path)
    project = load_project(root, "prod")
    assert project.stack_file is None
    assert project.config == {}


def test_an_empty_stack_file_is_empty_config(tmp_path: Path) -> None:
    root = write_program(tmp_path)
    (root / "Pulumi.dev.yaml").write_text("")
    assert load_project(root, "dev").config == {}


PYTHON_PROJECT = "name: demo\nruntime: python\nmain: program/\n"


@pytest.mark.parametrize(
    ("project_file", "stack_file", "message"),
    [
        (None, None, "Pulumi.yaml: not found"),
        ("name: [unclosed\n", None, "cannot be read as YAML"),
        ("- a list\n", None, "expected a mapping at the top level, got list"),
        ("runtime: python\n", None, "`name` is required"),
        ("name: demo\nruntime: nodejs\nmain: program/\n", None, "`runtime` is 'nodejs'; preflight runs Python"),
        ("name: demo\nruntime: python\nmain: nowhere/\n", None, "which has no __main__.py"),
        ("name: demo\nruntime: python\nmain: program/\nconfig: [a]\n", None, "`config` must be a mapping"),
        (PYTHON_PROJECT, "config: [a]\n", "Pulumi.dev.yaml: `config` must be a mapping"),
    ],
)
def test_malformed_files_name_the_file_and_the_problem(
    tmp_path: Path, project_file: str | None, stack_file: str | None, message: str
) -> None:
    root = write_program(tmp_path)
    if project_file is None:
        (root / "Pulumi.yaml").unlink()
    else:
        (root / "Pulumi.yaml").write_text(project_file)
    if stack_file is not None:
        (root / "Pulumi.dev.yaml").write_text(stack_file)
    with pytest.raises(ProjectError, match=message):
        load_project(root, "dev")


def test_the_default_program_directory_is_the_current_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_program(tmp_path)
    monkeypatch.chdir(root)
    assert load_project().root == root.resolve()


def test_an_encrypted_value_runs_as_a_secret_placeholder(tmp_path: Path) -> None:
    root = write_program(tmp_path)
    (root / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nmain: program/\nconfig:\n  token:\n    type: string\n    secret: true\n"
        "    default: x\n"
    )
    (root / "Pulumi.dev.yaml").write_text("config:\n  demo:key:\n    secure: AAABAx==\n  demo:plain: y\n")
    project = load_project(root, "dev")
    assert project.config["demo:key"] == SECURE_PLACEHOLDER
    assert project.secret_keys == ("demo:key", "demo:token")


def test_a_secure_value_reaches_the_program_as_a_secret(tmp_path: Path) -> None:
    source = (
        "import pulumi\nfrom pulumi.runtime.config import is_config_secret\n"
        "pulumi.export('key', pulumi.Config().require('key'))\npulumi.export('secret', is_config_secret('demo:key'))\n"
    )
    root = write_program(tmp_path, "config:\n  demo:key:\n    secure: AAABAx==\n", source)
    capture = run_program(load_project(root, "dev"), preview=True)
    assert capture.outputs == {"key": SECURE_PLACEHOLDER, "secret": True}


def test_a_stack_without_its_file_beside_other_stacks_is_a_misspelt_stack(tmp_path: Path) -> None:
    root = write_program(tmp_path)
    with pytest.raises(ProjectError, match=r"Pulumi\.prdo\.yaml: not found \(--stack 'prdo'\); .*: dev$"):
        load_project(root, "prdo", require_stack_file=True)


def test_a_project_with_no_stack_file_at_all_runs_as_a_fresh_stack(tmp_path: Path) -> None:
    # pulumi/examples programs ship without stack files: `pulumi stack init dev` writes none until a config is set.
    root = write_program(tmp_path)
    (root / "Pulumi.dev.yaml").unlink()
    project = load_project(root, "dev", require_stack_file=True)
    assert (project.stack_file, project.config) == (None, {})
