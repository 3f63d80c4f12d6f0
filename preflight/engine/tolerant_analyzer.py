"""A pack's Analyzer calls, tolerating UNIMPLEMENTED where the engine does (pkg/resource/plugin/analyzer_plugin.go):
Handshake and ConfigureStack (NewPolicyAnalyzer), Remediate (an empty answer) and AnalyzeStack (no diagnostics).
Analyze and GetAnalyzerInfo stay required."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import grpc
from pulumi.runtime.proto import analyzer_pb2

T = TypeVar("T")


class AnalyzerCalls(Protocol):
    def configure_stack(self, request: analyzer_pb2.AnalyzerStackConfigureRequest) -> None: ...

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse: ...

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse: ...

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse: ...


def is_unimplemented(error: BaseException) -> bool:
    """The error, or the gRPC error it was raised from, is UNIMPLEMENTED."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, grpc.RpcError) and hasattr(seen, "code") and seen.code() == grpc.StatusCode.UNIMPLEMENTED:
            return True
        seen = seen.__cause__
    return False


def _tolerating(call: Callable[[], T], fallback: Callable[[], T]) -> T:
    try:
        return call()
    except Exception as exc:
        if is_unimplemented(exc):
            return fallback()
        raise


class TolerantAnalyzer:
    """Wraps a pack's client; the calls the engine may find unimplemented answer as the engine then proceeds."""

    def __init__(self, client: AnalyzerCalls) -> None:
        self.client = client

    def configure_stack(self, request: analyzer_pb2.AnalyzerStackConfigureRequest) -> None:
        _tolerating(lambda: self.client.configure_stack(request), lambda: None)

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        return _tolerating(lambda: self.client.remediate(request), analyzer_pb2.RemediateResponse)

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        return self.client.analyze(request)

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse:
        return _tolerating(lambda: self.client.analyze_stack(request), analyzer_pb2.AnalyzeResponse)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)
