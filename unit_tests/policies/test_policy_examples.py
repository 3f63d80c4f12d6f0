"""Each policy's compliant example (rendered in the policy reference) really complies: every example runs in one
program under the gate, with the few shared objects they name (a key, a role, an API ...), and no policy reports
anything on its own example's resources, which include a resource the policy judges."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from delivery_policies import POLICY_SPECS
from delivery_policies.aws import taggable_types
from unit_tests.policies.test_programs import gate

# What the examples may refer to without building it themselves.
PRELUDE = """
import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("prelude-key", enable_key_rotation=True)
role = aws.iam.Role(
    "prelude-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
code = pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def handler(event, context):\\n    return {}\\n")})
bucket = aws.s3.Bucket("prelude-bucket")
queue = aws.sqs.Queue("prelude-queue", kms_master_key_id=key.arn)
api = aws.apigateway.RestApi("prelude-api")
deployment = aws.apigateway.Deployment("prelude-deployment", rest_api=api.id)
function = aws.lambda_.Function(
    "prelude-function", role=role.arn, runtime="python3.12", handler="handler.handler", code=code
)
definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
"""
# Stack policies judge these types of their example's resources.
STACK_POLICY_TYPES = {
    "s3-bucket-kms-encryption": {"aws:s3/bucket:Bucket"},
    "s3-bucket-public-access-block": {"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"},
    "lambda-dead-letter-config": {"aws:lambda/function:Function"},
    "lambda-log-group-managed": {"aws:lambda/function:Function"},
    "iam-no-wildcard-policy-attachment": {"aws:iam/rolePolicyAttachment:RolePolicyAttachment"},
    "apigateway-deployment-redeploys": {"aws:apigateway/deployment:Deployment"},
    "apigateway-stage-web-acl": {"aws:apigateway/stage:Stage"},
    "alarm-actions-wired": {"aws:cloudwatch/metricAlarm:MetricAlarm"},
}
_RESOURCE_NAME = re.compile(r'(aws\.[A-Za-z0-9_.]+\(\s*)"([^"]+)"')


def example_program(directory: Path) -> dict[str, str]:
    """Writes the program; returns policy -> the name prefix of its example's resources."""
    prefixes = {spec.name: f"x{index}-" for index, spec in enumerate(POLICY_SPECS)}
    # Each example runs in its own namespace, its logical names prefixed so that examples never collide.
    body = [PRELUDE]
    for spec in POLICY_SPECS:
        prefix = prefixes[spec.name]
        renamed = _RESOURCE_NAME.sub(
            lambda match, prefix=prefix: f'{match.group(1)}"{prefix}{match.group(2)}"', spec.example
        )
        body.append(f"exec({renamed!r}, dict(globals()))")
    (directory / "__main__.py").write_text("\n".join(body), encoding="utf-8")
    (directory / "Pulumi.yaml").write_text("name: examples\nruntime:\n  name: python\nmain: .\n", encoding="utf-8")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n", encoding="utf-8")
    return prefixes


def judged_types(name: str) -> set[str]:
    spec = next(spec for spec in POLICY_SPECS if spec.name == name)
    if spec.scope == "stack":
        return STACK_POLICY_TYPES[name]
    return set(taggable_types() if spec.resource_types is None else spec.resource_types)


def test_every_example_complies_with_its_policy(tmp_path: Path) -> None:
    program = tmp_path / "examples"
    program.mkdir()
    prefixes = example_program(program)
    # --up: each example is judged on the values it creates (a preview leaves the computed ones unknown).
    code, report = gate(program, tmp_path, "--up")
    assert report, f"the examples program did not run (exit {code})"
    resources: list[dict[str, Any]] = json.loads((tmp_path / "gate.json").read_text())["violations"]
    complaints = {
        (v["policy"], v["resourceName"], v["message"])
        for v in resources
        if v["resourceName"].startswith(prefixes[v["policy"]])
    }
    assert complaints == set()
    assert set(STACK_POLICY_TYPES) == {spec.name for spec in POLICY_SPECS if spec.scope == "stack"}


def test_every_example_builds_a_resource_its_policy_judges() -> None:
    for spec in POLICY_SPECS:
        built = {match.group(1) for match in re.finditer(r"aws\.([A-Za-z0-9_.]+)\(", spec.example)}
        tokens = judged_types(spec.name)
        modules = {token.split(":")[1].split("/")[0] + "." + token.rsplit(":", 1)[1] for token in tokens}
        python_names = {name.replace("lambda_.", "lambda.") for name in built}
        assert python_names & modules or spec.name == "resource-explicit-provider", spec.name
