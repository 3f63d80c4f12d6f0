"""The whole program under preflight: providers, regions, tags, outputs, and bad config stopping it early."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime.mocks import MockResourceArgs

from preflight import AwsLikeMocks, Capture, ProgramError, ProjectSpec, run_program
from unit_tests.infrastructure.support import (
    ONE_REGION,
    ONE_REGION_BACKUP,
    PROJECT,
    REPO_ROOT,
    REQUIRED_TAGS,
    THREE_REGIONS,
    regions_config,
    stack_regions,
)

COMPONENT_PREFIX = "delivery:"
COMPONENTS_DIR = REPO_ROOT / "infrastructure" / "delivery_stack" / "components"


def config_reads(source: str) -> list[int]:
    """Lines of `source` that read an attribute named `config` (`ctx.config`, `self._ctx.config`, ...)."""
    return sorted(
        node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute) and node.attr == "config"
    )


def test_config_reads_are_found() -> None:
    assert config_reads(
        "limit = ctx.config.api.quota\nname = self._ctx.config.project\nsize = args.settings.memory"
    ) == [1, 2]


def test_components_take_settings_from_their_args_never_from_the_stack_config() -> None:
    """stack.py is the one place StackConfig reaches the components (each through its Args)."""
    modules = sorted(COMPONENTS_DIR.rglob("*.py"))
    assert len(modules) > 10
    reads = {str(m.relative_to(COMPONENTS_DIR)): config_reads(m.read_text()) for m in modules}
    assert {module: lines for module, lines in reads.items() if lines} == {}


def test_one_provider_per_region(capture: Capture) -> None:
    """Seed failure: "Multi-region deployment does not pass provider to resources" (one explicit provider each)."""
    regions = sorted(p.inputs["region"] for p in capture.providers() if p.package == "aws")
    expected = ONE_REGION if len(stack_regions(capture)) == 1 else THREE_REGIONS
    # A one-region stack also has a provider for its audit copy's region, and nothing else there.
    backup = [ONE_REGION_BACKUP] if expected == ONE_REGION else []
    assert regions == sorted([*expected, *backup])
    # The first configured region is the primary one.
    assert capture.outputs["primary_region"] == expected[0]


def test_every_aws_resource_has_an_explicit_provider_in_its_components_region(capture: Capture) -> None:
    """Seed failures: "Multi-region deployment does not pass provider to resources" and "Resource classes do not
    accept ResourceOptions for provider propagation": every resource reaches a provider through its component; a
    component's resources share one region, and a regional component's resources are in the region it is named
    for."""
    from delivery_stack.naming import region_short

    aws_resources = [r for r in capture.custom_resources() if r.package == "aws"]
    assert len(aws_resources) > 30
    regions_by_component: dict[str, set[str]] = {}
    for resource in aws_resources:
        assert resource.provider, f"{resource.urn} uses the default provider"
        region = capture.region_of(resource)
        assert region is not None, f"{resource.urn}: provider not registered"
        regions_by_component.setdefault(resource.parent, set()).add(region)
    by_urn = capture.by_urn()
    for component_urn, regions in regions_by_component.items():
        component = by_urn[component_urn]
        assert len(regions) == 1, f"{component.urn} mixes regions {sorted(regions)}"
        if component.parent == capture.stack_urn:
            assert component.name.rsplit("-", 1)[-1] == region_short(next(iter(regions))), component.urn


def test_every_aws_resource_is_built_inside_a_component(capture: Capture) -> None:
    """Components own their children: nothing but the providers hangs off the stack itself."""
    for resource in capture.custom_resources():
        assert resource.parent != capture.stack_urn, f"{resource.urn} is not parented to a component"


def test_default_providers_are_disabled_for_aws() -> None:
    """A missed provider must be an error, not a resource in whatever region the environment names."""
    project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    assert project["config"]["pulumi:disable-default-providers"]["value"] == ["aws"]


def test_every_provider_carries_the_required_tags(capture: Capture) -> None:
    """Seed failures: "Missing resource tagging on some resources" and "No cost allocation tags": every taggable
    resource gets the tag set through its provider's default tags, CostCenter included."""
    for provider in capture.providers():
        tags = json.loads(provider.inputs["defaultTags"])["tags"]
        assert set(REQUIRED_TAGS) <= set(tags), provider.name
        assert tags["CostCenter"] == "cc-0000"
        assert tags["ManagedBy"] == "Pulumi"
        assert tags["Stack"] == "dev"
    used = {r.provider_urn for r in capture.custom_resources()}
    assert used == {p.urn for p in capture.providers()}


