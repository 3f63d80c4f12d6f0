"""A FunctionSandbox: one Lambda execution environment, run in this process.

The function's source (functions/<name>/, imported by path in a module namespace of its own), the environment moto
holds for the function plus what the Lambda runtime adds, the credentials of the function's role, and
AWS_ENDPOINT_URL pointing the handler's boto3 clients at moto.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

# One sandbox runs at a time: each swaps process-wide state (sys.modules, os.environ, boto3's default session).
_SANDBOX_LOCK = threading.RLock()
# What the process environment must not leak into a function: its own AWS settings and Powertools switches.
_ISOLATED_PREFIXES = ("AWS_", "_X_AMZN_", "POWERTOOLS_", "LAMBDA_")


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    log_group_name: str
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_stream_name: str = "local/[$LATEST]adapter"
    # The timeout is charged with the handler's own CPU time on its thread, from when it starts running: not the wait
    # for the sandbox lock, nor other processes' load on a busy machine, which a Lambda invocation (a CPU of its own)
    # never sees. Waits on AWS are bounded by the SDK's own timeouts (AWS_CALL_TIMEOUT_SECONDS).
    clock: Callable[[], float] = time.thread_time
    started: float = field(default_factory=time.thread_time)

    def start(self) -> None:
        """The handler starts running now: the timeout counts from here."""
        self.started = self.clock()

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (self.clock() - self.started)) * 1000))


def _top_level_names(code_dir: Path) -> set[str]:
    """The module names a code directory provides (its packages and modules), which the sandbox keeps to itself."""
    names = {path.stem for path in code_dir.glob("*.py")}
    names |= {path.name for path in code_dir.iterdir() if path.is_dir() and (path / "__init__.py").is_file()}
    return names


class FunctionSandbox:
    """One function's execution environment, run in this process. `invoke` is serialised across sandboxes."""

    def __init__(
        self,
        code_dir: Path,
        handler: str,
        environment: dict[str, str],
        context_factory: Callable[[], LambdaContext],
    ) -> None:
        module, _, function = handler.rpartition(".")
        if not module or not (code_dir / f"{module.replace('.', '/')}.py").is_file():
            raise FileNotFoundError(f"{code_dir}: no module {module!r} for handler {handler!r}")
        self.code_dir = code_dir
        self.module_name = module
        self.function_name = function
        self.environment = dict(environment)
        self.context_factory = context_factory
        self._own_names = _top_level_names(code_dir)
        self._modules: dict[str, Any] = {}
        self._boto3_session: Any = None

    def _owned(self, name: str) -> bool:
        return name.split(".", 1)[0] in self._own_names

    @contextlib.contextmanager
    def _entered(self) -> Iterator[None]:
        saved_modules = {name: module for name, module in sys.modules.items() if self._owned(name)}
        for name in saved_modules:
            del sys.modules[name]
        sys.modules.update(self._modules)
        saved_path = list(sys.path)
        sys.path.insert(0, str(self.code_dir))
        saved_environ = dict(os.environ)
        for name in [n for n in os.environ if n.startswith(_ISOLATED_PREFIXES)]:
            del os.environ[name]
        os.environ.update(self.environment)
        saved_session = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = self._boto3_session
        try:
            yield
        finally:
            self._boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = saved_session
            os.environ.clear()
            os.environ.update(saved_environ)
            sys.path[:] = saved_path
            self._modules = {name: module for name, module in sys.modules.items() if self._owned(name)}
            for name in self._modules:
                del sys.modules[name]
            sys.modules.update(saved_modules)

    def invoke(self, event: dict[str, Any]) -> tuple[Any, LambdaContext]:
        """Run the handler on `event`; returns what it returned and the context it ran with. Exceptions propagate."""
        context = self.context_factory()
        with _SANDBOX_LOCK, self._entered():
            context.start()
            module = sys.modules.get(self.module_name) or __import__(self.module_name, fromlist=["_"])
            result = getattr(module, self.function_name)(event, context)
        return result, context
