"""Pulumi project and stack files, read the way the CLI reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


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


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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


def _engine_value(value: Any) -> str:
    """Config values reach the program as strings; structured values as JSON, as the CLI passes them."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


# What an encrypted (`secure:`) stack value runs with offline when no key can decrypt it: a plain marker, passed as
# a secret, so the program runs and a pack sees a secret where the CLI would pass the decrypted value.
SECURE_PLACEHOLDER = "preflight-secure-placeholder"


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def load_project(
    program_dir: str | Path | None = None, stack: str = "dev", *, require_stack_file: bool = False
) -> ProjectSpec:
    """Find Pulumi.yaml in `program_dir` (default: the current directory) and merge the stack's config.

    Config precedence is the CLI's: project-level `config:` defaults (`value:` entries), then Pulumi.<stack>.yaml.
    A missing stack file means empty stack config, as for a new stack, unless `require_stack_file` (the commands:
    offline there is no stack to select, so a missing file is a misspelt --stack), which raises naming the stacks
    that exist.
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

    config: dict[str, str] = {}
    secret_keys: list[str] = []
    project_config = project.get("config") or {}
    if not isinstance(project_config, dict):
        raise ProjectError(f"{project_file}: `config` must be a mapping")
    for key, spec in project_config.items():
        # Project-level config declares either a schema ({type, default}) or a value ({value}).
        if isinstance(spec, dict):
            if spec.get("secret") is True:
                secret_keys.append(_qualify(key, name))
            if "value" in spec:
                config[_qualify(key, name)] = _engine_value(spec["value"])
            elif "default" in spec:
                config[_qualify(key, name)] = _engine_value(spec["default"])
        else:
            config[_qualify(key, name)] = _engine_value(spec)

    stack_file = root / f"Pulumi.{stack}.yaml"
    if require_stack_file and not stack_file.is_file():
        existing = sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in root.glob("Pulumi.?*.yaml"))
        raise ProjectError(
            f"{stack_file}: not found (--stack {stack!r}); stacks with a file in {root}: "
            f"{', '.join(existing) or '(none)'}"
        )
    if stack_file.is_file():
        stack_doc = _read_yaml(stack_file)
        stack_config = stack_doc.get("config") or {}
        if not isinstance(stack_config, dict):
            raise ProjectError(f"{stack_file}: `config` must be a mapping")
        for key, value in stack_config.items():
            if isinstance(value, dict) and set(value) == {"secure"}:
                config[_qualify(key, name)] = SECURE_PLACEHOLDER
                secret_keys.append(_qualify(key, name))
                continue
            config[_qualify(key, name)] = _engine_value(value)
    return ProjectSpec(
        name=name,
        root=root,
        main=main,
        stack=stack,
        stack_file=stack_file if stack_file.is_file() else None,
        config=config,
        secret_keys=tuple(sorted(set(secret_keys))),
    )
