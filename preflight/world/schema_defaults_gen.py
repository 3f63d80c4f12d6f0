"""Generates schema_defaults.json: the `default` of every resource input property in the pulumi-aws schema.

The provider's Check fills these into a resource's inputs when the program leaves them unset (pulumi-terraform-bridge
pkg/tfbridge/schema.go, conversionContext.applyDefaults, the "Pulumi schema" source), so the policy pack sees them.
The set is small: pulumi-aws 7.51.1 declares 15, each a `description`/`comment` of "Managed by Pulumi" (Checkov's
CKV_AWS_23 reads the security group's). Defaults taken from an environment variable (`defaultInfo`) or computed by
the provider are not values of the schema and are left out; the Terraform schema's own defaults, which Check also
applies, are not in the Pulumi schema at all.

Two sources, same answer:
- `--schema PATH`: the package schema, e.g. pulumi-aws `provider/cmd/pulumi-resource-aws/schema.json`.
- `--sdk DIR`: a Python SDK generated from that schema (`pulumi_aws/`). The generator writes each input default as
  `if <arg> is None: <arg> = <literal>` in the resource's `_internal_init`; the `<Resource>Args` class's
  `@pulumi.getter(name=...)` gives the wire name; the class's token is the first argument of its `super().__init__`.
  pulumi-aws's schema.json (about 30 MB) is over what can be brought onto these machines, so the committed file was
  made from the installed pulumi-aws SDK: `python -m preflight.world.schema_defaults_gen --sdk
  <site-packages>/pulumi_aws --output preflight/world/schema_defaults.json`.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("schema_defaults.json")
# A generated module holds an input default only if this matches; the others are not parsed (the SDK has thousands).
_DEFAULT_LINE = re.compile(r"^ +if \w+ is None:\n +\w+ = ", re.MULTILINE)


def from_schema(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per resource token, each input property's schema `default` (properties without one left out)."""
    found: dict[str, dict[str, Any]] = {}
    for token, resource in schema.get("resources", {}).items():
        defaults = {
            name: spec["default"]
            for name, spec in resource.get("inputProperties", {}).items()
            if "default" in spec and spec["default"] is not None
        }
        if defaults:
            found[token] = dict(sorted(defaults.items()))
    return dict(sorted(found.items()))


def _literal_defaults(function: ast.FunctionDef) -> dict[str, Any]:
    """`arg -> value` for each `if arg is None: arg = <literal>` in a generated `_internal_init`."""
    defaults: dict[str, Any] = {}
    for node in ast.walk(function):
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.body) == 1):
            continue
        test, body = node.test, node.body[0]
        if not (
            isinstance(test.left, ast.Name)
            and isinstance(test.ops[0], ast.Is)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
            and isinstance(body, ast.Assign)
            and isinstance(body.targets[0], ast.Name)
            and body.targets[0].id == test.left.id
        ):
            continue
        try:
            defaults[test.left.id] = ast.literal_eval(body.value)
        except ValueError:
            continue  # an environment lookup (`_utilities.get_env(...)`), not a schema value
    return defaults


def _wire_names(args_class: ast.ClassDef) -> dict[str, str]:
    """`python_name -> wireName` of an `...Args` class: each `@pulumi.getter` property, under its `name=` if given."""
    names: dict[str, str] = {}
    for function in args_class.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        for decorator in function.decorator_list:
            if isinstance(decorator, ast.Attribute) and decorator.attr == "getter":
                names[function.name] = function.name
            elif isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") == "getter":
                given = [
                    k.value.value
                    for k in decorator.keywords
                    if k.arg == "name" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
                ]
                names[function.name] = given[0] if given else function.name
    return names


def _token(cls: ast.ClassDef) -> str | None:
    for node in ast.walk(cls):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value.count(":") == 2
        ):
            return node.args[0].value
    return None


def _resource_classes(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef, dict[str, str]]]:
    """Each resource class of a generated module: its token, its `_internal_init`, its inputs' wire names."""
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    for cls in classes.values():
        init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "_internal_init"), None)
        token = _token(cls)
        args_class = classes.get(f"{cls.name}Args")
        if init is not None and token is not None and args_class is not None:
            yield token, init, _wire_names(args_class)


def from_sdk(package_dir: Path) -> dict[str, dict[str, Any]]:
    """Per resource token, each input default a generated Python SDK applies (the schema's, as its generator wrote
    them)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if not _DEFAULT_LINE.search(source):
            continue
        for token, init, wire in _resource_classes(ast.parse(source)):
            defaults = {wire[arg]: value for arg, value in _literal_defaults(init).items() if arg in wire}
            if defaults:
                found[token] = dict(sorted(defaults.items()))
    return dict(sorted(found.items()))


def render(defaults: Mapping[str, Mapping[str, Any]], source: str) -> str:
    """The JSON file's text: where the defaults came from, then the defaults per resource token."""
    return json.dumps({"source": source, "resources": defaults}, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--schema", type=Path, help="a Pulumi package schema (schema.json)")
    source.add_argument("--sdk", type=Path, help="a generated Python SDK package directory (pulumi_aws/)")
    parser.add_argument("--output", type=Path, help="where to write (default: standard output)")
    args = parser.parse_args(argv)
    if args.schema is not None:
        if not args.schema.is_file():
            parser.error(f"--schema {args.schema}: no such file (a Pulumi package schema.json is expected)")
        schema = json.loads(args.schema.read_text(encoding="utf-8"))
        text = render(from_schema(schema), f"schema {schema.get('name', '?')} {schema.get('version', '?')}")
    else:
        if not (args.sdk / "__init__.py").is_file():
            parser.error(f"--sdk {args.sdk}: not a Python package directory (e.g. site-packages/pulumi_aws)")
        text = render(from_sdk(args.sdk), f"python sdk {args.sdk.name} {_sdk_version(args.sdk)}")
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


def _sdk_version(package_dir: Path) -> str:
    plugin = package_dir / "pulumi-plugin.json"
    if plugin.is_file():
        return str(json.loads(plugin.read_text(encoding="utf-8")).get("version", "?"))
    return "?"


if __name__ == "__main__":
    sys.exit(main())
