"""The ResourceMonitor and Engine gRPC services a Pulumi program talks to, served on 127.0.0.1 as the CLI serves them.

A program launched with PULUMI_MONITOR and PULUMI_ENGINE pointing here registers its resources with this monitor,
which computes URNs, registers default providers and keeps each resource's goal as the engine does
(pkg/resource/deploy/source_eval.go, resmon), and answers with a world: any object with the SDK mocks'
`new_resource(MockResourceArgs)` and `call(MockCallArgs)`, so one world serves this path and the in-process mocks.
The world answers as after a create; in preview the monitor keeps the inputs and makes every other output unknown,
as a provider's preview of a create does.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, resource_pb2, resource_pb2_grpc

from preflight.engine import default_providers, urns
from preflight.engine.resource_goal import (
    UNKNOWN,
    GoalError,
    ResourceGoal,
    goal_from_request,
    struct_to_json,
    wire_properties,
    world_inputs,
)
from preflight.engine.transforms import TransformError, Transforms

_GRPC_OPTIONS: Final = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]
# What this monitor implements of resource_pb2's features (resource hooks and invoke transforms are not served).
SUPPORTED_FEATURES: Final = (
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
)
GET_RESOURCE_TOKEN: Final = "pulumi:pulumi:getResource"
_LEGACY_FEATURES: Final = {"secrets", "resourceReferences", "aliasSpecs", "deletedWith", "transforms"}


class RegistrationHook(Protocol):
    """Called with each registration's URN and goal, one at a time, before the world answers; returns the inputs
    the resource is created with (a policy pack's remediation may change them)."""

    def __call__(self, urn: str, goal: ResourceGoal) -> dict[str, Any]: ...


class World(Protocol):
    """What answers for the cloud: the SDK mocks' interface."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]: ...

    def call(self, args: MockCallArgs) -> Any: ...

    def check_additions(
        self, type_token: str, name: str, inputs: Mapping[str, Any], provider_ref: str
    ) -> Mapping[str, Any]: ...


@dataclass
class MonitoredResource:
    """One registered resource: its engine URN, goal, id and outputs (a component's: what it registered as outputs)."""

    urn: str
    goal: ResourceGoal
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    source_position: tuple[str, int, int] | None = None
    # Read (external) resources: not analysed, and kept out of AnalyzeStack (step_executor.go keeps them in
    # `reads`, not in the `news` that stepGenerator.AnalyzeResources lists).
    read: bool = False
    # The request's stackTrace (uri, line, column per frame, the constructor call first): the report's call chain.
    stack_trace: tuple[tuple[str, int, int], ...] = ()


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


class MonitorState:
    """Everything the program registered, in registration order, with the root stack and the logs."""

    def __init__(self, project: str, stack: str) -> None:
        self.project = project
        self.stack = stack
        self.root_urn = urns.root_stack_urn(stack, project)
        self.resources: dict[str, MonitoredResource] = {}
        self.logs: list[tuple[str, str, str]] = []
        # Every invoke token the program called (the not-analysed report joins it with the world's answers).
        self.invoked: set[str] = set()
        # URNs whose registration has begun (duplicates are refused from the first).
        self.claimed: set[str] = set()
        self.lock = threading.Lock()

    def ordered(self) -> list[MonitoredResource]:
        with self.lock:
            return list(self.resources.values())

    @property
    def stack_outputs(self) -> dict[str, Any]:
        root = self.resources.get(self.root_urn)
        return dict(root.outputs) if root else {}


class ResourceMonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    """RegisterResource, RegisterResourceOutputs, ReadResource, Invoke, SupportsFeature, GetDeploymentInfo."""

    def __init__(self, state: MonitorState, world: World, config: Mapping[str, str], preview: bool) -> None:
        self.state = state
        self.world = world
        self.config = dict(config)
        self.preview = preview
        self._default_providers: dict[tuple[str, str], str] = {}
        self._default_lock = threading.Lock()
        self.on_register: RegistrationHook | None = None
        self.transforms = Transforms()

    def _registered(self, urn: str, goal: ResourceGoal) -> None:
        if goal.custom and not goal.type.startswith(urns.PROVIDER_TYPE_PREFIX):
            # step_generator.go, stepGenerator.generateSteps: the provider's Check runs first and its inputs (with
            # the defaults, auto-name and tagsAll it fills) are what the analyzers and the create see.
            goal.properties = {
                **goal.properties,
                **self.world.check_additions(goal.type, goal.name, wire_properties(goal.properties), goal.provider),
            }
        if self.on_register is not None:
            goal.properties = self.on_register(urn, goal)

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in _LEGACY_FEATURES)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return resource_pb2.DeploymentInfo(supportedFeatures=list(SUPPORTED_FEATURES))

    def _new_id(self, urn: str) -> str:
        # registry.go, Registry.Create: a provider's id is unknown in preview; ids are stable per URN across runs.
        return UNKNOWN if self.preview else str(uuid.uuid5(uuid.NAMESPACE_URL, urn))

    def _default_provider(self, package: str, version: str, subject: str) -> str:
        """The reference of `package`'s default provider, registered on first use (defaultProviders.handleRequest)."""
        try:
            denied = default_providers.is_denied(package, self.config)
        except default_providers.DefaultProviderError as exc:
            raise GoalError(str(exc)) from exc
        if denied:
            raise GoalError(default_providers.denied_message(package, subject))
        key = default_providers.default_provider_key(package, version)
        with self._default_lock:
            if key in self._default_providers:
                return self._default_providers[key]
            urn = urns.default_provider_urn(self.state.stack, self.state.project, package, version)
            inputs = default_providers.default_provider_inputs(package, version, self.config)
            goal = ResourceGoal(type=urns.provider_type(package), name=key[1], custom=True, properties=dict(inputs))
            self._registered(urn, goal)
            provider_id = self._new_id(urn)
            self.world.new_resource(
                MockResourceArgs(typ=goal.type, name=goal.name, inputs=dict(inputs), provider="", custom=True)
            )
            with self.state.lock:
                self.state.resources[urn] = MonitoredResource(urn, goal, provider_id, dict(inputs))
            reference = urns.provider_reference(urn, provider_id)
            self._default_providers[key] = reference
            return reference

    def _outputs(self, goal: ResourceGoal, urn: str, import_id: str) -> tuple[str, dict[str, Any]]:
        """The id and the outputs of a custom resource: the world's answer, unknown where computed in preview."""
        answer_id, state = self._world_answer(goal, custom=True, resource_id=import_id)
        # The provider sees the inputs without resource references (it does not accept them), and its state is built
        # from what it saw.
        checked = wire_properties(goal.properties)
        if goal.type.startswith(urns.PROVIDER_TYPE_PREFIX):
            return self._new_id(urn), checked
        if self.preview:
            return "", {**{key: UNKNOWN for key in state if key not in checked}, **checked}
        return answer_id or "", {**checked, **state}

    def _world_answer(self, goal: ResourceGoal, *, custom: bool, resource_id: str = "") -> tuple[str | None, Any]:
        """The world's id and outputs for `goal`, given its inputs as the provider reads them."""
        inputs = world_inputs(goal.properties)
        return self.world.new_resource(
            MockResourceArgs(goal.type, goal.name, inputs, goal.provider, resource_id, custom=custom)
        )

    def _remote_outputs(self, goal: ResourceGoal) -> dict[str, Any]:
        """A multi-language component's outputs (source_eval.go, resmon.RegisterResource sends `remote` registrations
        to the provider's Construct): the world's answer, every output unknown in preview as before a create."""
        _, answer = self._world_answer(goal, custom=False)
        if self.preview:
            return dict.fromkeys(answer, UNKNOWN)
        return dict(answer)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        state = self.state
        if request.type == urns.ROOT_STACK_TYPE and not request.parent:
            goal = goal_from_request(request, "")
            self._registered(state.root_urn, goal)
            with state.lock:
                state.resources[state.root_urn] = MonitoredResource(state.root_urn, goal)
            return resource_pb2.RegisterResourceResponse(urn=state.root_urn)
        try:
            return self._register(request)
        except GoalError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            raise  # unreachable: abort raises

    def _ancestors(self, parent: str) -> list[str]:
        chain = []
        with self.state.lock:
            while parent and parent not in chain:
                chain.append(parent)
                registered = self.state.resources.get(parent)
                parent = registered.goal.parent if registered else ""
        return chain

    def RegisterStackTransform(self, request: Any, context: Any) -> Any:
        self.transforms.register_stack(request)
        return empty_pb2.Empty()

    def _register(self, request: Any) -> Any:
        state = self.state
        own_transforms = list(request.transforms)
        try:
            request = self.transforms.apply(request, self._ancestors(request.parent))
        except (TransformError, grpc.RpcError) as exc:
            # source_eval.go, RegisterResource: "invoke transform: ..."
            raise GoalError(f"invoke transform: {exc}") from exc
        urn = urns.resource_urn(state.stack, state.project, request.parent, request.type, request.name)
        with state.lock:
            # Claimed before the world answers: the SDK registers from several threads, so a second registration of
            # one URN can arrive while the first is being analysed.
            if urn in state.resources or urn in state.claimed:
                # pkg/resource/deploy/step_generator.go, stepGenerator.generateURN (diag.GetDuplicateResourceURNError)
                raise GoalError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
            state.claimed.add(urn)
            parent = state.resources.get(request.parent)
            if request.parent and parent is None:
                # step_generator.go, stepGenerator.checkParent
                raise GoalError(f"could not find parent resource {request.parent}")
        goal = goal_from_request(request, request.parent, parent.goal if parent else None)
        is_provider = goal.type.startswith(urns.PROVIDER_TYPE_PREFIX)
        if is_provider and request.version:
            # source_eval.go, resmon.RegisterResource: an explicit provider records the version the SDK asked for
            # (providers.SetProviderVersion).
            goal.properties["version"] = request.version
        if goal.custom and not is_provider and not goal.provider:
            goal.provider = self._default_provider(urns.package_of(goal.type), request.version, urn)
        self._registered(urn, goal)
        resource_id, outputs = "", dict[str, Any]()
        if goal.custom:
            resource_id, outputs = self._outputs(goal, urn, request.importId)
        elif request.remote:
            outputs = self._remote_outputs(goal)
        position = None
        if request.HasField("sourcePosition"):
            position = (request.sourcePosition.uri, request.sourcePosition.line, request.sourcePosition.column)
        with state.lock:
            state.resources[urn] = MonitoredResource(
                urn,
                goal,
                resource_id,
                outputs,
                position,
                stack_trace=tuple(
                    (frame.pc.uri, frame.pc.line, frame.pc.column)
                    for frame in request.stackTrace.frames
                    if frame.HasField("pc")
                ),
            )
        self.transforms.remember(urn, own_transforms)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=_struct(outputs))

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        with self.state.lock:
            registered = self.state.resources.get(request.urn)
            if registered is not None:
                registered.outputs = struct_to_json(request.outputs)
        return empty_pb2.Empty()

    def ReadResource(self, request: Any, context: Any) -> Any:
        state = self.state
        urn = urns.resource_urn(state.stack, state.project, request.parent, request.type, request.name)
        goal = ResourceGoal(
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent,
            provider=request.provider,
            properties=struct_to_json(request.properties),
            dependencies=list(request.dependencies),
        )
        try:
            if not goal.provider:
                goal.provider = self._default_provider(urns.package_of(goal.type), request.version, request.type)
        except GoalError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        _, answer = self._world_answer(goal, custom=True, resource_id=request.id)
        outputs = {**goal.properties, **answer}
        with state.lock:
            state.resources[urn] = MonitoredResource(urn, goal, request.id, outputs, read=True)
        return resource_pb2.ReadResourceResponse(urn=urn, id=request.id, properties=_struct(outputs))

    def _get_resource(self, urn: str) -> dict[str, Any]:
        """pkg/resource/deploy/builtins.go, builtinProvider.getResource: how the SDK rehydrates a reference."""
        with self.state.lock:
            registered = self.state.resources.get(urn)
        if registered is None:
            raise GoalError(f"unknown resource {urn}")
        return {"urn": urn, "id": registered.id, "provider": registered.goal.provider, "state": registered.outputs}

    def Invoke(self, request: Any, context: Any) -> Any:
        if request.tok == GET_RESOURCE_TOKEN:
            try:
                found = self._get_resource(struct_to_json(request.args).get("urn", ""))
            except GoalError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            return resource_pb2.ResourceInvokeResponse(**{"return": _struct(found)})
        provider = request.provider
        if not provider:
            try:
                provider = self._default_provider(urns.package_of(request.tok), request.version, request.tok)
            except GoalError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        answer = self.world.call(MockCallArgs(request.tok, world_inputs(struct_to_json(request.args)), provider))
        with self.state.lock:
            self.state.invoked.add(request.tok)
        values, failures = (answer, []) if isinstance(answer, dict) else answer
        return resource_pb2.ResourceInvokeResponse(
            **{
                "return": _struct(values),
                "failures": [provider_pb2.CheckFailure(property=key, reason=reason) for key, reason in failures],
            }
        )

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


class EngineServicer(engine_pb2_grpc.EngineServicer):
    """Logging and the root resource, as the program's SDK uses them."""

    def __init__(self, state: MonitorState) -> None:
        self.state = state

    def Log(self, request: Any, context: Any) -> Any:
        with self.state.lock:
            self.state.logs.append(
                (engine_pb2.LogSeverity.Name(request.severity).lower(), request.message, request.urn)
            )
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.state.root_urn)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: Any) -> Any:
        return engine_pb2.RequirePulumiVersionResponse()


class MonitorServer:
    """ResourceMonitor and Engine on one 127.0.0.1 port, started on enter and stopped on exit."""

    def __init__(
        self, project: str, stack: str, world: World, config: Mapping[str, str], *, preview: bool, workers: int = 8
    ) -> None:
        self.state = MonitorState(project, stack)
        self.monitor = ResourceMonitorServicer(self.state, world, config, preview)
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=_GRPC_OPTIONS)
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(self.monitor, self._server)
        engine_pb2_grpc.add_EngineServicer_to_server(EngineServicer(self.state), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> MonitorServer:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop(grace=None)
        self.monitor.transforms.close()
