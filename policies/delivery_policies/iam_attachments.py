"""Wildcards the identity-policy checks cannot see in a document: managed policies attached to a principal.

A role that attaches AdministratorAccess has no document of its own for iam-no-wildcard-actions to read, and a
customer policy allowing `*` on `*` is reported on the policy, not on each principal it empowers. This stack policy
reports every attachment (RolePolicyAttachment, PolicyAttachment, User/GroupPolicyAttachment, the *Exclusive
attachments, Role.managedPolicyArns) of an AWS-managed policy from the shipped list, or of a policy of the program
that allows every action on every resource.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.iam import allow_statements
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import UNKNOWN, field, string_list, text

WILDCARD_MANAGED_POLICIES_FILE: Final = "aws_managed_wildcard_policies.json"


@functools.cache
def wildcard_managed_policies() -> dict[str, str]:
    """AWS-managed policy name -> what it grants on Resource "*" (the shipped list, with its source in the file)."""
    document = json.loads(Path(__file__).with_name(WILDCARD_MANAGED_POLICIES_FILE).read_text(encoding="utf-8"))
    return {entry["name"]: entry["grants"] for entry in document["policies"]}


def aws_managed_policy_name(policy_arn: str) -> str | None:
    """`AdministratorAccess` for arn:<partition>:iam::aws:policy/[path/]AdministratorAccess; None otherwise."""
    arn = aws.parse_arn(policy_arn)
    if arn is None or arn.service != "iam" or arn.account != "aws" or not arn.resource.startswith("policy/"):
        return None
    return arn.resource.rsplit("/", 1)[-1]


def _allows_everything(policy: ResourceView, evaluation: Evaluation) -> bool:
    """Whether the program's policy has an Allow of every action (`*`, or a NotAction list) on Resource `*`."""
    for statement in allow_statements(policy, evaluation):
        actions = string_list(field(statement.body, "Action"))
        every_action = "*" in actions or bool(string_list(field(statement.body, "NotAction")))
        if every_action and "*" in string_list(field(statement.body, "Resource")):
            return True
    return False


def _attached(attachment: ResourceView) -> tuple[str, tuple[str, ...], list[Any]]:
    """(property, URNs it depends on, policy ARNs or UNKNOWN) of one attachment."""
    prop = aws.POLICY_ATTACHMENTS[attachment.type]
    return prop, attachment.depends_through(prop), [text(value) for value in string_list(field(attachment.props, prop))]


def check_wildcard_attachments(resources: list[ResourceView], evaluation: Evaluation) -> None:
    managed = wildcard_managed_policies()
    policies = [resource for resource in resources if resource.type == aws.MANAGED_POLICY]
    by_urn = {policy.urn: policy for policy in policies}
    by_arn = {text(field(policy.props, "arn")): policy for policy in policies}
    attachments = [resource for resource in resources if resource.type in aws.POLICY_ATTACHMENTS]
    # After `pulumi up` a role's managedPolicyArns reads back every policy attached to it, including those the
    # program attaches with a separate resource: those are reported once, on that resource.
    separately_attached = {
        arn for attachment in attachments if attachment.type != aws.ROLE for arn in _attached(attachment)[2]
    }
    for attachment in attachments:
        prop, urns, arns = _attached(attachment)
        targets = {by_urn[urn].urn: by_urn[urn] for urn in urns if urn in by_urn}
        for policy_arn in arns:
            if policy_arn is UNKNOWN:
                if not urns:
                    evaluation.undecided(prop)
                continue
            if attachment.type == aws.ROLE and policy_arn in separately_attached:
                continue
            name = aws_managed_policy_name(policy_arn)
            if name in managed:
                evaluation.violation(
                    f"attaches:{name}",
                    f"attaches the AWS-managed policy {name}, which grants {managed[name]}; attach a policy naming "
                    "the actions and resources the principal needs",
                    attachment,
                )
            elif policy_arn in by_arn:
                targets[by_arn[policy_arn].urn] = by_arn[policy_arn]
        for policy in targets.values():
            if _allows_everything(policy, evaluation):
                evaluation.violation(
                    f"attaches:{policy.name}",
                    f"attaches the program's policy {policy.name!r}, which allows every action on every resource",
                    attachment,
                )


POLICIES: Final = (
    PolicySpec(
        name="iam-no-wildcard-policy-attachment",
        description="No role, user or group is attached an AWS-managed policy that grants a whole service or every "
        "action on every resource (AdministratorAccess, PowerUserAccess, IAMFullAccess, ...: the shipped list), nor "
        "a policy of the program that allows * on *.",
        severity=Severity.HIGH,
        remediation="Replace the attachment with an aws.iam.RolePolicy (or a customer-managed aws.iam.Policy) naming "
        "the exact actions and resources; job-function policies such as AWSLambdaBasicExecutionRole are fine.",
        checkov=("CKV_AWS_274",),
        cdk_nag=("AwsSolutions-IAM4",),
        topics=("iam", "least-privilege"),
        scope="stack",
        check=check_wildcard_attachments,
        category="security",
        example="""aws.iam.RolePolicyAttachment(
    "basic-execution",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
)""",
        peer_notes="Checkov's CKV_AWS_274 knows AdministratorAccess only; cdk-nag's IAM4 refuses every AWS-managed "
        "policy. The pack refuses the shipped list of wildcard policies.",
    ),
)
