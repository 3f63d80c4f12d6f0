"""The build entry point: stack config -> typed config -> a provider per region -> components -> outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.components.api import API_FUNCTION, Api, ApiArgs
from delivery_stack.components.budget import COST_ANOMALY_SERVICE, BudgetArgs, CostBudget, budget_publisher
from delivery_stack.components.cicd import (
    DeliveryPipeline,
    DeliveryPipelineArgs,
    RegionDeployer,
    RegionDeployerArgs,
    failure_publishers,
)
from delivery_stack.components.dashboard import Dashboard, DashboardArgs, function_widgets
from delivery_stack.components.function import LIVE_ALIAS, DeliveryFunction, DeliveryFunctionArgs
from delivery_stack.components.logdelivery import LogDelivery, LogDeliveryArgs
from delivery_stack.components.monitoring import Monitoring, MonitoringArgs, TopicPublisher
from delivery_stack.components.network import Network, NetworkArgs
from delivery_stack.components.replication import (
    AuditCopy,
    AuditReplication,
    AuditReplicationArgs,
    ReplicaEnd,
    replication_pairs,
)
from delivery_stack.components.rotation import SecretRotation, SecretRotationArgs, rotation_function_key
from delivery_stack.components.secrets import ApplicationSecret, ApplicationSecretArgs
from delivery_stack.components.storage import DEFAULT_ALERT_PUBLISHERS, Storage, StorageArgs
from delivery_stack.config import StackConfig, load_config
from delivery_stack.context import RegionContext
from delivery_stack.packaging import FunctionPackage, deployable_functions
from delivery_stack.providers import invoke_options, regional_provider


def region_context(config: StackConfig, region: str, stack: str) -> RegionContext:
    provider = regional_provider(config, region, stack)
    identity = aws.get_caller_identity_output(opts=invoke_options(provider))
    partition = aws.get_partition_output(opts=invoke_options(provider))
    return RegionContext(
        config=config,
        region=region,
        stack=stack,
        provider=provider,
        account_id=identity.account_id,
        partition=partition.partition,
    )


@dataclass(frozen=True)
class RegionDeployment:
    """What one region built: the components the cross-region parts (pipeline, replication, budget) connect."""

    context: RegionContext
    storage: Storage
    functions: dict[str, DeliveryFunction]
    monitoring: Monitoring
    deployer: RegionDeployer
    outputs: dict[str, Any]


def deploy_region(ctx: RegionContext, packages: Sequence[FunctionPackage]) -> RegionDeployment:
    """Every per-region component, in dependency order; returns them and the region's outputs.

    The one place the stack's settings reach the components: each takes what it uses through its Args.
    """
    config = ctx.config
    if API_FUNCTION not in {package.name for package in packages}:
        found = sorted(package.name for package in packages)
        raise ValueError(f"the API needs the function functions/{API_FUNCTION}/ (found: {found})")
    is_primary = ctx.region == config.primary_region
    # Services that publish to the encrypted alert topic: the key policy and the topic policy both admit them. In
    # the primary region EventBridge (pipeline failures) and Budgets publish too, each for its one source ARN.
    scoped_publishers: list[TopicPublisher] = [*failure_publishers(ctx), budget_publisher(ctx)] if is_primary else []
    # Cost Anomaly Detection (beside the budget, in the primary region) is admitted for this account only.
    alert_publishers = (*DEFAULT_ALERT_PUBLISHERS, COST_ANOMALY_SERVICE) if is_primary else DEFAULT_ALERT_PUBLISHERS
    # The key admits every publisher's service, derived from the publishers so the two lists cannot drift apart.
    key_publishers = (*alert_publishers, *dict.fromkeys(publisher.service for publisher in scoped_publishers))

    storage = Storage(
        ctx.logical("storage"),
        # Firehose encrypts the log delivery stream with the region key.
        StorageArgs(context=ctx, alert_publishers=key_publishers, extra_key_services=("firehose",)),
    )
    network = Network(
        ctx.logical("network"),
        NetworkArgs(
            context=ctx,
            key=storage.key,
            vpc_cidr=config.vpc_cidrs[ctx.region],
            nat_mode=config.nat_mode,
            log_retention_days=config.log_retention_days,
        ),
    )

    secrets: dict[str, ApplicationSecret] = {}
    functions: dict[str, DeliveryFunction] = {}
    rotations: dict[str, SecretRotation] = {}
    for package in packages:
        secrets[package.name] = ApplicationSecret(
            ctx.logical(f"{package.name}-signing-key"),
            ApplicationSecretArgs(
                context=ctx,
                secret_name=ctx.name(f"{package.name}-signing-key", "secret"),
                key=storage.key,
                description=f"HMAC-SHA256 key that signs requests to {package.name} in {ctx.region}",
            ),
        )
        functions[package.name] = DeliveryFunction(
            ctx.logical(package.name),
            DeliveryFunctionArgs(
                context=ctx,
                package=package,
                key=storage.key,
                audit_bucket=storage.audit_bucket,
                secret=secrets[package.name].secret,
                settings=config.function,
                allowed_origins=config.allowed_origins,
                metrics_namespace=config.project,
                log_retention_days=config.log_retention_days,
                subnet_ids=network.private_subnet_ids,
                security_group_ids=[network.function_security_group.id],
            ),
        )
        rotations[package.name] = SecretRotation(
            ctx.logical(rotation_function_key(package.name)),
            SecretRotationArgs(
                context=ctx,
                package=package,
                secret=secrets[package.name].secret,
                initial_version=secrets[package.name].initial_version,
                key=storage.key,
                rotation_days=config.signing_key_rotation_days,
                log_retention_days=config.log_retention_days,
                subnet_ids=network.private_subnet_ids,
                security_group_ids=[network.function_security_group.id],
            ),
        )

    monitoring = Monitoring(
        ctx.logical("monitoring"),
        MonitoringArgs(
            context=ctx,
            key=storage.key,
            functions=functions,
            error_rate_threshold_percent=config.error_rate_threshold_percent,
            alert_email=config.alert_email,
            alert_publishers=alert_publishers,
            scoped_publishers=scoped_publishers,
        ),
    )
    log_deliveries = {
        key: LogDelivery(
            ctx.logical(f"{key}-log-delivery"),
            LogDeliveryArgs(
                context=ctx, key=storage.key, log_group=function.log_group, logs_bucket=storage.logs_bucket, source=key
            ),
        )
        for key, function in functions.items()
    }
    api = Api(
        ctx.logical("api"),
        ApiArgs(
            context=ctx,
            key=storage.key,
            function=functions[API_FUNCTION].function,
            alert_topic=monitoring.alert_topic,
            settings=config.api,
            allowed_origins=config.allowed_origins,
            error_rate_threshold_percent=config.error_rate_threshold_percent,
            log_retention_days=config.log_retention_days,
            function_alias=functions[API_FUNCTION].live_alias,
        ),
    )

    dashboard_widgets = [
        *[
            function_widgets(ctx, function, monitoring.function_alarms[key], config.error_rate_threshold_percent)
            for key, function in functions.items()
        ],
        api.widgets(),
    ]
    # The pipeline (built after every region, in the primary) deploys this region's functions through it.
    deployer = RegionDeployer(
        ctx.logical("deployer"),
        RegionDeployerArgs(
            context=ctx,
            key=storage.key,
            artifacts_bucket=storage.artifacts_bucket,
            functions={
                **{key: function.function for key, function in functions.items()},
                **{rotation_function_key(key): rotation.function for key, rotation in rotations.items()},
            },
            alert_topic=monitoring.alert_topic,
            log_retention_days=config.log_retention_days,
            # The rotation functions ship in their secret's function package.
            packages={rotation_function_key(key): key for key in rotations},
            aliases={key: LIVE_ALIAS for key, function in functions.items() if function.live_alias is not None},
        ),
    )
    dashboard = Dashboard(ctx.logical("dashboard"), DashboardArgs(context=ctx, widgets=dashboard_widgets))

    outputs = {
        "region": ctx.region,
        "kms_key_arn": storage.key.arn,
        "artifacts_bucket_name": storage.artifacts_bucket.bucket,
        "audit_bucket_name": storage.audit_bucket.bucket,
        "logs_bucket_name": storage.logs_bucket.bucket,
        "alert_topic_arn": monitoring.alert_topic.arn,
        "dashboard_name": dashboard.dashboard.dashboard_name,
        "functions": {
            key: {
                "function_name": function.function.name,
                "function_arn": function.function.arn,
                "dlq_url": function.dlq.url,
                "log_group_name": function.log_group.name,
                "secret_arn": secrets[key].secret.arn,
                "rotation_function_name": rotations[key].function.name,
                "rotation_log_group_name": rotations[key].log_group.name,
                "alarm_names": [alarm.name for alarm in monitoring.function_alarms[key].all],
            }
            for key, function in functions.items()
        },
        "vpc_id": network.vpc.id,
        "private_subnet_ids": network.private_subnet_ids,
        "endpoint_ids": network.endpoint_ids,
        "api_url": api.api_url,
        "api_id": api.rest_api.id,
        "stage_name": api.stage.stage_name,
        "api_key_id": api.api_key.id,
        "web_acl_arn": api.web_acl.arn,
        # Every log group of the region under a key ending in `log_group_name` (the function's is in `functions`):
        # the integration suite's posture check finds them by that suffix.
        "api_access_log_group_name": api.access_log_group.name,
        "api_execution_log_group_name": api.execution_log_group.name,
        "waf_log_group_name": api.waf_log_group.name,
        "flow_log_group_name": network.flow_log_group.name,
        "deployer_log_group_name": deployer.log_group.name,
        "log_delivery_streams": {key: delivery.stream.name for key, delivery in log_deliveries.items()},
    }
    return RegionDeployment(ctx, storage, functions, monitoring, deployer, outputs)


def connect_regions(deployments: Sequence[RegionDeployment], stack: str) -> dict[str, Any]:
    """What spans regions, built after every region: audit replication, the delivery pipeline, the budget."""
    by_region = {deployment.context.region: deployment for deployment in deployments}
    primary = deployments[0]
    config = primary.context.config

    def replica_end(deployment: RegionDeployment) -> ReplicaEnd:
        storage = deployment.storage
        return ReplicaEnd(deployment.context, storage.audit_bucket, storage.key, storage.audit.versioning)

    pairs = replication_pairs(list(by_region))
    copies: list[str] = []
    if config.audit_backup_region is not None:
        # One region: its audit records replicate to a bucket of their own in the configured backup region.
        backup = region_context(config, config.audit_backup_region, stack)
        copy = AuditCopy(backup.logical("auditcopy"), backup)
        AuditReplication(
            primary.context.logical("audit-replication"),
            AuditReplicationArgs(context=primary.context, source=replica_end(primary), destination=copy.end(backup)),
        )
        copies.append(f"{primary.context.region} -> {config.audit_backup_region} (audit copy)")
    for source_region, destination_region in pairs:
        source, destination = by_region[source_region], by_region[destination_region]
        # Created with the source region's provider: the configuration belongs to the source bucket.
        AuditReplication(
            source.context.logical("audit-replication"),
            AuditReplicationArgs(
                context=source.context, source=replica_end(source), destination=replica_end(destination)
            ),
        )
    pipeline = DeliveryPipeline(
        primary.context.logical("delivery"),
        DeliveryPipelineArgs(
            context=primary.context,
            targets=[deployment.deployer for deployment in deployments],
            log_retention_days=config.log_retention_days,
        ),
    )
    budget = CostBudget(
        primary.context.logical("budget"),
        BudgetArgs(
            context=primary.context,
            alert_topic=primary.monitoring.alert_topic,
            topic_policy=primary.monitoring.topic_policy,
            tag_keys=list(config.required_tags(stack)),
            limit_usd=config.budget_limit_usd,
            project=config.project,
            alert_email=config.alert_email,
            activate_cost_allocation_tags=config.activate_cost_allocation_tags,
            anomaly_threshold_usd=config.cost_anomaly_threshold_usd,
        ),
    )
    return {
        "pipeline_name": pipeline.pipeline.name,
        "build_log_group_name": pipeline.build_log_group.name,
        "pipeline_source": pipeline.source_location,
        "budget_name": budget.budget.name,
        "audit_replication": [*(f"{source} -> {destination}" for source, destination in pairs), *copies],
    }


def build_stack() -> None:
    # Validation happens here, before any resource is registered: a bad value or a missing function build stops
    # the program with one message.
    config = load_config()
    packages = deployable_functions()
    stack = pulumi.get_stack()
    deployments = [deploy_region(region_context(config, region, stack), packages) for region in config.regions]
    shared = connect_regions(deployments, stack)
    regional_outputs = {deployment.context.region: deployment.outputs for deployment in deployments}
    regional_outputs[config.primary_region]["pipeline_name"] = shared["pipeline_name"]
    # The build project's log group lives in the primary region with the pipeline.
    regional_outputs[config.primary_region]["build_log_group_name"] = shared["build_log_group_name"]
    pulumi.export("primary_region", config.primary_region)
    pulumi.export("regions", regional_outputs)
    pulumi.export("pipeline_name", shared["pipeline_name"])
    pulumi.export("pipeline_source", shared["pipeline_source"])
    pulumi.export("budget_name", shared["budget_name"])
    pulumi.export("audit_replication", shared["audit_replication"])
