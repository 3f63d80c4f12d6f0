"""pulumi_policy's Analyze, AnalyzeStack and Remediate, deserialising each resource once per request instead of once
per policy.

pulumi-policy 1.21.0 (pulumi/pulumi-policy, sdk/python/lib/pulumi_policy/policy.py, `_PolicyAnalyzerServicer.Analyze`,
`.AnalyzeStack` and `.Remediate`) runs `json_format.MessageToDict` and `deserialize_properties` over a resource's
properties (and its provider's) for every policy, before the policy can look at the type, and Remediate does it once
per resource even when no policy remediates: with 22 policies that is most of the pack's time per resource. The
replacements below are those methods with only that work moved out of the policy loop (Remediate: deferred to the
first remediation policy). Every request also runs `_configure_runtime_settings`, which asks `inspect.signature` of
pulumi's `Settings` class whether it takes an organization (about 60 us of its 100 us, twice per resource); the
replacement asks once per class and does everything else on every request, as upstream. What every policy sees is
unchanged:

- its own `ResourceValidationArgs` / `PolicyResource` objects and its own copy of the policy config;
- props that are pulumi_policy's own unknown-checking proxy, built from the shared deserialised values for that
  policy alone (lazily, on its first read, so a policy that returns on the type never pays for it): an unknown value
  still raises UnknownValueError, reported as an advisory "can't run policy during preview" exactly as upstream does,
  and a write through the proxy stays private to the policy, as upstream;
- secrets deserialised by pulumi_policy's own `deserialize_properties`.

`install` replaces the methods only while the installed upstream code is the code these copies were made from (its
source digest is pinned below); otherwise the pack runs upstream's code unchanged. unit_tests/policies fails when the
digests stop matching, so an upgrade of pulumi-policy is reviewed against this file.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from inspect import isawaitable
from typing import Any, Final

import pulumi.runtime
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import policy as upstream
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

# sha256 of inspect.getsource(...) of the upstream methods these copies replace (pulumi-policy 1.21.0).
UPSTREAM_DIGESTS: Final = {
    "Analyze": "75db9cf8fc9d158596909b9b3f77bf48815990a6f513f2bb35728a67e4d8a515",
    "Remediate": "c4060524d4ad777f428983e213151e4a18715d39f1216a6675674dee2b6bb617",
    "AnalyzeStack": "3917a008482c2387d7da37f65d889970933e8df8efc57270559e20b36be837bf",
    "_configure_runtime_settings": "da0923ff3a404f3633b701587071091c98432f5d7c70856eb8be6a6ee6c4c845",
}

Servicer = upstream._PolicyAnalyzerServicer


def upstream_digest(method_name: str) -> str:
    """The sha256 of the installed upstream method's source."""
    return hashlib.sha256(inspect.getsource(getattr(Servicer, method_name)).encode()).hexdigest()


def upstream_unchanged() -> bool:
    """Whether the installed pulumi_policy still has exactly the code the replacements were copied from."""
    return all(upstream_digest(name) == digest for name, digest in UPSTREAM_DIGESTS.items())


class LazyProps(Mapping[str, Any]):
    """pulumi_policy's unknown-checking proxy over `deserialized`, built on the first access and private to its
    holder; every operation is the proxy's own."""

    def __init__(self, deserialized: dict[str, Any]) -> None:
        self._deserialized = deserialized
        self._proxy: Any = None

    def _target(self) -> Any:
        if self._proxy is None:
            self._proxy = unknown_checking_proxy(self._deserialized)
        return self._proxy

    def __getitem__(self, key: str) -> Any:
        return self._target()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._target()[key] = value

    def __len__(self) -> int:
        return len(self._target())

    def __iter__(self) -> Iterator[str]:
        return iter(self._target())


def _deserialized(properties: Any) -> dict[str, Any]:
    return deserialize_properties(json_format.MessageToDict(properties))


class _SharedResource:
    """One resource of a request, deserialised once; each policy gets fresh pulumi_policy objects over it."""

    def __init__(self, servicer: Any, request: Any) -> None:
        self.request = request
        self.props = _deserialized(request.properties)
        self.provider_props = _deserialized(request.provider.properties) if request.HasField("provider") else None
        self._servicer = servicer

    def options(self) -> upstream.PolicyResourceOptions:
        return self._servicer._get_resource_options(self.request)

    def provider(self) -> upstream.PolicyProviderResource | None:
        if self.provider_props is None:
            return None
        provider = self.request.provider
        return upstream.PolicyProviderResource(
            provider.type, LazyProps(self.provider_props), provider.urn, provider.name
        )


def _private(servicer: Any, name: str) -> Any:
    return getattr(servicer, f"_PolicyAnalyzerServicer__{name}")


