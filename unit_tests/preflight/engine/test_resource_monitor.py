"""A program launched as the CLI launches it, registering with preflight's ResourceMonitor."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from preflight.engine.deployment import ProgramRun, run_deployment
from preflight.engine.resource_goal import UNKNOWN, analyzer_options
from preflight.program.language_host import (
    LanguageHostError,
    ResolvedInterpreter,
    offline_interpreter,
    project_interpreter,
)
from preflight.world.mocks import AwsLikeMocks

PROGRAM = """
import pulumi
import pulumi_aws as aws


class Outer(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("demo:index:Outer", name, None, opts)
        self.inner = Inner(f"{name}-inner", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"queueUrl": self.inner.queue.url})


class Inner(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("demo:index:Inner", name, None, opts)
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            message_retention_seconds=600,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=True,
                ignore_changes=["tags"],
                custom_timeouts=pulumi.CustomTimeouts(create="5m"),
            ),
        )
        self.register_outputs({})


outer = Outer("outer")
role = aws.iam.Role("role", assume_role_policy="{}")
aws.iam.RolePolicyAttachment("attach", role=role, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
pulumi.export("queueArn", outer.inner.queue.arn)
"""

QUEUE_URN = "urn:pulumi:dev::demo::demo:index:Outer$demo:index:Inner$aws:sqs/queue:Queue::outer-inner-queue"


def _project(root: Path, source: str = PROGRAM) -> Path:
    (root / "program").mkdir(parents=True, exist_ok=True)
    (root / "program" / "__main__.py").write_text(textwrap.dedent(source))
    (root / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: program/\n")
    return root


def _run(root: Path, preview: bool, config: dict[str, str] | None = None) -> ProgramRun:
    return run_deployment(
        project="demo",
        stack="dev",
        project_root=root,
        program_directory=root / "program",
        world=AwsLikeMocks(preview=False),
        config={"aws:region": "eu-west-1", **(config or {})},
        preview=preview,
        interpreter=sys.executable,
    )


@pytest.fixture(scope="module", params=[True, False], ids=["preview", "up"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ProgramRun:
    return _run(_project(tmp_path_factory.mktemp("monitor")), request.param)


def test_the_program_runs_to_completion_in_its_own_process(run: ProgramRun) -> None:
    assert run.exit_code == 0, run.stderr + "\n".join(run.errors)


def test_urns_carry_the_whole_parent_chain_and_the_root_stack_comes_first(run: ProgramRun) -> None:
    resources = run.state.ordered()
    assert resources[0].urn == "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
    assert QUEUE_URN in run.state.resources


def test_options_reach_the_goal(run: ProgramRun) -> None:
    options = analyzer_options(run.state.resources[QUEUE_URN].goal)
    assert options.protect
    assert list(options.ignoreChanges) == ["tags"]
    assert options.customTimeouts.create == 300.0
    assert options.parent == "urn:pulumi:dev::demo::demo:index:Outer$demo:index:Inner::outer-inner"


def test_the_default_provider_is_registered_as_the_engine_does(run: ProgramRun) -> None:
    urn = "urn:pulumi:dev::demo::pulumi:providers:aws::default_7_51_1"
    provider_urns = [r.urn for r in run.state.ordered() if r.goal.type == "pulumi:providers:aws"]
    assert len(provider_urns) == 1
    (provider_urn,) = provider_urns
    assert provider_urn.rsplit("::", 1)[0] == urn.rsplit("::", 1)[0]
    provider = run.state.resources[provider_urn]
    assert provider.goal.parent == ""
    assert provider.goal.properties["region"] == "eu-west-1"
    assert run.state.resources[QUEUE_URN].goal.provider.startswith(provider_urn + "::")


def test_references_are_sent_as_references_and_the_component_and_stack_outputs_are_kept(run: ProgramRun) -> None:
    attachment = run.state.resources["urn:pulumi:dev::demo::aws:iam/rolePolicyAttachment:RolePolicyAttachment::attach"]
    assert attachment.goal.properties["role"]["urn"] == "urn:pulumi:dev::demo::aws:iam/role:Role::role"
    outer = run.state.resources["urn:pulumi:dev::demo::demo:index:Outer::outer"]
    assert set(outer.outputs) == {"queueUrl"}
    assert set(run.state.stack_outputs) == {"queueArn"}


def test_computed_outputs_are_unknown_in_preview_and_known_in_an_update(run: ProgramRun) -> None:
    queue = run.state.resources[QUEUE_URN]
    assert queue.outputs["messageRetentionSeconds"] == 600
    preview = queue.id == ""
    assert (queue.outputs["arn"] == UNKNOWN) is preview
    assert (run.state.stack_outputs["queueArn"] == UNKNOWN) is preview
    if not preview:
        assert queue.outputs["arn"].startswith("arn:aws:sqs:eu-west-1:")


@pytest.mark.parametrize("disabled", ['["aws"]', '["*"]'])
def test_disabled_default_providers_fail_the_registration_with_the_engines_message(
    tmp_path: Path, disabled: str
) -> None:
    source = "import pulumi\npulumi.CustomResource('aws:iam/role:Role', 'role', {'assumeRolePolicy': '{}'})\n"
    run = _run(_project(tmp_path, source), True, {"pulumi:disable-default-providers": disabled})
    assert run.exit_code != 0
    assert any(
        "Default provider for 'aws' disabled. 'urn:pulumi:dev::demo::aws:iam/role:Role::role' must use an explicit "
        "provider." in message
        for message in run.errors
    ), run.errors


def test_a_duplicate_urn_fails_the_program(tmp_path: Path) -> None:
    source = "import pulumi\nfor _ in range(2):\n    pulumi.CustomResource('aws:sqs/queue:Queue', 'q', {})\n"
    run = _run(_project(tmp_path, source), True)
    assert run.exit_code != 0
    assert any("Duplicate resource URN 'urn:pulumi:dev::demo::aws:sqs/queue:Queue::q'" in m for m in run.errors)


def test_a_missing_virtualenv_is_the_clis_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    with pytest.raises(
        LanguageHostError, match=r"The 'virtualenv' option in Pulumi.yaml is set to \"venv\", but .* doesn't exist"
    ):
        project_interpreter(tmp_path)


def test_the_virtualenv_of_the_project_is_its_interpreter(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime:\n  name: python\n  options:\n    toolchain: uv\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("")
    assert project_interpreter(tmp_path) == str(tmp_path / ".venv" / "bin" / "python")
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    assert project_interpreter(
        tmp_path, {"PULUMI_PYTHON_CMD": Path(sys.executable).name, "PATH": str(Path(sys.executable).parent)}
    )


def test_the_gate_runs_a_program_on_its_virtualenv_when_it_exists(tmp_path: Path) -> None:
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").write_text("")
    options = {"virtualenv": "venv"}
    assert offline_interpreter(tmp_path, options) == ResolvedInterpreter(str(tmp_path / "venv" / "bin" / "python"))


def test_a_declared_virtualenv_never_created_runs_on_the_gates_interpreter_with_one_warning(tmp_path: Path) -> None:
    resolved = offline_interpreter(tmp_path, {"virtualenv": "venv"})
    assert resolved.path == sys.executable
    assert "The 'virtualenv' option in Pulumi.yaml is set to \"venv\"" in resolved.warning
    assert "the CLI would need `pulumi install` first" in resolved.warning
    assert "\n" not in resolved.warning


def test_without_a_declared_virtualenv_the_gates_interpreter_runs_the_program(tmp_path: Path) -> None:
    assert offline_interpreter(tmp_path, {}) == ResolvedInterpreter(sys.executable)
    assert offline_interpreter(tmp_path, {"toolchain": "pip"}) == ResolvedInterpreter(sys.executable)


def test_python_overrides_every_declaration(tmp_path: Path) -> None:
    assert offline_interpreter(tmp_path, {"virtualenv": "venv"}, override="/opt/python") == ResolvedInterpreter(
        "/opt/python"
    )
