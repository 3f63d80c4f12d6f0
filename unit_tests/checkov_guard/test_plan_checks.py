"""The plan export has teeth: Checkov's checks fail on weak programs and pass on compliant ones."""

from __future__ import annotations

import pytest

from preflight.plan.checkov_report import load_unchecked_types
from unit_tests.checkov_guard.conftest import ScannedPlan
from unit_tests.preflight.dev_stack import REPO_ROOT

UNCHECKED_TYPES = REPO_ROOT / "checkov" / "unchecked_types.yaml"


@pytest.mark.parametrize(
    ("check_id", "resource"),
    [
        ("CKV_AWS_145", "aws_s3_bucket.unencrypted-bucket"),  # no default KMS encryption
        ("CKV2_AWS_6", "aws_s3_bucket.unencrypted-bucket"),  # no public access block
        ("CKV_AWS_50", "aws_lambda_function.untraced-function"),  # no X-Ray tracing
        ("CKV_AWS_355", "aws_iam_policy.wildcard-policy"),  # "*" resource for restrictable actions
        ("CKV_AWS_290", "aws_iam_policy.wildcard-policy"),  # write access without constraints
        ("CKV2_AWS_40", "aws_iam_policy.wildcard-policy"),  # full IAM privileges
        ("CKV_AWS_24", "aws_security_group.open-ssh"),  # 0.0.0.0/0 on port 22
    ],
)
def test_insecure_program_fails_the_expected_check(
    scanned: dict[str, ScannedPlan], check_id: str, resource: str
) -> None:
    assert resource in scanned["plan_insecure"].failed.get(check_id, set())


@pytest.mark.parametrize("check_id", ["CKV_AWS_145", "CKV2_AWS_6", "CKV_AWS_21"])
def test_bucket_with_separate_encryption_and_access_block_resources_passes(
    scanned: dict[str, ScannedPlan], check_id: str
) -> None:
    compliant = scanned["plan_compliant_bucket"]
    assert "aws_s3_bucket.compliant-bucket" in compliant.passed.get(check_id, set())
    assert "aws_s3_bucket.compliant-bucket" not in compliant.failed.get(check_id, set())


def test_every_dev_stack_type_is_checked_or_on_the_reviewed_allow_list(scanned: dict[str, ScannedPlan]) -> None:
    dev = scanned["dev_stack"]
    allowed = load_unchecked_types(UNCHECKED_TYPES)
    unchecked = dev.planned_types() - dev.evaluated_types()
    assert sorted(unchecked - set(allowed)) == [], "no Checkov check evaluated these: a wrong Terraform type name?"
    assert sorted(set(allowed) & dev.evaluated_types()) == [], "checked after all: remove from the allow-list"
    assert sorted(set(allowed) - dev.planned_types()) == [], "no longer in the dev stack: remove from the allow-list"
