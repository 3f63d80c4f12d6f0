"""UNIMPLEMENTED is tolerated where the engine tolerates it, and only there."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.tolerant_analyzer import TolerantAnalyzer, is_unimplemented


class _Status(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__(code.name)
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code


class WrappedError(Exception):
    """What a client raises, carrying the gRPC error as its cause."""


class Unimplemented:
    """A pack that implements nothing: every call fails as a client wrapping the gRPC error would."""

    def __init__(self, code: grpc.StatusCode = grpc.StatusCode.UNIMPLEMENTED) -> None:
        self.code = code

    def _fail(self, *args: Any) -> Any:
        raise WrappedError("call failed") from _Status(self.code)

    configure_stack = remediate = analyze = analyze_stack = _fail


def test_the_calls_the_engine_may_skip_answer_empty() -> None:
    analyzer = TolerantAnalyzer(Unimplemented())
    analyzer.configure_stack(analyzer_pb2.AnalyzerStackConfigureRequest())
    assert analyzer.remediate(analyzer_pb2.AnalyzeRequest()) == analyzer_pb2.RemediateResponse()
    assert analyzer.analyze_stack(analyzer_pb2.AnalyzeStackRequest()) == analyzer_pb2.AnalyzeResponse()


def test_analyze_stays_required() -> None:
    with pytest.raises(WrappedError):
        TolerantAnalyzer(Unimplemented()).analyze(analyzer_pb2.AnalyzeRequest())


def test_other_failures_are_not_tolerated() -> None:
    with pytest.raises(WrappedError):
        TolerantAnalyzer(Unimplemented(grpc.StatusCode.UNKNOWN)).remediate(analyzer_pb2.AnalyzeRequest())
    assert not is_unimplemented(ValueError("plain"))
