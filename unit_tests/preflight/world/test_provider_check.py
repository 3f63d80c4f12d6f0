"""The provider's Check: auto-names known before create, tagsAll on every taggable type."""

from __future__ import annotations

import json
import re

from preflight.world.provider_check import ProviderTags, auto_name, auto_named_key, checked_inputs
from preflight.world.sdk_types import UNKNOWN

TAGS = ProviderTags.from_provider_inputs(
    {
        "defaultTags": json.dumps({"tags": {"Owner": "team", "CostCenter": "42", "aws-internal": "x"}}),
        "ignoreTags": json.dumps({"keys": ["CostCenter"], "keyPrefixes": ["aws-"]}),
    }
)


def test_tags_all_merges_default_tags_under_the_resources_minus_ignored_ones() -> None:
    assert TAGS.tags_all({"Owner": "me", "Name": "q"}) == {"Owner": "me", "Name": "q"}
    assert TAGS.tags_all(None) == {"Owner": "team"}
    assert TAGS.tags_all(UNKNOWN) == UNKNOWN
    assert TAGS.tags_all({"Name": UNKNOWN}) == UNKNOWN


def test_every_taggable_type_gets_tags_all_and_untaggable_ones_do_not() -> None:
    for taggable in ("aws:sfn/stateMachine:StateMachine", "aws:ec2transitgateway/transitGateway:TransitGateway"):
        assert checked_inputs(taggable, "x", {"tags": {"A": "1"}}, TAGS)["tagsAll"] == {"Owner": "team", "A": "1"}
    assert "tagsAll" not in checked_inputs("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "x", {}, TAGS)


def test_auto_names_follow_the_engines_pattern_and_respect_a_given_name() -> None:
    added = checked_inputs("aws:sqs/queue:Queue", "orders", {})
    assert re.fullmatch(r"orders-[0-9a-f]{7}", added["name"])
    assert added["name"] == checked_inputs("aws:sqs/queue:Queue", "orders", {})["name"]
    assert "name" not in checked_inputs("aws:sqs/queue:Queue", "orders", {"name": "given"})
    assert "name" not in checked_inputs("aws:sqs/queue:Queue", "orders", {"namePrefix": "ord-"})
    assert re.fullmatch(r"audit-[0-9a-f]{7}", checked_inputs("aws:s3/bucket:Bucket", "Audit", {})["bucket"])


def test_types_with_a_required_name_are_not_auto_named() -> None:
    assert auto_named_key("aws:apigateway/stage:Stage") is None
    assert auto_named_key("aws:iam/rolePolicyAttachment:RolePolicyAttachment") is None
    assert auto_named_key("aws:nothing/here:Here") is None
    assert len(auto_name("aws:lb/targetGroup:TargetGroup", "a-very-long-logical-name-for-a-target-group")) == 32
