"""tests/integration/deserialize/program/index.ts in Python: a secret, assets and archives as inputs."""

import pulumi
from dynamic_resource import Resource

Resource(
    "hello",
    {
        "secret": pulumi.Output.secret("a secret value"),
        "fileAsset": pulumi.FileAsset("index.ts"),
        "stringAsset": pulumi.StringAsset("some text"),
        "fileArchive": pulumi.FileArchive("."),
        "assetArchive": pulumi.AssetArchive(
            {
                "fileAsset": pulumi.FileAsset("index.ts"),
                "stringAsset": pulumi.StringAsset("some text"),
                "fileArchive": pulumi.FileArchive("."),
            }
        ),
    },
)
