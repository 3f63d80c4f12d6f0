"""Audit replication: each region's audit bucket copies to the next region's, re-encrypted with that region's key."""

from __future__ import annotations

import pytest

from delivery_stack.components.replication import replication_pairs
from delivery_stack.naming import region_short
from preflight import Capture, Registration
from unit_tests.infrastructure.support import (
    ONE_REGION,
    ONE_REGION_BACKUP,
    THREE_REGIONS,
    CaptureFactory,
    policy_json,
    resources_of,
)

REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
BUCKET = "aws:s3/bucket:Bucket"
ACCOUNT = "123456789012"


def _in_region(capture: Capture, type_token: str, region: str) -> list[Registration]:
    return [r for r in capture.of_type(type_token) if capture.region_of(r) == region]


def _audit(capture: Capture, region: str, resource_type: str = BUCKET) -> Registration:
    (found,) = [r for r in _in_region(capture, resource_type, region) if "-audit-" in r.name]
    return found


def _key(capture: Capture, region: str) -> Registration:
    (key,) = _in_region(capture, "aws:kms/key:Key", region)
    return key


def test_pairs_form_a_ring_so_every_region_has_a_copy_elsewhere() -> None:
    assert replication_pairs(["a-1"]) == []
    assert replication_pairs(["us-east-1", "us-west-2"]) == [("us-east-1", "us-west-2"), ("us-west-2", "us-east-1")]
    pairs = replication_pairs(list(THREE_REGIONS))
    assert [source for source, _ in pairs] == list(THREE_REGIONS)
    assert sorted(destination for _, destination in pairs) == sorted(THREE_REGIONS)
    assert all(source != destination for source, destination in pairs)


