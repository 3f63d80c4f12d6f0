"""Pulumi AWS type tokens to the Terraform resource types they are bridged from.

pulumi-aws is generated from the Terraform AWS provider. Most tokens come from its automatic token strategy
(provider/tokens.go `moduleMap`): `aws_<prefix>_<rest>` becomes `aws:<module>/<member>:<Member>`, where <member> is
<rest> camel-cased. `terraform_type` inverts that rule and applies the hand-named tokens the provider overrides
(`renames.resources` in pulumi-aws's bridge-metadata.json). A token the rule cannot invert with certainty (another
package, a module not in the provider's map, a member whose Terraform service is uncertain, a new EC2 or RDS
member) is unmapped: `terraform_type` returns None and callers report it by name.
A wrong type would silently skip every Checkov check of that type, so nothing is guessed.
"""

from __future__ import annotations

import re


def _words(text: str) -> list[str]:
    return text.split()


# Pulumi module -> Terraform prefix, where they differ (inverse of pulumi-aws's moduleMap). Every other module in
# MODULES maps to itself.
_MODULE_PREFIX: dict[str, str] = {
    "amp": "prometheus",
    "apigateway": "api_gateway",
    "bcmdata": "bcmdataexports",
    "bedrockfoundation": "bedrock_foundation",
    "bedrockmodel": "bedrock_model",
    "cfg": "config",
    "cloudcontrol": "cloudcontrolapi",
    "cloudhsmv2": "cloudhsm_v2",
    "costexplorer": "ce",
    "directconnect": "dx",
    "directoryservice": "directory_service",
    "ec2clientvpn": "ec2_client_vpn",
    "ec2transitgateway": "ec2_transit_gateway",
    "elasticbeanstalk": "elastic_beanstalk",
    "mediaconvert": "media_convert",
    "mediapackage": "media_package",
    "mediapackagev2": "media_packagev2",
    "mediastore": "media_store",
    "opensearchingest": "osis",
    "resourceexplorer": "resourceexplorer2",
    "route53recoverycontrol": "route53recoverycontrolconfig",
    "serverlessrepository": "serverlessapplicationrepository",
    "servicediscovery": "service_discovery",
}

# Modules whose tokens follow the automatic rule (pulumi-aws moduleMap). ec2 and rds are not here: their members
# map to several Terraform prefixes (aws_vpc, aws_ec2_, none; aws_db_, aws_rds_), so only the members listed in
# _EXPLICIT are mapped.
_RULE_MODULES: frozenset[str] = frozenset(
    _words(
        """
    accessanalyzer account acm acmpca alb amp amplify apigateway apigatewayv2 appautoscaling appconfig appfabric
    appflow appintegrations applicationinsights appmesh apprunner appstream appsync arcregionswitch arczonalshift
    athena auditmanager autoscaling autoscalingplans backup batch bcmdata bedrock bedrockfoundation bedrockmodel
    billing budgets cfg chatbot chime chimesdkmediapipelines cleanrooms cloud9 cloudcontrol cloudformation cloudfront
    cloudhsmv2 cloudsearch cloudtrail cloudwatch codeartifact codebuild codecatalyst codecommit codeconnections
    codedeploy codeguruprofiler codegurureviewer codepipeline codestarconnections codestarnotifications cognito
    comprehend computeoptimizer connect controltower costexplorer costoptimizationhub cur customerprofiles
    dataexchange datapipeline datasync datazone dax detective devicefarm devopsguru directconnect directoryservice
    dlm dms docdb drs dsql dynamodb ebs ec2clientvpn ec2transitgateway ecr ecrpublic ecs efs eks elasticache
    elasticbeanstalk elasticsearch elastictranscoder elb emr emrcontainers emrserverless evidently finspace fis fms
    fsx gamelift glacier globalaccelerator glue grafana guardduty iam identitystore imagebuilder inspector
    inspector2 invoicing iot ivs ivschat kendra keyspaces kinesis kinesisanalyticsv2 kms lakeformation lambda lb
    lex licensemanager lightsail location m2 macie macie2 mailmanager mediaconvert medialive mediapackage
    mediapackagev2 mediastore memorydb mq msk mskconnect mwaa neptune neptunegraph networkfirewall networkmanager
    networkmonitor networkflowmonitor notifications oam observabilityadmin odb opensearch opensearchingest
    organizations outposts paymentcryptography pinpoint pipes polly pricing qbusiness qldb quicksight ram rbin
    redshift redshiftdata redshiftserverless rekognition resiliencehub resourceexplorer resourcegroups
    resourcegroupstaggingapi rolesanywhere route53 route53domains route53recoverycontrol route53recoveryreadiness
    rum s3 s3control s3outposts s3tables sagemaker savingsplans scheduler schemas secretsmanager securityhub
    securitylake serverlessrepository servicecatalog servicediscovery servicequotas ses sesv2 sfn shield signer sns
    sqs ssm ssmincidents ssoadmin storagegateway swf synthetics timestreaminfluxdb timestreamquery timestreamwrite
    transcribe transfer uxc verifiedaccess verifiedpermissions vpc vpclattice waf wafregional wafv2 workmail
    workspaces workspacesweb xray
    """
    )
)

