"""The engine's side of CrossGuard: launch a policy pack exactly as the Pulumi CLI does and speak its gRPC protocol.

The CLI reads the pack's PulumiPolicy.yaml, runs `<python> -u -m pulumi.policy <engine address> <pack dir>` from the
pack directory with the pack's virtualenv, reads the analyzer's port from the first line the pack prints, serves an
Engine service (log messages) at the engine address, and calls the Analyzer service: Handshake, ConfigureStack,
GetAnalyzerInfo, Configure, then Remediate and Analyze per resource, then AnalyzeStack. This module does the same,
and presents a captured program run (preflight.capture) the way the engine would: engine URNs, each resource's
provider (a synthesized default provider where the program used none), parents and dependencies.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import grpc
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

from preflight.capture import PROVIDER_PREFIX, Capture, Registration, SourcePosition

POLICY_FILE: Final = "PulumiPolicy.yaml"
ORGANIZATION: Final = "organization"  # what the CLI passes for backends without organizations
PORT_TIMEOUT_SECONDS: Final = 60.0
STOP_TIMEOUT_SECONDS: Final = 5.0
_MOCK_STACK_QUALIFIER: Final = "pulumi:pulumi:Stack$"
_GRPC_OPTIONS: Final = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


class PackError(Exception):
    """The policy pack could not be loaded, started or queried. The message carries what the pack printed."""


@dataclass(frozen=True)
class PackSpec:
    """What PulumiPolicy.yaml says: the runtime, its virtualenv and the pack version."""

    directory: Path
    version: str
    virtualenv: Path | None

    @property
    def python(self) -> str:
        """The virtualenv's interpreter when the virtualenv exists (as the CLI uses it), else this interpreter."""
        if self.virtualenv is not None:
            for candidate in (self.virtualenv / "bin" / "python", self.virtualenv / "Scripts" / "python.exe"):
                if candidate.is_file():
                    return str(candidate)
        return sys.executable


def load_pack_spec(directory: str | Path) -> PackSpec:
    """Read `directory`/PulumiPolicy.yaml; a pack that is not a Python pack is an error naming the file."""
    root = Path(directory).resolve()
    policy_file = root / POLICY_FILE
    if not policy_file.is_file():
        raise PackError(f"{policy_file}: not found (--pack must name a directory holding {POLICY_FILE})")
    try:
        document = yaml.safe_load(policy_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(f"{policy_file}: cannot be read as YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise PackError(f"{policy_file}: expected a mapping at the top level")
    runtime = document.get("runtime")
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise PackError(f"{policy_file}: runtime must be python (the offline gate runs Python packs), got {name!r}")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
    if virtualenv is not None and not isinstance(virtualenv, str):
        raise PackError(f"{policy_file}: runtime.options.virtualenv must be a path, got {virtualenv!r}")
    if (root / "__main__.py").is_file() is False:
        raise PackError(f"{root}: the pack has no __main__.py")
    version = document.get("version")
    return PackSpec(
        directory=root,
        version=str(version) if version is not None else "0.0.1",
        virtualenv=(root / virtualenv) if virtualenv else None,
    )


@dataclass(frozen=True)
class EngineLog:
    severity: str
    message: str
    urn: str


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    """The part of the Engine service a policy pack can call: logging, and the root resource."""

    def __init__(self, root_urn: str) -> None:
        self.root_urn = root_urn
        self.logs: list[EngineLog] = []
        self._lock = threading.Lock()

    def Log(self, request: Any, context: Any) -> Any:
        severity = engine_pb2.LogSeverity.Name(request.severity).lower()
        with self._lock:
            self.logs.append(EngineLog(severity, request.message, request.urn))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.root_urn)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: Any) -> Any:
        return engine_pb2.RequirePulumiVersionResponse()


