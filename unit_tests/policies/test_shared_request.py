"""The pack's Analyze/AnalyzeStack (one deserialisation per request) against pulumi_policy's own code.

The digest test fails when pulumi-policy changes the methods shared_request.py replaces; the comparison tests run the
same requests through upstream's methods and the replacements on one servicer and require identical responses.
"""

from __future__ import annotations

import contextvars
import gc
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from delivery_policies import build_policies, resource_types_by_policy, shared_request
from delivery_policies.shared_request import (
    UPSTREAM_DIGESTS,
    Servicer,
    analyze,
    analyze_skipping,
    analyze_stack,
    configure_runtime_settings,
    remediate,
    upstream_digest,
)
from unit_tests.policies.pack_harness import CMK_ARN, REQUIRED_TAGS, UNKNOWN, engine_urn, secret

UPSTREAM_ANALYZE = Servicer.__dict__["Analyze"]
UPSTREAM_ANALYZE_STACK = Servicer.__dict__["AnalyzeStack"]
UPSTREAM_REMEDIATE = Servicer.__dict__["Remediate"]
UPSTREAM_CONFIGURE_RUNTIME = Servicer.__dict__["_configure_runtime_settings"]
PROVIDER_URN = engine_urn("pulumi:providers:aws", "aws")


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _provider() -> analyzer_pb2.AnalyzerProviderResource:
    return analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws",
        properties=_struct({"region": "us-east-1", "accessKey": secret("not-a-key")}),
        urn=PROVIDER_URN,
        name="aws",
    )


RESOURCES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "aws:lambda/function:Function",
        "handler",
        {"role": UNKNOWN, "tracingConfig": {"mode": "PassThrough"}, "tags": dict(REQUIRED_TAGS)},
    ),
    ("aws:s3/bucket:Bucket", "artifacts", {"bucket": "artifacts", "tags": {"Project": secret("policy-tests")}}),
    ("aws:kms/key:Key", "key", {"enableKeyRotation": False, "tags": dict(REQUIRED_TAGS)}),
    ("aws:sqs/queue:Queue", "dlq", {"kmsMasterKeyId": CMK_ARN, "tags": {"Owner": UNKNOWN}}),
    ("aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": 1, "name": secret("/aws/lambda/x")}),
)


def _request(type_: str, name: str, props: dict[str, Any]) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type=type_, properties=_struct(props), urn=engine_urn(type_, name), name=name, provider=_provider()
    )


def _stack_request() -> analyzer_pb2.AnalyzeStackRequest:
    urns = [engine_urn(type_, name) for type_, name, _ in RESOURCES]
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=type_,
                properties=_struct(props),
                urn=urn,
                name=name,
                provider=_provider(),
                parent=urns[0] if index else "",
                dependencies=urns[:index],
                propertyDependencies={"role": analyzer_pb2.AnalyzerPropertyDependencies(urns=urns[:index])},
            )
            for index, ((type_, name, props), urn) in enumerate(zip(RESOURCES, urns, strict=True))
        ]
    )


