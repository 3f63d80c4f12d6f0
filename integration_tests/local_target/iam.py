"""IAM roles, managed policies, inline role policies and attachments in moto."""

from __future__ import annotations

from integration_tests.local_target.creation import Creation, Creator, Result, as_int, json_text, present, tag_list
from preflight import MOCK_PARTITION

AWS_MANAGED_POLICY_PREFIX = f"arn:{MOCK_PARTITION}:iam::aws:policy/"
# API parameter -> the program input it comes from.
ROLE_PARAMETERS = {
    "Path": "path",
    "AssumeRolePolicyDocument": "assumeRolePolicy",
    "Description": "description",
    "MaxSessionDuration": "maxSessionDuration",
    "PermissionsBoundary": "permissionsBoundary",
}


def _attach_role_policy(c: Creation, role: str, policy_arn: str) -> None:
    iam = c.client("iam")
    try:
        iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    except iam.exceptions.NoSuchEntityException as missing:
        if policy_arn.startswith(AWS_MANAGED_POLICY_PREFIX):
            raise RuntimeError(
                f"{policy_arn} is an AWS managed policy, which moto loads only when its server runs with "
                "MOTO_IAM_LOAD_MANAGED_POLICIES=true"
            ) from missing
        raise


def _role(c: Creation) -> Result:
    name = c.physical_name()
    iam = c.client("iam")
    params = c.parameters(ROLE_PARAMETERS, {"AssumeRolePolicyDocument": json_text, "MaxSessionDuration": as_int})
    role = iam.create_role(RoleName=name, **params, **present({"Tags": tag_list(c.tags)}))["Role"]
    for inline in c.get("inlinePolicies", []):
        if inline.get("name") and inline.get("policy"):
            iam.put_role_policy(RoleName=name, PolicyName=inline["name"], PolicyDocument=json_text(inline["policy"]))
    for policy_arn in c.get("managedPolicyArns", []):
        _attach_role_policy(c, name, policy_arn)
    return name, {"name": name, "arn": role["Arn"], "uniqueId": role["RoleId"]}


def _managed_policy(c: Creation) -> Result:
    name = c.physical_name()
    params = c.parameters(
        {"Path": "path", "PolicyDocument": "policy", "Description": "description"}, {"PolicyDocument": json_text}
    )
    policy = c.client("iam").create_policy(PolicyName=name, **params, **present({"Tags": tag_list(c.tags)}))["Policy"]
    return policy["Arn"], {"name": name, "arn": policy["Arn"], "policyId": policy["PolicyId"]}


def _role_policy(c: Creation) -> Result:
    role = c.get("role")
    name = c.physical_name()
    c.client("iam").put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json_text(c.get("policy")))
    return f"{role}:{name}", {"name": name}


def _role_policy_attachment(c: Creation) -> Result:
    role = c.get("role")
    _attach_role_policy(c, role, c.get("policyArn"))
    return f"{role}-{c.get('policyArn')}", {}


CREATORS: dict[str, Creator] = {
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _managed_policy,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _role_policy_attachment,
}
