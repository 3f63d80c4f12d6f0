"""The function component: code from the build, runtime, tracing, DLQ, event-invoke config, log group, role."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from delivery_stack.components.function import VPC_ACCESS_ACTIONS
from delivery_stack.config import FunctionSettings
from delivery_stack.packaging import LAMBDA_RUNTIME
from preflight import UNKNOWN, Capture, Registration, load_project, run_program
from unit_tests.infrastructure.support import (
    CaptureFactory,
    children_of,
    delivery_functions,
    function_role_policies,
    parent_component,
    policy_json,
    resources_of,
)

FUNCTION = "aws:lambda/function:Function"
EXPECTED_VARIABLES = {
    "AUDIT_BUCKET",
    "DLQ_URL",
    "SECRET_ARN",
    "ALLOWED_ORIGINS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "LOG_LEVEL",
}


def _sibling(capture: Capture, function: Registration, type_token: str) -> Registration:
    component = parent_component(capture, function, "delivery:function:DeliveryFunction")
    (found,) = children_of(capture, component, type_token)
    return found


def _role_policy(capture: Capture, function: Registration) -> dict:
    (policy,) = [p for f, p in function_role_policies(capture) if f.urn == function.urn]
    return {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}


def test_one_function_per_directory_deployed_from_its_build(capture: Capture, function_build_root: Path) -> None:
    """Seed failure: "Lambda deployment uses local FileArchive without CI/CD artifact integration": the code is the
    vendored build output of functions/<name>/, not a source directory zipped as is."""
    for function in delivery_functions(capture):
        code = function.inputs["code"]
        assert code["path"] == str(function_build_root / "pipeline")
        assert (Path(code["path"]) / "handler.py").is_file()
        assert function.inputs["handler"] == "handler.handler"


def test_runtime_architecture_and_tracing(capture: Capture) -> None:
    """Seed failure: "X-Ray tracing not enabled on Lambda functions"."""
    for function in delivery_functions(capture):
        assert function.inputs["runtime"] == LAMBDA_RUNTIME == "python3.12"
        assert function.inputs["architectures"] == ["x86_64"]
        assert function.inputs["tracingConfig"] == {"mode": "Active"}


def test_no_layers_and_no_reserved_concurrency_by_default(capture: Capture) -> None:
    """Seed failures: "Lambda Insights layer ARN is hardcoded and region-specific", "Lambda layer creation method is
    not implemented", "Lambda reserved concurrency set too low"."""
    for function in delivery_functions(capture):
        assert "layers" not in function.inputs
        assert "reservedConcurrentExecutions" not in function.inputs
        assert function.inputs["memorySize"] == 256
        assert function.inputs["timeout"] == 15


def test_memory_timeout_and_reserved_concurrency_come_from_config(tuned: Capture) -> None:
    """Seed failure: "Lambda reserved concurrency set too low": only set when configured, to the configured value."""
    for function in delivery_functions(tuned):
        assert function.inputs["memorySize"] == 512
        assert function.inputs["timeout"] == 20
        assert function.inputs["reservedConcurrentExecutions"] == 250


def test_function_names_carry_project_region_environment_and_suffix(three_regions: Capture) -> None:
    """Seed failure: "Lambda function name conflicts with resource name"."""
    names = sorted(f.inputs["name"] for f in delivery_functions(three_regions))
    assert names == [
        "serverless-delivery-pipeline-apse2-dev-main",
        "serverless-delivery-pipeline-euw1-dev-main",
        "serverless-delivery-pipeline-use1-dev-main",
    ]


def test_log_group_is_created_first_with_standard_retention_and_the_key(up_three: Capture) -> None:
    """Seed failure: "CloudWatch log retention inconsistent with requirements": the function's log group is created
    by the stack, before the function, with the one configured retention and the region key."""
    keys = {up_three.region_of(k): k.outputs["arn"] for k in resources_of(up_three, "aws:kms/key:Key")}
    for function in delivery_functions(up_three):
        log_group = _sibling(up_three, function, "aws:cloudwatch/logGroup:LogGroup")
        assert log_group.inputs["name"] == f"/aws/lambda/{function.inputs['name']}"
        assert log_group.inputs["retentionInDays"] == 7
        assert log_group.inputs["kmsKeyId"] == keys[up_three.region_of(function)]
        assert log_group.urn in function.dependencies


def test_log_retention_follows_config(tuned: Capture) -> None:
    """Seed failure: "CloudWatch log retention inconsistent with requirements": one configured value everywhere."""
    retentions = {g.inputs["retentionInDays"] for g in resources_of(tuned, "aws:cloudwatch/logGroup:LogGroup")}
    assert retentions == {30}


