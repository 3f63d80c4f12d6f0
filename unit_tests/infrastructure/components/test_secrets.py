"""Secrets: each function's signing key in Secrets Manager, encrypted with the key, readable by that function only."""

from __future__ import annotations

from preflight import SECRET_SIG, Capture
from unit_tests.infrastructure.support import (
    CaptureFactory,
    children_of,
    delivery_functions,
    function_role_policies,
    parent_component,
    policy_json,
    resources_of,
)


def test_one_secret_per_function_encrypted_with_the_region_key(up_three: Capture) -> None:
    """Seed failure: "No secrets management": the signing key lives in Secrets Manager, under the region key."""
    keys = {up_three.region_of(k): k.outputs["arn"] for k in up_three.of_type("aws:kms/key:Key")}
    secrets = resources_of(up_three, "aws:secretsmanager/secret:Secret")
    assert len(secrets) == len(delivery_functions(up_three))
    for secret in secrets:
        assert secret.inputs["kmsKeyId"] == keys[up_three.region_of(secret)]
        assert secret.inputs["name"].startswith("serverless-delivery-pipeline-signing-key-")
        assert secret.inputs["recoveryWindowInDays"] == 7


def test_the_generated_value_travels_as_a_secret(capture: Capture) -> None:
    """The initial value is generated (never in the repo or stack config) and marked secret in state."""
    for version in resources_of(capture, "aws:secretsmanager/secretVersion:SecretVersion"):
        value = version.inputs["secretString"]
        assert isinstance(value, dict)
        assert SECRET_SIG in value
        component = parent_component(capture, version, "delivery:secrets:ApplicationSecret")
        (secret,) = children_of(capture, component, "aws:secretsmanager/secret:Secret")
        assert secret.urn in version.dependencies


def test_each_function_reads_only_its_own_secret(up_three: Capture) -> None:
    secret_arns = {s.outputs["arn"] for s in up_three.of_type("aws:secretsmanager/secret:Secret")}
    read_by_some_function = []
    for _, policy in function_role_policies(up_three):
        document = policy_json(policy.inputs["policy"])
        readable = [
            resource
            for statement in document["Statement"]
            if any(action.startswith("secretsmanager:") for action in statement["Action"])
            for resource in statement["Resource"]
        ]
        assert len(readable) == 1
        assert readable[0] in secret_arns
        assert f":{up_three.region_of(policy)}:" in readable[0]
        read_by_some_function.append(readable[0])
    # One function per secret: no two functions share one, and none is left unread.
    assert sorted(read_by_some_function) == sorted(secret_arns)


def test_a_secret_alone_takes_its_name_description_and_key_from_its_args(build_alone: CaptureFactory) -> None:
    capture = build_alone(
        """
        from delivery_stack.components.secrets import ApplicationSecret, ApplicationSecretArgs

        ApplicationSecret(
            "secret-alone",
            ApplicationSecretArgs(context=ctx, secret_name="alone-signing-key", key=key, description="signs alone"),
        )
        """
    )
    (key,) = capture.of_type("aws:kms/key:Key")
    (secret,) = capture.of_type("aws:secretsmanager/secret:Secret")
    assert (secret.inputs["name"], secret.inputs["description"]) == ("alone-signing-key", "signs alone")
    assert secret.inputs["kmsKeyId"] == key.outputs["arn"]
