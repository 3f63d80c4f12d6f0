"""The local target's deploy: a program deployed into a real moto server, checked by reading back what moto holds."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pulumi
import pytest

from integration_tests.local_target.archive import code_archive
from integration_tests.local_target.clients import Credentials
from integration_tests.local_target.creation import unwrap_secrets
from integration_tests.local_target.creators import MATERIALISED_TYPES
from integration_tests.local_target.deploy import deploy
from integration_tests.local_target.records import DeployError, Deployment
from integration_tests.local_target.s3 import policy_for_moto
from preflight import SECRET_SIG, load_project

PROGRAM = Path(__file__).parent / "programs" / "deploy_into_moto"
REGION = "us-west-2"


def write_program(root: Path, source: str, name: str) -> Path:
    """A project directory: Pulumi.yaml (main: program/), program/__main__.py and an empty Pulumi.dev.yaml."""
    (root / "program").mkdir(parents=True)
    (root / "program" / "__main__.py").write_text(source)
    (root / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\nmain: program/\n")
    (root / "Pulumi.dev.yaml").write_text("config: {}\n")
    return root


@pytest.fixture(scope="module")
def deployment(moto_endpoint: str) -> Deployment:
    return deploy(load_project(PROGRAM, "dev"), moto_endpoint)


@pytest.fixture(scope="module")
def aws(moto_endpoint: str) -> Any:
    session = Credentials("read-back", "read-back").session(REGION)
    return lambda service: session.client(service, endpoint_url=moto_endpoint)


def test_every_type_on_the_request_path_is_materialised_and_nothing_else(deployment: Deployment) -> None:
    created = deployment.materialised_types()

    assert set(created) <= MATERIALISED_TYPES
    assert created["aws:s3/bucket:Bucket"] == 2
    assert created["aws:lambda/function:Function"] == 2
    assert created["aws:apigateway/integration:Integration"] == 2
    assert deployment.not_materialised == {"aws:cloudwatch/metricAlarm:MetricAlarm": 1}
    assert {r.region for r in deployment.materialised} == {REGION}


def test_outputs_are_moto_ids_so_later_resources_are_wired_to_them(deployment: Deployment, aws: Any) -> None:
    outputs = deployment.outputs
    key = aws("kms").describe_key(KeyId=outputs["key_arn"])["KeyMetadata"]
    api_ids = [api["id"] for api in aws("apigateway").get_rest_apis()["items"]]
    function = aws("lambda").get_function_configuration(FunctionName="deploy-test-function")

    assert key["Arn"] == outputs["key_arn"]
    assert api_ids == [outputs["api_id"]]
    assert function["Role"] == outputs["role_arn"]
    assert function["Environment"]["Variables"] == {
        "AUDIT_BUCKET": "deploy-test-audit",
        "DLQ_URL": outputs["dlq_url"],
        "SECRET_ARN": outputs["secret_arn"],
    }
    assert outputs["invoke_arn"].endswith(f"/functions/{function['FunctionArn']}/invocations")
    assert outputs["invoke_url"] == f"https://{outputs['api_id']}.execute-api.{REGION}.amazonaws.com/v1"


def test_kms_key_rotates_and_its_alias_targets_it(deployment: Deployment, aws: Any) -> None:
    kms = aws("kms")
    key_id = deployment.outputs["key_arn"].rsplit("/", 1)[1]

    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/deploy-test"] == key_id


def test_bucket_settings_are_applied_in_the_provider_region_with_its_default_tags(
    deployment: Deployment, aws: Any
) -> None:
    s3 = aws("s3")
    bucket = "deploy-test-audit"

    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == REGION
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": deployment.outputs["key_arn"],
    }
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    controls = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert controls == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags == {"Project": "deploy-test", "Kind": "audit"}


def test_legacy_inline_bucket_arguments_are_applied(deployment: Deployment, aws: Any) -> None:
    s3 = aws("s3")
    rule = s3.get_bucket_encryption(Bucket="deploy-test-legacy")["ServerSideEncryptionConfiguration"]["Rules"][0]

    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_versioning(Bucket="deploy-test-legacy")["Status"] == "Enabled"


def test_bucket_policy_is_stored_as_aws_would_evaluate_it_for_tls_requests(deployment: Deployment, aws: Any) -> None:
    stored = json.loads(aws("s3").get_bucket_policy(Bucket="deploy-test-audit")["Policy"])
    statements = {s["Sid"]: s for s in stored["Statement"]}

    assert set(statements) == {"DenyUnlessTls", "DenyBucketPolicyChanges"}
    assert "Condition" not in statements["DenyUnlessTls"]
    notes = "\n".join(deployment.adjustments)
    assert "DenyInsecureTransport never applies to TLS requests" in notes
    assert "DenyUnlessTls always applies to TLS requests" in notes
    assert "DenyOtherAccounts has a condition moto cannot evaluate" in notes
    assert "StringNotEquals" in notes


def test_objects_written_to_the_bucket_get_the_stack_key(deployment: Deployment, aws: Any) -> None:
    s3 = aws("s3")
    s3.put_object(Bucket="deploy-test-audit", Key="events/probe.json", Body=b"{}")

    head = s3.head_object(Bucket="deploy-test-audit", Key="events/probe.json")

    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == deployment.outputs["key_arn"]


def test_queue_topic_and_subscription(deployment: Deployment, aws: Any) -> None:
    sqs, sns = aws("sqs"), aws("sns")
    attributes = sqs.get_queue_attributes(QueueUrl=deployment.outputs["dlq_url"], AttributeNames=["All"])["Attributes"]

    assert attributes["KmsMasterKeyId"] == deployment.outputs["key_arn"]
    assert attributes["MessageRetentionPeriod"] == "1209600"
    assert json.loads(attributes["Policy"])["Statement"][0]["Principal"] == {"Service": "sns.amazonaws.com"}
    (topic,) = sns.list_topics()["Topics"]
    topic_attributes = sns.get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"]
    assert topic_attributes["DisplayName"] == "Deploy test alerts"
    assert json.loads(topic_attributes["Policy"])["Statement"][0]["Action"] == "sns:Publish"
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic["TopicArn"])["Subscriptions"]
    assert subscription["Endpoint"] == attributes["QueueArn"]


def test_role_with_inline_attached_and_managed_policies(deployment: Deployment, aws: Any) -> None:
    iam = aws("iam")
    role = iam.get_role(RoleName="deploy-test-function")["Role"]

    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert sorted(iam.list_role_policies(RoleName="deploy-test-function")["PolicyNames"]) == [
        "function-policy",
        "inline-logs",
    ]
    attached = {
        p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="deploy-test-function")["AttachedPolicies"]
    }
    assert "AWSLambdaBasicExecutionRole" in attached
    assert any(name.startswith("read-secret") for name in attached)
    (managed,) = iam.list_policies(Scope="Local", PathPrefix="/deploy-test/")["Policies"]
    version = iam.get_policy_version(PolicyArn=managed["Arn"], VersionId=managed["DefaultVersionId"])
    assert version["PolicyVersion"]["Document"]["Statement"][0]["Resource"] == deployment.outputs["secret_arn"]


def test_secret_holds_a_value_secrets_manager_generated(deployment: Deployment, aws: Any) -> None:
    secrets = aws("secretsmanager")
    value = secrets.get_secret_value(SecretId=deployment.outputs["secret_arn"])["SecretString"]
    described = secrets.describe_secret(SecretId=deployment.outputs["secret_arn"])

    assert len(value) == 32
    assert value.isalnum()
    assert described["KmsKeyId"] == deployment.outputs["key_arn"]
    policy = json.loads(secrets.get_resource_policy(SecretId=deployment.outputs["secret_arn"])["ResourcePolicy"])
    assert policy["Statement"][0]["Action"] == "secretsmanager:DeleteSecret"


def test_function_configuration_and_code(deployment: Deployment, aws: Any) -> None:
    lambda_client = aws("lambda")
    configuration = lambda_client.get_function_configuration(FunctionName="deploy-test-function")
    code = next(f for f in deployment.functions if f.function_name == "deploy-test-function")

    assert configuration["TracingConfig"] == {"Mode": "Active"}
    assert configuration["MemorySize"] == 256
    assert configuration["Timeout"] == 10
    assert configuration["KMSKeyArn"] == deployment.outputs["key_arn"]
    concurrency = lambda_client.get_function_concurrency(FunctionName="deploy-test-function")
    assert concurrency["ReservedConcurrentExecutions"] == 5
    assert code.code_path == PROGRAM / "function"
    assert code.handler == "handler.handler"
    assert code.region == REGION
    policy = json.loads(lambda_client.get_policy(FunctionName="deploy-test-function")["Policy"])
    condition = policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert condition.endswith(f":{deployment.outputs['api_id']}/v1/POST/pipeline")


def test_asset_archive_code_records_no_source_directory(deployment: Deployment) -> None:
    code = next(f for f in deployment.functions if f.function_name == "deploy-test-assets")

    assert code.code_path is None
    assert code.handler == "main.handler"


def test_log_groups_keep_retention_and_key(deployment: Deployment, aws: Any) -> None:
    groups = {g["logGroupName"]: g for g in aws("logs").describe_log_groups()["logGroups"]}

    function_logs = groups["/aws/lambda/deploy-test-function"]
    assert function_logs["retentionInDays"] == 14
    assert function_logs["kmsKeyId"] == deployment.outputs["key_arn"]
    assert deployment.outputs["access_log_arn"].startswith(f"arn:aws:logs:{REGION}:123456789012:log-group:access-logs")


def test_api_routes_integrations_stage_and_usage_plan(deployment: Deployment, aws: Any) -> None:
    apigateway = aws("apigateway")
    api_id = deployment.outputs["api_id"]
    resources = {r["path"]: r for r in apigateway.get_resources(restApiId=api_id, embed=["methods"])["items"]}
    methods = resources["/pipeline"]["resourceMethods"]

    assert apigateway.get_rest_api(restApiId=api_id)["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert methods["POST"]["apiKeyRequired"] is True
    assert methods["POST"]["methodIntegration"]["uri"] == deployment.outputs["invoke_arn"]
    options = methods["OPTIONS"]["methodIntegration"]
    assert options["type"] == "MOCK"
    assert options["integrationResponses"]["204"]["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'"
    }
    gateway = apigateway.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")
    assert gateway["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == (
        "'https://app.example.com'"
    )
    stage = apigateway.get_stage(restApiId=api_id, stageName="v1")
    assert stage["tracingEnabled"] is True
    assert stage["variables"] == {"mode": "test"}
    assert stage["accessLogSettings"]["destinationArn"] == deployment.outputs["access_log_arn"]
    plan = apigateway.get_usage_plan(usagePlanId=deployment.outputs["plan_id"])
    assert plan["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    assert plan["quota"] == {"limit": 1000, "offset": 0, "period": "DAY"}
    assert plan["apiStages"][0]["throttle"] == {"/pipeline/POST": {"burstLimit": 5, "rateLimit": 2.0}}
    keys = apigateway.get_usage_plan_keys(usagePlanId=deployment.outputs["plan_id"])["items"]
    assert [k["id"] for k in keys] == [deployment.outputs["api_key_id"]]
    assert apigateway.get_api_key(apiKey=deployment.outputs["api_key_id"])["enabled"] is True


REFUSED_PROGRAM = """
import pulumi
import pulumi_aws as aws

