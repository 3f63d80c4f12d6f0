"""Pulumi project and stack files, read the way the CLI reads them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from preflight.program import stack_config
from preflight.program.stack_config import SECURE_PLACEHOLDER

__all__ = ["SECURE_PLACEHOLDER", "ProjectError", "ProjectSpec", "load_project"]


class ProjectError(Exception):
    """The project or stack files are missing or malformed. The message names the file and what is wrong."""


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    root: Path  # the directory holding Pulumi.yaml
    main: Path  # the program directory (Pulumi.yaml `main`, default: root)
    stack: str
    stack_file: Path | None  # Pulumi.<stack>.yaml when it exists
    config: dict[str, str] = field(default_factory=dict)  # "namespace:key" -> engine-style string value
    # The keys whose values are secrets (`secure:` in the stack file, `secret: true` in Pulumi.yaml), as the CLI
    # hands them to the program (PULUMI_CONFIG_SECRET_KEYS) and to a pack (ConfigureStack config_secret_keys).
    secret_keys: tuple[str, ...] = ()


class _CliYamlLoader(yaml.SafeLoader):
    """YAML as the CLI reads its project and stack files (sdk/go/common/encoding/marshal.go: gopkg.in/yaml.v3).
    yaml.v3 decodes only true/false as booleans into an untyped value; PyYAML's YAML 1.1 resolver would also turn
    yes/no/on/off into booleans, so a stack value `on` would reach the program as "true" instead of "on"."""


_CliYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CliYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CliYamlLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError as exc:
        raise ProjectError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "Pulumi project and stack files are UTF-8 YAML"
        ) from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectError(f"{path}: cannot be read as YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def load_project(
    program_dir: str | Path | None = None, stack: str = "dev", *, require_stack_file: bool = False
) -> ProjectSpec:
    """Find Pulumi.yaml in `program_dir` (default: the current directory) and merge the stack's config.

    Config is merged and validated as the CLI does before a preview or update (stack_config): Pulumi.<stack>.yaml
    over Pulumi.yaml's `default:`/`value:` entries, required keys present, typed keys of their type, secret keys
    encrypted; a violation raises ProjectError with the CLI's message.
    A missing stack file means empty stack config, as for a new stack (`pulumi stack init` writes no file), unless
    `require_stack_file` (the commands) and the project has other stack files: offline there is no stack to select,
    so a missing file beside others is a misspelt --stack, and the error names the stacks that exist. A project
    with no stack file at all (most published examples) runs as a fresh stack.
    """
    root = Path(program_dir or ".").resolve()
    project_file = root / "Pulumi.yaml"
    if not project_file.is_file():
        raise ProjectError(f"{project_file}: not found (--program must name a directory holding Pulumi.yaml)")
    project = _read_yaml(project_file)
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{project_file}: `name` is required and must be a string")
    runtime = project.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(f"{project_file}: `runtime` is {runtime_name!r}; preflight runs Python programs (python)")
    main = (root / str(project.get("main") or ".")).resolve()
    if not (main / "__main__.py").is_file():
        raise ProjectError(f"{project_file}: `main` resolves to {main}, which has no __main__.py")

    stack_file = root / f"Pulumi.{stack}.yaml"
    existing = sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in root.glob("Pulumi.?*.yaml"))
    if require_stack_file and existing and not stack_file.is_file():
        raise ProjectError(
            f"{stack_file}: not found (--stack {stack!r}); stacks with a file in {root}: {', '.join(existing)}"
        )
    stack_values = (_read_yaml(stack_file).get("config") or {}) if stack_file.is_file() else {}
    if not isinstance(stack_values, dict):
        raise ProjectError(f"{stack_file}: `config` must be a mapping")
    try:
        resolved = stack_config.resolve(
            project=name,
            project_file=project_file,
            declarations=stack_config.read_declarations(project_file, project.get("config")),
            stack=stack,
            stack_file=stack_file,
            stack_values=stack_values,
        )
    except stack_config.StackConfigError as exc:
        raise ProjectError(str(exc)) from exc
    return ProjectSpec(
        name=name,
        root=root,
        main=main,
        stack=stack,
        stack_file=stack_file if stack_file.is_file() else None,
        config=resolved.values,
        secret_keys=resolved.secret_keys,
    )
