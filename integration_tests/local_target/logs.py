"""CloudWatch log groups in moto, with their retention and key."""

from __future__ import annotations

from integration_tests.local_target.creation import Creation, Creator, Result, as_int, present


def _log_group(c: Creation) -> Result:
    name = c.physical_name()
    logs = c.client("logs")
    logs.create_log_group(logGroupName=name, **c.parameters({"kmsKeyId": "kmsKeyId"}), **present({"tags": c.tags}))
    if c.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=name, retentionInDays=as_int(c.get("retentionInDays")))
    return name, {"name": name, "arn": c.arn("logs", f"log-group:{name}")}


CREATORS: dict[str, Creator] = {
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
}