class EngineServer:
    """A minimal Engine gRPC server on 127.0.0.1, started on enter and stopped on exit."""

    def __init__(self, root_urn: str = "") -> None:
        self.servicer = _EngineServicer(root_urn)
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=_GRPC_OPTIONS)
        engine_pb2_grpc.add_EngineServicer_to_server(self.servicer, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def logs(self) -> list[EngineLog]:
        return list(self.servicer.logs)

    def __enter__(self) -> EngineServer:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop(grace=None)


class PackProcess:
    """The pack, run as the CLI runs it. Its stdout after the port line and its stderr are kept for error messages.

    Stopping is reliable: the pack runs in its own process group, which is terminated (then killed) on exit from the
    context, on interpreter exit, and by `stop()`.
    """

    def __init__(self, spec: PackSpec, engine_address: str, environment: Mapping[str, str]) -> None:
        self.spec = spec
        self.command = [spec.python, "-u", "-m", "pulumi.policy", engine_address, str(spec.directory)]
        self._environment = {**os.environ, **environment}
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._port_lines: queue.Queue[str | None] = queue.Queue()
        self._readers: list[threading.Thread] = []
        self.port = 0

    def output(self) -> str:
        """What the pack printed (stdout after the port, then stderr), for error messages."""
        stdout = "".join(self._stdout).strip()
        stderr = "".join(self._stderr).strip()
        parts = [f"stdout:\n{stdout}" if stdout else "", f"stderr:\n{stderr}" if stderr else ""]
        return "\n".join(part for part in parts if part) or "(the pack printed nothing)"

    def _read(self, stream: Any, sink: list[str], announce_port: bool) -> None:
        first = announce_port
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            if first:
                self._port_lines.put(line)
                first = False
            else:
                sink.append(line)
        if first:
            self._port_lines.put(None)

    def start(self, timeout: float = PORT_TIMEOUT_SECONDS) -> int:
        """Launch the pack and wait for its port; PackError (with the pack's output) if it never comes."""
        self.launch()
        return self.wait_for_port(timeout)

    def launch(self) -> None:
        """Start the pack process without waiting for it (its start overlaps whatever the caller does next)."""
        if self._process is not None:
            return
        try:
            self._process = subprocess.Popen(  # noqa: S603 - the command is the CLI's, built from the pack spec
                self.command,
                cwd=self.spec.directory,
                env=self._environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise PackError(f"cannot run the pack's interpreter {self.spec.python}: {exc}") from exc
        atexit.register(self.stop)
        for stream, sink, announce in (
            (self._process.stdout, self._stdout, True),
            (self._process.stderr, self._stderr, False),
        ):
            reader = threading.Thread(target=self._read, args=(stream, sink, announce), daemon=True)
            reader.start()
            self._readers.append(reader)

    def wait_for_port(self, timeout: float = PORT_TIMEOUT_SECONDS) -> int:
        """The analyzer's port, read from the first line the launched pack prints."""
        if self.port:
            return self.port
        try:
            first_line = self._port_lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise PackError(
                f"the pack {self.spec.directory} printed no port within {timeout:.0f} s\n{self.output()}"
            ) from None
        if first_line is None or not first_line.strip().isdigit():
            process = self._process
            self.stop()
            shown = "nothing" if first_line is None else repr(first_line.strip())
            exit_code = process.returncode if process is not None else None
            raise PackError(
                f"the pack {self.spec.directory} failed to start: it printed {shown} where its port belongs "
                f"(exit code {exit_code})\n{self.output()}"
            )
        self.port = int(first_line.strip())
        return self.port

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        atexit.unregister(self.stop)
        if process.poll() is None:
            for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_SECONDS), (signal.SIGKILL, None)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, sig)
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for reader in self._readers:
            reader.join(timeout=STOP_TIMEOUT_SECONDS)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def __enter__(self) -> PackProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def engine_urn(urn: str) -> str:
    """The URN the engine gives a resource: mocks qualify top-level types with the root stack's type, it does not."""
    head, separator, rest = urn.partition("::")
    if not separator:
        return urn
    project, separator, qualified = rest.partition("::")
    return f"{head}::{project}::{qualified.removeprefix(_MOCK_STACK_QUALIFIER)}" if separator else urn


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