def test_one_region_replicates_to_its_audit_copy_in_the_backup_region(run_stack: CaptureFactory) -> None:
    """Seed failure: "No backup strategy for S3 buckets" (issue 16): with one region the audit records still get a
    copy outside it, in a bucket of its own in the configured backup region, under that region's key."""
    capture = run_stack(False, ONE_REGION)
    (configuration,) = capture.of_type(REPLICATION)
    assert capture.region_of(configuration) == ONE_REGION[0]
    (rule,) = configuration.inputs["rules"]
    buckets = {b.outputs["arn"]: b for b in capture.of_type("aws:s3/bucket:Bucket")}
    copy = buckets[rule["destination"]["bucket"]]
    assert capture.region_of(copy) == ONE_REGION_BACKUP
    assert copy.inputs["bucket"] == "serverless-delivery-auditcopy-euc1-dev-main"
    keys = {k.outputs["arn"]: k for k in capture.of_type("aws:kms/key:Key")}
    replica_key = keys[rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"]]
    assert capture.region_of(replica_key) == ONE_REGION_BACKUP
    assert replica_key.inputs["enableKeyRotation"] is True
    assert capture.outputs["audit_replication"] == ["eu-west-1 -> eu-central-1 (audit copy)"]


def test_several_regions_need_no_backup_region_and_refuse_one() -> None:
    from delivery_stack.config import ConfigError, parse_config

    raw = {"owner": "o", "costCenter": "cc-1", "allowedOrigins": ["*"]}
    with pytest.raises(ConfigError, match="auditBackupRegion"):
        parse_config({**raw, "regions": ["eu-west-1"]}, "serverless-delivery", {})
    with pytest.raises(ConfigError, match="auditBackupRegion"):
        parse_config({**raw, "regions": ["eu-west-1"], "auditBackupRegion": "eu-west-1"}, "serverless-delivery", {})
    with pytest.raises(ConfigError, match="auditBackupRegion"):
        parse_config(
            {**raw, "regions": ["eu-west-1", "us-east-1"], "auditBackupRegion": "eu-central-1"},
            "serverless-delivery",
            {},
        )


def test_each_audit_bucket_replicates_to_the_next_regions_audit_bucket(three_regions: Capture) -> None:
    """Seed failure: "No backup strategy for S3 buckets": versioned audit buckets replicate across regions, KMS
    objects included and re-encrypted with the destination key."""
    configurations = resources_of(three_regions, REPLICATION)
    assert len(configurations) == len(THREE_REGIONS)
    for source, destination in replication_pairs(list(THREE_REGIONS)):
        (configuration,) = _in_region(three_regions, REPLICATION, source)
        source_bucket, destination_bucket = _audit(three_regions, source), _audit(three_regions, destination)
        assert configuration.property_dependencies["bucket"] == [source_bucket.urn]
        versioning = [
            _audit(three_regions, region, "aws:s3/bucketVersioning:BucketVersioning").urn
            for region in (source, destination)
        ]
        assert set(versioning) <= set(configuration.dependencies)
        (rule,) = configuration.inputs["rules"]
        assert rule["status"] == "Enabled"
        assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
        assert rule["deleteMarkerReplication"] == {"status": "Disabled"}
        rule_dependencies = set(configuration.property_dependencies["rules"])
        assert {destination_bucket.urn, _key(three_regions, destination).urn} <= rule_dependencies
        if not three_regions.preview:
            assert configuration.inputs["bucket"] == source_bucket.id
            assert rule["destination"]["bucket"] == destination_bucket.outputs["arn"]
            replica_key = rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"]
            assert replica_key == _key(three_regions, destination).outputs["arn"]
            assert destination_bucket.outputs["bucket"].endswith(f"-{region_short(destination)}-dev-main")


def test_the_replication_role_reads_one_bucket_and_writes_the_other(up_three: Capture) -> None:
    for source, destination in replication_pairs(list(THREE_REGIONS)):
        (configuration,) = _in_region(up_three, REPLICATION, source)
        (role,) = [r for r in up_three.of_type("aws:iam/role:Role") if r.outputs["arn"] == configuration.inputs["role"]]
        trust = policy_json(role.inputs["assumeRolePolicy"])["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "s3.amazonaws.com"}]
        (policy,) = [p for p in up_three.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id]
        statements = {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}
        source_arn = _audit(up_three, source).outputs["arn"]
        destination_arn = _audit(up_three, destination).outputs["arn"]
        assert statements["ReadReplicationConfiguration"]["Resource"] == [source_arn]
        assert statements["ReadSourceVersions"]["Resource"] == [f"{source_arn}/*"]
        assert statements["WriteReplicas"]["Resource"] == [f"{destination_arn}/*"]
        decrypt, encrypt = statements["DecryptWithSourceKey"], statements["EncryptWithDestinationKey"]
        assert decrypt["Action"] == ["kms:Decrypt"]
        assert decrypt["Resource"] == [_key(up_three, source).outputs["arn"]]
        assert decrypt["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{source}.amazonaws.com"}
        assert encrypt["Resource"] == [_key(up_three, destination).outputs["arn"]]
        assert encrypt["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{destination}.amazonaws.com"}
        assert encrypt["Condition"]["StringLike"] == {
            "kms:EncryptionContext:aws:s3:arn": [destination_arn, f"{destination_arn}/*"]
        }
        resources = {r for s in statements.values() for r in s["Resource"]}
        assert "*" not in resources
        # Keys named by their region and this account; buckets by name.
        assert all(
            r.startswith(("arn:aws:s3:::", f"arn:aws:kms:{source}:{ACCOUNT}:", f"arn:aws:kms:{destination}:{ACCOUNT}:"))
            for r in resources
        )


def test_a_replication_alone_copies_the_given_source_to_the_given_destination(build_alone: CaptureFactory) -> None:
    capture = build_alone(
        """
        from delivery_stack.components.replication import AuditReplication, AuditReplicationArgs, ReplicaEnd

        west = region_context(config, "us-west-2", pulumi.get_stack())
        in_west = pulumi.ResourceOptions(provider=west.provider)
        west_key = aws.kms.Key("stand-in-west-key", opts=in_west)
        west_bucket = aws.s3.Bucket("stand-in-west-bucket", opts=in_west)


        def end(side, context, end_bucket, end_key, opts):
            versioning = aws.s3.BucketVersioning(
                f"stand-in-{side}-versioning",
                bucket=end_bucket.id,
                versioning_configuration={"status": "Enabled"},
                opts=opts,
            )
            return ReplicaEnd(context, end_bucket, end_key, versioning)


        AuditReplication(
            "replication-alone",
            AuditReplicationArgs(
                context=ctx,
                source=end("source", ctx, bucket, key, in_region),
                destination=end("destination", west, west_bucket, west_key, in_west),
            ),
        )
        """
    )
    buckets = {b.name: b for b in capture.of_type(BUCKET)}
    keys = {k.name: k.outputs["arn"] for k in capture.of_type("aws:kms/key:Key")}
    (configuration,) = capture.of_type(REPLICATION)
    assert configuration.property_dependencies["bucket"] == [buckets["stand-in-bucket"].urn]
    (rule,) = configuration.inputs["rules"]
    assert rule["destination"]["bucket"] == buckets["stand-in-west-bucket"].outputs["arn"]
    assert rule["destination"]["encryptionConfiguration"] == {"replicaKmsKeyId": keys["stand-in-west-key"]}
    assert ":us-west-2:" in keys["stand-in-west-key"]
