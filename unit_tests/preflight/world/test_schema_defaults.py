"""The schema defaults the provider's Check fills in: generated from the schema (or the SDK generated from it),
committed, and applied to what the policies see on both paths and to the plan (issue 13, points 2 and 6)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pulumi_aws
import pytest

from preflight.engine.deployment import run_deployment
from preflight.plan.export import export_plan
from preflight.program.project import load_project
from preflight.program.runner import run_program
from preflight.world import schema_defaults_gen
from preflight.world.mocks import AwsLikeMocks
from preflight.world.provider_check import SCHEMA_DEFAULTS, checked_inputs

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"

# A package schema as pulumi-aws's is laid out: a default on an input, one from an environment variable only
# (`defaultInfo`, not a value of the schema), an output-only default that is not an input, a resource without any.
TINY_SCHEMA = {
    "name": "tiny",
    "version": "1.2.3",
    "resources": {
        "tiny:index/widget:Widget": {
            "inputProperties": {
                "displayName": {"type": "string", "default": "Managed by Pulumi"},
                "size": {"type": "integer", "default": 3},
                "region": {"type": "string", "defaultInfo": {"environment": ["TINY_REGION"]}},
                "tags": {"type": "object"},
            },
            "properties": {"arn": {"type": "string", "default": "not-an-input"}},
        },
        "tiny:index/gadget:Gadget": {"inputProperties": {"name": {"type": "string"}}},
    },
}

# The same schema as the Python SDK generator writes it (only parsed, never imported).
TINY_SDK_WIDGET = """
import pulumi
from . import _utilities


class WidgetArgs:
    @property
    @pulumi.getter(name="displayName")
    def display_name(self): ...

    @property
    @pulumi.getter
    def size(self): ...

    @property
    @pulumi.getter
    def region(self): ...


class Widget(pulumi.CustomResource):
    def _internal_init(__self__, resource_name, opts=None, display_name=None, size=None, region=None, __props__=None):
        if opts.id is None:
            __props__ = WidgetArgs.__new__(WidgetArgs)

            if display_name is None:
                display_name = 'Managed by Pulumi'
            __props__.__dict__["display_name"] = display_name
            if size is None:
                size = 3
            __props__.__dict__["size"] = size
            if region is None:
                region = _utilities.get_env('TINY_REGION')
            __props__.__dict__["region"] = region
        super(Widget, __self__).__init__(
            'tiny:index/widget:Widget',
            resource_name,
            __props__,
            opts)
"""

EXPECTED = {"tiny:index/widget:Widget": {"displayName": "Managed by Pulumi", "size": 3}}


def test_the_script_writes_each_input_default_of_the_schema(tmp_path: Path) -> None:
    schema, output = tmp_path / "schema.json", tmp_path / "defaults.json"
    schema.write_text(json.dumps(TINY_SCHEMA), encoding="utf-8")
    assert schema_defaults_gen.main(["--schema", str(schema), "--output", str(output)]) == 0
    assert json.loads(output.read_text(encoding="utf-8")) == {"source": "schema tiny 1.2.3", "resources": EXPECTED}


def test_the_sdk_generated_from_a_schema_gives_the_same_defaults(tmp_path: Path) -> None:
    package = tmp_path / "pulumi_tiny"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "widget.py").write_text(TINY_SDK_WIDGET, encoding="utf-8")
    assert schema_defaults_gen.from_sdk(package) == schema_defaults_gen.from_schema(TINY_SCHEMA) == EXPECTED


def test_the_committed_defaults_are_the_scripts_output_for_the_installed_sdk() -> None:
    package = Path(pulumi_aws.__file__).parent
    committed = json.loads(SCHEMA_DEFAULTS.read_text(encoding="utf-8"))
    assert committed == json.loads(
        schema_defaults_gen.render(schema_defaults_gen.from_sdk(package), committed["source"])
    )
    assert committed["resources"][SECURITY_GROUP] == {"description": "Managed by Pulumi"}


@pytest.mark.parametrize("arguments", [["--schema", "missing.json"], ["--sdk", "."]])
def test_a_missing_source_is_one_clear_error(
    arguments: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        schema_defaults_gen.main(arguments)
    assert exited.value.code == 2
    assert arguments[0] in capsys.readouterr().err


def test_check_fills_a_schema_default_the_program_left_unset() -> None:
    assert checked_inputs(SECURITY_GROUP, "web", {"vpcId": "vpc-1"})["description"] == "Managed by Pulumi"
    assert "description" not in checked_inputs(SECURITY_GROUP, "web", {"description": "web tier"})
    assert "description" not in checked_inputs("aws:sqs/queue:Queue", "orders", {})


# Registered by token without the SDK class, as a program in another language (or YAML) leaves an input unset; the
# Python SDK's own class already fills the default before registering.
PROGRAM = """
import pulumi

pulumi.CustomResource("aws:ec2/securityGroup:SecurityGroup", "web", {"vpcId": "vpc-0123"})
"""


def _project(root: Path) -> Path:
    (root / "program").mkdir(parents=True)
    (root / "program" / "__main__.py").write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    (root / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: program/\n", encoding="utf-8")
    return root


def test_the_in_process_run_hands_the_pack_the_default(tmp_path: Path) -> None:
    capture = run_program(load_project(_project(tmp_path), "dev"), preview=True)
    [group] = capture.of_type(SECURITY_GROUP)
    assert "description" not in group.inputs
    assert group.checked_inputs["description"] == "Managed by Pulumi"


def test_the_engine_path_hands_the_pack_the_default_and_the_rest_of_check(tmp_path: Path) -> None:
    seen: dict[str, dict] = {}

    def hook(_state: object) -> object:
        def record(urn: str, goal: object) -> dict:
            seen[urn] = dict(goal.properties)  # type: ignore[attr-defined]
            return dict(goal.properties)  # type: ignore[attr-defined]

        return record

    root = _project(tmp_path)
    run = run_deployment(
        project="demo",
        stack="dev",
        project_root=root,
        program_directory=root / "program",
        world=AwsLikeMocks(preview=False),
        config={"aws:region": "eu-west-1", "aws:defaultTags": json.dumps({"tags": {"Owner": "platform"}})},
        preview=True,
        interpreter=sys.executable,
        registration_hook=hook,  # type: ignore[arg-type]
    )
    assert run.exit_code == 0, run.stderr
    analysed = seen["urn:pulumi:dev::demo::aws:ec2/securityGroup:SecurityGroup::web"]
    assert analysed["description"] == "Managed by Pulumi"
    assert analysed["tagsAll"] == {"Owner": "platform"}
    assert analysed["name"].startswith("web-")


def test_the_plan_exports_the_schema_default_beside_the_programs_inputs_and_nothing_read_back(tmp_path: Path) -> None:
    capture = run_program(load_project(_project(tmp_path), "dev"), preview=False)
    [group] = capture.of_type(SECURITY_GROUP)
    assert group.outputs["ownerId"]  # read back after the create: the state has it, the plan must not
    [planned] = export_plan(capture).plan["planned_values"]["root_module"]["resources"]
    assert planned["values"] == {"description": "Managed by Pulumi", "vpc_id": "vpc-0123"}