@dataclass
class EngineResource:
    """One resource as the engine holds it: engine URNs throughout, and its provider resolved."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    source_position: SourcePosition | None
    provider: EngineResource | None = None
    synthesized: bool = False
    _input_struct: struct_pb2.Struct | None = field(default=None, repr=False)

    @property
    def is_provider(self) -> bool:
        return self.type.startswith(PROVIDER_PREFIX)

    def input_struct(self) -> struct_pb2.Struct:
        if self._input_struct is None:
            self._input_struct = _struct(self.inputs)
        return self._input_struct

    def provider_message(self) -> analyzer_pb2.AnalyzerProviderResource | None:
        if self.provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=self.provider.type,
            urn=self.provider.urn,
            name=self.provider.name,
            properties=self.provider.input_struct(),
        )

    def options(self) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(parent=self.parent)

    def analyze_request(self, properties: struct_pb2.Struct | None = None) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(
            type=self.type,
            urn=self.urn,
            name=self.name,
            properties=properties if properties is not None else self.input_struct(),
            options=self.options(),
            provider=self.provider_message(),
        )

    def stack_message(self, properties: struct_pb2.Struct | None = None) -> analyzer_pb2.AnalyzerResource:
        return analyzer_pb2.AnalyzerResource(
            type=self.type,
            urn=self.urn,
            name=self.name,
            properties=properties if properties is not None else _struct(self.outputs),
            options=self.options(),
            provider=self.provider_message(),
            parent=self.parent,
            dependencies=self.dependencies,
            propertyDependencies={
                key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                for key, urns in self.property_dependencies.items()
            },
        )


def _engine_resource(registration: Registration) -> EngineResource:
    return EngineResource(
        urn=engine_urn(registration.urn),
        type=registration.type,
        name=registration.name,
        custom=registration.custom,
        parent=engine_urn(registration.parent) if registration.parent else "",
        inputs=registration.inputs,
        outputs=registration.outputs if registration.custom else registration.inputs,
        dependencies=[engine_urn(urn) for urn in registration.dependencies],
        property_dependencies={
            key: [engine_urn(urn) for urn in urns] for key, urns in registration.property_dependencies.items()
        },
        source_position=registration.source_position,
    )


def _package_version(package: str) -> str:
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        return importlib.metadata.version(f"pulumi_{package}")
    return ""


def _config_value(raw: str) -> Any:
    """Stack config arrives as strings; structured values (JSON objects and lists) as the objects they encode."""
    if raw[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(raw)
    return raw


def default_provider(package: str, capture: Capture, config: Mapping[str, str]) -> EngineResource:
    """The provider the engine creates for resources that name none: `default_<version>`, from the stack config."""
    version = _package_version(package)
    name = f"default_{version.replace('.', '_')}" if version else "default"
    inputs: dict[str, Any] = {
        key.split(":", 1)[1]: _config_value(value) for key, value in config.items() if key.startswith(f"{package}:")
    }
    if version:
        inputs["version"] = version
    stack_urn = engine_urn(capture.stack_urn) if capture.stack_urn else ""
    return EngineResource(
        urn=f"urn:pulumi:{capture.stack}::{capture.project}::{PROVIDER_PREFIX}{package}::{name}",
        type=f"{PROVIDER_PREFIX}{package}",
        name=name,
        custom=True,
        parent=stack_urn,
        inputs=inputs,
        outputs=inputs,
        dependencies=[],
        property_dependencies={},
        source_position=None,
        synthesized=True,
    )


def engine_resources(capture: Capture, config: Mapping[str, str]) -> list[EngineResource]:
    """The captured registrations as the engine would hold them, default providers added before their first user."""
    by_mock_urn = {registration.urn: _engine_resource(registration) for registration in capture.resources}
    defaults: dict[str, EngineResource] = {}
    ordered: list[EngineResource] = []
    for registration in capture.resources:
        resource = by_mock_urn[registration.urn]
        if registration.provider:
            resource.provider = by_mock_urn.get(registration.provider_urn)
        elif registration.custom and not registration.is_provider:
            package = registration.package
            if package not in defaults:
                defaults[package] = default_provider(package, capture, config)
                ordered.append(defaults[package])
            resource.provider = defaults[package]
        ordered.append(resource)
    return ordered


class AnalyzerClient:
    """The Analyzer service of a running pack. Every failed call is a PackError carrying the pack's output."""

    def __init__(self, port: int, pack: PackProcess | None = None) -> None:
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._pack = pack

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> AnalyzerClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _call(self, what: str) -> Iterator[None]:
        try:
            yield
        except grpc.RpcError as exc:
            status = exc.code() if hasattr(exc, "code") else None
            details = exc.details() if hasattr(exc, "details") else str(exc)
            output = f"\n{self._pack.output()}" if self._pack is not None else ""
            raise PackError(f"the pack failed {what}: {status}: {details}{output}") from exc

    def handshake(self, engine_address: str, pack_dir: Path) -> None:
        """pulumi_policy does not implement Handshake; the engine tolerates UNIMPLEMENTED, and so does this."""
        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address=engine_address, root_directory=str(pack_dir), program_directory=str(pack_dir)
        )
        try:
            self._stub.Handshake(request)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                with self._call("the handshake"):
                    raise

    def configure_stack(self, request: analyzer_pb2.AnalyzerStackConfigureRequest) -> None:
        with self._call("ConfigureStack"):
            self._stub.ConfigureStack(request)

    def analyzer_info(self) -> analyzer_pb2.AnalyzerInfo:
        with self._call("GetAnalyzerInfo"):
            return self._stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, request: analyzer_pb2.ConfigureAnalyzerRequest) -> None:
        with self._call("Configure"):
            self._stub.Configure(request)

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        with self._call(f"Remediate for {request.urn}"):
            return self._stub.Remediate(request)

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        with self._call(f"Analyze for {request.urn}"):
            return self._stub.Analyze(request)

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse:
        with self._call("AnalyzeStack"):
            return self._stub.AnalyzeStack(request)
