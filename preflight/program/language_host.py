"""Launch a Python program as the CLI's language host does, against a ResourceMonitor at a given address.

pulumi/pulumi sdk/python/cmd/pulumi-language-python (main.go, pythonLanguageHost.Run and constructArguments):
the project's interpreter (sdk/python/toolchain: the `virtualenv` of Pulumi.yaml's runtime options, `.venv` under
the uv toolchain, else PULUMI_PYTHON_CMD or `python3` on PATH) runs the exec script with `--monitor`, `--engine`,
`--project`, `--root_directory`, `--stack`, `--pwd`, `--dry_run`, `--parallel`, `--organization` and the program
directory, and PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS in its environment. The program then runs with only its
own dependencies: what it imports must be installed in its environment, as under the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from preflight.program.child_process import tied_to_this_process

EXEC_SCRIPT: Final = Path(__file__).with_name("python_exec.py")
# python_exec.py's: where it writes the program's invoke call sites.
INVOKE_SITES_VARIABLE: Final = "PREFLIGHT_INVOKE_SITES"
ORGANIZATION: Final = "organization"
DEFAULT_PARALLEL: Final = 16
# sdk/python/toolchain/uv.go: the uv toolchain's default virtualenv.
UV_DEFAULT_VIRTUALENV: Final = ".venv"


class LanguageHostError(Exception):
    """The program's interpreter cannot be found, or the program failed; the message says which and why."""


@dataclass(frozen=True)
class ProgramExit:
    """How the program's process ended: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str
    # (token, file, line) of every invoke the program made, in call order (python_exec.INVOKE_SITES_VARIABLE).
    invoke_sites: tuple[tuple[str, str, int], ...] = ()


def runtime_options(config_file: Path) -> dict[str, Any]:
    """The `runtime.options` mapping of a Pulumi.yaml or PulumiPolicy.yaml, {} when it has none."""
    document = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    runtime = document.get("runtime") if isinstance(document, dict) else None
    options = runtime.get("options") if isinstance(runtime, dict) else None
    return options if isinstance(options, dict) else {}


def _virtualenv_error(option: str, path: Path) -> str:
    """sdk/python/toolchain/pip.go, NewVirtualEnvError (the CLI's message, its command list left out)."""
    state = "doesn't exist" if not path.exists() else "doesn't appear to be a virtual environment"
    return (
        f"The 'virtualenv' option in Pulumi.yaml is set to {json.dumps(option)}, but {json.dumps(str(path))} "
        f"{state}; create it ({path / 'bin' / 'python'} -m pip install -r requirements.txt after python3 -m venv)"
    )


def python_interpreter(
    root: Path, options: Mapping[str, Any], environ: Mapping[str, str] | None = None, config_file: str = "Pulumi.yaml"
) -> str:
    """The interpreter the CLI runs a Python program or policy pack in `root` with (sdk/python/toolchain,
    ResolveToolchain and pip.ValidateVenv): the `virtualenv` option's, `.venv` under the uv toolchain, else
    PULUMI_PYTHON_CMD or `python3` on PATH (pip.CommandPath)."""
    environ = os.environ if environ is None else environ
    toolchain = str(options.get("toolchain") or "pip")
    virtualenv = options.get("virtualenv")
    if toolchain == "uv" and not virtualenv:
        virtualenv = UV_DEFAULT_VIRTUALENV
    if toolchain not in ("pip", "uv"):
        raise LanguageHostError(f"{root / config_file}: runtime toolchain {toolchain!r} cannot run offline (pip or uv)")
    if virtualenv:
        path = (root / str(virtualenv)).resolve()
        python = path / "bin" / "python"
        if not python.is_file():
            raise LanguageHostError(_virtualenv_error(str(virtualenv), path).replace("Pulumi.yaml", config_file, 1))
        return str(python)
    for command in [environ["PULUMI_PYTHON_CMD"]] if environ.get("PULUMI_PYTHON_CMD") else ["python3", "python"]:
        found = shutil.which(command, path=environ.get("PATH"))
        if found:
            return found
    raise LanguageHostError("failed to locate any of ['python3', 'python'] on your PATH")


@dataclass(frozen=True)
class ResolvedInterpreter:
    """The interpreter a program or pack runs on, and the one-line warning when it is not the one the CLI would use."""

    path: str
    warning: str = ""


def offline_interpreter(
    root: Path,
    options: Mapping[str, Any],
    *,
    config_file: str = "Pulumi.yaml",
    override: str | None = None,
    remedy: str = "`pulumi install`",
) -> ResolvedInterpreter:
    """The interpreter preflight runs the program (or pack) in `root` on: `override` when given; the declared
    toolchain's virtualenv when it exists (as the CLI resolves it, python_interpreter); otherwise this interpreter.

    Without a declared virtualenv the CLI runs `python3` from PATH (sdk/python/toolchain/pip.go, CommandPath). The
    gate runs its own interpreter instead: it is the one the user started from that shell (under nox or any venv it
    is `python3` on PATH anyway), and the only one known to have pulumi, pulumi-aws and pulumi-policy, where a
    system python3 would fail every program with ModuleNotFoundError.

    A declared virtualenv that does not exist is the CLI's error until `pulumi install` creates it; pulumi/examples
    programs (and any fresh clone) are in that state, so the run goes on with this interpreter and a warning.
    """
    if override:
        return ResolvedInterpreter(override)
    declared = bool(options.get("virtualenv")) or str(options.get("toolchain") or "pip") != "pip"
    if not declared:
        return ResolvedInterpreter(sys.executable)
    try:
        return ResolvedInterpreter(python_interpreter(root, options, config_file=config_file))
    except LanguageHostError as exc:
        reason = str(exc).partition("; create it")[0]
        return ResolvedInterpreter(
            sys.executable,
            f"{reason}: the CLI would need {remedy} first; running it on {sys.executable} instead",
        )


def project_interpreter(project_root: Path, environ: Mapping[str, str] | None = None) -> str:
    """The interpreter the CLI would run the project's program with."""
    return python_interpreter(project_root, runtime_options(project_root / "Pulumi.yaml"), environ)


def exec_command(
    interpreter: str,
    *,
    monitor: str,
    project: str,
    root_directory: Path,
    stack: str,
    program_directory: Path,
    preview: bool,
    parallel: int = DEFAULT_PARALLEL,
) -> list[str]:
    """main.go, pythonLanguageHost.constructArguments, behind `<python> -u <exec script>`."""
    return [
        interpreter,
        "-u",
        str(EXEC_SCRIPT),
        "--monitor",
        monitor,
        "--engine",
        monitor,
        "--project",
        project,
        "--root_directory",
        str(root_directory),
        "--stack",
        stack,
        "--pwd",
        str(program_directory),
        "--dry_run",
        "true" if preview else "false",
        "--parallel",
        str(parallel),
        "--organization",
        ORGANIZATION,
        str(program_directory),
    ]


def program_environment(
    *, monitor: str, project: str, stack: str, config: Mapping[str, str], secret_keys: Sequence[str], preview: bool
) -> dict[str, str]:
    """What the host adds to the program's environment (main.go: PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, and the
    settings the SDK also reads from the environment)."""
    return {
        "PULUMI_MONITOR": monitor,
        "PULUMI_ENGINE": monitor,
        "PULUMI_PROJECT": project,
        "PULUMI_STACK": stack,
        "PULUMI_ORGANIZATION": ORGANIZATION,
        "PULUMI_DRY_RUN": "true" if preview else "false",
        "PULUMI_CONFIG": json.dumps(dict(config)),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(secret_keys)),
    }


