"""How the CLI launches a policy pack, per PulumiPolicy.yaml's runtime.

pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer: the pack runs through its language host's
RunPlugin, from the pack's directory. Python (sdk/python/cmd/pulumi-language-python/main.go, RunPlugin): the pack's
toolchain interpreter (its `virtualenv` option, as for a program) runs `-u -m pulumi.policy <engine> <pack dir>`.
Node.js (sdk/nodejs/cmd/pulumi-language-nodejs/main.go, RunPlugin): `node
<pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .`. Either prints its port first. The environment
is analyzer_plugin.go's constructEnv: PULUMI_CONFIG, PULUMI_ORGANIZATION/PROJECT/STACK/DRY_RUN, and the
PULUMI_NODEJS_* variants for Node.js.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from preflight.program.language_host import offline_interpreter

POLICY_FILE: Final = "PulumiPolicy.yaml"
NODE_RUNNER: Final = Path("node_modules") / "@pulumi" / "pulumi" / "cmd" / "run-policy-pack"
RUNTIMES: Final = ("python", "nodejs")


class PackRuntimeError(Exception):
    """The pack cannot be launched as the CLI would launch it; the message says why, in the CLI's words."""


@dataclass(frozen=True)
class PackLaunch:
    """The command that starts the pack, and the directory it runs in."""

    runtime: str
    command: list[str]
    directory: Path
    # Why the pack does not run on the interpreter the CLI would use ("" when it does).
    warning: str = ""


def pack_runtime(directory: Path) -> tuple[str, dict[str, Any]]:
    """PulumiPolicy.yaml's runtime name and options (the runtime may be a bare name)."""
    policy_file = directory / POLICY_FILE
    if not policy_file.is_file():
        raise PackRuntimeError(
            f"failed to load Pulumi policy project located at {str(directory)!r}: {policy_file}: not found "
            f"(--pack must name a directory holding {POLICY_FILE})"
        )
    try:
        document = yaml.safe_load(policy_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PackRuntimeError(f"failed to load Pulumi policy project located at {str(directory)!r}: {exc}") from exc
    runtime = document.get("runtime") if isinstance(document, dict) else None
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    options = runtime.get("options") if isinstance(runtime, dict) else None
    if name not in RUNTIMES:
        raise PackRuntimeError(f"{policy_file}: runtime must be one of {', '.join(RUNTIMES)}, got {name!r}")
    return str(name), options if isinstance(options, dict) else {}


def pack_launch(directory: Path, engine_address: str, environ: Mapping[str, str] | None = None) -> PackLaunch:
    """The CLI's command for the pack in `directory`."""
    directory = directory.resolve()
    runtime, options = pack_runtime(directory)
    if runtime == "nodejs":
        runner = directory / NODE_RUNNER
        node = shutil.which("node", path=(environ or {}).get("PATH"))
        if not runner.exists():
            # analyzer_plugin.go, NewPolicyAnalyzer (errRunPolicyModuleNotFound)
            raise PackRuntimeError(
                "it looks like the policy pack's dependencies are not installed; "
                f"try running npm install or yarn install in {str(directory)!r}"
            )
        if node is None:
            raise PackRuntimeError(f"policy pack {str(directory)!r} failed to start: node is not on PATH")
        return PackLaunch(runtime, [node, str(runner), engine_address, "."], directory)
    if not isinstance(options.get("virtualenv", ""), str):
        raise PackRuntimeError(f"{directory / POLICY_FILE}: runtime.options.virtualenv must be a path")
    if not (directory / "__main__.py").is_file():
        # What `python -m pulumi.policy` would fail on after starting, named before it starts.
        raise PackRuntimeError(f"{directory}: the pack has no __main__.py")
    # The same interpreter rule as the program's (offline_interpreter): a pack without a virtualenv, or whose
    # declared virtualenv was never created, runs on the gate's interpreter, which has pulumi-policy.
    python = offline_interpreter(
        directory, options, config_file=POLICY_FILE, remedy="the virtualenv made from the pack's requirements.txt"
    )
    warning = f"policy pack {directory}: {python.warning}" if python.warning else ""
    return PackLaunch(
        runtime, [python.path, "-u", "-m", "pulumi.policy", engine_address, str(directory)], directory, warning
    )


def pack_environment(
    runtime: str, *, organization: str, project: str, stack: str, dry_run: bool, config: Mapping[str, str]
) -> dict[str, str]:
    """analyzer_plugin.go, constructEnv."""
    environment = {
        "PULUMI_CONFIG": json.dumps(dict(config)),
        "PULUMI_ORGANIZATION": organization,
        "PULUMI_PROJECT": project,
        "PULUMI_STACK": stack,
        "PULUMI_DRY_RUN": "true" if dry_run else "false",
    }
    if runtime == "nodejs":
        environment |= {
            "PULUMI_NODEJS_ORGANIZATION": organization,
            "PULUMI_NODEJS_PROJECT": project,
            "PULUMI_NODEJS_STACK": stack,
            "PULUMI_NODEJS_DRY_RUN": "true" if dry_run else "false",
        }
    return environment
