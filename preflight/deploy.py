"""Deploy a Pulumi program into a moto server: the local target of the integration suite.

The program runs through preflight exactly as for a preview (`run_program`, preview=False), with mocks whose
`new_resource` really creates each resource on the request path in moto with boto3 and answers with moto's ids and
ARNs, so every later resource is wired to the real ones. Every other type gets preflight's AWS-like answer and is
recorded as not materialised. A type on the request path that moto refuses is a DeployError naming the resource.
The program is not changed for this.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks

from preflight.capture import SECRET_SIG, Capture, object_input
from preflight.cli import EXIT_OK, add_program_arguments
from preflight.mocks import MOCK_ACCOUNT_ID, MOCK_PARTITION, AwsLikeMocks
from preflight.project import ProjectSpec, load_project
from preflight.runner import ProgramError, run_program

# moto answers every request with this account unless told otherwise; preflight's mocks use the same one, so ARNs
# of materialised and recorded resources agree.
MOTO_ACCOUNT_ID = MOCK_ACCOUNT_ID

# Credentials for the deploy itself. moto accepts any until its IAM enforcement is switched on.
DEPLOY_CREDENTIALS = {"aws_access_key_id": "preflight-deploy", "aws_secret_access_key": "preflight-deploy"}

# What the local target's requests look like to a policy: made as though over TLS (the real endpoint is HTTPS).
LOCAL_REQUEST_CONTEXT = {"aws:securetransport": "true"}

_SKIPPED_IN_ZIP = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")


class DeployError(ProgramError):
    """A resource on the request path could not be created in moto. The message names the resource."""


@dataclass(frozen=True)
class MaterialisedResource:
    type: str
    name: str
    region: str
    id: str


@dataclass(frozen=True)
class FunctionCode:
    """Where a deployed function's code came from, so a local adapter can run that code in-process."""

    function_name: str
    function_arn: str
    region: str
    handler: str
    code_path: Path | None  # the directory or zip the program pointed at; None when it named none that exists


@dataclass
class Deployment:
    """What one deploy left in moto."""

    endpoint: str
    capture: Capture
    materialised: list[MaterialisedResource]
    not_materialised: dict[str, int]  # type token -> how many resources of it were only recorded
    functions: list[FunctionCode]
    adjustments: list[str] = field(default_factory=list)  # what was stored differently from the program, and why

    @property
    def outputs(self) -> dict[str, Any]:
        return self.capture.outputs

    def materialised_types(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.materialised).items()))