def test_component_types_per_region(capture: Capture) -> None:
    regions = len(stack_regions(capture))
    counts = capture.type_counts()
    assert counts["delivery:storage:Storage"] == regions
    # A one-region stack adds its audit copy's bucket.
    assert counts["delivery:storage:SecureBucket"] == 3 * regions + (1 if regions == 1 else 0)
    assert counts["delivery:function:DeliveryFunction"] == regions
    assert counts["delivery:iam:ServiceRole"] >= regions
    assert counts["delivery:secrets:ApplicationSecret"] == regions
    assert counts["delivery:rotation:SecretRotation"] == regions
    assert counts["delivery:monitoring:Monitoring"] == regions
    assert counts["delivery:monitoring:Dashboard"] == regions


def test_outputs_name_everything_an_operator_needs_per_region(capture: Capture) -> None:
    regions = capture.outputs["regions"]
    assert capture.outputs["primary_region"] in regions
    for region, outputs in regions.items():
        assert outputs["region"] == region
        for key in (
            "kms_key_arn",
            "artifacts_bucket_name",
            "audit_bucket_name",
            "logs_bucket_name",
            "alert_topic_arn",
            "dashboard_name",
        ):
            assert key in outputs, key
        function = outputs["functions"]["pipeline"]
        assert set(function) == {
            "function_name",
            "function_arn",
            "dlq_url",
            "log_group_name",
            "secret_arn",
            "alarm_names",
            "rotation_function_name",
            "rotation_log_group_name",
        }


def _names_under_keys_ending_with(outputs: object, suffix: str) -> set[str]:
    """String outputs whose key ends with `suffix`, and list entries under `suffix` + "s", at any depth."""
    found: set[str] = set()
    if isinstance(outputs, dict):
        for key, value in outputs.items():
            if key.endswith(suffix) and isinstance(value, str):
                found.add(value)
            elif key.endswith(suffix + "s") and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
            else:
                found |= _names_under_keys_ending_with(value, suffix)
    elif isinstance(outputs, list):
        for value in outputs:
            found |= _names_under_keys_ending_with(value, suffix)
    return found


def test_every_log_group_of_a_region_is_named_in_its_outputs(up_three: Capture) -> None:
    """The integration suite's posture check reads every `*log_group_name(s)` output of a region: a log group the
    outputs leave out would escape its retention and encryption check."""
    for region, outputs in up_three.outputs["regions"].items():
        groups = [g for g in up_three.of_type("aws:cloudwatch/logGroup:LogGroup") if up_three.region_of(g) == region]
        registered = {group.inputs["name"] for group in groups}
        assert len(registered) == len(groups) >= 5
        assert _names_under_keys_ending_with(outputs, "log_group_name") == registered, region


def test_outputs_are_real_values_under_up(up_three: Capture) -> None:
    outputs = up_three.outputs["regions"]["ap-southeast-2"]
    function = outputs["functions"]["pipeline"]
    assert outputs["kms_key_arn"].startswith("arn:aws:kms:ap-southeast-2:123456789012:key/")
    assert outputs["audit_bucket_name"] == "serverless-delivery-audit-apse2-dev-main"
    assert function["function_arn"] == (
        "arn:aws:lambda:ap-southeast-2:123456789012:function:serverless-delivery-pipeline-apse2-dev-main"
    )
    assert function["dlq_url"].startswith("https://sqs.ap-southeast-2.amazonaws.com/123456789012/")
    assert function["log_group_name"] == "/aws/lambda/serverless-delivery-pipeline-apse2-dev-main"
    assert function["secret_arn"].startswith("arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:")
    assert len(function["alarm_names"]) == 3


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def test_no_input_anywhere_holds_a_stringified_output(capture: Capture) -> None:
    """Seed failures: "Policy JSON / Pulumi Output misuse (invalid serialization)", "CloudWatch dashboard body uses
    incorrect Output handling", "Lambda environment variables include Output objects": no input of any resource
    carries the text of an Output that was formatted before it resolved."""
    for resource in capture.resources:
        for text in _strings(resource.inputs):
            assert "Output[" not in text, (resource.urn, text[:200])
            assert "pulumi.output" not in text, (resource.urn, text[:200])


def test_dev_stack_deploys_both_configured_regions(dev_up: Capture) -> None:
    assert sorted(dev_up.outputs["regions"]) == ["us-east-1", "us-west-2"]
    assert dev_up.outputs["primary_region"] == "us-east-1"


