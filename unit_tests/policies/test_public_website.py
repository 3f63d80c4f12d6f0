"""s3-bucket-kms-encryption on a public static website bucket: S3 refuses anonymous GETs of SSE-KMS objects, so such
a bucket is not asked for SSE-KMS (the reason is in the report); s3-bucket-public-access-block still reports it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unit_tests.policies.pack_harness import (
    UNKNOWN,
    PolicyGate,
    findings,
    resource,
    stack_not_applicable,
    undecided,
)

S3_KMS = "s3-bucket-kms-encryption"
BLOCKS = "s3-bucket-public-access-block"
BUCKET = "aws:s3/bucket:Bucket"
WEBSITE = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration"
WEBSITE_V2 = "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAclV2:BucketAclV2"
PUBLIC_READ = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": ["s3:GetObject"],
    "Resource": ["arn:aws:s3:::site-bucket/*"],
}


def site(**inputs: Any) -> Any:
    return resource(BUCKET, "site", {"bucket": "site-bucket", **inputs})


def website_for(bucket: Any, type_: str = WEBSITE) -> Any:
    return resource(
        type_,
        "site-website",
        {"bucket": bucket.inputs["bucket"], "indexDocument": {"suffix": "index.html"}},
        depends={"bucket": bucket},
    )


def policy_for(bucket: Any, *statements: Any) -> Any:
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return resource(
        BUCKET_POLICY, "site-policy", {"bucket": "site-bucket", "policy": document}, depends={"bucket": bucket}
    )


def public_website_programs() -> dict[str, list[Any]]:
    bucket = site()
    inline = site(website={"indexDocument": "index.html"})
    return {
        "separate website + bucket policy": [bucket, website_for(bucket), policy_for(bucket, PUBLIC_READ)],
        "website v2 + principal AWS *": [
            bucket,
            website_for(bucket, WEBSITE_V2),
            policy_for(bucket, {**PUBLIC_READ, "Principal": {"AWS": ["*"]}, "Action": "s3:Get*"}),
        ],
        "separate website + public-read ACL": [
            bucket,
            website_for(bucket),
            resource(
                BUCKET_ACL, "site-acl", {"bucket": "site-bucket", "acl": "public-read"}, depends={"bucket": bucket}
            ),
        ],
        "inline website + inline public-read ACL": [site(website={"indexDocument": "index.html"}, acl="public-read")],
        "inline website + bucket policy": [inline, policy_for(inline, PUBLIC_READ)],
    }


@pytest.mark.parametrize("program", sorted(public_website_programs()))
def test_public_website_bucket_is_not_asked_for_kms(policy_gate: PolicyGate, program: str) -> None:
    report = policy_gate.run(*public_website_programs()[program])
    assert findings(report, S3_KMS) == set()
    (reason,) = stack_not_applicable(policy_gate, S3_KMS)
    assert reason.startswith("site: a public static website")
    # The public-access policy still says the bucket is public.
    assert findings(report, BLOCKS) == {("site", "no-public-access-block")}


def near_misses() -> dict[str, list[Any]]:
    bucket = site()
    return {
        "website, private": [bucket, website_for(bucket)],
        "public policy, no website": [bucket, policy_for(bucket, PUBLIC_READ)],
        "website, conditioned policy": [
            bucket,
            website_for(bucket),
            policy_for(bucket, {**PUBLIC_READ, "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}),
        ],
        "website, policy for one account": [
            bucket,
            website_for(bucket),
            policy_for(bucket, {**PUBLIC_READ, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}),
        ],
        "website, public write only": [
            bucket,
            website_for(bucket),
            policy_for(bucket, {**PUBLIC_READ, "Action": "s3:PutObject"}),
        ],
        "website, deny to everyone": [
            bucket,
            website_for(bucket),
            policy_for(bucket, {**PUBLIC_READ, "Effect": "Deny"}),
        ],
        "empty inline website, public ACL": [site(website={}, acl="public-read")],
    }


@pytest.mark.parametrize("program", sorted(near_misses()))
def test_near_misses_are_still_asked_for_kms(policy_gate: PolicyGate, program: str) -> None:
    report = policy_gate.run(*near_misses()[program])
    assert findings(report, S3_KMS) == {("site", "no-kms-default-encryption")}
    assert stack_not_applicable(policy_gate, S3_KMS) == []


def test_website_of_another_bucket_does_not_exempt(policy_gate: PolicyGate) -> None:
    bucket, other = site(), resource(BUCKET, "other", {"bucket": "other-bucket"})
    report = policy_gate.run(bucket, other, website_for(other), policy_for(bucket, PUBLIC_READ))
    assert findings(report, S3_KMS) == {("site", "no-kms-default-encryption"), ("other", "no-kms-default-encryption")}


def test_unknown_policy_document_of_a_website_bucket_cannot_decide(policy_gate: PolicyGate) -> None:
    bucket = site()
    policy = resource(
        BUCKET_POLICY, "site-policy", {"bucket": "site-bucket", "policy": UNKNOWN}, depends={"bucket": bucket}
    )
    report = policy_gate.run(bucket, website_for(bucket), policy)
    assert findings(report, S3_KMS) == set()
    assert len(undecided(report, S3_KMS)) == 1
