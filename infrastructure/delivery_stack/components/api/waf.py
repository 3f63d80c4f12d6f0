"""The API's web ACL: AWS managed rule groups and a per-IP rate limit, associated with the stage, logging to an
encrypted `aws-waf-logs-` group with the caller's credentials redacted.

Built as part of the Api component (its children keep the Api as parent): a component of its own would change every
WAF resource's URN, and a real `pulumi up` would replace the web ACL.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.loggroup import encrypted_log_group
from delivery_stack.context import RegionContext

# Evaluation window of the WAF rate-based rule; the configured limit counts requests per IP in this window.
WAF_RATE_WINDOW_SECONDS = 300
MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
# WAF delivers logs only to CloudWatch log groups whose name starts with this prefix.
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
# Headers WAF must not write to its logs: the caller's API key, and the body signature (useless without the body,
# but it has no place in logs either). WAF compares header names case-insensitively.
WAF_REDACTED_HEADERS = ("x-api-key", "x-signature-sha256")


@dataclass(frozen=True)
class WafResources:
    web_acl: aws.wafv2.WebAcl
    web_acl_association: aws.wafv2.WebAclAssociation
    waf_log_group: aws.cloudwatch.LogGroup
    waf_logging: aws.wafv2.WebAclLoggingConfiguration


def _visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
    return aws.wafv2.WebAclVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _rule_visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def waf_rules(rate_limit_per_5min: int) -> list[aws.wafv2.WebAclRuleArgs]:
    """The managed rule groups in MANAGED_RULE_GROUPS order, then the per-IP rate limit."""
    rules = [
        aws.wafv2.WebAclRuleArgs(
            name=group,
            priority=priority,
            # Managed groups keep their own block actions ("none" = do not override them).
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    name=group, vendor_name="AWS"
                )
            ),
            visibility_config=_rule_visibility(group),
        )
        for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
    ]
    rules.append(
        aws.wafv2.WebAclRuleArgs(
            name="RatePerIp",
            priority=len(MANAGED_RULE_GROUPS) + 1,
            action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    limit=rate_limit_per_5min,
                    aggregate_key_type="IP",
                    evaluation_window_sec=WAF_RATE_WINDOW_SECONDS,
                )
            ),
            visibility_config=_rule_visibility("RatePerIp"),
        )
    )
    return rules


def build_waf(
    base: str,
    ctx: RegionContext,
    *,
    api_name: str,
    stage: aws.apigateway.Stage,
    key: aws.kms.Key,
    rate_limit_per_5min: int,
    log_retention_days: int,
    opts: pulumi.ResourceOptions,
) -> WafResources:
    """The web ACL protecting `stage`, its association and its logging (resources named `{base}-waf...`)."""
    acl_name = ctx.name("api-waf", "waf")
    web_acl = aws.wafv2.WebAcl(
        f"{base}-waf",
        name=acl_name,
        description=f"Protects {api_name}: AWS managed rules and a per-IP rate limit",
        scope="REGIONAL",
        default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
        rules=waf_rules(rate_limit_per_5min),
        visibility_config=_visibility(acl_name),
        opts=opts,
    )
    association = aws.wafv2.WebAclAssociation(
        f"{base}-waf-association", resource_arn=stage.arn, web_acl_arn=web_acl.arn, opts=opts
    )
    # CloudWatch Logs encrypts the group with the region key (the key policy admits the logs service for this
    # account's log groups); WAF adds the log delivery resource policy for `aws-waf-logs-*` groups itself.
    log_group = encrypted_log_group(
        f"{base}-waf-logs", f"{WAF_LOG_GROUP_PREFIX}{acl_name}", key, log_retention_days, opts
    )
    logging = aws.wafv2.WebAclLoggingConfiguration(
        f"{base}-waf-logging",
        resource_arn=web_acl.arn,
        log_destination_configs=[log_group.arn],
        redacted_fields=[
            aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=header)
            )
            for header in WAF_REDACTED_HEADERS
        ],
        opts=opts,
    )
    return WafResources(web_acl, association, log_group, logging)
