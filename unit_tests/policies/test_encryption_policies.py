"""Encryption policies, through the real pack: compliant resources, each way to violate, unknowns and secrets."""

from __future__ import annotations

from typing import Any

import pytest

from unit_tests.policies.pack_harness import (
    CMK_ARN,
    UNKNOWN,
    PolicyGate,
    findings,
    resource,
    secret,
    undecided,
    violations,
)

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
S3_KMS = "s3-bucket-kms-encryption"


def sse_rules(algorithm: Any = "aws:kms", key: Any = CMK_ARN) -> list[dict[str, Any]]:
    default: dict[str, Any] = {"sseAlgorithm": algorithm}
    if key is not None:
        default["kmsMasterKeyId"] = key
    return [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": True}]


def bucket_with_sse(rules: Any, bucket_type: str = BUCKET, sse_type: str = SSE) -> tuple[Any, Any]:
    bucket = resource(bucket_type, "audit", {"bucket": "audit-bucket"})
    configuration = resource(
        sse_type, "audit-sse", {"bucket": "audit-bucket", "rules": rules}, depends={"bucket": bucket}
    )
    return bucket, configuration


@pytest.mark.parametrize("algorithm", ["aws:kms", "aws:kms:dsse"])
@pytest.mark.parametrize(("bucket_type", "sse_type"), [(BUCKET, SSE), (BUCKET_V2, SSE_V2)])
def test_bucket_with_a_kms_configuration_resource_passes(
    policy_gate: PolicyGate, algorithm: str, bucket_type: str, sse_type: str
) -> None:
    report = policy_gate.run(*bucket_with_sse(sse_rules(algorithm), bucket_type, sse_type))
    assert findings(report, S3_KMS) == set()


def test_configuration_attached_by_bucket_name_without_dependencies_passes(policy_gate: PolicyGate) -> None:
    bucket = resource(BUCKET, "audit", {"bucket": "audit-bucket"})
    configuration = resource(SSE, "audit-sse", {"bucket": "audit-bucket", "rules": sse_rules()})
    assert findings(policy_gate.run(bucket, configuration), S3_KMS) == set()


@pytest.mark.parametrize(
    "inline",
    [
        {"serverSideEncryptionConfiguration": {"rule": sse_rules()[0]}},
        {"serverSideEncryptionConfigurations": [{"rules": sse_rules()}]},
    ],
    ids=["v7-single-block", "v6-list-of-blocks"],
)
def test_inline_kms_encryption_counts(policy_gate: PolicyGate, inline: dict[str, Any]) -> None:
    report = policy_gate.run(resource(BUCKET, "inline", inline))
    assert findings(report, S3_KMS) == set()


@pytest.mark.parametrize(
    ("rules", "finding"),
    [
        (sse_rules("AES256", None), "algorithm:AES256"),
        (sse_rules("aws:kms", None), "aws-managed-key"),
        (sse_rules("aws:kms", "alias/aws/s3"), "aws-managed-key"),
        (sse_rules("aws:kms", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3"), "aws-managed-key"),
        ([], "no-default-encryption"),
        ([{"bucketKeyEnabled": True}], "no-default-encryption"),
    ],
    ids=["aes256", "kms-without-key", "aws-s3-alias", "aws-s3-alias-arn", "no-rules", "rule-without-default"],
)
def test_configuration_resource_violations_name_the_configuration(
    policy_gate: PolicyGate, rules: Any, finding: str
) -> None:
    report = policy_gate.run(*bucket_with_sse(rules))
    assert findings(report, S3_KMS) == {("audit-sse", finding)}


def test_bucket_without_any_encryption_fails(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(BUCKET, "bare", {"bucket": "bare-bucket"}))
    assert findings(report, S3_KMS) == {("bare", "no-kms-default-encryption")}


def test_configuration_of_another_bucket_does_not_cover_this_one(policy_gate: PolicyGate) -> None:
    covered, configuration = bucket_with_sse(sse_rules())
    other = resource(BUCKET_V2, "other", {"bucket": "other-bucket"})
    assert findings(policy_gate.run(covered, configuration, other), S3_KMS) == {("other", "no-kms-default-encryption")}


def test_inline_aes256_names_the_bucket(policy_gate: PolicyGate) -> None:
    inline = {"serverSideEncryptionConfiguration": {"rule": sse_rules("AES256", None)[0]}}
    assert findings(policy_gate.run(resource(BUCKET, "inline", inline)), S3_KMS) == {("inline", "algorithm:AES256")}


def test_a_bucket_reading_back_aes256_is_governed_by_its_attached_kms_configuration(policy_gate: PolicyGate) -> None:
    # After a real `pulumi up` every new bucket reads back SSE-S3 (AES256) in its outputs, which AnalyzeStack sees;
    # the attached configuration resource is what encrypts it.
    read_back = {"rule": sse_rules("AES256", None)[0]}
    bucket = resource(BUCKET, "audit", {"bucket": "audit-bucket", "serverSideEncryptionConfiguration": read_back})
    configuration = resource(
        SSE, "audit-sse", {"bucket": "audit-bucket", "rules": sse_rules()}, depends={"bucket": bucket}
    )
    assert findings(policy_gate.run(bucket, configuration), S3_KMS) == set()


def test_unknown_key_in_preview_cannot_decide_and_reports_no_violation(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(*bucket_with_sse(sse_rules("aws:kms", UNKNOWN)))
    assert findings(report, S3_KMS) == set()
    assert len(undecided(report, S3_KMS)) == 1


def test_unknown_target_without_dependencies_cannot_decide(policy_gate: PolicyGate) -> None:
    bucket = resource(BUCKET, "audit", {"bucket": "audit-bucket"})
    configuration = resource(SSE, "audit-sse", {"bucket": UNKNOWN, "rules": sse_rules()})
    report = policy_gate.run(bucket, configuration)
    assert findings(report, S3_KMS) == set()
    assert len(undecided(report, S3_KMS)) == 1


def test_unknown_target_with_dependency_on_the_bucket_is_attached(policy_gate: PolicyGate) -> None:
    bucket = resource(BUCKET, "audit", {"bucket": UNKNOWN})
    configuration = resource(SSE, "audit-sse", {"bucket": UNKNOWN, "rules": sse_rules()}, depends={"bucket": bucket})
    report = policy_gate.run(bucket, configuration)
    assert findings(report, S3_KMS) == set()
    assert undecided(report, S3_KMS) == []


def test_secret_values_are_judged_as_plaintext(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(*bucket_with_sse(secret(sse_rules("AES256", None))))
    assert findings(report, S3_KMS) == {("audit-sse", "algorithm:AES256")}
    report = policy_gate.run(*bucket_with_sse(sse_rules("aws:kms", secret(CMK_ARN))))
    assert findings(report, S3_KMS) == set()


KEYED = [
    ("sns-topic-kms-encryption", "aws:sns/topic:Topic", "kmsMasterKeyId", "alias/aws/sns"),
    ("sqs-queue-kms-encryption", "aws:sqs/queue:Queue", "kmsMasterKeyId", "alias/aws/sqs"),
    ("log-group-kms-encryption", "aws:cloudwatch/logGroup:LogGroup", "kmsKeyId", "alias/aws/logs"),
    (
        "secretsmanager-secret-kms-encryption",
        "aws:secretsmanager/secret:Secret",
        "kmsKeyId",
        "alias/aws/secretsmanager",
    ),
]
KEYED_IDS = [policy for policy, *_ in KEYED]


@pytest.mark.parametrize("case", KEYED, ids=KEYED_IDS)
@pytest.mark.parametrize("key", [CMK_ARN, "alias/delivery-key", "11111111-2222-4333-8444-555555555555"])
def test_customer_managed_keys_pass(policy_gate: PolicyGate, case: tuple[str, str, str, str], key: str) -> None:
    policy, type_, prop, _ = case
    assert findings(policy_gate.run(resource(type_, "subject", {prop: key})), policy) == set()


@pytest.mark.parametrize(("policy", "type_", "prop", "aws_alias"), KEYED, ids=KEYED_IDS)
def test_missing_key_fails(policy_gate: PolicyGate, policy: str, type_: str, prop: str, aws_alias: str) -> None:
    assert findings(policy_gate.run(resource(type_, "subject", {})), policy) == {("subject", "no-kms-key")}
    assert findings(policy_gate.run(resource(type_, "blank", {prop: " "})), policy) == {("blank", "no-kms-key")}


@pytest.mark.parametrize(("policy", "type_", "prop", "aws_alias"), KEYED, ids=KEYED_IDS)
def test_aws_managed_keys_fail(policy_gate: PolicyGate, policy: str, type_: str, prop: str, aws_alias: str) -> None:
    as_arn = f"arn:aws:kms:us-east-1:123456789012:{aws_alias}"
    report = policy_gate.run(resource(type_, "by-alias", {prop: aws_alias}), resource(type_, "by-arn", {prop: as_arn}))
    assert findings(report, policy) == {("by-alias", "aws-managed-key"), ("by-arn", "aws-managed-key")}


@pytest.mark.parametrize(("policy", "type_", "prop", "aws_alias"), KEYED, ids=KEYED_IDS)
def test_unknown_key_cannot_decide_and_secret_key_is_read(
    policy_gate: PolicyGate, policy: str, type_: str, prop: str, aws_alias: str
) -> None:
    report = policy_gate.run(
        resource(type_, "unknown", {prop: UNKNOWN}), resource(type_, "secret", {prop: secret(aws_alias)})
    )
    assert findings(report, policy) == {("secret", "aws-managed-key")}
    assert [v.resource_name for v in undecided(report, policy)] == ["unknown"]


def test_sqs_managed_encryption_is_not_a_customer_key(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource("aws:sqs/queue:Queue", "sse-sqs", {"sqsManagedSseEnabled": True}))
    assert findings(report, "sqs-queue-kms-encryption") == {("sse-sqs", "sse-sqs")}


CODEBUILD = "aws:codebuild/project:Project"
PIPELINE = "aws:codepipeline/pipeline:Pipeline"
CICD = "cicd-artifacts-kms-encryption"


def test_codebuild_project_with_key_passes_and_near_misses_do_not_fire(policy_gate: PolicyGate) -> None:
    project = resource(
        CODEBUILD,
        "build",
        {
            "encryptionKey": CMK_ARN,
            "artifacts": {"type": "S3", "encryptionDisabled": False},
            "secondaryArtifacts": [{"artifactIdentifier": "extra", "encryptionDisabled": False}],
            "logsConfig": {"s3Logs": {"status": "ENABLED", "encryptionDisabled": False}},
        },
    )
    assert findings(policy_gate.run(project), CICD) == set()


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({}, {"no-kms-key"}),
        ({"encryptionKey": "alias/aws/s3"}, {"aws-managed-key"}),
        ({"encryptionKey": CMK_ARN, "artifacts": {"encryptionDisabled": True}}, {"artifacts-encryption-disabled"}),
        (
            {
                "encryptionKey": CMK_ARN,
                "secondaryArtifacts": [{"artifactIdentifier": "extra", "encryptionDisabled": True}],
            },
            {"secondary-artifacts-encryption-disabled:extra"},
        ),
        (
            {"encryptionKey": CMK_ARN, "logsConfig": {"s3Logs": {"encryptionDisabled": True}}},
            {"s3-logs-encryption-disabled"},
        ),
    ],
    ids=["no-key", "aws-managed", "artifacts-disabled", "secondary-disabled", "s3-logs-disabled"],
)
def test_codebuild_violations(policy_gate: PolicyGate, inputs: dict[str, Any], expected: set[str]) -> None:
    report = policy_gate.run(resource(CODEBUILD, "build", inputs))
    assert {finding for _, finding in findings(report, CICD)} == expected


def test_every_pipeline_artifact_store_needs_a_customer_key(policy_gate: PolicyGate) -> None:
    stores = [
        {"location": "a", "type": "S3", "region": "us-east-1", "encryptionKey": {"id": CMK_ARN, "type": "KMS"}},
        {"location": "b", "type": "S3", "region": "us-west-2"},
        {"location": "c", "type": "S3", "region": "eu-west-1", "encryptionKey": {"id": "alias/aws/s3", "type": "KMS"}},
    ]
    report = policy_gate.run(resource(PIPELINE, "pipeline", {"artifactStores": stores}))
    assert findings(report, CICD) == {("pipeline", "no-kms-key:us-west-2"), ("pipeline", "aws-managed-key:eu-west-1")}


def test_pipeline_with_unknown_store_key_cannot_decide(policy_gate: PolicyGate) -> None:
    stores = [{"location": "a", "type": "S3", "encryptionKey": {"id": UNKNOWN, "type": "KMS"}}]
    report = policy_gate.run(resource(PIPELINE, "pipeline", {"artifactStores": stores}))
    assert findings(report, CICD) == set()
    assert len(undecided(report, CICD)) == 1


KEY = "aws:kms/key:Key"
ROTATION = "kms-key-rotation-enabled"


@pytest.mark.parametrize("enabled", [True, "true"])
def test_rotating_symmetric_key_passes(policy_gate: PolicyGate, enabled: Any) -> None:
    assert findings(policy_gate.run(resource(KEY, "key", {"enableKeyRotation": enabled})), ROTATION) == set()


@pytest.mark.parametrize("inputs", [{}, {"enableKeyRotation": False}, {"enableKeyRotation": "yes"}])
def test_symmetric_key_without_rotation_fails(policy_gate: PolicyGate, inputs: dict[str, Any]) -> None:
    assert findings(policy_gate.run(resource(KEY, "key", inputs)), ROTATION) == {("key", "rotation-disabled")}


@pytest.mark.parametrize(
    "inputs",
    [
        {"keySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"},
        {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY"},
        {"keySpec": "HMAC_256", "keyUsage": "GENERATE_VERIFY_MAC"},
        {"customKeyStoreId": "cks-1234567890abcdef0"},
    ],
    ids=["rsa", "ecc", "hmac", "custom-key-store"],
)
def test_keys_that_cannot_rotate_are_not_judged(policy_gate: PolicyGate, inputs: dict[str, Any]) -> None:
    assert findings(policy_gate.run(resource(KEY, "key", inputs)), ROTATION) == set()


def test_unknown_rotation_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(KEY, "key", {"enableKeyRotation": UNKNOWN}))
    assert findings(report, ROTATION) == set()
    assert len(undecided(report, ROTATION)) == 1


def test_configuration_attached_by_dependency_and_by_name_is_reported_once(policy_gate: PolicyGate) -> None:
    # Programs pass bucket=bucket.id: the configuration names its bucket both by dependency and by value.
    report = policy_gate.run(*bucket_with_sse(sse_rules("AES256", None)))
    assert [(v.resource_name, v.finding) for v in violations(report, S3_KMS)] == [("audit-sse", "algorithm:AES256")]