def test_logical_names_are_unique_across_regions(three_regions: Capture) -> None:
    """Seed failure: "Lambda function name conflicts with resource name": names differ per region."""
    names = [r.urn for r in three_regions.resources]
    assert len(names) == len(set(names))
    physical = [r.inputs["name"] for r in three_regions.of_type("aws:lambda/function:Function")]
    # The API function and its secret's rotation function in each of the three regions.
    assert len(set(physical)) == len(physical) == 6


class _CountingMocks(AwsLikeMocks):
    """The preflight mocks, counting every resource the program tries to register (providers included)."""

    def __init__(self) -> None:
        super().__init__(preview=True)
        self.registered: list[str] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args.name)
        return super().new_resource(args)


BAD_CONFIG = [
    pytest.param({"regions": json.dumps(["us-east-1", "mars-north-1"])}, "`regions` = 'mars-north-1'", id="region"),
    pytest.param({"regions": "[]"}, "`regions`", id="no-region"),
    pytest.param({"regions": json.dumps(["us-east-1", "us-east-1"])}, "duplicate: us-east-1", id="dup-region"),
    pytest.param({"logRetentionDays": "10"}, "`logRetentionDays` = '10'", id="retention"),
    pytest.param({"costCenter": ""}, "`costCenter`", id="cost-center"),
    pytest.param({"vpcCidrs": json.dumps({"us-east-1": "10.0.0.300/16"})}, "`vpcCidrs.us-east-1`", id="bad-cidr"),
    pytest.param(
        {
            "regions": json.dumps(["us-east-1", "eu-west-1"]),
            "vpcCidrs": json.dumps({"us-east-1": "10.20.0.0/16", "eu-west-1": "10.20.128.0/17"}),
        },
        "does not overlap us-east-1",
        id="overlap-cidr",
    ),
    pytest.param({"allowedOrigins": "[]"}, "`allowedOrigins`", id="no-origin"),
    pytest.param({"lambdaMemoryMb": "64"}, "`lambdaMemoryMb`", id="memory"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_CONFIG)
def test_bad_config_stops_the_program_before_any_resource(
    project: ProjectSpec, program_environment: Path, overrides: dict[str, str], message: str
) -> None:
    """Each bad input fails the run with the key, the value and what is allowed; nothing was registered."""
    extra = {f"{PROJECT}:vpcCidrs": "{}", **{f"{PROJECT}:{k}": v for k, v in overrides.items()}}
    mocks = _CountingMocks()
    with pytest.raises(ProgramError, match="ConfigError") as error:
        run_program(project, preview=True, mock_impl=mocks, extra_config=extra)
    assert message in str(error.value)
    assert mocks.registered == []


def test_missing_cost_center_key_is_an_error(tmp_path: Path, program_environment: Path) -> None:
    """Seed failure: "No cost allocation tags": the cost center is required, with no default to fall back on."""
    from preflight import load_project

    stack = yaml.safe_load((REPO_ROOT / "Pulumi.dev.yaml").read_text())
    del stack["config"][f"{PROJECT}:costCenter"]
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    (tmp_path / "Pulumi.yaml").write_text(
        (REPO_ROOT / "Pulumi.yaml")
        .read_text()
        .replace("main: infrastructure/", f"main: {REPO_ROOT / 'infrastructure'}")
    )
    mocks = _CountingMocks()
    with pytest.raises(ProgramError, match=r"invalid stack config `costCenter` = None: a non-empty string"):
        run_program(load_project(tmp_path, "dev"), preview=True, mock_impl=mocks)
    assert mocks.registered == []


def test_missing_function_build_stops_the_program_before_any_resource(
    project: ProjectSpec, program_environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seed failure: "Lambda deployment uses local FileArchive without CI/CD artifact integration": the program
    deploys the vendored build output and never packages on its own; without a build it says how to make one."""
    monkeypatch.setenv("DELIVERY_BUILD_DIR", str(tmp_path / "empty"))
    mocks = _CountingMocks()
    with pytest.raises(ProgramError, match=r"run `python infrastructure/build_functions.py`"):
        run_program(project, preview=True, mock_impl=mocks)
    assert mocks.registered == []


def test_environment_override_narrows_the_regions(
    project: ProjectSpec, program_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DELIVERY_REGIONS (documented override) wins over the stack file."""
    monkeypatch.setenv("DELIVERY_REGIONS", "us-west-2")
    monkeypatch.setenv("DELIVERY_AUDIT_BACKUP_REGION", "us-east-2")
    capture = run_program(project, preview=True, extra_config=regions_config(["us-east-1", "us-west-2"]))
    assert sorted(p.inputs["region"] for p in capture.providers()) == ["us-east-2", "us-west-2"]
    assert list(capture.outputs["regions"]) == ["us-west-2"]