provider = aws.Provider("aws-use1", region="us-east-1")
aws.sqs.Queue("fine", opts=pulumi.ResourceOptions(provider=provider))
aws.lambda_.Function(
    "orphan",
    role="arn:aws:iam::123456789012:role/never-created",
    runtime="python3.12",
    handler="handler.handler",
    opts=pulumi.ResourceOptions(provider=provider),
)
"""


def test_a_type_moto_refuses_is_an_error_naming_the_resource(
    moto_endpoint: str, tmp_path: Path, deployment: Deployment
) -> None:
    root = write_program(tmp_path / "refused", source=REFUSED_PROGRAM, name="refused")

    with pytest.raises(DeployError, match=r"aws:lambda/function:Function `orphan` \(us-east-1\) could not be created"):
        deploy(load_project(root, "dev"), moto_endpoint)


def test_policy_conditions_on_other_operators_or_malformed_entries_are_not_evaluated() -> None:
    document = json.dumps(
        {
            "Statement": {
                "Sid": "Single",
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": "not-a-mapping"},
            }
        }
    )

    stored, notes = policy_for_moto(document, "bucket policy x")

    assert json.loads(stored)["Statement"] == []
    assert notes == [
        'bucket policy x: statement Single has a condition moto cannot evaluate ({"Bool": "not-a-mapping"}): '
        "not enforced"
    ]


def test_code_archive_of_a_zip_file_keeps_its_entries(tmp_path: Path) -> None:
    source = tmp_path / "built.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("handler.py", "def handler(e, c):\n    return e\n")

    packaged, code_path = code_archive(pulumi.FileArchive(str(source)), tmp_path, "handler")

    assert zipfile.ZipFile(io.BytesIO(packaged)).namelist() == ["handler.py"]
    assert code_path == source


def test_code_archive_without_anything_on_disk_is_a_minimal_zip(tmp_path: Path) -> None:
    packaged, code_path = code_archive(pulumi.FileArchive("missing"), tmp_path, "app")

    assert zipfile.ZipFile(io.BytesIO(packaged)).namelist() == ["app.py"]
    assert code_path is None


def test_code_archive_of_a_directory_skips_caches(tmp_path: Path) -> None:
    (tmp_path / "src" / "__pycache__").mkdir(parents=True)
    (tmp_path / "src" / "handler.py").write_text("x = 1\n")
    (tmp_path / "src" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")

    packaged, code_path = code_archive(pulumi.FileArchive("src"), tmp_path, "handler")

    assert zipfile.ZipFile(io.BytesIO(packaged)).namelist() == ["handler.py"]
    assert code_path == (tmp_path / "src").resolve()


def test_unwrap_secrets_reaches_nested_envelopes() -> None:
    wrapped = {"a": [{SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "value": {"b": "plain"}}], "c": 1}

    assert unwrap_secrets(wrapped) == {"a": [{"b": "plain"}], "c": 1}
