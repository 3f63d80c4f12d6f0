"""What a Pulumi SDK says a resource or invoke returns, read from its Python classes, and values of those types.

Every generated Pulumi Python SDK (pulumi_aws, pulumi_awsx, ...) declares each resource's outputs as
`@pulumi.getter` properties annotated `pulumi.Output[T]` (`Output[Optional[T]]` for an output the provider may leave
unset), nested objects as `@pulumi.output_type` classes, and each invoke's result as a `Get...Result` output type.
A non-Optional output is one the provider always sets (a computed or required property): in `up` it gets a value of
its type, in preview it is unknown unless given as an input; an Optional one not given as an input stays unset in
both, as the engine shows it.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import sys
import threading
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import rpc

from preflight import _sdk
from preflight.world.arn_formats import Identity, kebab, region_facts
from preflight.world.arns import alnum, digest

UNKNOWN = rpc.UNKNOWN
pulumi_types = _sdk.pulumi_types()
# Deep enough for every pulumi-aws output type the examples read (cluster.identities[0].oidcs[0].issuer); bounds
# the self-referencing output types (WAF rule statements) that would otherwise recurse without end.
MAX_DEPTH = 5


@dataclass(frozen=True)
class OutputProperty:
    """One declared output: its wire (camelCase) name, its type with `Output[...]` removed, whether it may be unset."""

    name: str
    hint: Any
    optional: bool


def _split_token(type_token: str) -> tuple[str, str, str]:
    """`aws:s3/bucket:Bucket` -> ("aws", "s3/bucket", "Bucket"); `awsx:ec2:Vpc` -> ("awsx", "ec2", "Vpc")."""
    parts = type_token.split(":")
    if len(parts) != 3:
        raise ValueError(f"type token {type_token!r} is not `package:module:Member`")
    return parts[0], parts[1], parts[2]


def _python_package(package: str) -> str:
    return "pulumi_" + package.replace("-", "_")


def _module_path(package: str, module: str) -> str:
    """The Python module a token's module lives in, as the SDK generator names it (`lambda` -> `lambda_`)."""
    head = module.split("/", maxsplit=1)[0]
    if head in ("index", ""):
        return _python_package(package)
    if head in ("lambda", "import", "global", "class", "def", "in", "is", "pass", "from", "as"):
        head += "_"
    return f"{_python_package(package)}.{head}"


def _import(module: str) -> types.ModuleType | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# The monitor answers registrations from several gRPC threads: the first lookups import the SDK packages, and a
# thread that finds a package half-imported by another would cache a wrong None for good. Lookups take turns.
_LOOKUP_LOCK = threading.RLock()


def resource_class(type_token: str) -> type | None:
    """The SDK class registering `type_token`, or None when no installed SDK has it.

    The SDK's own registry is asked first (each package registers `token -> class` on import, what the engine uses to
    rehydrate resource references); the generator's naming rule is the fallback.
    """
    with _LOOKUP_LOCK:
        return _resource_class(type_token)


@functools.cache
def _resource_class(type_token: str) -> type | None:
    try:
        package, module, member = _split_token(type_token)
    except ValueError:
        return None
    if _import(_python_package(package)) is None:
        return None
    registered = rpc.get_resource_module(package, module, "")
    mod_info = getattr(registered, "mod_info", None)
    if isinstance(mod_info, dict) and type_token in mod_info.get("classes", {}):
        python_module = _import(mod_info["fqn"])
        if python_module is not None:
            found = getattr(python_module, mod_info["classes"][type_token], None)
            if isinstance(found, type):
                return found
    python_module = _import(_module_path(package, module))
    found = getattr(python_module, member, None) if python_module is not None else None
    return found if isinstance(found, type) and issubclass(found, pulumi.Resource) else None


def result_class(invoke_token: str) -> type | None:
    """The `Get...Result` output type of an invoke token (`aws:ec2/getAmi:getAmi` -> `pulumi_aws.ec2.GetAmiResult`)."""
    with _LOOKUP_LOCK:
        return _result_class(invoke_token)


