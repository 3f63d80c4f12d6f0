"""The pack's list of taggable AWS types is exactly what the installed pulumi-aws says.

The pack does not import pulumi_aws (its virtualenv has only pulumi-policy), so it ships the list as a file; this test
regenerates it from pulumi-aws's sources and fails when they drift. Regenerate with
`python unit_tests/policies/test_taggable_types.py --write`.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from delivery_policies.aws import taggable_types

LISTING = Path(__file__).resolve().parents[2] / "policies" / "delivery_policies" / "taggable_types.txt"
# Every pulumi-aws resource module passes its type token to the base constructor: `...__init__(\n 'aws:...'`.
_TYPE_TOKEN = re.compile(r"\.__init__\(\s*'(aws:[^']+)'")


def generate_taggable_types() -> list[str]:
    """Type tokens of pulumi-aws resources with a `tags_all` output: those the provider's default tags reach."""
    spec = importlib.util.find_spec("pulumi_aws")
    assert spec is not None
    assert spec.origin is not None
    package = Path(spec.origin).parent
    taggable = set()
    for module in package.rglob("*.py"):
        if module.name.startswith("_"):
            continue
        source = module.read_text(encoding="utf-8")
        match = _TYPE_TOKEN.search(source)
        if match and "def tags_all(self)" in source:
            taggable.add(match.group(1))
    return sorted(taggable)


def render_listing(tokens: list[str]) -> str:
    header = "# Generated from pulumi-aws by unit_tests/policies/test_taggable_types.py --write; do not edit.\n"
    return header + "".join(f"{token}\n" for token in tokens)


def test_listing_matches_installed_pulumi_aws() -> None:
    generated = generate_taggable_types()
    assert set(generated) == taggable_types(), "run: python unit_tests/policies/test_taggable_types.py --write"


def test_listing_covers_the_stacks_taggable_types_and_not_the_untaggable_ones() -> None:
    types = taggable_types()
    assert {"aws:s3/bucket:Bucket", "aws:lambda/function:Function", "aws:ec2/eip:Eip", "aws:sqs/queue:Queue"} <= types
    assert not {"aws:lambda/permission:Permission", "aws:iam/rolePolicy:RolePolicy"} & types


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        LISTING.write_text(render_listing(generate_taggable_types()), encoding="utf-8")
