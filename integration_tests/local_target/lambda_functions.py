"""Lambda functions (with the code the program points at) and their resource-policy permissions in moto."""

from __future__ import annotations

from integration_tests.local_target.archive import code_archive
from integration_tests.local_target.creation import Creation, Creator, Result, as_int, present
from integration_tests.local_target.records import FunctionCode
from preflight import MOCK_PARTITION


def _function(c: Creation) -> Result:
    name = c.physical_name()
    handler = str(c.get("handler", "handler.handler"))
    zip_bytes, code_path = code_archive(c.get("code"), c.program_dir, handler.rsplit(".", 1)[0])
    vpc = c.get("vpcConfig", {})
    tracing, dead_letter = c.get("tracingConfig"), c.get("deadLetterConfig")
    params = present(
        {
            **c.parameters(
                {
                    "Runtime": "runtime",
                    "Role": "role",
                    "Description": "description",
                    "KMSKeyArn": "kmsKeyArn",
                    "Architectures": "architectures",
                    "Layers": "layers",
                }
            ),
            "FunctionName": name,
            "Handler": handler,
            "Code": {"ZipFile": zip_bytes},
            "Timeout": as_int(c.get("timeout", 3)),
            "MemorySize": as_int(c.get("memorySize", 128)),
            "Publish": bool(c.get("publish", False)),
            "Environment": {"Variables": (c.get("environment") or {}).get("variables") or {}},
            "TracingConfig": {"Mode": tracing.get("mode")} if tracing else None,
            "DeadLetterConfig": {"TargetArn": dead_letter.get("targetArn")} if dead_letter else None,
            "VpcConfig": present({"SubnetIds": vpc.get("subnetIds"), "SecurityGroupIds": vpc.get("securityGroupIds")}),
            "Tags": c.tags,
        }
    )
    lambda_client = c.client("lambda")
    created = lambda_client.create_function(**params)
    reserved = c.get("reservedConcurrentExecutions")
    if reserved is not None and as_int(reserved) >= 0:
        lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=as_int(reserved))
    arn = created["FunctionArn"]
    version = created.get("Version", "$LATEST")
    c.record_function(FunctionCode(name, arn, c.region, handler, code_path))
    invoke = f"arn:{MOCK_PARTITION}:apigateway:{c.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return name, {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:{version}",
        "invokeArn": invoke,
        "qualifiedInvokeArn": invoke.replace(arn, f"{arn}:{version}"),
        "version": version,
        "sourceCodeHash": created.get("CodeSha256"),
        "sourceCodeSize": float(created.get("CodeSize", 0)),
    }


def _permission(c: Creation) -> Result:
    statement_id = c.get("statementId") or f"{c.get('statementIdPrefix', 'preflight-')}{c.name}"
    params = c.parameters(
        {
            "FunctionName": "function",
            "Action": "action",
            "Principal": "principal",
            "SourceArn": "sourceArn",
            "SourceAccount": "sourceAccount",
            "Qualifier": "qualifier",
        }
    )
    c.client("lambda").add_permission(StatementId=statement_id, **params)
    return statement_id, {"statementId": statement_id}


CREATORS: dict[str, Creator] = {
    "aws:lambda/function:Function": _function,
    "aws:lambda/permission:Permission": _permission,
}