def test_environment_is_built_from_resolved_values_only(up_three: Capture) -> None:
    """Seed failure: "Lambda environment variables include Output objects": every variable is a plain string."""
    for function in delivery_functions(up_three):
        variables = function.inputs["environment"]["variables"]
        assert set(variables) == EXPECTED_VARIABLES
        dlq = _sibling(up_three, function, "aws:sqs/queue:Queue")
        assert variables["DLQ_URL"] == dlq.outputs["url"]
        assert variables["AUDIT_BUCKET"].startswith("serverless-delivery-audit-")
        assert variables["SECRET_ARN"].startswith(f"arn:aws:secretsmanager:{up_three.region_of(function)}:")
        assert variables["ALLOWED_ORIGINS"] == "https://delivery.example.com"
        assert variables["POWERTOOLS_SERVICE_NAME"] == "pipeline"
        assert variables["LOG_LEVEL"] == "INFO"
        assert all(isinstance(value, str) for value in variables.values())


def test_environment_is_unknown_as_a_whole_in_preview(preview_three: Capture) -> None:
    for function in delivery_functions(preview_three):
        assert function.inputs["environment"]["variables"] == UNKNOWN


def test_environment_variables_are_encrypted_with_the_region_key(up_three: Capture) -> None:
    keys = {up_three.region_of(k): k.outputs["arn"] for k in resources_of(up_three, "aws:kms/key:Key")}
    for function in delivery_functions(up_three):
        assert function.inputs["kmsKeyArn"] == keys[up_three.region_of(function)]


