"""Policy packs launched as the CLI launches them, per runtime."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from preflight.engine.pack_runtime import NODE_RUNNER, PackRuntimeError, pack_environment, pack_launch

ENGINE = "127.0.0.1:1234"


def _pack(root: Path, policy_yaml: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "PulumiPolicy.yaml").write_text(policy_yaml)
    (root / "__main__.py").write_text("")
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


def test_a_missing_virtualenv_runs_the_pack_on_the_gates_interpreter_with_a_warning(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", "runtime:\n  name: python\n  options:\n    virtualenv: venv\n")
    launch = pack_launch(pack, ENGINE)
    assert launch.command[0] == sys.executable
    assert launch.warning.startswith(f"policy pack {pack.resolve()}: The 'virtualenv' option in PulumiPolicy.yaml")
    assert (
        "doesn't exist: the CLI would need the virtualenv made from the pack's requirements.txt first" in launch.warning
    )
    assert "\n" not in launch.warning


def test_a_python_pack_without_a_virtualenv_runs_on_the_gates_interpreter(tmp_path: Path) -> None:
    # The CLI would take python3 from PATH; the gate's interpreter is the one known to have pulumi-policy.
    pack = _pack(tmp_path / "pack", "runtime: python\n")
    python3 = _executable(tmp_path / "bin" / "python3")
    launch = pack_launch(pack, ENGINE, {"PATH": str(python3.parent)})
    assert launch.command[0] == sys.executable
    assert launch.warning == ""


def test_a_pack_without_its_entry_or_with_a_malformed_virtualenv_is_refused(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", "runtime:\n  name: python\n  options:\n    virtualenv: 3\n")
    with pytest.raises(PackRuntimeError, match=r"runtime\.options\.virtualenv must be a path"):
        pack_launch(pack, ENGINE)
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").unlink()
    with pytest.raises(PackRuntimeError, match=r"the pack has no __main__\.py"):
        pack_launch(pack, ENGINE)


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
