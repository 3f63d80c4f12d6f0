"""A published Node.js pack, installed from the npm registry, run by the gate as the CLI runs it: AWSGuard."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from preflight.gate.engine_path import run_monitored_gate
from preflight.program.project import load_project
from preflight.world.mocks import AwsLikeMocks

AWSGUARD_VERSION = "0.3.1"
# AWSGuard's documented use: a pack whose index.js constructs AwsGuard with the levels to apply.
AWSGUARD_PACK = 'const { AwsGuard } = require("@pulumi/awsguard");\nnew AwsGuard({ all: "mandatory" });\n'
PROGRAM = """
import pulumi_aws as aws

aws.kms.Key("key")
aws.kms.Key("rotating-key", enable_key_rotation=True)
aws.s3.Bucket("bucket")
"""


@pytest.fixture(scope="module")
def awsguard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = tmp_path_factory.mktemp("awsguard")
    dependencies = {"@pulumi/awsguard": AWSGUARD_VERSION, "@pulumi/policy": "^1.3.0", "@pulumi/pulumi": "^3.0.0"}
    (pack / "package.json").write_text(
        json.dumps({"name": "awsguard-pack", "version": "0.1.0", "dependencies": dependencies})
    )
    (pack / "index.js").write_text(AWSGUARD_PACK)
    (pack / "PulumiPolicy.yaml").write_text("runtime: nodejs\ndescription: AWSGuard, as its README sets it up.\n")
    npm = shutil.which("npm")
    assert npm, "npm is needed to install the pack (the machine's Node.js ships it)"
    subprocess.run(  # noqa: S603 - npm from PATH, installing the pinned pack
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=pack, check=True, timeout=900
    )
    return pack


def test_awsguard_reports_through_the_gate_as_under_the_cli(awsguard: Path, tmp_path: Path) -> None:
    program = tmp_path / "program"
    program.mkdir()
    (program / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    (program / "Pulumi.yaml").write_text("name: guarded\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (report,) = run_monitored_gate(
        load_project(program, "dev"), [awsguard], preview=False, world=AwsLikeMocks(preview=False),
        interpreter=sys.executable,
    )  # fmt: skip
    assert report.pack_name == "pulumi-awsguard"
    found = {
        (violation.policy, violation.resource_name, violation.enforcement_level) for violation in report.violations
    }
    assert ("cmk-backing-key-rotation-enabled", "key", "mandatory") in found
    assert ("cmk-backing-key-rotation-enabled", "rotating-key", "mandatory") not in found
    assert ("s3-bucket-logging-enabled", "bucket", "mandatory") in found
