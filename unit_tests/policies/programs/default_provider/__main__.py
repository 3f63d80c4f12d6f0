"""Deliberately bad (seed failure): the topic names no provider, so the engine gives it the default one."""

import pulumi_aws as aws

aws.sns.Topic("alerts")