def _writes_then_reads(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    tags = args.props.get("tags")
    if isinstance(tags, Mapping):
        report_violation(f"before the write: {sorted(tags)}")
    args.props["tags"] = {"written": "by one policy"}  # type: ignore[index]
    report_violation(f"provider region {args.provider.props['region'] if args.provider else None}")


def _reads_config(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    report_violation(f"config {dict(args.get_config())} on {args.props.get('role')}")


def _not_applicable(args: ResourceValidationArgs, _report_violation: ReportViolation) -> None:
    args.not_applicable(f"not for {args.resource_type}")


def _links(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for resource in args.resources:
        parent = resource.parent.urn if resource.parent else ""
        dependencies = [dependency.urn for dependency in resource.dependencies]
        by_role = [dependency.urn for dependency in resource.property_dependencies.get("role", [])]
        report_violation(f"{resource.urn} parent {parent} deps {dependencies} role {by_role}", resource.urn)
    args.resources[0].props["tags"]["Owner"]


def _tags_remediated(args: ResourceValidationArgs) -> Mapping[str, Any]:
    return {**args.props, "tags": {**(args.props.get("tags") or {}), "Remediated": "yes"}}


def _sees_remediated(args: ResourceValidationArgs) -> None:
    if "Remediated" not in (args.props.get("tags") or {}):
        args.not_applicable("the earlier remediation's properties were not passed on")
    args.props.get("role")


REMEDIATIONS = [
    ResourceValidationPolicy(
        "remediates-tags", "adds a tag", remediate=_tags_remediated, enforcement_level=EnforcementLevel.REMEDIATE
    ),
    ResourceValidationPolicy(
        "sees-remediated",
        "reads the remediated tags",
        remediate=_sees_remediated,
        enforcement_level=EnforcementLevel.REMEDIATE,
    ),
    ResourceValidationPolicy(
        "validates-only", "no remediation", _not_applicable, enforcement_level=EnforcementLevel.REMEDIATE
    ),
]


def _probes() -> list[Any]:
    """Policies that exercise what sharing could break: a write through the proxy, config, not-applicable, the
    graph links of a stack, and unknown reads in both."""
    return [
        ResourceValidationPolicy("writes-then-reads", "a write through the proxy", _writes_then_reads),
        ResourceValidationPolicy("writes-then-reads-again", "sees no earlier policy's write", _writes_then_reads),
        ResourceValidationPolicy(
            "reads-config",
            "config and an unknown read",
            _reads_config,
            config_schema=PolicyConfigSchema(properties={"limit": {"type": "integer", "default": 3}}),
        ),
        ResourceValidationPolicy("not-applicable", "not applicable", _not_applicable),
        ResourceValidationPolicy(
            "disabled", "never runs", _not_applicable, enforcement_level=EnforcementLevel.DISABLED
        ),
        StackValidationPolicy("links", "graph links and an unknown read", _links),
        StackValidationPolicy("links-again", "graph links again", _links),
    ]


def _servicer(*extra: Any) -> Any:
    policies = [*_probes(), *build_policies(), *extra]
    servicer = Servicer("shared-request-tests", "0.0.1", policies, EnforcementLevel.MANDATORY)
    servicer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                "reads-config": analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.ADVISORY, properties=_struct({"limit": 7})
                )
            }
        ),
        None,
    )
    return servicer


def test_the_installed_pulumi_policy_has_the_code_the_replacements_were_copied_from() -> None:
    assert {name: upstream_digest(name) for name in UPSTREAM_DIGESTS} == UPSTREAM_DIGESTS


@pytest.mark.parametrize(("type_", "name", "props"), RESOURCES, ids=[name for _, name, _ in RESOURCES])
def test_analyze_answers_as_upstream_does(type_: str, name: str, props: dict[str, Any]) -> None:
    servicer = _servicer()
    request = _request(type_, name, props)

    expected = UPSTREAM_ANALYZE(servicer, request, None)
    actual = analyze(servicer, request, None)

    assert expected.diagnostics, "the probes report on every resource"
    assert actual == expected


@pytest.mark.parametrize("extra", [REMEDIATIONS, []], ids=["remediation policies", "the pack alone"])
@pytest.mark.parametrize(("type_", "name", "props"), RESOURCES, ids=[name for _, name, _ in RESOURCES])
def test_remediate_answers_as_upstream_does(type_: str, name: str, props: dict[str, Any], extra: list[Any]) -> None:
    servicer = _servicer(*extra)
    request = _request(type_, name, props)

    expected = UPSTREAM_REMEDIATE(servicer, request, None)
    actual = remediate(servicer, request, None)

    assert bool(expected.remediations) == bool(extra)
    assert actual == expected


@pytest.mark.parametrize(("type_", "name", "props"), RESOURCES, ids=[name for _, name, _ in RESOURCES])
def test_analyze_skipping_the_policies_of_other_types_answers_as_upstream_does(
    type_: str, name: str, props: dict[str, Any]
) -> None:
    servicer = _servicer()
    request = _request(type_, name, props)
    types = resource_types_by_policy()

    expected = UPSTREAM_ANALYZE(servicer, request, None)
    actual = analyze_skipping(types)(servicer, request, None)

    assert any(type_ not in checked for checked in types.values()), "some policy is skipped"
    assert actual == expected


def test_analyze_stack_answers_as_upstream_does() -> None:
    servicer = _servicer()
    request = _stack_request()

    expected = UPSTREAM_ANALYZE_STACK(servicer, request, None)
    actual = analyze_stack(servicer, request, None)

    assert len(expected.diagnostics) > 2 * len(RESOURCES), "both link probes report every resource"
    assert actual == expected


