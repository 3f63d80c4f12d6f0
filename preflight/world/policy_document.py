"""`aws:iam/getPolicyDocument:getPolicyDocument` computed as the provider renders it.

The provider is the Terraform data source `aws_iam_policy_document`; these rules are read from
hashicorp/terraform-provider-aws `internal/service/iam/policy_document_data_source.go`
(`dataSourcePolicyDocumentRead`, `dataSourcePolicyDocumentMakePrincipals`, `dataSourcePolicyDocumentMakeConditions`,
`dataSourcePolicyDocumentReplaceVarsInList`) and `internal/service/iam/policy_model.go` (`Merge`, the
`MarshalJSON`/`UnmarshalJSON` of principal and condition sets, `policyDecodeConfigStrings`):

- source documents are merged first (in order), then the statements given, then override documents; a statement
  with a Sid replaces the earlier statement with that Sid, one without is appended; Id is adopted, Version upgraded;
- a list of one string renders as that string; longer action/resource/principal lists render sorted in reverse;
  condition values keep their order; principals of one type are merged, `{"*": ["*"]}` renders as `"*"`;
- `&{` becomes `${` in resources, principals and condition values;
- `json` is Go's `json.MarshalIndent(doc, "", "  ")` (map keys sorted, `<`, `>`, `&` escaped), `minifiedJson` is
  `json.Marshal`, `id` is `create.StringHashcode(json)` (CRC-32).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DEFAULT_VERSION = "2012-10-17"
_STATEMENT_KEYS = (
    ("Sid", "sid"),
    ("Effect", "effect"),
    ("Action", "actions"),
    ("NotAction", "notActions"),
    ("Resource", "resources"),
    ("NotResource", "notResources"),
    ("Principal", "principals"),
    ("NotPrincipal", "notPrincipals"),
    ("Condition", "conditions"),
)
# Go's encoding/json escapes these even inside strings (HTMLEscape); Python's json module does not.
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class PolicyDocumentError(ValueError):
    """The invoke's arguments are not a document the provider would render (it fails the same way)."""


