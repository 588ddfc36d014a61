"""The WAF web ACL in front of the API stage: the 64 KB body limit, a per-IP rate limit and AWS managed rules."""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import edge_errors
from talentpool import errors
from talentpool.http import MAX_BODY_BYTES

SCOPE = "REGIONAL"
# API Gateway lets WAF inspect up to 64 KB of body; a longer one is "oversize", and MATCH counts that as a hit.
INSPECTION_LIMIT = "KB_64"
RATE_WINDOW_SECONDS = 300


class RequestFirewall(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage_arn: str, rate_limit: int) -> None:
        super().__init__(scope, construct_id)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope=SCOPE,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("talentpool-api"),
            association_config=wafv2.CfnWebACL.AssociationConfigProperty(
                request_body={
                    "API_GATEWAY": wafv2.CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty(
                        default_size_inspection_limit=INSPECTION_LIMIT
                    )
                }
            ),
            custom_response_bodies={
                error.code: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content=edge_errors.body_of(error), content_type="APPLICATION_JSON"
                )
                for error in (edge_errors.BODY_TOO_LARGE, edge_errors.TOO_MANY_REQUESTS)
            },
            rules=[
                _body_size_rule(priority=0),
                _rate_rule(priority=1, limit=rate_limit),
                _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", priority=2),
                # Its SizeRestrictions_BODY blocks at 8 KB; our own 64 KB limit above is the one that applies.
                _managed_rule("AWSManagedRulesCommonRuleSet", priority=3, count_only=("SizeRestrictions_BODY",)),
            ],
        )
        wafv2.CfnWebACLAssociation(self, "Association", resource_arn=stage_arn, web_acl_arn=self.web_acl.attr_arn)


def _body_size_rule(priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Block bodies over the limit with the same 413 the handlers return, before any Lambda runs."""
    return wafv2.CfnWebACL.RuleProperty(
        name="BodyOverLimit",
        priority=priority,
        statement=wafv2.CfnWebACL.StatementProperty(
            size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                    body=wafv2.CfnWebACL.BodyProperty(oversize_handling="MATCH")
                ),
                comparison_operator="GT",
                size=MAX_BODY_BYTES,
                text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
            )
        ),
        action=_block(edge_errors.BODY_TOO_LARGE),
        visibility_config=_visibility("body-over-limit"),
    )


def _rate_rule(priority: int, limit: int) -> wafv2.CfnWebACL.RuleProperty:
    """Per source IP: stops a script flooding the public form long before it costs anything."""
    return wafv2.CfnWebACL.RuleProperty(
        name="RatePerIp",
        priority=priority,
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit, aggregate_key_type="IP", evaluation_window_sec=RATE_WINDOW_SECONDS
            )
        ),
        action=_block(edge_errors.TOO_MANY_REQUESTS),
        visibility_config=_visibility("rate-per-ip"),
    )


def _managed_rule(name: str, priority: int, count_only: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
    overrides = [
        wafv2.CfnWebACL.RuleActionOverrideProperty(
            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
        )
        for rule in count_only
    ]
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name, rule_action_overrides=overrides or None
            )
        ),
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        visibility_config=_visibility(name),
    )


def _block(error: errors.TalentpoolError) -> wafv2.CfnWebACL.RuleActionProperty:
    return wafv2.CfnWebACL.RuleActionProperty(
        block=wafv2.CfnWebACL.BlockActionProperty(
            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                response_code=edge_errors.status_of(error), custom_response_body_key=error.code
            )
        )
    )


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )
