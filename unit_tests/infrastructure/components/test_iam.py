"""IAM: the policy-document builder's rules (pure) and every role and policy the program registers."""

from __future__ import annotations

import re

import pytest

from delivery_stack.components.iam import (
    ANYONE,
    WILDCARD_RESOURCE_ACTIONS,
    PolicyError,
    Statement,
    policy_document,
    render_statement,
)
from preflight import UNKNOWN, Capture, Registration
from unit_tests.infrastructure.support import (
    CaptureFactory,
    ancestors,
    delivery_functions,
    function_role_policies,
    policy_json,
    resources_of,
)

IDENTITY_POLICY_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")
ARN = re.compile(r"^arn:(aws):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:.+$")


def _statement(**changes: object) -> Statement:
    fields: dict[str, object] = {"sid": "ReadThing", "actions": ("s3:GetObject",), "resources": ("arn:aws:s3:::b/*",)}
    fields.update(changes)
    return Statement(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statement", "kind", "message"),
    [
        (_statement(actions=("s3:*",)), "identity", "wildcard action"),
        (_statement(actions=("*",)), "identity", "not `service:Action`"),
        (_statement(actions=("s3:Get*",)), "identity", "wildcard action"),
        (_statement(actions=("s3:*",), effect="Deny", principals=ANYONE), "identity", "wildcard action"),
        (_statement(resources=("*",)), "identity", "only the actions in WILDCARD_RESOURCE_ACTIONS"),
        (_statement(actions=("xray:PutTraceSegments", "s3:GetObject"), resources=("*",)), "identity", "s3:GetObject"),
        (_statement(resources=()), "identity", "names no resource"),
        (_statement(actions=()), "identity", "names no action"),
        (_statement(sid="read-thing"), "identity", "letters and digits"),
        (_statement(principals={"AWS": "arn:aws:iam::123456789012:root"}), "identity", "names no principal"),
        (_statement(), "resource", "needs a principal"),
        (_statement(actions=("s3:*",), principals=ANYONE), "resource", "only denies may"),
        (_statement(actions=("sts:AssumeRole",), principals={"Service": "x.amazonaws.com"}), "trust", "no resource"),
    ],
)
def test_builder_refuses_statements_that_grant_more_than_they_name(
    statement: Statement, kind: str, message: str
) -> None:
    """Seed failure: "IAM least-privilege violated / wildcard ARNs": the builder itself refuses wildcards."""
    with pytest.raises(PolicyError, match=re.escape(message)):
        policy_document([statement], kind)  # type: ignore[arg-type]


def test_builder_refuses_an_empty_policy_and_duplicate_sids() -> None:
    with pytest.raises(PolicyError, match="at least one statement"):
        policy_document([])
    with pytest.raises(PolicyError, match=r"duplicate statement ids \['ReadThing'\]"):
        policy_document([_statement(), _statement()])


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:logs:*:123456789012:log-group:x", "arn:*:s3:::b", "arn:aws:sqs:us-east-1:*:q", "not-an-arn"],
)
def test_resolved_arns_with_wildcard_partition_region_or_account_are_refused(arn: str) -> None:
    """Seed failure: "IAM least-privilege violated / wildcard ARNs" (`arn:aws:logs:*:*:...` in the earlier attempt)."""
    with pytest.raises(PolicyError, match="statement 'ReadThing'"):
        render_statement(_statement(resources=(arn,)), "identity", [[arn], {}, {}])


