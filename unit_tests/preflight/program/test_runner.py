"""The engine core: a program run in-process under the mocks, recorded as the engine would receive it."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from pathlib import Path

import pytest

from preflight import SECRET_SIG, UNKNOWN, AwsLikeMocks, Capture, ProgramError, load_project, run_program
from preflight.program.runner import run_timeout_seconds
from unit_tests.preflight.engine_programs import write_program


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_program(tmp_path_factory.mktemp("demo"), "config:\n  demo:greeting: hi\n")


@pytest.fixture(scope="module", params=[True, False], ids=["preview", "up"])
def demo(request: pytest.FixtureRequest, demo_root: Path) -> Capture:
    return run_program(load_project(demo_root, "dev"), preview=request.param)


def test_records_every_registration_in_order_with_parents_and_providers(demo: Capture) -> None:
    names = [r.name for r in demo.resources]
    assert names[:2] == ["aws-euw1", "box"]
    assert sorted(names[2:]) == sorted(
        ["box-queue", "box-topic", "box-subscription", "box-secret", "box-secret-version"]
    )
    box = demo.by_urn()[demo.resources[1].urn]
    assert box.type == "demo:index:Box"
    assert not box.custom
    assert box.parent == demo.stack_urn
    (provider,) = demo.providers()
    for resource in demo.custom_resources():
        assert resource.parent == box.urn
        assert resource.provider_urn == provider.urn
        assert demo.region_of(resource) == "eu-west-1"


def test_inputs_arrive_as_the_engine_sees_them(demo: Capture) -> None:
    (queue,) = demo.of_type("aws:sqs/queue:Queue")
    assert queue.inputs == {"name": "box-q", "messageRetentionSeconds": 600.0}
    (version,) = demo.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "value": "placeholder"}
    assert version.source_position is not None
    assert version.source_position.path.endswith("program/__main__.py")
    (provider,) = demo.providers()
    assert provider.inputs["region"] == "eu-west-1"


def test_ignore_changes_arrive_as_engine_property_paths(demo: Capture) -> None:
    """The program's snake_case names reach the engine camelCased: what a test of ignore_changes must compare."""
    (version,) = demo.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.ignore_changes == ["secretString"]
    (queue,) = demo.of_type("aws:sqs/queue:Queue")
    assert queue.ignore_changes == []


def test_preview_answers_unknowns_and_up_answers_realistic_values(demo: Capture) -> None:
    (subscription,) = demo.of_type("aws:sns/topicSubscription:TopicSubscription")
    (topic,) = demo.of_type("aws:sns/topic:Topic")
    assert subscription.property_dependencies["topic"] == [topic.urn]
    assert topic.urn in subscription.dependencies
    if demo.preview:
        assert subscription.inputs["topic"] == UNKNOWN
        assert "queue_url" not in demo.outputs or demo.outputs["queue_url"] == UNKNOWN
    else:
        assert subscription.inputs["topic"] == topic.outputs["arn"]
        assert topic.outputs["arn"].startswith("arn:aws:sns:eu-west-1:123456789012:box-topic-")
        assert demo.outputs["queue_url"] == "https://sqs.eu-west-1.amazonaws.com/123456789012/box-q"
        (queue,) = demo.of_type("aws:sqs/queue:Queue")
        assert queue.id == demo.outputs["queue_url"]
    assert demo.outputs["greeting"] == "hi"


def test_two_runs_give_identical_records(demo_root: Path) -> None:
    first = run_program(load_project(demo_root, "dev"), preview=False)
    second = run_program(load_project(demo_root, "dev"), preview=False)
    assert [(r.urn, r.id, r.outputs) for r in first.resources] == [(r.urn, r.id, r.outputs) for r in second.resources]


def test_extra_config_overrides_the_stack_file(demo_root: Path) -> None:
    capture = run_program(load_project(demo_root, "dev"), preview=True, extra_config={"demo:greeting": "hey"})
    assert capture.outputs["greeting"] == "hey"


def test_a_failing_program_is_a_program_error_naming_the_cause(demo_root: Path) -> None:
    with pytest.raises(ProgramError, match=r"demo \(.*program\) failed: ValueError: asked to fail: now"):
        run_program(load_project(demo_root, "dev"), extra_config={"demo:fail": "now"})


def test_duplicate_urns_are_refused_as_the_engine_would(demo_root: Path) -> None:
    with pytest.raises(ProgramError, match="duplicate resource URNs"):
        run_program(load_project(demo_root, "dev"), extra_config={"demo:duplicate": "true"})