# The provider matches module prefixes as plain string prefixes, so a Terraform service whose name starts with a
# module's prefix lands in that module: aws_bedrockagent_agent -> aws:bedrock/agentAgent. For these members the
# leading word is glued to the prefix (no underscore) when inverting.
_GLUED_MEMBER_PREFIXES: dict[str, tuple[str, ...]] = {
    "bedrock": ("agent", "agentcore"),
    "chime": ("sdkvoice",),
    "cloudfront": ("keyvaluestore",),
    "docdb": ("elastic",),
    "lex": ("v2models",),
    "opensearch": ("serverless",),
    "pinpoint": ("smsvoicev2",),
    "route53": ("profiles",),
    "s3": ("vectors",),
    "servicecatalog": ("appregistry",),
}
# Members whose Terraform service is not known for certain: unmapped.
_UNCERTAIN_MEMBER_PREFIXES: dict[str, tuple[str, ...]] = {
    "resiliencehub": ("v2",),
    "s3": ("files",),
}

_EC2_NO_PREFIX = _words(
    """
    ami amiCopy amiFromInstance amiLaunchPermission customerGateway defaultNetworkAcl defaultRouteTable
    defaultSecurityGroup defaultSubnet defaultVpc defaultVpcDhcpOptions egressOnlyInternetGateway eip eipAssociation
    flowLog instance internetGateway internetGatewayAttachment keyPair launchConfiguration launchTemplate
    mainRouteTableAssociation natGateway networkAcl networkAclAssociation networkAclRule networkInterface
    networkInterfaceAttachment placementGroup proxyProtocolPolicy route routeTable routeTableAssociation securityGroup
    securityGroupRule snapshotCreateVolumePermission spotDatafeedSubscription spotFleetRequest spotInstanceRequest
    subnet volumeAttachment vpc vpcDhcpOptions vpcDhcpOptionsAssociation vpcEndpoint vpcEndpointConnectionAccepter
    vpcEndpointConnectionNotification vpcEndpointPolicy vpcEndpointRouteTableAssociation vpcEndpointService
    vpcEndpointSubnetAssociation vpcIpam vpcIpamOrganizationAdminAccount vpcIpamPool vpcIpamPoolCidr
    vpcIpamPoolCidrAllocation vpcIpamPreviewNextCidr vpcIpamResourceDiscovery vpcIpamResourceDiscoveryAssociation
    vpcIpamScope vpcIpv4CidrBlockAssociation vpcIpv6CidrBlockAssociation vpcNetworkPerformanceMetricSubscription
    vpcPeeringConnection vpcPeeringConnectionAccepter vpnConnection vpnConnectionRoute vpnGateway
    vpnGatewayAttachment vpnGatewayRoutePropagation
"""
)
_EC2_EC2_PREFIX = _words(
    """
    availabilityZoneGroup capacityReservation carrierGateway fleet localGatewayRoute
    localGatewayRouteTableVpcAssociation managedPrefixList managedPrefixListEntry networkInsightsAnalysis
    networkInsightsPath serialConsoleAccess subnetCidrReservation tag trafficMirrorFilter trafficMirrorFilterRule
    trafficMirrorSession trafficMirrorTarget
"""
)
_RDS_RDS_PREFIX = _words(
    """
    cluster clusterActivityStream clusterEndpoint clusterInstance clusterParameterGroup clusterRoleAssociation
    exportTask globalCluster reservedInstance
"""
)
_RDS_DB_PREFIX = _words(
    """
    clusterSnapshot eventSubscription instance instanceAutomatedBackupsReplication optionGroup parameterGroup proxy
    proxyDefaultTargetGroup proxyEndpoint proxyTarget securityGroup snapshot snapshotCopy subnetGroup
"""
)


