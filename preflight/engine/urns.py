"""URNs as the Pulumi engine computes them, and the names it gives the resources it registers on its own.

`urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the qualified type is the parent's whole qualified
type, then `$`, then the resource's own type; the root stack (`pulumi:pulumi:Stack`) never appears in it. The SDK's
mock monitor keeps only the parent's last type, so a resource two levels deep gets a different URN under mocks.
"""

from __future__ import annotations

from typing import Final

URN_PREFIX: Final = "urn:pulumi:"
NAME_DELIMITER: Final = "::"
TYPE_DELIMITER: Final = "$"
ROOT_STACK_TYPE: Final = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX: Final = "pulumi:providers:"
DEFAULT_PROVIDER_NAME: Final = "default"


class UrnError(ValueError):
    """A string that is not a URN where one is required."""


def _parts(urn: str) -> list[str]:
    """stack, project, qualified type, name (the name may itself contain `::`)."""
    if not urn.startswith(URN_PREFIX):
        raise UrnError(f"not a URN (expected {URN_PREFIX}<stack>::<project>::<type>::<name>): {urn!r}")
    parts = urn.removeprefix(URN_PREFIX).split(NAME_DELIMITER, 3)
    if len(parts) != 4:
        raise UrnError(f"not a URN (expected {URN_PREFIX}<stack>::<project>::<type>::<name>): {urn!r}")
    return parts


def qualified_type(urn: str) -> str:
    """The URN's qualified type, `parent$...$type` (sdk/go/common/resource/urn/urn.go, URN.QualifiedType)."""
    return _parts(urn)[2]


def urn_type(urn: str) -> str:
    """The resource's own type: the last `$`-separated element of the qualified type (urn.go, URN.Type)."""
    return qualified_type(urn).rsplit(TYPE_DELIMITER, 1)[-1]


def urn_name(urn: str) -> str:
    """The resource's name (urn.go, URN.Name): everything after the qualified type."""
    return _parts(urn)[3]


def new_urn(stack: str, project: str, parent_type: str, type_token: str, name: str) -> str:
    """sdk/go/common/resource/urn/urn.go, New: the parent's qualified type comes first unless empty or the root
    stack."""
    qualified = type_token
    if parent_type and parent_type != ROOT_STACK_TYPE:
        qualified = f"{parent_type}{TYPE_DELIMITER}{type_token}"
    return f"{URN_PREFIX}{stack}{NAME_DELIMITER}{project}{NAME_DELIMITER}{qualified}{NAME_DELIMITER}{name}"


def resource_urn(stack: str, project: str, parent_urn: str, type_token: str, name: str) -> str:
    """pkg/resource/deploy/deployment.go, Deployment.generateURN: the parent's whole qualified type, root stack
    excluded, qualifies the resource's type."""
    parent_type = ""
    if parent_urn and qualified_type(parent_urn) != ROOT_STACK_TYPE:
        parent_type = qualified_type(parent_urn)
    return new_urn(stack, project, parent_type, type_token, name)


def root_stack_name(project: str, stack: str) -> str:
    """sdk/go/common/resource/stack.go, DefaultRootStackURN: the root stack is named `<project>-<stack>`."""
    return f"{project}-{stack}"


def root_stack_urn(stack: str, project: str) -> str:
    """sdk/go/common/resource/stack.go, DefaultRootStackURN."""
    return new_urn(stack, project, "", ROOT_STACK_TYPE, root_stack_name(project, stack))


def provider_type(package: str) -> str:
    """sdk/go/common/resource/providers, MakeProviderType: `pulumi:providers:<package>`."""
    return f"{PROVIDER_TYPE_PREFIX}{package}"


def package_of(type_token: str) -> str:
    """The package a resource type belongs to (tokens.Type.Package): `aws` for `aws:s3/bucket:Bucket`."""
    if type_token.startswith(PROVIDER_TYPE_PREFIX):
        return type_token.removeprefix(PROVIDER_TYPE_PREFIX)
    return type_token.split(":", 1)[0]


def default_provider_name(version: str = "") -> str:
    """pkg/resource/deploy/providers/provider.go, ProviderRequest.DefaultName: `default`, or `default_<major>_<minor>_
    <patch>` (then `_<pre-release part>` and `_<build part>`) when the SDK asked for a version, as QNames take no
    dashes or dots."""
    if not version:
        return DEFAULT_PROVIDER_NAME
    core, _, build = version.removeprefix("v").partition("+")
    core, _, pre = core.partition("-")
    numbers = [*core.split("."), "0", "0", "0"][:3]
    name = DEFAULT_PROVIDER_NAME + "".join(f"_{int(number)}" for number in numbers)
    name += "".join(f"_{part}" for part in pre.split(".") if pre)
    name += "".join(f"_{part}" for part in build.split(".") if build)
    return name


def default_provider_urn(stack: str, project: str, package: str, version: str = "") -> str:
    """pkg/resource/deploy/default_providers.go, newRegisterDefaultProviderEvent: a default provider has no parent,
    so its URN is never qualified."""
    return new_urn(stack, project, "", provider_type(package), default_provider_name(version))


def provider_reference(urn: str, resource_id: str) -> str:
    """sdk/go/common/resource/providers/reference.go, Reference.String: `<urn>::<id>`."""
    return f"{urn}{NAME_DELIMITER}{resource_id}"


def split_provider_reference(reference: str) -> tuple[str, str]:
    """The URN and the id of a provider reference `<urn>::<id>` (reference.go, ParseReference)."""
    urn, separator, resource_id = reference.rpartition(NAME_DELIMITER)
    if not separator or not urn.startswith(URN_PREFIX):
        raise UrnError(f"not a provider reference (expected <urn>::<id>): {reference!r}")
    return urn, resource_id
