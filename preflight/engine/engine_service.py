"""The engine-side gRPC Engine service a policy pack calls back: log messages and the root resource."""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass
from typing import Any, Final

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

# AnalyzeStack carries the whole stack in one message; gRPC's 4 MiB default is too small for a large stack.
GRPC_OPTIONS: Final = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


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
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=GRPC_OPTIONS)
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
