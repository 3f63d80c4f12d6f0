"""CI/CD: one V2 pipeline in the primary region: source from S3, build once, deploy everywhere, alert on failure."""

from __future__ import annotations

import json
from typing import Any

from delivery_stack.components.cicd import BUILDSPEC_PATH, DEPLOYSPEC_PATH, SOURCE_OBJECT_KEY, package_path
from delivery_stack.naming import region_short
from preflight import Capture, Registration
from unit_tests.infrastructure.support import (
    ONE_REGION,
    REPO_ROOT,
    THREE_REGIONS,
    CaptureFactory,
    policy_json,
    resources_of,
    stack_regions,
)

PIPELINE = "aws:codepipeline/pipeline:Pipeline"
PROJECT = "aws:codebuild/project:Project"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCOUNT = "123456789012"


def _regions(capture: Capture) -> list[str]:
    """The configured regions in their order (providers register in no particular order)."""
    return list(ONE_REGION if len(stack_regions(capture)) == 1 else THREE_REGIONS)


def _in_region(capture: Capture, type_token: str, region: str) -> list[Registration]:
    return [r for r in capture.of_type(type_token) if capture.region_of(r) == region]


def _pipeline(capture: Capture) -> Registration:
    (pipeline,) = resources_of(capture, PIPELINE)
    return pipeline


def _stages(capture: Capture) -> dict[str, list[dict[str, Any]]]:
    return {stage["name"]: stage["actions"] for stage in _pipeline(capture).inputs["stages"]}


def _deploy_project(capture: Capture, region: str) -> Registration:
    (project,) = [p for p in _in_region(capture, PROJECT, region) if p.inputs["source"]["buildspec"] == DEPLOYSPEC_PATH]
    return project


def _build_project(capture: Capture) -> Registration:
    (project,) = [p for p in capture.of_type(PROJECT) if p.inputs["source"]["buildspec"] == BUILDSPEC_PATH]
    return project