def test_a_resource_on_the_default_provider_has_no_provider_reference(demo_root: Path) -> None:
    capture = run_program(load_project(demo_root, "dev"), preview=False, extra_config={"demo:defaultProvider": "true"})
    stray = next(r for r in capture.resources if r.name == "stray-queue")
    assert capture.provider_of(stray) is None
    assert capture.region_of(stray) is None


def test_the_run_leaves_the_working_directory_path_and_event_loop_usable(demo_root: Path) -> None:
    cwd, path = os.getcwd(), list(sys.path)
    asyncio.run(asyncio.sleep(0))  # closes the default loop, as a test framework or another tool may
    capture = run_program(load_project(demo_root, "dev"), preview=True)
    assert capture.resources
    assert os.getcwd() == cwd
    assert sys.path == path


def test_custom_mocks_are_used(demo_root: Path) -> None:
    mocks = AwsLikeMocks(preview=False, account="210987654321")
    capture = run_program(load_project(demo_root, "dev"), preview=False, mock_impl=mocks)
    (topic,) = capture.of_type("aws:sns/topic:Topic")
    assert ":210987654321:" in topic.outputs["arn"]


BETWEEN_RUNS_SCRIPT = """
import sys
import pulumi
from preflight import load_project, run_program

project = load_project(sys.argv[1], "dev")
run_program(project, preview=True)
pulumi.Output.all(pulumi.Output.from_input("a"), pulumi.Output.from_input("b")).apply(lambda values: values)
print(len(run_program(project, preview=False).resources))
"""


def test_an_output_made_between_runs_does_not_hang_the_next_run(demo_root: Path) -> None:
    """Regression: the next run used to wait forever for the stray Output's task (a loop that never runs again)."""
    import subprocess

    result = subprocess.run(  # noqa: S603 - the interpreter running the tests, a fixed script
        [sys.executable, "-W", "ignore", "-c", BETWEEN_RUNS_SCRIPT, str(demo_root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "7"


STUCK_PROGRAM = """
import asyncio
import gc

import pulumi

# An output whose future nothing ever resolves: the run can only end through the engine's timeout.
pulumi.export("never", pulumi.Output.from_input(asyncio.get_event_loop().create_future()))
"""


def test_a_run_that_never_finishes_is_a_program_error_not_a_hang(tmp_path: Path) -> None:
    root = write_program(tmp_path / "stuck", source=STUCK_PROGRAM, name="stuck")
    with pytest.raises(ProgramError, match=r"did not finish within 2 s"):
        run_program(load_project(root, "dev"), timeout_seconds=2)


COLLECTOR_PROGRAM = """
import gc
import pulumi

pulumi.export("collector_enabled", gc.isenabled())
"""


def test_the_program_runs_without_the_cyclic_collector_and_gets_it_back_afterwards(tmp_path: Path) -> None:
    root = write_program(tmp_path / "collector", source=COLLECTOR_PROGRAM, name="collector")
    assert gc.isenabled()

    capture = run_program(load_project(root, "dev"))

    assert capture.outputs == {"collector_enabled": False}
    assert gc.isenabled()


@pytest.mark.parametrize("code", [0, 3, "text"])
def test_a_program_that_calls_sys_exit_is_a_program_error_naming_the_code(tmp_path: Path, code: object) -> None:
    root = write_program(tmp_path / "exits", source=f"import sys\nsys.exit({code!r})\n", name="exits")
    with pytest.raises(ProgramError, match=rf"called sys\.exit\({code!r}\)"):
        run_program(load_project(root, "dev"), timeout_seconds=120)


def test_a_program_that_blocks_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    # threading.Event().wait() never returns to the event loop: only the caller's thread can give up on it.
    root = write_program(tmp_path / "blocks", source="import threading\nthreading.Event().wait()\n", name="blocks")
    with pytest.raises(ProgramError, match=r"did not finish within 1 s \(PREFLIGHT_RUN_TIMEOUT_SECONDS\)"):
        run_program(load_project(root, "dev"), timeout_seconds=1)


@pytest.mark.parametrize(("raw", "expected"), [(None, 300.0), ("", 300.0), ("12.5", 12.5), ("86400", 86400.0)])
def test_the_run_timeout_comes_from_its_variable(raw: str | None, expected: float) -> None:
    environ = {} if raw is None else {"PREFLIGHT_RUN_TIMEOUT_SECONDS": raw}
    assert run_timeout_seconds(environ) == expected


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "nan", "inf", "86401"])
def test_a_malformed_run_timeout_names_the_variable(raw: str) -> None:
    with pytest.raises(ProgramError, match=rf"PREFLIGHT_RUN_TIMEOUT_SECONDS='{raw}': a number of seconds above 0"):
        run_timeout_seconds({"PREFLIGHT_RUN_TIMEOUT_SECONDS": raw})
