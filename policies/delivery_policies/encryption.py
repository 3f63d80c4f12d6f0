"""Encryption at rest with customer-managed KMS keys, and rotation of those keys."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, elements, field, flag, path, text
from delivery_policies.relations import bucket_attachments, public_website

KMS_ALGORITHMS: Final = frozenset({"aws:kms", "aws:kms:dsse"})


def judge_key(key: Any, evaluation: Evaluation, prop: str, what: str, suffix: str = "") -> None:
    """A customer-managed key must be named: not absent (the AWS-managed default) and not an alias/aws/... key."""
    key = text(key)
    if key is UNKNOWN:
        evaluation.undecided(prop)
    elif key is MISSING or not key.strip():
        evaluation.violation(
            f"no-kms-key{suffix}",
            f"{what} has no customer-managed KMS key ({prop} is not set, so AWS uses its own managed key)",
        )
    elif aws.is_aws_managed_key(key):
        evaluation.violation(
            f"aws-managed-key{suffix}",
            f"{what} uses the AWS-managed key {key!r}; set {prop} to a customer-managed key",
        )


def _single_key_check(prop: str, what: str) -> Any:
    def check(subject: ResourceView, evaluation: Evaluation) -> None:
        judge_key(field(subject.props, prop), evaluation, prop, what)

    return check


def check_sqs_queue(subject: ResourceView, evaluation: Evaluation) -> None:
    key = text(field(subject.props, "kmsMasterKeyId"))
    sqs_managed = flag(field(subject.props, "sqsManagedSseEnabled"))
    if key is MISSING and sqs_managed is True:
        evaluation.violation(
            "sse-sqs",
            "the queue uses SSE-SQS (a key owned by SQS) instead of a customer-managed KMS key (kmsMasterKeyId)",
        )
        return
    judge_key(key, evaluation, "kmsMasterKeyId", "the queue")


def check_codebuild_project(subject: ResourceView, evaluation: Evaluation) -> None:
    judge_key(field(subject.props, "encryptionKey"), evaluation, "encryptionKey", "the CodeBuild project")
    disabled_switches: list[tuple[str, Any, str]] = [
        ("artifacts-encryption-disabled", path(subject.props, "artifacts", "encryptionDisabled"), "its artifacts"),
        (
            "s3-logs-encryption-disabled",
            path(subject.props, "logsConfig", "s3Logs", "encryptionDisabled"),
            "its S3 build logs",
        ),
    ]
    for index, artifact in enumerate(elements(field(subject.props, "secondaryArtifacts"))):
        identifier = text(field(artifact, "artifactIdentifier"))
        label = identifier if isinstance(identifier, str) else str(index)
        disabled_switches.append(
            (
                f"secondary-artifacts-encryption-disabled:{label}",
                field(artifact, "encryptionDisabled"),
                f"its secondary artifact {label}",
            )
        )
    for finding, switch, what in disabled_switches:
        value = flag(switch)
        if value is UNKNOWN:
            evaluation.undecided(finding)
        elif value is True:
            evaluation.violation(finding, f"encryption is disabled for {what}")


def check_codepipeline(subject: ResourceView, evaluation: Evaluation) -> None:
    stores = elements(field(subject.props, "artifactStores")) + elements(field(subject.props, "artifactStore"))
    for index, store in enumerate(stores):
        if store is UNKNOWN:
            evaluation.undecided("artifactStores")
            continue
        region = text(field(store, "region"))
        label = region if isinstance(region, str) and region else str(index)
        judge_key(
            path(store, "encryptionKey", "id"),
            evaluation,
            "artifactStores[].encryptionKey.id",
            f"the artifact store {label}",
            suffix=f":{label}",
        )


def check_cicd_artifacts(subject: ResourceView, evaluation: Evaluation) -> None:
    if subject.type == aws.CODEBUILD_PROJECT:
        check_codebuild_project(subject, evaluation)
    else:
        check_codepipeline(subject, evaluation)


def check_kms_key_rotation(subject: ResourceView, evaluation: Evaluation) -> None:
    spec = text(field(subject.props, "keySpec"))
    if spec is MISSING:
        spec = text(field(subject.props, "customerMasterKeySpec"))
    usage = text(field(subject.props, "keyUsage"))
    store = text(field(subject.props, "customKeyStoreId"))
    if UNKNOWN in (spec, usage, store):
        evaluation.undecided("keySpec")
        return
    if spec not in (MISSING, "SYMMETRIC_DEFAULT") or usage not in (MISSING, "ENCRYPT_DECRYPT"):
        evaluation.not_applicable("only symmetric encryption keys support automatic rotation")
        return
    if isinstance(store, str) and store:
        evaluation.not_applicable("keys in a custom key store cannot rotate automatically")
        return
    rotation = flag(field(subject.props, "enableKeyRotation"))
    if rotation is UNKNOWN:
        evaluation.undecided("enableKeyRotation")
    elif rotation is not True:
        evaluation.violation("rotation-disabled", "automatic rotation is off (enableKeyRotation is not true)")


def _judge_sse_rules(configuration: Any, subject: ResourceView, evaluation: Evaluation, prop: str) -> None:
    """Default-encryption rules, inline on a bucket or on a separate configuration resource."""
    rules = elements(field(configuration, "rules")) + elements(field(configuration, "rule"))
    if not rules:
        evaluation.violation("no-default-encryption", f"{prop} has no default-encryption rule", subject)
        return
    for rule in rules:
        defaults = elements(field(rule, "applyServerSideEncryptionByDefault"))
        if rule is UNKNOWN or UNKNOWN in defaults:
            evaluation.undecided(prop)
            continue
        if not defaults:
            evaluation.violation("no-default-encryption", f"a rule in {prop} sets no default encryption", subject)
        for default in defaults:
            algorithm = text(field(default, "sseAlgorithm"))
            if algorithm is UNKNOWN:
                evaluation.undecided(prop, "sseAlgorithm")
            elif algorithm not in KMS_ALGORITHMS:
                shown = algorithm if isinstance(algorithm, str) else "unset"
                evaluation.violation(
                    f"algorithm:{shown}",
                    f"default encryption is {shown}, not aws:kms with a customer-managed key",
                    subject,
                )
            else:
                key = text(field(default, "kmsMasterKeyId"))
                if key is UNKNOWN:
                    evaluation.undecided(prop, "kmsMasterKeyId")
                elif key is MISSING or not key.strip() or aws.is_aws_managed_key(key):
                    evaluation.violation(
                        "aws-managed-key",
                        f"default encryption {algorithm} uses the AWS-managed key (kmsMasterKeyId names no "
                        "customer-managed key)",
                        subject,
                    )


def check_bucket_encryption(resources: list[ResourceView], evaluation: Evaluation) -> None:
    """A separate configuration decides when one targets the bucket: after `pulumi up` the bucket's own
    serverSideEncryptionConfiguration reads back whatever S3 reports (AES256 until the separate resource applies, or
    a copy of it), so the inline value only decides for a bucket without one."""
    configurations = [resource for resource in resources if resource.type in aws.BUCKET_SSE_TYPES]
    attachments = bucket_attachments(configurations)
    websites = bucket_attachments(resource for resource in resources if resource.type in aws.BUCKET_WEBSITE_TYPES)
    policies = bucket_attachments(resource for resource in resources if resource.type == aws.BUCKET_POLICY)
    acls = bucket_attachments(resource for resource in resources if resource.type in aws.BUCKET_ACL_TYPES)
    judged: set[str] = set()
    for bucket in (resource for resource in resources if resource.type in aws.BUCKET_TYPES):
        attached = attachments.of(bucket)
        if attached is not UNKNOWN:
            judged.update(configuration.urn for configuration in attached)
        website = public_website(bucket, websites, policies, acls)
        if website is True:
            evaluation.exempt_by_context(
                bucket,
                "a public static website: S3 refuses anonymous reads of SSE-KMS objects, so it keeps SSE-S3 "
                "(s3-bucket-public-access-block still reports it)",
            )
            continue
        if website is UNKNOWN:
            evaluation.undecided("website")
            continue
        if attached is UNKNOWN:
            evaluation.undecided("bucket")
        elif attached:
            for configuration in attached:
                _judge_sse_rules(configuration.props, configuration, evaluation, "rules")
        else:
            _judge_bucket_alone(bucket, evaluation)
    for configuration in configurations:
        if configuration.urn not in judged:
            _judge_sse_rules(configuration.props, configuration, evaluation, "rules")


def _judge_bucket_alone(bucket: ResourceView, evaluation: Evaluation) -> None:
    inline = [
        block
        for key in ("serverSideEncryptionConfiguration", "serverSideEncryptionConfigurations")
        for block in elements(field(bucket.props, key))
    ]
    for block in inline:
        if block is UNKNOWN:
            evaluation.undecided("serverSideEncryptionConfiguration")
        else:
            _judge_sse_rules(block, bucket, evaluation, "serverSideEncryptionConfiguration")
    if not inline:
        evaluation.violation(
            "no-kms-default-encryption",
            "the bucket has no default encryption with a customer-managed KMS key (neither inline nor a "
            "BucketServerSideEncryptionConfiguration targeting it)",
            bucket,
        )


_KEY_REMEDIATION: Final = (
    "Create (or reuse) a customer-managed aws.kms.Key with rotation and a key policy that lets this service use it, "
    "and pass its ARN to the resource's key argument. Never use an alias/aws/... key."
)

POLICIES: Final = (
    PolicySpec(
        name="s3-bucket-kms-encryption",
        description="Every S3 bucket encrypts by default with aws:kms (or aws:kms:dsse) and a customer-managed key.",
        severity=Severity.HIGH,
        remediation=(
            "Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket whose rule sets "
            "sse_algorithm='aws:kms', kms_master_key_id=<customer-managed key ARN> and bucket_key_enabled=True."
        ),
        checkov=("CKV_AWS_145", "CKV_AWS_19"),
        cdk_nag=("NIST.800.53.R5-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3BucketServerSideEncryptionEnabled"),
        topics=("s3", "encryption"),
        scope="stack",
        check=check_bucket_encryption,
        category="security",
        example="""bucket = aws.s3.Bucket("data")