def test_dead_letter_queue_is_kms_encrypted_and_the_on_failure_destination(up_three: Capture) -> None:
    keys = {up_three.region_of(k): k.outputs["arn"] for k in resources_of(up_three, "aws:kms/key:Key")}
    for function in delivery_functions(up_three):
        dlq = _sibling(up_three, function, "aws:sqs/queue:Queue")
        assert dlq.inputs["kmsMasterKeyId"] == keys[up_three.region_of(function)]
        assert "sqsManagedSseEnabled" not in dlq.inputs
        assert dlq.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
        invoke_config = _sibling(up_three, function, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
        assert invoke_config.inputs["functionName"] == function.inputs["name"]
        assert invoke_config.inputs["maximumRetryAttempts"] == 2
        assert invoke_config.inputs["maximumEventAgeInSeconds"] == 3600
        assert invoke_config.inputs["destinationConfig"] == {"onFailure": {"destination": dlq.outputs["arn"]}}


def test_role_grants_exactly_what_the_function_does(up_three: Capture) -> None:
    """Seed failures: "Dead letter queue permissions not granted to Lambda" (sqs:SendMessage on exactly its queue)
    and "IAM least-privilege violated / wildcard ARNs"."""
    for function in delivery_functions(up_three):
        region = up_three.region_of(function)
        statements = _role_policy(up_three, function)
        log_group = _sibling(up_three, function, "aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
        dlq = _sibling(up_three, function, "aws:sqs/queue:Queue").outputs["arn"]
        audit = f"arn:aws:s3:::{function.inputs['environment']['variables']['AUDIT_BUCKET']}"
        key = next(
            k.outputs["arn"] for k in resources_of(up_three, "aws:kms/key:Key") if up_three.region_of(k) == region
        )
        secret = function.inputs["environment"]["variables"]["SECRET_ARN"]
        assert {sid: (s["Action"], s["Resource"]) for sid, s in statements.items()} == {
            "WriteOwnLogGroup": (["logs:CreateLogStream", "logs:PutLogEvents"], [log_group, f"{log_group}:*"]),
            "WriteAuditRecords": (["s3:PutObject"], [f"{audit}/events/*"]),
            "CheckAuditBucket": (["s3:ListBucket"], [audit]),
            "UseRegionKey": (["kms:Decrypt", "kms:GenerateDataKey"], [key]),
            "ReadOwnSecret": (["secretsmanager:GetSecretValue"], [secret]),
            "SendToOwnDeadLetterQueue": (["sqs:SendMessage"], [dlq]),
            "WriteTraces": (["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
            "ManageVpcNetworkInterfaces": (list(VPC_ACCESS_ACTIONS), ["*"]),
        }


def test_function_waits_for_its_role_policy(capture: Capture) -> None:
    for function, policy in function_role_policies(capture):
        assert policy.urn in function.dependencies


STANDALONE_PROGRAM = """
import pulumi
from delivery_stack.components.function import DeliveryFunction, DeliveryFunctionArgs
from delivery_stack.components.secrets import ApplicationSecret, ApplicationSecretArgs
from delivery_stack.components.storage import Storage, StorageArgs
from delivery_stack.config import load_config
from delivery_stack.packaging import deployable_functions
from delivery_stack.stack import region_context

config = load_config()
ctx = region_context(config, config.primary_region, pulumi.get_stack())
storage = Storage(ctx.logical("storage"), StorageArgs(context=ctx, alert_publishers=()))
secret = ApplicationSecret(
    ctx.logical("secret"),
    ApplicationSecretArgs(context=ctx, secret_name=ctx.name("secret", "secret"), key=storage.key, description="x"),
)
DeliveryFunction(
    ctx.logical("pipeline"),
    DeliveryFunctionArgs(
        context=ctx,
        package=deployable_functions()[0],
        key=storage.key,
        audit_bucket=storage.audit_bucket,
        secret=secret.secret,
        settings=config.function,
        allowed_origins=config.allowed_origins,
        metrics_namespace=config.project,
        log_retention_days=config.log_retention_days,
    ),
)
"""


@pytest.fixture(scope="module")
def standalone_capture(tmp_path_factory: pytest.TempPathFactory, program_environment: Path) -> Capture:
    """A program using the function component on its own, outside any VPC, with no alert topic publishers."""
    from unit_tests.infrastructure.support import REPO_ROOT

    root = tmp_path_factory.mktemp("standalone-program")
    (root / "program").mkdir()
    (root / "program" / "__main__.py").write_text(textwrap.dedent(STANDALONE_PROGRAM))
    (root / "Pulumi.yaml").write_text("name: serverless-delivery\nruntime: python\nmain: program/\n")
    (root / "Pulumi.dev.yaml").write_text((REPO_ROOT / "Pulumi.dev.yaml").read_text())
    return run_program(load_project(root, "dev"), preview=False)


def test_functions_in_the_vpc_get_vpc_config_and_allow_listed_eni_permissions(up_three: Capture) -> None:
    """Seed failure: "VPC configuration may cause cold start issues": the network component attaches the function
    to its private subnets; the ENI actions are allow-listed `*` exceptions, granted only to VPC functions."""
    for function in delivery_functions(up_three):
        vpc_config = function.inputs["vpcConfig"]
        assert len(vpc_config["subnetIds"]) >= 2
        assert all(subnet.startswith("subnet-") for subnet in vpc_config["subnetIds"])
        assert [sg[:3] for sg in vpc_config["securityGroupIds"]] == ["sg-"]
        statement = _role_policy(up_three, function)["ManageVpcNetworkInterfaces"]
        assert statement["Resource"] == ["*"]
        assert statement["Action"] == list(VPC_ACCESS_ACTIONS)


def test_functions_outside_a_vpc_get_no_eni_permissions(standalone_capture: Capture) -> None:
    (function,) = standalone_capture.of_type(FUNCTION)
    assert "vpcConfig" not in function.inputs
    statements = _role_policy(standalone_capture, function)
    assert "ManageVpcNetworkInterfaces" not in statements
    assert statements["WriteTraces"]["Resource"] == ["*"]


def test_subnets_without_security_groups_are_refused_before_anything_registers(tmp_path: Path) -> None:
    from delivery_stack.components.function import DeliveryFunction, DeliveryFunctionArgs
    from delivery_stack.packaging import FunctionPackage

    args = DeliveryFunctionArgs(
        context=None,  # type: ignore[arg-type]
        package=FunctionPackage("pipeline", tmp_path, tmp_path),
        key=None,  # type: ignore[arg-type]
        audit_bucket=None,  # type: ignore[arg-type]
        secret=None,  # type: ignore[arg-type]
        settings=FunctionSettings(),
        allowed_origins=(),
        metrics_namespace="serverless-delivery",
        log_retention_days=7,
        subnet_ids=["subnet-0a"],
    )
    with pytest.raises(ValueError, match="subnet_ids and security_group_ids attach a function to a VPC together"):
        DeliveryFunction("pipeline-use1", args)


def test_without_alert_publishers_the_key_admits_no_service_publisher(standalone_capture: Capture) -> None:
    (key,) = standalone_capture.of_type("aws:kms/key:Key")
    sids = [statement["Sid"] for statement in policy_json(key.inputs["policy"])["Statement"]]
    assert "AlertPublishersUseEncryptedTopic" not in sids
    assert "CloudWatchLogsEncryptsAccountLogGroups" in sids


def test_the_function_alone_takes_its_settings_from_its_args(build_alone: CaptureFactory) -> None:
    """Memory, timeout, concurrency, origins, metrics namespace and retention: none of them from the stack file."""
    capture = build_alone(
        """
        from delivery_stack.components.function import DeliveryFunction, DeliveryFunctionArgs
        from delivery_stack.packaging import deployable_functions

        secret = aws.secretsmanager.Secret("stand-in-secret", opts=in_region)
        DeliveryFunction(
            "function-alone",
            DeliveryFunctionArgs(
                context=ctx,
                package=deployable_functions()[0],
                key=key,
                audit_bucket=bucket,
                secret=secret,
                settings=FunctionSettings(memory_mb=640, timeout_seconds=21, reserved_concurrency=33),
                allowed_origins=("https://a.example", "https://b.example"),
                metrics_namespace="alone-metrics",
                log_retention_days=60,
            ),
        )
        """
    )
    (function,) = capture.of_type(FUNCTION)
    assert (function.inputs["memorySize"], function.inputs["timeout"]) == (640, 21)
    assert function.inputs["reservedConcurrentExecutions"] == 33
    variables = function.inputs["environment"]["variables"]
    assert variables["ALLOWED_ORIGINS"] == "https://a.example,https://b.example"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "alone-metrics"
    (log_group,) = capture.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs["retentionInDays"] == 60
