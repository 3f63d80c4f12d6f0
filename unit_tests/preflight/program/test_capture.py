"""The capture record: what readers of a run (tests, the gate, the plan export) look things up with."""

from __future__ import annotations

from preflight import Capture, Registration, SourcePosition


def _registration(urn: str, type_: str, provider: str = "", **inputs: object) -> Registration:
    return Registration(
        urn=urn,
        type=type_,
        name=urn.rsplit("::", 1)[-1],
        custom=not type_.startswith("demo:"),
        parent="urn:stack",
        provider=provider,
        inputs=dict(inputs),
        property_dependencies={},
        dependencies=[],
        source_position=SourcePosition("file:///work/program/__main__.py", 12),
    )


PROVIDER = _registration("urn:p::aws-use1", "pulumi:providers:aws", region="us-east-1")
ODD_PROVIDER = _registration("urn:p::aws-odd", "pulumi:providers:aws", region=["not", "a", "string"])
QUEUE = _registration("urn:r::queue", "aws:sqs/queue:Queue", provider="urn:p::aws-use1::0c1d")
ODD_QUEUE = _registration("urn:r::odd-queue", "aws:sqs/queue:Queue", provider="urn:p::aws-odd::0c1e")
STRAY = _registration("urn:r::stray", "aws:sqs/queue:Queue", provider="urn:p::missing::0c1f")
COMPONENT = _registration("urn:c::box", "demo:index:Box")
CAPTURE = Capture("demo", "dev", False, [PROVIDER, ODD_PROVIDER, QUEUE, ODD_QUEUE, STRAY, COMPONENT], {})


def test_registration_properties() -> None:
    assert PROVIDER.is_provider
    assert PROVIDER.package == "aws"
    assert not QUEUE.is_provider
    assert QUEUE.package == "aws"
    assert COMPONENT.package == "demo"
    assert QUEUE.provider_urn == "urn:p::aws-use1"
    assert COMPONENT.provider_urn == ""
    assert QUEUE.source_position is not None
    assert QUEUE.source_position.path == "/work/program/__main__.py"


def test_lookups() -> None:
    assert CAPTURE.by_urn()["urn:r::queue"] is QUEUE
    assert CAPTURE.of_type("aws:sqs/queue:Queue") == [QUEUE, ODD_QUEUE, STRAY]
    assert CAPTURE.custom_resources() == [QUEUE, ODD_QUEUE, STRAY]
    assert CAPTURE.providers() == [PROVIDER, ODD_PROVIDER]
    assert CAPTURE.type_counts()["aws:sqs/queue:Queue"] == 3


def test_provider_and_region_of_a_resource() -> None:
    assert CAPTURE.provider_of(QUEUE) is PROVIDER
    assert CAPTURE.region_of(QUEUE) == "us-east-1"
    assert CAPTURE.provider_of(COMPONENT) is None
    assert CAPTURE.region_of(COMPONENT) is None
    assert CAPTURE.provider_of(STRAY) is None
    assert CAPTURE.region_of(ODD_QUEUE) is None