def _run_policy(servicer: Any, response: Any, policy: Any, args: Any, report_violation: Any) -> None:
    """Upstream's handling of one policy's validate: await it, turn UnknownValueError into the preview advisory and
    _NotApplicableError into a not-applicable result."""
    try:
        result: Any = policy.validate(args, report_violation)
        if isawaitable(result):
            loop = asyncio.new_event_loop()
            task: asyncio.Task[Any] = asyncio.Task(result, loop=loop)  # type: ignore[arg-type]
            loop.run_until_complete(task)
            loop.close()
    except UnknownValueError as e:
        pack_name = _private(servicer, "policy_pack_name")
        pack_version = _private(servicer, "policy_pack_version")
        response.diagnostics.append(
            proto.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=pack_name,
                policyPackVersion=pack_version,
                message=(
                    f"can't run policy '{policy.name}' from policy pack "
                    f"'{pack_name}@v{pack_version}' during preview: {e.message}"
                ),
                urn="",
                description=policy.description,
                enforcementLevel=servicer._map_enforcement_level(upstream.EnforcementLevel.ADVISORY),
            )
        )
    except upstream._NotApplicableError as e:
        response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or ""))


def _violation_reporter(servicer: Any, response: Any, policy: Any, enforcement_level: Any) -> Any:
    """Upstream's report_violation for `policy`; a remediating policy's violations are reported as mandatory."""
    if enforcement_level == upstream.EnforcementLevel.REMEDIATE:
        enforcement_level = upstream.EnforcementLevel.MANDATORY
    return servicer._create_report_violation(
        response, policy.name, policy.description, enforcement_level, policy.severity
    )


def _not_implemented(response: Any, policy: Any, implemented: bool, method: str) -> bool:
    """Upstream's answer for a policy without the method the request asks for: not applicable, saying so."""
    if not implemented:
        response.not_applicable.append(
            proto.PolicyNotApplicable(policy_name=policy.name, reason=f"Policy does not implement {method}")
        )
    return not implemented


def analyze_skipping(resource_types: Mapping[str, frozenset[str]]) -> Callable[[Any, Any, Any], Any]:
    """`_PolicyAnalyzerServicer.Analyze` with the resource deserialised once for all policies, not calling a policy
    whose declared resource types (`resource_types`, by policy name) exclude the request's type: policy_spec's
    wrapper returns at once for those, having reported nothing, so the response is the same."""

    def analyze(self: Any, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        shared: _SharedResource | None = None
        stack_tags = _private(self, "stack_tags")
        for policy in _private(self, "policies"):
            enforcement_level = self._get_enforcement_level(policy)
            if enforcement_level == upstream.EnforcementLevel.DISABLED or not isinstance(
                policy, upstream.ResourceValidationPolicy
            ):
                continue
            if _not_implemented(response, policy, policy.has_validation(), "validate"):
                continue
            types = resource_types.get(policy.name)
            if types is not None and request.type not in types:
                continue
            report_violation = _violation_reporter(self, response, policy, enforcement_level)
            if shared is None:
                shared = _SharedResource(self, request)
            args = upstream.ResourceValidationArgs(
                request.type,
                LazyProps(shared.props),
                request.urn,
                request.name,
                shared.options(),
                shared.provider(),
                self._get_policy_config(policy.name),
                stack_tags,
            )
            _run_policy(self, response, policy, args, report_violation)
        return response

    return analyze


analyze = analyze_skipping({})


def _stack_resources(self: Any, shared: list[_SharedResource]) -> list[upstream.PolicyResource]:
    """Fresh PolicyResource objects for one policy, linked to each other as upstream links them."""
    resources: dict[str, upstream.PolicyResource] = {}
    ordered: list[upstream.PolicyResource] = []
    for item in shared:
        r = item.request
        resource = upstream.PolicyResource(
            r.type, LazyProps(item.props), r.urn, r.name, item.options(), item.provider(), None, [], {}
        )
        resources[resource.urn] = resource
        ordered.append(resource)
    for item, resource in zip(shared, ordered, strict=True):
        r = item.request
        if r.parent is not None and r.parent in resources:
            resource.parent = resources[r.parent]
        resource.dependencies.extend(resources[d] for d in r.dependencies if d in resources)
        for key, value in r.propertyDependencies.items():
            resource.property_dependencies[key] = [resources[d] for d in value.urns if d in resources]
    return ordered


def analyze_stack(self: Any, request: Any, _context: Any) -> Any:
    """`_PolicyAnalyzerServicer.AnalyzeStack` with every resource deserialised once for all stack policies, and
    the cyclic collector paused meanwhile: the objects for thousands of resources are built per policy, and the
    collector rescanned them again and again (about 30 % of the call); reference counting frees them afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze_stack(self, request)
    finally:
        if enabled:
            gc.enable()


def _analyze_stack(self: Any, request: Any) -> Any:
    self._configure_runtime_settings()
    response = proto.AnalyzeResponse()
    shared: list[_SharedResource] | None = None
    for policy in _private(self, "policies"):
        enforcement_level = self._get_enforcement_level(policy)
        if enforcement_level == upstream.EnforcementLevel.DISABLED or not isinstance(
            policy, upstream.StackValidationPolicy
        ):
            continue
        report_violation = _violation_reporter(self, response, policy, enforcement_level)
        if shared is None:
            shared = [_SharedResource(self, r) for r in request.resources]
        args = upstream.StackValidationArgs(
            _stack_resources(self, shared), self._get_policy_config(policy.name), _private(self, "stack_tags")
        )
        _run_policy(self, response, policy, args, report_violation)
    return response


def _remediation(servicer: Any, policy: Any, args: Any) -> tuple[Any, str | None]:
    """Upstream's run of one remediation: the new properties it returned (or None) and the preview diagnostic."""
    try:
        result: Any = policy.remediate(args)
        if isawaitable(result):
            loop = asyncio.new_event_loop()
            task: asyncio.Task[Any] = asyncio.Task(result, loop=loop)  # type: ignore[arg-type]
            new_props = loop.run_until_complete(task)
            loop.close()
            return new_props, None
        return result, None
    except UnknownValueError as e:
        pack = f"{_private(servicer, 'policy_pack_name')}@v{_private(servicer, 'policy_pack_version')}"
        return None, f"can't run remediation '{policy.name}' from policy pack '{pack}' during preview: {e.message}"


def remediate(self: Any, request: Any, _context: Any) -> Any:
    """`_PolicyAnalyzerServicer.Remediate`, deserialising the resource only when a remediation policy runs (a pack
    without any, like this one, answers every resource without reading it)."""
    self._configure_runtime_settings()
    response = proto.RemediateResponse()
    props: Any = None
    opts: Any = None
    provider: Any = None
    for policy in _private(self, "policies"):
        enforcement_level = self._get_enforcement_level(policy)
        if enforcement_level != upstream.EnforcementLevel.REMEDIATE or not isinstance(
            policy, upstream.ResourceValidationPolicy
        ):
            continue
        if _not_implemented(response, policy, policy.has_remediation(), "remediate"):
            continue
        if opts is None:
            # Upstream's order: the request is unmarshalled once, before the first remediation, and a remediation's
            # new properties are what the next one sees.
            props = unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(request.properties), True))
            opts = self._get_resource_options(request)
            provider = self._get_provider_resource(request)
        args = upstream.ResourceValidationArgs(
            request.type,
            props,
            request.urn,
            request.name,
            opts,
            provider,
            self._get_policy_config(policy.name),
            _private(self, "stack_tags"),
        )
        rpc_props = None
        diagnostic = None
        try:
            new_props, diagnostic = _remediation(self, policy, args)
            if new_props:
                props = new_props
                rpc_props = struct_pb2.Struct()
                for k, v in serialize_properties(new_props).items():
                    rpc_props[k] = v
        except upstream._NotApplicableError as e:
            response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or ""))
        if rpc_props or diagnostic:
            response.remediations.append(
                proto.Remediation(
                    policyName=policy.name,
                    policyPackName=_private(self, "policy_pack_name"),
                    policyPackVersion=_private(self, "policy_pack_version"),
                    description=policy.description,
                    properties=rpc_props,
                    diagnostic=diagnostic or "",
                )
            )
    return response