def test_rendered_statement_has_the_resolved_values() -> None:
    statement = _statement(
        conditions={"StringEquals": {"aws:SourceAccount": "123456789012"}},
    )
    rendered = render_statement(
        statement, "identity", [["arn:aws:s3:::b/*"], {}, {"StringEquals": {"aws:SourceAccount": "123456789012"}}]
    )
    assert rendered == {
        "Sid": "ReadThing",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::b/*"],
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }


def test_every_wildcard_resource_exception_has_a_reason() -> None:
    assert set(WILDCARD_RESOURCE_ACTIONS) >= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    for action, reason in WILDCARD_RESOURCE_ACTIONS.items():
        assert len(reason) >= 10, action


def _identity_documents(capture: Capture) -> list[tuple[Registration, dict]]:
    documents = []
    for type_token in IDENTITY_POLICY_TYPES:
        for policy in capture.of_type(type_token):
            documents.append((policy, policy_json(policy.inputs["policy"])))
    for role in resources_of(capture, "aws:iam/role:Role"):
        assert "inlinePolicies" not in role.inputs
        assert "managedPolicyArns" not in role.inputs
    assert documents, "no identity policy registered"
    return documents


def test_identity_policies_have_no_wildcard_actions_and_only_allow_listed_wildcard_resources(up_three: Capture) -> None:
    """Seed failure: "IAM least-privilege violated / wildcard ARNs"."""
    documents = _identity_documents(up_three)
    assert documents
    for policy, document in documents:
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            for action in statement["Action"]:
                assert "*" not in action, (policy.name, action)
            for resource in statement["Resource"]:
                if resource == "*":
                    assert set(statement["Action"]) <= set(WILDCARD_RESOURCE_ACTIONS), (policy.name, statement)
                    continue
                match = ARN.match(resource)
                assert match, (policy.name, resource)
                assert "*" not in ":".join(match.groups(default="")), (policy.name, resource)


def test_function_policy_arns_carry_the_region_and_account_of_their_provider(up_three: Capture) -> None:
    for function, policy in function_role_policies(up_three):
        region = up_three.region_of(policy)
        assert region == up_three.region_of(function)
        for statement in policy_json(policy.inputs["policy"])["Statement"]:
            for resource in statement["Resource"]:
                if resource == "*" or resource.startswith("arn:aws:s3:::"):
                    continue
                _, _, _service, arn_region, account, _ = resource.split(":", 5)
                assert account == "123456789012", resource
                assert arn_region == region, resource


def test_policy_documents_are_unknown_not_half_built_in_preview(preview_three: Capture) -> None:
    """Seed failure: "Policy JSON / Pulumi Output misuse (invalid serialization)": with unknown ARNs the document
    is unknown as a whole (serialised only from resolved values)."""
    for _, policy in function_role_policies(preview_three):
        assert policy.inputs["policy"] == UNKNOWN


def test_a_role_per_function_trusted_only_by_lambda_from_this_account(capture: Capture) -> None:
    functions = delivery_functions(capture)
    function_roles = [
        role
        for role in capture.of_type("aws:iam/role:Role")
        if any(a.type == "delivery:function:DeliveryFunction" for a in ancestors(capture, role))
    ]
    assert len(function_roles) == len(functions)
    if not capture.preview:
        assert sorted(f.inputs["role"] for f in functions) == sorted(r.outputs["arn"] for r in function_roles)
    for role in function_roles:
        trust = policy_json(role.inputs["assumeRolePolicy"])
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert statement["Action"] == ["sts:AssumeRole"]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        assert "Resource" not in statement
        assert len(role.inputs["name"]) <= 64


def test_a_service_role_alone_is_trusted_by_its_service_and_allowed_its_statements(
    build_alone: CaptureFactory,
) -> None:
    capture = build_alone(
        """
        from delivery_stack.components.iam import ServiceRole, ServiceRoleArgs, Statement

        ServiceRole(
            "role-alone",
            ServiceRoleArgs(
                context=ctx,
                role_name="alone-role",
                trusted_service="states.amazonaws.com",
                statements=[Statement(sid="PublishAlone", actions=("sns:Publish",), resources=(topic.arn,))],
                description="assumed alone",
            ),
        )
        """
    )
    (topic,) = capture.of_type("aws:sns/topic:Topic")
    (role,) = capture.of_type("aws:iam/role:Role")
    assert (role.inputs["name"], role.inputs["description"]) == ("alone-role", "assumed alone")
    (trust,) = policy_json(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    (policy,) = capture.of_type("aws:iam/rolePolicy:RolePolicy")
    assert policy.inputs["name"] == "alone-role-least-privilege"
    (statement,) = policy_json(policy.inputs["policy"])["Statement"]
    assert (statement["Sid"], statement["Action"], statement["Resource"]) == (
        "PublishAlone",
        ["sns:Publish"],
        [topic.outputs["arn"]],
    )
