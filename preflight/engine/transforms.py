"""Resource transforms as the engine runs them: the program's SDK serves each transform on its Callbacks service, and
the monitor calls it with the registration's properties and options before anything else looks at them.

pulumi/pulumi pkg/resource/deploy/source_eval.go: resmon.RegisterResource collects the resource's own transforms
(`transforms` of the request), then those of each ancestor (kept per URN), then the stack's (RegisterStackTransform),
runs them in that order, each on the previous one's output (wrapTransformCallback: a TransformRequest in a
CallbackInvokeRequest, the TransformResponse's properties and options replacing what was sent when present), and
registers what the last one returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Final

import grpc
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, resource_pb2

_GRPC_OPTIONS: Final = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]
# source_eval.go, the TransformResourceOptions built from the request: (request field, options field).
_SAME_SHAPE: Final = (
    ("dependencies", "depends_on"),
    ("ignoreChanges", "ignore_changes"),
    ("replaceOnChanges", "replace_on_changes"),
    ("version", "version"),
    ("aliases", "aliases"),
    ("provider", "provider"),
    ("pluginDownloadURL", "plugin_download_url"),
    ("deletedWith", "deleted_with"),
    ("additionalSecretOutputs", "additional_secret_outputs"),
    ("importId", "import"),
    ("hideDiffs", "hide_diff"),
    ("replace_with", "replace_with"),
)
_OPTIONAL: Final = (
    ("protect", "protect"),
    ("retainOnDelete", "retain_on_delete"),
    ("customTimeouts", "custom_timeouts"),
)


def _assign(target: Any, field: str, value: Any) -> None:
    if isinstance(value, str | bool | int):
        setattr(target, field, value)
        return
    target.ClearField(field)
    container = getattr(target, field)
    if hasattr(container, "CopyFrom") and not hasattr(container, "extend"):
        container.CopyFrom(value)
    else:
        container.extend(value)


def transform_options(request: Any) -> resource_pb2.TransformResourceOptions:
    """source_eval.go, RegisterResource: the options a transform sees."""
    options = resource_pb2.TransformResourceOptions()
    for request_field, option_field in _SAME_SHAPE:
        _assign(options, option_field, getattr(request, request_field))
    for request_field, option_field in _OPTIONAL:
        if request.HasField(request_field):
            _assign(options, option_field, getattr(request, request_field))
    for key, value in request.providers.items():
        options.providers[key] = value
    if request.deleteBeforeReplaceDefined:
        options.delete_before_replace = request.deleteBeforeReplace
    return options


def transformed_request(request: Any, properties: Any, options: resource_pb2.TransformResourceOptions) -> Any:
    """A copy of `request` carrying what the last transform returned."""
    changed = resource_pb2.RegisterResourceRequest()
    changed.CopyFrom(request)
    changed.object.CopyFrom(properties)
    for request_field, option_field in _SAME_SHAPE:
        _assign(changed, request_field, getattr(options, option_field))
    # Field names from the tables above: the generated stubs type ClearField/HasField with literals.
    for request_field, option_field in _OPTIONAL:
        changed.ClearField(request_field)  # type: ignore[arg-type]
        if options.HasField(option_field):  # type: ignore[arg-type]
            _assign(changed, request_field, getattr(options, option_field))
    changed.ClearField("providers")
    for key, value in options.providers.items():
        changed.providers[key] = value
    changed.deleteBeforeReplaceDefined = options.HasField("delete_before_replace")
    changed.deleteBeforeReplace = options.delete_before_replace
    # source_eval.go rebuilds property dependencies from the transformed values; the ones of properties that are gone
    # go with them.
    for key in [key for key in changed.propertyDependencies if key not in changed.object]:
        del changed.propertyDependencies[key]
    return changed


LOOPBACK: Final = "127.0.0.1:"


class TransformError(Exception):
    """A transform callback that cannot be called."""


class Transforms:
    """The stack's transforms and each resource's, and the Callbacks clients that run them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stack: list[Any] = []
        self._by_urn: dict[str, list[Any]] = {}
        self._channels: dict[str, grpc.Channel] = {}

    def register_stack(self, callback: Any) -> None:
        """resmon.RegisterStackTransform: applies to every resource registered from now on."""
        with self._lock:
            self._stack.append(callback)

    def remember(self, urn: str, callbacks: Sequence[Any]) -> None:
        """A resource's own transforms, which also apply to its children."""
        if callbacks:
            with self._lock:
                self._by_urn[urn] = list(callbacks)

    def apply(self, request: Any, ancestors: Sequence[str]) -> Any:
        """`request` after its own, its ancestors' (nearest first) and the stack's transforms; itself when none."""
        with self._lock:
            callbacks = list(request.transforms)
            for ancestor in ancestors:
                callbacks += self._by_urn.get(ancestor, [])
            callbacks += self._stack
        if not callbacks:
            return request
        properties, options = request.object, transform_options(request)
        for callback in callbacks:
            properties, options = self._run(callback, request, properties, options)
        return transformed_request(request, properties, options)

    def _run(
        self, callback: Any, request: Any, properties: Any, options: resource_pb2.TransformResourceOptions
    ) -> tuple[Any, resource_pb2.TransformResourceOptions]:
        """source_eval.go, wrapTransformCallback."""
        transform = resource_pb2.TransformRequest(
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=request.parent,
            properties=properties,
            options=options,
        )
        invoke = self._client(callback.target)
        answer = invoke(callback_pb2.CallbackInvokeRequest(token=callback.token, request=transform.SerializeToString()))
        response = resource_pb2.TransformResponse()
        response.ParseFromString(answer.response)
        return (
            response.properties if response.HasField("properties") else properties,
            response.options if response.HasField("options") else options,
        )

    def _client(self, target: str) -> Callable[[Any], Any]:
        # The SDK serves its callbacks on 127.0.0.1 (pulumi/runtime/_callbacks.py); nothing else is contacted.
        if not target.startswith(LOOPBACK):
            raise TransformError(f"transform callback at {target!r}: only {LOOPBACK}<port> is called")
        with self._lock:
            channel = self._channels.get(target)
            if channel is None:
                channel = grpc.insecure_channel(target, options=_GRPC_OPTIONS)
                self._channels[target] = channel
        return callback_pb2_grpc.CallbacksStub(channel).Invoke

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
