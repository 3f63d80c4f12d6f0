"""How a policy of this pack is declared, evaluated and turned into a pulumi_policy object.

A policy is data (`PolicySpec`: name, description, severity, remediation, the Checkov and cdk-nag rules it matches,
config schema) plus one check function. The check never talks to pulumi_policy directly: it records findings on an
`Evaluation`. `build_policy` wraps the check so that, for every resource,

- each finding is reported as a violation with a stable finding id in its message (`... (finding: <id>)`), unless a
  reviewed exemption covers it;
- exempted findings are written to the pack's log and reported as the policy being not applicable to the resource,
  with a reason that starts with EXEMPTED_PREFIX followed by JSON (the offline gate reads it back; the Pulumi CLI
  records it as a policy result);
- a check that could not decide because a value is unknown (preview) reports that once, as pulumi_policy does for
  an unknown read (an advisory "can't run policy during preview"), and never a violation built on the unknown value.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from delivery_policies.exemptions import Exemptions
from delivery_policies.props import plain

EXEMPTED_PREFIX: Final = "exempted by exemptions.yaml: "
FINDING_SUFFIX: Final = " (finding: {finding})"


@dataclass(frozen=True)
class Finding:
    finding: str
    message: str
    urn: str = ""
    type: str = ""
    name: str = ""


@dataclass(frozen=True)
class ProviderView:
    type: str
    name: str
    urn: str
    props: Mapping[str, Any]


@dataclass(frozen=True)
class ResourceView:
    """What a check sees of one resource, the same for resource and stack validation."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    provider: ProviderView | None
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def depends_through(self, prop: str) -> tuple[str, ...]:
        """URNs of the resources the value of `prop` came from (propertyDependencies)."""
        return self.property_dependencies.get(prop, ())


def _provider_view(provider: PolicyProviderResource | None) -> ProviderView | None:
    if provider is None:
        return None
    return ProviderView(type=provider.resource_type, name=provider.name, urn=provider.urn, props=provider.props)


def view_of_args(args: ResourceValidationArgs) -> ResourceView:
    return ResourceView(
        type=args.resource_type,
        name=args.name,
        urn=args.urn,
        props=args.props,
        provider=_provider_view(args.provider),
        parent=args.opts.parent or "",
    )


def view_of_stack_resource(resource: PolicyResource) -> ResourceView:
    return ResourceView(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        props=resource.props,
        provider=_provider_view(resource.provider),
        parent=resource.parent.urn if resource.parent is not None else "",
        dependencies=tuple(dependency.urn for dependency in resource.dependencies),
        property_dependencies={
            key: tuple(dependency.urn for dependency in values)
            for key, values in resource.property_dependencies.items()
        },
    )


