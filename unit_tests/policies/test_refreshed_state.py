"""Stack policies read outputs: under the real CLI, AnalyzeStack sees what the provider read back after `pulumi up`
and `pulumi refresh`, not what the program wrote. Each stack policy is fed that state shape here (pulumi-aws 7
read-back defaults: the bucket's own serverSideEncryptionConfiguration AES256 beside an attached KMS configuration,
owner grants, versioning and request payer defaults, `tagsAll`, Lambda's PassThrough tracing and its default
loggingConfig, empty strings for unset permission fields, a role's managedPolicyArns listing its attachments) and
must judge it exactly as the program's intent."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from delivery_policies import POLICY_SPECS
from unit_tests.policies.pack_harness import ACCOUNT, CMK_ARN, REGION, REQUIRED_TAGS, PolicyGate, findings, resource

STACK_POLICIES = sorted(spec.name for spec in POLICY_SPECS if spec.scope == "stack")
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
OWNER_GRANT = {"id": "79a59df900b949e55d96a1e698fbaced", "permissions": ["FULL_CONTROL"], "type": "CanonicalUser"}
AES256_READ_BACK = {
    "rule": {
        "applyServerSideEncryptionByDefault": {"kmsMasterKeyId": "", "sseAlgorithm": "AES256"},
        "bucketKeyEnabled": False,
    }
}


def bucket(name: str, **read_back: Any) -> Any:
    physical = f"{name}-0a1b2c3"
    outputs = {
        "bucket": physical,
        "id": physical,
        "arn": f"arn:aws:s3:::{physical}",
        "accelerationStatus": "",
        "corsRules": [],
        "grants": [OWNER_GRANT],
        "lifecycleRules": [],
        "logging": None,
        "objectLockConfiguration": None,
        "policy": "",
        "replicationConfiguration": None,
        "requestPayer": "BucketOwner",
        "serverSideEncryptionConfiguration": AES256_READ_BACK,
        "versioning": {"enabled": False, "mfaDelete": False},
        "website": None,
        "websiteEndpoint": None,
        "tagsAll": REQUIRED_TAGS,
        **read_back,
    }
    return resource("aws:s3/bucket:Bucket", name, {}, outputs=outputs)


def attached_to(bucket_: Any, type_: str, name: str, **outputs: Any) -> Any:
    return resource(
        type_,
        name,
        {"bucket": bucket_.outputs["bucket"]},
        depends={"bucket": bucket_},
        outputs={"expectedBucketOwner": "", "region": REGION, **outputs},
    )


def kms_configuration(bucket_: Any) -> Any:
    rules = [
        {
            "applyServerSideEncryptionByDefault": {"kmsMasterKeyId": CMK_ARN, "sseAlgorithm": "aws:kms"},
            "bucketKeyEnabled": True,
        }
    ]
    sse = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    return attached_to(bucket_, sse, f"{bucket_.name}-sse", rules=rules)


def public_access_block(bucket_: Any) -> Any:
    settings = dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
    )
    return attached_to(
        bucket_, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{bucket_.name}-pab", **settings
    )


def function(name: str, **read_back: Any) -> Any:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    outputs = {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
        "deadLetterConfig": None,
        "tracingConfig": {"mode": "PassThrough"},
        "loggingConfig": {
            "applicationLogLevel": "",
            "logFormat": "Text",
            "logGroup": f"/aws/lambda/{name}",
            "systemLogLevel": "",
        },
        "version": "$LATEST",
        "tagsAll": REQUIRED_TAGS,
        **read_back,
    }
    return resource("aws:lambda/function:Function", name, {"name": name}, outputs=outputs)


def log_group(function_name: str) -> Any:
    name = f"/aws/lambda/{function_name}"
    outputs = {
        "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}",
        "logGroupClass": "STANDARD",
        "namePrefix": "",
        "skipDestroy": False,
        "tagsAll": REQUIRED_TAGS,
    }
    inputs = {"name": name, "retentionInDays": 7, "kmsKeyId": CMK_ARN}
    return resource("aws:cloudwatch/logGroup:LogGroup", f"{function_name}-logs", inputs, outputs=outputs)


def permission(fn: Any, principal: str, source_arn: str) -> Any:
    inputs = {
        "action": "lambda:InvokeFunction",
        "function": fn.outputs["name"],
        "principal": principal,
        "sourceArn": source_arn,
    }
    read_back = {
        "eventSourceToken": "",
        "functionUrlAuthType": "",
        "principalOrgId": "",
        "qualifier": "",
        "sourceAccount": "",
        "statementId": "terraform-20250101000000000000000001",
    }
    return resource(
        "aws:lambda/permission:Permission",
        f"{fn.name}-{principal.split('.', maxsplit=1)[0]}",
        inputs,
        depends={"function": fn},
        outputs=read_back,
    )


def role(*attachments: str) -> Any:
    # A role reads back every managed policy attached to it, and an empty inline policy when it has none.
    outputs = {
        "managedPolicyArns": list(attachments),
        "inlinePolicies": [{"name": "", "policy": ""}],
        "tagsAll": REQUIRED_TAGS,
    }
    return resource("aws:iam/role:Role", "function-role", {"assumeRolePolicy": "{}"}, outputs=outputs)


API_ID = "a1b2c3d4e5"
STAGE_ARN = f"arn:aws:apigateway:{REGION}::/restapis/{API_ID}/stages/prod"
WEB_ACL_ARN = f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/api/11111111-2222-4333-8444-555555555555"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"


def rest_api_routes() -> list[Any]:
    api = resource("aws:apigateway/restApi:RestApi", "api", {"name": "api"}, outputs={"id": API_ID})
    method = resource(
        "aws:apigateway/method:Method",
        "post",
        {"restApi": API_ID, "httpMethod": "POST", "authorization": "NONE"},
        depends={"restApi": api},
        outputs={"apiKeyRequired": False, "authorizationScopes": [], "requestModels": {}, "requestParameters": {}},
    )
    integration = resource(
        "aws:apigateway/integration:Integration",
        "post-integration",
        {"restApi": API_ID, "httpMethod": "POST", "type": "AWS_PROXY"},
        depends={"restApi": api, "httpMethod": method},
        outputs={"cacheKeyParameters": [], "connectionId": "", "passthroughBehavior": "WHEN_NO_MATCH"},
    )
    return [api, method, integration]


def deployment(api: Any, *routes: Any, triggers: Any) -> Any:
    registration = resource(
        "aws:apigateway/deployment:Deployment",
        "deployment",
        {"restApi": API_ID, **({"triggers": triggers} if triggers else {})},
        depends={"restApi": api, **({"triggers": routes[-1]} if triggers else {})},
        outputs={"createdDate": "2025-01-01T00:00:00Z", "description": "", "triggers": triggers, "variables": None},
    )
    return dataclasses.replace(
        registration, dependencies=sorted({*registration.dependencies, *(r.urn for r in routes)})
    )


def stage(web_acl_arn: str) -> Any:
    outputs = {"arn": STAGE_ARN, "webAclArn": web_acl_arn, "xrayTracingEnabled": True, "cacheClusterEnabled": False}
    inputs = {"restApi": API_ID, "stageName": "prod", "deployment": "d1", "xrayTracingEnabled": True}
    return resource("aws:apigateway/stage:Stage", "prod", inputs, outputs=outputs)


def alarm(actions: list[str]) -> Any:
    inputs = {"namespace": "AWS/Lambda", "metricName": "Throttles", "threshold": 0, "alarmActions": actions}
    outputs = {"actionsEnabled": True, "okActions": [], "insufficientDataActions": [], "datapointsToAlarm": 0}
    return resource("aws:cloudwatch/metricAlarm:MetricAlarm", "throttles", inputs, outputs=outputs)


def refreshed_compliant_stack() -> list[Any]:
    audit = bucket("audit")
    api_handler = function("api-handler")
    worker = function("worker", deadLetterConfig={"targetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:worker-dlq"})
    api_source = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5/prod/*/{{proxy+}}"
    routes = rest_api_routes()
    return [
        audit,
        kms_configuration(audit),
        public_access_block(audit),
        api_handler,
        log_group("api-handler"),
        permission(api_handler, "apigateway.amazonaws.com", api_source),
        worker,
        log_group("worker"),
        permission(worker, "s3.amazonaws.com", audit.outputs["arn"]),
        role(BASIC_EXECUTION),
        resource(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "basic-execution",
            {"role": "function-role", "policyArn": BASIC_EXECUTION},
        ),
        *routes,
        deployment(*routes, triggers={"redeployment": "3f2a9c"}),
        stage(WEB_ACL_ARN),
        resource(
            "aws:wafv2/webAclAssociation:WebAclAssociation",
            "waf",
            {"resourceArn": STAGE_ARN, "webAclArn": WEB_ACL_ARN},
            outputs={"timeouts": None},
        ),
        alarm([TOPIC_ARN]),
    ]


def test_every_stack_policy_is_covered_here() -> None:
    assert set(STACK_POLICIES) == set(VIOLATING_STATES)


@pytest.mark.parametrize("policy", STACK_POLICIES)
def test_refreshed_state_of_a_compliant_stack_passes(policy_gate: PolicyGate, policy: str) -> None:
    assert findings(policy_gate.run(*refreshed_compliant_stack()), policy) == set()


def _without(names: set[str], *extra: Any) -> list[Any]:
    return [registration for registration in refreshed_compliant_stack() if registration.name not in names] + list(
        extra
    )


VIOLATING_STATES: dict[str, tuple[Any, set[tuple[str, str]]]] = {
    # Without the KMS configuration, the read-back AES256 is the truth.
    "s3-bucket-kms-encryption": (lambda: _without({"audit-sse"}), {("audit", "algorithm:AES256")}),
    "s3-bucket-public-access-block": (lambda: _without({"audit-pab"}), {("audit", "no-public-access-block")}),
    # The worker's DLQ gone: it still has its S3 source, read back with an empty sourceAccount.
    "lambda-dead-letter-config": (
        lambda: _without({"worker"}, function("worker")),
        {("worker", "no-dead-letter-target")},
    ),
    # The read-back loggingConfig names /aws/lambda/<name>, which no longer exists in the program.
    "lambda-log-group-managed": (lambda: _without({"worker-logs"}), {("worker", "unmanaged-log-group")}),
    "iam-no-wildcard-policy-attachment": (
        lambda: _without({"function-role"}, role(BASIC_EXECUTION, "arn:aws:iam::aws:policy/AdministratorAccess")),
        {("function-role", "attaches:AdministratorAccess")},
    ),
    # A deployment that never had triggers reads them back as nothing.
    "apigateway-deployment-redeploys": (
        lambda: _without({"deployment"}, deployment(*rest_api_routes(), triggers=None)),
        {("deployment", "no-triggers")},
    ),
    # The association gone, the stage reads back an empty web ACL.
    "apigateway-stage-web-acl": (lambda: _without({"waf", "prod"}, stage("")), {("prod", "no-web-acl")}),
    # Actions read back as an empty list when the program set none.
    "alarm-actions-wired": (lambda: _without({"throttles"}, alarm([])), {("throttles", "no-alarm-target")}),
}


@pytest.mark.parametrize("policy", STACK_POLICIES)
def test_refreshed_state_of_a_violating_stack_still_fails(policy_gate: PolicyGate, policy: str) -> None:
    build, expected = VIOLATING_STATES[policy]
    assert findings(policy_gate.run(*build()), policy) == expected
