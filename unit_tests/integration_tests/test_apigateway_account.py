"""The pre-deploy check of API Gateway's account setting (integration_tests/apigateway_account.py), against moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from integration_tests.apigateway_account import fix_command, main, missing_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_REGIONS = ("us-east-1", "us-west-2")
_TRUST_API_GATEWAY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

ClientFor = Callable[[str, str], Any]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[ClientFor]:
    """A fresh moto account (no API Gateway CloudWatch role anywhere) and a client factory for it."""
    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "DELIVERY_REGIONS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield lambda service, region: boto3.client(service, region_name=region)


def _set_logging_role(client_for: ClientFor, region: str) -> None:
    iam = client_for("iam", region)
    try:
        role_arn = iam.get_role(RoleName="apigateway-cloudwatch-logs")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = iam.create_role(
            RoleName="apigateway-cloudwatch-logs", AssumeRolePolicyDocument=json.dumps(_TRUST_API_GATEWAY)
        )["Role"]["Arn"]
    client_for("apigateway", region).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
    )


def test_a_fresh_account_is_missing_the_setting_in_every_region(aws: ClientFor) -> None:
    missing = missing_settings(DEV_REGIONS, aws)
    assert [setting.region for setting in missing] == list(DEV_REGIONS)
    assert "cloudwatchRoleArn is not set" in missing[0].line()


def test_the_fix_is_the_exact_command_and_it_works(aws: ClientFor) -> None:
    """Running what the message says (the role as the README creates it) makes the check pass for that region."""
    [missing, _] = missing_settings(DEV_REGIONS, aws)
    expected = fix_command("us-east-1", DEFAULT_ACCOUNT_ID)
    assert f"`{expected}`" in missing.line()
    assert expected == (
        "aws apigateway update-account --region us-east-1 --patch-operations "
        f"op=replace,path=/cloudwatchRoleArn,value=arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/apigateway-cloudwatch-logs"
    )
    _set_logging_role(aws, "us-east-1")
    assert [setting.region for setting in missing_settings(DEV_REGIONS, aws)] == ["us-west-2"]


def test_the_command_exits_2_naming_each_region_then_0_once_set(
    aws: ClientFor, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["--stack", "dev", "--program", str(REPO_ROOT)]
    assert main(arguments, client_for=aws) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2
    assert all(line.startswith("error: API Gateway account setting in ") for line in errors)
    assert "--region us-west-2" in errors[1]

    for region in DEV_REGIONS:
        _set_logging_role(aws, region)
    assert main(arguments, client_for=aws) == 0
    assert "us-east-1, us-west-2" in capsys.readouterr().out


def test_an_unreadable_setting_names_the_permission(aws: ClientFor) -> None:
    class Denied:
        def get_account(self) -> dict[str, Any]:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetAccount")

    def client_for(service: str, region: str) -> Any:
        return Denied() if service == "apigateway" else aws(service, region)

    [missing] = missing_settings(("eu-west-1",), client_for)
    assert "apigateway:GET on arn:aws:apigateway:eu-west-1::/account" in missing.line()


def test_a_broken_stack_config_exits_2(
    aws: ClientFor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DELIVERY_REGIONS", "mars-north-1")
    assert main(["--stack", "dev", "--program", str(REPO_ROOT)], client_for=aws) == 2
    assert "mars-north-1" in capsys.readouterr().err
