"""Which resource a sub-resource is attached to (a bucket's encryption configuration, a function's invoke config).

The engine's property dependencies answer it even in preview, when the target's name is still unknown; with known
values the target's name or ARN answers it too. Stacks can hold thousands of resources, so the sub-resources are
indexed once per check rather than compared pairwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final

from delivery_policies.policy_spec import ResourceView
from delivery_policies.props import MISSING, UNKNOWN, elements, field, json_document, plain, string_list, text


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
        # A sub-resource usually names its target both ways (dependency and value): count it once.
        return list({resource.urn: resource for resource in attached}.values())


def bucket_attachments(resources: Iterable[ResourceView]) -> Attachments:
    return Attachments(resources, "bucket", ("bucket", "id"))


def function_attachments(resources: Iterable[ResourceView]) -> Attachments:
    return Attachments(resources, "functionName", ("name", "arn", "id"))


PUBLIC_READ_ACLS: Final = frozenset({"public-read", "public-read-write"})


def _grants_anonymous_read(statement: Any) -> Any:
    """True for an unconditioned Allow of s3:GetObject (or a wildcard covering it) to everyone; UNKNOWN if unsure."""
    values = [field(statement, key) for key in ("Effect", "Principal", "Action", "Condition")]
    if UNKNOWN in values:
        return UNKNOWN
    effect, principal, actions, condition = values
    if effect != "Allow" or condition not in (MISSING, {}):
        return False
    principals = [principal] if isinstance(principal, str) else string_list(field(principal, "AWS"))
    actions = [action.lower() for action in string_list(actions) if isinstance(action, str)]
    return "*" in principals and any(action in ("*", "s3:*", "s3:get*", "s3:getobject") for action in actions)


def _public_read_policy(document: Any) -> Any:
    if document is UNKNOWN:
        return UNKNOWN
    answers = [_grants_anonymous_read(statement) for statement in elements(field(document, "Statement"))]
    return True if True in answers else UNKNOWN if UNKNOWN in answers else False


def public_website(bucket: ResourceView, websites: Attachments, policies: Attachments, acls: Attachments) -> Any:
    """True when the bucket serves a static website that anyone may read (website configuration plus a public-read
    bucket policy or ACL); UNKNOWN when a value that decides it is not known yet."""
    website = plain(field(bucket.props, "website"))
    attached_websites = websites.of(bucket)
    if website is UNKNOWN or attached_websites is UNKNOWN:
        return UNKNOWN
    if website in (MISSING, [], {}) and not attached_websites:
        return False
    acl_values = [text(field(bucket.props, "acl"))]
    documents = [json_document(field(bucket.props, "policy"))]
    for attached, prop, reader in ((acls.of(bucket), "acl", text), (policies.of(bucket), "policy", json_document)):
        if attached is UNKNOWN:
            return UNKNOWN
        for resource in attached:
            (acl_values if prop == "acl" else documents).append(reader(field(resource.props, prop)))
    if any(acl in PUBLIC_READ_ACLS for acl in acl_values):
        return True
    answers = [_public_read_policy(document) for document in documents if document is not MISSING]
    if True in answers:
        return True
    return UNKNOWN if UNKNOWN in answers or UNKNOWN in acl_values else False
