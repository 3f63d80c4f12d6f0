"""Write the policy pack config a stack is gated with, derived from the stack's own config.

    python infrastructure/policy_config.py --stack STACK [--program DIR] [--output FILE]

The stack config is the one source of truth for what the pack checks against the stack's own choices: today the log
retention (`logRetentionDays` becomes `log-group-retention-standard`'s `standardRetentionDays`). The file is
generated at each run, never edited or checked in, and handed to both gates the same way:
`pulumi preview/up --policy-pack policies --policy-pack-config FILE` and `python -m preflight gate --config FILE`.
Exit 2 with one line naming the key when the stack config is invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from delivery_stack.config import ConfigError, StackConfig, parse_config

REPO_ROOT = Path(__file__).resolve().parents[1]
# The pack's names for what the stack config decides (policies/delivery_policies/observability.py).
RETENTION_POLICY = "log-group-retention-standard"
RETENTION_PROPERTY = "standardRetentionDays"


def read_stack_config(program_dir: Path, stack: str, env: dict[str, str] | None = None) -> StackConfig:
    """The stack's typed config from Pulumi.yaml and Pulumi.<stack>.yaml, with the program's environment overrides.

    Raises ConfigError for an invalid value, FileNotFoundError when the project or the stack file is missing.
    """
    project = yaml.safe_load((program_dir / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    entries = (yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}).get("config") or {}
    prefix = f"{project}:"
    raw = {key.removeprefix(prefix): value for key, value in entries.items() if key.startswith(prefix)}
    return parse_config(raw, project, os.environ if env is None else env)


def policy_config_for(config: StackConfig) -> dict[str, Any]:
    """The policy pack config that makes the pack check the stack against the stack's own standard."""
    return {RETENTION_POLICY: {RETENTION_PROPERTY: config.log_retention_days}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="dev", help="the stack whose config decides (default dev)")
    parser.add_argument("--program", type=Path, default=REPO_ROOT, help="the Pulumi project directory")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default: standard output)")
    arguments = parser.parse_args(argv)
    try:
        config = read_stack_config(arguments.program, arguments.stack)
    except (ConfigError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    document = json.dumps(policy_config_for(config), indent=2, sort_keys=True) + "\n"
    if arguments.output is None:
        sys.stdout.write(document)
    else:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(document, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