class Evaluation:
    """What one check found on one resource (or one stack)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.findings: list[Finding] = []
        self.unknown: UnknownValueError | None = None
        self.not_applicable_reason: str | None = None
        self.context_exempted: list[tuple[ResourceView, str]] = []

    def violation(self, finding: str, message: str, resource: ResourceView | None = None) -> None:
        if resource is None:
            self.findings.append(Finding(finding, message))
        else:
            self.findings.append(Finding(finding, message, resource.urn, resource.type, resource.name))

    def undecided(self, *property_path: str) -> None:
        """A value the decision needs is unknown: say so once, report nothing built on it."""
        if self.unknown is None:
            self.unknown = UnknownValueError(UNKNOWN_STRING_VALUE, list(property_path))

    def undecided_by(self, error: UnknownValueError) -> None:
        if self.unknown is None:
            self.unknown = error

    def not_applicable(self, reason: str) -> None:
        self.not_applicable_reason = reason

    def exempt_by_context(self, resource: ResourceView, reason: str) -> None:
        """The program's context makes the policy moot for `resource` (logged; the not-applicable reason when the
        check found nothing else)."""
        self.context_exempted.append((resource, reason))


ResourceCheck = Callable[[ResourceView, Evaluation], None]
StackCheck = Callable[[list[ResourceView], Evaluation], None]

# Where each policy's reference section lives: the generated docs/policies.md, relative to the repository root unless
# DELIVERY_POLICIES_REFERENCE_URL names another base (a rendered copy of the page, e.g. on the code host).
REFERENCE_PAGE_ENV: Final = "DELIVERY_POLICIES_REFERENCE_URL"
DEFAULT_REFERENCE_PAGE: Final = "docs/policies.md"


def reference_url(name: str) -> str:
    """The policy's section of the reference page (its heading's anchor)."""
    return f"{os.environ.get(REFERENCE_PAGE_ENV) or DEFAULT_REFERENCE_PAGE}#{name}"


Category = Literal["security", "observability", "resilience", "hygiene", "convention"]


@dataclass(frozen=True)
class PolicySpec:
    """A policy as data. `resource_types` limits a resource check to those type tokens (None: every type).

    `category` decides what the generic profile does with the policy; `example` is a compliant Pulumi Python snippet
    and `peer_notes` how Checkov and cdk-nag differ (both rendered into the policy reference).
    """

    name: str
    description: str
    severity: Severity
    remediation: str
    checkov: tuple[str, ...]
    cdk_nag: tuple[str, ...]
    topics: tuple[str, ...]
    scope: Literal["resource", "stack"]
    check: Callable[..., None]
    category: Category
    example: str
    resource_types: frozenset[str] | None = None
    config_properties: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    peer_notes: str = ""

    @property
    def tags(self) -> list[str]:
        """Topics, then the matching rules as `checkov:<id>` and `cdk-nag:<id>` (`checkov:none` when there is none)."""
        return [
            *self.topics,
            *(f"checkov:{rule}" for rule in self.checkov or ("none",)),
            *(f"cdk-nag:{rule}" for rule in self.cdk_nag or ("none",)),
        ]

    def config_defaults(self) -> dict[str, Any]:
        return {key: schema["default"] for key, schema in self.config_properties.items() if "default" in schema}

    def effective_config(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """Schema defaults overlaid with what the engine configured (the engine fills defaults too)."""
        config = self.config_defaults()
        for key, value in plain(given or {}).items():
            if key in self.config_properties:
                config[key] = value
        return config


def _message(finding: Finding) -> str:
    return finding.message + FINDING_SUFFIX.format(finding=finding.finding)


def _settle(
    spec: PolicySpec,
    evaluation: Evaluation,
    *,
    exemptions: Exemptions,
    report_violation: ReportViolation,
    not_applicable: Callable[[str], None],
    subject: ResourceView | None,
) -> None:
    """Report what the check found, honouring exemptions, then say once if it could not decide."""
    exempted: list[dict[str, str]] = []
    for finding in evaluation.findings:
        urn = finding.urn or (subject.urn if subject else "")
        type_ = finding.type or (subject.type if subject else "")
        name = finding.name or (subject.name if subject else "")
        exemption = exemptions.find(spec.name, urn, type_, name, finding.finding)
        if exemption is None:
            report_violation(_message(finding), finding.urn or None)
            continue
        exempted.append(
            {"urn": urn, "finding": finding.finding, "message": finding.message, "reason": exemption.reason}
        )
        pulumi.log.info(f"policy {spec.name}: {urn}: finding {finding.finding} exempted: {exemption.reason}")
    if exempted:
        if evaluation.unknown is not None:
            exempted.append({"urn": "", "finding": "", "message": evaluation.unknown.message, "reason": ""})
        not_applicable(EXEMPTED_PREFIX + json.dumps(exempted, sort_keys=True))
    for resource, reason in evaluation.context_exempted:
        pulumi.log.info(f"policy {spec.name}: {resource.urn}: not applicable: {reason}")
    if evaluation.unknown is not None:
        raise evaluation.unknown
    if evaluation.not_applicable_reason is not None:
        not_applicable(evaluation.not_applicable_reason)
    if evaluation.context_exempted and not evaluation.findings:
        not_applicable("; ".join(f"{resource.name}: {reason}" for resource, reason in evaluation.context_exempted))


def _evaluate(spec: PolicySpec, config: Mapping[str, Any] | None, check: Callable[[Evaluation], None]) -> Evaluation:
    """Run `check` on a fresh evaluation; an unknown value it read leaves the evaluation undecided."""
    evaluation = Evaluation(spec.effective_config(config))
    try:
        check(evaluation)
    except UnknownValueError as error:
        evaluation.undecided_by(error)
    return evaluation


def build_policy(spec: PolicySpec, exemptions: Exemptions) -> Policy:
    """The pulumi_policy object for `spec`, mandatory by default, honouring `exemptions`."""
    declared: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "enforcement_level": EnforcementLevel.MANDATORY,
        "config_schema": (
            PolicyConfigSchema(properties={key: dict(value) for key, value in spec.config_properties.items()})
            if spec.config_properties
            else None
        ),
        "severity": spec.severity,
        "tags": spec.tags,
        "remediation_steps": spec.remediation,
        "url": reference_url(spec.name),
    }

    if spec.scope == "resource":
        resource_check: ResourceCheck = spec.check
        types = spec.resource_types

        def validate_resource(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            # Most resources are of no concern to most policies: decide that before touching any property.
            if types is not None and args.resource_type not in types:
                return
            subject = view_of_args(args)
            evaluation = _evaluate(spec, args.get_config(), lambda found: resource_check(subject, found))
            _settle(
                spec,
                evaluation,
                exemptions=exemptions,
                report_violation=report_violation,
                not_applicable=args.not_applicable,
                subject=subject,
            )

        return ResourceValidationPolicy(validate=validate_resource, **declared)

    stack_check: StackCheck = spec.check

    def validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [view_of_stack_resource(resource) for resource in args.resources]
        evaluation = _evaluate(spec, args.get_config(), lambda found: stack_check(resources, found))
        _settle(
            spec,
            evaluation,
            exemptions=exemptions,
            report_violation=report_violation,
            not_applicable=args.not_applicable,
            subject=None,
        )

    return StackValidationPolicy(validate=validate_stack, **declared)
