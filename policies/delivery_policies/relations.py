"""Which resource a sub-resource is attached to (a bucket's encryption configuration, a function's invoke config).

The engine's property dependencies answer it even in preview, when the target's name is still unknown; with known
values the target's name or ARN answers it too. Stacks can hold thousands of resources, so the sub-resources are
indexed once per check rather than compared pairwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from delivery_policies.policy_spec import ResourceView
from delivery_policies.props import UNKNOWN, field, text


class Attachments:
    """Sub-resources indexed by what their `prop` refers to: a resource URN (dependency) or a name/ARN value."""

    def __init__(self, resources: Iterable[ResourceView], prop: str, identifier_keys: tuple[str, ...]) -> None:
        self.identifier_keys = identifier_keys
        self.by_urn: dict[str, list[ResourceView]] = defaultdict(list)
        self.by_value: dict[str, list[ResourceView]] = defaultdict(list)
        self.undetermined: list[ResourceView] = []
        for resource in resources:
            sources = resource.depends_through(prop)
            for urn in sources:
                self.by_urn[urn].append(resource)
            value = text(field(resource.props, prop))
            if isinstance(value, str):
                self.by_value[value].append(resource)
            elif value is UNKNOWN and not sources:
                self.undetermined.append(resource)

    def identifiers(self, target: ResourceView) -> set[str]:
        values = {text(field(target.props, key)) for key in self.identifier_keys}
        return {value for value in values if isinstance(value, str) and value}

    def of(self, target: ResourceView) -> Any:
        """The sub-resources attached to `target`, or UNKNOWN when none is known to be but one may be."""
        attached = list(self.by_urn.get(target.urn, ()))
        for identifier in self.identifiers(target):
            attached += self.by_value.get(identifier, ())
        if not attached and self.undetermined:
            return UNKNOWN
        return attached


def bucket_attachments(resources: Iterable[ResourceView]) -> Attachments:
    return Attachments(resources, "bucket", ("bucket", "id"))


def function_attachments(resources: Iterable[ResourceView]) -> Attachments:
    return Attachments(resources, "functionName", ("name", "arn", "id"))
