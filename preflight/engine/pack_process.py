"""Launching a policy pack exactly as the Pulumi CLI does.

The CLI reads the pack's PulumiPolicy.yaml, runs `<python> -u -m pulumi.policy <engine address> <pack dir>` from the
pack directory with the pack's virtualenv, and reads the analyzer's port from the first line the pack prints. The
Engine service it serves meanwhile is preflight.engine.engine_service; the Analyzer calls that follow are
preflight.engine.analyzer_client.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from preflight.program.child_process import tied_to_this_process

POLICY_FILE: Final = "PulumiPolicy.yaml"
ORGANIZATION: Final = "organization"  # what the CLI passes for backends without organizations
PORT_TIMEOUT_SECONDS: Final = 60.0
STOP_TIMEOUT_SECONDS: Final = 5.0


_EXCEPTION_LINE: Final = re.compile(r"^(?:[A-Za-z_][\w]*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit)\w*): (.+)$")


def final_exception(stderr: str) -> str:
    """The last `pkg.module.SomeError: message` line of a traceback, as `SomeError: message` ("" when none)."""
    for line in reversed(stderr.splitlines()):
        match = _EXCEPTION_LINE.match(line.strip())
        if match:
            return f"{match.group(1)}: {match.group(2)}"
    return ""


class PackError(Exception):
    """The policy pack could not be loaded, started or queried. The message carries what the pack printed."""

    # The resource whose Remediate or Analyze call failed, when one did.
    urn: str = ""


@dataclass(frozen=True)
class PackSpec:
    """What PulumiPolicy.yaml says: the runtime, its virtualenv and the pack version."""

    directory: Path
    version: str
    virtualenv: Path | None

    @property
    def python(self) -> str:
        """The virtualenv's interpreter when the virtualenv exists (as the CLI uses it), else this interpreter."""
        if self.virtualenv is not None:
            for candidate in (self.virtualenv / "bin" / "python", self.virtualenv / "Scripts" / "python.exe"):
                if candidate.is_file():
                    return str(candidate)
        return sys.executable


def load_pack_spec(directory: str | Path) -> PackSpec:
    """Read `directory`/PulumiPolicy.yaml; a pack that is not a Python pack is an error naming the file."""
    root = Path(directory).resolve()
    policy_file = root / POLICY_FILE
    if not policy_file.is_file():
        raise PackError(f"{policy_file}: not found (--pack must name a directory holding {POLICY_FILE})")
    try:
        document = yaml.safe_load(policy_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(f"{policy_file}: cannot be read as YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise PackError(f"{policy_file}: expected a mapping at the top level")
    runtime = document.get("runtime")
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise PackError(f"{policy_file}: runtime must be python (the offline gate runs Python packs), got {name!r}")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
    if virtualenv is not None and not isinstance(virtualenv, str):
        raise PackError(f"{policy_file}: runtime.options.virtualenv must be a path, got {virtualenv!r}")
    if (root / "__main__.py").is_file() is False:
        raise PackError(f"{root}: the pack has no __main__.py")
    version = document.get("version")
    return PackSpec(
        directory=root,
        version=str(version) if version is not None else "0.0.1",
        virtualenv=(root / virtualenv) if virtualenv else None,
    )


class PackProcess:
    """The pack, run as the CLI runs it. Its stdout after the port line and its stderr are kept for error messages.

    Stopping is reliable: the pack runs in its own process group, which is terminated (then killed) on exit from the
    context, on interpreter exit, and by `stop()`; on Linux the kernel kills it when the gate dies (PR_SET_PDEATHSIG).
    """

    def __init__(self, spec: PackSpec, engine_address: str, environment: Mapping[str, str]) -> None:
        self.spec = spec
        self.command = [spec.python, "-u", "-m", "pulumi.policy", engine_address, str(spec.directory)]
        self._environment = {**os.environ, **environment}
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._port_lines: queue.Queue[str | None] = queue.Queue()
        self._readers: list[threading.Thread] = []
        self.port = 0

    def output(self) -> str:
        """What the pack printed (stdout after the port, then stderr), for error messages."""
        stdout = "".join(self._stdout).strip()
        stderr = "".join(self._stderr).strip()
        parts = [f"stdout:\n{stdout}" if stdout else "", f"stderr:\n{stderr}" if stderr else ""]
        return "\n".join(part for part in parts if part) or "(the pack printed nothing)"

    def _read(self, stream: Any, sink: list[str], announce_port: bool) -> None:
        first = announce_port
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            if first:
                self._port_lines.put(line)
                first = False
            else:
                sink.append(line)
        if first:
            self._port_lines.put(None)

    def start(self, timeout: float = PORT_TIMEOUT_SECONDS) -> int:
        """Launch the pack and wait for its port; PackError (with the pack's output) if it never comes."""
        self.launch()
        return self.wait_for_port(timeout)

    def launch(self) -> None:
        """Start the pack process without waiting for it (its start overlaps whatever the caller does next)."""
        if self._process is not None:
            return
        # The launcher execs the command after it starts: find it first, so a missing interpreter is named here.
        search_path = self._environment.get("PATH")
        if shutil.which(self.command[0], path=search_path) is None:
            raise PackError(f"cannot run the pack's interpreter {self.command[0]}: not found or not executable")
        try:
            self._process = subprocess.Popen(  # noqa: S603 - the command is the CLI's, built from the pack spec
                tied_to_this_process(self.command),
                cwd=self.spec.directory,
                env=self._environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise PackError(f"cannot run the pack's interpreter {self.spec.python}: {exc}") from exc
        atexit.register(self.stop)
        for stream, sink, announce in (
            (self._process.stdout, self._stdout, True),
            (self._process.stderr, self._stderr, False),
        ):
            reader = threading.Thread(target=self._read, args=(stream, sink, announce), daemon=True)
            reader.start()
            self._readers.append(reader)

    def wait_for_port(self, timeout: float = PORT_TIMEOUT_SECONDS) -> int:
        """The analyzer's port, read from the first line the launched pack prints."""
        if self.port:
            return self.port
        try:
            first_line = self._port_lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise PackError(
                f"the pack {self.spec.directory} printed no port within {timeout:.0f} s\n{self.output()}"
            ) from None
        if first_line is None or not first_line.strip().isdigit():
            process = self._process
            self.stop()
            shown = "nothing" if first_line is None else repr(first_line.strip())
            exit_code = process.returncode if process is not None else None
            cause = final_exception("".join(self._stderr))
            # The pack's own error first: its traceback follows, and an exemption or config error must not drown.
            reason = f": {cause}" if cause else f": it printed {shown} where its port belongs"
            raise PackError(
                f"the pack {self.spec.directory} failed to start (exit code {exit_code}){reason}\n{self.output()}"
            )
        self.port = int(first_line.strip())
        return self.port

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        atexit.unregister(self.stop)
        if process.poll() is None:
            for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_SECONDS), (signal.SIGKILL, None)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, sig)
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for reader in self._readers:
            reader.join(timeout=STOP_TIMEOUT_SECONDS)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def __enter__(self) -> PackProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
