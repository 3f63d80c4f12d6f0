"""Rotation of each function's signing secret (components/rotation.py): the rotation function, its narrow role,
Secrets Manager's permission to invoke it, and the schedule (issue 16, seed row 42)."""

from __future__ import annotations

import pytest

from delivery_stack.components.function import PIPELINE_OWNED_CODE
from delivery_stack.components.rotation import ROTATION_ACTIONS, ROTATION_HANDLER
from delivery_stack.config import ConfigError, parse_config
from preflight import Capture, Registration
from unit_tests.infrastructure.support import (
    ONE_REGION,
    CaptureFactory,
    children_of,
    delivery_functions,
    parent_component,
    policy_json,
    resources_of,
)

ROTATION = "delivery:rotation:SecretRotation"
SCHEDULE = "aws:secretsmanager/secretRotation:SecretRotation"
FUNCTION = "aws:lambda/function:Function"


def _rotation_functions(capture: Capture) -> list[Registration]:
    return [f for f in resources_of(capture, FUNCTION) if capture.by_urn()[f.parent].type == ROTATION]


def _in_region(capture: Capture, type_token: str, region: str | None) -> list[Registration]:
    return [r for r in capture.of_type(type_token) if capture.region_of(r) == region]


def test_every_signing_secret_rotates_on_schedule_with_its_regions_rotation_function(up_three: Capture) -> None:
    for secret in resources_of(up_three, "aws:secretsmanager/secret:Secret"):
        region = up_three.region_of(secret)
        (schedule,) = [s for s in _in_region(up_three, SCHEDULE, region) if s.inputs["secretId"] == secret.id]
        (function,) = [f for f in _rotation_functions(up_three) if up_three.region_of(f) == region]
        assert schedule.inputs["rotationLambdaArn"] == function.outputs["arn"]
        assert schedule.inputs["rotationRules"] == {"automaticallyAfterDays": 30}
        # Secrets Manager may invoke the function for this secret only, and the secret has a value first.
        (permission,) = children_of(
            up_three, parent_component(up_three, function, ROTATION), "aws:lambda/permission:Permission"
        )
        assert permission.inputs["principal"] == "secretsmanager.amazonaws.com"
        assert permission.inputs["sourceArn"] == secret.outputs["arn"]
        assert permission.urn in schedule.dependencies
        (version,) = _in_region(up_three, "aws:secretsmanager/secretVersion:SecretVersion", region)
        assert version.urn in schedule.dependencies


def test_the_rotation_function_runs_the_four_steps_from_the_api_functions_package(up_three: Capture) -> None:
    api_functions = {up_three.region_of(f): f for f in delivery_functions(up_three)}
    for function in _rotation_functions(up_three):
        api = api_functions[up_three.region_of(function)]
        assert function.inputs["handler"] == ROTATION_HANDLER
        # One build, two entry points: the same package directory as the API function.
        assert function.inputs["code"] == api.inputs["code"]
        assert function.inputs["tracingConfig"] == {"mode": "Active"}
        assert function.inputs["vpcConfig"] == api.inputs["vpcConfig"]
        assert function.inputs["deadLetterConfig"]["targetArn"].startswith("arn:aws:sqs:")
        assert function.inputs["name"].startswith("serverless-delivery-pipeline-rotation-")


def test_the_rotation_role_may_rotate_its_secret_and_nothing_else(up_three: Capture) -> None:
    secrets = {
        up_three.region_of(s): s.outputs["arn"] for s in resources_of(up_three, "aws:secretsmanager/secret:Secret")
    }
    for function in _rotation_functions(up_three):
        component = parent_component(up_three, function, ROTATION)
        (role_component,) = children_of(up_three, component, "delivery:iam:ServiceRole")
        (policy,) = children_of(up_three, role_component, "aws:iam/rolePolicy:RolePolicy")
        statements = {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}
        assert statements["RotateOwnSecret"]["Action"] == list(ROTATION_ACTIONS)
        assert statements["RotateOwnSecret"]["Resource"] == [secrets[up_three.region_of(function)]]
        actions = {a for s in statements.values() for a in s["Action"]}
        assert not {a for a in actions if a.startswith(("s3:", "lambda:"))}


def test_both_functions_leave_their_code_to_the_pipeline(capture: Capture) -> None:
    """Issue 16.2, one owner of the code (seed: "Lambda deployment uses local FileArchive without CI/CD artifact
    integration"): Pulumi uploads the local build only when it creates a function; afterwards a `pulumi up` from
    any tree leaves the code the pipeline delivered alone."""
    engine_paths = ["code", "sourceCodeHash", "s3Bucket", "s3Key", "s3ObjectVersion", "imageUri"]
    assert len(engine_paths) == len(PIPELINE_OWNED_CODE)
    functions = resources_of(capture, FUNCTION)
    assert len(functions) == 2 * len(capture.outputs["regions"])
    for function in functions:
        assert function.ignore_changes == engine_paths, function.urn


def test_the_rotation_period_follows_config(run_stack: CaptureFactory) -> None:
    capture = run_stack(True, ONE_REGION, signingKeyRotationDays="7")
    (schedule,) = resources_of(capture, SCHEDULE)
    assert schedule.inputs["rotationRules"] == {"automaticallyAfterDays": 7}
    raw = {"regions": ["eu-west-1", "us-east-1"], "owner": "o", "costCenter": "cc-1", "allowedOrigins": ["*"]}
    for bad in ("0", "366", "weekly"):
        with pytest.raises(ConfigError, match="signingKeyRotationDays"):
            parse_config({**raw, "signingKeyRotationDays": bad}, "serverless-delivery", {})
