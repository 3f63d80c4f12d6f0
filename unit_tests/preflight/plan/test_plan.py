"""The Terraform plan export: type tokens, attribute shapes, references, addresses, the CLI. Needs no Checkov."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from preflight import SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN, Capture, load_project, run_program
from preflight.cli import main
from preflight.plan.attributes import ARCHIVE_SIG, ASSET_SIG, convert_inputs, singular
from preflight.plan.export import capture_to_plan, export_plan, unmapped_types
from preflight.plan.tf_types import snake_case, terraform_type
from unit_tests.preflight.dev_stack import REPO_ROOT, dev_stack_environment

PROGRAMS = Path(__file__).parents[1] / "programs"

# Token by token: every type the stack and these tests use, and the common AWS types Checkov has checks for.
# Expected names are Terraform's (pulumi-aws bridge-metadata.json `renames.resources`).
EXPECTED_TYPES = {
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "aws_s3_bucket_versioning",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketAcl:BucketAcl": "aws_s3_bucket_acl",
    "aws:s3/bucketNotification:BucketNotification": "aws_s3_bucket_notification",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketObject:BucketObject": "aws_s3_bucket_object",
    "aws:s3/inventory:Inventory": "aws_s3_bucket_inventory",
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": "aws_s3_account_public_access_block",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/keyPolicy:KeyPolicy": "aws_kms_key_policy",
    "aws:sqs/queue:Queue": "aws_sqs_queue",
    "aws:sqs/queuePolicy:QueuePolicy": "aws_sqs_queue_policy",
    "aws:sqs/redrivePolicy:RedrivePolicy": "aws_sqs_queue_redrive_policy",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:iam/userPolicy:UserPolicy": "aws_iam_user_policy",
    "aws:iam/groupPolicy:GroupPolicy": "aws_iam_group_policy",
    "aws:iam/user:User": "aws_iam_user",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:iam/instanceProfile:InstanceProfile": "aws_iam_instance_profile",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    "aws:lambda/alias:Alias": "aws_lambda_alias",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": "aws_lambda_function_event_invoke_config",
    "aws:lambda/eventSourceMapping:EventSourceMapping": "aws_lambda_event_source_mapping",
    "aws:lambda/functionUrl:FunctionUrl": "aws_lambda_function_url",
    "aws:lambda/layerVersion:LayerVersion": "aws_lambda_layer_version",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "aws_cloudwatch_composite_alarm",
    "aws:cloudwatch/dashboard:Dashboard": "aws_cloudwatch_dashboard",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": "aws_cloudwatch_log_subscription_filter",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "aws_cloudwatch_log_metric_filter",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    "aws:secretsmanager/secretRotation:SecretRotation": "aws_secretsmanager_secret_rotation",
    "aws:apigateway/restApi:RestApi": "aws_api_gateway_rest_api",
    "aws:apigateway/resource:Resource": "aws_api_gateway_resource",
    "aws:apigateway/method:Method": "aws_api_gateway_method",
    "aws:apigateway/integration:Integration": "aws_api_gateway_integration",
    "aws:apigateway/deployment:Deployment": "aws_api_gateway_deployment",
    "aws:apigateway/stage:Stage": "aws_api_gateway_stage",
    "aws:apigateway/methodSettings:MethodSettings": "aws_api_gateway_method_settings",
    "aws:apigateway/usagePlan:UsagePlan": "aws_api_gateway_usage_plan",
    "aws:apigateway/usagePlanKey:UsagePlanKey": "aws_api_gateway_usage_plan_key",
    "aws:apigateway/apiKey:ApiKey": "aws_api_gateway_api_key",
    "aws:apigateway/account:Account": "aws_api_gateway_account",
    "aws:apigateway/requestValidator:RequestValidator": "aws_api_gateway_request_validator",
    "aws:apigateway/response:Response": "aws_api_gateway_gateway_response",
    "aws:apigateway/domainName:DomainName": "aws_api_gateway_domain_name",
    "aws:apigatewayv2/api:Api": "aws_apigatewayv2_api",
    "aws:apigatewayv2/stage:Stage": "aws_apigatewayv2_stage",
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "aws_wafv2_web_acl_association",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "aws_wafv2_web_acl_logging_configuration",
    "aws:codebuild/project:Project": "aws_codebuild_project",
    "aws:codepipeline/pipeline:Pipeline": "aws_codepipeline",
    "aws:codepipeline/webhook:Webhook": "aws_codepipeline_webhook",
    "aws:codecommit/repository:Repository": "aws_codecommit_repository",
    "aws:codedeploy/application:Application": "aws_codedeploy_app",
    "aws:codestarconnections/connection:Connection": "aws_codestarconnections_connection",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "aws_security_group_rule",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/networkAcl:NetworkAcl": "aws_network_acl",
    "aws:ec2/managedPrefixList:ManagedPrefixList": "aws_ec2_managed_prefix_list",
    "aws:ec2/dedicatedHost:DedicatedHost": "aws_ec2_host",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "aws_ec2_transit_gateway",
    "aws:ec2transitgateway/instanceConnectEndpoint:InstanceConnectEndpoint": "aws_ec2_instance_connect_endpoint",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "aws_ec2_transit_gateway_vpc_attachment",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:ebs/volume:Volume": "aws_ebs_volume",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/cluster:Cluster": "aws_rds_cluster",
    "aws:rds/clusterInstance:ClusterInstance": "aws_rds_cluster_instance",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:rds/roleAssociation:RoleAssociation": "aws_db_instance_role_association",
    "aws:dynamodb/table:Table": "aws_dynamodb_table",
    "aws:kinesis/stream:Stream": "aws_kinesis_stream",
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": "aws_kinesis_firehose_delivery_stream",
    "aws:budgets/budget:Budget": "aws_budgets_budget",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cfg/rule:Rule": "aws_config_config_rule",
    "aws:cfg/recorder:Recorder": "aws_config_configuration_recorder",
    "aws:cloudfront/distribution:Distribution": "aws_cloudfront_distribution",
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:ecs/taskDefinition:TaskDefinition": "aws_ecs_task_definition",
    "aws:eks/cluster:Cluster": "aws_eks_cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup": "aws_elasticache_replication_group",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:alb/loadBalancer:LoadBalancer": "aws_alb",
    "aws:lb/listener:Listener": "aws_lb_listener",
    "aws:elb/loadBalancer:LoadBalancer": "aws_elb",
    "aws:sfn/stateMachine:StateMachine": "aws_sfn_state_machine",
    "aws:ssm/parameter:Parameter": "aws_ssm_parameter",
    "aws:acm/certificate:Certificate": "aws_acm_certificate",
    "aws:route53/zone:Zone": "aws_route53_zone",
    "aws:route53/record:Record": "aws_route53_record",
    "aws:guardduty/detector:Detector": "aws_guardduty_detector",
    "aws:xray/encryptionConfig:EncryptionConfig": "aws_xray_encryption_config",
    "aws:directconnect/linkAggregationGroup:LinkAggregationGroup": "aws_dx_lag",
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": "aws_ce_anomaly_monitor",
    "aws:amp/workspace:Workspace": "aws_prometheus_workspace",
    "aws:appsync/graphQLApi:GraphQLApi": "aws_appsync_graphql_api",
    "aws:glue/mLTransform:MLTransform": "aws_glue_ml_transform",
    "aws:docdb/elasticCluster:ElasticCluster": "aws_docdbelastic_cluster",
    "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint": "aws_opensearchserverless_vpc_endpoint",
    "aws:bedrock/agentAgent:AgentAgent": "aws_bedrockagent_agent",
    "aws:elasticbeanstalk/environment:Environment": "aws_elastic_beanstalk_environment",
    "aws:servicediscovery/service:Service": "aws_service_discovery_service",
}

UNMAPPED_TOKENS = [
    "pulumi:providers:aws",  # a provider is not a resource of the plan
    "random:index/randomId:RandomId",  # another package
    "delivery:components:ApiStack",  # a component
    "aws:nosuchmodule/thing:Thing",  # a module the provider does not map
    "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults",  # EC2 member without a verified Terraform name
    "aws:rds/shardGroup:ShardGroup",  # RDS member without a verified Terraform name
    "aws:resiliencehub/v2Policy:V2Policy",  # uncertain Terraform service
    "aws:s3/filesFileSystem:FilesFileSystem",
    "not a token",
]


@pytest.mark.parametrize(("token", "expected"), sorted(EXPECTED_TYPES.items()))
def test_each_known_token_maps_to_its_terraform_type(token: str, expected: str) -> None:
    assert terraform_type(token) == expected


@pytest.mark.parametrize("token", UNMAPPED_TOKENS)
def test_tokens_without_a_certain_terraform_type_are_not_guessed(token: str) -> None:
    assert terraform_type(token) is None


def _sdk_tokens() -> list[str]:
    import pulumi_aws

    source = (Path(pulumi_aws.__file__).parent / "__init__.py").read_text(encoding="utf-8")
    modules = json.loads(re.search(r'resource_modules="""(.*?)"""', source, re.S).group(1))  # type: ignore[union-attr]
    return sorted(token for module in modules for token in module["classes"])


def test_every_sdk_token_maps_to_a_well_formed_type_and_no_two_collide_except_the_s3_aliases() -> None:
    tokens = _sdk_tokens()
    assert len(tokens) > 1500
    mapped = {token: terraform_type(token) for token in tokens}
    targets: dict[str, list[str]] = {}
    for token, tf_type in mapped.items():
        if tf_type is not None:
            assert re.fullmatch(r"aws_[a-z0-9_]+", tf_type), (token, tf_type)
            targets.setdefault(tf_type, []).append(token)
    collisions = {tf_type: owners for tf_type, owners in targets.items() if len(owners) > 1}
    assert collisions
    for owners in collisions.values():
        # Only the deprecated S3 V2 aliases share a type with the current token.
        stems = {owner.removesuffix("V2").rsplit(":", 1)[0].removesuffix("V2") for owner in owners}
        assert len(stems) == 1, owners
    assert sum(tf_type is not None for tf_type in mapped.values()) / len(tokens) > 0.95


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tracingConfig", "tracing_config"),
        ("graphQLApi", "graph_ql_api"),
        ("vpcIpv4CidrBlockAssociation", "vpc_ipv4_cidr_block_association"),
        ("s3Bucket", "s3_bucket"),
        ("enableHttp2", "enable_http2"),
        ("name", "name"),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("plural", "expected"),
    [
        ("rules", "rule"),
        ("inline_policies", "inline_policy"),
        ("ingress", "ingress"),
        ("global_secondary_indexes", "global_secondary_index"),
        ("indices", "index"),
        ("addresses", "address"),
        ("statuses", "status"),
        ("aliases", "alias"),
        ("matches", "match"),
        ("metric_queries", "metric_query"),
        ("analysis", "analysis"),
        ("metric", "metric"),
    ],
)
def test_singular(plural: str, expected: str) -> None:
    assert singular(plural) == expected


@pytest.fixture(scope="module")
def shapes_capture() -> Capture:
    return run_program(load_project(PROGRAMS / "plan_shapes", "dev"), preview=False)


@pytest.fixture(scope="module")
def shapes_plan(shapes_capture: Capture) -> dict[str, Any]:
    return capture_to_plan(shapes_capture)


def _planned(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["address"]: r for r in plan["planned_values"]["root_module"]["resources"]}


def _configured(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["address"]: r for r in plan["configuration"]["root_module"]["resources"]}


def _values(plan: dict[str, Any], address: str) -> dict[str, Any]:
    return _planned(plan)[address]["values"]


def _expressions(plan: dict[str, Any], address: str) -> dict[str, Any]:
    return _configured(plan)[address]["expressions"]


def test_plan_has_what_checkovs_plan_parser_requires(shapes_plan: dict[str, Any]) -> None:
    assert shapes_plan["terraform_version"]
    resources = shapes_plan["planned_values"]["root_module"]["resources"]
    assert resources
    for resource in resources:
        assert resource["mode"] == "managed"
        assert resource["address"] == f"{resource['type']}.{resource['name']}"
        assert isinstance(resource["values"], dict)
    assert [r["address"] for r in resources] == list(_configured(shapes_plan))


def test_providers_and_components_are_not_resources_and_each_region_keeps_its_provider(
    shapes_capture: Capture, shapes_plan: dict[str, Any]
) -> None:
    types = {r["type"] for r in shapes_plan["planned_values"]["root_module"]["resources"]}
    assert not any(t.startswith("pulumi") or "RegionalLogs" in t for t in types)
    mapped = [r for r in shapes_capture.custom_resources() if terraform_type(r.type)]
    assert len(shapes_plan["planned_values"]["root_module"]["resources"]) == len(mapped)
    configured = _configured(shapes_plan)
    assert configured["aws_kms_key.logs-eu-west-1-key"]["provider_config_key"] == "aws.replica"
    assert configured["aws_kms_key.logs-us-east-1-key"]["provider_config_key"] == "aws.primary"
    providers = shapes_plan["configuration"]["provider_config"]
    assert providers["aws.replica"]["expressions"]["region"] == {"constant_value": "eu-west-1"}
    assert providers["aws.primary"]["expressions"]["region"] == {"constant_value": "us-east-1"}


def test_addresses_are_unique_and_stable_across_runs(shapes_capture: Capture, shapes_plan: dict[str, Any]) -> None:
    rerun = run_program(load_project(PROGRAMS / "plan_shapes", "dev"), preview=False)
    assert export_plan(rerun).addresses == export_plan(shapes_capture).addresses
    addresses = list(_planned(shapes_plan))
    assert len(addresses) == len(set(addresses))
    assert addresses == sorted(addresses)
    assert json.dumps(capture_to_plan(rerun), sort_keys=True) == json.dumps(shapes_plan, sort_keys=True)
    colliding = sorted(a for a in addresses if a.startswith("aws_s3_bucket.data_bucket"))
    assert len(colliding) == 2
    assert all(re.fullmatch(r"aws_s3_bucket\.data_bucket_[0-9a-f]{8}", a) for a in colliding)
    assert all(re.fullmatch(r"[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*", a) for a in addresses)


def test_unmapped_types_are_reported_by_name_and_left_out(shapes_capture: Capture, shapes_plan: dict[str, Any]) -> None:
    unmapped = "aws:ec2/vpcBlockPublicAccessOptions:VpcBlockPublicAccessOptions"
    assert unmapped_types(shapes_capture) == [unmapped]
    assert export_plan(shapes_capture).unmapped == {unmapped: 1}
    assert not any("block_public_access" in address for address in _planned(shapes_plan))


def test_renamed_fields_whole_numbers_and_dropped_assets(shapes_plan: dict[str, Any]) -> None:
    function = _values(shapes_plan, "aws_lambda_function.api-handler")
    assert function["function_name"] == "api-handler"
    assert "name" not in function
    assert function["memory_size"] == 256
    assert isinstance(function["memory_size"], int)
    assert "code" not in function
    assert "filename" not in function
    alarm = _values(shapes_plan, "aws_cloudwatch_metric_alarm.error-rate")
    assert alarm["alarm_name"] == "api-error-rate"
    assert alarm["threshold"] == 5.5
    assert alarm["evaluation_periods"] == 1
    assert isinstance(alarm["evaluation_periods"], int)


def test_single_blocks_are_one_element_lists_and_maps_stay_maps(shapes_plan: dict[str, Any]) -> None:
    function = _values(shapes_plan, "aws_lambda_function.api-handler")
    assert function["tracing_config"] == [{"mode": "Active"}]
    assert function["environment"] == [{"variables": {"LOG_LEVEL": "INFO", "TABLE": "orders"}}]
    assert _values(shapes_plan, "aws_s3_bucket.logs-us-east-1-bucket")["tags"] == {"Purpose": "logs"}


def test_repeated_blocks_are_singular_lists(shapes_plan: dict[str, Any]) -> None:
    group = _values(shapes_plan, "aws_security_group.function-sg")
    assert [rule["from_port"] for rule in group["ingress"]] == [443, 8443]
    assert group["ingress"][0]["cidr_blocks"] == ["10.0.0.0/16"]
    alarm = _values(shapes_plan, "aws_cloudwatch_metric_alarm.error-rate")
    assert [query["id"] for query in alarm["metric_query"]] == ["rate", "errors"]
    assert alarm["metric_query"][1]["metric"][0]["dimensions"] == {"FunctionName": "api-handler"}
    role = _values(shapes_plan, "aws_iam_role.function-role")
    assert role["inline_policy"][0]["name"] == "read-logs"
    encryption = _values(
        shapes_plan, "aws_s3_bucket_server_side_encryption_configuration.logs-us-east-1-bucket-encryption"
    )
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    assert "rules" not in encryption


def test_policy_documents_stay_json_strings(shapes_plan: dict[str, Any]) -> None:
    role = _values(shapes_plan, "aws_iam_role.function-role")
    assert json.loads(role["assume_role_policy"]) == {"Version": "2012-10-17", "Statement": []}
    statement = json.loads(role["inline_policy"][0]["policy"])["Statement"][0]
    assert statement["Resource"].endswith("/*")


def test_secrets_are_unwrapped(shapes_plan: dict[str, Any]) -> None:
    assert _values(shapes_plan, "aws_secretsmanager_secret_version.api-token-value")["secret_string"] == "example-only"


def test_provider_default_tags_reach_tags_all(shapes_plan: dict[str, Any]) -> None:
    primary_bucket = _values(shapes_plan, "aws_s3_bucket.logs-us-east-1-bucket")
    assert primary_bucket["tags_all"] == {"Project": "shapes", "Owner": "team", "Purpose": "logs"}
    assert _values(shapes_plan, "aws_s3_bucket.logs-eu-west-1-bucket")["tags_all"] == {"Purpose": "logs"}


def test_a_separate_encryption_resource_references_its_bucket_and_key(shapes_plan: dict[str, Any]) -> None:
    address = "aws_s3_bucket_server_side_encryption_configuration.logs-us-east-1-bucket-encryption"
    values = _values(shapes_plan, address)
    expressions = _expressions(shapes_plan, address)
    assert "bucket" not in values
    assert expressions["bucket"] == {
        "references": ["aws_s3_bucket.logs-us-east-1-bucket.id", "aws_s3_bucket.logs-us-east-1-bucket"]
    }
    by_default = expressions["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert by_default["kms_master_key_id"]["references"][0] == "aws_kms_key.logs-us-east-1-key.arn"
    assert "kms_master_key_id" not in values["rule"][0]["apply_server_side_encryption_by_default"][0]
    # The other region's configuration points at the other region's bucket, not at this one.
    other = _expressions(shapes_plan, address.replace("us-east-1", "eu-west-1"))
    assert other["bucket"]["references"][0] == "aws_s3_bucket.logs-eu-west-1-bucket.id"


def test_references_inside_lists_and_renamed_attributes(shapes_plan: dict[str, Any]) -> None:
    function = _expressions(shapes_plan, "aws_lambda_function.api-handler")
    assert function["role"]["references"] == ["aws_iam_role.function-role.arn", "aws_iam_role.function-role"]
    assert function["vpc_config"][0]["subnet_ids"]["references"][0] == "aws_subnet.private-a.id"
    assert function["dead_letter_config"][0]["target_arn"]["references"][0] == "aws_sqs_queue.dead-letters.arn"
    values = _values(shapes_plan, "aws_lambda_function.api-handler")
    assert values["vpc_config"][0]["subnet_ids"] == [None]
    stage = _expressions(shapes_plan, "aws_api_gateway_stage.api-stage")
    assert stage["rest_api_id"]["references"][0] == "aws_api_gateway_rest_api.api.id"
    assert stage["deployment_id"]["references"][0] == "aws_api_gateway_deployment.api-deployment.id"
    permission = _expressions(shapes_plan, "aws_lambda_permission.api-invoke")
    assert permission["function_name"]["references"][1] == "aws_lambda_function.api-handler"


def test_a_dependency_hidden_inside_a_value_keeps_the_value_and_the_edge(shapes_plan: dict[str, Any]) -> None:
    role = _values(shapes_plan, "aws_iam_role.function-role")
    assert role["inline_policy"][0]["policy"]
    expressions = _expressions(shapes_plan, "aws_iam_role.function-role")
    assert expressions["inline_policy"] == {"references": ["aws_s3_bucket.logs-us-east-1-bucket"]}


def test_convert_inputs_on_raw_wire_values() -> None:
    policy_document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    wire = {
        "policy": policy_document,
        "description": UNKNOWN,
        "tags": {SECRET_SIG: SECRET_VALUE_SIG, "value": {"Team": "platform"}},
        "pathPrefix": 3.0,
    }
    values = convert_inputs("aws:iam/policy:Policy", "aws_iam_policy", wire)
    assert values is not None
    assert json.loads(values["policy"]) == policy_document
    assert "description" not in values
    assert values["tags"] == {"Team": "platform"}
    archive = {SECRET_SIG: ARCHIVE_SIG, "assets": {}}
    asset = {SECRET_SIG: ASSET_SIG, "text": "x"}
    function = convert_inputs(
        "aws:lambda/function:Function", "aws_lambda_function", {"code": archive, "layers": ["arn:1"], "x": asset}
    )
    assert function == {"layers": ["arn:1"]}
    assert convert_inputs("aws:nosuchmodule/thing:Thing", "aws_thing", {}) is None
    assert convert_inputs("aws:s3/bucket:NoSuchClass", "aws_s3_bucket", {}) is None


def test_insecure_program_exports_the_shapes_its_checks_read() -> None:
    plan = capture_to_plan(run_program(load_project(PROGRAMS / "plan_insecure", "dev"), preview=False))
    group = _values(plan, "aws_security_group.open-ssh")
    assert group["ingress"] == [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "protocol": "tcp", "to_port": 22}]
    assert "tracing_config" not in _values(plan, "aws_lambda_function.untraced-function")
    assert json.loads(_values(plan, "aws_iam_policy.wildcard-policy")["policy"])["Statement"][0]["Action"] == "*"
    assert not any(address.startswith("aws_s3_bucket_") for address in _planned(plan))


def test_cli_writes_the_plan_and_names_unmapped_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "nested" / "plan.json"
    code = main(["plan", "--program", str(PROGRAMS / "plan_shapes"), "--stack", "dev", "--output", str(output)])
    assert code == 0
    plan = json.loads(output.read_text(encoding="utf-8"))
    assert "aws_lambda_function.api-handler" in _planned(plan)
    captured = capsys.readouterr()
    assert "21 resources" in captured.out
    assert "aws:ec2/vpcBlockPublicAccessOptions:VpcBlockPublicAccessOptions x1" in captured.err


def test_cli_reports_an_output_it_cannot_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    code = main(["plan", "--program", str(PROGRAMS / "plan_insecure"), "--output", str(blocker / "plan.json")])
    assert code == 2
    assert "--output" in capsys.readouterr().err


def test_cli_reports_a_missing_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--program", str(tmp_path), "--output", str(tmp_path / "plan.json")]) == 2
    assert "Pulumi.yaml" in capsys.readouterr().err
    assert not (tmp_path / "plan.json").exists()


@pytest.fixture(scope="module")
def dev_stack_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with dev_stack_environment(tmp_path_factory.mktemp("function-builds")) as build_root:
        yield build_root


@pytest.mark.usefixtures("dev_stack_build")
def test_dev_stack_export_contains_every_previewed_resource_except_unmapped_types() -> None:
    project = load_project(REPO_ROOT, "dev")
    previewed = run_program(project, preview=True).custom_resources()
    export = export_plan(run_program(project, preview=False))
    assert previewed
    missing = [r.urn for r in previewed if r.urn not in export.addresses and r.type not in export.unmapped]
    assert missing == []
    assert export.resource_count + sum(export.unmapped.values()) == len(previewed)


def test_two_runs_of_the_dev_stack_export_byte_identical_plans(tmp_path: Path) -> None:
    # Separate processes with different hash seeds: the SDK's dependency sets iterate differently in each, as they
    # do between two CI runs.
    plans = []
    with dev_stack_environment(tmp_path / "function-builds"):
        for seed in ("1", "2"):
            output = tmp_path / f"plan-{seed}.json"
            subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
                [sys.executable, "-m", "preflight", "plan", "--stack", "dev", "--output", str(output)],
                cwd=REPO_ROOT,
                env={**os.environ, "PYTHONHASHSEED": seed},
                check=True,
                capture_output=True,
            )
            plans.append(output.read_bytes())

    assert plans[0] == plans[1]


def _plan_of(tmp_path: Path, *mode: str) -> dict[str, Any]:
    program = tmp_path / "plan_shapes"
    shutil.copytree(PROGRAMS / "plan_shapes", program)
    (program / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n", encoding="utf-8")
    output = tmp_path / "plan.json"
    assert main(["plan", "--program", str(program), "--stack", "dev", "--output", str(output), *mode]) == 0
    return json.loads(output.read_text(encoding="utf-8"))


def _change(plan: dict[str, Any], address: str) -> dict[str, Any]:
    [change] = [entry["change"] for entry in plan["resource_changes"] if entry["address"] == address]
    return change


def test_the_default_plan_is_a_preview_whose_unknowns_are_after_unknown(tmp_path: Path) -> None:
    plan = _plan_of(tmp_path)
    handler = _change(plan, "aws_lambda_function.api-handler")
    assert handler["actions"] == ["create"]
    # The role's ARN exists only once the role is created: unknown in a preview, and absent from the known values.
    assert handler["after_unknown"]["role"] is True
    assert handler["after_unknown"]["dead_letter_config"] == [{"target_arn": True}]
    assert "role" not in _values(plan, "aws_lambda_function.api-handler")
    assert handler["after"] == _values(plan, "aws_lambda_function.api-handler")


def test_plan_up_exports_known_values_without_resource_changes(tmp_path: Path) -> None:
    plan = _plan_of(tmp_path, "--up")
    assert "resource_changes" not in plan
    # Known, the role's ARN is matched to the role it came from: Terraform's reference, as Checkov follows it.
    [handler] = [
        entry
        for entry in plan["configuration"]["root_module"]["resources"]
        if entry["address"] == "aws_lambda_function.api-handler"
    ]
    assert handler["expressions"]["role"]["references"][0] == "aws_iam_role.function-role.arn"
