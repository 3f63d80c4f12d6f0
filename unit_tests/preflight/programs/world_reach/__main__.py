"""What programs nobody here wrote do: IAM documents from get_policy_document, lookups, computed outputs read."""

import json

import pulumi
import pulumi_aws as aws

tagged = aws.Provider("tagged", region="ap-southeast-2", default_tags={"tags": {"Owner": "platform"}})

# The most common IAM idiom: the assume-role document from the data source.
assume = aws.iam.get_policy_document(
    statements=[
        aws.iam.GetPolicyDocumentStatementArgs(
            actions=["sts:AssumeRole"],
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="Service", identifiers=["eks.amazonaws.com"])
            ],
        )
    ]
)
role = aws.iam.Role("cluster-role", assume_role_policy=assume.json)

# A wildcard policy built with the data source: the pack must see its document.
everything = aws.iam.get_policy_document(
    statements=[aws.iam.GetPolicyDocumentStatementArgs(actions=["s3:*"], resources=["*"])]
)
aws.iam.Policy("everything", policy=everything.json)

default_vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[default_vpc.id])])
cluster = aws.eks.Cluster("cluster", role_arn=role.arn, vpc_config=aws.eks.ClusterVpcConfigArgs(subnet_ids=subnets.ids))

api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
stage = aws.apigatewayv2.Stage("default", api_id=api.id, auto_deploy=True)

machine = aws.sfn.StateMachine(
    "flow",
    role_arn=role.arn,
    definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    tags={"Team": "data"},
    opts=pulumi.ResourceOptions(provider=tagged),
)
queue = aws.sqs.Queue("jobs")

# An invoke nothing answers by name: a typed placeholder, listed in every report.
instance = aws.ec2.get_instance(instance_id="i-0123456789abcdef0")

pulumi.export("certificate", cluster.certificate_authority.data)
pulumi.export("execution_arn", pulumi.Output.concat(api.execution_arn, "/", stage.name, "/*"))
pulumi.export("state_machine", machine.arn)
pulumi.export("zones", aws.get_availability_zones().names)
pulumi.export("instance_ami", instance.ami)
