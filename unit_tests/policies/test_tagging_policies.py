"""Explicit providers and required tags, which need the resource's provider (as the engine sends it)."""

from __future__ import annotations

import json

import pytest

from unit_tests.policies.pack_harness import (
    REQUIRED_TAGS,
    UNKNOWN,
    PolicyGate,
    findings,
    provider,
    resource,
    secret,
    undecided,
)

EXPLICIT = "resource-explicit-provider"
TAGS = "required-tags"
QUEUE = "aws:sqs/queue:Queue"


def test_resource_on_an_explicit_provider_passes(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(resource(QUEUE, "queue")), EXPLICIT) == set()


def test_resource_on_the_default_provider_fails(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(QUEUE, "queue", on=None))
    assert findings(report, EXPLICIT) == {("queue", "default-provider")}
    [violation] = [v for v in report.violations if v.policy == EXPLICIT]
    assert "default_" in violation.message


def test_components_providers_and_other_packages_are_not_judged(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(
        resource("delivery:stack:Region", "region", on=None, custom=False),
        resource("random:index/randomId:RandomId", "suffix", on=None),
    )
    assert findings(report, EXPLICIT) == set()


def test_default_tags_of_the_provider_satisfy_the_requirement(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(resource(QUEUE, "queue", {"tags": {"Name": "q"}})), TAGS) == set()


def test_missing_tags_are_reported_one_finding_each(policy_gate: PolicyGate) -> None:
    partial = provider(
        "partial", {"tags": {key: value for key, value in REQUIRED_TAGS.items() if key not in {"Owner", "Stack"}}}
    )
    report = policy_gate.run(resource(QUEUE, "queue", on=partial), providers=(partial,))
    assert findings(report, TAGS) == {("queue", "missing-tag:Owner"), ("queue", "missing-tag:Stack")}


def test_own_tags_complete_the_default_tags(policy_gate: PolicyGate) -> None:
    partial = provider("partial", {"tags": {key: value for key, value in REQUIRED_TAGS.items() if key != "Owner"}})
    queue = resource(QUEUE, "queue", {"tags": {"Owner": "someone"}}, on=partial)
    assert findings(policy_gate.run(queue, providers=(partial,)), TAGS) == set()


def test_empty_tag_value_does_not_count(policy_gate: PolicyGate) -> None:
    queue = resource(QUEUE, "queue", {"tags": {"Owner": " "}}, on=provider("none", {}))
    report = policy_gate.run(queue, providers=(provider("none", {}),))
    assert ("queue", "missing-tag:Owner") in findings(report, TAGS)
    assert any("is empty" in v.message for v in report.violations if v.finding == "missing-tag:Owner")


def test_tags_all_is_what_the_provider_computed(policy_gate: PolicyGate) -> None:
    bare = provider("bare", {})
    queue = resource(QUEUE, "queue", {"tagsAll": REQUIRED_TAGS}, on=bare)
    assert findings(policy_gate.run(queue, providers=(bare,)), TAGS) == set()


def test_default_tags_given_as_an_object_are_read(policy_gate: PolicyGate) -> None:
    as_object = provider("object", encode=False)
    assert findings(policy_gate.run(resource(QUEUE, "queue", on=as_object), providers=(as_object,)), TAGS) == set()


def test_resource_without_provider_information_needs_its_own_tags(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(QUEUE, "queue", {"tags": {"Project": "p"}}, on=None), providers=())
    assert ("queue", "missing-tag:Owner") in findings(report, TAGS)
    assert ("queue", "missing-tag:Project") not in findings(report, TAGS)


def test_untaggable_types_are_not_judged(policy_gate: PolicyGate) -> None:
    bare = provider("bare", {})
    permission = resource("aws:lambda/permission:Permission", "permission", {"principal": "s3.amazonaws.com"}, on=bare)
    assert findings(policy_gate.run(permission, providers=(bare,)), TAGS) == set()


def test_required_tags_come_from_config(policy_gate: PolicyGate) -> None:
    with policy_gate.configured(TAGS, requiredTags=["Team"]):
        assert findings(policy_gate.run(resource(QUEUE, "queue")), TAGS) == {("queue", "missing-tag:Team")}


@pytest.mark.parametrize("where", ["tags", "provider"])
def test_unknown_tags_cannot_decide(policy_gate: PolicyGate, where: str) -> None:
    if where == "tags":
        report = policy_gate.run(resource(QUEUE, "queue", {"tags": UNKNOWN}))
    else:
        unknown = provider("unknown", UNKNOWN)
        report = policy_gate.run(resource(QUEUE, "queue", on=unknown), providers=(unknown,))
    assert findings(report, TAGS) == set()
    assert len(undecided(report, TAGS)) == 1


def test_unknown_tag_value_counts_as_present(policy_gate: PolicyGate) -> None:
    bare = provider("bare", {})
    queue = resource(QUEUE, "queue", {"tags": {**REQUIRED_TAGS, "Owner": UNKNOWN}}, on=bare)
    assert findings(policy_gate.run(queue, providers=(bare,)), TAGS) == set()


def test_secret_tags_are_read(policy_gate: PolicyGate) -> None:
    bare = provider("bare", {})
    queue = resource(QUEUE, "queue", {"tags": secret(REQUIRED_TAGS)}, on=bare)
    assert findings(policy_gate.run(queue, providers=(bare,)), TAGS) == set()


def test_malformed_default_tags_are_ignored_not_fatal(policy_gate: PolicyGate) -> None:
    broken = provider("broken", {})
    broken.inputs["defaultTags"] = json.dumps(["not", "an", "object"])
    report = policy_gate.run(resource(QUEUE, "queue", on=broken), providers=(broken,))
    assert len(findings(report, TAGS)) == len(REQUIRED_TAGS)
