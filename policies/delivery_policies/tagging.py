"""Provider and tag hygiene: every AWS resource has an explicit provider and carries the required tags."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ProviderView, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, elements, entries, field, is_mapping, json_document

DEFAULT_REQUIRED_TAGS: Final = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack")


def is_default_provider(provider: ProviderView) -> bool:
    """The engine names the provider it creates itself `default` or `default_<version>`."""
    return provider.name == "default" or provider.name.startswith("default_")


def check_explicit_provider(subject: ResourceView, evaluation: Evaluation) -> None:
    if not subject.type.startswith("aws:"):
        return
    if subject.provider is None:
        evaluation.not_applicable("the engine sent no provider for this resource")
    elif is_default_provider(subject.provider):
        evaluation.violation(
            "default-provider",
            f"the resource uses the default provider {subject.provider.name!r}, whose region and tags come from "
            "ambient configuration; pass an explicit aws.Provider (through its parent component)",
        )


def required_tags(config: Any) -> list[str]:
    configured = field(config, "requiredTags")
    if configured is MISSING or configured is UNKNOWN:
        return list(DEFAULT_REQUIRED_TAGS)
    return [item for item in elements(configured) if isinstance(item, str) and item]


def _tag_map(value: Any) -> Any:
    """{key: value or UNKNOWN} of a tags property, UNKNOWN for an unknown map, {} for anything else."""
    if value is UNKNOWN:
        return UNKNOWN
    return dict(entries(value))


def provider_default_tags(provider: ProviderView | None) -> Any:
    """The provider's defaultTags.tags; the SDK sends provider inputs of object type as JSON strings."""
    if provider is None:
        return {}
    document = json_document(field(provider.props, "defaultTags"))
    if document is UNKNOWN:
        return UNKNOWN
    if not is_mapping(document):
        return {}
    return _tag_map(field(document, "tags"))


def _has_value(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and bool(value.strip()))


def check_required_tags(subject: ResourceView, evaluation: Evaluation) -> None:
    wanted = required_tags(evaluation.config)
    # tagsAll is what the provider's Check computes (own tags over default tags); the offline engine has no Check.
    tags_all = field(subject.props, "tagsAll")
    if is_mapping(tags_all):
        effective = _tag_map(tags_all)
        sources = "tagsAll"
    else:
        own = _tag_map(field(subject.props, "tags"))
        if own is UNKNOWN:
            evaluation.undecided("tags")
            return
        missing_own = [key for key in wanted if not _has_value(own.get(key, MISSING))]
        if not missing_own:
            return
        defaults = provider_default_tags(subject.provider)
        if defaults is UNKNOWN:
            evaluation.undecided("provider", "defaultTags")
            return
        effective = {**defaults, **own}
        sources = "its tags or its provider's default tags"
    for key in wanted:
        value = effective.get(key, MISSING)
        if not _has_value(value):
            shown = "is empty" if isinstance(value, str) else "is missing"
            evaluation.violation(f"missing-tag:{key}", f"required tag {key!r} {shown} (looked at {sources})")


POLICIES: Final = (
    PolicySpec(
        name="resource-explicit-provider",
        description="No AWS resource uses a default provider: each reaches an explicit aws.Provider.",
        severity=Severity.HIGH,
        remediation="Create the resource under a component that received providers=[<the region's aws.Provider>], "
        "or pass opts=ResourceOptions(provider=...); keep pulumi:disable-default-providers: [aws] in Pulumi.yaml.",
        checkov=(),
        cdk_nag=(),
        topics=("providers", "multi-region"),
        scope="resource",
        check=check_explicit_provider,
        category="convention",
        example="""provider = aws.Provider("use1", region="us-east-1")
aws.sns.Topic("alerts", kms_master_key_id=key.arn, opts=pulumi.ResourceOptions(provider=provider))""",
        peer_notes="A Pulumi concept.",
    ),
    PolicySpec(
        name="required-tags",
        description="Every taggable AWS resource carries the required tags, directly or through its provider's "
        "default tags.",
        severity=Severity.LOW,
        remediation="Set the tags on the region's aws.Provider default_tags (Project, Environment, Owner, "
        "CostCenter, ManagedBy, Stack) and create every resource with that provider.",
        checkov=(),
        cdk_nag=(),
        topics=("tagging", "cost"),
        scope="resource",
        check=check_required_tags,
        resource_types=aws.taggable_types(),
        config_properties={
            "requiredTags": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": list(DEFAULT_REQUIRED_TAGS),
                "description": "Tag keys every taggable resource must carry.",
            }
        },
        category="convention",
        example="""provider = aws.Provider(
    "use1",
    region="us-east-1",
    default_tags={
        "tags": {
            "Project": "shop",
            "Environment": "dev",
            "Owner": "team",
            "CostCenter": "cc-1",
            "ManagedBy": "pulumi",
            "Stack": "dev",
        }
    },
)
aws.sns.Topic("alerts", kms_master_key_id=key.arn, opts=pulumi.ResourceOptions(provider=provider))""",
    ),
)
