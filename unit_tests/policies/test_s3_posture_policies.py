"""Public access blocks on every bucket; no deprecated inline bucket configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unit_tests.policies.pack_harness import UNKNOWN, PolicyGate, findings, resource, secret, undecided

BLOCKS = "s3-bucket-public-access-block"
INLINE = "s3-bucket-no-legacy-inline-config"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def block_for(bucket: Any, name: str = "public-access", **overrides: Any) -> Any:
    inputs = {"bucket": "audit-bucket", **dict.fromkeys(SETTINGS, True), **overrides}
    return resource(PUBLIC_ACCESS_BLOCK, name, inputs, depends={"bucket": bucket})


@pytest.mark.parametrize("bucket_type", [BUCKET, BUCKET_V2])
def test_bucket_with_a_full_public_access_block_passes(policy_gate: PolicyGate, bucket_type: str) -> None:
    bucket = resource(bucket_type, "audit", {"bucket": "audit-bucket"})
    assert findings(policy_gate.run(bucket, block_for(bucket)), BLOCKS) == set()


def test_block_attached_by_bucket_name_passes(policy_gate: PolicyGate) -> None:
    bucket = resource(BUCKET, "audit", {"bucket": "audit-bucket"})
    block = resource(PUBLIC_ACCESS_BLOCK, "by-name", {"bucket": "audit-bucket", **dict.fromkeys(SETTINGS, True)})
    assert findings(policy_gate.run(bucket, block), BLOCKS) == set()


def test_bucket_without_a_block_fails(policy_gate: PolicyGate) -> None:
    covered = resource(BUCKET, "audit", {"bucket": "audit-bucket"})
    report = policy_gate.run(covered, block_for(covered), resource(BUCKET, "open", {"bucket": "open-bucket"}))
    assert findings(report, BLOCKS) == {("open", "no-public-access-block")}


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("value", [False, None, "yes"])
def test_each_setting_must_be_true(policy_gate: PolicyGate, setting: str, value: Any) -> None:
    bucket = resource(BUCKET, "audit", {"bucket": "audit-bucket"})
    block = block_for(bucket, **{setting: value})
    assert findings(policy_gate.run(bucket, block), BLOCKS) == {("public-access", f"setting:{setting}")}


def test_unknown_settings_or_targets_cannot_decide(policy_gate: PolicyGate) -> None:
    bucket = resource(BUCKET, "audit", {"bucket": "audit-bucket"})
    report = policy_gate.run(bucket, block_for(bucket, blockPublicAcls=UNKNOWN))
    assert findings(report, BLOCKS) == set()
    assert len(undecided(report, BLOCKS)) == 1
    untargeted = resource(PUBLIC_ACCESS_BLOCK, "unknown-target", {"bucket": UNKNOWN, **dict.fromkeys(SETTINGS, True)})
    report = policy_gate.run(bucket, untargeted)
    assert findings(report, BLOCKS) == set()
    assert len(undecided(report, BLOCKS)) == 1


def test_secret_settings_are_read(policy_gate: PolicyGate) -> None:
    bucket = resource(BUCKET, "audit", {"bucket": "audit-bucket"})
    assert findings(policy_gate.run(bucket, block_for(bucket, blockPublicPolicy=secret(False))), BLOCKS) == {
        ("public-access", "setting:blockPublicPolicy")
    }


LEGACY = {
    "acl": "private",
    "lifecycleRules": [{"enabled": True, "expiration": {"days": 365}}],
    "serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}},
    "serverSideEncryptionConfigurations": [{"rules": []}],
    "versioning": {"enabled": True},
    "versionings": [{"enabled": True}],
    "logging": {"targetBucket": "logs"},
    "loggings": [{"targetBucket": "logs"}],
    "replicationConfiguration": {"role": "arn:aws:iam::123456789012:role/replication", "rules": []},
    "replicationConfigurations": [{"role": "r"}],
    # The rest of pulumi-aws 7's deprecated s3.Bucket arguments (pulumi_aws/s3/bucket.py).
    "accelerationStatus": "Enabled",
    "corsRules": [{"allowedMethods": ["GET"], "allowedOrigins": ["https://example.com"]}],
    "grants": [{"type": "Group", "permissions": ["READ"], "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}],
    "objectLockConfiguration": {"objectLockEnabled": "Enabled"},
    "policy": '{"Version": "2012-10-17", "Statement": []}',
    "requestPayer": "Requester",
    "website": {"indexDocument": "index.html"},
    "websites": [{"indexDocument": "index.html"}],
}


def test_every_deprecated_argument_of_the_installed_sdk_is_covered() -> None:
    """The SDK warns on each deprecated s3.Bucket argument in BucketArgs (the state class adds output-only ones,
    website_domain and website_endpoint, which no program sets); every one is in the pack's list."""
    import re

    import pulumi_aws.s3.bucket as bucket_module

    from delivery_policies.s3_posture import LEGACY_INLINE_ARGUMENTS

    module = Path(bucket_module.__file__).read_text(encoding="utf-8")
    source = module[module.index("class BucketArgs") : module.index("class _BucketState")]
    deprecated = set(re.findall(r'pulumi\.log\.warn\("""([a-z_]+) is deprecated', source))
    camel = {re.sub(r"_([a-z])", lambda match: match.group(1).upper(), name) for name in deprecated}
    assert len(camel) == 13
    assert camel <= set(LEGACY_INLINE_ARGUMENTS)
    assert camel <= set(LEGACY)


@pytest.mark.parametrize("argument", sorted(LEGACY))
@pytest.mark.parametrize("bucket_type", [BUCKET, BUCKET_V2])
def test_each_legacy_inline_argument_fails(policy_gate: PolicyGate, argument: str, bucket_type: str) -> None:
    report = policy_gate.run(resource(bucket_type, "legacy", {argument: LEGACY[argument]}))
    assert findings(report, INLINE) == {("legacy", argument)}


def test_bucket_without_inline_configuration_passes(policy_gate: PolicyGate) -> None:
    inputs = {"bucket": "b", "forceDestroy": False, "lifecycleRules": [], "acl": "", "tags": {"Name": "b"}}
    assert findings(policy_gate.run(resource(BUCKET, "modern", inputs)), INLINE) == set()


def test_unknown_inline_value_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(BUCKET, "unknown", {"acl": UNKNOWN}))
    assert findings(report, INLINE) == set()
    assert len(undecided(report, INLINE)) == 1
