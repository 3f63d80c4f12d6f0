"""Small policy packs the gate tests launch, written into a temporary directory: each exercises one engine duty."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICY_FILE = """\
runtime:
  name: python
  options:
    virtualenv: venv
version: 9.9.9
"""

# A pack with every enforcement level and config path the engine handles: a remediation that rewrites inputs, an
# advisory and a mandatory check that read what Analyze received, initial config without a level, a stack check,
# and a log sent to the engine service whose address the CLI passes as the first argument.
DUTIES_PACK = """
import sys

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from pulumi_policy import (
    EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy, StackValidationPolicy,
)


def add_marker(args):
    props = dict(args.props)
    props["remediated"] = "yes"
    return props


def requires_marker(args, report_violation):
    if args.props.get("remediated") != "yes":
        report_violation("the remediation did not reach Analyze")
    if args.props.get("name") == "box-q":
        report_violation("the box queue is flagged on purpose (finding: asked)")


def advise(args, report_violation):
    if args.resource_type == "aws:sqs/queue:Queue":
        engine = engine_pb2_grpc.EngineStub(grpc.insecure_channel(sys.argv[1]))
        engine.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message="advice given", urn=args.urn))
        report_violation("queues deserve a second look")


def count_stack(args, report_violation):
    if len(args.resources) > 100:
        report_violation("too many resources")


PolicyPack(
    name="duties",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(name="add-marker", description="Adds a marker.", remediate=add_marker,
                                 enforcement_level=EnforcementLevel.REMEDIATE),
        ResourceValidationPolicy(name="requires-marker", description="Sees the marker.", validate=requires_marker,
                                 config_schema=PolicyConfigSchema(properties={"limit": {"type": "integer"}})),
        ResourceValidationPolicy(name="advise", description="Advises.", validate=advise,
                                 enforcement_level=EnforcementLevel.ADVISORY),
        StackValidationPolicy(name="count-stack", description="Counts.", validate=count_stack),
    ],
    initial_config={"requires-marker": {"limit": 5}},
)
"""

CRASHING_PACK = 'raise RuntimeError("the pack cannot start: broken on purpose")\n'
CHATTY_PACK = 'print("hello before the port")\n'
SILENT_PACK = "import time\n\ntime.sleep(30)\n"
IGNORES_TERM_PACK = """
import signal

from pulumi_policy import PolicyPack, ResourceValidationPolicy

signal.signal(signal.SIGTERM, signal.SIG_IGN)
PolicyPack(
    name="stubborn",
    policies=[ResourceValidationPolicy(name="noop", description="Nothing.", validate=lambda args, report: None)],
)
"""


def write_pack(directory: Path, main: str, policy_file: str = POLICY_FILE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "PulumiPolicy.yaml").write_text(policy_file, encoding="utf-8")
    (directory / "__main__.py").write_text(textwrap.dedent(main), encoding="utf-8")
    return directory


def copy_delivery_pack(destination: Path, exemptions: str | None = None) -> Path:
    """The repository's pack, copied so a test can give it its own exemptions file."""
    shutil.copytree(REPO_ROOT / "policies", destination, ignore=shutil.ignore_patterns("venv", "__pycache__", "*.pyc"))
    if exemptions is not None:
        (destination / "exemptions.yaml").write_text(textwrap.dedent(exemptions), encoding="utf-8")
    return destination
