"""AWS facts the policies share: type tokens, ARNs, AWS-managed keys, which types take tags."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

BUCKET_TYPES: Final = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
BUCKET_SSE_TYPES: Final = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
BUCKET_PUBLIC_ACCESS_BLOCK_TYPES: Final = frozenset({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"})
BUCKET_WEBSITE_TYPES: Final = frozenset(
    {
        "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
        "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2",
    }
)
BUCKET_POLICY: Final = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL_TYPES: Final = frozenset({"aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl"})
BUCKET_NOTIFICATION: Final = "aws:s3/bucketNotification:BucketNotification"
LAMBDA_FUNCTION: Final = "aws:lambda/function:Function"
LAMBDA_EVENT_INVOKE_CONFIG: Final = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
LAMBDA_PERMISSION: Final = "aws:lambda/permission:Permission"
LAMBDA_EVENT_SOURCE_MAPPING: Final = "aws:lambda/eventSourceMapping:EventSourceMapping"
LAMBDA_FUNCTION_URL: Final = "aws:lambda/functionUrl:FunctionUrl"
SNS_TOPIC_SUBSCRIPTION: Final = "aws:sns/topicSubscription:TopicSubscription"
EVENT_TARGET: Final = "aws:cloudwatch/eventTarget:EventTarget"
REST_API_INTEGRATION: Final = "aws:apigateway/integration:Integration"
HTTP_API_INTEGRATION: Final = "aws:apigatewayv2/integration:Integration"
STATE_MACHINE: Final = "aws:sfn/stateMachine:StateMachine"
SCHEDULE: Final = "aws:scheduler/schedule:Schedule"
APPSYNC_DATA_SOURCE: Final = "aws:appsync/dataSource:DataSource"
TARGET_GROUP_ATTACHMENTS: Final = frozenset(
    {"aws:lb/targetGroupAttachment:TargetGroupAttachment", "aws:alb/targetGroupAttachment:TargetGroupAttachment"}
)
INVOCATION_SOURCE_TYPES: Final = frozenset(
    {
        LAMBDA_PERMISSION,
        LAMBDA_EVENT_INVOKE_CONFIG,
        LAMBDA_EVENT_SOURCE_MAPPING,
        LAMBDA_FUNCTION_URL,
        BUCKET_NOTIFICATION,
        SNS_TOPIC_SUBSCRIPTION,
        EVENT_TARGET,
        SCHEDULE,
        REST_API_INTEGRATION,
        HTTP_API_INTEGRATION,
        STATE_MACHINE,
        APPSYNC_DATA_SOURCE,
        *TARGET_GROUP_ATTACHMENTS,
    }
)
LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
REST_API_STAGE: Final = "aws:apigateway/stage:Stage"
REST_API: Final = "aws:apigateway/restApi:RestApi"
REST_API_DEPLOYMENT: Final = "aws:apigateway/deployment:Deployment"
REST_API_METHOD: Final = "aws:apigateway/method:Method"
USAGE_PLAN: Final = "aws:apigateway/usagePlan:UsagePlan"
WEB_ACL_ASSOCIATION_TYPES: Final = frozenset(
    {"aws:wafv2/webAclAssociation:WebAclAssociation", "aws:wafregional/webAclAssociation:WebAclAssociation"}
)
COMPOSITE_ALARM: Final = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
# What an alarm action may name: a topic that notifies, or something that acts (scaling, a function, an incident).
ALARM_ACTION_TARGET_TYPES: Final = frozenset(
    {
        "aws:sns/topic:Topic",
        "aws:autoscaling/policy:Policy",
        "aws:appautoscaling/policy:Policy",
        "aws:lambda/function:Function",
        "aws:lambda/alias:Alias",
        "aws:ssmincidents/responsePlan:ResponsePlan",
    }
)
# The services whose ARNs CloudWatch accepts as alarm actions (EC2 actions are arn:aws:automate:<region>:ec2:<verb>).
ALARM_ACTION_SERVICES: Final = frozenset({"sns", "autoscaling", "automate", "lambda", "ssm", "ssm-incidents"})
KMS_KEY: Final = "aws:kms/key:Key"
SNS_TOPIC: Final = "aws:sns/topic:Topic"
SQS_QUEUE: Final = "aws:sqs/queue:Queue"
SECRET: Final = "aws:secretsmanager/secret:Secret"
CODEBUILD_PROJECT: Final = "aws:codebuild/project:Project"
CODEPIPELINE: Final = "aws:codepipeline/pipeline:Pipeline"
PROVIDER_PREFIX: Final = "pulumi:providers:"

# Identity policies, by the property that holds the document. Resource policies (bucket, key, queue policies) name a
# principal and are judged differently, so they are not here. Role.inlinePolicies is a list of {name, policy}.
IDENTITY_POLICY_DOCUMENTS: Final = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": "inlinePolicy",
}
ROLE: Final = "aws:iam/role:Role"
MANAGED_POLICY: Final = "aws:iam/policy:Policy"
# Attachments of a managed policy to a principal, by the property that holds the policy ARN(s).
POLICY_ATTACHMENTS: Final = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    ROLE: "managedPolicyArns",
}
IDENTITY_POLICY_TYPES: Final = frozenset({*IDENTITY_POLICY_DOCUMENTS, ROLE})

WILDCARD_CHARACTERS: Final = ("*", "?")
_AWS_MANAGED_ALIAS: Final = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)


def has_wildcard(value: str) -> bool:
    return any(character in value for character in WILDCARD_CHARACTERS)


def is_aws_managed_key(key: str) -> bool:
    """`alias/aws/<service>` or an alias ARN of one: a key AWS manages, not a customer-managed key."""
    return bool(_AWS_MANAGED_ALIAS.search(key))


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(value: str) -> Arn | None:
    """The six parts of an ARN, or None for anything that is not `arn:<partition>:<service>:...`."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])


