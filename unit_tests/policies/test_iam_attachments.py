"""iam-no-wildcard-policy-attachment: no AWS-managed wildcard policy (the shipped list) and no program policy allowing
* on * is attached to a role, user or group, however it is attached."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unit_tests.policies.pack_harness import PACK_DIR, UNKNOWN, PolicyGate, findings, resource, undecided

POLICY = "iam-no-wildcard-policy-attachment"
ROLE = "aws:iam/role:Role"
MANAGED_POLICY = "aws:iam/policy:Policy"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def role(**inputs: Any) -> Any:
    return resource(ROLE, "role", {"assumeRolePolicy": "{}", **inputs})


def attachment(policy_arn: Any, type_: str = ROLE_ATTACHMENT, name: str = "attach", **kwargs: Any) -> Any:
    prop = "policyArns" if "Exclusive" in type_ else "policyArn"
    value = [policy_arn] if prop == "policyArns" else policy_arn
    return resource(type_, name, {"role": "role", prop: value}, **kwargs)


def document(action: Any, resource_: Any = "*", effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Action": action, "Resource": resource_}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    "type_",
    [
        ROLE_ATTACHMENT,
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    ],
)
def test_administrator_access_fails_however_attached(policy_gate: PolicyGate, type_: str) -> None:
    assert findings(policy_gate.run(attachment(ADMIN, type_)), POLICY) == {("attach", "attaches:AdministratorAccess")}


def test_managed_policy_arns_of_a_role_are_attachments(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(role(managedPolicyArns=[BASIC_EXECUTION, "arn:aws:iam::aws:policy/PowerUserAccess"]))
    assert findings(report, POLICY) == {("role", "attaches:PowerUserAccess")}


@pytest.mark.parametrize(
    "policy_arn",
    [
        "arn:aws:iam::aws:policy/IAMFullAccess",
        "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    ],
)
def test_every_listed_policy_and_partition_fails(policy_gate: PolicyGate, policy_arn: str) -> None:
    name = policy_arn.rsplit("/", 1)[-1]
    assert findings(policy_gate.run(attachment(policy_arn)), POLICY) == {("attach", f"attaches:{name}")}


@pytest.mark.parametrize(
    "policy_arn",
    [
        BASIC_EXECUTION,
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        # A customer policy that happens to share the name is not AWS's.
        "arn:aws:iam::123456789012:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/AdministratorAccessX",
    ],
)
def test_near_misses_pass(policy_gate: PolicyGate, policy_arn: str) -> None:
    assert findings(policy_gate.run(attachment(policy_arn)), POLICY) == set()


def test_shipped_list_has_its_source_and_reasons() -> None:
    listing = json.loads((PACK_DIR / "delivery_policies" / "aws_managed_wildcard_policies.json").read_text())
    assert listing["source"].startswith("AWS Managed Policy Reference Guide")
    names = {entry["name"] for entry in listing["policies"]}
    assert {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"} <= names
    assert all(len(entry["grants"]) >= 10 for entry in listing["policies"])


@pytest.mark.parametrize(
    ("policy_document", "expected"),
    [
        (document("*"), {("attach", "attaches:admin")}),
        (document(["s3:GetObject", "*"]), {("attach", "attaches:admin")}),
        (
            json.dumps({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
            {("attach", "attaches:admin")},
        ),
        (document("*", "arn:aws:s3:::bucket/*"), set()),
        (document("s3:GetObject"), set()),
        (document("*", effect="Deny"), set()),
    ],
    ids=["star", "star among others", "not-action", "star on one bucket", "one action", "deny"],
)
def test_program_policy_allowing_everything_is_reported_where_attached(
    policy_gate: PolicyGate, policy_document: str, expected: set[tuple[str, str]]
) -> None:
    arn = "arn:aws:iam::123456789012:policy/admin"
    policy = resource(MANAGED_POLICY, "admin", {"policy": policy_document}, outputs={"arn": arn})
    by_dependency = attachment(UNKNOWN, depends={"policyArn": policy})
    assert findings(policy_gate.run(policy, by_dependency), POLICY) == expected
    assert findings(policy_gate.run(policy, attachment(arn)), POLICY) == expected


def test_unattached_program_policy_is_not_this_policys_concern(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(resource(MANAGED_POLICY, "admin", {"policy": document("*")})), POLICY) == set()


def test_role_read_back_of_a_separate_attachment_is_reported_once(policy_gate: PolicyGate) -> None:
    # After `pulumi up`, the role's managedPolicyArns lists what the RolePolicyAttachment attached.
    read_back = resource(ROLE, "role", {"assumeRolePolicy": "{}"}, outputs={"managedPolicyArns": [ADMIN]})
    report = policy_gate.run(read_back, attachment(ADMIN))
    assert findings(report, POLICY) == {("attach", "attaches:AdministratorAccess")}


def test_unknown_policy_arn_without_dependency_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(attachment(UNKNOWN))
    assert findings(report, POLICY) == set()
    assert len(undecided(report, POLICY)) == 1
