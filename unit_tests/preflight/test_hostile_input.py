"""Hostile input to `python -m preflight`, run as a user runs it (a subprocess): each case checks the exit code, the
first line of the answer and that no pack or program process outlives the command.

Timeouts here are generous limits against a hang, never expectations of speed; the run timeout under test is injected
through PREFLIGHT_RUN_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# Generous: a busy 2-core machine starts the pack and runs the program in seconds; these only stop a hang.
COMMAND_LIMIT_SECONDS = 300.0
GONE_LIMIT_SECONDS = 60.0

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process checks read /proc")

SMALL_PROGRAM = """
import pulumi_aws as aws

aws.s3.Bucket("b")
"""

# Writes its PID where the test can find it, and a second file once it has printed its port (from then on a pack
# left alone never writes to the gate again, so nothing but the gate stopping it ends it); then serves as a pack
# whose one policy may raise on the bucket `b`.
PID_PACK = """
import os
import pathlib
import sys

PID_DIR = pathlib.Path(os.environ["HOSTILE_PID_DIR"])
PID_DIR.joinpath(f"pack-{os.getpid()}").write_text(str(os.getpid()))


class AnnouncingBuffer:
    def __init__(self, raw):
        self.raw = raw

    def write(self, data):
        written = self.raw.write(data)
        self.raw.flush()
        if data.strip().isdigit():
            PID_DIR.joinpath(f"serving-{os.getpid()}").write_text(data.decode().strip())
        return written

    def flush(self):
        self.raw.flush()


class AnnouncingStdout:
    def __init__(self, stream):
        self.stream = stream
        self.buffer = AnnouncingBuffer(stream.buffer)

    def __getattr__(self, name):
        return getattr(self.stream, name)


sys.stdout = AnnouncingStdout(sys.stdout)

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy


def fine(args, report_violation):
    if args.get_config().get("limit", 1) < 0:
        report_violation("negative limit")


def explode(args, report_violation):
    if os.environ.get("HOSTILE_RAISE") and args.name == "b":
        raise RuntimeError("boom on purpose")


