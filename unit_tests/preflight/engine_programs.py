"""Small Pulumi programs the engine-core tests run, written into a temporary directory per test module."""

from __future__ import annotations

import textwrap
from pathlib import Path

DEMO_PROGRAM = """
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
if config.get("fail"):
    raise ValueError("asked to fail: " + config.get("fail"))

provider = aws.Provider(
    "aws-euw1", region="eu-west-1", default_tags=aws.ProviderDefaultTagsArgs(tags={"Project": "demo"})
)


class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("demo:index:Box", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.queue = aws.sqs.Queue(f"{name}-queue", name=f"{name}-q", message_retention_seconds=600, opts=child)
        self.topic = aws.sns.Topic(f"{name}-topic", opts=child)
        self.subscription = aws.sns.TopicSubscription(
            f"{name}-subscription", topic=self.topic.arn, protocol="sqs", endpoint=self.queue.arn, opts=child
        )
        self.secret = aws.secretsmanager.Secret(f"{name}-secret", opts=child)
        aws.secretsmanager.SecretVersion(
            f"{name}-secret-version",
            secret_id=self.secret.id,
            secret_string=pulumi.Output.secret("placeholder"),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secret_string"]),
        )
        self.register_outputs({"queue_url": self.queue.url})


box = Box("box", opts=pulumi.ResourceOptions(provider=provider))
if config.get_bool("duplicate"):
    aws.sqs.Queue("box-queue", opts=pulumi.ResourceOptions(parent=box))
if config.get_bool("defaultProvider"):
    aws.sqs.Queue("stray-queue")
pulumi.export("queue_url", box.queue.url)
pulumi.export("greeting", config.get("greeting") or "hello")
"""


def write_program(root: Path, stack_config: str = "", source: str = DEMO_PROGRAM, name: str = "demo") -> Path:
    """A project directory: Pulumi.yaml (main: program/), program/__main__.py and Pulumi.dev.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "program").mkdir(exist_ok=True)
    (root / "program" / "__main__.py").write_text(textwrap.dedent(source))
    (root / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\nmain: program/\n")
    (root / "Pulumi.dev.yaml").write_text(textwrap.dedent(stack_config) or "config: {}\n")
    return root
