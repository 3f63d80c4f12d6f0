"""S3 buckets and their separate settings resources in moto, and bucket policies as moto can enforce them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from integration_tests.local_target.creation import Creation, Creator, Result, json_text, present, tag_list

# What the local target's requests look like to a policy: made as though over TLS (the real endpoint is HTTPS).
LOCAL_REQUEST_CONTEXT = {"aws:securetransport": "true"}

PUBLIC_ACCESS_BLOCK_SETTINGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def encryption_rules(rules: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    converted = []
    for rule in rules:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        entry: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": present(
                {"SSEAlgorithm": default.get("sseAlgorithm"), "KMSMasterKeyID": default.get("kmsMasterKeyId")}
            )
        }
        if rule.get("bucketKeyEnabled") is not None:
            entry["BucketKeyEnabled"] = bool(rule["bucketKeyEnabled"])
        converted.append(entry)
    return converted


def _bucket(c: Creation) -> Result:
    name = c.physical_name("bucket")
    s3 = c.client("s3")
    params: dict[str, Any] = {"Bucket": name}
    if c.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": c.region}
    if c.get("objectLockEnabled"):
        params["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**params)
    if c.tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(c.tags)})
    # The legacy inline arguments s3.Bucket still accepts: applied the same way as their separate resources.
    legacy_sse = c.get("serverSideEncryptionConfiguration")
    if legacy_sse:
        rules = legacy_sse.get("rule") or legacy_sse.get("rules") or []
        rules = [rules] if isinstance(rules, dict) else rules
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": encryption_rules(rules)})
    legacy_versioning = c.get("versioning")
    if legacy_versioning and legacy_versioning.get("enabled"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    # S3 derives the ARN and domain names from the bucket's name and region alone: preflight's answer, made for this
    # name and region, already holds them.
    return name, {}


def _bucket_setting(method: str, parameter: str, build: Callable[[Creation], Any]) -> Creator:
    """A resource that only sets one configuration of its bucket: `s3.<method>(Bucket=..., <parameter>=build(c))`."""

    def create(c: Creation) -> Result:
        bucket = c.get("bucket")
        getattr(c.client("s3"), method)(Bucket=bucket, **{parameter: build(c)})
        return bucket, {}

    return create


def _encryption(c: Creation) -> dict[str, Any]:
    return {"Rules": encryption_rules(c.get("rules", []))}


def _versioning(c: Creation) -> dict[str, Any]:
    configuration = c.get("versioningConfiguration", {})
    return present({"Status": configuration.get("status"), "MFADelete": configuration.get("mfaDelete")})


def _public_access_block(c: Creation) -> dict[str, bool]:
    return {key: bool(c.get(key[0].lower() + key[1:], False)) for key in PUBLIC_ACCESS_BLOCK_SETTINGS}


def _ownership_controls(c: Creation) -> dict[str, Any]:
    return {"Rules": [{"ObjectOwnership": c.get("rule", {}).get("objectOwnership")}]}


def _condition_outcome(condition: dict[str, Any]) -> bool | None:
    """Whether a policy Condition holds for the local target's requests: False if any part is false, None if a part
    names an operator or key moto cannot know, else True."""
    outcomes: list[bool | None] = []
    for operator, entries in condition.items():
        if operator != "Bool" or not isinstance(entries, dict):
            outcomes.append(None)
            continue
        for key, expected in entries.items():
            actual = LOCAL_REQUEST_CONTEXT.get(key.lower())
            values = [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]
            outcomes.append(None if actual is None else actual in values)
    if False in outcomes:
        return False
    return None if None in outcomes else True


def policy_for_moto(document: str, resource: str) -> tuple[str, list[str]]:
    """A bucket policy moto evaluates as AWS would evaluate the original for TLS requests, plus what changed.

    moto ignores the Condition of a bucket-policy statement: the usual TLS-only deny (`aws:SecureTransport` false)
    would deny every object request. Conditions on `aws:SecureTransport` are evaluated for a TLS request instead
    (a statement that cannot apply is dropped, one that always applies loses its condition); a statement conditioned
    on anything else cannot be evaluated locally and is dropped, and each drop is reported.
    """
    policy = json.loads(document)
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    kept: list[dict[str, Any]] = []
    notes: list[str] = []
    for statement in statements:
        condition = statement.get("Condition")
        if not condition:
            kept.append(statement)
            continue
        label = f"{resource}: statement {statement.get('Sid') or statement.get('Effect')}"
        outcome = _condition_outcome(condition)
        if outcome is True:
            kept.append({k: v for k, v in statement.items() if k != "Condition"})
            notes.append(f"{label} always applies to TLS requests: stored without its condition")
        elif outcome is False:
            notes.append(f"{label} never applies to TLS requests: not stored")
        else:
            notes.append(f"{label} has a condition moto cannot evaluate ({json.dumps(condition)}): not enforced")
    return json.dumps({**policy, "Statement": kept}), notes


def _bucket_policy(c: Creation) -> Result:
    bucket = c.get("bucket")
    document, notes = policy_for_moto(json_text(c.get("policy")), f"bucket policy {c.name}")
    for note in notes:
        c.adjust(note)
    if json.loads(document)["Statement"]:
        c.client("s3").put_bucket_policy(Bucket=bucket, Policy=document)
    return bucket, {}


_ENCRYPTION = _bucket_setting("put_bucket_encryption", "ServerSideEncryptionConfiguration", _encryption)
_VERSIONING = _bucket_setting("put_bucket_versioning", "VersioningConfiguration", _versioning)

CREATORS: dict[str, Creator] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _ENCRYPTION,
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": _ENCRYPTION,
    "aws:s3/bucketVersioning:BucketVersioning": _VERSIONING,
    "aws:s3/bucketVersioningV2:BucketVersioningV2": _VERSIONING,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _bucket_setting(
        "put_public_access_block", "PublicAccessBlockConfiguration", _public_access_block
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _bucket_setting(
        "put_bucket_ownership_controls", "OwnershipControls", _ownership_controls
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_policy,
}
