"""Run a Pulumi Python program in-process, as the CLI's language host does, and record what it registers."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pulumi
import pulumi.runtime
from google.protobuf import json_format
from pulumi.runtime import mocks

from preflight import _sdk
from preflight.program.capture import Capture, Registration, SourcePosition
from preflight.program.collector import collector_paused
from preflight.program.project import ProjectSpec
from preflight.world.mocks import AwsLikeMocks

STACK_TYPE = "pulumi:pulumi:Stack"
# A program run that has not finished after this long is stuck (a future no thread will ever resolve, a blocking
# call): fail with a clear error instead of hanging the caller (a test session, CI) until its own limit.
RUN_TIMEOUT_VARIABLE = "PREFLIGHT_RUN_TIMEOUT_SECONDS"
DEFAULT_RUN_TIMEOUT_SECONDS = 300.0
MAX_RUN_TIMEOUT_SECONDS = 86400.0
# set_mocks registers a throwaway root stack of its own; only the one the program runs in is the real one.
_SDK_FILES = ("/pulumi/runtime/mocks.py",)


class ProgramError(Exception):
    """The program raised (bad stack config included), or registered two resources under one URN."""


def run_timeout_seconds(environ: Mapping[str, str] | None = None) -> float:
    """The run timeout from PREFLIGHT_RUN_TIMEOUT_SECONDS (default 300 s); ProgramError naming it when malformed."""
    raw = (os.environ if environ is None else environ).get(RUN_TIMEOUT_VARIABLE)
    if raw is None or raw.strip() == "":
        return DEFAULT_RUN_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_RUN_TIMEOUT_SECONDS:
        raise ProgramError(
            f"{RUN_TIMEOUT_VARIABLE}={raw!r}: a number of seconds above 0 and at most {MAX_RUN_TIMEOUT_SECONDS:g}"
        )
    return value


def _struct_to_dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True) if message is not None else {}


class RecordingMonitor(_sdk.MockMonitor):
    """The SDK's mock monitor, keeping each raw RegisterResourceRequest as the engine would receive it."""

    def __init__(self, mock_impl: mocks.Mocks, on_register: Callable[[], None] | None = None) -> None:
        super().__init__(mock_impl)
        self.on_register = on_register
        self.mock_impl = mock_impl
        self.registrations: list[Registration] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn = ""
        self.component_outputs: dict[str, dict[str, Any]] = {}
        self.duplicates: list[str] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        position = None
        if request.HasField("sourcePosition"):
            position = SourcePosition(
                request.sourcePosition.uri, request.sourcePosition.line, request.sourcePosition.column
            )
        if request.type == STACK_TYPE:
            if position is None or not position.uri.endswith(_SDK_FILES):
                self.stack_urn = response.urn
            return response
        record = Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            provider=request.provider,
            inputs=_struct_to_dict(request.object),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            dependencies=list(request.dependencies),
            source_position=position,
            stack_trace=tuple(
                SourcePosition(frame.pc.uri, frame.pc.line, frame.pc.column)
                for frame in request.stackTrace.frames
                if frame.HasField("pc")
            ),
            id=response.id,
            outputs=_struct_to_dict(response.object) if request.custom else {},
            ignore_changes=list(request.ignoreChanges),
        )
        if record.custom and not record.is_provider and isinstance(self.mock_impl, AwsLikeMocks):
            record.check_added = self.mock_impl.check_additions(
                record.type, record.name, record.inputs, record.provider
            )
        with self._lock:
            if any(r.urn == record.urn for r in self.registrations):
                self.duplicates.append(record.urn)
            self.registrations.append(record)
        if self.on_register is not None:
            self.on_register()
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = _struct_to_dict(request.outputs)
        with self._lock:
            if request.urn == self.stack_urn:
                self.stack_outputs = outputs
            else:
                self.component_outputs[request.urn] = outputs
        return super().RegisterResourceOutputs(request)


def _stable_order(registrations: list[Registration]) -> list[Registration]:
    """Providers first, then every parent before its children, siblings by URN.

    The SDK registers from several threads, so arrival order varies between runs; a stable order makes every report
    and export reproducible.
    """
    children: dict[str, list[Registration]] = {}
    known = {r.urn for r in registrations}
    for record in sorted(registrations, key=lambda r: (not r.is_provider, r.urn)):
        parent = record.parent if record.parent in known else ""
        children.setdefault(parent, []).append(record)
    ordered: list[Registration] = []
    pending = list(reversed(children.get("", [])))
    while pending:
        record = pending.pop()
        ordered.append(record)
        pending.extend(reversed(children.get(record.urn, [])))
    return ordered


