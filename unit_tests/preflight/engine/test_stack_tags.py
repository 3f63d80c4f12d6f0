"""Stack tags as the CLI computes them for ConfigureStack."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from preflight.engine.stack_tags import StackTagsError, stack_tags, vcs_info


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("git@github.com:acme/delivery.git", {"vcs:owner": "acme", "vcs:repo": "delivery", "vcs:kind": "github.com"}),
        (
            "https://gitlab.com/acme/platform/delivery.git",
            {"vcs:owner": "acme", "vcs:repo": "platform/delivery", "vcs:kind": "gitlab.com"},
        ),
        ("file:///srv/repo.git", {}),
        ("https://example.com/norepo", {}),
    ],
)
def test_vcs_info_reads_owner_repository_and_kind_from_the_remote(remote: str, expected: dict[str, str]) -> None:
    assert vcs_info(remote) == expected


def _git(cwd: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607


def test_tags_carry_the_description_the_config_tags_and_the_repository(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "remote", "add", "origin", "git@github.com:acme/delivery.git")
    project = tmp_path / "infra"
    project.mkdir()
    config = {"pulumi:tags": '{"team": "payments"}', "demo:other": "x"}
    assert stack_tags(project, "demo", "python", "A demo.", config) == {
        "pulumi:project": "demo",
        "pulumi:runtime": "python",
        "pulumi:description": "A demo.",
        "team": "payments",
        "vcs:root": "infra",
        "vcs:owner": "acme",
        "vcs:repo": "delivery",
        "vcs:kind": "github.com",
    }


def test_outside_a_repository_there_are_no_vcs_tags(tmp_path: Path) -> None:
    assert stack_tags(tmp_path, "demo", "python", None, {}) == {"pulumi:project": "demo", "pulumi:runtime": "python"}


@pytest.mark.parametrize(
    ("value", "message"), [("[1]", "must be an object of strings"), ('{"a": 1}', r"pulumi:tags\[a\] must be a string")]
)
def test_config_tags_must_be_an_object_of_strings(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(StackTagsError, match=message):
        stack_tags(tmp_path, "demo", "python", None, {"pulumi:tags": value})