def _token(module: str, member: str) -> str:
    return f"aws:{module}/{member}:{member[0].upper()}{member[1:]}"


def snake_case(name: str) -> str:
    """`tracingConfig` -> `tracing_config`, `graphQLApi` -> `graph_ql_api`, `vpcIpv4Cidr` -> `vpc_ipv4_cidr`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()


# Tokens the provider names by hand (bridge-metadata.json `renames.resources`), plus the explicit EC2 and RDS tables.
_EXPLICIT: dict[str, str] = {
    "aws:account/alternativeContact:AlternativeContact": "aws_account_alternate_contact",
    "aws:alb/loadBalancer:LoadBalancer": "aws_alb",
    "aws:apigateway/response:Response": "aws_api_gateway_gateway_response",
    "aws:appconfig/eventIntegration:EventIntegration": "aws_appintegrations_event_integration",
    "aws:appsync/dataSource:DataSource": "aws_appsync_datasource",
    "aws:appsync/graphQLApi:GraphQLApi": "aws_appsync_graphql_api",
    "aws:autoscaling/tag:Tag": "aws_autoscaling_group_tag",
    "aws:cfg/recorder:Recorder": "aws_config_configuration_recorder",
    "aws:cfg/recorderStatus:RecorderStatus": "aws_config_configuration_recorder_status",
    "aws:cfg/rule:Rule": "aws_config_config_rule",
    "aws:chime/voiceConnectorOrganization:VoiceConnectorOrganization": "aws_chime_voice_connector_origination",
    "aws:cloudformation/cloudFormationType:CloudFormationType": "aws_cloudformation_type",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:codeartifact/domainPermissions:DomainPermissions": "aws_codeartifact_domain_permissions_policy",
    "aws:codedeploy/application:Application": "aws_codedeploy_app",
    "aws:codepipeline/pipeline:Pipeline": "aws_codepipeline",
    "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": "aws_cognito_identity_pool_roles_attachment",
    "aws:controltower/controlTowerControl:ControlTowerControl": "aws_controltower_control",
    "aws:datasync/efsLocation:EfsLocation": "aws_datasync_location_efs",
    "aws:datasync/fsxOpenZfsFileSystem:FsxOpenZfsFileSystem": "aws_datasync_location_fsx_openzfs_file_system",
    "aws:datasync/locationFsxLustre:LocationFsxLustre": "aws_datasync_location_fsx_lustre_file_system",
    "aws:datasync/locationFsxWindows:LocationFsxWindows": "aws_datasync_location_fsx_windows_file_system",
    "aws:datasync/nfsLocation:NfsLocation": "aws_datasync_location_nfs",
    "aws:datasync/s3Location:S3Location": "aws_datasync_location_s3",
    "aws:directconnect/hostedTransitVirtualInterfaceAcceptor:HostedTransitVirtualInterfaceAcceptor": (
        "aws_dx_hosted_transit_virtual_interface_accepter"
    ),
    "aws:directconnect/linkAggregationGroup:LinkAggregationGroup": "aws_dx_lag",
    "aws:directoryservice/conditionalForwader:ConditionalForwader": "aws_directory_service_conditional_forwarder",
    "aws:directoryservice/logService:LogService": "aws_directory_service_log_subscription",
    "aws:directoryservice/serviceRegion:ServiceRegion": "aws_directory_service_region",
    "aws:ec2/dedicatedHost:DedicatedHost": "aws_ec2_host",
    "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment": (
        "aws_network_interface_sg_attachment"
    ),
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": "aws_vpc_peering_connection_options",
    "aws:ec2/securityGroupAssociation:SecurityGroupAssociation": "aws_vpc_endpoint_security_group_association",
    "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple": (
        "aws_vpc_endpoint_service_allowed_principal"
    ),
    "aws:ec2transitgateway/instanceConnectEndpoint:InstanceConnectEndpoint": "aws_ec2_instance_connect_endpoint",
    "aws:ec2transitgateway/instanceState:InstanceState": "aws_ec2_instance_state",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "aws_ec2_transit_gateway",
    "aws:elb/appCookieStickinessPolicy:AppCookieStickinessPolicy": "aws_app_cookie_stickiness_policy",
    "aws:elb/listenerPolicy:ListenerPolicy": "aws_load_balancer_listener_policy",
    "aws:elb/loadBalancer:LoadBalancer": "aws_elb",
    "aws:elb/loadBalancerBackendServerPolicy:LoadBalancerBackendServerPolicy": (
        "aws_load_balancer_backend_server_policy"
    ),
    "aws:elb/loadBalancerCookieStickinessPolicy:LoadBalancerCookieStickinessPolicy": "aws_lb_cookie_stickiness_policy",
    "aws:elb/loadBalancerPolicy:LoadBalancerPolicy": "aws_load_balancer_policy",
    "aws:elb/sslNegotiationPolicy:SslNegotiationPolicy": "aws_lb_ssl_negotiation_policy",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "aws_fsx_openzfs_file_system",
    "aws:fsx/openZfsSnapshot:OpenZfsSnapshot": "aws_fsx_openzfs_snapshot",
    "aws:fsx/openZfsVolume:OpenZfsVolume": "aws_fsx_openzfs_volume",
    "aws:glue/mLTransform:MLTransform": "aws_glue_ml_transform",
    "aws:guardduty/iPSet:IPSet": "aws_guardduty_ipset",
    "aws:guardduty/threatIntelSet:ThreatIntelSet": "aws_guardduty_threatintelset",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:iam/sshKey:SshKey": "aws_iam_user_ssh_key",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:licensemanager/licenseGrant:LicenseGrant": "aws_licensemanager_grant",
    "aws:licensemanager/licenseGrantAccepter:LicenseGrantAccepter": "aws_licensemanager_grant_accepter",
    "aws:location/routeCalculation:RouteCalculation": "aws_location_route_calculator",
    "aws:macie/customDataIdentifier:CustomDataIdentifier": "aws_macie2_custom_data_identifier",
    "aws:macie/findingsFilter:FindingsFilter": "aws_macie2_findings_filter",
    "aws:rds/roleAssociation:RoleAssociation": "aws_db_instance_role_association",
    "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec": "aws_route53_hosted_zone_dnssec",
    "aws:route53/resolverDnsSecConfig:ResolverDnsSecConfig": "aws_route53_resolver_dnssec_config",
    "aws:s3/analyticsConfiguration:AnalyticsConfiguration": "aws_s3_bucket_analytics_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/inventory:Inventory": "aws_s3_bucket_inventory",
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": (
        "aws_serverlessapplicationrepository_cloudformation_stack"
    ),
    "aws:ses/mailFrom:MailFrom": "aws_ses_domain_mail_from",
    "aws:sns/dataProtectionPolicy:DataProtectionPolicy": "aws_sns_topic_data_protection_policy",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "aws_sqs_queue_redrive_allow_policy",
    "aws:sqs/redrivePolicy:RedrivePolicy": "aws_sqs_queue_redrive_policy",
    "aws:storagegateway/cachesIscsiVolume:CachesIscsiVolume": "aws_storagegateway_cached_iscsi_volume",
    "aws:waf/ipSet:IpSet": "aws_waf_ipset",
    "aws:wafregional/ipSet:IpSet": "aws_wafregional_ipset",
    **{_token("ec2", m): f"aws_{snake_case(m)}" for m in _EC2_NO_PREFIX},
    **{_token("ec2", m): f"aws_ec2_{snake_case(m)}" for m in _EC2_EC2_PREFIX},
    **{_token("rds", m): f"aws_rds_{snake_case(m)}" for m in _RDS_RDS_PREFIX},
    **{_token("rds", m): f"aws_db_{snake_case(m)}" for m in _RDS_DB_PREFIX},
}

_TOKEN = re.compile(r"^aws:(?P<module>[a-z0-9]+)/(?P<member>[A-Za-z0-9_]+):(?P<cls>[A-Za-z0-9_]+)$")


def terraform_type(token: str) -> str | None:
    """The Terraform resource type pulumi-aws bridges `token` from, or None when it cannot be named with certainty."""
    explicit = _EXPLICIT.get(token)
    if explicit is not None:
        return explicit
    match = _TOKEN.match(token)
    if match is None:
        return None
    module, member = match["module"], match["member"]
    if module not in _RULE_MODULES:
        return None
    leading_word = re.match(r"[a-z0-9]+", member)
    word = leading_word.group(0) if leading_word else ""
    if word in _UNCERTAIN_MEMBER_PREFIXES.get(module, ()):
        return None
    if module == "s3" and member.endswith("V2"):
        # The V2 S3 tokens are aliases of the current ones (BucketV2 -> aws_s3_bucket).
        member = member[: -len("V2")]
    prefix = _MODULE_PREFIX.get(module, module)
    separator = "" if word in _GLUED_MEMBER_PREFIXES.get(module, ()) else "_"
    return f"aws_{prefix}{separator}{snake_case(member)}"
