"""Secrets Manager secrets and their versions in moto, and the random passwords Secrets Manager generates."""

from __future__ import annotations

from typing import Any

from integration_tests.local_target.clients import MotoClients
from integration_tests.local_target.creation import Creation, Creator, Result, as_int, json_text, present, tag_list

RANDOM_PASSWORD_TOKEN = "aws:secretsmanager/getRandomPassword:getRandomPassword"
_RANDOM_PASSWORD_ARGUMENTS = {
    "passwordLength": "PasswordLength",
    "excludeLowercase": "ExcludeLowercase",
    "excludeNumbers": "ExcludeNumbers",
    "excludePunctuation": "ExcludePunctuation",
    "excludeUppercase": "ExcludeUppercase",
    "includeSpace": "IncludeSpace",
    "requireEachIncludedType": "RequireEachIncludedType",
}


def random_password(clients: MotoClients, region: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The invoke's answer: a value Secrets Manager (moto) generated, as for the real stack, not a fixed string."""
    parameters: dict[str, Any] = {
        moto_key: as_int(arguments[key]) if moto_key == "PasswordLength" else bool(arguments[key])
        for key, moto_key in _RANDOM_PASSWORD_ARGUMENTS.items()
        if arguments.get(key) is not None
    }
    if arguments.get("excludeCharacters"):
        parameters["ExcludeCharacters"] = arguments["excludeCharacters"]
    password = clients.client("secretsmanager", region).get_random_password(**parameters)
    return {"randomPassword": password["RandomPassword"], "id": region}


def _secret(c: Creation) -> Result:
    name = c.physical_name()
    params = c.parameters({"Description": "description", "KmsKeyId": "kmsKeyId"})
    secrets = c.client("secretsmanager")
    arn = secrets.create_secret(Name=name, **params, **present({"Tags": tag_list(c.tags)}))["ARN"]
    if c.get("policy"):
        secrets.put_resource_policy(SecretId=arn, ResourcePolicy=json_text(c.get("policy")))
    return arn, {"name": name, "arn": arn}


def _secret_version(c: Creation) -> Result:
    params: dict[str, Any] = {"SecretId": c.get("secretId")}
    if c.get("secretString") is not None:
        params["SecretString"] = c.get("secretString")
    elif c.get("secretBinary") is not None:
        params["SecretBinary"] = c.get("secretBinary").encode()
    if c.get("versionStages"):
        params["VersionStages"] = c.get("versionStages")
    answer = c.client("secretsmanager").put_secret_value(**params)
    version = answer["VersionId"]
    return f"{answer['ARN']}|{version}", {"arn": answer["ARN"], "versionId": version}


CREATORS: dict[str, Creator] = {
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
}
