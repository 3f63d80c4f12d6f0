"""Least privilege in identity policies: no wildcard actions, no wildcard resources.

Identity policies are every `aws:iam/*Policy` document and each entry of `Role.inlinePolicies` (plus SSO permission
set inline policies). Resource policies (bucket, key, queue policies) are out of scope: they name a principal, and a
key policy's `Resource: "*"` means "this key".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, elements, field, is_mapping, json_document, string_list, text

# The default allow-list of actions AWS only authorizes on Resource "*", each with its reason. A stack configures its
# own list through the policy's `wildcardResourceActions` property; this default is what a VPC-attached, traced
# Lambda needs, so `pulumi preview --policy-pack policies` passes such a stack with no policy pack config file.
DEFAULT_WILDCARD_RESOURCE_ACTIONS: Final = (
    {
        "action": "xray:PutTraceSegments",
        "reason": 'X-Ray has no resource-level permissions for sending trace segments; AWS requires Resource "*".',
    },
    {
        "action": "xray:PutTelemetryRecords",
        "reason": 'X-Ray has no resource-level permissions for telemetry records; AWS requires Resource "*".',
    },
    {
        "action": "xray:GetSamplingRules",
        "reason": 'The X-Ray SDK reads sampling rules, which have no resource-level permissions; AWS requires "*".',
    },
    {
        "action": "xray:GetSamplingTargets",
        "reason": 'The X-Ray SDK reports sampling targets, which have no resource-level permissions; AWS requires "*".',
    },
    # A VPC-attached Lambda manages its ENIs with its execution role; Lambda checks these on "*" when the function is
    # created or updated, before any ENI (or its ARN) exists.
    {
        "action": "ec2:CreateNetworkInterface",
        "reason": 'Lambda VPC access: the ENI does not exist yet and Lambda validates the permission on Resource "*".',
    },
    {
        "action": "ec2:DescribeNetworkInterfaces",
        "reason": 'EC2 Describe* calls have no resource-level permissions; AWS requires Resource "*".',
    },
    {
        "action": "ec2:DescribeSubnets",
        "reason": 'EC2 Describe* calls have no resource-level permissions; AWS requires Resource "*".',
    },
    {
        "action": "ec2:DeleteNetworkInterface",
        "reason": 'Lambda VPC access: Lambda creates the ENIs, with ids unknown to the stack; it validates on "*".',
    },
    {
        "action": "ec2:AssignPrivateIpAddresses",
        "reason": 'Lambda VPC access: Lambda creates the ENIs, with ids unknown to the stack; it validates on "*".',
    },
    {
        "action": "ec2:UnassignPrivateIpAddresses",
        "reason": 'Lambda VPC access: Lambda creates the ENIs, with ids unknown to the stack; it validates on "*".',
    },
)

_ACTION_ALLOW_LIST_SCHEMA: Final = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "action": {"type": "string", "pattern": "^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$"},
            "reason": {"type": "string", "minLength": 10},
        },
        "required": ["action", "reason"],
        "additionalProperties": False,
    },
}


def allow_listed_actions(config: Any, key: str) -> frozenset[str]:
    """Lower-cased actions of a `[{action, reason}]` allow-list (IAM action names are case-insensitive)."""
    actions = set()
    for entry in elements(field(config, key)):
        action = text(field(entry, "action"))
        reason = text(field(entry, "reason"))
        if isinstance(action, str) and isinstance(reason, str) and reason.strip():
            actions.add(action.lower())
    return frozenset(actions)


def identity_documents(subject: ResourceView) -> Iterator[tuple[str, str, Any]]:
    """(label, reference prefix, parsed document or UNKNOWN) for each identity policy the resource carries."""
    if subject.type == aws.ROLE:
        for index, inline in enumerate(elements(field(subject.props, "inlinePolicies"))):
            if inline is UNKNOWN:
                yield f"inlinePolicies[{index}]", f"{index}/", UNKNOWN
                continue
            name = text(field(inline, "name"))
            named = isinstance(name, str) and bool(name)
            label = f"inline policy {name!r}" if named else f"inlinePolicies[{index}]"
            yield label, f"{name if named else index}/", json_document(field(inline, "policy"))
        return
    prop = aws.IDENTITY_POLICY_DOCUMENTS.get(subject.type)
    if prop is not None:
        yield prop, "", json_document(field(subject.props, prop))


@dataclass(frozen=True)
class AllowStatement:
    """An Allow statement: `where` for messages, `ref` (its Sid, or #<index>) to name its findings."""

    where: str
    ref: str
    body: Mapping[str, Any]

    def finding(self, value: str) -> str:
        return f"{self.ref}/{value}"


def allow_statements(subject: ResourceView, evaluation: Evaluation) -> Iterator[AllowStatement]:
    """Every Allow statement; unknown documents or effects are noted as undecided."""
    for label, prefix, document in identity_documents(subject):
        if document is UNKNOWN:
            evaluation.undecided(label)
            continue
        if not is_mapping(document):
            continue
        for index, statement in enumerate(elements(field(document, "Statement"))):
            if statement is UNKNOWN:
                evaluation.undecided(label, "Statement")
                continue
            if not is_mapping(statement):
                continue
            effect = text(field(statement, "Effect"))
            if effect is UNKNOWN:
                evaluation.undecided(label, "Statement", "Effect")
                continue
            if effect != "Allow":
                continue
            sid = text(field(statement, "Sid"))
            named = isinstance(sid, str) and bool(sid)
            where = f"{label} statement {sid!r}" if named else f"{label} statement {index}"
            yield AllowStatement(where, prefix + (sid if named else f"#{index}"), statement)


def check_wildcard_actions(subject: ResourceView, evaluation: Evaluation) -> None:
    allowed = allow_listed_actions(evaluation.config, "allowedWildcardActions")
    for statement in allow_statements(subject, evaluation):
        if field(statement.body, "NotAction") is not MISSING:
            evaluation.violation(
                statement.finding("NotAction"), f"{statement.where} allows every action except a list (NotAction)"
            )
        for action in string_list(field(statement.body, "Action")):
            if action is UNKNOWN:
                evaluation.undecided(statement.where, "Action")
            elif aws.has_wildcard(action) and action.lower() not in allowed:
                evaluation.violation(
                    statement.finding(action),
                    f"{statement.where} allows the wildcard action {action!r}; name each action",
                )


def _wildcard_resource_problem(resource: str) -> str | None:
    """Why a Resource entry does not name a resource, or None when it does."""
    if not aws.has_wildcard(resource):
        return None
    arn = aws.parse_arn(resource)
    if arn is None:
        return "is a wildcard, not the ARN of a resource"
    for part in ("partition", "service", "region", "account"):
        if aws.has_wildcard(getattr(arn, part)):
            return f"has a wildcard {part}"
    leading, _below = aws.resource_name_segment(arn)
    if aws.has_wildcard(leading):
        return "has a wildcard before or in the resource name"
    return None


def check_wildcard_resources(subject: ResourceView, evaluation: Evaluation) -> None:
    allowed_on_star = allow_listed_actions(evaluation.config, "wildcardResourceActions")
    for statement in allow_statements(subject, evaluation):
        if field(statement.body, "NotResource") is not MISSING:
            evaluation.violation(
                statement.finding("NotResource"),
                f"{statement.where} applies to every resource except a list (NotResource)",
            )
        for resource in string_list(field(statement.body, "Resource")):
            if resource is UNKNOWN:
                evaluation.undecided(statement.where, "Resource")
                continue
            if resource == "*":
                actions = string_list(field(statement.body, "Action"))
                if UNKNOWN in actions:
                    evaluation.undecided(statement.where, "Action")
                    continue
                not_allowed = sorted({action for action in actions if action.lower() not in allowed_on_star})
                if not_allowed or not actions:
                    evaluation.violation(
                        statement.finding("*"),
                        f'{statement.where} grants {not_allowed or "its actions"} on every resource ("*"); only '
                        'the allow-listed actions that AWS authorizes solely on "*" may use it',
                    )
                continue
            problem = _wildcard_resource_problem(resource)
            if problem is not None:
                evaluation.violation(statement.finding(resource), f"{statement.where}: resource {resource!r} {problem}")


POLICIES: Final = (
    PolicySpec(
        name="iam-no-wildcard-actions",
        description="Identity policies name their actions: no action containing a wildcard (*, s3:*, s3:Get*).",
        severity=Severity.HIGH,
        remediation=(
            "List the exact actions the principal needs (for example s3:GetObject, s3:PutObject) instead of a "
            "wildcard. An unavoidable wildcard goes on the policy's allowedWildcardActions config with its reason."
        ),
        checkov=("CKV_AWS_63", "CKV_AWS_49", "CKV_AWS_62", "CKV2_AWS_40"),
        cdk_nag=(
            "AwsSolutions-IAM5",
            "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
            "NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess",
        ),
        topics=("iam", "least-privilege"),
        scope="resource",
        check=check_wildcard_actions,
        resource_types=aws.IDENTITY_POLICY_TYPES,
        config_properties={
            "allowedWildcardActions": {
                **_ACTION_ALLOW_LIST_SCHEMA,
                "description": "Wildcard actions accepted anyway, each with the reason it is needed.",
                "default": [],
            }
        },
        category="security",
        example="""aws.iam.RolePolicy(
    "reader",
    role=role.id,
    policy=bucket.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{arn}/*"]}],
            }
        )
    ),
)""",
        peer_notes="The pack also catches partial wildcards such as `s3:Get*`.",
    ),
    PolicySpec(
        name="iam-no-wildcard-resources",
        description=(
            'Identity policies name their resources: no "*" resource, no ARN with a wildcard partition, service, '
            "region or account, no wildcard before the resource name (a trailing wildcard below a named resource, "
            "such as arn:aws:s3:::bucket/*, is fine)."
        ),
        severity=Severity.HIGH,
        remediation=(
            "Build each Resource from the resource's own ARN output (Output.all(...).apply(json.dumps)), with a "
            'concrete partition, region and account. Actions AWS only authorizes on "*" belong on the policy '
            "config's wildcardResourceActions with their reason (the default lists the X-Ray writes and a VPC-attached "
            "Lambda's EC2 network-interface actions)."
        ),
        checkov=("CKV_AWS_355", "CKV_AWS_290", "CKV_AWS_289"),
        cdk_nag=("AwsSolutions-IAM5",),
        topics=("iam", "least-privilege"),
        scope="resource",
        check=check_wildcard_resources,
        resource_types=aws.IDENTITY_POLICY_TYPES,
        config_properties={
            "wildcardResourceActions": {
                **_ACTION_ALLOW_LIST_SCHEMA,
                "description": 'Actions AWS authorizes only on Resource "*", each with its reason.',
                "default": [dict(entry) for entry in DEFAULT_WILDCARD_RESOURCE_ACTIONS],
            }
        },
        category="security",
        example="""aws.iam.RolePolicy(
    "sender",
    role=role.id,
    policy=queue.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [arn]}],
            }
        )
    ),
)""",
        peer_notes=(
            "The pack also refuses ARNs with a wildcard region or account, and admits `*` only for the configured"
            " actions AWS authorizes solely on `*`."
        ),
    ),
)
