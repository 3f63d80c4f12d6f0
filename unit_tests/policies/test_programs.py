"""Whole programs through the gate CLI: each seed failure the pack can see fails the gate with its policy; the
compliant program and the dev stack pass with no mandatory violation, in both modes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from unit_tests.policies.pack_harness import PACK_DIR, PROGRAMS, ROOT

# program -> (policy, resource, finding) the gate must report, and every policy the program violates.
SEED_FAILURES: dict[str, tuple[tuple[str, str, str], set[str]]] = {
    "aes256_bucket": (
        ("s3-bucket-kms-encryption", "logs-bucket-sse", "algorithm:AES256"),
        {"s3-bucket-kms-encryption", "s3-bucket-public-access-block"},
    ),
    "wildcard_resources": (
        ("iam-no-wildcard-resources", "function-policy", "#0/*"),
        {"iam-no-wildcard-resources"},
    ),
    "wildcard_source_arn": (
        ("lambda-permission-scoped-source-arn", "api-lambda-permission", "wildcard-source-arn"),
        # The function is invoked only by API Gateway (synchronously): no dead-letter queue is asked for.
        {"lambda-permission-scoped-source-arn", "lambda-log-group-managed"},
    ),
    "missing_xray": (
        ("lambda-xray-tracing-active", "untraced-function", "tracing-not-active"),
        {
            "lambda-xray-tracing-active",
            "apigateway-stage-xray-tracing",
            "apigateway-deployment-redeploys",
            "apigateway-stage-web-acl",
            "lambda-dead-letter-config",
            "lambda-log-group-managed",
        },
    ),
    "thirty_day_retention": (
        ("log-group-retention-standard", "function-logs", "retention:30"),
        {"log-group-retention-standard"},
    ),
    "absolute_error_alarm": (
        ("alarm-error-rate-metric-math", "errors-alarm", "absolute-threshold:Errors"),
        # Nobody is told either: the alarm has no action.
        {"alarm-error-rate-metric-math", "alarm-actions-wired"},
    ),
    "default_provider": (
        ("resource-explicit-provider", "alerts", "default-provider"),
        {"resource-explicit-provider", "required-tags", "sns-topic-kms-encryption"},
    ),
    "inline_acl": (
        ("s3-bucket-no-legacy-inline-config", "logs-bucket", "acl"),
        {"s3-bucket-no-legacy-inline-config", "s3-bucket-kms-encryption", "s3-bucket-public-access-block"},
    ),
}


def gate(program: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    output = tmp_path / "gate.json"
    code = main(
        [
            "gate",
            "--program",
            str(program),
            "--stack",
            "dev",
            "--pack",
            str(PACK_DIR),
            "--format",
            "json",
            "--output",
            str(output),
            *extra,
        ]
    )
    return code, json.loads(output.read_text(encoding="utf-8")) if output.exists() else {}


@pytest.mark.parametrize("program", sorted(SEED_FAILURES))
def test_each_seed_failure_fails_the_gate_with_its_policy(program: str, tmp_path: Path) -> None:
    (policy, resource_name, finding), violated = SEED_FAILURES[program]
    code, report = gate(PROGRAMS / program, tmp_path, "--up")
    assert code == 1
    mandatory = [v for v in report["violations"] if v["enforcementLevel"] == "mandatory"]
    assert {(v["policy"], v["resourceName"], v["finding"]) for v in mandatory} >= {(policy, resource_name, finding)}
    assert {v["policy"] for v in mandatory} == violated
    located = next(v for v in mandatory if v["policy"] == policy)
    assert located["sourcePosition"]["uri"] == f"unit_tests/policies/programs/{program}/__main__.py"


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_the_compliant_program_passes(preview: bool, tmp_path: Path) -> None:
    code, report = gate(PROGRAMS / "compliant", tmp_path, *([] if preview else ["--up"]))
    assert code == 0
    assert report["summary"]["mandatory"] == 0
    # 14 of the program's resources and the root stack, which the engine analyses too.
    assert report["summary"]["resources"] == 15
    if preview:
        # Values computed from other resources are unknown: the policies that need them say so, and only so.
        assert report["summary"]["advisory"] > 0
        assert all("during preview" in v["message"] for v in report["violations"])
    else:
        assert report["violations"] == []


@pytest.mark.slow
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_the_dev_stack_has_no_mandatory_violation(preview: bool, tmp_path: Path) -> None:
    from unit_tests.preflight.dev_stack import dev_stack_environment

    with dev_stack_environment(tmp_path / "build"):
        # No --config: users run `pulumi preview --policy-pack policies` with no policy pack config file.
        code, report = gate(ROOT, tmp_path, *([] if preview else ["--up"]))
    mandatory = [
        f"{v['policy']}: {v['resourceName']}: {v['message']}"
        for v in report.get("violations", [])
        if v["enforcementLevel"] == "mandatory" and v["exemption"] is None
    ]
    assert mandatory == []
    assert code == 0


def test_the_packs_default_allows_every_star_action_of_the_program() -> None:
    """The program's allow-list (components/iam.py) is inside the pack's default one, so the stack needs no pack
    config; the pack's only extras are the X-Ray SDK's sampling reads, which the program does not grant."""
    from delivery_policies.iam import DEFAULT_WILDCARD_RESOURCE_ACTIONS
    from delivery_stack.components.iam import WILDCARD_RESOURCE_ACTIONS

    pack_default = {entry["action"] for entry in DEFAULT_WILDCARD_RESOURCE_ACTIONS}
    assert set(WILDCARD_RESOURCE_ACTIONS) <= pack_default
    assert pack_default - set(WILDCARD_RESOURCE_ACTIONS) == {"xray:GetSamplingRules", "xray:GetSamplingTargets"}


GENERIC_PROFILE = PACK_DIR / "profiles" / "generic.json"
# Issue 14's rules on a program written the way pulumi/examples are, gated with the generic profile.
GENERIC_VIOLATIONS = {
    ("iam-no-wildcard-policy-attachment", "worker-admin", "attaches:AdministratorAccess"),
    ("lambda-dead-letter-config", "worker", "no-dead-letter-target"),
    ("lambda-log-group-managed", "worker", "unmanaged-log-group"),
    ("lambda-permission-scoped-source-arn", "s3-invoke", "missing-source"),
    ("s3-bucket-public-access-block", "site", "no-public-access-block"),
    ("sfn-state-machine-xray-tracing", "workflow", "tracing-disabled"),
}


def mandatory_findings(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (v["policy"], v["resourceName"], v["finding"])
        for v in report["violations"]
        if v["enforcementLevel"] == "mandatory"
    }


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_generic_profile_passes_a_third_party_style_program(preview: bool, tmp_path: Path) -> None:
    mode = [] if preview else ["--up"]
    code, report = gate(PROGRAMS / "generic_compliant", tmp_path, "--config", str(GENERIC_PROFILE), *mode)
    assert (code, mandatory_findings(report)) == (0, set())


def test_without_the_profile_only_the_conventions_fail_that_program(tmp_path: Path) -> None:
    code, report = gate(PROGRAMS / "generic_compliant", tmp_path, "--up")
    assert code == 1
    assert {policy for policy, _, _ in mandatory_findings(report)} == {
        "required-tags",
        "resource-explicit-provider",
        "log-group-retention-standard",
    }


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_generic_profile_reports_each_new_rule_and_nothing_else(preview: bool, tmp_path: Path) -> None:
    mode = [] if preview else ["--up"]
    code, report = gate(PROGRAMS / "generic_violations", tmp_path, "--config", str(GENERIC_PROFILE), *mode)
    assert code == 1
    assert mandatory_findings(report) == GENERIC_VIOLATIONS
