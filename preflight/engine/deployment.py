"""A deployment as the CLI runs one: the ResourceMonitor served while the program runs in its own interpreter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from preflight.engine.resource_monitor import MonitorServer, MonitorState, RegistrationHook, World
from preflight.program.language_host import launch_program


@dataclass(frozen=True)
class ProgramRun:
    """What one run of the program left: the monitor's record, the exit code and what the program printed."""

    state: MonitorState
    exit_code: int
    stdout: str
    stderr: str
    invoke_sites: tuple[tuple[str, str, int], ...] = ()

    @property
    def errors(self) -> list[str]:
        """What the program logged as errors (its exception, or the engine's refusal of a registration)."""
        return [message for severity, message, _ in self.state.logs if severity == "error"]


def run_deployment(
    *,
    project: str,
    stack: str,
    project_root: Path,
    program_directory: Path,
    world: World,
    config: Mapping[str, str],
    preview: bool,
    secret_keys: Sequence[str] = (),
    interpreter: str | None = None,
    timeout_seconds: float = 300.0,
    registration_hook: Callable[[MonitorState], RegistrationHook] | None = None,
) -> ProgramRun:
    """Serve the monitor, run the program to completion against it, and return what it registered.

    The world answers as after a create (build it for an update, not a preview): the monitor makes the outputs it
    computes unknown when `preview`. `registration_hook`, given the monitor's state, makes the hook that sees each
    registration before the world does (the policy analysis).
    """
    with MonitorServer(project, stack, world, config, preview=preview) as server:
        if registration_hook is not None:
            server.monitor.on_register = registration_hook(server.state)
        finished = launch_program(
            monitor=server.address,
            project=project,
            stack=stack,
            project_root=project_root,
            program_directory=program_directory,
            config=config,
            preview=preview,
            secret_keys=secret_keys,
            interpreter=interpreter,
            timeout_seconds=timeout_seconds,
        )
    return ProgramRun(server.state, finished.exit_code, finished.stdout, finished.stderr, finished.invoke_sites)
