"""What AWS reads back after a real `pulumi up` (then `pulumi refresh`) for settings the program left unset.

Only the types the pack and Checkov judge; each value is AWS's documented default for a new resource (cited per
entry) as the provider's Read stores it. Applied in `up` mode to outputs only: inputs stay the program's own, so the
plan export (which exports inputs) never mistakes a read-back default for a setting the program made.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

Defaults = Callable[[str, str], dict[str, Any]]


def _bucket(account: str, region: str) -> dict[str, Any]:
    return {
        # Every new bucket is encrypted with SSE-S3 since 2023-01-05 ("Amazon S3 now automatically encrypts all new
        # objects"); the provider reads it from GetBucketEncryption.
        "serverSideEncryptionConfiguration": {
            "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": False}
        },
        "versioning": {"enabled": False, "mfaDelete": False},
        # The provider reads grants, not the canned `acl` (which it never reads back): the owner's FULL_CONTROL.
        "grants": [{"id": f"{account}canonical", "type": "CanonicalUser", "permissions": ["FULL_CONTROL"]}],
        "corsRules": [],
        "lifecycleRules": [],
        "logging": None,
        "website": None,
        "replicationConfiguration": None,
        "objectLockConfiguration": None,
        "objectLockEnabled": False,
        "requestPayer": "BucketOwner",
        "accelerationStatus": "",
        "policy": "",
        "websiteDomain": None,
        "websiteEndpoint": None,
    }


def _queue(account: str, region: str) -> dict[str, Any]:
    # SQS: SSE-SQS is on for every new queue since 2022-10 ("SSE-SQS by default"); CreateQueue attribute defaults.
    return {
        "sqsManagedSseEnabled": True,
        "visibilityTimeoutSeconds": 30,
        "messageRetentionSeconds": 345600,
        "maxMessageSize": 262144,
        "delaySeconds": 0,
        "receiveWaitTimeSeconds": 0,
        "fifoQueue": False,
        "kmsDataKeyReusePeriodSeconds": 300,
        "policy": "",
        "redrivePolicy": "",
    }


def _topic(account: str, region: str) -> dict[str, Any]:
    # SNS CreateTopic: signature version 1, tracing PassThrough, not FIFO, no KMS key.
    return {"signatureVersion": 1, "tracingConfig": "PassThrough", "fifoTopic": False,
            "contentBasedDeduplication": False, "owner": account}  # fmt: skip


def _function(account: str, region: str) -> dict[str, Any]:
    # Lambda CreateFunction defaults: X-Ray PassThrough, 128 MB, 3 s, x86_64, 512 MB /tmp, Text logs.
    return {
        "tracingConfig": {"mode": "PassThrough"},
        "memorySize": 128,
        "timeout": 3,
        "packageType": "Zip",
        "architectures": ["x86_64"],
        "ephemeralStorage": {"size": 512},
        "publish": False,
    }


def _key(account: str, region: str) -> dict[str, Any]:
    # KMS CreateKey defaults: a symmetric encryption key, enabled, single-region, rotation off.
    return {"keyUsage": "ENCRYPT_DECRYPT", "customerMasterKeySpec": "SYMMETRIC_DEFAULT", "isEnabled": True,
            "enableKeyRotation": False, "multiRegion": False}  # fmt: skip


def _log_group(account: str, region: str) -> dict[str, Any]:
    # CloudWatch Logs CreateLogGroup: never expire (read back as 0), Standard class, AWS-owned encryption.
    return {"retentionInDays": 0, "logGroupClass": "STANDARD", "kmsKeyId": "", "skipDestroy": False}


def _stage(account: str, region: str) -> dict[str, Any]:
    return {"xrayTracingEnabled": False, "cacheClusterEnabled": False}


def _role(account: str, region: str) -> dict[str, Any]:
    # IAM CreateRole: path "/", one-hour sessions, no boundary.
    return {"path": "/", "maxSessionDuration": 3600, "description": "", "forceDetachPolicies": False}


def _secret(account: str, region: str) -> dict[str, Any]:
    return {"recoveryWindowInDays": 30, "forceOverwriteReplicaSecret": False}


def _table(account: str, region: str) -> dict[str, Any]:
    # DynamoDB CreateTable: provisioned capacity, AWS-owned key (read back as disabled SSE), no PITR, no stream.
    return {"billingMode": "PROVISIONED", "serverSideEncryption": {"enabled": False},
            "pointInTimeRecovery": {"enabled": False}, "streamEnabled": False, "tableClass": "STANDARD",
            "deletionProtectionEnabled": False}  # fmt: skip


def _repository(account: str, region: str) -> dict[str, Any]:
    # ECR CreateRepository: mutable tags, AES256, no scan on push.
    return {"imageTagMutability": "MUTABLE", "encryptionConfigurations": [{"encryptionType": "AES256", "kmsKey": ""}],
            "imageScanningConfiguration": {"scanOnPush": False}}  # fmt: skip


READ_BACK: dict[str, Defaults] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sqs/queue:Queue": _queue,
    "aws:sns/topic:Topic": _topic,
    "aws:lambda/function:Function": _function,
    "aws:kms/key:Key": _key,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:apigateway/stage:Stage": _stage,
    "aws:iam/role:Role": _role,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:dynamodb/table:Table": _table,
    "aws:ecr/repository:Repository": _repository,
}


def read_back(type_token: str, inputs: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
    """The outputs AWS fills for the settings `inputs` leaves unset (keys absent or None in `inputs`)."""
    defaults = READ_BACK.get(type_token)
    if defaults is None:
        return {}
    return {key: copy.deepcopy(value) for key, value in defaults(account, region).items() if inputs.get(key) is None}
