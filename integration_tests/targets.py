"""The two targets the suite runs against, behind one interface the tests use: StackUnderTest.

- local: a moto server on loopback, the program deployed into it through preflight (local_target.deploy), the APIs
  served by LocalRestApi, the functions run in-process under their roles' credentials with IAM enforcement on.
- aws: a deployed stack's outputs (`pulumi stack output --json --show-secrets`), or an ephemeral stack the
  Automation API creates with the policy pack, tests, then destroys and removes.

The tests only see outputs, an API URL, boto3 clients and a PermissionProbe, so they are identical for both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.exceptions import ClientError
from policy_config import policy_config_for

from delivery_stack.config import StackConfig
from integration_tests.apigateway_account import missing_settings, stack_config
from integration_tests.local_target.clients import Credentials
from integration_tests.local_target.creation import MOTO_ACCOUNT_ID
from integration_tests.local_target.deploy import deploy
from integration_tests.local_target.records import Deployment, FunctionCode
from integration_tests.local_target.rest_api import LocalRestApi
from integration_tests.local_target.sandbox import FunctionSandbox, LambdaContext
from preflight import ProjectSpec

ALLOWED = "allowed"
DENIED = "denied"
# How services answer a call the caller's policies do not allow (moto answers JSON services with a bare 403).
_ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403"})
REST_API_TYPE = "aws:apigateway/restApi:RestApi"


class TargetUnavailable(Exception):
    """The target cannot be reached from here (no CLI, no credentials); the message says what is missing."""


def access_decision(attempt: Callable[[], Any]) -> str:
    """ALLOWED when the call gets past authorization (success, or an error about the resource), else DENIED."""
    try:
        attempt()
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _ACCESS_DENIED_CODES or (status == 403 and code in ("", "Forbidden")):
            return DENIED
    return ALLOWED


class PermissionProbe:
    """Answers whether the function's role may perform `action` on `resource_arn`.

    Local: the call is really made with the role's credentials (`attempt`, given a client factory) and moto's IAM
    enforcement decides. AWS: the role trusts only lambda.amazonaws.com, so the IAM policy simulator evaluates the
    role's policies for the same action and ARN instead.
    """

    def __init__(self, role_arn: str, role_clients: Callable[[str], Any] | None, iam: Any) -> None:
        self.role_arn = role_arn
        self._role_clients = role_clients
        self._iam = iam

    def decide(self, action: str, resource_arn: str, attempt: Callable[[Callable[[str], Any]], Any]) -> str:
        if self._role_clients is not None:
            role_clients = self._role_clients
            return access_decision(lambda: attempt(role_clients))
        result = self._iam.simulate_principal_policy(
            PolicySourceArn=self.role_arn, ActionNames=[action], ResourceArns=[resource_arn]
        )["EvaluationResults"][0]
        return ALLOWED if result["EvalDecision"] == "allowed" else DENIED


@dataclass
class FunctionUnderTest:
    key: str
    outputs: dict[str, Any]
    role_arn: str
    probe: PermissionProbe

    @property
    def name(self) -> str:
        return str(self.outputs["function_name"])


@dataclass
class RegionUnderTest:
    """One region of the stack: its outputs, its API's URL, and boto3 clients with the suite's own credentials."""

    name: str
    outputs: dict[str, Any]
    api_url: str
    client: Callable[[str], Any]
    functions: dict[str, FunctionUnderTest] = field(default_factory=dict)

    def output(self, key: str) -> Any:
        if key not in self.outputs:
            raise KeyError(
                f"stack output regions.{self.name}.{key} is missing; the region exports {sorted(self.outputs)}"
            )
        return self.outputs[key]

    def function(self, key: str) -> FunctionUnderTest:
        if key not in self.functions:
            raise KeyError(f"function {key!r} is not in regions.{self.name}.functions ({sorted(self.functions)})")
        return self.functions[key]


@dataclass
class StackUnderTest:
    target: str  # "local" or "aws"
    description: str
    outputs: dict[str, Any]
    regions: dict[str, RegionUnderTest]
    config: StackConfig
    header_lines: list[str] = field(default_factory=list)
    local: LocalTarget | None = None

    @property
    def primary(self) -> RegionUnderTest:
        return self.regions[str(self.outputs["primary_region"])]


def _function_outputs(region_outputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    functions = region_outputs.get("functions")
    if not isinstance(functions, dict) or not functions:
        raise KeyError(f"stack outputs carry no `functions` map for the region (keys: {sorted(region_outputs)})")
    return functions


def _regions(
    outputs: dict[str, Any],
    api_url_for: Callable[[str, dict[str, Any]], str],
    client_for: Callable[[str], Callable[[str], Any]],
    probe_for: Callable[[str, str, Callable[[str], Any]], PermissionProbe],
) -> dict[str, RegionUnderTest]:
    regions: dict[str, RegionUnderTest] = {}
    for name, region_outputs in outputs["regions"].items():
        client = client_for(name)
        region = RegionUnderTest(name, region_outputs, api_url_for(name, region_outputs), client)
        for key, function_outputs in _function_outputs(region_outputs).items():
            role_arn = client("lambda").get_function_configuration(FunctionName=function_outputs["function_name"])[
                "Role"
            ]
            region.functions[key] = FunctionUnderTest(
                key, function_outputs, role_arn, probe_for(name, role_arn, client)
            )
        regions[name] = region
    return regions


@dataclass
class LocalTarget:
    """What the local target started, so the session can stop it and failure-injection tests can reach moto."""

    aws: Any  # integration_tests.local_target.moto_server.LocalAws
    deployment: Deployment
    admin: Credentials
    apis: list[LocalRestApi]
    sandboxes: dict[str, FunctionSandbox]

    def close(self) -> None:
        for api in self.apis:
            api.close()
        self.aws.close()


def source_dir_for(function: FunctionCode, functions_dir: Path) -> Path:
    """The source the local target runs for a function: functions/<name>/ for the package built from it.

    The program deploys the vendored build (`build/functions/<name>`: Linux wheels for the Lambda runtime); that
    package is what moto stores, while the handler runs here from its source with this environment's packages.
    """
    module = function.handler.rpartition(".")[0].replace(".", "/")
    candidates = []
    if function.code_path is not None:
        candidates += [functions_dir / function.code_path.name, function.code_path]
    for candidate in candidates:
        if (candidate / f"{module}.py").is_file():
            return candidate
    raise FileNotFoundError(
        f"function {function.function_name}: no source with {module}.py for its code archive {function.code_path} "
        f"(looked in {', '.join(str(c) for c in candidates) or 'nothing: the program named no code on disk'})"
    )


def start_local(project: ProjectSpec, functions_dir: Path) -> StackUnderTest:
    """Start moto, deploy the program into it, take the roles' credentials, switch IAM on, serve the APIs."""
    from integration_tests.local_target.moto_server import LocalAws

    aws = LocalAws()
    try:
        deployment = deploy(project, aws.endpoint)
        admin = aws.create_admin()
        sandboxes: dict[str, FunctionSandbox] = {}
        role_credentials: dict[str, Credentials] = {}
        for function in deployment.functions:
            configuration = aws.client("lambda", function.region, admin).get_function_configuration(
                FunctionName=function.function_arn
            )
            credentials = aws.assume_role(configuration["Role"], function.region, function.function_name)
            role_credentials[configuration["Role"]] = credentials
            sandboxes[function.function_arn] = _sandbox(
                aws.endpoint, function, configuration, credentials, functions_dir
            )
        aws.enforce_iam()
        apis = [
            LocalRestApi(
                api_id=resource.id,
                region=resource.region,
                moto=aws.session(admin, resource.region),
                endpoint=aws.endpoint,
                sandbox_for=sandboxes.__getitem__,
                account_id=MOTO_ACCOUNT_ID,
            )
            for resource in deployment.materialised
            if resource.type == REST_API_TYPE
        ]
    except BaseException:
        aws.close()
        raise
    local = LocalTarget(aws, deployment, admin, apis, sandboxes)
    by_api = {api.api_id: api for api in apis}

    def api_url_for(region: str, outputs: dict[str, Any]) -> str:
        api_id = outputs.get("api_id")
        if api_id not in by_api:
            raise KeyError(f"regions.{region}.api_id = {api_id!r} names no REST API deployed into moto")
        return by_api[api_id].stage_url(str(outputs.get("stage_name")))

    def client_for(region: str) -> Callable[[str], Any]:
        return lambda service: aws.client(service, region, admin)

    def probe_for(region: str, role_arn: str, client: Callable[[str], Any]) -> PermissionProbe:
        credentials = role_credentials[role_arn]
        return PermissionProbe(role_arn, lambda service: aws.client(service, region, credentials), client("iam"))

    try:
        regions = _regions(deployment.outputs, api_url_for, client_for, probe_for)
    except BaseException:
        local.close()
        raise
    not_materialised = ", ".join(f"{t} ({n})" for t, n in deployment.not_materialised.items()) or "none"
    header = [
        f"integration target: local (moto {aws.endpoint}, stack {project.stack}, APIs served on loopback)",
        f"materialised in moto: {sum(deployment.materialised_types().values())} resources of "
        f"{len(deployment.materialised_types())} types",
        f"not materialised (recorded only): {not_materialised}",
        *(f"stored differently: {note}" for note in deployment.adjustments),
    ]
    return StackUnderTest(
        target="local",
        description=f"local moto deploy of {project.name}/{project.stack}",
        outputs=deployment.outputs,
        regions=regions,
        config=stack_config(project),
        header_lines=header,
        local=local,
    )


