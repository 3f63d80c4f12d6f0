"""Stack config merged and validated as `pulumi preview/up` do (pkg/workspace/config.go, mergeConfig): missing
required keys, typed keys, secret keys and values written as the CLI writes them, each refused before any program
runs, naming the file to change."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight import ProjectError, load_project
from preflight.program.stack_config import SECURE_PLACEHOLDER, engine_value, value_matches
from unit_tests.preflight.engine_programs import write_program


def _project(tmp_path: Path, declarations: str, stack: str) -> Path:
    root = write_program(tmp_path, stack)
    (root / "Pulumi.yaml").write_text(f"name: demo\nruntime: python\nmain: program/\nconfig:\n{declarations}")
    return root


@pytest.mark.parametrize(
    ("declarations", "stack", "message"),
    [
        (
            "  needed:\n    type: string\n",
            "config: {}\n",
            r"Pulumi\.dev\.yaml: Stack 'dev' is missing configuration value 'needed'",
        ),
        (
            "  b:\n    type: string\n  a:\n    type: integer\n  c:\n    type: boolean\n",
            "config: {}\n",
            r"missing configuration values 'a', 'b' and 'c'",
        ),
        ("  count:\n    type: integer\n", "config:\n  demo:count: many\n", "'count' must be of type 'integer'"),
        ("  count:\n    type: integer\n", "config:\n  demo:count: 1.5\n", "'count' must be of type 'integer'"),
        ("  on:\n    type: boolean\n", "config:\n  demo:on: yes\n", "'on' must be of type 'boolean'"),
        ("  name:\n    type: string\n", "config:\n  demo:name: [a]\n", "'name' must be of type 'string'"),
        ("  tags:\n    type: object\n", "config:\n  demo:tags: text\n", "'tags' must be of type 'object'"),
        (
            "  ports:\n    type: array\n    items:\n      type: integer\n",
            "config:\n  demo:ports: [80, http]\n",
            r"'ports' must be of type 'array<integer>'",
        ),
        ("  token:\n    secret: true\n", "config:\n  demo:token: plain\n", "'token' must be encrypted as it's secret"),
        (
            "  days:\n    type: integer\n    default: seven\n",
            "config: {}\n",
            r"Pulumi\.yaml: The default value specified for configuration key 'days' is not of the expected type",
        ),
    ],
)
def test_config_the_cli_refuses_is_refused_naming_the_key(
    tmp_path: Path, declarations: str, stack: str, message: str
) -> None:
    root = _project(tmp_path, declarations, stack)
    with pytest.raises(ProjectError, match=message):
        load_project(root, "dev")


def test_typed_values_the_cli_accepts_reach_the_program_as_the_cli_writes_them(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "  count:\n    type: integer\n  on:\n    type: boolean\n  ports:\n    type: array\n    items:\n"
        "      type: integer\n  tags:\n    type: object\n  days:\n    type: integer\n    default: 7\n"
        "  token:\n    type: string\n    secret: true\n",
        "config:\n  demo:count: '12'\n  demo:on: true\n  demo:ports: [80, 443.0, '8080']\n"
        "  demo:tags: {b: '<x>', a: 1}\n  demo:token:\n    secure: AAABAx==\n",
    )
    project = load_project(root, "dev")
    assert project.config == {
        "demo:count": "12",
        "demo:on": "true",
        "demo:ports": '[80,443.0,"8080"]',
        "demo:tags": '{"a":1,"b":"\\u003cx\\u003e"}',
        "demo:days": "7",
        "demo:token": SECURE_PLACEHOLDER,
    }
    assert project.secret_keys == ("demo:token",)


def test_yes_and_on_are_strings_as_the_cli_reads_yaml(tmp_path: Path) -> None:
    root = _project(tmp_path, "  mode:\n    type: string\n", "config:\n  demo:mode: on\n  demo:answer: yes\n")
    assert load_project(root, "dev").config == {"demo:mode": "on", "demo:answer": "yes"}


def test_a_key_of_another_namespace_may_be_left_unset(tmp_path: Path) -> None:
    # mergeConfig reports missing keys of the project's own namespace only.
    root = _project(tmp_path, "  aws:profile:\n    type: string\n", "config: {}\n")
    assert "aws:profile" not in load_project(root, "dev").config


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_every_integer_written_in_a_stack_file_is_an_integer(number: int) -> None:
    assert value_matches("integer", None, engine_value(number))
    assert not value_matches("integer", None, engine_value(number + 0.5))
