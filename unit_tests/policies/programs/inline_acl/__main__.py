"""Deliberately bad (seed failure): the bucket sets the deprecated inline `acl` instead of ownership controls."""

import pulumi
import pulumi_aws as aws

TAGS = dict.fromkeys(("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack"), "x")
provider = aws.Provider("use1", region="us-east-1", default_tags={"tags": TAGS})
opts = pulumi.ResourceOptions(provider=provider)

aws.s3.Bucket("logs-bucket", acl="private", opts=opts)