class MotoClients:
    """boto3 clients for one moto endpoint, shared by the threads new_resource runs on.

    botocore clients are thread-safe once built, sessions are not: each client is built once, under a lock, from
    one session (which loads each service model once; a client per thread and session dominated the deploy).
    """

    def __init__(self, endpoint: str, credentials: dict[str, str]) -> None:
        # Imported here: every `python -m preflight` command registers `deploy`, only this one needs boto3.
        try:
            import boto3  # noqa: PLC0415
        except ModuleNotFoundError as missing:
            raise DeployError("`preflight deploy` needs boto3: install the project's `test` extra") from missing
        self.endpoint = endpoint
        # Any: boto3-stubs types `client` per literal service name; these names are variables.
        self._session: Any = boto3.session.Session(
            aws_access_key_id=credentials["aws_access_key_id"],
            aws_secret_access_key=credentials["aws_secret_access_key"],
            aws_session_token=credentials.get("aws_session_token"),
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._session.client(service, region_name=region, endpoint_url=self.endpoint)
            return self._clients[key]


def unwrap_secrets(value: Any) -> Any:
    """The plain value of inputs that may hold secret envelopes (the wire format of `pulumi.Output.secret`)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) is not None and "value" in value:
            return unwrap_secrets(value["value"])
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def _int(value: Any) -> int:
    return int(float(value))


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """The parameters the program set: boto3 rejects None, and an empty list or map means "not given" here."""
    return {k: v for k, v in values.items() if v is not None and v not in ([], {})}


@dataclass
class Creation:
    """What a creator is given: the resource's inputs, its region, preflight's answer and the moto clients."""

    type: str
    name: str
    inputs: dict[str, Any]
    region: str
    answer: dict[str, Any]
    tags: dict[str, str]
    clients: MotoClients
    program_dir: Path
    record_function: Callable[[FunctionCode], None]
    adjust: Callable[[str], None]

    def client(self, service: str) -> Any:
        return self.clients.client(service, self.region)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.inputs.get(key)
        return default if value is None else value

    def physical_name(self, key: str = "name") -> str:
        """The name the program gave, else the auto-name preflight's answer chose (the provider's behaviour)."""
        given = self.inputs.get(key)
        if isinstance(given, str) and given:
            return given
        return str(self.answer.get(key) or self.answer.get("name") or self.name)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{MOCK_PARTITION}:{service}:{self.region}:{MOTO_ACCOUNT_ID}:{resource}"


Result = tuple[str, dict[str, Any]]
Creator = Callable[[Creation], Result]


def _tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def _kms_key(c: Creation) -> Result:
    kms = c.client("kms")
    params = _present(
        {
            "Description": c.get("description"),
            "KeyUsage": c.get("keyUsage"),
            "KeySpec": c.get("customerMasterKeySpec"),
            "Policy": c.get("policy"),
            "MultiRegion": c.get("multiRegion"),
            "Tags": _tag_list(c.tags, "TagKey", "TagValue"),
        }
    )
    metadata = kms.create_key(**params)["KeyMetadata"]
    if c.get("enableKeyRotation"):
        rotation = _present({"RotationPeriodInDays": c.get("rotationPeriodInDays")})
        kms.enable_key_rotation(KeyId=metadata["KeyId"], **{k: _int(v) for k, v in rotation.items()})
    return metadata["KeyId"], {"keyId": metadata["KeyId"], "arn": metadata["Arn"]}


def _kms_alias(c: Creation) -> Result:
    name = c.physical_name()
    target = c.get("targetKeyId")
    c.client("kms").create_alias(AliasName=name, TargetKeyId=target)
    key = c.client("kms").describe_key(KeyId=target)["KeyMetadata"]
    return name, {"name": name, "arn": c.arn("kms", name), "targetKeyArn": key["Arn"]}


def _bucket_encryption_rules(rules: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    converted = []
    for rule in rules:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        entry: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": _present(
                {"SSEAlgorithm": default.get("sseAlgorithm"), "KMSMasterKeyID": default.get("kmsMasterKeyId")}
            )
        }
        if rule.get("bucketKeyEnabled") is not None:
            entry["BucketKeyEnabled"] = bool(rule["bucketKeyEnabled"])
        converted.append(entry)
    return converted


def _bucket(c: Creation) -> Result:
    name = c.physical_name("bucket")
    s3 = c.client("s3")
    params: dict[str, Any] = {"Bucket": name}
    if c.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": c.region}
    if c.get("objectLockEnabled"):
        params["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**params)
    if c.tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tag_list(c.tags)})
    # The legacy inline arguments s3.Bucket still accepts: applied the same way as their separate resources.
    legacy_sse = c.get("serverSideEncryptionConfiguration")
    if legacy_sse:
        rules = legacy_sse.get("rule") or legacy_sse.get("rules") or []
        rules = [rules] if isinstance(rules, dict) else rules
        s3.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": _bucket_encryption_rules(rules)}
        )
    legacy_versioning = c.get("versioning")
    if legacy_versioning and legacy_versioning.get("enabled"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name, {
        "bucket": name,
        "arn": f"arn:{MOCK_PARTITION}:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{c.region}.amazonaws.com",
        "region": c.region,
    }


def _bucket_encryption(c: Creation) -> Result:
    bucket = c.get("bucket")
    rules = _bucket_encryption_rules(c.get("rules", []))
    c.client("s3").put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
    return bucket, {}


def _bucket_versioning(c: Creation) -> Result:
    bucket = c.get("bucket")
    configuration = c.get("versioningConfiguration", {})
    versioning = _present({"Status": configuration.get("status"), "MFADelete": configuration.get("mfaDelete")})
    c.client("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration=versioning)
    return bucket, {}


def _bucket_public_access_block(c: Creation) -> Result:
    bucket = c.get("bucket")
    keys = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    configuration = {key: bool(c.get(key[0].lower() + key[1:], False)) for key in keys}
    c.client("s3").put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=configuration)
    return bucket, {}


def _bucket_ownership_controls(c: Creation) -> Result:
    bucket = c.get("bucket")
    rule = c.get("rule", {})
    c.client("s3").put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": rule.get("objectOwnership")}]}
    )
    return bucket, {}


def _condition_outcome(condition: dict[str, Any]) -> bool | None:
    """Whether a policy Condition holds for the local target's requests: False if any part is false, None if a part
    names an operator or key moto cannot know, else True."""
    outcomes: list[bool | None] = []
    for operator, entries in condition.items():
        if operator != "Bool" or not isinstance(entries, dict):
            outcomes.append(None)
            continue
        for key, expected in entries.items():
            actual = LOCAL_REQUEST_CONTEXT.get(key.lower())
            values = [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]
            outcomes.append(None if actual is None else actual in values)
    if False in outcomes:
        return False
    return None if None in outcomes else True


def policy_for_moto(document: str, resource: str) -> tuple[str, list[str]]:
    """A bucket policy moto evaluates as AWS would evaluate the original for TLS requests, plus what changed.

    moto ignores the Condition of a bucket-policy statement: the usual TLS-only deny (`aws:SecureTransport` false)
    would deny every object request. Conditions on `aws:SecureTransport` are evaluated for a TLS request instead
    (a statement that cannot apply is dropped, one that always applies loses its condition); a statement conditioned
    on anything else cannot be evaluated locally and is dropped, and each drop is reported.
    """
    policy = json.loads(document)
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    kept: list[dict[str, Any]] = []
    notes: list[str] = []
    for statement in statements:
        condition = statement.get("Condition")
        if not condition:
            kept.append(statement)
            continue
        label = f"{resource}: statement {statement.get('Sid') or statement.get('Effect')}"
        outcome = _condition_outcome(condition)
        if outcome is True:
            kept.append({k: v for k, v in statement.items() if k != "Condition"})
            notes.append(f"{label} always applies to TLS requests: stored without its condition")
        elif outcome is False:
            notes.append(f"{label} never applies to TLS requests: not stored")
        else:
            notes.append(f"{label} has a condition moto cannot evaluate ({json.dumps(condition)}): not enforced")
    return json.dumps({**policy, "Statement": kept}), notes


def _bucket_policy(c: Creation) -> Result:
    bucket = c.get("bucket")
    document, notes = policy_for_moto(_json_text(c.get("policy")), f"bucket policy {c.name}")
    for note in notes:
        c.adjust(note)
    if json.loads(document)["Statement"]:
        c.client("s3").put_bucket_policy(Bucket=bucket, Policy=document)
    return bucket, {}


_QUEUE_ATTRIBUTES = {
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "policy": "Policy",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
}


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _json_text(value) if isinstance(value, dict | list) else str(value)


def _queue(c: Creation) -> Result:
    name = c.physical_name()
    if c.get("fifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {
        moto_key: _attribute_text(c.inputs[key]) for key, moto_key in _QUEUE_ATTRIBUTES.items() if key in c.inputs
    }
    sqs = c.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes, tags=c.tags)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, {"name": name, "url": url, "arn": arn}


def _queue_policy(c: Creation) -> Result:
    url = c.get("queueUrl")
    c.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": _json_text(c.get("policy"))})
    return url, {}


_TOPIC_ATTRIBUTES = {
    "displayName": "DisplayName",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "tracingConfig": "TracingConfig",
    "signatureVersion": "SignatureVersion",
}


def _topic(c: Creation) -> Result:
    name = c.physical_name()
    attributes = {
        moto_key: _attribute_text(c.inputs[key]) for key, moto_key in _TOPIC_ATTRIBUTES.items() if key in c.inputs
    }
    arn = c.client("sns").create_topic(Name=name, Attributes=attributes, Tags=_tag_list(c.tags))["TopicArn"]
    return arn, {"arn": arn, "name": name}


def _topic_policy(c: Creation) -> Result:
    arn = c.get("arn")
    c.client("sns").set_topic_attributes(
        TopicArn=arn, AttributeName="Policy", AttributeValue=_json_text(c.get("policy"))
    )
    return arn, {}


def _topic_subscription(c: Creation) -> Result:
    attributes = _present(
        {
            "RawMessageDelivery": _attribute_text(c.get("rawMessageDelivery"))
            if "rawMessageDelivery" in c.inputs
            else None,
            "FilterPolicy": _json_text(c.get("filterPolicy")) if c.get("filterPolicy") else None,
            "RedrivePolicy": _json_text(c.get("redrivePolicy")) if c.get("redrivePolicy") else None,
        }
    )
    arn = c.client("sns").subscribe(
        TopicArn=c.get("topic"),
        Protocol=c.get("protocol"),
        Endpoint=c.get("endpoint"),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {"arn": arn}


AWS_MANAGED_POLICY_PREFIX = f"arn:{MOCK_PARTITION}:iam::aws:policy/"


def _attach_role_policy(c: Creation, role: str, policy_arn: str) -> None:
    iam = c.client("iam")
    try:
        iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    except iam.exceptions.NoSuchEntityException as missing:
        if policy_arn.startswith(AWS_MANAGED_POLICY_PREFIX):
            raise RuntimeError(
                f"{policy_arn} is an AWS managed policy, which moto loads only when its server runs with "
                "MOTO_IAM_LOAD_MANAGED_POLICIES=true"
            ) from missing
        raise


def _role(c: Creation) -> Result:
    name = c.physical_name()
    iam = c.client("iam")
    params = _present(
        {
            "RoleName": name,
            "Path": c.get("path"),
            "AssumeRolePolicyDocument": _json_text(c.get("assumeRolePolicy")),
            "Description": c.get("description"),
            "MaxSessionDuration": _int(c.get("maxSessionDuration")) if c.get("maxSessionDuration") else None,
            "PermissionsBoundary": c.get("permissionsBoundary"),
            "Tags": _tag_list(c.tags),
        }
    )
    role = iam.create_role(**params)["Role"]
    for inline in c.get("inlinePolicies", []):
        if inline.get("name") and inline.get("policy"):
            iam.put_role_policy(RoleName=name, PolicyName=inline["name"], PolicyDocument=_json_text(inline["policy"]))
    for policy_arn in c.get("managedPolicyArns", []):
        _attach_role_policy(c, name, policy_arn)
    return name, {"name": name, "arn": role["Arn"], "uniqueId": role["RoleId"]}


def _managed_policy(c: Creation) -> Result:
    name = c.physical_name()
    params = _present(
        {
            "PolicyName": name,
            "Path": c.get("path"),
            "PolicyDocument": _json_text(c.get("policy")),
            "Description": c.get("description"),
            "Tags": _tag_list(c.tags),
        }
    )
    policy = c.client("iam").create_policy(**params)["Policy"]
    return policy["Arn"], {"name": name, "arn": policy["Arn"], "policyId": policy["PolicyId"]}


def _role_policy(c: Creation) -> Result:
    role = c.get("role")
    name = c.physical_name()
    c.client("iam").put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=_json_text(c.get("policy")))
    return f"{role}:{name}", {"name": name}


def _role_policy_attachment(c: Creation) -> Result:
    role = c.get("role")
    _attach_role_policy(c, role, c.get("policyArn"))
    return f"{role}-{c.get('policyArn')}", {}


def _secret(c: Creation) -> Result:
    name = c.physical_name()
    params = _present(
        {
            "Name": name,
            "Description": c.get("description"),
            "KmsKeyId": c.get("kmsKeyId"),
            "Tags": _tag_list(c.tags),
        }
    )
    arn = c.client("secretsmanager").create_secret(**params)["ARN"]
    if c.get("policy"):
        c.client("secretsmanager").put_resource_policy(SecretId=arn, ResourcePolicy=_json_text(c.get("policy")))
    return arn, {"name": name, "arn": arn}


def _secret_version(c: Creation) -> Result:
    secret_id = c.get("secretId")
    params: dict[str, Any] = {"SecretId": secret_id}
    if c.get("secretString") is not None:
        params["SecretString"] = c.get("secretString")
    elif c.get("secretBinary") is not None:
        params["SecretBinary"] = c.get("secretBinary").encode()
    if c.get("versionStages"):
        params["VersionStages"] = c.get("versionStages")
    answer = c.client("secretsmanager").put_secret_value(**params)
    version = answer["VersionId"]
    return f"{answer['ARN']}|{version}", {"arn": answer["ARN"], "versionId": version}


def _add_path(archive: zipfile.ZipFile, source: Path, prefix: str) -> None:
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and not any(part in _SKIPPED_IN_ZIP for part in path.parts) and path.suffix != ".pyc":
                archive.write(path, f"{prefix}{path.relative_to(source).as_posix()}")
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as inner:
            for info in inner.infolist():
                archive.writestr(f"{prefix}{info.filename}", inner.read(info))
    else:
        archive.write(source, prefix.rstrip("/") or source.name)


def _resolve(path: str, program_dir: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else program_dir / candidate


def code_archive(code: Any, program_dir: Path, handler_module: str) -> tuple[bytes, Path | None]:
    """The zip moto stores for a function, and the directory or zip the program's code archive points at.

    A FileArchive of a directory or zip, or an AssetArchive of files and archives (relative paths are relative to
    the program directory, the language host's working directory). With nothing on disk: a minimal zip, and None.
    """
    buffer = io.BytesIO()
    code_path: Path | None = None
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        entries: list[tuple[str, Any]] = [("", code)]
        if isinstance(code, pulumi.AssetArchive):
            entries = [(name, asset) for name, asset in code.assets.items()]
        for name, item in entries:
            prefix = "" if name in ("", ".") else name.rstrip("/") + "/"
            if isinstance(item, pulumi.StringAsset):
                archive.writestr(name, item.text)
                continue
            path = getattr(item, "path", None)
            source = _resolve(path, program_dir) if isinstance(path, str) else None
            if source is None or not source.exists():
                continue
            if isinstance(item, pulumi.FileAsset):
                archive.write(source, name)
                continue
            _add_path(archive, source, prefix)
            if code_path is None and not prefix:
                code_path = source.resolve()
        if not archive.namelist():
            archive.writestr(f"{handler_module}.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue(), code_path


def _lambda_function(c: Creation) -> Result:
    name = c.physical_name()
    handler = str(c.get("handler", "handler.handler"))
    zip_bytes, code_path = code_archive(c.get("code"), c.program_dir, handler.rsplit(".", 1)[0])
    vpc = c.get("vpcConfig", {})
    params = _present(
        {
            "FunctionName": name,
            "Runtime": c.get("runtime"),
            "Role": c.get("role"),
            "Handler": handler,
            "Code": {"ZipFile": zip_bytes},
            "Description": c.get("description"),
            "Timeout": _int(c.get("timeout", 3)),
            "MemorySize": _int(c.get("memorySize", 128)),
            "Publish": bool(c.get("publish", False)),
            "Environment": {"Variables": (c.get("environment") or {}).get("variables") or {}},
            "KMSKeyArn": c.get("kmsKeyArn"),
            "TracingConfig": {"Mode": c.get("tracingConfig", {}).get("mode")} if c.get("tracingConfig") else None,
            "DeadLetterConfig": {"TargetArn": c.get("deadLetterConfig", {}).get("targetArn")}
            if c.get("deadLetterConfig")
            else None,
            "VpcConfig": _present({"SubnetIds": vpc.get("subnetIds"), "SecurityGroupIds": vpc.get("securityGroupIds")}),
            "Architectures": c.get("architectures"),
            "Layers": c.get("layers"),
            "Tags": c.tags,
        }
    )
    lambda_client = c.client("lambda")
    created = lambda_client.create_function(**params)
    reserved = c.get("reservedConcurrentExecutions")
    if reserved is not None and _int(reserved) >= 0:
        lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=_int(reserved))
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


def _lambda_permission(c: Creation) -> Result:
    statement_id = c.get("statementId") or f"{c.get('statementIdPrefix', 'preflight-')}{c.name}"
    params = _present(
        {
            "FunctionName": c.get("function"),
            "StatementId": statement_id,
            "Action": c.get("action"),
            "Principal": c.get("principal"),
            "SourceArn": c.get("sourceArn"),
            "SourceAccount": c.get("sourceAccount"),
            "Qualifier": c.get("qualifier"),
        }
    )
    c.client("lambda").add_permission(**params)
    return statement_id, {"statementId": statement_id}


def _log_group(c: Creation) -> Result:
    name = c.physical_name()
    logs = c.client("logs")
    logs.create_log_group(**_present({"logGroupName": name, "kmsKeyId": c.get("kmsKeyId"), "tags": c.tags}))
    if c.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=name, retentionInDays=_int(c.get("retentionInDays")))
    return name, {"name": name, "arn": c.arn("logs", f"log-group:{name}")}


def _rest_api(c: Creation) -> Result:
    endpoint = c.get("endpointConfiguration", {})
    types = endpoint.get("types")
    # pulumi-aws 7 takes one endpoint type as a string; the API takes a list.
    endpoint_types = [types] if isinstance(types, str) else types
    params = _present(
        {
            "name": c.physical_name(),
            "description": c.get("description"),
            "endpointConfiguration": {"types": endpoint_types} if endpoint_types else None,
            "apiKeySource": c.get("apiKeySource"),
            "binaryMediaTypes": c.get("binaryMediaTypes"),
            "minimumCompressionSize": _int(c.get("minimumCompressionSize"))
            if c.get("minimumCompressionSize") is not None
            else None,
            "policy": _json_text(c.get("policy")) if c.get("policy") else None,
            "disableExecuteApiEndpoint": c.get("disableExecuteApiEndpoint"),
            "tags": c.tags,
        }
    )
    apigateway = c.client("apigateway")
    api = apigateway.create_rest_api(**params)
    if c.get("body"):
        apigateway.put_rest_api(restApiId=api["id"], mode="overwrite", body=_json_text(c.get("body")).encode())
    api_id = api["id"]
    return api_id, {
        "name": params["name"],
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/restapis/{api_id}",
        "executionArn": c.arn("execute-api", api_id),
        "rootResourceId": api["rootResourceId"],
    }


def _api_resource(c: Creation) -> Result:
    created = c.client("apigateway").create_resource(
        restApiId=c.get("restApi"), parentId=c.get("parentId"), pathPart=c.get("pathPart")
    )
    return created["id"], {"path": created["path"]}


def _api_method(c: Creation) -> Result:
    api, resource, method = c.get("restApi"), c.get("resourceId"), c.get("httpMethod")
    params = _present(
        {
            "restApiId": api,
            "resourceId": resource,
            "httpMethod": method,
            "authorizationType": c.get("authorization", "NONE"),
            "authorizerId": c.get("authorizerId"),
            "apiKeyRequired": bool(c.get("apiKeyRequired", False)),
            "operationName": c.get("operationName"),
            "requestParameters": c.get("requestParameters"),
            "requestModels": c.get("requestModels"),
            "requestValidatorId": c.get("requestValidatorId"),
            "authorizationScopes": c.get("authorizationScopes"),
        }
    )
    c.client("apigateway").put_method(**params)
    return f"agm-{api}-{resource}-{method}", {}


def _api_integration(c: Creation) -> Result:
    api, resource, method = c.get("restApi"), c.get("resourceId"), c.get("httpMethod")
    params = _present(
        {
            "restApiId": api,
            "resourceId": resource,
            "httpMethod": method,
            "type": c.get("type"),
            "integrationHttpMethod": c.get("integrationHttpMethod"),
            "uri": c.get("uri"),
            "credentials": c.get("credentials"),
            "requestParameters": c.get("requestParameters"),
            "requestTemplates": c.get("requestTemplates"),
            "passthroughBehavior": c.get("passthroughBehavior"),
            "contentHandling": c.get("contentHandling"),
            "timeoutInMillis": _int(c.get("timeoutMilliseconds")) if c.get("timeoutMilliseconds") else None,
            "cacheKeyParameters": c.get("cacheKeyParameters"),
        }
    )
    c.client("apigateway").put_integration(**params)
    return f"agi-{api}-{resource}-{method}", {}


def _api_method_response(c: Creation) -> Result:
    api, resource, method, status = c.get("restApi"), c.get("resourceId"), c.get("httpMethod"), c.get("statusCode")
    params = _present(
        {
            "restApiId": api,
            "resourceId": resource,
            "httpMethod": method,
            "statusCode": status,
            "responseParameters": c.get("responseParameters"),
            "responseModels": c.get("responseModels"),
        }
    )
    c.client("apigateway").put_method_response(**params)
    return f"agmr-{api}-{resource}-{method}-{status}", {}


def _api_integration_response(c: Creation) -> Result:
    api, resource, method, status = c.get("restApi"), c.get("resourceId"), c.get("httpMethod"), c.get("statusCode")
    params = _present(
        {
            "restApiId": api,
            "resourceId": resource,
            "httpMethod": method,
            "statusCode": status,
            "selectionPattern": c.get("selectionPattern"),
            "responseParameters": c.get("responseParameters"),
            "responseTemplates": c.get("responseTemplates"),
            "contentHandling": c.get("contentHandling"),
        }
    )
    c.client("apigateway").put_integration_response(**params)
    return f"agir-{api}-{resource}-{method}-{status}", {}


def _gateway_response(c: Creation) -> Result:
    api, response_type = c.get("restApiId"), c.get("responseType")
    params = _present(
        {
            "restApiId": api,
            "responseType": response_type,
            "statusCode": c.get("statusCode"),
            "responseParameters": c.get("responseParameters"),
            "responseTemplates": c.get("responseTemplates"),
        }
    )
    c.client("apigateway").put_gateway_response(**params)
    return f"aggr-{api}-{response_type}", {}


def _api_deployment(c: Creation) -> Result:
    params = _present(
        {"restApiId": c.get("restApi"), "description": c.get("description"), "variables": c.get("variables")}
    )
    created = c.client("apigateway").create_deployment(**params)
    api = c.get("restApi")
    return created["id"], {"executionArn": c.arn("execute-api", f"{api}/"), "createdDate": str(created["createdDate"])}


def _api_stage(c: Creation) -> Result:
    api, stage = c.get("restApi"), c.get("stageName")
    params = _present(
        {
            "restApiId": api,
            "stageName": stage,
            "deploymentId": c.get("deployment") or c.get("deploymentId"),
            "description": c.get("description"),
            "variables": c.get("variables"),
            "tracingEnabled": c.get("xrayTracingEnabled"),
            "cacheClusterEnabled": c.get("cacheClusterEnabled"),
            "cacheClusterSize": c.get("cacheClusterSize"),
            "tags": c.tags,
        }
    )
    apigateway = c.client("apigateway")
    apigateway.create_stage(**params)
    access_log = c.get("accessLogSettings", {})
    if access_log:
        apigateway.update_stage(
            restApiId=api,
            stageName=stage,
            patchOperations=[
                {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": access_log["destinationArn"]},
                {"op": "replace", "path": "/accessLogSettings/format", "value": access_log.get("format", "")},
            ],
        )
    return f"ags-{api}-{stage}", {
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/restapis/{api}/stages/{stage}",
        "executionArn": c.arn("execute-api", f"{api}/{stage}"),
        "invokeUrl": f"https://{api}.execute-api.{c.region}.amazonaws.com/{stage}",
    }


def _api_key(c: Creation) -> Result:
    params = _present(
        {
            "name": c.physical_name(),
            "description": c.get("description"),
            "enabled": bool(c.get("enabled", True)),
            "value": c.get("value"),
            "customerId": c.get("customerId"),
            "tags": c.tags,
        }
    )
    created = c.client("apigateway").create_api_key(**params)
    return created["id"], {
        "name": created["name"],
        "value": created["value"],
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/apikeys/{created['id']}",
    }


def _usage_plan(c: Creation) -> Result:
    stages = []
    for stage in c.get("apiStages", []):
        entry: dict[str, Any] = {"apiId": stage.get("apiId"), "stage": stage.get("stage")}
        throttles = {
            t["path"]: {"burstLimit": _int(t.get("burstLimit", 0)), "rateLimit": float(t.get("rateLimit", 0))}
            for t in stage.get("throttles", [])
            if t.get("path")
        }
        if throttles:
            entry["throttle"] = throttles
        stages.append(entry)
    quota = c.get("quotaSettings", {})
    throttle = c.get("throttleSettings", {})
    params = _present(
        {
            "name": c.physical_name(),
            "description": c.get("description"),
            "apiStages": stages,
            "quota": _present(
                {
                    "limit": _int(quota["limit"]) if quota.get("limit") is not None else None,
                    "offset": _int(quota["offset"]) if quota.get("offset") is not None else None,
                    "period": quota.get("period"),
                }
            ),
            "throttle": _present(
                {
                    "burstLimit": _int(throttle["burstLimit"]) if throttle.get("burstLimit") is not None else None,
                    "rateLimit": float(throttle["rateLimit"]) if throttle.get("rateLimit") is not None else None,
                }
            ),
            "tags": c.tags,
        }
    )
    created = c.client("apigateway").create_usage_plan(**params)
    return created["id"], {"arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/usageplans/{created['id']}"}


def _usage_plan_key(c: Creation) -> Result:
    created = c.client("apigateway").create_usage_plan_key(
        usagePlanId=c.get("usagePlanId"), keyId=c.get("keyId"), keyType=c.get("keyType", "API_KEY")
    )
    return created["id"], {"name": created.get("name"), "value": created.get("value")}


CREATORS: dict[str, Creator] = {
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _bucket_encryption,
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": _bucket_encryption,
    "aws:s3/bucketVersioning:BucketVersioning": _bucket_versioning,
    "aws:s3/bucketVersioningV2:BucketVersioningV2": _bucket_versioning,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _bucket_public_access_block,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _bucket_ownership_controls,
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_policy,
    "aws:sqs/queue:Queue": _queue,
    "aws:sqs/queuePolicy:QueuePolicy": _queue_policy,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": _topic_subscription,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _managed_policy,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _role_policy_attachment,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:lambda/function:Function": _lambda_function,
    "aws:lambda/permission:Permission": _lambda_permission,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigateway/resource:Resource": _api_resource,
    "aws:apigateway/method:Method": _api_method,
    "aws:apigateway/integration:Integration": _api_integration,
    "aws:apigateway/methodResponse:MethodResponse": _api_method_response,
    "aws:apigateway/integrationResponse:IntegrationResponse": _api_integration_response,
    "aws:apigateway/response:Response": _gateway_response,
    "aws:apigateway/deployment:Deployment": _api_deployment,
    "aws:apigateway/stage:Stage": _api_stage,
    "aws:apigateway/apiKey:ApiKey": _api_key,
    "aws:apigateway/usagePlan:UsagePlan": _usage_plan,
    "aws:apigateway/usagePlanKey:UsagePlanKey": _usage_plan_key,
}

MATERIALISED_TYPES = frozenset(CREATORS)

RANDOM_PASSWORD_TOKEN = "aws:secretsmanager/getRandomPassword:getRandomPassword"
_RANDOM_PASSWORD_ARGUMENTS = {
    "passwordLength": "PasswordLength",
    "excludeLowercase": "ExcludeLowercase",
    "excludeNumbers": "ExcludeNumbers",
    "excludePunctuation": "ExcludePunctuation",
    "excludeUppercase": "ExcludeUppercase",
    "includeSpace": "IncludeSpace",
    "requireEachIncludedType": "RequireEachIncludedType",
}


class MotoDeployMocks(AwsLikeMocks):
    """Mocks that create each resource on the request path in moto and answer with moto's ids and ARNs."""

    def __init__(self, endpoint: str, program_dir: Path, credentials: dict[str, str] | None = None) -> None:
        super().__init__(preview=False, account=MOTO_ACCOUNT_ID)
        self.clients = MotoClients(endpoint, credentials or DEPLOY_CREDENTIALS)
        self.program_dir = program_dir
        self.materialised: list[MaterialisedResource] = []
        self.not_materialised: Counter[str] = Counter()
        self.functions: list[FunctionCode] = []
        self.adjustments: list[str] = []
        self.failures: list[str] = []
        self._default_tags: dict[str, dict[str, str]] = {}
        self._record_lock = threading.Lock()

    def _tags_for(self, args: mocks.MockResourceArgs) -> dict[str, str]:
        with self._record_lock:
            tags = dict(self._default_tags.get(self.provider_key(args.provider or ""), {}))
        tags.update(args.inputs.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    def _record(self, collection: list[Any], item: Any) -> None:
        with self._record_lock:
            collection.append(item)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            default_tags = object_input(args.inputs.get("defaultTags")).get("tags") or {}
            with self._record_lock:
                self._default_tags[self.registered_provider_key(args)] = dict(default_tags)
            return super().new_resource(args)
        creator = CREATORS.get(args.typ)
        if creator is None:
            if args.custom:  # components are the program's own grouping, nothing AWS would hold
                with self._record_lock:
                    self.not_materialised[args.typ] += 1
            return super().new_resource(args)
        region = args.inputs.get("region") or self.region_for(args.provider or "")
        mock_id, answer = self.answer(args, region)
        creation = Creation(
            type=args.typ,
            name=args.name,
            inputs=unwrap_secrets(dict(args.inputs)),
            region=region,
            answer=answer,
            tags=self._tags_for(args),
            clients=self.clients,
            program_dir=self.program_dir,
            record_function=lambda code: self._record(self.functions, code),
            adjust=lambda note: self._record(self.adjustments, note),
        )
        try:
            resource_id, created = creator(creation)
        except Exception as exc:
            message = f"{args.typ} `{args.name}` ({region}) could not be created in moto: {type(exc).__name__}: {exc}"
            self._record(self.failures, message)
            raise DeployError(message) from exc
        self._record(self.materialised, MaterialisedResource(args.typ, args.name, region, resource_id or mock_id))
        return resource_id, {**args.inputs, **answer, **created}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == RANDOM_PASSWORD_TOKEN:
            # Secrets Manager generates the value, as it does for the real stack: moto answers, not a fixed string.
            region = self.region_for(args.provider or "")
            parameters = {
                moto_key: _int(args.args[key]) if moto_key == "PasswordLength" else bool(args.args[key])
                for key, moto_key in _RANDOM_PASSWORD_ARGUMENTS.items()
                if args.args.get(key) is not None
            }
            if args.args.get("excludeCharacters"):
                parameters["ExcludeCharacters"] = args.args["excludeCharacters"]
            password = self.clients.client("secretsmanager", region).get_random_password(**parameters)
            return {"randomPassword": password["RandomPassword"], "id": region}, []
        return super().call(args)


def _quiet_reported_failures() -> None:
    """The failed run leaves the SDK's futures for the refused resource holding the DeployError that `deploy` raises
    itself; asyncio would print each again ("Future exception was never retrieved") whenever it is collected."""
    loop = asyncio.get_event_loop_policy().get_event_loop()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not isinstance(context.get("exception"), DeployError):
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def deploy(
    project: ProjectSpec,
    endpoint: str,
    credentials: dict[str, str] | None = None,
    extra_config: dict[str, str] | None = None,
) -> Deployment:
    """Run `project`'s program once, creating what is on the request path in the moto server at `endpoint`.

    Raises DeployError naming the first resource moto refused, ProgramError when the program itself fails.
    """
    deploy_mocks = MotoDeployMocks(endpoint, project.main, credentials)
    try:
        capture = run_program(project, preview=False, mock_impl=deploy_mocks, extra_config=extra_config)
    except ProgramError as exc:
        if deploy_mocks.failures:
            _quiet_reported_failures()
            raise DeployError("; ".join(deploy_mocks.failures)) from exc
        raise
    return Deployment(
        endpoint=endpoint,
        capture=capture,
        materialised=list(deploy_mocks.materialised),
        not_materialised=dict(sorted(deploy_mocks.not_materialised.items())),
        functions=list(deploy_mocks.functions),
        adjustments=sorted(deploy_mocks.adjustments),
    )


def render_deployment(deployment: Deployment) -> str:
    capture = deployment.capture
    lines = [f"{capture.project}/{capture.stack} deployed into moto at {deployment.endpoint}", ""]
    lines.append("materialised:")
    lines.extend(f"  {count:>4}  {type_}" for type_, count in deployment.materialised_types().items())
    lines.append("not materialised (recorded with preflight's answers only):")
    lines.extend(f"  {count:>4}  {type_}" for type_, count in deployment.not_materialised.items())
    if deployment.adjustments:
        lines.append("stored differently from the program:")
        lines.extend(f"  {note}" for note in deployment.adjustments)
    lines.append("")
    lines.append(f"outputs: {', '.join(sorted(deployment.outputs)) or '(none)'}")
    return "\n".join(lines)


def deployment_json(deployment: Deployment) -> dict[str, Any]:
    return {
        "endpoint": deployment.endpoint,
        "materialised": [
            {"type": r.type, "name": r.name, "region": r.region, "id": r.id} for r in deployment.materialised
        ],
        "notMaterialised": deployment.not_materialised,
        "functions": [
            {
                "name": f.function_name,
                "arn": f.function_arn,
                "region": f.region,
                "handler": f.handler,
                "codePath": str(f.code_path) if f.code_path else None,
            }
            for f in deployment.functions
        ],
        "adjustments": deployment.adjustments,
        "outputs": deployment.outputs,
    }


def _deploy_command(args: argparse.Namespace) -> int:
    deployment = deploy(load_project(args.program, args.stack), args.endpoint)
    if args.format == "json":
        print(json.dumps(deployment_json(deployment), indent=2, sort_keys=True, default=str))
    else:
        print(render_deployment(deployment))
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deploy", help="deploy the stack into a running moto server (the integration suite's local target)"
    )
    add_program_arguments(parser)
    parser.add_argument("--endpoint", required=True, help="the moto server's URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(func=_deploy_command)
