"""KMS keys and aliases in moto."""

from __future__ import annotations

from integration_tests.local_target.creation import Creation, Creator, Result, as_int, present, tag_list

# API parameter -> the program input it comes from.
KEY_PARAMETERS = {
    "Description": "description",
    "KeyUsage": "keyUsage",
    "KeySpec": "customerMasterKeySpec",
    "Policy": "policy",
    "MultiRegion": "multiRegion",
}


def _key(c: Creation) -> Result:
    kms = c.client("kms")
    params = c.parameters(KEY_PARAMETERS)
    metadata = kms.create_key(**params, **present({"Tags": tag_list(c.tags, "TagKey", "TagValue")}))["KeyMetadata"]
    if c.get("enableKeyRotation"):
        rotation = c.parameters({"RotationPeriodInDays": "rotationPeriodInDays"}, {"RotationPeriodInDays": as_int})
        kms.enable_key_rotation(KeyId=metadata["KeyId"], **rotation)
    return metadata["KeyId"], {"keyId": metadata["KeyId"], "arn": metadata["Arn"]}


def _alias(c: Creation) -> Result:
    name = c.physical_name()
    target = c.get("targetKeyId")
    c.client("kms").create_alias(AliasName=name, TargetKeyId=target)
    key = c.client("kms").describe_key(KeyId=target)["KeyMetadata"]
    return name, {"name": name, "arn": c.arn("kms", name), "targetKeyArn": key["Arn"]}


CREATORS: dict[str, Creator] = {
    "aws:kms/key:Key": _key,
    "aws:kms/alias:Alias": _alias,
}
