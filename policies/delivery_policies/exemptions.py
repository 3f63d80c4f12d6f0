"""Reviewed exemptions: a resource may be exempted from one policy, or from one finding of it, with a written reason.

The file lives beside PulumiPolicy.yaml (`exemptions.yaml`), so the pack reads it wherever it runs: under the Pulumi
CLI (working directory = pack directory) and under the offline gate alike. A malformed file is a configuration error:
the pack refuses to start, naming the entry and what is allowed, before it prints its port.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

EXEMPTIONS_FILE: Final = "exemptions.yaml"
MIN_REASON_LENGTH: Final = 10
_ALLOWED_KEYS: Final = frozenset({"policy", "urn", "type", "name", "finding", "reason"})
_TYPE_TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]+:[A-Za-z0-9_/.-]*:[A-Za-z0-9_]+$")


class ExemptionError(ValueError):
    """The exemptions file is malformed; the message names the file, the entry and what is allowed."""


@dataclass(frozen=True)
class Exemption:
    policy: str
    reason: str
    urn: str | None = None
    type: str | None = None
    name: str | None = None
    finding: str | None = None

    def matches(self, policy: str, urn: str, type_: str, name: str, finding: str) -> bool:
        if policy != self.policy:
            return False
        if self.urn is not None and self.urn != urn:
            return False
        if self.type is not None and (self.type != type_ or self.name != name):
            return False
        return self.finding is None or self.finding == finding


@dataclass(frozen=True)
class Exemptions:
    entries: tuple[Exemption, ...] = ()

    def find(self, policy: str, urn: str, type_: str, name: str, finding: str) -> Exemption | None:
        for entry in self.entries:
            if entry.matches(policy, urn, type_, name, finding):
                return entry
        return None


def _optional_text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ExemptionError(f"{where}: `{key}` must be a non-empty string, got {value!r}")
    return value.strip()


def parse_exemption(raw: Any, where: str, policy_names: Iterable[str]) -> Exemption:
    """One entry; `where` names it in errors (file and position)."""
    if not isinstance(raw, Mapping):
        raise ExemptionError(f"{where}: expected a mapping with policy, urn (or type and name) and reason")
    unknown_keys = sorted(set(map(str, raw)) - _ALLOWED_KEYS)
    if unknown_keys:
        raise ExemptionError(f"{where}: unknown keys {unknown_keys}; allowed: {sorted(_ALLOWED_KEYS)}")
    known = sorted(policy_names)
    policy = _optional_text(raw, "policy", where)
    if policy is None:
        raise ExemptionError(f"{where}: `policy` is required (one of {known})")
    if policy not in known:
        raise ExemptionError(f"{where}: policy {policy!r} is not in this pack; known policies: {known}")
    reason = _optional_text(raw, "reason", where)
    if reason is None or len(reason) < MIN_REASON_LENGTH:
        raise ExemptionError(
            f"{where}: `reason` is required and must be at least {MIN_REASON_LENGTH} characters, got {reason!r}"
        )
    urn = _optional_text(raw, "urn", where)
    type_ = _optional_text(raw, "type", where)
    name = _optional_text(raw, "name", where)
    if urn is not None:
        if type_ is not None or name is not None:
            raise ExemptionError(f"{where}: give either `urn` or `type` and `name`, not both")
        if not urn.startswith("urn:pulumi:"):
            raise ExemptionError(f"{where}: `urn` must be a Pulumi URN (urn:pulumi:...), got {urn!r}")
    elif type_ is None or name is None:
        raise ExemptionError(f"{where}: the resource is required: `urn`, or both `type` and `name`")
    elif not _TYPE_TOKEN.match(type_):
        raise ExemptionError(f"{where}: `type` must be a type token like aws:s3/bucket:Bucket, got {type_!r}")
    return Exemption(
        policy=policy,
        reason=reason,
        urn=urn,
        type=type_,
        name=name,
        finding=_optional_text(raw, "finding", where),
    )


def load_exemptions(file: Path, policy_names: Iterable[str]) -> Exemptions:
    """Read and validate the exemptions file; a missing file means no exemptions."""
    if not file.is_file():
        return Exemptions()
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExemptionError(f"{file}: cannot be read as YAML: {exc}") from exc
    if document is None:
        return Exemptions()
    if not isinstance(document, Mapping) or set(document) - {"exemptions"}:
        raise ExemptionError(f"{file}: expected a mapping with the single key `exemptions` (a list)")
    raw_entries = document.get("exemptions")
    if raw_entries is None:
        raw_entries = []
    if not isinstance(raw_entries, list):
        raise ExemptionError(f"{file}: `exemptions` must be a list of entries")
    names = list(policy_names)
    parsed = [parse_exemption(raw, f"{file}: exemptions[{index}]", names) for index, raw in enumerate(raw_entries)]
    if len(set(parsed)) != len(parsed):
        raise ExemptionError(f"{file}: an exemption is listed twice")
    return Exemptions(tuple(parsed))
