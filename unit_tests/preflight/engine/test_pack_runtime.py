"""Policy packs launched as the CLI launches them, per runtime."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from preflight.engine.pack_runtime import NODE_RUNNER, PackRuntimeError, pack_environment, pack_launch

ENGINE = "127.0.0.1:1234"


def _pack(root: Path, policy_yaml: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "PulumiPolicy.yaml").write_text(policy_yaml)
    return root


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_a_python_pack_runs_in_its_virtualenv(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", "runtime:\n  name: python\n  options:\n    virtualenv: venv\n")
    python = _executable(pack / "venv" / "bin" / "python")
    launch = pack_launch(pack, ENGINE)
    assert launch.command == [str(python), "-u", "-m", "pulumi.policy", ENGINE, str(pack.resolve())]
    assert launch.directory == pack.resolve()


def test_a_missing_virtualenv_is_the_clis_error_not_a_fallback(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", "runtime:\n  name: python\n  options:\n    virtualenv: venv\n")
    with pytest.raises(PackRuntimeError, match=r"The 'virtualenv' option in PulumiPolicy.yaml is set to \"venv\""):
        pack_launch(pack, ENGINE)


def test_a_python_pack_without_a_virtualenv_runs_python3_from_path(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", "runtime: python\n")
    python3 = _executable(tmp_path / "bin" / "python3")
    assert pack_launch(pack, ENGINE, {"PATH": str(python3.parent)}).command[0] == str(python3)


def test_a_node_pack_runs_its_run_policy_pack_script_from_its_directory(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", "runtime: nodejs\n")
    runner = pack / NODE_RUNNER
    runner.mkdir(parents=True)
    node = _executable(tmp_path / "bin" / "node")
    launch = pack_launch(pack, ENGINE, {"PATH": str(node.parent)})
    assert launch.command == [str(node), str(runner), ENGINE, "."]
    assert launch.runtime == "nodejs"


def test_a_node_pack_without_its_dependencies_is_the_clis_error(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", "runtime: nodejs\n")
    with pytest.raises(PackRuntimeError, match="try running npm install or yarn install in"):
        pack_launch(pack, ENGINE, {"PATH": os.environ.get("PATH", "")})


@pytest.mark.parametrize("runtime", ["go", "", "dotnet"])
def test_other_runtimes_are_named_in_the_error(tmp_path: Path, runtime: str) -> None:
    pack = _pack(tmp_path / "pack", f"runtime: {runtime!r}\n")
    with pytest.raises(PackRuntimeError, match="runtime must be one of python, nodejs"):
        pack_launch(pack, ENGINE)


def test_node_packs_also_get_the_nodejs_variables() -> None:
    python, node = (
        pack_environment(runtime, organization="org", project="p", stack="s", dry_run=True, config={"p:a": "1"})
        for runtime in ("python", "nodejs")
    )
    assert python == {
        "PULUMI_CONFIG": '{"p:a": "1"}',
        "PULUMI_ORGANIZATION": "org",
        "PULUMI_PROJECT": "p",
        "PULUMI_STACK": "s",
        "PULUMI_DRY_RUN": "true",
    }
    assert node == {**python, "PULUMI_NODEJS_ORGANIZATION": "org", "PULUMI_NODEJS_PROJECT": "p"} | {
        "PULUMI_NODEJS_STACK": "s",
        "PULUMI_NODEJS_DRY_RUN": "true",
    }
