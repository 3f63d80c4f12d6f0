"""The engine side of the analyzer protocol: engine URNs, default providers, the Engine service, the pack process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

from preflight import Capture, Registration
from preflight.engine import pack_process
from preflight.engine.analyzer_client import AnalyzerClient
from preflight.engine.engine_service import EngineServer
from preflight.engine.pack_process import PackError, PackProcess, load_pack_spec
from preflight.engine.wire import default_provider, engine_resources, engine_urn
from unit_tests.preflight.gate_packs import IGNORES_TERM_PACK, SILENT_PACK, write_pack


def registration(urn: str, type_: str, provider: str = "", custom: bool = True, parent: str = "") -> Registration:
    return Registration(
        urn=urn,
        type=type_,
        name=urn.rsplit("::", 1)[-1],
        custom=custom,
        parent=parent,
        provider=provider,
        inputs={"x": 1},
        property_dependencies={"x": [parent]} if parent else {},
        dependencies=[parent] if parent else [],
        source_position=None,
    )


@pytest.mark.parametrize(
    ("mock", "engine"),
    [
        (
            "urn:pulumi:dev::p::pulumi:pulumi:Stack$aws:s3/bucket:Bucket::b",
            "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
        ),
        (
            "urn:pulumi:dev::p::pkg:index:C$aws:sns/topic:Topic::t",
            "urn:pulumi:dev::p::pkg:index:C$aws:sns/topic:Topic::t",
        ),
        ("urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"),
        ("not-a-urn", "not-a-urn"),
        ("urn:pulumi:dev::p", "urn:pulumi:dev::p"),
    ],
)
def test_engine_urns_drop_the_mock_stack_qualifier(mock: str, engine: str) -> None:
    assert engine_urn(mock) == engine


def test_resources_on_no_provider_get_the_engines_default_provider() -> None:
    stack = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
    explicit = registration("urn:pulumi:dev::p::pulumi:pulumi:Stack$pulumi:providers:aws::use1", "pulumi:providers:aws")
    resources = [
        explicit,
        registration(
            "urn:pulumi:dev::p::pulumi:pulumi:Stack$aws:sqs/queue:Queue::a",
            "aws:sqs/queue:Queue",
            f"{explicit.urn}::id",
        ),
        registration(
            "urn:pulumi:dev::p::pulumi:pulumi:Stack$aws:sqs/queue:Queue::b", "aws:sqs/queue:Queue", parent=explicit.urn
        ),
        registration("urn:pulumi:dev::p::pulumi:pulumi:Stack$aws:sns/topic:Topic::c", "aws:sns/topic:Topic"),
        registration("urn:pulumi:dev::p::pulumi:pulumi:Stack$pkg:index:C::comp", "pkg:index:C", custom=False),
    ]
    capture = Capture(project="p", stack="dev", preview=False, resources=resources, outputs={}, stack_urn=stack)
    config = {"aws:region": "eu-west-1", "aws:defaultTags": '{"tags": {"Project": "p"}}', "p:other": "x"}
    view = engine_resources(capture, config)
    [default] = [r for r in view if r.synthesized]
    assert [r.name for r in view] == ["use1", "a", default.name, "b", "c", "comp"]
    assert default.name.startswith("default_")
    assert "." not in default.name
    assert default.urn == f"urn:pulumi:dev::p::pulumi:providers:aws::{default.name}"
    assert default.inputs["region"] == "eu-west-1"
    assert default.inputs["defaultTags"] == {"tags": {"Project": "p"}}
    assert "other" not in default.inputs
    by_name = {r.name: r for r in view}
    assert by_name["a"].provider is by_name["use1"]
    assert by_name["b"].provider is by_name["c"].provider is default
    assert by_name["comp"].provider is None
    assert by_name["b"].parent == "urn:pulumi:dev::p::pulumi:providers:aws::use1"
    assert by_name["b"].property_dependencies == {"x": ["urn:pulumi:dev::p::pulumi:providers:aws::use1"]}
    request = by_name["b"].analyze_request()
    assert request.provider.name == default.name
    assert request.properties["x"] == 1
    assert by_name["comp"].stack_message().HasField("provider") is False


def test_default_provider_of_a_package_that_is_not_installed_is_plain_default() -> None:
    capture = Capture(project="p", stack="dev", preview=False, resources=[], outputs={})
    provider = default_provider("nosuchpackage", capture, {"nosuchpackage:key": "[1, 2"})
    assert provider.name == "default"
    assert provider.inputs == {"key": "[1, 2"}
    assert provider.parent == ""


def test_engine_service_records_logs_and_answers_the_root_resource() -> None:
    with EngineServer("urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev") as engine:
        stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(engine.address))
        stub.Log(engine_pb2.LogRequest(severity=engine_pb2.ERROR, message="boom", urn="urn:x"))
        assert stub.GetRootResource(engine_pb2.GetRootResourceRequest()).urn.endswith("p-dev")
        stub.SetRootResource(engine_pb2.SetRootResourceRequest(urn="urn:y"))
        stub.RequirePulumiVersion(engine_pb2.RequirePulumiVersionRequest(pulumi_version_range=">=3"))
        assert [(log.severity, log.message, log.urn) for log in engine.logs] == [("error", "boom", "urn:x")]


class _FailingAnalyzer(analyzer_pb2_grpc.AnalyzerServicer):
    def Handshake(self, request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.INTERNAL, "handshake broke")

    def Analyze(self, request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.UNKNOWN, "policy raised")


@pytest.fixture
def failing_port() -> Iterator[int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(_FailingAnalyzer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield port
    server.stop(grace=None)


def test_rpc_failures_become_pack_errors(failing_port: int) -> None:
    with AnalyzerClient(failing_port) as client:
        with pytest.raises(PackError, match=r"the pack failed the handshake: StatusCode\.INTERNAL: handshake broke"):
            client.handshake("127.0.0.1:1", Path("."))
        with pytest.raises(PackError, match=r"Analyze for urn:x: StatusCode\.UNKNOWN: policy raised"):
            client.analyze(analyzer_pb2.AnalyzeRequest(urn="urn:x"))
        with pytest.raises(PackError, match=r"ConfigureStack: StatusCode\.UNIMPLEMENTED"):
            client.configure_stack(analyzer_pb2.AnalyzerStackConfigureRequest())


def test_a_pack_that_never_prints_its_port_times_out(tmp_path: Path) -> None:
    spec = load_pack_spec(write_pack(tmp_path / "silent", SILENT_PACK))
    process = PackProcess(spec, "127.0.0.1:1", {})
    with pytest.raises(PackError, match="printed no port within 1 s"):
        process.start(timeout=1)
    assert process.returncode is None


def test_a_missing_interpreter_is_a_pack_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_pack_spec(write_pack(tmp_path / "pack", SILENT_PACK))
    monkeypatch.setattr(pack_process.PackSpec, "python", property(lambda self: str(tmp_path / "no-python")))
    with pytest.raises(PackError, match="cannot run the pack's interpreter"):
        PackProcess(spec, "127.0.0.1:1", {}).start()


def test_a_pack_that_ignores_sigterm_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_process, "STOP_TIMEOUT_SECONDS", 0.5)
    spec = load_pack_spec(write_pack(tmp_path / "stubborn", IGNORES_TERM_PACK))
    process = PackProcess(spec, "127.0.0.1:1", {})
    process.start()
    pid = process.pid
    assert pid is not None
    assert process.returncode is None
    process.stop()
    assert not Path(f"/proc/{pid}").exists()
    assert process.pid is None
    process.stop()


def test_pack_output_is_kept_for_error_messages(tmp_path: Path) -> None:
    spec = load_pack_spec(
        write_pack(tmp_path / "pack", "import sys\nprint('to stderr', file=sys.stderr)\nraise SystemExit(3)\n")
    )
    with pytest.raises(PackError, match="exit code 3") as raised:
        PackProcess(spec, "127.0.0.1:1", {}).start()
    assert "stderr:\nto stderr" in str(raised.value)
    assert sys.executable in PackProcess(spec, "x", {}).command
    assert PackProcess(spec, "x", {}).output() == "(the pack printed nothing)"