def _role_statements(capture: Capture, role_arn: str) -> dict[str, dict[str, Any]]:
    (role,) = [r for r in capture.of_type("aws:iam/role:Role") if r.outputs["arn"] == role_arn]
    (policy,) = [p for p in capture.of_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    return {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}


def _output(capture: Capture, type_token: str, region: str, key: str) -> str:
    (resource,) = _in_region(capture, type_token, region)
    return str(resource.outputs[key])


def test_one_v2_pipeline_in_the_primary_region(capture: Capture) -> None:
    pipeline = _pipeline(capture)
    primary = capture.outputs["primary_region"]
    assert capture.region_of(pipeline) == primary
    assert pipeline.inputs["pipelineType"] == "V2"
    assert pipeline.inputs["executionMode"] == "QUEUED"
    assert capture.outputs["regions"][primary]["pipeline_name"] == pipeline.inputs["name"]
    assert capture.outputs["pipeline_name"] == pipeline.inputs["name"]


def test_an_encrypted_artifact_store_per_region(capture: Capture) -> None:
    """Seed failure: "CodePipeline artifact store not encrypted": every store names the KMS key of its region."""
    pipeline = _pipeline(capture)
    regions = _regions(capture)
    stores = pipeline.inputs["artifactStores"]
    assert len(stores) == len(regions)
    keys = {capture.region_of(k): k for k in capture.of_type("aws:kms/key:Key") if capture.region_of(k) in regions}
    assert {k.urn for k in keys.values()} <= set(pipeline.property_dependencies["artifactStores"])
    for store in stores:
        assert store["type"] == "S3"
        assert store["encryptionKey"]["type"] == "KMS"
    if len(regions) == 1:
        # A single-region pipeline must not name the store's region.
        assert "region" not in stores[0]
    else:
        assert [store["region"] for store in stores] == regions
    if not capture.preview:
        for store, region in zip(stores, regions, strict=True):
            assert store["encryptionKey"]["id"] == keys[region].outputs["arn"]
            assert store["location"] == f"serverless-delivery-artifacts-{region_short(region)}-dev-main"


def test_source_is_an_s3_upload_never_codecommit(capture: Capture) -> None:
    """Seed failure: "CodeCommit repository not created": the source is an S3 object in the stack's own bucket."""
    stages = _stages(capture)
    assert list(stages)[:2] == ["Source", "Build"]
    (source,) = stages["Source"]
    assert (source["category"], source["owner"], source["provider"]) == ("Source", "AWS", "S3")
    assert source["configuration"]["S3ObjectKey"] == SOURCE_OBJECT_KEY
    assert source["configuration"]["PollForSourceChanges"] == "false"
    every_action = [action for actions in stages.values() for action in actions]
    assert all(action["provider"] != "CodeCommit" for action in every_action)
    assert not [r for r in capture.resources if r.type.startswith("aws:codecommit/")]
    if not capture.preview:
        primary = capture.outputs["primary_region"]
        assert source["configuration"]["S3Bucket"] == f"serverless-delivery-artifacts-{region_short(primary)}-dev-main"


def test_an_upload_of_the_source_starts_the_pipeline(up_three: Capture) -> None:
    primary = up_three.outputs["primary_region"]
    (notification,) = resources_of(up_three, "aws:s3/bucketNotification:BucketNotification")
    assert notification.inputs["eventbridge"] is True
    bucket = f"serverless-delivery-artifacts-{region_short(primary)}-dev-main"
    assert notification.inputs["bucket"] == bucket
    (rule,) = [r for r in up_three.of_type("aws:cloudwatch/eventRule:EventRule") if "source-uploaded" in r.name]
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["detail"] == {"bucket": {"name": [bucket]}, "object": {"key": [SOURCE_OBJECT_KEY]}}
    (target,) = [t for t in up_three.of_type("aws:cloudwatch/eventTarget:EventTarget") if "source-start" in t.name]
    pipeline = _pipeline(up_three)
    assert target.inputs["arn"] == pipeline.outputs["arn"]
    statements = _role_statements(up_three, target.inputs["roleArn"])
    assert statements["StartDeliveryPipeline"]["Resource"] == [pipeline.outputs["arn"]]
    assert up_three.outputs["pipeline_source"] == f"s3://{bucket}/{SOURCE_OBJECT_KEY}"


def test_build_runs_once_from_the_repository_buildspec(capture: Capture) -> None:
    """Seed failure: "CodeBuild buildspec is inline and not version controlled": every project names a spec file
    that exists in the repository."""
    stages = _stages(capture)
    build_actions = [a for actions in stages.values() for a in actions if a["name"] == "TestAndPackage"]
    assert len(build_actions) == 1
    (build,) = stages["Build"]
    assert build["inputArtifacts"] == ["source"]
    assert build["outputArtifacts"] == ["build"]
    project = _build_project(capture)
    assert build["configuration"]["ProjectName"] == project.inputs["name"]
    for codebuild in resources_of(capture, PROJECT):
        spec = codebuild.inputs["source"]["buildspec"]
        assert spec in (BUILDSPEC_PATH, DEPLOYSPEC_PATH)
        assert "\n" not in spec
        assert (REPO_ROOT / spec).is_file()
        assert codebuild.inputs["source"]["type"] == "CODEPIPELINE"


def test_codebuild_artifacts_are_encrypted_with_the_region_key(capture: Capture) -> None:
    for project in resources_of(capture, PROJECT):
        region = capture.region_of(project)
        (key,) = _in_region(capture, "aws:kms/key:Key", region)
        assert project.property_dependencies["encryptionKey"] == [key.urn]
        assert project.inputs["artifacts"]["type"] == "CODEPIPELINE"
        assert project.inputs["artifacts"].get("encryptionDisabled", False) is False
        if not capture.preview:
            assert project.inputs["encryptionKey"] == key.outputs["arn"]


def test_a_deploy_stage_per_region_updates_that_regions_function(capture: Capture) -> None:
    """Seed failures: "CI/CD pipeline only deploys to primary region" and "CI/CD pipeline Deploy action is
    incorrectly configured": one Deploy stage per region, in order, each a CodeBuild action in that region that
    uploads the built package (never a Lambda Invoke action)."""
    stages = _stages(capture)
    regions = _regions(capture)
    assert list(stages) == ["Source", "Build", *[f"Deploy-{region}" for region in regions]]
    for region in regions:
        project = _deploy_project(capture, region)
        assert project.inputs["environment"]["environmentVariables"] == [
            {"name": "TARGET_REGION", "value": region, "type": "PLAINTEXT"}
        ]
        # The API function and its secret's rotation function, both from the one built package.
        actions = {action["name"]: action for action in stages[f"Deploy-{region}"]}
        assert sorted(actions) == ["Deploy-pipeline", "Deploy-pipeline-rotation"]
        functions = {f.name: f for f in _in_region(capture, "aws:lambda/function:Function", region)}
        for name, action in actions.items():
            assert (action["category"], action["owner"], action["provider"]) == ("Build", "AWS", "CodeBuild")
            assert action["inputArtifacts"] == ["build"]
            assert action.get("region") == (region if len(regions) > 1 else None)
            if capture.preview:
                continue
            assert action["configuration"]["ProjectName"] == project.inputs["name"]
            variables = {v["name"]: v["value"] for v in json.loads(action["configuration"]["EnvironmentVariables"])}
            function = functions[f"{name.removeprefix('Deploy-')}-{region_short(region)}-function"]
            assert variables == {
                "FUNCTION_NAME": function.outputs["name"],
                "FUNCTION_PACKAGE": package_path("pipeline"),
            }
    every_action = [action for actions in stages.values() for action in actions]
    assert all(action["category"] != "Invoke" and action["provider"] != "Lambda" for action in every_action)


def test_each_deployer_may_update_exactly_its_regions_functions(up_three: Capture) -> None:
    for region in THREE_REGIONS:
        project = _deploy_project(up_three, region)
        statements = _role_statements(up_three, project.inputs["serviceRole"])
        function_arns = [f.outputs["arn"] for f in _in_region(up_three, "aws:lambda/function:Function", region)]
        update = statements["UpdateRegionFunctions"]
        # The API function and its secret's rotation function: the pipeline delivers the code of both.
        assert sorted(update["Resource"]) == sorted(function_arns)
        assert len(function_arns) == 2
        assert update["Action"] == ["lambda:UpdateFunctionCode", "lambda:GetFunctionConfiguration"]
        (artifacts,) = [b for b in _in_region(up_three, "aws:s3/bucket:Bucket", region) if "-artifacts-" in b.name]
        assert statements["ReadBuildArtifact"]["Resource"] == [f"{artifacts.outputs['arn']}/*"]
        lambda_actions = [a for s in statements.values() for a in s["Action"] if a.startswith("lambda:")]
        assert set(lambda_actions) == {"lambda:UpdateFunctionCode", "lambda:GetFunctionConfiguration"}
    # Only the deployers touch function code: the build and the pipeline cannot.
    build = _build_project(up_three)
    build_actions = [a for s in _role_statements(up_three, build.inputs["serviceRole"]).values() for a in s["Action"]]
    assert not [a for a in build_actions if a.startswith("lambda:")]
    pipeline = _pipeline(up_three)
    pipeline_statements = _role_statements(up_three, pipeline.inputs["roleArn"])
    assert not [a for s in pipeline_statements.values() for a in s["Action"] if a.startswith("lambda:")]
    run_builds = pipeline_statements["RunPipelineBuilds"]["Resource"]
    assert sorted(run_builds) == sorted(p.outputs["arn"] for p in up_three.of_type(PROJECT))


def test_failures_notify_the_alert_topic_and_raise_alarms(capture: Capture) -> None:
    """Seed failure: "Missing monitoring for CI/CD pipeline": pipeline and build failures reach the alert topic
    through EventBridge, and every CodeBuild project has a FailedBuilds alarm."""
    primary = capture.outputs["primary_region"]
    (topic,) = _in_region(capture, "aws:sns/topic:Topic", primary)
    rules = {r.name: r for r in capture.of_type("aws:cloudwatch/eventRule:EventRule") if r.name.endswith("-failures")}
    assert len(rules) == 2
    patterns = [json.loads(rule.inputs["eventPattern"]) for rule in rules.values()]
    sources = sorted(pattern["source"][0] for pattern in patterns)
    assert sources == ["aws.codebuild", "aws.codepipeline"]
    for pattern in patterns:
        states = pattern["detail"].get("state") or pattern["detail"].get("build-status")
        assert states == ["FAILED"]
    targets = [t for t in capture.of_type("aws:cloudwatch/eventTarget:EventTarget") if t.name.endswith("-failures")]
    assert len(targets) == 2
    for target in targets:
        assert target.property_dependencies["arn"] == [topic.urn]
        assert capture.region_of(target) == primary
    alarms = [a for a in capture.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.endswith("failed-builds")]
    projects = capture.of_type(PROJECT)
    assert len(alarms) == len(projects) == len(_regions(capture)) + 1
    for alarm in alarms:
        assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == ("AWS/CodeBuild", "FailedBuilds")
        (region_topic,) = _in_region(capture, "aws:sns/topic:Topic", capture.region_of(alarm) or "")
        assert alarm.property_dependencies["alarmActions"] == [region_topic.urn]


def test_the_alert_topic_admits_eventbridge_for_the_failure_rules_only(up_three: Capture) -> None:
    primary = up_three.outputs["primary_region"]
    (policy,) = _in_region(up_three, "aws:sns/topicPolicy:TopicPolicy", primary)
    statements = {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}
    rules = [r for r in up_three.of_type("aws:cloudwatch/eventRule:EventRule") if r.name.endswith("-failures")]
    granted = []
    for sid in ("PipelineFailuresPublish", "BuildFailuresPublish"):
        statement = statements[sid]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == ["sns:Publish"]
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
        granted.append(statement["Condition"]["ArnEquals"]["aws:SourceArn"])
    assert sorted(granted) == sorted(rule.outputs["arn"] for rule in rules)
    (key,) = _in_region(up_three, "aws:kms/key:Key", primary)
    key_statements = {s["Sid"]: s for s in policy_json(key.inputs["policy"])["Statement"]}
    publishers = key_statements["AlertPublishersUseEncryptedTopic"]["Principal"]["Service"]
    assert "events.amazonaws.com" in publishers
    for region in THREE_REGIONS[1:]:
        (other,) = _in_region(up_three, "aws:sns/topicPolicy:TopicPolicy", region)
        assert "PipelineFailuresPublish" not in other.inputs["policy"]


def test_the_deployer_and_pipeline_alone_keep_build_logs_as_long_as_their_args_say(
    build_alone: CaptureFactory,
) -> None:
    """Each CodeBuild project's log group keeps its own component's retention (the dev stack file says 7 days)."""
    capture = build_alone(
        """
        from delivery_stack.components.cicd import (
            DeliveryPipeline,
            DeliveryPipelineArgs,
            RegionDeployer,
            RegionDeployerArgs,
        )

        function = types.SimpleNamespace(
            name=pulumi.Output.from_input("fn-alone"),
            arn=pulumi.Output.from_input("arn:aws:lambda:us-east-1:123456789012:function:fn-alone"),
        )
        deployer = RegionDeployer(
            "deployer-alone",
            RegionDeployerArgs(
                context=ctx,
                key=key,
                artifacts_bucket=bucket,
                functions={"pipeline": function},
                alert_topic=topic,
                log_retention_days=120,
            ),
        )
        DeliveryPipeline(
            "delivery-alone", DeliveryPipelineArgs(context=ctx, targets=[deployer], log_retention_days=150)
        )
        """
    )
    retention = {
        group.name: group.inputs["retentionInDays"] for group in capture.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    assert retention == {"deployer-alone-logs": 120, "delivery-alone-build-logs": 150}
    (pipeline,) = capture.of_type(PIPELINE)
    (deploy_stage,) = [stage for stage in pipeline.inputs["stages"] if stage["name"].startswith("Deploy-")]
    (action,) = deploy_stage["actions"]
    variables = {v["name"]: v["value"] for v in json.loads(action["configuration"]["EnvironmentVariables"])}
    assert variables == {"FUNCTION_NAME": "fn-alone", "FUNCTION_PACKAGE": package_path("pipeline")}