def test_a_write_through_the_proxy_stays_with_the_policy_that_made_it() -> None:
    response = analyze(_servicer(), _request(*RESOURCES[0]), None)

    befores = [d.message for d in response.diagnostics if "before the write" in d.message]
    assert len(befores) == 2
    assert all("written" not in message for message in befores)


def _runtime_after(configure: Callable[[Any], None]) -> tuple[Any, ...]:
    """What a policy can read of pulumi's runtime after `configure` ran on a servicer, starting from an empty runtime
    in a context of its own (nothing leaks into other tests)."""

    def run() -> tuple[Any, ...]:
        pulumi.runtime.set_all_config({})
        pulumi.runtime.configure(pulumi.runtime.Settings(project=None, stack=None))
        configure(_servicer())
        return (
            pulumi.get_project(),
            pulumi.get_stack(),
            pulumi.runtime.is_dry_run(),
            pulumi.get_organization(),
            pulumi.runtime.get_config("aws:region"),
        )

    return contextvars.copy_context().run(run)


@pytest.mark.parametrize(
    "environment",
    [
        {"PULUMI_ORGANIZATION": "acme", "PULUMI_DRY_RUN": "true", "PULUMI_CONFIG": '{"aws:region": "us-west-2"}'},
        {"PULUMI_DRY_RUN": "false"},
    ],
    ids=["organization and config", "neither"],
)
def test_runtime_settings_are_configured_as_upstream_configures_them(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PULUMI_ORGANIZATION", "PULUMI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PULUMI_PROJECT", "delivery")
    monkeypatch.setenv("PULUMI_STACK", "dev")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    expected = _runtime_after(UPSTREAM_CONFIGURE_RUNTIME)
    actual = _runtime_after(configure_runtime_settings)

    assert expected == (
        "delivery",
        "dev",
        environment["PULUMI_DRY_RUN"] == "true",
        environment.get("PULUMI_ORGANIZATION", "organization"),
        "us-west-2" if "PULUMI_CONFIG" in environment else None,
    )
    assert actual == expected


def _upstream_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Servicer, "Analyze", UPSTREAM_ANALYZE)
    monkeypatch.setattr(Servicer, "AnalyzeStack", UPSTREAM_ANALYZE_STACK)
    monkeypatch.setattr(Servicer, "Remediate", UPSTREAM_REMEDIATE)
    monkeypatch.setattr(Servicer, "_configure_runtime_settings", UPSTREAM_CONFIGURE_RUNTIME)


def test_install_replaces_the_methods_while_upstream_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    _upstream_methods(monkeypatch)

    assert shared_request.install() is True
    assert Servicer.AnalyzeStack is analyze_stack
    assert Servicer.Remediate is remediate
    assert Servicer._configure_runtime_settings is configure_runtime_settings
    assert Servicer.Analyze.__qualname__ == analyze.__qualname__


@pytest.mark.parametrize("changed", sorted(UPSTREAM_DIGESTS))
def test_install_leaves_upstream_alone_when_its_code_changed(changed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _upstream_methods(monkeypatch)
    monkeypatch.setitem(UPSTREAM_DIGESTS, changed, "0" * 64)

    assert shared_request.install() is False
    assert (Servicer.Analyze, Servicer.AnalyzeStack, Servicer.Remediate, Servicer._configure_runtime_settings) == (
        UPSTREAM_ANALYZE,
        UPSTREAM_ANALYZE_STACK,
        UPSTREAM_REMEDIATE,
        UPSTREAM_CONFIGURE_RUNTIME,
    )


def _reports_the_collector(_args: StackValidationArgs, report_violation: ReportViolation) -> None:
    report_violation(f"collector enabled: {gc.isenabled()}")


def test_stack_policies_run_without_the_cyclic_collector_and_it_is_back_afterwards() -> None:
    policy = StackValidationPolicy("reports-the-collector", "reports gc.isenabled()", _reports_the_collector)
    servicer = Servicer("shared-request-tests", "0.0.1", [policy], EnforcementLevel.MANDATORY)
    assert gc.isenabled()

    response = analyze_stack(servicer, _stack_request(), None)

    assert [d.message.splitlines()[-1] for d in response.diagnostics] == ["collector enabled: False"]
    assert gc.isenabled()
