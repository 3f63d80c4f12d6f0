"""Property tests: whatever API Gateway hands the handler, it answers with the JSON envelope and CORS headers, never
raises, and never blames itself (5xx) for what a caller sent. The dependencies (moto) are healthy throughout."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unit_tests.functions.support import ORIGIN, OTHER_ORIGIN, Api, MotoAccount, pipeline_event, proxy_event, sign

CLIENT_ERRORS = {400, 401, 404, 405, 413, 415, 422}
SUCCESSES = {200, 202, 204}
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

garbage = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20), st.lists(st.integers())
)
header_names = st.sampled_from(
    ["Content-Type", "content-type", "X-Signature-SHA256", "Origin", "origin", "Host", "Content-Length"]
) | st.text(max_size=30)
header_values = st.sampled_from(
    [ORIGIN, OTHER_ORIGIN, "application/json", "text/plain", "application/json; charset=utf-16", "sha256=00", ""]
) | st.text(max_size=200)
huge_text = st.builds(lambda unit, times: unit * times, st.text(min_size=1, max_size=4), st.integers(0, 70_000))
bodies = st.one_of(
    st.none(),
    st.text(max_size=2_000),
    huge_text,
    st.binary(max_size=2_000).map(lambda raw: base64.b64encode(raw).decode()),
    st.just(json.dumps(pipeline_event())),
)


def mostly(usual: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`usual` about three times in four: the routes that exist deserve most of the examples. (Hypothesis favours
    small integers, so the rare branch is the largest value.)"""
    return st.integers(0, 3).flatmap(lambda choice: unusual if choice == 3 else usual)


methods = mostly(
    st.sampled_from(["POST", "GET", "OPTIONS"]),
    st.sampled_from(["PUT", "DELETE", "HEAD", "patch"]) | st.text(min_size=1, max_size=12),
)
paths = mostly(
    st.sampled_from(["/pipeline", "/health"]),
    st.sampled_from(["/", "/pipeline/", "//health", "/%2e%2e/etc"]) | st.text(max_size=80).map(lambda tail: "/" + tail),
)

# Shaped like API Gateway's events, with hostile values: what a caller can actually influence.
well_formed_events = st.fixed_dictionaries(
    {"httpMethod": methods, "path": paths},
    optional={
        "headers": st.none()
        | st.builds(
            lambda usual, extra: {**extra, **usual},
            st.fixed_dictionaries(
                {},
                optional={
                    "Content-Type": mostly(st.just("application/json"), header_values),
                    "Origin": header_values,
                    "X-Signature-SHA256": st.text(max_size=80),
                },
            ),
            st.dictionaries(header_names, header_values, max_size=4),
        ),
        "multiValueHeaders": st.none() | st.dictionaries(header_names, st.lists(header_values, max_size=3), max_size=4),
        "queryStringParameters": st.none()
        | st.dictionaries(st.sampled_from(["deep", "x"]) | st.text(max_size=10), st.text(max_size=20)),
        "body": bodies,
        "isBase64Encoded": st.booleans(),
        "requestContext": st.fixed_dictionaries(
            {"requestId": st.text(max_size=40)},
            optional={"identity": st.dictionaries(st.sampled_from(["sourceIp", "apiKeyId"]), st.text(max_size=20))},
        ),
    },
)
# Wrong types anywhere: what a broken integration or a direct invoker could send.
malformed_events = st.one_of(
    garbage,
    st.fixed_dictionaries(
        {"httpMethod": methods | garbage, "path": paths | garbage},
        optional={
            "headers": garbage | st.dictionaries(header_names, garbage, max_size=3),
            "multiValueHeaders": garbage,
            "queryStringParameters": garbage,
            "body": garbage,
            "isBase64Encoded": garbage,
            "requestContext": garbage,
        },
    ),
)
# one_of would flatten the malformed alternatives and weigh each like the well-formed ones: pick one in five instead.
events = st.integers(0, 4).flatmap(lambda choice: malformed_events if choice == 4 else well_formed_events)


def assert_answer_is_well_formed(response: dict[str, Any]) -> int:
    status = response["statusCode"]
    assert status in CLIENT_ERRORS | SUCCESSES, response
    headers = response["multiValueHeaders"]
    assert headers["Access-Control-Allow-Origin"][0] in (ORIGIN, OTHER_ORIGIN)
    assert headers["Vary"] == ["Origin"]
    if status != 204:
        body = json.loads(response["body"])
        if status >= 400:
            assert set(body) == {"error", "requestId"}
            assert set(body["error"]) == {"code", "message", "details"}
            assert isinstance(body["error"]["code"], str)
    return int(status)


def test_any_event_gets_an_enveloped_answer_with_cors(api: Api, moto_account: MotoAccount) -> None:
    @PROPERTY_SETTINGS
    @given(event=events)
    def check(event: Any) -> None:
        assert_answer_is_well_formed(api.handler_response(event))

    check()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
field_names = st.sampled_from(["pipeline", "executionId", "stage", "status", "commitSha", "occurredAt", "details"])


def _nested(opening: str, closing: str, depth: int) -> bytes:
    return (opening * depth + "1" + closing * depth).encode()


signed_bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.builds(lambda name, value: json.dumps(pipeline_event(**{name: value})).encode(), field_names, json_values),
    st.builds(
        lambda value: json.dumps(pipeline_event(details=value)).encode(),
        st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    ),
    st.integers(1, 5_000).map(lambda depth: _nested("[", "]", depth)),
    st.integers(1, 5_000).map(lambda depth: _nested('{"a":', "}", depth)),
    st.integers(1, 300).map(
        lambda depth: json.dumps(pipeline_event()).encode()[:-1] + b',"details":' + _nested('{"a":', "}", depth) + b"}"
    ),
    st.binary(max_size=3_000),
    st.binary(min_size=1, max_size=50).map(lambda raw: b'{"pipeline": "' + raw + b'"}'),
    huge_text.map(str.encode),
    st.integers(65_537, 150_000).map(lambda size: b"[" + b"0," * (size // 2) + b"0]"),
)


def test_signed_hostile_bodies_are_client_errors_or_accepted(api: Api, moto_account: MotoAccount) -> None:
    @PROPERTY_SETTINGS
    @given(body=signed_bodies, as_base64=st.booleans())
    def check(body: bytes, as_base64: bool) -> None:
        if not as_base64:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                as_base64 = True
        headers = {"Origin": ORIGIN, "Content-Type": "application/json", "X-Signature-SHA256": sign(body)}
        event = proxy_event("POST", "/pipeline", body=body, headers=headers, base64_body=as_base64)
        status = assert_answer_is_well_formed(api.handler_response(event))
        assert status in {202, 400, 413, 422}

    check()