@functools.cache
def _result_class(invoke_token: str) -> type | None:
    try:
        package, module, member = _split_token(invoke_token)
    except ValueError:
        return None
    python_module = _import(_module_path(package, module))
    if python_module is None or not member:
        return None
    found = getattr(python_module, member[0].upper() + member[1:] + "Result", None)
    return found if isinstance(found, type) and pulumi_types.is_output_type(found) else None


def _class_globals(cls: type) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        module = sys.modules.get(base.__module__)
        if module is not None:
            namespace.update(vars(module))
    return namespace


def _strip_output(hint: Any) -> Any:
    return typing.get_args(hint)[0] if typing.get_origin(hint) is pulumi.Output else hint


def _is_optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def _without_none(hint: Any) -> Any:
    if _is_optional(hint):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007 (built at run time)
    return hint


@functools.cache
def output_properties(cls: type) -> tuple[OutputProperty, ...]:
    """The declared outputs of a resource class or an output type, in declaration order (base classes first)."""
    namespace = _class_globals(cls)
    local = {"Output": pulumi.Output, "T": type(None)}
    seen: dict[str, OutputProperty] = {}
    for base in reversed(cls.__mro__):
        for attribute in vars(base).values():
            if not isinstance(attribute, property) or attribute.fget is None:
                continue
            name = getattr(attribute.fget, "_pulumi_name", None)
            if not isinstance(name, str) or name in ("id", "urn"):
                continue
            try:
                hint = typing.get_type_hints(attribute.fget, globalns=namespace, localns=local).get("return", Any)
            except (NameError, TypeError, AttributeError):
                hint = Any
            hint = _strip_output(hint)
            seen[name] = OutputProperty(name, _without_none(hint), _is_optional(hint))
    return tuple(seen.values())


StringNamer = Callable[[tuple[str, ...]], str]


@dataclass(frozen=True)
class Filler:
    """How to make a value of a declared type: strings come from `namer` (given the property path), lists of scalars
    get `scalar_list_length` elements, lists of objects `object_list_length`, resource references None."""

    namer: StringNamer
    scalar_list_length: int = 0
    object_list_length: int = 1

    def value(self, hint: Any, path: tuple[str, ...], depth: int = 0) -> Any:  # noqa: PLR0911 (one case per kind)
        hint = _without_none(hint)
        if hint is str:
            return self.namer(path)
        if hint is bool:
            return False
        if hint is int:
            return 0
        if hint is float:
            return 0.0
        origin = typing.get_origin(hint)
        if origin in (list, collections.abc.Sequence, typing.Sequence):
            (element,) = typing.get_args(hint) or (Any,)
            element = _without_none(element)
            is_object = isinstance(element, type) and pulumi_types.is_output_type(element)
            count = self.object_list_length if is_object else self.scalar_list_length
            if depth >= MAX_DEPTH or (isinstance(element, type) and issubclass(element, pulumi.Resource)):
                return []
            return [self.value(element, (*path, str(i)), depth + 1) for i in range(count)]
        if origin in (dict, collections.abc.Mapping, typing.Mapping):
            return {}
        if isinstance(hint, type) and pulumi_types.is_output_type(hint):
            return self.object(hint, path, depth + 1) if depth < MAX_DEPTH else None
        return None

    def object(self, cls: type, path: tuple[str, ...], depth: int = 0) -> dict[str, Any]:
        """An output type (or a resource's outputs) as a wire dict. At the top, every non-Optional property is filled;
        inside a nested object every property is: the SDK marks nested properties Optional wholesale, and programs read
        them (`cluster.certificate_authority.data`, `cluster.identities[0].oidcs[0].issuer`)."""
        return {
            prop.name: self.value(prop.hint, (*path, prop.name), depth)
            for prop in output_properties(cls)
            if depth > 0 or not prop.optional
        }


def up_outputs(cls: type, inputs: Mapping[str, Any], filler: Filler) -> dict[str, Any]:
    """What `up` reads back for a resource of `cls`: the inputs, and every non-Optional output not among them filled
    with a value of its declared type."""
    filled = {name: value for name, value in filler.object(cls, ()).items() if name not in inputs}
    return {**filled, **inputs}


