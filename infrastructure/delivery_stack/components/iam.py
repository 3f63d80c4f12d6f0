"""IAM: the one policy-document builder, and a least-privilege role per service that assumes one.

Every policy document in the stack (identity, trust and resource policies: roles, the key, the buckets, the topic)
goes through `policy_document`. It takes statements whose ARNs may still be Outputs, resolves them with
`Output.all(...)`, and only then builds and serialises the JSON, so a document never holds a raw Output. Literal
mistakes (a `*` action, a `*` resource outside the allow-list) fail when the statement is written; resolved ARNs are
checked again for wildcard partitions, regions and accounts before they are serialised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from delivery_stack.context import RegionContext

Effect = Literal["Allow", "Deny"]
PolicyKind = Literal["identity", "trust", "resource"]
ANYONE: Literal["*"] = "*"

# The only actions the stack allows on Resource "*", each because AWS offers no resource-level permission for it.
WILDCARD_RESOURCE_ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "xray:PutTraceSegments": "X-Ray trace writes support no resource-level permissions (AWS requires `*`)",
        "xray:PutTelemetryRecords": "X-Ray telemetry writes support no resource-level permissions (AWS requires `*`)",
        # Only for functions attached to a VPC: Lambda manages the function's ENIs with the execution role and checks
        # these permissions on `*` when the function is created, before any ENI or its ARN exists.
        "ec2:CreateNetworkInterface": "Lambda VPC access: the ENI does not exist yet and Lambda validates on `*`",
        "ec2:DescribeNetworkInterfaces": "EC2 Describe* calls support no resource-level permissions",
        "ec2:DescribeSubnets": "EC2 Describe* calls support no resource-level permissions",
        "ec2:DeleteNetworkInterface": "Lambda VPC access: ENIs are created by Lambda with ids unknown to the stack",
        "ec2:AssignPrivateIpAddresses": "Lambda VPC access: ENIs are created by Lambda with ids unknown to the stack",
        "ec2:UnassignPrivateIpAddresses": "Lambda VPC access: ENIs are created by Lambda with ids unknown to the stack",
    }
)

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
_SID = re.compile(r"^[A-Za-z0-9]+$")

PrincipalValue = pulumi.Input[str] | Sequence[pulumi.Input[str]]
ConditionValue = pulumi.Input[str] | Sequence[pulumi.Input[str]]


class PolicyError(ValueError):
    """A statement that would grant more than it names, or that is malformed for its kind of policy."""


@dataclass(frozen=True)
class Statement:
    """One policy statement. ARNs, principals and condition values may be Outputs; the builder resolves them.

    `principals` is None for identity policies, `ANYONE` for "Principal": "*" (deny statements of resource
    policies), or a mapping like {"Service": "lambda.amazonaws.com"} or {"AWS": <role ARN>}.
    """

    sid: str
    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]] = ()
    effect: Effect = "Allow"
    principals: Mapping[str, PrincipalValue] | Literal["*"] | None = None
    conditions: Mapping[str, Mapping[str, ConditionValue]] | None = None


def _validate(statement: Statement, kind: PolicyKind) -> None:
    where = f"statement {statement.sid!r}"
    if not _SID.match(statement.sid):
        raise PolicyError(f"{where}: a Sid is letters and digits only")
    if not statement.actions:
        raise PolicyError(f"{where}: names no action")
    for action in statement.actions:
        if not _ACTION.match(action):
            raise PolicyError(f"{where}: {action!r} is not `service:Action`")
        if "*" in action and not (kind == "resource" and statement.effect == "Deny"):
            raise PolicyError(f"{where}: {action!r} is a wildcard action; name each action (only denies may)")
    if kind == "identity" and statement.principals is not None:
        raise PolicyError(f"{where}: an identity policy names no principal")
    if kind in ("trust", "resource") and statement.principals is None:
        raise PolicyError(f"{where}: a {kind} policy statement needs a principal")
    if kind == "trust":
        if statement.resources:
            raise PolicyError(f"{where}: a trust policy names no resource")
        return
    if not statement.resources:
        raise PolicyError(f"{where}: names no resource")
    if kind == "identity" and any(resource == "*" for resource in statement.resources):
        unlisted = [action for action in statement.actions if action not in WILDCARD_RESOURCE_ACTIONS]
        if unlisted:
            raise PolicyError(
                f"{where}: Resource `*` for {unlisted}; only the actions in WILDCARD_RESOURCE_ACTIONS may use it "
                "(each with its reason), every other action names its resources"
            )


def _check_arn(sid: str, arn: str) -> None:
    """An ARN names a concrete partition, service, region (when regional) and account: never a `*` among them."""
    if arn == "*":
        return
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise PolicyError(f"statement {sid!r}: {arn!r} is not an ARN")
    if any("*" in part for part in parts[1:5]):
        raise PolicyError(f"statement {sid!r}: {arn!r} has a wildcard partition, service, region or account")


def render_statement(statement: Statement, kind: PolicyKind, values: Sequence[Any]) -> dict[str, Any]:
    """The JSON form of `statement` once its (resources, principals, conditions) resolved to `values`."""
    resources, principals, conditions = values
    document: dict[str, Any] = {"Sid": statement.sid, "Effect": statement.effect}
    if statement.principals is not None:
        document["Principal"] = ANYONE if statement.principals == ANYONE else principals
    document["Action"] = list(statement.actions)
    if kind != "trust":
        for arn in resources:
            _check_arn(statement.sid, arn)
        document["Resource"] = list(resources)
    if statement.conditions:
        document["Condition"] = conditions
    return document


def policy_document(statements: Sequence[Statement], kind: PolicyKind = "identity") -> pulumi.Output[str]:
    """The policy JSON for `statements`, serialised only after every ARN and condition value has resolved."""
    if not statements:
        raise PolicyError("a policy needs at least one statement")
    sids = [statement.sid for statement in statements]
    duplicates = sorted({sid for sid in sids if sids.count(sid) > 1})
    if duplicates:
        raise PolicyError(f"duplicate statement ids {duplicates}")
    for statement in statements:
        _validate(statement, kind)

    def resolve(statement: Statement) -> pulumi.Output[dict[str, Any]]:
        principals = statement.principals if isinstance(statement.principals, Mapping) else {}
        return pulumi.Output.all(list(statement.resources), dict(principals), dict(statement.conditions or {})).apply(
            lambda values: render_statement(statement, kind, values)
        )

    return pulumi.Output.all(*[resolve(statement) for statement in statements]).apply(
        lambda resolved: json.dumps({"Version": "2012-10-17", "Statement": resolved})
    )


def objects_arn(bucket_arn: pulumi.Output[str], prefix: str = "") -> pulumi.Output[str]:
    """The ARN pattern of a bucket's objects below `prefix` (all its objects with no prefix)."""
    return bucket_arn.apply(lambda arn: f"{arn}/{prefix}*")


