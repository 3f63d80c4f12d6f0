"""analyse_resources: every resource Remediated and Analyzed once, results in registration order, and a failed call
stopping the rest with the earliest failing resource's error, whatever the number of workers."""

from __future__ import annotations

import threading

import pytest
from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.pack_process import PackError
from preflight.engine.wire import EngineResource
from preflight.gate.analysis import analyse_resources


def _resource(index: int) -> EngineResource:
    return EngineResource(
        urn=f"urn:pulumi:dev::demo::aws:sqs/queue:Queue::queue-{index}",
        type="aws:sqs/queue:Queue",
        name=f"queue-{index}",
        custom=True,
        parent="",
        inputs={"index": index},
        outputs={},
        dependencies=[],
        property_dependencies={},
        source_position=None,
    )


class RecordingAnalyzer:
    """Answers each Analyze with the resource's URN as a diagnostic; fails the resources in `failing`."""

    def __init__(self, failing: frozenset[int] = frozenset()) -> None:
        self.failing = failing
        self.analysed: list[str] = []
        self.lock = threading.Lock()

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        return analyzer_pb2.RemediateResponse()

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        with self.lock:
            self.analysed.append(request.urn)
        if int(request.properties["index"]) in self.failing:
            error = PackError(f"the pack failed Analyze for {request.urn}")
            error.urn = request.urn
            raise error
        return analyzer_pb2.AnalyzeResponse(diagnostics=[analyzer_pb2.AnalyzeDiagnostic(message=request.urn)])

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse:
        return analyzer_pb2.AnalyzeResponse()


@pytest.mark.parametrize("workers", [1, 4, 100])
def test_every_resource_is_analysed_once_and_answered_in_registration_order(workers: int) -> None:
    resources = [_resource(index) for index in range(40)]
    analyzer = RecordingAnalyzer()

    analysed = analyse_resources(analyzer, resources, workers)

    urns = [resource.urn for resource in resources]
    assert [item.resource.urn for item in analysed] == urns
    assert [item.response.diagnostics[0].message for item in analysed] == urns
    assert sorted(analyzer.analysed) == sorted(urns)


@pytest.mark.parametrize("workers", [1, 4])
def test_the_earliest_failing_resource_is_the_error_raised(workers: int) -> None:
    resources = [_resource(index) for index in range(40)]

    with pytest.raises(PackError) as raised:
        analyse_resources(RecordingAnalyzer(failing=frozenset({5, 6, 30})), resources, workers)

    assert raised.value.urn == resources[5].urn


def test_a_failed_call_stops_the_resources_after_it() -> None:
    resources = [_resource(index) for index in range(10)]
    analyzer = RecordingAnalyzer(failing=frozenset({2}))

    with pytest.raises(PackError):
        analyse_resources(analyzer, resources, workers=1)

    assert analyzer.analysed == [resource.urn for resource in resources[:3]]


def test_no_resources_no_calls() -> None:
    analyzer = RecordingAnalyzer()

    assert analyse_resources(analyzer, [], workers=4) == []
    assert analyzer.analysed == []
