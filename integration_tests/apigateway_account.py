"""API Gateway's account setting that stage logging needs (`cloudwatchRoleArn`), checked before a deploy.

The stack logs every stage (access logs, execution logs) but does not own this setting: it is one per account and
region, and an `apigateway.Account` resource in two stacks would fight over it (README, "Deploying for real"). In a
fresh account the first `pulumi up` would fail half-way on the stage, so the deployment workflow and the `aws`
integration target read the setting first and stop with the command that sets it.

    python -m integration_tests.apigateway_account --stack STACK [--program DIR]

Exit 0 when every region of the stack has the role, 2 otherwise (one line per region saying what to run).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from delivery_stack.config import ConfigError, StackConfig, parse_config
from preflight import ProjectError, ProjectSpec, load_project

# The role the README's setup steps create; any role API Gateway may assume with the managed policy will do.
LOGGING_ROLE_NAME = "apigateway-cloudwatch-logs"
README_SECTION = 'README.md, "Deploying for real with the Pulumi CLI"'


@dataclass(frozen=True)
class MissingSetting:
    """A region whose API Gateway account has no CloudWatch role, or whose setting could not be read."""

    region: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"API Gateway account setting in {self.region}: {self.problem}; {self.fix}"


def stack_config(project: ProjectSpec) -> StackConfig:
    """The stack's typed config, read from its stack file as the program reads it (same environment overrides)."""
    prefix = f"{project.name}:"
    raw = {key.removeprefix(prefix): value for key, value in project.config.items() if key.startswith(prefix)}
    return parse_config(raw, project.name, os.environ)


def fix_command(region: str, account_id: str) -> str:
    """The one command that sets the role for `region` (the role itself is created once per account)."""
    role_arn = f"arn:aws:iam::{account_id}:role/{LOGGING_ROLE_NAME}"
    return (
        f"aws apigateway update-account --region {region} "
        f"--patch-operations op=replace,path=/cloudwatchRoleArn,value={role_arn}"
    )


def check_region(apigateway: Any, region: str, account_id: str) -> MissingSetting | None:
    """None when API Gateway in `region` has a CloudWatch role, else what is wrong and the command to fix it."""
    try:
        role_arn = apigateway.get_account().get("cloudwatchRoleArn")
    except (ClientError, BotoCoreError) as error:
        return MissingSetting(
            region,
            f"cannot be read ({error})",
            f"the deploying identity needs apigateway:GET on arn:aws:apigateway:{region}::/account",
        )
    if role_arn:
        return None
    return MissingSetting(
        region,
        "cloudwatchRoleArn is not set, so the stage's access and execution logs cannot be written",
        f"run `{fix_command(region, account_id)}` (create the role first if the account has none: {README_SECTION})",
    )


def missing_settings(regions: Sequence[str], client_for: Callable[[str, str], Any]) -> list[MissingSetting]:
    """Every region of `regions` whose account setting is missing; `client_for(service, region)` makes clients."""
    account_id = str(client_for("sts", regions[0]).get_caller_identity()["Account"])
    found = (check_region(client_for("apigateway", region), region, account_id) for region in regions)
    return [missing for missing in found if missing is not None]


def _boto3_client(service: str, region: str) -> Any:
    import boto3

    # Typed Any: services are named by variables here, which boto3-stubs cannot type.
    session: Any = boto3.session.Session(region_name=region)
    return session.client(service)


def main(argv: Sequence[str] | None = None, client_for: Callable[[str, str], Any] = _boto3_client) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m integration_tests.apigateway_account",
        description="Check API Gateway's CloudWatch role (cloudwatchRoleArn) in every region of a stack.",
    )
    parser.add_argument("--stack", default="dev", help="the stack whose regions are checked (default dev)")
    parser.add_argument("--program", default=".", help="the Pulumi project directory (default: the current one)")
    arguments = parser.parse_args(argv)
    try:
        config = stack_config(load_project(arguments.program, arguments.stack))
    except (ProjectError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        missing = missing_settings(config.regions, client_for)
    except (ClientError, BotoCoreError) as error:
        print(f"error: cannot identify the AWS account (sts get-caller-identity): {error}", file=sys.stderr)
        return 2
    for setting in missing:
        print(f"error: {setting.line()}", file=sys.stderr)
    if missing:
        return 2
    print(f"API Gateway has a CloudWatch role in every region of stack {arguments.stack}: {', '.join(config.regions)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