def _sandbox(
    endpoint: str,
    function: FunctionCode,
    configuration: dict[str, Any],
    credentials: Credentials,
    functions_dir: Path,
) -> FunctionSandbox:
    code_dir = source_dir_for(function, functions_dir)
    name = configuration["FunctionName"]
    memory = int(configuration.get("MemorySize", 128))
    timeout = int(configuration.get("Timeout", 3))
    log_group = (configuration.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"
    environment = {
        **((configuration.get("Environment") or {}).get("Variables") or {}),
        # What the Lambda runtime adds; tracing stays unsampled locally (X-Ray is checked on AWS only).
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]adapter",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{configuration.get('Runtime', 'python3.12')}",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": function.handler,
        "_X_AMZN_TRACE_ID": f"Root=1-00000000-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0",
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token or "",
        "AWS_ENDPOINT_URL": endpoint,
    }
    return FunctionSandbox(
        code_dir,
        function.handler,
        environment,
        lambda: LambdaContext(name, function.function_arn, memory, log_group, timeout),
    )


def _aws_client_factory(region: str) -> Callable[[str], Any]:
    session: Any = boto3.session.Session(region_name=region)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service)
        return clients[service]

    return client


def require_aws_access() -> None:
    """Raises TargetUnavailable unless the pulumi CLI is on PATH and AWS credentials resolve."""
    missing = []
    if shutil.which("pulumi") is None:
        missing.append("the `pulumi` CLI is not on PATH")
    if boto3.session.Session().get_credentials() is None:
        missing.append("no AWS credentials resolve (environment, profile, SSO or instance role)")
    if missing:
        raise TargetUnavailable("; ".join(missing))


