"""preflight: the offline engine.

Runs a Pulumi Python program in-process under the SDK's mocks, the way the Pulumi CLI's language host runs it, and
records every registration exactly as the engine would receive it. The policy gate, the Checkov plan export, the
local integration target and the unit tests all work from that record.

The names below are the public API; import them from `preflight`, not from the rooms (program, world, engine, gate,
plan), whose modules may move.
"""

from preflight.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from preflight.program.arguments import add_program_arguments, load_and_run
from preflight.program.capture import (
    SECRET_SIG,
    SECRET_VALUE_SIG,
    UNKNOWN,
    Capture,
    Registration,
    SourcePosition,
)
from preflight.program.project import ProjectError, ProjectSpec, load_project
from preflight.program.runner import ProgramError, run_program
from preflight.world.arns import MOCK_ACCOUNT_ID, MOCK_PARTITION
from preflight.world.mocks import AwsLikeMocks
from preflight.world.provider_check import object_input

__all__ = [
    "EXIT_ERROR",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "MOCK_ACCOUNT_ID",
    "MOCK_PARTITION",
    "SECRET_SIG",
    "SECRET_VALUE_SIG",
    "UNKNOWN",
    "AwsLikeMocks",
    "Capture",
    "ProgramError",
    "ProjectError",
    "ProjectSpec",
    "Registration",
    "SourcePosition",
    "add_program_arguments",
    "load_and_run",
    "load_project",
    "object_input",
    "run_program",
]
