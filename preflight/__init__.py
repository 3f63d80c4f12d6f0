"""preflight: the offline engine.

Runs a Pulumi Python program in-process under the SDK's mocks, the way the Pulumi CLI's language host runs it, and
records every registration exactly as the engine would receive it. The policy gate, the Checkov plan export, the
local integration target and the unit tests all work from that record.
"""

from preflight.capture import SECRET_SIG, Capture, Registration, object_input
from preflight.mocks import MOCK_ACCOUNT_ID, MOCK_PARTITION, AwsLikeMocks
from preflight.project import ProjectError, ProjectSpec, load_project
from preflight.runner import ProgramError, run_program

__all__ = [
    "MOCK_ACCOUNT_ID",
    "MOCK_PARTITION",
    "SECRET_SIG",
    "AwsLikeMocks",
    "Capture",
    "ProgramError",
    "ProjectError",
    "ProjectSpec",
    "Registration",
    "load_project",
    "object_input",
    "run_program",
]