def _strings(values: Any, what: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise PolicyDocumentError(f"getPolicyDocument: `{what}` must be a list of strings, got {values!r}")
    return [str(value) for value in values]


def _decode_set(values: Sequence[str]) -> str | list[str]:
    """policyDecodeConfigStrings over a schema set: duplicates dropped, one element as a string, else reversed sort."""
    unique = sorted(set(values), reverse=True)
    return unique[0] if len(unique) == 1 else unique


def _replace_vars(value: str | list[str], version: str) -> str | list[str]:
    items = [value] if isinstance(value, str) else value
    if version == "2008-10-17" and any("&{" in item for item in items):
        raise PolicyDocumentError("getPolicyDocument: `&{` is not supported in document version 2008-10-17")
    replaced = [item.replace("&{", "${") for item in items]
    return replaced[0] if isinstance(value, str) else replaced


def _principals(principals: Any, version: str, what: str) -> list[tuple[str, str | list[str]]]:
    out: list[tuple[str, str | list[str]]] = []
    for principal in principals or []:
        if not isinstance(principal, Mapping) or "type" not in principal:
            raise PolicyDocumentError(f"getPolicyDocument: each of `{what}` needs `type` and `identifiers`")
        identifiers = _decode_set(_strings(principal.get("identifiers"), f"{what}.identifiers"))
        out.append((str(principal["type"]), _replace_vars(identifiers, version)))
    return out


def _conditions(conditions: Any, version: str) -> list[tuple[str, str, list[str]]]:
    out: list[tuple[str, str, list[str]]] = []
    for condition in conditions or []:
        if not isinstance(condition, Mapping) or not {"test", "variable"} <= set(condition):
            raise PolicyDocumentError("getPolicyDocument: each condition needs `test`, `variable` and `values`")
        values = _replace_vars(_strings(condition.get("values"), "conditions.values"), version)
        out.append((str(condition["test"]), str(condition["variable"]), list(values)))
    return out


def _render_principals(principals: list[tuple[str, str | list[str]]]) -> Any:
    """iamPolicyStatementPrincipalSet.MarshalJSON."""
    if len(principals) == 1:
        kind, identifiers = principals[0]
        if kind == "*" and identifiers in ("*", ["*"]):
            return "*"
    rendered: dict[str, Any] = {}
    for kind, identifiers in principals:
        existing = rendered.get(kind)
        if isinstance(identifiers, list):
            merged = [] if existing is None else ([existing] if isinstance(existing, str) else list(existing))
            rendered[kind] = merged + sorted(identifiers, reverse=True)
        elif existing is None:
            rendered[kind] = identifiers
        else:
            rendered[kind] = ([existing] if isinstance(existing, str) else list(existing)) + [identifiers]
    return dict(sorted(rendered.items()))


def _render_conditions(conditions: list[tuple[str, str, list[str]]]) -> dict[str, dict[str, Any]]:
    """iamPolicyStatementConditionSet.MarshalJSON: grouped by test then variable, one value flattened."""
    raw: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        raw.setdefault(test, {}).setdefault(variable, []).extend(values)
    return {
        test: {variable: (values[0] if len(values) == 1 else values) for variable, values in sorted(by_var.items())}
        for test, by_var in sorted(raw.items())
    }


def _statement_from_args(args: Mapping[str, Any], version: str) -> dict[str, Any]:
    effect = args.get("effect") or "Allow"
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f"getPolicyDocument: statement effect {effect!r} is not one of Allow, Deny")
    statement: dict[str, Any] = {"Sid": str(args.get("sid") or ""), "Effect": effect}
    for key, name in (("Action", "actions"), ("NotAction", "notActions")):
        values = _strings(args.get(name), name)
        if values:
            statement[key] = _decode_set(values)
    for key, name in (("Resource", "resources"), ("NotResource", "notResources")):
        values = _strings(args.get(name), name)
        if values:
            statement[key] = _replace_vars(_decode_set(values), version)
    for key, name in (("Principal", "principals"), ("NotPrincipal", "notPrincipals")):
        principals = _principals(args.get(name), version, name)
        if principals:
            statement[key] = _render_principals(principals)
    conditions = _conditions(args.get("conditions"), version)
    if conditions:
        statement["Condition"] = _render_conditions(conditions)
    return statement


def _principals_from_json(value: Any) -> list[tuple[str, str | list[str]]]:
    """iamPolicyStatementPrincipalSet.UnmarshalJSON: a string is `*`; a list of identifiers is sorted."""
    if isinstance(value, str):
        return [("*", ["*"])]
    if not isinstance(value, Mapping):
        raise PolicyDocumentError(f"getPolicyDocument: a document's Principal must be a string or an object: {value!r}")
    return [
        (str(kind), identifiers if isinstance(identifiers, str) else sorted(str(i) for i in identifiers))
        for kind, identifiers in value.items()
    ]


def _conditions_from_json(value: Any) -> list[tuple[str, str, list[str]]]:
    out: list[tuple[str, str, list[str]]] = []
    for test, by_variable in (value or {}).items():
        for variable, values in by_variable.items():
            if isinstance(values, bool):
                out.append((test, variable, [str(values).lower()]))
            elif isinstance(values, list):
                out.append((test, variable, [str(v) for v in values]))
            else:
                out.append((test, variable, [str(values)]))
    return out


