"""Remote components: typed outputs (unknown in preview), each listed as not expanded."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from preflight.world.arn_formats import Identity
from preflight.world.components import RemoteComponents, _awsx_vpc_subnet_ids, is_remote_component
from preflight.world.sdk_types import UNKNOWN

# A multi-language component SDK as the generator writes one: the class is the package's, not the program's.
FAKE_SDK = """
from typing import Optional, Sequence
import pulumi


class Network(pulumi.ComponentResource):
    @property
    @pulumi.getter(name="networkId")
    def network_id(self) -> pulumi.Output[str]:
        return pulumi.get(self, "network_id")

    @property
    @pulumi.getter(name="subnetIds")
    def subnet_ids(self) -> pulumi.Output[Sequence[str]]:
        return pulumi.get(self, "subnet_ids")

    @property
    @pulumi.getter
    def note(self) -> pulumi.Output[Optional[str]]:
        return pulumi.get(self, "note")
"""


@pytest.fixture
def fake_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    package = tmp_path / "pulumi_fakecomponents"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(FAKE_SDK))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "fakecomponents:index:Network"


def test_only_components_an_sdk_declares_are_remote(fake_sdk: str) -> None:
    assert is_remote_component(fake_sdk, custom=False)
    assert not is_remote_component(fake_sdk, custom=True)
    assert not is_remote_component("my:components:Local", custom=False)
    assert not is_remote_component("aws:s3/bucket:Bucket", custom=False)


def test_remote_components_answer_typed_outputs_and_are_listed(fake_sdk: str) -> None:
    components = RemoteComponents(Identity())
    preview = components.answer(fake_sdk, "net", {}, "us-east-1", preview=True)
    assert preview == {"networkId": UNKNOWN, "subnetIds": UNKNOWN}
    up = components.answer(fake_sdk, "net", {}, "us-east-1", preview=False)
    assert len(up["subnetIds"]) == 3
    assert all(re.fullmatch(r"subnet-[0-9a-f]{17}", s) for s in up["subnetIds"])
    assert "note" not in up
    assert [c.describe() for c in components.unexpanded] == [
        f"not expanded: {fake_sdk} net (its children are not analysed)"
    ] * 2


def test_an_awsx_vpc_has_one_subnet_per_zone_and_spec_grouped_by_type() -> None:
    ids = _awsx_vpc_subnet_ids(
        {"subnetSpecs": [{"type": "Isolated", "name": "private"}, {"type": "Isolated", "name": "tgw"},
                         {"type": "Public"}]},
        "us-east-1",
        "seed",
    )  # fmt: skip
    assert (len(ids["isolatedSubnetIds"]), len(ids["publicSubnetIds"]), ids["privateSubnetIds"]) == (6, 3, [])
    assert len(set(ids["isolatedSubnetIds"])) == 6
    defaults = _awsx_vpc_subnet_ids({"numberOfAvailabilityZones": 2.0}, "eu-west-1", "seed")
    assert (len(defaults["publicSubnetIds"]), len(defaults["privateSubnetIds"])) == (2, 2)