def preview_outputs(cls: type | None, inputs: Mapping[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
    """What preview shows for a resource of `cls`: the inputs, the values the provider knows before creating it
    (`known`: auto-names, tagsAll), and every other output the provider always sets (non-Optional) unknown.

    An Optional output not given stays absent, as in the engine's preview: missing is not unknown, and a policy that
    requires it must still see it missing."""
    unknown = {prop.name: UNKNOWN for prop in output_properties(cls) if not prop.optional} if cls else {}
    return {**unknown, **inputs, **known}


# Id prefixes by the property that holds the id (`vpcId`, `subnetIds`): what a program passes on to another resource.
_ID_PREFIXES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "securitygroup": "sg",
    "routetable": "rtb",
    "natgateway": "nat",
    "internetgateway": "igw",
    "transitgateway": "tgw",
    "transitgatewayattachment": "tgw-attach",
    "transitgatewayroutetable": "tgw-rtb",
    "networkinterface": "eni",
    "instance": "i",
    "image": "ami",
    "ami": "ami",
    "allocation": "eipalloc",
    "association": "eipassoc",
    "snapshot": "snap",
    "volume": "vol",
    "prefixlist": "pl",
    "vpcendpoint": "vpce",
    "networkacl": "acl",
}
_FIXED_TIME = "2026-01-01T00:00:00Z"
# A PEM-shaped placeholder (base64 of a fixed text), never key material: programs only pass it on.
_PLACEHOLDER_PEM_DATA = (
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCnByZWZsaWdodCBwbGFjZWhvbGRlcgotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="
)


@dataclass(frozen=True)
class PlausibleStrings:
    """Strings for declared string outputs nothing else answers, shaped by the property's name: ids with their EC2
    prefix, ARNs in the resource's service, URLs, zones, times; key ids and anything of no known shape empty. Stable
    per seed."""

    identity: Identity
    region: str
    service: str
    name: str
    seed: str

    def __call__(self, path: tuple[str, ...]) -> str:  # noqa: PLR0911 (one shape per kind of property)
        keys = [key for key in path if not key.isdigit()]
        key = keys[-1] if keys else "value"
        lower = key.lower()
        seed = f"{self.seed}/{'/'.join(path)}"
        if "kms" in lower or lower.endswith(("keyid", "keyarn", "encryptionkey")):
            # Which key encrypts a resource is what encryption policies judge: unset unless the world knows it.
            return ""
        if lower == "arn" or lower.endswith("arn"):
            kind = kebab(key[:-3]).split("-")[-1] if len(key) > 3 else "resource"
            if kind in ("role", "policy", "user", "group", "profile"):
                return f"arn:{self.identity.partition}:iam::{self.identity.account}:{kind}/{self.name}"
            return (
                f"arn:{self.identity.partition}:{self.service}:{self.region}:{self.identity.account}:{kind}/{self.name}"
            )
        if lower in ("accountid", "ownerid", "owner"):
            return self.identity.account
        if lower.endswith(("id", "ids")):
            stem = lower.removesuffix("s").removesuffix("id")
            prefix = next((p for k, p in _ID_PREFIXES.items() if stem.endswith(k)), None)
            return f"{prefix}-{digest(seed, 17)}" if prefix else digest(seed, 17)
        if "availabilityzone" in lower or lower in ("zone", "zonename"):
            return region_facts(self.region).zone_names[0]
        if lower.endswith("region"):
            return self.region
        if lower.endswith(("url", "endpoint", "uri", "issuer")):
            return f"https://{alnum(seed, 10)}.{self.service}.{self.region}.{self.identity.dns_suffix}"
        if lower.endswith(("domainname", "dnsname", "hostname")):
            return f"{alnum(seed, 10)}.{self.service}.{self.region}.{self.identity.dns_suffix}"
        if lower.endswith(("date", "time", "createdat", "updatedat")):
            return _FIXED_TIME
        if lower.endswith("cidrblock") or lower == "cidr":
            return "10.0.0.0/16"
        if lower == "data" or lower.endswith("certificatedata"):
            return _PLACEHOLDER_PEM_DATA
        if lower == "name" or lower.endswith("name"):
            return self.name if lower == "name" else f"{self.name}-{alnum(seed, 6)}"
        # A property of no known shape reads back empty, as the provider stores a computed string AWS left unset:
        # never a made-up value a policy could mistake for a setting.
        return ""
