"""The provisioned-concurrency option (`lambdaProvisionedConcurrency`, issue 16 point 5, seed row 22): off by default;
set, the API invokes a `live` alias kept warm, and the pipeline publishes each delivered version and moves the alias."""

from __future__ import annotations

import json

import pytest

from delivery_stack.config import ConfigError, parse_config
from preflight import Capture
from unit_tests.infrastructure.support import ONE_REGION, CaptureFactory, delivery_functions, resources_of

ALIAS = "aws:lambda/alias:Alias"
PROVISIONED = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"


@pytest.fixture(scope="module")
def warm(run_stack: CaptureFactory) -> Capture:
    return run_stack(False, ONE_REGION, lambdaProvisionedConcurrency="2")


def test_no_alias_and_nothing_billed_by_the_hour_by_default(capture: Capture) -> None:
    assert not capture.of_type(ALIAS)
    assert not capture.of_type(PROVISIONED)
    for function in delivery_functions(capture):
        assert function.inputs.get("publish") is not True


def test_the_api_invokes_a_warm_live_alias(warm: Capture) -> None:
    (function,) = delivery_functions(warm)
    (alias,) = resources_of(warm, ALIAS)
    (provisioned,) = resources_of(warm, PROVISIONED)
    assert function.inputs["publish"] is True
    assert alias.inputs["name"] == "live"
    assert alias.inputs["functionVersion"] == function.outputs["version"]
    # The pipeline moves the alias to each version it delivers; Pulumi set only the first.
    assert alias.ignore_changes == ["functionVersion"]
    assert provisioned.inputs["qualifier"] == "live"
    assert provisioned.inputs["provisionedConcurrentExecutions"] == 2
    for integration in resources_of(warm, "aws:apigateway/integration:Integration"):
        assert integration.inputs["uri"] == alias.outputs["invokeArn"]
    for permission in [p for p in resources_of(warm, "aws:lambda/permission:Permission") if p.name.startswith("api-")]:
        assert permission.inputs["qualifier"] == "live"


def test_the_pipeline_publishes_and_moves_the_alias(warm: Capture) -> None:
    (function,) = delivery_functions(warm)
    (pipeline,) = resources_of(warm, "aws:codepipeline/pipeline:Pipeline")
    actions = {a["name"]: a for stage in pipeline.inputs["stages"] for a in stage["actions"]}
    variables = {
        v["name"]: v["value"] for v in json.loads(actions["Deploy-pipeline"]["configuration"]["EnvironmentVariables"])
    }
    assert variables["FUNCTION_ALIAS"] == "live"
    rotation = {
        v["name"] for v in json.loads(actions["Deploy-pipeline-rotation"]["configuration"]["EnvironmentVariables"])
    }
    assert "FUNCTION_ALIAS" not in rotation
    deployer_policies = [
        p for p in resources_of(warm, "aws:iam/rolePolicy:RolePolicy") if "deploy-build" in p.outputs.get("name", "")
    ]
    (policy,) = deployer_policies
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["PublishAliasedVersions"]["Resource"] == [function.outputs["arn"]]
    assert statements["MoveLiveAliases"]["Resource"] == [f"{function.outputs['arn']}:live"]


def test_the_deploy_spec_moves_the_alias_only_when_asked() -> None:
    from unit_tests.infrastructure.support import REPO_ROOT

    text = (REPO_ROOT / "deployspec.yml").read_text(encoding="utf-8")
    assert 'if [ -n "${FUNCTION_ALIAS:-}" ]' in text
    assert "aws lambda publish-version" in text
    assert '--name "$FUNCTION_ALIAS" --function-version "$version"' in text


def test_provisioned_concurrency_is_bounded_and_fits_the_reserved_pool() -> None:
    raw = {"regions": ["eu-west-1", "us-east-1"], "owner": "o", "costCenter": "cc-1", "allowedOrigins": ["*"]}
    assert parse_config({**raw, "lambdaProvisionedConcurrency": "5"}, "p1", {}).function.provisioned_concurrency == 5
    for bad in ("0", "1001", "some"):
        with pytest.raises(ConfigError, match="lambdaProvisionedConcurrency"):
            parse_config({**raw, "lambdaProvisionedConcurrency": bad}, "p1", {})
    with pytest.raises(ConfigError, match="at most lambdaReservedConcurrency"):
        parse_config({**raw, "lambdaProvisionedConcurrency": "5", "lambdaReservedConcurrency": "4"}, "p1", {})


def test_readme_prices_the_option_and_retires_the_vpc_cold_start_premise() -> None:
    """Seed failure: "VPC configuration may cause cold start issues": the README says what warm environments cost per
    month (recomputed here from the per-GB-second price) and why the VPC is not the reason to buy them."""
    from unit_tests.infrastructure.support import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Provisioned concurrency and what it costs", 1)[1].split("\n## ", 1)[0]
    price_per_gb_second, seconds_per_month = 0.0000041667, 730 * 3600
    for memory_mb in (256, 512, 1024):
        per_environment = memory_mb / 1024 * seconds_per_month * price_per_gb_second
        row = f"| {memory_mb} MB"
        assert row in section
        line = next(line for line in section.splitlines() if line.startswith(row))
        assert f"${per_environment:.2f}" in line
        assert f"${per_environment * 4:.2f}" in line
    assert "2019" in section
    assert "Hyperplane" in section