# Services whose ARN resource part starts with the resource's own name (no resource-type segment before it).
_NAME_FIRST_SERVICES: Final = frozenset({"s3", "sqs", "sns", "execute-api", "codepipeline"})
# Services whose resource names may contain "/" (log groups, secret names): only ":" ends the name.
_COLON_DELIMITED_SERVICES: Final = frozenset({"logs", "lambda", "secretsmanager", "states", "cloudwatch", "sns"})


def resource_name_segment(arn: Arn) -> tuple[str, str]:
    """(leading part up to and including the resource name, what follows it) of an ARN's resource part.

    `s3:::bucket/key/*` -> (`bucket`, `/key/*`); `logs:...:log-group:/aws/lambda/fn:*` -> (`log-group:/aws/lambda/fn`,
    `:*`); `lambda:...:function:name:alias` -> (`function:name`, `:alias`); `kms:...:key/id` -> (`key/id`, ``).
    A wildcard in the leading part means the statement does not name a resource; one after it is below a named one.
    """
    resource = arn.resource
    if arn.service in _COLON_DELIMITED_SERVICES:
        delimiters: tuple[str, ...] = (":",)
    else:
        delimiters = ("/", ":")
    leading_slash = "/" if resource.startswith("/") and arn.service not in _COLON_DELIMITED_SERVICES else ""
    body = resource[len(leading_slash) :]
    segments_to_keep = 1 if arn.service in _NAME_FIRST_SERVICES else 2
    start = 0
    for segment in range(segments_to_keep):
        positions = [found for found in (body.find(delimiter, start) for delimiter in delimiters) if found >= 0]
        if not positions:
            return leading_slash + body, ""
        cut = min(positions)
        if segment == segments_to_keep - 1:
            return leading_slash + body[:cut], body[cut:]
        start = cut + 1
    return leading_slash + body, ""


@functools.cache
def taggable_types() -> frozenset[str]:
    """AWS type tokens that take `tags` and receive the provider's default tags (they have `tagsAll`).

    Generated from pulumi-aws (see unit_tests/policies/test_taggable_types.py, which regenerates and compares it).
    """
    listing = Path(__file__).with_name("taggable_types.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in listing.splitlines() if line.strip() and not line.startswith("#"))