def _aws_stack(outputs: dict[str, Any], project: ProjectSpec, description: str) -> StackUnderTest:
    def api_url_for(region: str, region_outputs: dict[str, Any]) -> str:
        return str(region_outputs["api_url"]).rstrip("/")

    def probe_for(region: str, role_arn: str, client: Callable[[str], Any]) -> PermissionProbe:
        return PermissionProbe(role_arn, None, client("iam"))

    regions = _regions(outputs, api_url_for, _aws_client_factory, probe_for)
    return StackUnderTest(
        target="aws",
        description=description,
        outputs=outputs,
        regions=regions,
        config=stack_config(project),
        header_lines=[f"integration target: aws ({description})"],
    )


def existing_aws_stack(project: ProjectSpec) -> StackUnderTest:
    """A deployed stack's outputs, read with the CLI from the project directory."""
    require_aws_access()
    completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["pulumi", "stack", "output", "--json", "--show-secrets", "-s", project.stack],  # noqa: S607
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise TargetUnavailable(f"`pulumi stack output -s {project.stack}` failed: {completed.stderr.strip()}")
    return _aws_stack(json.loads(completed.stdout), project, f"stack {project.stack}")


@dataclass
class EphemeralStack:
    """A uniquely suffixed stack created for this session; `destroy` tears it down and removes it."""

    stack: Any  # pulumi.automation.Stack
    name: str

    def destroy(self) -> None:
        try:
            self.stack.destroy(on_output=print)
        finally:
            self.stack.workspace.remove_stack(self.name)


def base_stack_config(project: ProjectSpec, base_stack: str) -> dict[str, str]:
    """The base stack file's own config (project-level config in Pulumi.yaml applies to every stack by itself)."""
    stack_file = project.root / f"Pulumi.{base_stack}.yaml"
    if not stack_file.is_file():
        raise TargetUnavailable(f"{stack_file}: the base stack file for --ephemeral is missing")
    entries = (yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}).get("config") or {}
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in entries.items()}


def ephemeral_aws_stack(project: ProjectSpec, base_stack: str) -> tuple[StackUnderTest, EphemeralStack]:
    """Create `<base>-it-<suffix>` with the base stack's config and a unique environment suffix, `up` it with the
    policy pack (the CrossGuard gate runs for real), and describe it. The caller must call `destroy()`."""
    require_aws_access()
    # The first `up` in an account without API Gateway's CloudWatch role would fail half-way, leaving a stack to
    # destroy: stop before creating anything, with the command that fixes it.
    regions = stack_config(project).regions
    missing = missing_settings(regions, lambda service, region: _aws_client_factory(region)(service))
    if missing:
        raise TargetUnavailable("; ".join(setting.line() for setting in missing))
    from pulumi import automation

    suffix = uuid.uuid4().hex[:6]
    name = f"{base_stack}-it-{suffix}"
    stack = automation.create_stack(stack_name=name, work_dir=str(project.root))
    ephemeral = EphemeralStack(stack, name)
    try:
        for key, value in base_stack_config(project, base_stack).items():
            stack.set_config(key, automation.ConfigValue(value=value))
        stack.set_config(f"{project.name}:environmentSuffix", automation.ConfigValue(value=f"it{suffix}"))
        # The pack with the config generated from the stack config, as the deploy workflow runs `pulumi up`.
        policy_config = project.root / "out" / "policy-config" / f"{name}.json"
        policy_config.parent.mkdir(parents=True, exist_ok=True)
        policy_config.write_text(json.dumps(policy_config_for(stack_config(project))), encoding="utf-8")
        stack.up(
            on_output=print,
            policy_packs=[str(project.root / "policies")],
            policy_pack_configs=[str(policy_config)],
        )
        outputs = {key: value.value for key, value in stack.outputs().items()}
        described = _aws_stack(outputs, project, f"ephemeral stack {name}")
    except BaseException:
        ephemeral.destroy()
        raise
    return described, ephemeral


def environment_asks_for_aws() -> bool:
    return os.environ.get("INTEGRATION_TARGET", "").strip().lower() == "aws"
