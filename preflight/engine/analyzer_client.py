"""The analyzer client: the Analyzer service of a running pack, every failed call a PackError with the pack's output."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from preflight.engine.engine_service import GRPC_OPTIONS
from preflight.engine.pack_process import PackError, PackProcess


class AnalyzerClient:
    """The Analyzer service of a running pack. Every failed call is a PackError carrying the pack's output."""

    def __init__(self, port: int, pack: PackProcess | None = None) -> None:
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=GRPC_OPTIONS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._pack = pack

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> AnalyzerClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _call(self, what: str, urn: str = "") -> Iterator[None]:
        try:
            yield
        except grpc.RpcError as exc:
            status = exc.code() if hasattr(exc, "code") else None
            details = exc.details() if hasattr(exc, "details") else str(exc)
            output = f"\n{self._pack.output()}" if self._pack is not None else ""
            error = PackError(f"the pack failed {what}: {status}: {details}{output}")
            error.urn = urn
            raise error from exc

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

    # Remediate and Analyze run twice per resource: a plain try rather than a context manager, and the failure's
    # message built only on failure (about 10 us a call of the gate's CPU).
    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        try:
            return self._stub.Remediate(request)
        except grpc.RpcError:
            with self._call(f"Remediate for {request.urn}", request.urn):
                raise

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        try:
            return self._stub.Analyze(request)
        except grpc.RpcError:
            with self._call(f"Analyze for {request.urn}", request.urn):
                raise

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse:
        with self._call("AnalyzeStack"):
            return self._stub.AnalyzeStack(request)