@contextlib.contextmanager
def _program_environment(project: ProjectSpec) -> Iterator[None]:
    """What the language host sets up: the program directory as sys.path[0] and as the working directory."""
    saved_path = list(sys.path)
    saved_cwd = os.getcwd()
    sys.path.insert(0, str(project.main))
    os.chdir(project.main)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path


def run_program(
    project: ProjectSpec,
    preview: bool = False,
    mock_impl: mocks.Mocks | None = None,
    extra_config: dict[str, str] | None = None,
    timeout_seconds: float | None = None,
    *,
    on_register: Callable[[], None] | None = None,
) -> Capture:
    """Run `project`'s program once under mocks and return what it registered.

    preview=True answers every computed output as unknown (what `pulumi preview` sees); preview=False answers with
    realistic known values (what `pulumi up` sees). `on_register` is called once per registered resource (progress).
    Raises ProgramError when the program fails.
    """
    timeout = run_timeout_seconds() if timeout_seconds is None else timeout_seconds
    impl = mock_impl if mock_impl is not None else AwsLikeMocks(preview=preview)
    config = {**project.config, **(extra_config or {})}
    if isinstance(impl, AwsLikeMocks) and impl.config_region is None:
        impl.config_region = config.get("aws:region")
    monitor = RecordingMonitor(impl, on_register)
    program = str(project.main)
    failures: list[BaseException] = []

    def run_main() -> None:
        try:
            runpy.run_path(program, run_name="__main__")
        except SystemExit as exc:
            # The language host treats any exit of the program as a failed run; a silent exit 0 would pass the gate.
            raise ProgramError(
                f"{project.name} ({project.main}) called sys.exit({exc.code!r}); a Pulumi program must return "
                "normally (raise an exception to fail)"
            ) from None

    def run_in_thread() -> None:
        # The SDK's event loop and context variables (config, root resource) are per thread: set them up in the
        # thread that runs the program; they end with it.
        asyncio.set_event_loop(asyncio.new_event_loop())
        mocks.set_mocks(impl, project=project.name, stack=project.stack, preview=preview, monitor=monitor)
        # set_mocks left its own root stack, and outputs made outside any run (a test building one between runs) are
        # pending tasks of a loop that never runs again: the program gets a fresh root and waits only for its own.
        _sdk.reset_between_runs()
        pulumi.runtime.set_all_config(config, list(project.secret_keys))
        try:
            _sdk.sync_await(asyncio.wait_for(_sdk.run_in_stack(run_main), timeout))
        except BaseException as exc:
            failures.append(exc)

    # The program runs in a daemon thread so that the caller's thread can enforce the timeout whatever the program
    # does (a blocking call never returns to the event loop) and receive Ctrl-C; a program still running when the
    # command exits ends with the interpreter.
    worker = threading.Thread(target=run_in_thread, name=f"pulumi-program-{project.name}", daemon=True)
    # The invoke watch patches pulumi.runtime for the whole process: the program's thread calls through it.
    invoke_sites = impl.invoke_sites.watching() if isinstance(impl, AwsLikeMocks) else contextlib.nullcontext()
    with _program_environment(project), collector_paused(), invoke_sites:
        worker.start()
        worker.join(timeout)
    if worker.is_alive() or (failures and isinstance(failures[0], TimeoutError)):
        raise ProgramError(
            f"{project.name} ({project.main}) did not finish within {timeout:g} s ({RUN_TIMEOUT_VARIABLE}): it is "
            "blocked, or a pending output never resolved"
        )
    if failures:
        exc = failures[0]
        if isinstance(exc, ProgramError):
            raise exc
        raise ProgramError(f"{project.name} ({project.main}) failed: {type(exc).__name__}: {exc}") from exc
    if monitor.duplicates:
        raise ProgramError(f"duplicate resource URNs (the engine rejects these): {sorted(set(monitor.duplicates))}")
    resources = _stable_order(monitor.registrations)
    return Capture(
        project=project.name,
        stack=project.stack,
        preview=preview,
        resources=resources,
        outputs=monitor.stack_outputs,
        stack_urn=monitor.stack_urn,
        not_analysed=_not_analysed(impl),
    )


def _not_analysed(impl: mocks.Mocks) -> list[str]:
    """The world's record of what it answered without analysing: placeholder invokes, unexpanded components."""
    if not isinstance(impl, AwsLikeMocks):
        return []
    return [p.describe() for p in impl.invoke_sites.placeholders] + [
        c.describe() for c in impl.remote_components.unexpanded
    ]