def launch_program(
    *,
    monitor: str,
    project: str,
    stack: str,
    project_root: Path,
    program_directory: Path,
    config: Mapping[str, str],
    preview: bool,
    secret_keys: Sequence[str] = (),
    interpreter: str | None = None,
    timeout_seconds: float = 300.0,
) -> ProgramExit:
    """Run the program to completion against the ResourceMonitor (and Engine) at `monitor`.

    A program that exits non-zero is not an error here: the caller reads the exit code and the engine's log.
    """
    python = interpreter or project_interpreter(project_root)
    command = exec_command(
        python,
        monitor=monitor,
        project=project,
        root_directory=project_root,
        stack=stack,
        program_directory=program_directory,
        preview=preview,
    )
    with tempfile.TemporaryDirectory(prefix="preflight-program-") as scratch:
        sites_file = Path(scratch) / "invoke-sites.json"
        environment = {
            **os.environ,
            **program_environment(
                monitor=monitor, project=project, stack=stack, config=config, secret_keys=secret_keys, preview=preview
            ),
            INVOKE_SITES_VARIABLE: str(sites_file),
        }
        try:
            completed = subprocess.run(  # noqa: S603 - the CLI's command for this project's interpreter
                tied_to_this_process(command),
                cwd=program_directory,
                env=environment,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LanguageHostError(
                f"{program_directory}: the program did not finish within {timeout_seconds:g} s "
                "(PREFLIGHT_RUN_TIMEOUT_SECONDS)"
            ) from exc
        except OSError as exc:
            raise LanguageHostError(f"cannot run the program's interpreter {python}: {exc}") from exc
        sites = _invoke_sites(sites_file)
    return ProgramExit(completed.returncode, completed.stdout, completed.stderr, sites)


def _invoke_sites(path: Path) -> tuple[tuple[str, str, int], ...]:
    """What the exec script recorded ((), when the program died before writing it)."""
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return tuple((str(token), str(file), int(line)) for token, file, line in recorded)