def _statement_from_json(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A document's statement as the provider decodes and re-encodes it."""
    statement: dict[str, Any] = {"Sid": str(raw.get("Sid") or ""), "Effect": str(raw.get("Effect") or "")}
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if raw.get(key) not in (None, "", []):
            statement[key] = raw[key]
    for key in ("Principal", "NotPrincipal"):
        if raw.get(key) not in (None, "", {}):
            statement[key] = _render_principals(_principals_from_json(raw[key]))
    if raw.get("Condition"):
        statement["Condition"] = _render_conditions(_conditions_from_json(raw["Condition"]))
    return statement


def _parse_document(text: Any, what: str, index: int) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (TypeError, json.JSONDecodeError) as exc:
        raise PolicyDocumentError(f"getPolicyDocument: {what}[{index}] is not a JSON policy document: {exc}") from exc
    if not isinstance(document, dict):
        raise PolicyDocumentError(f"getPolicyDocument: {what}[{index}] is not a JSON object")
    statements = document.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    return {
        "Version": str(document.get("Version") or ""),
        "Id": str(document.get("Id") or ""),
        "Statement": [_statement_from_json(s) for s in statements],
    }


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    """iamPolicyDoc.Merge."""
    if new["Id"]:
        into["Id"] = new["Id"]
    into["Version"] = max(into["Version"], new["Version"])
    for statement in new["Statement"]:
        sid = statement["Sid"]
        position = next((i for i, s in enumerate(into["Statement"]) if sid and s["Sid"] == sid), None)
        if position is None:
            into["Statement"].append(statement)
        else:
            into["Statement"][position] = statement


def _encodable(document: dict[str, Any]) -> dict[str, Any]:
    """The document with Go's omitempty applied, in the struct's field order."""
    out: dict[str, Any] = {}
    if document["Version"]:
        out["Version"] = document["Version"]
    if document["Id"]:
        out["Id"] = document["Id"]
    if document["Statement"]:
        out["Statement"] = [
            {key: statement[key] for key, _ in _STATEMENT_KEYS if statement.get(key) not in (None, "", [], {})}
            for statement in document["Statement"]
        ]
    return out


def _go_json(value: Any, indent: int | None) -> str:
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=False)
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def render(args: Mapping[str, Any]) -> dict[str, Any]:
    """The invoke's result (camelCase, as the provider returns it) for the invoke's arguments (camelCase)."""
    version = str(args.get("version") or DEFAULT_VERSION)
    if version not in ("2008-10-17", DEFAULT_VERSION):
        raise PolicyDocumentError(f"getPolicyDocument: version {version!r} is not one of 2008-10-17, 2012-10-17")
    merged: dict[str, Any] = {"Version": "", "Id": "", "Statement": []}
    seen_sids: set[str] = set()
    for index, text in enumerate(args.get("sourcePolicyDocuments") or []):
        source = _parse_document(text, "sourcePolicyDocuments", index)
        for statement in source["Statement"]:
            if statement["Sid"] in seen_sids:
                raise PolicyDocumentError(
                    f"getPolicyDocument: duplicate Sid ({statement['Sid']}) in sourcePolicyDocuments[{index}]"
                )
            if statement["Sid"]:
                seen_sids.add(statement["Sid"])
        _merge(merged, source)
    own: dict[str, Any] = {"Version": version, "Id": str(args.get("policyId") or ""), "Statement": []}
    own_sids: set[str] = set()
    for statement_args in args.get("statements") or []:
        statement = _statement_from_args(statement_args, version)
        if statement["Sid"] and statement["Sid"] in own_sids:
            raise PolicyDocumentError(f"getPolicyDocument: duplicate Sid ({statement['Sid']}) in statements")
        own_sids.add(statement["Sid"])
        own["Statement"].append(statement)
    _merge(merged, own)
    for index, text in enumerate(args.get("overridePolicyDocuments") or []):
        _merge(merged, _parse_document(text, "overridePolicyDocuments", index))
    document = _encodable(merged)
    pretty = _go_json(document, indent=2)
    return {
        "id": str(zlib.crc32(pretty.encode())),
        "json": pretty,
        "minifiedJson": _go_json(document, indent=None),
        "version": version,
        "policyId": args.get("policyId"),
        "statements": list(args.get("statements") or []),
        "sourcePolicyDocuments": list(args.get("sourcePolicyDocuments") or []),
        "overridePolicyDocuments": list(args.get("overridePolicyDocuments") or []),
    }
