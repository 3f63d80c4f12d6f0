"""Programs nobody here wrote (pulumi/examples, Apache-2.0, LICENSE beside them) run through every command.

Each runs as a user would run it: `python -m preflight <command> --program DIR`, in a copy of its directory. A run may
pass (0) or report policy violations (1); it must never be a broken run (2). Every report lists each invoke
answered with a placeholder and each remote component left unexpanded.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO_ROOT = HERE.parents[2]
PROGRAMS = sorted(path.name for path in HERE.iterdir() if path.name.startswith("aws-py-"))
# What each program leaves unexpanded: awsx's Vpc is a multi-language component.
UNEXPANDED = {
    "aws-py-hub-and-spoke-network": [
        "not expanded: awsx:ec2:Vpc inspection-vpc",
        "not expanded: awsx:ec2:Vpc spoke1-vpc",
        "not expanded: awsx:ec2:Vpc spoke2-vpc",
    ]
}
COMMANDS = {
    "preview": ["preview"],
    "preview-up": ["preview", "--up"],
    # `gate` is what `pulumi preview --policy-pack` reports, `gate --up` what `pulumi up --policy-pack` reports; none
    # of the programs has its virtualenv (`pulumi install` was never run), so each runs on this interpreter.
    "gate": ["gate", "--pack", str(REPO_ROOT / "policies")],
    "gate-up": ["gate", "--pack", str(REPO_ROOT / "policies"), "--up"],
    "plan": ["plan", "--output", "plan.json"],
}


def _private_key_placeholder() -> str:
    # The program requires a PEM-shaped private key in its config; built here so no key-shaped text is committed.
    return "\n".join(
        ["-----BEGIN " + "RSA PRIVATE KEY-----", "offline-placeholder", "-----END " + "RSA PRIVATE KEY-----"]
    )


def _region(program: str) -> str:
    """The region the program's README has its user set (`pulumi config set aws:region ...`)."""
    found = re.search(r"pulumi config set aws:region ([a-z0-9-]+)", (HERE / program / "README.md").read_text("utf-8"))
    assert found, f"{program}'s README sets no aws:region"
    return found[1]


def _prepare(program: str, directory: Path) -> Path:
    """A copy of the program with the stack file its README's steps leave (the commands refuse a stack without one,
    as a mistyped --stack)."""
    copy = directory / program
    shutil.copytree(HERE / program, copy)
    config = f"config:\n  aws:region: {_region(program)}\n"
    if program == "aws-py-ec2-provisioners":
        config += (
            "  aws-py-ec2-provisioners:keyName: offline-key-pair\n"
            f"  aws-py-ec2-provisioners:privateKey: {_private_key_placeholder()!r}\n"
        )
    (copy / "Pulumi.dev.yaml").write_text(config, encoding="utf-8")
    return copy


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("program", PROGRAMS)
def test_the_program_runs_and_its_report_lists_what_was_not_analysed(
    program: str, command: str, tmp_path: Path
) -> None:
    directory = _prepare(program, tmp_path)
    completed = subprocess.run(  # noqa: S603 - the interpreter running the tests, fixed arguments
        [sys.executable, "-m", "preflight", *COMMANDS[command], "--program", str(directory), "--stack", "dev"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = completed.stdout + completed.stderr
    assert completed.returncode in (0, 1), report
    for line in UNEXPANDED.get(program, []):
        assert line in report, report