@functools.cache
def _takes_organization(settings_class: type) -> bool:
    return "organization" in inspect.signature(settings_class).parameters


def configure_runtime_settings(self: Any) -> None:
    """`_PolicyAnalyzerServicer._configure_runtime_settings`, asking whether `Settings` takes an organization once
    per class instead of on every request; the config and a fresh `Settings` are still set on every request."""
    config_env = pulumi.runtime.get_config_env()
    for k, v in config_env.items():
        pulumi.runtime.set_config(k, v)
    if "PULUMI_PROJECT" in os.environ and "PULUMI_STACK" in os.environ and "PULUMI_DRY_RUN" in os.environ:
        settings_args: dict[str, Any] = {
            "project": os.environ["PULUMI_PROJECT"],
            "stack": os.environ["PULUMI_STACK"],
            "dry_run": os.environ["PULUMI_DRY_RUN"] == "true",
        }
        if _takes_organization(pulumi.runtime.Settings):
            settings_args["organization"] = os.environ.get("PULUMI_ORGANIZATION", "organization")
        pulumi.runtime.configure(pulumi.runtime.Settings(**settings_args))


def install(resource_types: Mapping[str, frozenset[str]] | None = None) -> bool:
    """Replace upstream's Analyze, AnalyzeStack, Remediate and _configure_runtime_settings with the versions above when
    upstream is the pinned code, Analyze skipping by `resource_types` (see analyze_skipping); returns whether it did."""
    if not upstream_unchanged():
        return False
    Servicer.Analyze = analyze_skipping(resource_types or {})  # type: ignore[method-assign]
    Servicer.AnalyzeStack = analyze_stack  # type: ignore[method-assign]
    Servicer.Remediate = remediate  # type: ignore[method-assign]
    Servicer._configure_runtime_settings = configure_runtime_settings  # type: ignore[method-assign]
    return True