def key_use_through_s3(
    sid: str,
    actions: Sequence[str],
    *,
    key_arn: pulumi.Input[str],
    context: RegionContext,
    bucket_arn: pulumi.Input[str],
    objects: pulumi.Input[str],
) -> Statement:
    """`actions` on the key only when S3 in `context`'s region calls KMS for the bucket or the given objects."""
    return Statement(
        sid=sid,
        actions=tuple(actions),
        resources=(key_arn,),
        conditions={
            "StringEquals": {"kms:ViaService": context.service_endpoint("s3")},
            # With an S3 Bucket Key the encryption context is the bucket itself, not the object.
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, objects]},
        },
    )


def service_trust_statement(context: RegionContext, service: str) -> Statement:
    """`service` may assume the role, only on behalf of this account (no confused deputy from other accounts)."""
    return Statement(
        sid="ServiceAssumesRole",
        actions=("sts:AssumeRole",),
        principals={"Service": service},
        conditions={"StringEquals": {"aws:SourceAccount": context.account_id}},
    )


@dataclass(frozen=True)
class ServiceRoleArgs:
    """A role that one AWS service assumes, with exactly `statements` as its inline policy."""

    context: RegionContext
    role_name: str
    trusted_service: str
    statements: Sequence[Statement]
    description: str = ""


class ServiceRole(pulumi.ComponentResource):
    """An IAM role for one service principal, trusted only from this account, with one inline policy."""

    role: aws.iam.Role
    policy: aws.iam.RolePolicy

    def __init__(self, name: str, args: ServiceRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:iam:ServiceRole", name, None, args.context.component_options(opts))
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=args.description or f"Assumed by {args.trusted_service} for {args.role_name}",
            assume_role_policy=policy_document([service_trust_statement(args.context, args.trusted_service)], "trust"),
            opts=child,
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            name=f"{args.role_name}-least-privilege",
            role=self.role.id,
            policy=policy_document(args.statements, "identity"),
            opts=child,
        )
        self.register_outputs({"role_arn": self.role.arn, "role_name": self.role.name})