PolicyPack(
    name="hostile",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="a-fine", description="Reads its config.", validate=fine,
            config_schema=PolicyConfigSchema(properties={"limit": {"type": "integer"}}),
        ),
        ResourceValidationPolicy(name="explodes", description="Raises when asked.", validate=explode),
    ],
)
"""
POLICY_FILE = "runtime: python\nversion: 1.0.0\n"


# Resets SIGINT to its default disposition, which exec keeps, then runs the command in this same process.
SIGINT_AT_DEFAULT = (
    "import os, signal, sys\nsignal.signal(signal.SIGINT, signal.SIG_DFL)\nos.execv(sys.argv[1], sys.argv[1:])\n"
)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def first_line(self) -> str:
        return self.stderr.strip().splitlines()[0] if self.stderr.strip() else ""


@dataclass
class Workspace:
    root: Path
    program: Path
    pack: Path
    pid_dir: Path

    def environment(self, **extra: str) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PREFLIGHT_", "DELIVERY_", "HOSTILE_", "PULUMI_"))
        }
        pythonpath = os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "infrastructure")])
        return {**environment, "PYTHONPATH": pythonpath, "HOSTILE_PID_DIR": str(self.pid_dir), **extra}

    def arguments(self, *extra: str, command: str = "gate") -> list[str]:
        base = [sys.executable, "-m", "preflight", command, "--program", str(self.program), "--stack", "dev"]
        return base + (["--pack", str(self.pack)] if command == "gate" else []) + list(extra)

    def run(self, *extra: str, command: str = "gate", **environment: str) -> Outcome:
        completed = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            self.arguments(*extra, command=command),
            env=self.environment(**environment),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=COMMAND_LIMIT_SECONDS,
            check=False,
        )
        return Outcome(completed.returncode, completed.stdout, completed.stderr)

    def start(self, *extra: str, **environment: str) -> subprocess.Popen[str]:
        # A gate started from a background job inherits SIGINT ignored (a shell's `&`), and Python then never turns
        # it into KeyboardInterrupt: the gate is started as from a terminal, SIGINT at its default, so Ctrl-C tests
        # the gate and not how the suite was launched.
        return subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-c", SIGINT_AT_DEFAULT, *self.arguments(*extra)],
            env=self.environment(**environment),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def pack_pids(self) -> list[int]:
        # The PID is read from the file's name: the file exists before its text is written, and a read in between
        # would see it empty.
        return [int(path.name.removeprefix("pack-")) for path in self.pid_dir.glob("pack-*")]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line mentions `text` (each case's pack and program live under its tmp_path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command_line and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _wait_until(condition: Callable[[], bool], limit: float = GONE_LIMIT_SECONDS) -> bool:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def assert_nothing_left(workspace: Workspace) -> None:
    """No pack (by its PID file) and no process started from the case's directory is still running."""
    pids = workspace.pack_pids()
    assert _wait_until(lambda: not any(_alive(pid) for pid in pids)), f"pack processes left running: {pids}"
    assert _wait_until(lambda: not _processes_mentioning(str(workspace.root))), (
        f"processes left running: {_processes_mentioning(str(workspace.root))}"
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: hostile\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config: {}\n")
    (program / "__main__.py").write_text(textwrap.dedent(SMALL_PROGRAM))
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(POLICY_FILE)
    (pack / "__main__.py").write_text(textwrap.dedent(PID_PACK))
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    return Workspace(tmp_path, program, pack, pid_dir)


def write_main(workspace: Workspace, source: str) -> None:
    (workspace.program / "__main__.py").write_text(textwrap.dedent(source))


def check(outcome: Outcome, code: int, first_line_parts: Sequence[str], workspace: Workspace) -> None:
    assert outcome.code == code, outcome.stderr
    for part in first_line_parts:
        assert part in outcome.first_line, outcome.stderr
    # Tracebacks only under what the pack printed (stderr:) or what the program logged (program log:).
    assert "Traceback" not in re.split(r"\n(?:stderr|program log):", outcome.stderr)[0], outcome.stderr
    assert_nothing_left(workspace)


# The program-side cases: (source of __main__.py, stack file, environment, first line parts).
CONFIG_PROGRAM = """
from delivery_stack.config import load_config

load_config()
"""
GOOD_CONFIG = """\
config:
  hostile:regions: [us-east-1]
  hostile:owner: team
  hostile:costCenter: cc-1
  hostile:allowedOrigins: ["https://app.example.com"]
"""
PROGRAM_CASES = {
    "sys.exit(0) is a program error, not a silent pass": (
        "import sys\nsys.exit(0)\n",
        None,
        {},
        ["error:", "called sys.exit(0)"],
    ),
    "sys.exit(3) is a program error naming the code": (
        "import sys\nsys.exit(3)\n",
        None,
        {},
        ["error:", "called sys.exit(3)"],
    ),
    "a program that blocks hits the run timeout": (
        "import time\nwhile True:\n    time.sleep(0.2)\n",
        None,
        {"PREFLIGHT_RUN_TIMEOUT_SECONDS": "3"},
        ["error:", "did not finish within 3 s (PREFLIGHT_RUN_TIMEOUT_SECONDS)"],
    ),
    "a malformed run timeout names the variable and the range": (
        SMALL_PROGRAM,
        None,
        {"PREFLIGHT_RUN_TIMEOUT_SECONDS": "abc"},
        ["error: PREFLIGHT_RUN_TIMEOUT_SECONDS='abc': a number of seconds above 0"],
    ),
    "a negative run timeout is refused too": (
        SMALL_PROGRAM,
        None,
        {"PREFLIGHT_RUN_TIMEOUT_SECONDS": "-5"},
        ["PREFLIGHT_RUN_TIMEOUT_SECONDS='-5'"],
    ),
    "a misspelt stack-config key is named with a suggestion": (
        CONFIG_PROGRAM,
        GOOD_CONFIG + "  hostile:regoins: [us-west-2]\n",
        {},
        ["invalid stack config `regoins`", "did you mean `regions`?"],
    ),
    "DELIVERY_REGIONS garbage names the variable": (
        CONFIG_PROGRAM,
        GOOD_CONFIG,
        {"DELIVERY_REGIONS": "mars-north-1"},
        ["invalid environment variable DELIVERY_REGIONS (overrides `regions`) = 'mars-north-1'"],
    ),
    "an empty stack file is empty config, and the program says what it misses": (
        CONFIG_PROGRAM,
        "",
        {},
        ["invalid stack config `regions` = None"],
    ),
    "a program that raises in an apply fails the run": (
        # Over an input, which a preview knows (an apply over a computed output does not run in a preview).
        "import pulumi_aws as aws\n"
        "bucket = aws.s3.Bucket('b', bucket='fixed-name')\n"
        "bucket.bucket.apply(lambda _: 1 / 0)\n",
        None,
        {},
        ["error:", "ZeroDivisionError"],
    ),
    "two resources under one URN are refused": (
        "import pulumi_aws as aws\naws.s3.Bucket('b')\naws.s3.Bucket('b')\n",
        None,
        {},
        ["Duplicate resource URN 'urn:pulumi:dev::hostile::aws:s3/bucket:Bucket::b'"],
    ),
}


@pytest.mark.parametrize("case", sorted(PROGRAM_CASES))
def test_a_broken_program_exits_2_with_one_line_first(workspace: Workspace, case: str) -> None:
    source, stack_file, environment, first_line = PROGRAM_CASES[case]
    write_main(workspace, source)
    if stack_file is not None:
        (workspace.program / "Pulumi.dev.yaml").write_text(stack_file)
    check(workspace.run(**environment), 2, first_line, workspace)


def test_debug_adds_the_traceback(workspace: Workspace) -> None:
    write_main(workspace, "raise ValueError('broken on purpose')\n")
    quiet = workspace.run()
    loud = workspace.run("--debug")
    assert (quiet.code, loud.code) == (2, 2)
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr
    assert_nothing_left(workspace)


def _edit(workspace: Workspace, relative: str, content: str | bytes) -> None:
    path = workspace.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


# The file-side cases: files to write (relative to tmp_path), extra arguments, first line parts.
FILE_CASES: dict[str, tuple[dict[str, str | bytes], list[str], list[str]]] = {
    "a stack file with a non-UTF-8 byte": (
        {"program/Pulumi.dev.yaml": b"config:\n  hostile:owner: caf\xe9\n"},
        [],
        ["Pulumi.dev.yaml: not UTF-8 text"],
    ),
    "a stack that does not exist names the file and the stacks there are": (
        {},
        ["--stack", "prod"],
        ["Pulumi.prod.yaml: not found (--stack 'prod')", "dev"],
    ),
    "a project whose runtime is not python": (
        {"program/Pulumi.yaml": "name: hostile\nruntime: nodejs\n"},
        [],
        ["`runtime` is 'nodejs'"],
    ),
    "a main that does not exist": (
        {"program/Pulumi.yaml": "name: hostile\nruntime: python\nmain: nowhere/\n"},
        [],
        ["which has no __main__.py"],
    ),
    "a pack directory without PulumiPolicy.yaml": (
        {"pack/PulumiPolicy.yaml": ""},
        ["--pack", "program"],
        ["PulumiPolicy.yaml: not found"],
    ),
    "a pack that prints before its port": (
        {"pack/__main__.py": "print('hello from the pack')\n" + textwrap.dedent(PID_PACK)},
        [],
        ["failed to start", "'hello from the pack' where its port belongs"],
    ),
    "a pack that exits at once": (
        {"pack/__main__.py": "import sys\nsys.exit(4)\n"},
        [],
        ["failed to start (exit code 4)"],
    ),
    "a policy config file that is not JSON": (
        {"config.json": "{not json"},
        ["--config", "config.json"],
        ["config.json: not valid JSON"],
    ),
    "a policy config property typo": (
        {"config.json": json.dumps({"a-fine": {"limt": 3}})},
        ["--config", "config.json"],
        ["a-fine: unknown property 'limt'; did you mean 'limit'?"],
    ),
    "a policy config naming an unknown policy": (
        {"config.json": json.dumps({"no-such": "mandatory"})},
        ["--config", "config.json"],
        ["names policies the pack does not have: ['no-such']"],
    ),
    "an --output under a regular file is refused before the run": (
        {"blocker": "a file"},
        ["--output", "blocker/report.json"],
        ["--output blocker/report.json: cannot be written"],
    ),
    "a Pulumi.yaml that is a list": ({"program/Pulumi.yaml": "- a\n"}, [], ["expected a mapping at the top level"]),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_a_broken_file_or_argument_exits_2_naming_it(workspace: Workspace, case: str) -> None:
    files, arguments, first_line = FILE_CASES[case]
    for relative, content in files.items():
        if content == "":
            (workspace.root / relative).unlink()
        else:
            _edit(workspace, relative, content)
    check(workspace.run(*arguments), 2, first_line, workspace)


def test_an_unwritable_output_stops_before_the_program_runs(workspace: Workspace) -> None:
    write_main(workspace, "import pathlib\npathlib.Path('ran').write_text('yes')\n")
    (workspace.root / "blocker").write_text("a file")
    outcome = workspace.run("--output", "blocker/report.json")
    check(outcome, 2, ["cannot be written"], workspace)
    assert not (workspace.program / "ran").exists()


def test_the_report_is_written_whole_and_only_the_report(workspace: Workspace) -> None:
    outcome = workspace.run("--format", "json", "--output", "out/report.json")
    assert outcome.code == 0, outcome.stderr
    assert json.loads((workspace.root / "out" / "report.json").read_text())
    assert sorted(path.name for path in (workspace.root / "out").iterdir()) == ["report.json"]


def test_an_unknown_format_is_a_usage_error(workspace: Workspace) -> None:
    outcome = workspace.run("--format", "yaml")
    check(outcome, 2, ["usage: python -m preflight gate"], workspace)
    assert "invalid choice: 'yaml'" in outcome.stderr


def test_a_policy_that_raises_is_named_with_the_resource(workspace: Workspace) -> None:
    outcome = workspace.run(HOSTILE_RAISE="yes")
    check(outcome, 2, ["policy 'explodes' raised on resource", "Bucket::b", "boom on purpose"], workspace)


def test_all_disabled_passes_with_a_warning_that_nothing_was_checked(workspace: Workspace) -> None:
    _edit(workspace, "config.json", json.dumps({"all": "disabled"}))
    outcome = workspace.run("--config", "config.json")
    assert outcome.code == 0, outcome.stderr
    assert "disables all 2 policies of the pack: the gate checks nothing" in outcome.stderr
    assert_nothing_left(workspace)


@pytest.fixture
def real_pack(workspace: Workspace) -> Workspace:
    shutil.copytree(REPO_ROOT / "policies", workspace.pack, dirs_exist_ok=True, ignore=shutil.ignore_patterns("venv"))
    return workspace


EXEMPTION = "exemptions:\n  - policy: {policy}\n    type: aws:s3/bucket:Bucket\n    name: b\n    reason: {reason}\n"


@pytest.mark.parametrize(
    ("policy", "reason", "first_line"),
    [
        ("s3-bucket-kms-encryption", "short", "ExemptionError"),
        ("no-such-policy", "a reviewed and long enough reason", "policy 'no-such-policy' is not in this pack"),
    ],
)
def test_a_bad_exemption_is_the_first_line(real_pack: Workspace, policy: str, reason: str, first_line: str) -> None:
    (real_pack.pack / "exemptions.yaml").write_text(EXEMPTION.format(policy=policy, reason=reason))
    check(real_pack.run(), 2, ["failed to start (exit code 1): ExemptionError", first_line], real_pack)


BLOCKING_PROGRAM = """
import os
import pathlib
import time

pathlib.Path(os.environ["HOSTILE_PID_DIR"], "program-started").write_text("yes")
while True:
    time.sleep(0.2)
"""


def _started_gate(workspace: Workspace) -> subprocess.Popen[str]:
    write_main(workspace, BLOCKING_PROGRAM)
    gate = workspace.start(PREFLIGHT_RUN_TIMEOUT_SECONDS=str(COMMAND_LIMIT_SECONDS))
    ready = _wait_until(
        lambda: any(workspace.pid_dir.glob("serving-*")) and (workspace.pid_dir / "program-started").exists()
    )
    if not ready:
        gate.kill()
        pytest.fail(f"the gate never got to run the program: {gate.communicate()}")
    return gate


def test_ctrl_c_during_the_run_says_interrupted(workspace: Workspace) -> None:
    gate = _started_gate(workspace)
    gate.send_signal(signal.SIGINT)
    _, stderr = gate.communicate(timeout=COMMAND_LIMIT_SECONDS)
    check(Outcome(gate.returncode, "", stderr), 130, ["preflight: interrupted"], workspace)


def test_sigterm_stops_the_gate_and_its_pack(workspace: Workspace) -> None:
    gate = _started_gate(workspace)
    gate.terminate()
    gate.communicate(timeout=COMMAND_LIMIT_SECONDS)
    assert gate.returncode == 128 + signal.SIGTERM
    assert_nothing_left(workspace)


def test_a_killed_gate_takes_its_pack_down(workspace: Workspace) -> None:
    gate = _started_gate(workspace)
    pids = workspace.pack_pids()
    gate.kill()
    gate.communicate(timeout=COMMAND_LIMIT_SECONDS)
    assert pids
    assert_nothing_left(workspace)