aws.s3.BucketServerSideEncryptionConfiguration(
    "data-sse",
    bucket=bucket.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
            "bucket_key_enabled": True,
        }
    ],
)""",
        peer_notes=(
            "Requires a customer-managed key. Peer packs read only the v4/v6 inline fields; the pack reads the "
            "pulumi-aws 7 model (the separate configuration resource decides, the bucket's read-back AES256 does "
            "not). A public static website bucket is exempt."
        ),
    ),
    PolicySpec(
        name="sns-topic-kms-encryption",
        description="Every SNS topic is encrypted with a customer-managed KMS key.",
        severity=Severity.MEDIUM,
        remediation=_KEY_REMEDIATION + " For SNS: kms_master_key_id.",
        checkov=("CKV_AWS_26",),
        cdk_nag=("AwsSolutions-SNS2",),
        topics=("sns", "encryption"),
        scope="resource",
        check=_single_key_check("kmsMasterKeyId", "the topic"),
        resource_types=frozenset({aws.SNS_TOPIC}),
        category="security",
        example="""aws.sns.Topic("alerts", kms_master_key_id=key.arn)""",
        peer_notes="Checkov accepts `alias/aws/sns`; the pack does not.",
    ),
    PolicySpec(
        name="sqs-queue-kms-encryption",
        description="Every SQS queue is encrypted with a customer-managed KMS key (not SSE-SQS).",
        severity=Severity.MEDIUM,
        remediation=_KEY_REMEDIATION + " For SQS: kms_master_key_id, and leave sqs_managed_sse_enabled unset.",
        checkov=("CKV_AWS_27",),
        cdk_nag=("AwsSolutions-SQS2",),
        topics=("sqs", "encryption"),
        scope="resource",
        check=check_sqs_queue,
        resource_types=frozenset({aws.SQS_QUEUE}),
        category="security",
        example="""aws.sqs.Queue("jobs", kms_master_key_id=key.arn)""",
        peer_notes="Checkov accepts SSE-SQS; the pack does not.",
    ),
    PolicySpec(
        name="log-group-kms-encryption",
        description="Every CloudWatch log group is encrypted with a customer-managed KMS key.",
        severity=Severity.MEDIUM,
        remediation=_KEY_REMEDIATION
        + " For log groups: kms_key_id, and allow logs.<region>.amazonaws.com in the key policy.",
        checkov=("CKV_AWS_158",),
        cdk_nag=("NIST.800.53.R5-CloudWatchLogGroupEncrypted",),
        topics=("logs", "encryption"),
        scope="resource",
        check=_single_key_check("kmsKeyId", "the log group"),
        resource_types=frozenset({aws.LOG_GROUP}),
        category="security",
        example="""aws.cloudwatch.LogGroup("app-logs", retention_in_days=7, kms_key_id=key.arn)""",
    ),
    PolicySpec(
        name="secretsmanager-secret-kms-encryption",
        description="Every Secrets Manager secret is encrypted with a customer-managed KMS key.",
        severity=Severity.HIGH,
        remediation=_KEY_REMEDIATION + " For secrets: kms_key_id.",
        checkov=("CKV_AWS_149",),
        cdk_nag=("NIST.800.53.R5-SecretsManagerUsingKMSKey",),
        topics=("secretsmanager", "encryption"),
        scope="resource",
        check=_single_key_check("kmsKeyId", "the secret"),
        resource_types=frozenset({aws.SECRET}),
        category="security",
        example="""aws.secretsmanager.Secret("signing-key", kms_key_id=key.arn)""",
    ),
    PolicySpec(
        name="cicd-artifacts-kms-encryption",
        description=(
            "CodeBuild projects and every CodePipeline artifact store encrypt artifacts with a customer-managed "
            "KMS key, and no artifact encryption is disabled."
        ),
        severity=Severity.HIGH,
        remediation=_KEY_REMEDIATION
        + " For CodeBuild: encryption_key, never encryption_disabled. For CodePipeline: an encryption_key "
        "{id: <key ARN>, type: 'KMS'} on every artifact store (one per region).",
        checkov=("CKV_AWS_147", "CKV_AWS_78", "CKV_AWS_311", "CKV_AWS_219"),
        cdk_nag=("AwsSolutions-CB4",),
        topics=("codebuild", "codepipeline", "encryption"),
        scope="resource",
        check=check_cicd_artifacts,
        resource_types=frozenset({aws.CODEBUILD_PROJECT, aws.CODEPIPELINE}),
        category="security",
        example="""aws.codebuild.Project(
    "build",
    service_role=role.arn,
    encryption_key=key.arn,
    artifacts={"type": "CODEPIPELINE"},
    environment={
        "compute_type": "BUILD_GENERAL1_SMALL",
        "image": "aws/codebuild/standard:7.0",
        "type": "LINUX_CONTAINER",
    },
    source={"type": "CODEPIPELINE"},
)""",
        peer_notes="The pack checks every artifact store, secondary artifacts and S3 build logs.",
    ),
    PolicySpec(
        name="kms-key-rotation-enabled",
        description="Symmetric customer-managed KMS keys rotate automatically.",
        severity=Severity.MEDIUM,
        remediation="Set enable_key_rotation=True on the aws.kms.Key (optionally rotation_period_in_days).",
        checkov=("CKV_AWS_7",),
        cdk_nag=("AwsSolutions-KMS5",),
        topics=("kms", "encryption"),
        scope="resource",
        check=check_kms_key_rotation,
        resource_types=frozenset({aws.KMS_KEY}),
        category="security",
        example="""aws.kms.Key("key", enable_key_rotation=True, deletion_window_in_days=30)""",
    ),
)
